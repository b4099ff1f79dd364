"""Running the shipped scenarios end to end: crow-fly labels, siting applied, own city files."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from _scenario import ROOT, offline_env_fixture, write  # noqa: F401 (pytest fixtures)

from proximity import scenario as sc
from proximity.scenario.portable import portable_paths, provenance_bases


def test_baseline_outputs_labelled_crowfly(runs):
    base, _ = runs
    out = base.out_dir
    assert (out / "run.json").exists() and (out / "report.md").exists()
    assert (out / "report.html").exists()
    maps = sorted((out / "maps").glob("*.html"))
    assert len(maps) == 4
    for m in maps:
        assert "crowfly" in m.read_text(encoding="utf-8")
    areas = pd.read_csv(out / "tables" / "areas.csv")
    assert set(areas["distance_method"]) == {"crowfly×1.3"}
    eq = pd.read_csv(out / "tables" / "equity.csv")
    assert set(eq["distance_method"]) == {"crowfly×1.3"}
    assert "fågelväg" in (out / "report.md").read_text(encoding="utf-8").lower()
    # Helsingborg's population counts persons: labelled so, no floor-area proxy wording
    assert set(areas["population_unit"]) == {"persons"}
    report = (out / "report.md").read_text(encoding="utf-8")
    assert " invånare " in report and "bostadsyta" not in report.lower()
    run_json = json.loads((out / "run.json").read_text("utf-8"))
    assert run_json["population_unit"] == "persons"
    # the network origin as written: crow-fly as a fallback, with the reason
    # (the cache path in the reason is written as the bare file name: no local paths)
    bases = provenance_bases(base.scenario)
    assert run_json["network"] == portable_paths(base.network_origin.to_dict(), bases)
    reason = str(base.network_origin.reason)
    assert "/networks/" in reason and "/networks/" not in run_json["network"]["reason"]
    assert re.sub(r"\(/[^)]*/", "(", reason) == run_json["network"]["reason"]
    assert set(run_json["network"]) == {"mode", "origin", "reason"}
    assert run_json["network"]["mode"] == "crowfly" and base.network_origin.is_fallback
    assert run_json["distance_method"] == base.distance_method == "crowfly×1.3"
    assert run_json["crowfly"] is True and run_json["network_provenance"] is None
    # population is conserved on every row
    parts = areas[["covered", "uncovered", "unsnapped", "unreachable", "unlocated"]].sum(axis=1)
    assert (parts == areas["population"]).all()
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")]


def test_motion_ranks_one_site_per_area_and_splits_planteringen(runs):
    _, motion = runs
    sites = pd.read_csv(motion.out_dir / "tables" / "sites.csv")
    assert list(sites["rank"]) == [1, 2, 3, 4, 5]
    assert sites["area_id"].is_unique
    assert set(sites["distance_method"]) == {"crowfly×1.3"}
    assert set(sites["gain_unit"]) == {"persons"} and set(sites["population_unit"]) == {"persons"}
    areas = pd.read_csv(motion.out_dir / "tables" / "areas.csv")
    assert "B071" in set(areas["area_id"]) and "sodra_staden" not in set(areas["area_id"])
    before = pd.read_csv(motion.out_dir / "tables" / "areas_before_siting.csv")
    key = ["category", "profile", "threshold_min", "group", "area_id"]
    m = areas.merge(before, on=key, suffixes=("", "_before"))
    d = m[
        (m.category == "district_office")
        & (m.area_id == "__total__")
        & (m.profile == "adult")
        & (m.threshold_min == 15)
    ].iloc[0]
    # the final coverage includes the new sites: the gain equals the sum of marginal gains
    assert d["covered"] - d["covered_before"] == pytest.approx(sites["marginal_gain"].sum())
    assert (motion.out_dir / "tables" / "delta_vs_baseline.csv").exists()


def test_city_as_a_path_and_grid_candidates(tmp_path):
    city_toml = ROOT / "data" / "helsingborg" / "city.toml"
    p = write(
        tmp_path,
        f"""
name = "own-files"
city = "{city_toml.as_posix()}"
categories = ["district_office"]
thresholds_min = [15]
profiles = ["adult"]
network = "crowfly"
[siting]
k = 2
threshold_min = 15
candidates = "grid:1000"
[outputs]
maps = false
report = false
""",
    )
    s = sc.load_scenario(p)
    assert s.city == str(city_toml) and s.city_is_path
    res = sc.compute(s)
    assert res.network_origin.origin == "scenario" and res.crowfly
    assert len(res.siting.chosen) == 2
    assert all(str(c).startswith("grid") for c in res.siting.chosen)
    assert not any("fallback" in w for w in res.warnings)
