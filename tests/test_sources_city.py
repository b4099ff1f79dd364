"""proximity.sources.city: the City's kind (municipality or study area) and its checks."""

from __future__ import annotations

from pathlib import Path

import pytest
from _sources import assert_msg, own_city

from proximity.errors import SchemaError


@pytest.mark.parametrize(
    "header,kind,code",
    [
        ("", "study_area", None),  # default: no kommun code, no kind
        ('kommun_code = "1283"\n', "municipality", "1283"),
        ('kommun = "0114"\n', "municipality", "0114"),  # alias
        ("kommun_code = 114\n", "municipality", "0114"),  # unquoted: zero-padded
        ('kind = "municipality"\n', "municipality", None),
        ('kind = "study_area"\nkommun_code = "1283"\n', "study_area", "1283"),  # part of one
    ],
)
def test_city_kind_from_toml(tmp_path: Path, header: str, kind: str, code: str | None) -> None:
    from proximity.sources import load_city

    toml = own_city(tmp_path)
    toml.write_text(header + toml.read_text(encoding="utf-8"), encoding="utf-8")
    c = load_city(toml, cache=False)
    assert c.kind == kind and c.kommun_code == code
    assert c.is_municipality == (kind == "municipality")
    assert c.total_label_sv == ("Hela kommunen" if kind == "municipality" else "Hela studieområdet")
    assert c.summary()["kind"] == kind


@pytest.mark.parametrize(
    "header,text",
    [('kind = "kommun"\n', "Unknown city kind"), ('kommun_code = "12"\n', "four-digit")],
)
def test_city_kind_errors(tmp_path: Path, header: str, text: str) -> None:
    from proximity.sources import load_city

    toml = own_city(tmp_path)
    toml.write_text(header + toml.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(SchemaError, match=text) as e:
        load_city(toml, cache=False)
    assert_msg(e, toml)


def test_builtin_city_kinds() -> None:
    from proximity.errors import ParameterError
    from proximity.sources import CITY_KINDS, City, load_city

    hbg = load_city("helsingborg")
    assert (hbg.kind, hbg.kommun_code, hbg.total_label_sv) == (
        "municipality",
        "1283",
        "Hela kommunen",
    )
    assert hbg.split_area("sodra_staden").kind == "municipality"
    demo = load_city("helsinki-demo")
    assert (demo.kind, demo.kommun_code) == ("study_area", None)
    assert demo.total_label_sv == "Hela studieområdet"
    assert CITY_KINDS == ("municipality", "study_area")
    # default for a City built in code, and an invalid kind
    import dataclasses

    assert {f.name: f.default for f in dataclasses.fields(City)}["kind"] == "study_area"
    with pytest.raises(ParameterError, match="Unknown city kind"):
        dataclasses.replace(demo, kind="kommun")
