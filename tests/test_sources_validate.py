"""proximity.sources.validate: every bad-input case (ids, geometry, coordinates, values).

Each test asserts the error class and that the message names the file, the row (where there
is one) and a fix.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from _sources import CRS, STUDY, assert_msg, pts_ll
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, Polygon, box

from proximity.errors import CRSError, GeometryError, SchemaError
from proximity.sources import load_areas, load_population, load_services


def test_missing_column_lists_found(tmp_path: Path) -> None:
    p = tmp_path / "s.csv"
    pts_ll().drop(columns=["category"]).to_csv(p, index=False)
    with pytest.raises(SchemaError) as e:
        load_services(p)
    msg = assert_msg(e, p)
    assert "category" in msg and "Columns found: service_id, name, lat, lon" in msg


def test_duplicate_ids(tmp_path: Path) -> None:
    p = tmp_path / "s.csv"
    pts_ll().assign(service_id=["s1", "s2", "s1"]).to_csv(p, index=False)
    with pytest.raises(SchemaError) as e:
        load_services(p)
    msg = assert_msg(e, p, row="s1")
    assert "Duplicate id 's1'" in msg and "1, 3" in msg


def test_missing_id(tmp_path: Path) -> None:
    p = tmp_path / "s.csv"
    pts_ll().assign(service_id=["s1", None, "s3"]).to_csv(p, index=False)
    with pytest.raises(SchemaError) as e:
        load_services(p)
    assert_msg(e, p, row="data row 2")


def test_invalid_polygon(tmp_path: Path) -> None:
    bowtie = Polygon([(356000, 6210000), (358000, 6212000), (358000, 6210000), (356000, 6212000)])
    g = gpd.GeoDataFrame(
        {"area_id": ["A", "B"], "name": ["ok", "bow"]},
        geometry=[box(355000, 6208000, 356000, 6209000), bowtie],
        crs=CRS,
    )
    p = tmp_path / "a.gpkg"
    g.to_file(p)
    with pytest.raises(GeometryError) as e:
        load_areas(p)
    msg = assert_msg(e, p, row="id B")
    assert "Self-intersection" in msg and "make_valid" in msg
    assert load_areas(p, repair=True).geometry.is_valid.all()


def test_empty_geometry(tmp_path: Path) -> None:
    g = gpd.GeoDataFrame(
        {"area_id": ["A", "B"], "name": ["ok", "empty"]},
        geometry=[box(355000, 6208000, 356000, 6209000), Polygon()],
        crs=CRS,
    )
    p = tmp_path / "a.geojson"
    g.to_file(p)
    with pytest.raises(GeometryError) as e:
        load_areas(p)
    assert_msg(e, p, row="id B")


def test_latlon_swapped_sweden(tmp_path: Path) -> None:
    df = pts_ll()
    df["lat"], df["lon"] = df["lon"].copy(), df["lat"].copy()  # lat holds 12.7, lon 56.0
    p = tmp_path / "s.csv"
    df.to_csv(p, index=False)
    with pytest.raises(CRSError) as e:
        load_services(p)
    msg = assert_msg(e, p, row="s1")
    assert "swap" in msg.lower()


def test_latlon_swapped_study_area(tmp_path: Path) -> None:
    df = pts_ll().rename(columns={"service_id": "id"})
    df["lat"], df["lon"] = df["lon"].copy(), df["lat"].copy()
    p = tmp_path / "s.csv"
    df.to_csv(p, index=False)
    with pytest.raises(CRSError) as e:
        load_services(p, id_col="id", boundary=STUDY, boundary_crs=CRS)
    assert "swap" in assert_msg(e, p, row="s1").lower()


def test_xy_swapped_metric(tmp_path: Path) -> None:
    p = tmp_path / "pop.csv"
    pd.DataFrame(
        {
            "demand_id": ["a", "b"],
            "area_id": ["x", "x"],
            "population": [1, 2],
            "x": [6210000, 6211000],
            "y": [356000, 357000],
        }
    ).to_csv(p, index=False)
    with pytest.raises(CRSError) as e:
        load_population(p, crs=CRS, boundary=STUDY, boundary_crs=CRS)
    assert "swap" in assert_msg(e, p, row="id a").lower()


def test_points_outside_study_area(tmp_path: Path) -> None:
    df = pts_ll()
    df.loc[1, ["lat", "lon"]] = [55.6050, 13.0038]  # Malmö
    p = tmp_path / "s.csv"
    df.to_csv(p, index=False)
    with pytest.raises(GeometryError) as e:
        load_services(p, boundary=STUDY, boundary_crs=CRS)
    msg = assert_msg(e, p, row="s2")
    assert "1 of 3 services lie outside the study area (first: s2)" in msg
    kept = load_services(p, boundary=STUDY, boundary_crs=CRS, outside="drop")
    assert kept["service_id"].tolist() == ["s1", "s3"]


def test_unknown_category(tmp_path: Path) -> None:
    p = tmp_path / "s.csv"
    pts_ll().assign(category=["library", "helth_centre", "district_office"]).to_csv(p, index=False)
    with pytest.raises(SchemaError) as e:
        load_services(p)
    msg = assert_msg(e, p, row="s2")
    assert "Did you mean 'health_centre'?" in msg and "Known categories: labour_market" in msg
    assert "category_map" in msg


@pytest.mark.parametrize(
    "value,text", [(-5, "Negative population"), ("", "Missing"), ("many", "non-numeric")]
)
def test_bad_population(tmp_path: Path, value: object, text: str) -> None:
    p = tmp_path / "pop.csv"
    pd.DataFrame(
        {
            "demand_id": ["a", "b"],
            "area_id": ["x", "x"],
            "population": [3, value],
            "lat": [56.05, 56.04],
            "lon": [12.70, 12.71],
        }
    ).to_csv(p, index=False)
    with pytest.raises(SchemaError) as e:
        load_population(p)
    assert text in assert_msg(e, p, row="id b")


def test_metres_in_wgs84_file(tmp_path: Path) -> None:
    g = gpd.GeoDataFrame(
        {"service_id": ["s1", "s2"], "category": ["library", "library"]},
        geometry=[Point(356000, 6210000), Point(357000, 6211000)],
        crs="EPSG:4326",
    )
    p = tmp_path / "s.gpkg"
    g.to_file(p)
    with pytest.raises(CRSError) as e:
        load_services(p)
    msg = assert_msg(e, p, row="s1")
    assert "not degrees" in msg and "EPSG:3006" in msg


def test_degrees_in_metric_file(tmp_path: Path) -> None:
    g = gpd.GeoDataFrame(
        {"service_id": ["s1"], "category": ["library"]}, geometry=[Point(12.70, 56.05)], crs=CRS
    )
    p = tmp_path / "s.gpkg"
    g.to_file(p)
    with pytest.raises(CRSError) as e:
        load_services(p)
    assert "look like degrees" in assert_msg(e, p, row="s1")


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    xs=st.lists(st.floats(355100, 361900), min_size=1, max_size=8),
    ys=st.lists(st.floats(6208100, 6216900), min_size=8, max_size=8),
)
def test_latlon_roundtrip_property(tmp_path: Path, xs: list[float], ys: list[float]) -> None:
    """Any points inside the study area survive CSV lat/lon -> EPSG:3006 within 1 mm, and the
    same file with lat/lon swapped is always rejected as swapped."""
    g = gpd.GeoSeries(gpd.points_from_xy(xs, ys[: len(xs)]), crs=CRS).to_crs("EPSG:4326")
    df = pd.DataFrame(
        {
            "service_id": [f"s{i}" for i in range(len(xs))],
            "category": "library",
            "lat": g.y.round(9),
            "lon": g.x.round(9),
        }
    )
    p = tmp_path / "prop.csv"
    df.to_csv(p, index=False)
    s = load_services(p, boundary=STUDY, boundary_crs=CRS)
    assert max(abs(s.geometry.x - xs).max(), abs(s.geometry.y - ys[: len(xs)]).max()) < 1e-3
    df.rename(columns={"lat": "lon", "lon": "lat"}).to_csv(p, index=False)
    with pytest.raises(CRSError, match="swap"):
        load_services(p, boundary=STUDY, boundary_crs=CRS)


# ------------------------------------------------------------------ checks called directly
def test_age_columns_must_be_counts(tmp_path: Path) -> None:
    p = tmp_path / "pop.csv"
    pd.DataFrame(
        {
            "demand_id": ["a", "b"],
            "area_id": ["x", "x"],
            "population": [3, 4],
            "pop_65_plus": [1, -1],
            "lat": [56.05, 56.04],
            "lon": [12.70, 12.71],
        }
    ).to_csv(p, index=False)
    with pytest.raises(SchemaError, match="age column 'pop_65_plus'") as e:
        load_population(p)
    assert_msg(e, p, row="id b (data row 2)")


def test_check_categories_maps_and_names_unknown() -> None:
    from proximity.sources.validate import check_categories

    ids = pd.Series(["a", "b", "c"])
    raw = pd.Series(["bibliotek", " library ", "librari"])
    with pytest.raises(SchemaError, match=r"Unknown category 'librari'\. Did you mean") as e:
        check_categories(
            raw, Path("s.csv"), ids, category_map={"bibliotek": "library"}, categories=["library"]
        )
    assert e.value.row == "id c (data row 3)"
    cat = check_categories(
        raw[:2], Path("s.csv"), ids, category_map={"bibliotek": "library"}, categories=["library"]
    )
    assert cat.tolist() == ["library", "library"]


def test_id_str_and_check_ids() -> None:
    from proximity.sources.validate import check_ids, id_str

    assert [id_str(v) for v in (12.0, " a ", 7, 1.5)] == ["12", "a", "7", "1.5"]
    df = pd.DataFrame({"id": [1.0, 2.0, 3.0]})
    assert check_ids(df, "id", Path("x.csv")).tolist() == ["1", "2", "3"]


def test_check_inside_tolerance() -> None:
    from proximity.sources.validate import check_inside

    g = gpd.GeoDataFrame(geometry=[Point(362005, 6210000)], crs=CRS)
    ids = pd.Series(["a"])
    with pytest.raises(GeometryError, match="1 of 1 points lie outside"):
        check_inside(g, STUDY, Path("x.csv"), ids)
    assert not check_inside(g, STUDY, Path("x.csv"), ids, tolerance_m=10).any()
