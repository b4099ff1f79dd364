"""Loaders for any city: formats, and every bad-input case with a clear error.

Each bad-input test asserts the error class and that the message names the file, the row
(where there is one) and a fix.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, Polygon, box

from proximity.errors import CRSError, GeometryError, InputFileError, SchemaError
from proximity.sources import load_areas, load_population, load_services, metric_crs_for

# a small study area in Helsingborg (EPSG:3006) and points in it
STUDY = box(355000, 6208000, 362000, 6217000)
CRS = "EPSG:3006"


def _pts_ll() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "service_id": ["s1", "s2", "s3"],
            "name": ["Bibliotek A", "Vårdcentral B", "Kontor C"],
            "category": ["library", "health_centre", "district_office"],
            "lat": [56.0500, 56.0400, 56.0272],
            "lon": [12.7000, 12.7100, 12.7081],
        }
    )


def _assert_msg(exc: pytest.ExceptionInfo, path: Path, row: str | None = None) -> str:
    msg = str(exc.value)
    assert path.name in msg, msg
    assert "Fix:" in msg and exc.value.fix, msg
    if row is not None:
        assert "Row:" in msg and row in msg, msg
    return msg


# ------------------------------------------------------------------ formats that work
def test_services_csv_latlon(tmp_path: Path) -> None:
    p = tmp_path / "s.csv"
    _pts_ll().to_csv(p, index=False)
    s = load_services(p, boundary=STUDY, boundary_crs=CRS)
    assert s.crs == CRS and len(s) == 3
    assert list(s.columns[:5]) == ["service_id", "name", "category", "location_quality", "source"]
    assert (s["source"] == "file s.csv").all()


def test_services_csv_xy_with_crs(tmp_path: Path) -> None:
    df = _pts_ll()
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
    df = _pts_ll().assign(category=["bibliotek", "vårdcentral", "district_office"])
    p = tmp_path / "s.csv"
    df.to_csv(p, index=False)
    s = load_services(p, category_map={"bibliotek": "library", "vårdcentral": "health_centre"})
    assert s["category"].tolist() == ["library", "health_centre", "district_office"]


def test_geojson_without_crs_is_wgs84(tmp_path: Path) -> None:
    p = tmp_path / "a.geojson"
    p.write_text(
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":'
        '{"area_id":"A","name":"A"},"geometry":{"type":"Polygon","coordinates":'
        "[[[12.69,56.03],[12.72,56.03],[12.72,56.05],[12.69,56.05],[12.69,56.03]]]}}]}"
    )
    a = load_areas(p)
    assert a.crs == "EPSG:3006" and a.area.iloc[0] > 1e6


def test_metric_crs_for() -> None:
    assert metric_crs_for(12.7, 56.05) == "EPSG:3006"
    assert metric_crs_for(24.94, 60.17) == "EPSG:32635"


# ------------------------------------------------------------------ bad input
def test_missing_file(tmp_path: Path) -> None:
    p = tmp_path / "nope.csv"
    with pytest.raises(InputFileError) as e:
        load_services(p)
    _assert_msg(e, p)


def test_missing_column_lists_found(tmp_path: Path) -> None:
    p = tmp_path / "s.csv"
    _pts_ll().drop(columns=["category"]).to_csv(p, index=False)
    with pytest.raises(SchemaError) as e:
        load_services(p)
    msg = _assert_msg(e, p)
    assert "category" in msg and "Columns found: service_id, name, lat, lon" in msg


def test_missing_coordinate_columns(tmp_path: Path) -> None:
    p = tmp_path / "s.csv"
    _pts_ll().drop(columns=["lat", "lon"]).to_csv(p, index=False)
    with pytest.raises(SchemaError) as e:
        load_services(p)
    assert "lat/lon or x/y" in _assert_msg(e, p)


def test_duplicate_ids(tmp_path: Path) -> None:
    p = tmp_path / "s.csv"
    _pts_ll().assign(service_id=["s1", "s2", "s1"]).to_csv(p, index=False)
    with pytest.raises(SchemaError) as e:
        load_services(p)
    msg = _assert_msg(e, p, row="s1")
    assert "Duplicate id 's1'" in msg and "1, 3" in msg


def test_missing_id(tmp_path: Path) -> None:
    p = tmp_path / "s.csv"
    _pts_ll().assign(service_id=["s1", None, "s3"]).to_csv(p, index=False)
    with pytest.raises(SchemaError) as e:
        load_services(p)
    _assert_msg(e, p, row="data row 2")


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
    msg = _assert_msg(e, p, row="id B")
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
    _assert_msg(e, p, row="id B")


def test_missing_coordinates_in_csv(tmp_path: Path) -> None:
    p = tmp_path / "s.csv"
    _pts_ll().assign(lat=[56.05, None, 56.0272]).to_csv(p, index=False)
    with pytest.raises(GeometryError) as e:
        load_services(p)
    _assert_msg(e, p, row="s2")


def test_latlon_swapped_sweden(tmp_path: Path) -> None:
    df = _pts_ll()
    df["lat"], df["lon"] = df["lon"].copy(), df["lat"].copy()  # lat holds 12.7, lon 56.0
    p = tmp_path / "s.csv"
    df.to_csv(p, index=False)
    with pytest.raises(CRSError) as e:
        load_services(p)
    msg = _assert_msg(e, p, row="s1")
    assert "swap" in msg.lower()


def test_latlon_swapped_study_area(tmp_path: Path) -> None:
    df = _pts_ll().rename(columns={"service_id": "id"})
    df["lat"], df["lon"] = df["lon"].copy(), df["lat"].copy()
    p = tmp_path / "s.csv"
    df.to_csv(p, index=False)
    with pytest.raises(CRSError) as e:
        load_services(p, id_col="id", boundary=STUDY, boundary_crs=CRS)
    assert "swap" in _assert_msg(e, p, row="s1").lower()


def test_points_outside_study_area(tmp_path: Path) -> None:
    df = _pts_ll()
    df.loc[1, ["lat", "lon"]] = [55.6050, 13.0038]  # Malmö
    p = tmp_path / "s.csv"
    df.to_csv(p, index=False)
    with pytest.raises(GeometryError) as e:
        load_services(p, boundary=STUDY, boundary_crs=CRS)
    msg = _assert_msg(e, p, row="s2")
    assert "1 of 3 services lie outside the study area (first: s2)" in msg
    kept = load_services(p, boundary=STUDY, boundary_crs=CRS, outside="drop")
    assert kept["service_id"].tolist() == ["s1", "s3"]


def test_unknown_category(tmp_path: Path) -> None:
    p = tmp_path / "s.csv"
    _pts_ll().assign(category=["library", "helth_centre", "district_office"]).to_csv(p, index=False)
    with pytest.raises(SchemaError) as e:
        load_services(p)
    msg = _assert_msg(e, p, row="s2")
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
    assert text in _assert_msg(e, p, row="id b")


@pytest.mark.filterwarnings("ignore:.crs. was not provided")
def test_gpkg_without_crs(tmp_path: Path) -> None:
    g = gpd.GeoDataFrame(
        {"area_id": ["A"], "name": ["a"]}, geometry=[box(355000, 6208000, 356000, 6209000)]
    )
    p = tmp_path / "a.gpkg"
    g.to_file(p)
    with pytest.raises(CRSError) as e:
        load_areas(p)
    assert "no coordinate reference system" in _assert_msg(e, p)
    assert load_areas(p, crs=CRS).crs == CRS


def test_parquet_without_crs(tmp_path: Path) -> None:
    g = gpd.GeoDataFrame(
        {"demand_id": ["a"], "population": [1], "area_id": ["x"]}, geometry=[Point(356000, 6210000)]
    )
    p = tmp_path / "p.parquet"
    g.to_parquet(p)
    with pytest.raises(CRSError) as e:
        load_population(p)
    _assert_msg(e, p)


def test_csv_xy_without_crs(tmp_path: Path) -> None:
    p = tmp_path / "s.csv"
    pd.DataFrame(
        {"service_id": ["s1"], "category": ["library"], "x": [356000], "y": [6210000]}
    ).to_csv(p, index=False)
    with pytest.raises(CRSError) as e:
        load_services(p)
    assert "crs=" in _assert_msg(e, p)


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
    msg = _assert_msg(e, p, row="s1")
    assert "not degrees" in msg and "EPSG:3006" in msg


def test_degrees_in_metric_file(tmp_path: Path) -> None:
    g = gpd.GeoDataFrame(
        {"service_id": ["s1"], "category": ["library"]}, geometry=[Point(12.70, 56.05)], crs=CRS
    )
    p = tmp_path / "s.gpkg"
    g.to_file(p)
    with pytest.raises(CRSError) as e:
        load_services(p)
    assert "look like degrees" in _assert_msg(e, p, row="s1")


def test_conflicting_crs_argument(tmp_path: Path) -> None:
    g = gpd.GeoDataFrame(
        {"area_id": ["A"], "name": ["a"]}, geometry=[box(355000, 6208000, 356000, 6209000)], crs=CRS
    )
    p = tmp_path / "a.gpkg"
    g.to_file(p)
    with pytest.raises(CRSError) as e:
        load_areas(p, crs="EPSG:3008")
    _assert_msg(e, p)


def test_unsupported_format(tmp_path: Path) -> None:
    p = tmp_path / "a.xlsx"
    p.write_bytes(b"x")
    with pytest.raises(InputFileError) as e:
        load_areas(p)
    _assert_msg(e, p)


def test_unreadable_file(tmp_path: Path) -> None:
    p = tmp_path / "a.geojson"
    p.write_text("{not json")
    with pytest.raises(InputFileError) as e:
        load_areas(p)
    _assert_msg(e, p)


# ------------------------------------------------------------------ a city's own files
def _own_city(tmp_path: Path) -> Path:
    areas = gpd.GeoDataFrame(
        {"omr_kod": ["W", "E"], "omr_namn": ["Väster", "Öster"]},
        geometry=[box(355000, 6208000, 358000, 6217000), box(358000, 6208000, 362000, 6217000)],
        crs=CRS,
    )
    areas.to_file(tmp_path / "omraden.gpkg")
    gpd.GeoDataFrame({"kind": ["study_area"]}, geometry=[STUDY], crs=CRS).to_file(
        tmp_path / "boundary.gpkg"
    )
    pd.DataFrame(
        {
            "adress_id": ["a1", "a2", "a3"],
            "invanare": [12, 30, 7],
            "x": [356000, 359000, 361000],
            "y": [6210000, 6211000, 6212000],
        }
    ).to_csv(tmp_path / "befolkning.csv", index=False)
    _pts_ll().assign(category=["bibliotek", "vårdcentral", "district_office"]).to_csv(
        tmp_path / "register.csv", index=False
    )
    toml = tmp_path / "city.toml"
    toml.write_text(
        'name = "Testkommun"\ncrs = "EPSG:3006"\n'
        '[boundary]\npath = "boundary.gpkg"\n'
        '[areas]\npath = "omraden.gpkg"\nid_col = "omr_kod"\nname_col = "omr_namn"\n'
        '[demand]\npath = "befolkning.csv"\nid_col = "adress_id"\npopulation_col = "invanare"\n'
        'crs = "EPSG:3006"\nyear = 2024\n'
        '[services]\npath = "register.csv"\n'
        '[services.category_map]\nbibliotek = "library"\n"vårdcentral" = "health_centre"\n',
        encoding="utf-8",
    )
    return toml


def test_load_city_from_own_files(tmp_path: Path) -> None:
    from proximity.sources import load_city

    c = load_city(_own_city(tmp_path), cache=False)
    assert c.name == "Testkommun" and c.area_ids == ["W", "E"]
    assert c.demand["area_id"].tolist() == ["W", "E", "E"]
    assert c.total_population == 49
    assert set(c.categories) == {"library", "health_centre", "district_office"}
    assert c.network_source is None and c.subareas.empty and c.unlocated.empty
    assert "sha256" in c.provenance


@pytest.mark.parametrize(
    "header,kind,code",
    [
        ("", "study_area", None),  # default: no kommun code, no kind
        ('kommun_code = "1283"\n', "municipality", "1283"),
        ('kommun = "0114"\n', "municipality", "0114"),  # alias
        ("kommun_code = 114\n", "municipality", "0114"),  # unquoted: zero-padded
        ('kind = "municipality"\n', "municipality", None),
        ('kind = "study_area"\nkommun_code = "1283"\n', "study_area", "1283"),  # part of one
    ],
)
def test_city_kind_from_toml(tmp_path: Path, header: str, kind: str, code: str | None) -> None:
    from proximity.sources import load_city

    toml = _own_city(tmp_path)
    toml.write_text(header + toml.read_text(encoding="utf-8"), encoding="utf-8")
    c = load_city(toml, cache=False)
    assert c.kind == kind and c.kommun_code == code
    assert c.is_municipality == (kind == "municipality")
    assert c.total_label_sv == ("Hela kommunen" if kind == "municipality" else "Hela studieområdet")
    assert c.summary()["kind"] == kind


@pytest.mark.parametrize(
    "header,text",
    [('kind = "kommun"\n', "Unknown city kind"), ('kommun_code = "12"\n', "four-digit")],
)
def test_city_kind_errors(tmp_path: Path, header: str, text: str) -> None:
    from proximity.sources import load_city

    toml = _own_city(tmp_path)
    toml.write_text(header + toml.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(SchemaError, match=text) as e:
        load_city(toml, cache=False)
    _assert_msg(e, toml)


def test_builtin_city_kinds() -> None:
    from proximity.errors import ParameterError
    from proximity.sources import CITY_KINDS, City, load_city

    hbg = load_city("helsingborg")
    assert (hbg.kind, hbg.kommun_code, hbg.total_label_sv) == (
        "municipality",
        "1283",
        "Hela kommunen",
    )
    assert hbg.split_area("sodra_staden").kind == "municipality"
    demo = load_city("helsinki-demo")
    assert (demo.kind, demo.kommun_code) == ("study_area", None)
    assert demo.total_label_sv == "Hela studieområdet"
    assert CITY_KINDS == ("municipality", "study_area")
    # default for a City built in code, and an invalid kind
    import dataclasses

    assert {f.name: f.default for f in dataclasses.fields(City)}["kind"] == "study_area"
    with pytest.raises(ParameterError, match="Unknown city kind"):
        dataclasses.replace(demo, kind="kommun")


def test_load_city_unknown_name() -> None:
    from proximity.errors import ParameterError
    from proximity.sources import load_city

    with pytest.raises(ParameterError) as e:
        load_city("helsingborgg")
    assert "Did you mean 'helsingborg'?" in str(e.value)


def test_load_city_bad_file_in_toml(tmp_path: Path) -> None:
    from proximity.sources import load_city

    toml = _own_city(tmp_path)
    (tmp_path / "befolkning.csv").unlink()
    with pytest.raises(InputFileError) as e:
        load_city(toml, cache=False)
    _assert_msg(e, tmp_path / "befolkning.csv")


def test_load_city_malformed_toml(tmp_path: Path) -> None:
    from proximity.sources import load_city

    p = tmp_path / "city.toml"
    p.write_text("name = [unclosed\n")
    with pytest.raises(SchemaError) as e:
        load_city(p, cache=False)
    _assert_msg(e, p)


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
    assert "swap" in _assert_msg(e, p, row="id a").lower()


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
