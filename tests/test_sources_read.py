"""proximity.sources.read: file formats, CRS rules and CSV coordinates, with clear errors.

Each bad-input test asserts the error class and that the message names the file, the row
(where there is one) and a fix.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from _sources import CRS, STUDY, assert_msg, pts_ll
from shapely.geometry import Point, box

from proximity.errors import CRSError, GeometryError, InputFileError, SchemaError
from proximity.sources import load_areas, load_population, load_services


def test_services_csv_xy_with_crs(tmp_path: Path) -> None:
    df = pts_ll()
    g = gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df.lon, df.lat), crs=4326).to_crs(CRS)
    df = df.drop(columns=["lat", "lon"]).assign(x=g.geometry.x, y=g.geometry.y)
    p = tmp_path / "s.csv"
    df.to_csv(p, index=False)
    s = load_services(p, crs=CRS, boundary=STUDY, boundary_crs=CRS)
    assert s.geometry.x.round(3).tolist() == g.geometry.x.round(3).tolist()


@pytest.mark.parametrize("suffix", [".geojson", ".gpkg", ".parquet"])
def test_population_vector_formats(tmp_path: Path, suffix: str) -> None:
    g = gpd.GeoDataFrame(
        {
            "demand_id": ["a", "b"],
            "population": [10, 0],
            "area_id": ["x", "y"],
            "pop_65_plus": [2, 0],
        },
        geometry=[Point(356000, 6210000), Point(357000, 6211000)],
        crs=CRS,
    )
    p = tmp_path / f"pop{suffix}"
    if suffix == ".parquet":
        g.to_parquet(p)
    else:
        g.to_file(p)
    d = load_population(p, boundary=STUDY, boundary_crs=CRS, year=2023)
    assert d["population"].tolist() == [10.0, 0.0]
    assert (d["population_year"] == 2023).all() and "pop_65_plus" in d.columns


def test_geojson_without_crs_is_wgs84(tmp_path: Path) -> None:
    p = tmp_path / "a.geojson"
    p.write_text(
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":'
        '{"area_id":"A","name":"A"},"geometry":{"type":"Polygon","coordinates":'
        "[[[12.69,56.03],[12.72,56.03],[12.72,56.05],[12.69,56.05],[12.69,56.03]]]}}]}"
    )
    a = load_areas(p)
    assert a.crs == "EPSG:3006" and a.area.iloc[0] > 1e6


def test_missing_file(tmp_path: Path) -> None:
    p = tmp_path / "nope.csv"
    with pytest.raises(InputFileError) as e:
        load_services(p)
    assert_msg(e, p)


def test_missing_coordinate_columns(tmp_path: Path) -> None:
    p = tmp_path / "s.csv"
    pts_ll().drop(columns=["lat", "lon"]).to_csv(p, index=False)
    with pytest.raises(SchemaError) as e:
        load_services(p)
    assert "lat/lon or x/y" in assert_msg(e, p)


def test_missing_coordinates_in_csv(tmp_path: Path) -> None:
    p = tmp_path / "s.csv"
    pts_ll().assign(lat=[56.05, None, 56.0272]).to_csv(p, index=False)
    with pytest.raises(GeometryError) as e:
        load_services(p)
    assert_msg(e, p, row="s2")


@pytest.mark.filterwarnings("ignore:.crs. was not provided")
def test_gpkg_without_crs(tmp_path: Path) -> None:
    g = gpd.GeoDataFrame(
        {"area_id": ["A"], "name": ["a"]}, geometry=[box(355000, 6208000, 356000, 6209000)]
    )
    p = tmp_path / "a.gpkg"
    g.to_file(p)
    with pytest.raises(CRSError) as e:
        load_areas(p)
    assert "no coordinate reference system" in assert_msg(e, p)
    assert load_areas(p, crs=CRS).crs == CRS


def test_parquet_without_crs(tmp_path: Path) -> None:
    g = gpd.GeoDataFrame(
        {"demand_id": ["a"], "population": [1], "area_id": ["x"]}, geometry=[Point(356000, 6210000)]
    )
    p = tmp_path / "p.parquet"
    g.to_parquet(p)
    with pytest.raises(CRSError) as e:
        load_population(p)
    assert_msg(e, p)


def test_csv_xy_without_crs(tmp_path: Path) -> None:
    p = tmp_path / "s.csv"
    pd.DataFrame(
        {"service_id": ["s1"], "category": ["library"], "x": [356000], "y": [6210000]}
    ).to_csv(p, index=False)
    with pytest.raises(CRSError) as e:
        load_services(p)
    assert "crs=" in assert_msg(e, p)


def test_conflicting_crs_argument(tmp_path: Path) -> None:
    g = gpd.GeoDataFrame(
        {"area_id": ["A"], "name": ["a"]}, geometry=[box(355000, 6208000, 356000, 6209000)], crs=CRS
    )
    p = tmp_path / "a.gpkg"
    g.to_file(p)
    with pytest.raises(CRSError) as e:
        load_areas(p, crs="EPSG:3008")
    assert_msg(e, p)


def test_unsupported_format(tmp_path: Path) -> None:
    p = tmp_path / "a.xlsx"
    p.write_bytes(b"x")
    with pytest.raises(InputFileError) as e:
        load_areas(p)
    assert_msg(e, p)


def test_unreadable_file(tmp_path: Path) -> None:
    p = tmp_path / "a.geojson"
    p.write_text("{not json")
    with pytest.raises(InputFileError) as e:
        load_areas(p)
    assert_msg(e, p)


# ------------------------------------------------------------------ read_geo / load_table direct
def test_read_geo_keeps_the_file_crs(tmp_path: Path) -> None:
    from proximity.sources.read import read_geo

    p = tmp_path / "s.csv"
    pts_ll().to_csv(p, index=False)
    g = read_geo(p, geometry="point", str_cols=["service_id"])
    assert g.crs == "EPSG:4326" and g.geometry.x.tolist() == [12.7, 12.71, 12.7081]


def test_read_geo_wkt_csv(tmp_path: Path) -> None:
    from proximity.sources.read import read_geo

    p = tmp_path / "a.csv"
    pd.DataFrame(
        {"area_id": ["A"], "name": ["a"], "wkt": [box(355000, 6208000, 356000, 6209000).wkt]}
    ).to_csv(p, index=False)
    g = read_geo(p, crs=CRS, geometry="polygon")
    assert g.crs == CRS and g.area.iloc[0] == 1e6 and "wkt" not in g.columns
    with pytest.raises(CRSError, match="WKT column but no CRS") as e:
        read_geo(p, geometry="polygon")
    assert_msg(e, p)
    with pytest.raises(SchemaError, match="No coordinate columns") as e:
        read_geo(p, geometry="point")
    assert_msg(e, p)
    pd.DataFrame({"area_id": ["A"], "wkt": ["POLYGON ((0 0, 1"]}).to_csv(p, index=False)
    with pytest.raises(GeometryError, match="valid WKT") as e:
        read_geo(p, crs=CRS, geometry="polygon")
    assert_msg(e, p)


def test_read_geo_non_numeric_latitude(tmp_path: Path) -> None:
    from proximity.sources.read import read_geo

    p = tmp_path / "s.csv"
    pts_ll().assign(lat=["56.05", "56,04", "56.0272"]).to_csv(p, index=False)
    with pytest.raises(SchemaError, match="Column 'lat' is not numeric") as e:
        read_geo(p)
    assert_msg(e, p, row="data row 2")


def test_read_geo_latlon_with_projected_crs(tmp_path: Path) -> None:
    from proximity.sources.read import read_geo

    p = tmp_path / "s.csv"
    pts_ll().to_csv(p, index=False)
    with pytest.raises(CRSError, match="is projected") as e:
        read_geo(p, crs=CRS)
    assert_msg(e, p)


def test_plain_parquet_with_xy(tmp_path: Path) -> None:
    from proximity.sources.read import read_geo

    p = tmp_path / "p.parquet"
    pd.DataFrame({"demand_id": ["a"], "x": [356000.0], "y": [6210000.0]}).to_parquet(p)
    g = read_geo(p, crs=CRS)
    assert g.crs == CRS and (g.geometry.x.iloc[0], g.geometry.y.iloc[0]) == (356000, 6210000)


def test_load_table(tmp_path: Path) -> None:
    from proximity.sources.read import load_table

    p = tmp_path / "t.csv"
    pd.DataFrame({"area_id": ["A"], "source": ["s"]}).to_csv(p, index=False)
    assert load_table(p, required=["area_id"]).to_dict("list") == {
        "area_id": ["A"],
        "source": ["s"],
    }
    with pytest.raises(SchemaError, match="Missing column"):
        load_table(p, required=["area_id", "edition"], what="area statistics")
    with pytest.raises(InputFileError, match="Area statistics file not found") as e:
        load_table(tmp_path / "none.csv", required=[], what="area statistics")
    assert_msg(e, tmp_path / "none.csv")
