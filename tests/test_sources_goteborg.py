"""The embedded Göteborg city (issue 14): accounting, areas with classes, health points.

Expected figures are recomputed here from the shared CSV/GeoPackage files in
``../shared/data/goteborg`` and ``../shared/data/sweden``, independently of ``build.py`` and
of the loader.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from proximity.sources import CATEGORIES, City, load_city

REPO = Path(__file__).resolve().parents[1]
HERE = REPO / "data" / "goteborg"


def _shared() -> Path:
    """``shared/data`` next to the repository or next to an ancestor (git worktrees)."""
    for up in REPO.parents:
        if (up / "shared" / "data" / "goteborg").is_dir():
            return up / "shared" / "data"
    return REPO.parent / "shared" / "data"


SHARED = _shared()
needs_shared = pytest.mark.skipif(
    not (SHARED / "goteborg").is_dir(), reason="../shared/data/goteborg is not available"
)

# the accounting of issue 14, as figures
TOTAL = 608_948
LOCATED = 606_741
UNLOCATED = {"99990": 1_924, "30616": 283}
NORRA_HISINGEN = {"Backa", "Brunnsbo", "Skälltorp", "Skogome", "Kärra", "Rödbo", "Tuve", "Säve"}


@pytest.fixture(scope="module")
def city() -> City:
    return load_city("goteborg")


@needs_shared
def test_accounting_recomputed_from_the_shared_csv() -> None:
    """608,948 = 606,741 joined to a basområde polygon + 2,207 without one."""
    pop = pd.read_csv(SHARED / "goteborg/population_basomrade_2025.csv", dtype={"omrade_kod": str})
    polys = set(gpd.read_file(SHARED / "goteborg/basomraden.gpkg")["omrade_kod"])
    assert int(pop["jan_1"].sum()) == TOTAL
    has_poly = pop["omrade_kod"].isin(polys)
    assert int(pop.loc[has_poly, "jan_1"].sum()) == LOCATED
    without = pop.loc[~has_poly & (pop["jan_1"] > 0)]
    assert dict(zip(without["omrade_kod"], without["jan_1"].astype(int), strict=True)) == UNLOCATED
    assert int((~has_poly).sum()) == 212  # 210 of them with 0 people
    assert sorted(polys - set(pop["omrade_kod"])) == ["30516"]  # "NA_16": no population row
    prim = pd.read_csv(
        SHARED / "goteborg/population_primaromrade_2025.csv", dtype={"omrade_kod": str}
    )
    assert int(prim["jan_1"].sum()) == TOTAL
    assert int(prim.loc[prim["omrade_kod"] == "199", "jan_1"].iloc[0]) == 1_924


def test_city_totals_match_the_accounting(city: City) -> None:
    assert city.kind == "municipality" and city.kommun_code == "1480"
    assert city.crs == "EPSG:3006"
    assert int(city.demand["population"].sum()) == LOCATED
    unl = city.unlocated
    assert dict(
        zip(unl["basomrade_kod"].astype(str), unl["population"].astype(int), strict=True)
    ) == (UNLOCATED)
    assert int(unl["population"].sum()) == TOTAL - LOCATED == 2_207
    assert city.total_population == TOTAL
    # 30616 lies in primärområde 306 (which has a polygon); 99990 has no area at all
    by_code = unl.set_index(unl["basomrade_kod"].astype(str))["area_id"]
    assert by_code["30616"] == "306" and by_code["99990"] == "__unassigned__"
    assert unl["reason"].str.len().gt(40).all() and unl["source"].str.len().gt(0).all()
    assert len(city.demand) == 1_024  # 1,025 polygons minus 30516 without a population row
    assert city.demand["demand_id"].is_unique
    assert "30516" not in set(city.demand["demand_id"])


def test_every_demand_point_lies_in_its_area(city: City) -> None:
    j = gpd.sjoin(
        city.demand[["area_id", "geometry"]],
        city.areas[["area_id", "geometry"]],
        predicate="within",
        lsuffix="pt",
        rsuffix="poly",
    )
    assert len(j) == len(city.demand)
    assert (j["area_id_pt"] == j["area_id_poly"]).all()


def test_96_areas_with_class_attributes(city: City) -> None:
    a = city.areas
    assert len(a) == 96 and a["area_id"].is_unique
    for col in ("mellanomrade", "stadsomrade", "socioek_kod", "socioek_klass", "socioek_rank"):
        assert col in a.columns
    assert a[["mellanomrade", "stadsomrade", "socioek_klass"]].ne("").all().all()
    assert set(a["stadsomrade"]) == {"Nordost", "Centrum", "Sydväst", "Hisingen"}
    assert a["mellanomrade"].nunique() == 36
    counts = a.groupby("socioek_kod").size().to_dict()
    assert counts == {"1": 8, "2": 11, "3": 36, "4": 10, "5": 13, "6": 16, "99": 2}
    unclassified = a["socioek_klass"] == "Ej klassificerat"
    assert (a.loc[unclassified, "socioek_rank"].fillna("") == "").all()
    assert (
        a.loc[~unclassified, "socioek_rank"].astype(str) == a.loc[~unclassified, "socioek_kod"]
    ).all()
    nh = a.loc[a["mellanomrade"].isin(["Backa", "Kärra-Rödbo", "Tuve-Säve"]), "name"]
    assert set(nh) == NORRA_HISINGEN
    assert round(city.boundary.area / 1e6, 2) == 459.25


@needs_shared
def test_114_health_points_recomputed(city: City) -> None:
    """The 114 OSM points the file assigns to Göteborg are all in the data (services or
    excluded), plus 3 without a municipality in the file that lie in the official polygons."""
    h = pd.read_csv(
        SHARED / "sweden/health_facilities_osm_2020.csv",
        dtype={"kommun_kod": str, "osm_node_id": str},
    )
    in_file = h[h["kommun_kod"] == "1480"]
    assert len(in_file) == 114
    excluded = pd.read_csv(HERE / "excluded_facts.csv", dtype={"osm_node_id": str})
    served = set(city.services["place_id"].str.removeprefix("osm"))
    ids = served | set(excluded["osm_node_id"])
    assert set(in_file["osm_node_id"]) <= ids
    assert len(served) + len(excluded) == len(ids) == 117
    extra = h[h["osm_node_id"].isin(ids - set(in_file["osm_node_id"]))]
    assert extra["kommun_kod"].isna().all()
    # clinic + doctors are health_centre, the rest (pharmacy, dentist, hospital) excluded
    clinic = in_file["amenity"].isin(["clinic", "doctors"])
    assert int(clinic.sum()) == 48
    assert set(in_file.loc[clinic, "osm_node_id"]) <= served
    assert set(in_file.loc[~clinic, "osm_node_id"]) <= set(excluded["osm_node_id"])


def test_health_points_flagged_as_2020_osm(city: City) -> None:
    s = city.services
    assert len(s) == 49 and set(s["category"]) == {"health_centre"}
    assert s["location_quality"].str.contains("2020").all()
    assert s["source"].str.contains("OpenStreetMap contributors, ODbL").all()
    assert (s["snapshot"].astype(str) == "2020-09-04").all()
    outside = ~s["location_note"].str.startswith("inside")
    assert int(outside.sum()) == 2  # Krokslätt (462 m) and a psychiatric clinic (342 m)
    assert city.validate() == ["services: 2 point(s) outside the boundary"]


def test_other_categories_are_declared_gaps(city: City) -> None:
    gaps = city.services_unlocated
    assert set(gaps["category"]) == set(CATEGORIES) - {"health_centre"}
    assert gaps["reason"].str.startswith("data gap").all()


@needs_shared
def test_build_is_reproducible(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("gbg_build", HERE / "build.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    summary = mod.build(SHARED / "goteborg", SHARED / "sweden", tmp_path)
    assert summary["population_total"] == TOTAL
    assert summary["population_located"] == LOCATED
    for name in (
        "demand.csv",
        "unlocated.csv",
        "services.csv",
        "services_unlocated.csv",
        "excluded_facts.csv",
        "sources.csv",
        "build_summary.json",
    ):
        assert (tmp_path / name).read_bytes() == (HERE / name).read_bytes(), name
    a = gpd.read_file(tmp_path / "areas.geojson")
    b = gpd.read_file(HERE / "areas.geojson")
    pd.testing.assert_frame_equal(a.drop(columns="geometry"), b.drop(columns="geometry"))
    assert a.geometry.geom_equals_exact(b.geometry, tolerance=1e-3).all()


def test_loads_without_shared_facts(tmp_path: Path) -> None:
    """The committed files are enough: copy data/goteborg alone and load from there."""
    shutil.copytree(HERE, tmp_path / "goteborg")
    c = load_city(tmp_path / "goteborg" / "city.toml", cache=False)
    assert c.total_population == TOTAL
