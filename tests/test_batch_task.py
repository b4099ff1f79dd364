"""The per-municipality scenario written from the batch scenario (SYNTHETIC TOML)."""

from __future__ import annotations

import tomllib

import pytest

from proximity.batch.task import municipal_scenario
from proximity.errors import ScenarioError


def test_city_name_and_outputs_are_rewritten(tmp_path):
    t = tmp_path / "national.toml"
    t.write_text(
        'schema = 1\nname = "Nationell tillgång"\ncity = "x"\nthresholds_m = [300, 600]\n'
        '[outputs]\ndir = "out/x"\nmaps_dir = "maps"\nmaps = true\nmap_profile = "adult"\n',
        encoding="utf-8",
    )
    raw = tomllib.loads(municipal_scenario(t, "0180"))
    assert raw["city"] == "bundle/city.toml"
    assert raw["name"] == "nationell-tillgang-0180"
    assert raw["thresholds_m"] == [300, 600]
    o = raw["outputs"]
    assert "dir" not in o and "maps_dir" not in o and o["map_profile"] == "adult"
    assert (o["maps"], o["report"], o["tables"], o["publish"]) == (False, False, True, False)


def test_baseline_is_refused(tmp_path):
    t = tmp_path / "b.toml"
    t.write_text('name = "b"\ncity = "x"\nbaseline = "a.toml"\n', encoding="utf-8")
    with pytest.raises(ScenarioError, match="baseline"):
        municipal_scenario(t, "0180")


def test_bad_toml_names_the_file(tmp_path):
    t = tmp_path / "bad.toml"
    t.write_text("name = \n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"bad\.toml"):
        municipal_scenario(t, "0180")
