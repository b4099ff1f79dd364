"""proximity.sources.loaders: areas, population and services of any city."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
from _sources import CRS, STUDY, pts_ll
from shapely.geometry import box

from proximity.sources import load_areas, load_population, load_services, metric_crs_for


def test_services_csv_latlon(tmp_path: Path) -> None:
    p = tmp_path / "s.csv"
    pts_ll().to_csv(p, index=False)
    s = load_services(p, boundary=STUDY, boundary_crs=CRS)
    assert s.crs == CRS and len(s) == 3
    assert list(s.columns[:5]) == ["service_id", "name", "category", "location_quality", "source"]
    assert (s["source"] == "file s.csv").all()


def test_population_assigns_areas_by_polygon(tmp_path: Path) -> None:
    areas = gpd.GeoDataFrame(
        {"area_id": ["W", "E"], "name": ["West", "East"]},
        geometry=[box(355000, 6208000, 358000, 6217000), box(358000, 6208000, 362000, 6217000)],
        crs=CRS,
    )
    ap = tmp_path / "areas.gpkg"
    areas.to_file(ap)
    a = load_areas(ap)
    p = tmp_path / "pop.csv"
    pd.DataFrame(
        {"demand_id": [1, 2], "population": [5, 6], "x": [356000, 360000], "y": [6210000, 6210000]}
    ).to_csv(p, index=False)
    d = load_population(p, crs=CRS, areas=a)
    assert d["area_id"].tolist() == ["W", "E"] and d["demand_id"].tolist() == ["1", "2"]


def test_category_map(tmp_path: Path) -> None:
    df = pts_ll().assign(category=["bibliotek", "vårdcentral", "district_office"])
    p = tmp_path / "s.csv"
    df.to_csv(p, index=False)
    s = load_services(p, category_map={"bibliotek": "library", "vårdcentral": "health_centre"})
    assert s["category"].tolist() == ["library", "health_centre", "district_office"]


def test_metric_crs_for() -> None:
    assert metric_crs_for(12.7, 56.05) == "EPSG:3006"
    assert metric_crs_for(24.94, 60.17) == "EPSG:32635"


def test_load_subareas_with_parent_area(tmp_path: Path) -> None:
    from proximity.sources import load_subareas

    g = gpd.GeoDataFrame(
        {"del_id": ["W1", "W2"], "name": ["a", "b"], "area_id": [1.0, 1.0]},
        geometry=[box(355000, 6208000, 356000, 6209000), box(356000, 6208000, 357000, 6209000)],
        crs=CRS,
    )
    p = tmp_path / "sub.gpkg"
    g.to_file(p)
    s = load_subareas(p, id_col="del_id")
    assert list(s.columns[:5]) == ["subarea_id", "name", "area_id", "boundary_quality", "source"]
    assert s["subarea_id"].tolist() == ["W1", "W2"] and s["area_id"].tolist() == ["1", "1"]


def test_area_id_of() -> None:
    from proximity.sources.loaders import area_id_of

    areas = gpd.GeoDataFrame(
        {"area_id": ["W", "E"]},
        geometry=[box(355000, 6208000, 358000, 6217000), box(358000, 6208000, 362000, 6217000)],
        crs=CRS,
    )
    pts = gpd.GeoDataFrame(
        geometry=gpd.points_from_xy([356000, 360000, 400000], [6210000] * 3), crs=CRS
    )
    assert area_id_of(pts, areas).tolist() == ["W", "E", ""]
    assert area_id_of(pts.iloc[:0], areas).empty


def test_population_year_column_or_argument(tmp_path: Path) -> None:
    p = tmp_path / "pop.csv"
    df = pd.DataFrame(
        {"demand_id": ["a"], "area_id": ["x"], "population": [1], "lat": [56.05], "lon": [12.7]}
    )
    df.to_csv(p, index=False)
    assert load_population(p)["population_year"].isna().all()
    assert load_population(p, year=2020)["population_year"].tolist() == [2020]
    df.assign(population_year=[2019]).to_csv(p, index=False)
    d = load_population(p, year=2020)
    assert d["population_year"].tolist() == [2019] and d["subarea_id"].tolist() == [""]
    assert d["location_quality"].tolist() == ["as supplied"]
