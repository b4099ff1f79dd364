"""Selection, largest-first order, input hash and done-markers (SYNTHETIC small tables)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from proximity._manifest import build_manifest, write_manifest
from proximity.batch import plan
from proximity.errors import ParameterError


@pytest.fixture
def munis():
    return gpd.GeoDataFrame(
        dict(
            kommun_kod=["0114", "0180", "1280", "2584"],
            kommun_namn=["Upplands Väsby", "Stockholm", "Malmö", "Kiruna"],
            area_km2=[75.0, 188.0, 158.0, 19_000.0],
        ),
        geometry=[shapely.box(0, 0, 1, 1)] * 4,
        crs=3006,
    )


def test_select_all_and_codes(munis):
    assert len(plan.select(munis, "all")) == 4
    assert list(plan.select(munis, "1280, 114")["kommun_kod"]) == ["0114", "1280"]
    with pytest.raises(ParameterError, match="9999"):
        plan.select(munis, "0114,9999")


def test_population_summed_by_the_code_prefix(tmp_path):
    p = tmp_path / "pop.csv"
    pd.DataFrame(
        dict(
            area_id=["0180C1010", "0180C1020", "1280C1010", "0114A0010"],
            population=[1000, 2500, 1700, 900],
        )
    ).to_csv(p, index=False)
    got = plan.population_by_municipality(p, ["0114", "0180", "1280", "2584"])
    assert got == {"0114": 900.0, "0180": 3500.0, "1280": 1700.0}  # by hand; 2584 has none
    assert plan.population_by_municipality(None, ["0114"]) == {}


def test_largest_population_first_then_area(munis):
    order = plan.order_largest_first(munis, {"0114": 900.0, "0180": 3500.0, "1280": 1700.0})
    assert [c for c, _, _ in order] == ["0180", "1280", "0114", "2584"]
    # without population: by area (Kiruna's 19 000 km² first)
    assert [c for c, _, _ in plan.order_largest_first(munis, {})] == [
        "2584",
        "0180",
        "1280",
        "0114",
    ]


def test_input_hash_follows_the_inputs(tmp_path):
    scen, osm, areas = tmp_path / "s.toml", tmp_path / "x.osm.pbf", tmp_path / "a.geojson"
    scen.write_text('name = "a"\n')
    osm.write_bytes(b"pbf")
    areas.write_text("{}")
    base = plan.input_hash(scen, osm, {"areas": areas, "deso": None}, code="0114")
    assert base == plan.input_hash(scen, osm, {"areas": areas, "deso": None}, code="0114")
    assert base != plan.input_hash(scen, osm, {"areas": areas, "deso": None}, code="0115")
    osm.write_bytes(b"pbf2")
    changed_osm = plan.input_hash(scen, osm, {"areas": areas, "deso": None}, code="0114")
    scen.write_text('name = "b"\n')
    changed_scen = plan.input_hash(scen, osm, {"areas": areas, "deso": None}, code="0114")
    assert len({base, changed_osm, changed_scen}) == 3


def test_done_needs_the_same_hash_and_unchanged_files(tmp_path):
    f = tmp_path / "0114"
    (f / "run").mkdir(parents=True)
    (f / "run" / "t.csv").write_text("a\n1\n")
    assert not plan.is_done(f, "h1")  # no manifest: not done
    src = dict(name=plan.BATCH_SOURCE, input_hash="h1")
    write_manifest(f, build_manifest(f, "run", sources=[src]))
    assert plan.recorded_hash(f) == "h1"
    assert plan.is_done(f, "h1") and not plan.is_done(f, "h2")
    (f / "run" / "t.csv").write_text("a\n2\n")  # edited after the run: not vouched for
    assert not plan.is_done(f, "h1")


def test_default_order_by_scb_population_then_area():
    """Real codes, no --population: SCB 2025 (data/sweden/population_kommun_2025.csv) orders them.

    Figures read from the CSV by hand (population_2025_01_01): Stockholm 0180 995 574,
    Helsingborg 1283 152 091, Gävle 2180 103 838. Their made-up areas put Gävle first and
    Stockholm last, so an order by area would be the reverse. 9901 (a fake code) is not in
    the CSV: it comes after them, by area.
    """
    t = gpd.GeoDataFrame(
        dict(
            kommun_kod=["2180", "1283", "0180", "9901"],
            kommun_namn=["Gävle", "Helsingborg", "Stockholm", "Testkommun 1"],
            area_km2=[3000.0, 2000.0, 1000.0, 90_000.0],
        ),
        geometry=[shapely.box(0, 0, 1, 1)] * 4,
        crs=3006,
    )
    pop, origin = plan.order_population(None, list(t["kommun_kod"]))
    assert pop == {"0180": 995_574.0, "1283": 152_091.0, "2180": 103_838.0}
    assert origin == {"--population": 0, "SCB 2025": 3}
    assert [c for c, _, _ in plan.order_largest_first(t, pop)] == ["0180", "1283", "2180", "9901"]


def test_local_population_wins_over_scb(tmp_path):
    p = tmp_path / "pop.csv"  # SYNTHETIC: Gävle given more persons than Stockholm
    pd.DataFrame(dict(area_id=["2180A1", "2180A2"], population=[600_000, 500_000])).to_csv(
        p, index=False
    )
    pop, origin = plan.order_population(p, ["0180", "2180", "9901"])
    assert pop == {"2180": 1_100_000.0, "0180": 995_574.0}  # 0180 from the CSV, 9901 none
    assert origin == {"--population": 1, "SCB 2025": 1}


def test_plan_jobs_orders_real_codes_by_scb_and_says_so(tmp_path):
    from _batch import SCENARIO

    from proximity.batch import BatchOptions, plan_jobs

    extracts = tmp_path / "extracts"  # dummy extracts: planning only hashes them
    extracts.mkdir()
    for code in ("2180", "1283", "0180"):
        (extracts / f"{code}.osm.pbf").write_bytes(b"not read when planning")
    scenario = tmp_path / "s.toml"
    scenario.write_text(SCENARIO, encoding="utf-8")
    opts = BatchOptions(
        scenario=scenario, out=tmp_path / "out", municipalities="2180,1283,0180", extracts=extracts
    )
    log: list[str] = []
    jobs, _, _ = plan_jobs(opts, say=log.append)
    assert [j.code for j in jobs] == ["0180", "1283", "2180"]
    assert [j.population for j in jobs] == [995_574.0, 152_091.0, 103_838.0]
    assert any("3 by SCB's population 2025" in line for line in log)
