"""``[outputs] privacy_cell_m`` and ``privacy_min_count``: parsed, checked, passed to the maps.

The city is the shipped Helsingborg facts default (crow-fly, offline).
"""

from __future__ import annotations

import pytest
from _scenario import (
    light,
    offline_env_fixture,  # noqa: F401 (pytest fixture)
)

from proximity import scenario as sc
from proximity.errors import ScenarioError


def _with_outputs(tmp_path, lines: str):
    p = light(tmp_path, "")
    p.write_text(p.read_text("utf-8").replace("[outputs]", f"[outputs]\n{lines}"), "utf-8")
    return p


def test_the_keys_are_read(tmp_path):
    s = sc.load_scenario(_with_outputs(tmp_path, "privacy_cell_m = 500\nprivacy_min_count = 10"))
    assert s.outputs.privacy_cell_m == 500 and s.outputs.privacy_min_count == 10


def test_absent_keys_leave_the_maps_defaults(tmp_path):
    from proximity.scenario.documents import privacy_settings

    s = sc.load_scenario(_with_outputs(tmp_path, ""))
    assert s.outputs.privacy_cell_m is None and s.outputs.privacy_min_count is None
    assert privacy_settings(s) == {}


@pytest.mark.parametrize(
    ("line", "key", "fix"),
    [
        ("privacy_cell_m = 100", "privacy_cell_m", "Set privacy_cell_m to 250 or more"),
        ("privacy_cell_m = 249.9", "privacy_cell_m", "Set privacy_cell_m to 250 or more"),
        ("privacy_min_count = 4", "privacy_min_count", "Set privacy_min_count to 5 or more"),
        ("privacy_min_count = 0", "privacy_min_count", "Set privacy_min_count to 5 or more"),
        ('privacy_cell_m = "500"', "privacy_cell_m", "without quotes"),
        ("privacy_min_count = true", "privacy_min_count", "without quotes"),
    ],
)
def test_bad_values_are_refused_naming_the_key_and_the_fix(tmp_path, line, key, fix):
    with pytest.raises(ScenarioError) as err:
        sc.load_scenario(_with_outputs(tmp_path, line))
    text = str(err.value)
    assert key in text and fix in text and "outputs" in text


def test_the_least_values_are_accepted(tmp_path):
    s = sc.load_scenario(_with_outputs(tmp_path, "privacy_cell_m = 250\nprivacy_min_count = 5"))
    assert (s.outputs.privacy_cell_m, s.outputs.privacy_min_count) == (250, 5)


def test_the_run_passes_them_to_make_map(tmp_path, offline_env, monkeypatch):
    import proximity.maps as maps

    seen = []
    real = maps.make_map

    def spy(*a, **k):
        seen.append((k.get("privacy_cell_m"), k.get("privacy_min_count")))
        return real(*a, **k)

    monkeypatch.setattr(maps, "make_map", spy)
    p = _with_outputs(tmp_path, "privacy_cell_m = 1000\nprivacy_min_count = 20")
    p.write_text(p.read_text("utf-8").replace("maps = false", "maps = true"), "utf-8")
    r = sc.run(p, out_dir=tmp_path / "o", quiet=True)
    assert seen and set(seen) == {(1000.0, 20.0)}
    assert r.maps
