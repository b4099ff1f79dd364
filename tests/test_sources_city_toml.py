"""proximity.sources.city_toml: TOML syntax, schema version and renamed keys."""

from __future__ import annotations

from pathlib import Path

import pytest
from _sources import assert_msg, own_city

from proximity.errors import SchemaError
from proximity.sources import load_city
from proximity.sources.city_toml import (
    RENAMED_KEYS,
    SCHEMA_VERSION,
    check_schema,
    read_city_toml,
    resolve_path,
)

REPO = Path(__file__).resolve().parents[1]


def test_load_city_malformed_toml(tmp_path: Path) -> None:
    p = tmp_path / "city.toml"
    p.write_text("name = [unclosed\n")
    with pytest.raises(SchemaError) as e:
        load_city(p, cache=False)
    assert_msg(e, p)


def _with_header(tmp_path: Path, header: str) -> Path:
    toml = own_city(tmp_path)
    toml.write_text(header + toml.read_text(encoding="utf-8"), encoding="utf-8")
    return toml


@pytest.mark.parametrize("header", ["", "schema = 1\n"])
def test_schema_1_or_missing_is_accepted(tmp_path: Path, header: str) -> None:
    c = load_city(_with_header(tmp_path, header), cache=False)
    assert c.name == "Testkommun"
    assert SCHEMA_VERSION == 1 and check_schema({}, tmp_path) == 1


@pytest.mark.parametrize("value", ["2", "0", '"1"', "1.0", "true"])
def test_other_schema_is_refused(tmp_path: Path, value: str) -> None:
    toml = _with_header(tmp_path, f"schema = {value}\n")
    with pytest.raises(SchemaError, match="Unsupported city TOML schema") as e:
        load_city(toml, cache=False)
    msg = assert_msg(e, toml)
    assert "schema = 1" in e.value.fix and "city.toml" in msg


def test_schema_checked_for_osm_pbf_cities_too(tmp_path: Path) -> None:
    p = tmp_path / "city.toml"
    p.write_text('schema = 2\nbuilder = "osm_pbf"\ncrs = "EPSG:32635"\n[osm]\npbf = "x.pbf"\n')
    with pytest.raises(SchemaError, match="schema 2"):
        load_city(p, cache=False)


@pytest.mark.parametrize(
    "section,old,new",
    [
        ("areas", "id_column", "id_col"),
        ("areas", "name_column", "name_col"),
        ("demand", "population_column", "population_col"),
        ("demand", "year_column", "year_col"),
        ("services", "category_column", "category_col"),
        ("subareas", "area_column", "area_col"),
    ],
)
def test_renamed_key_names_the_new_name(tmp_path: Path, section: str, old: str, new: str) -> None:
    toml = own_city(tmp_path)
    text = toml.read_text(encoding="utf-8")
    if f"[{section}]" not in text:
        text += f'[{section}]\npath = "x.geojson"\n'
    toml.write_text(text.replace(f"[{section}]\n", f'[{section}]\n{old} = "x"\n'), "utf-8")
    with pytest.raises(SchemaError) as e:
        load_city(toml, cache=False)
    msg = assert_msg(e, toml)
    assert f"Key {old!r} in [{section}] was renamed to {new!r}." in msg
    assert f"Write {new} = ... instead of {old} = ..." in e.value.fix
    assert RENAMED_KEYS[old] == new


def test_renamed_keys_point_to_keys_the_builder_reads() -> None:
    from proximity.sources import files_city

    read = {
        *files_city.AREAS_OPTIONS,
        *files_city.SUBAREAS_OPTIONS,
        *files_city.DEMAND_OPTIONS,
        *files_city.SERVICES_OPTIONS,
    }
    assert set(RENAMED_KEYS.values()) <= read
    assert not set(RENAMED_KEYS) & read


def test_free_form_tables_are_not_checked(tmp_path: Path) -> None:
    toml = own_city(tmp_path)
    text = toml.read_text(encoding="utf-8").replace(
        'bibliotek = "library"\n', 'bibliotek = "library"\nid_column = "library"\n'
    )
    toml.write_text(text + '[provenance]\nid_column = "a note may say anything"\n', "utf-8")
    cfg = read_city_toml(toml)
    assert cfg["provenance"]["id_column"] == "a note may say anything"
    assert cfg["services"]["category_map"]["id_column"] == "library"


@pytest.mark.parametrize("name", ["helsingborg", "helsinki-demo"])
def test_shipped_city_files_read(name: str) -> None:
    cfg = read_city_toml(REPO / "data" / name / "city.toml")
    assert check_schema(cfg, Path(name)) == SCHEMA_VERSION


def test_resolve_path(tmp_path: Path) -> None:
    toml = tmp_path / "city.toml"
    assert resolve_path(toml, "a/b.csv") == tmp_path / "a" / "b.csv"
    assert resolve_path(toml, str(tmp_path / "c.csv")) == tmp_path / "c.csv"
