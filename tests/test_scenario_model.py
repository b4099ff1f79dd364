"""The scenario model: output and maps folders, the run.json summary."""

from __future__ import annotations

from pathlib import Path

from _scenario import SCENARIOS

from proximity import scenario as sc


def test_shipped_scenarios_publish_to_the_repos_maps_folder():
    for p in sorted(SCENARIOS.glob("*.toml")):
        s = sc.load_scenario(p)
        assert s.outputs.maps_dir == "maps", p.name
        assert s.published_maps_dir() == Path("maps") / s.name
        assert s.published_maps_dir(out_dir="x") is None
        assert s.published_maps_dir(out_dir="x", maps_dir="m") == Path("m") / s.name
