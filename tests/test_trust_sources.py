"""Issue 11 ("Trust"): files as people have them, and hostile files, given to proximity.sources.

Every fixture here is SYNTHETIC: small hand-made files written by the tests into a temporary
folder (a made-up "Testkommun" in Helsingborg's coordinates, see ``_sources.own_city``); no
real data. Each bad input must raise a :class:`~proximity.errors.ProximityError` subclass
(exit code 2 in the CLI) whose message names the file, the row or key, and the fix, and must
leave every file in the folder unchanged. Each good input (Swedish Excel exports, a TOML with
a byte order mark, ...) must load with the right values.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import pytest
from _sources import CRS, MINI, STUDY, own_city
from shapely.geometry import box

from proximity.errors import CRSError, GeometryError, InputFileError, ProximityError, SchemaError
from proximity.sources import load_city
from proximity.sources.values import MAX_POPULATION_PER_ROW, MAX_POPULATION_TOTAL

Make = Callable[[Path, Path], None]
SERVICES_HEADER = "service_id,name,category,lat,lon\n"
DEMAND_HEADER = "adress_id,invanare,x,y\n"
UNLOCATED_HEADER = "area_id,population,population_year,reason,source\n"


# ------------------------------------------------------------------ writing the synthetic files
def _write(name: str, text: str | bytes) -> Make:
    def make(d: Path, toml: Path) -> None:
        p = d / name
        p.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))

    return make


def _toml(old: str, new: str, *, count: int = 1) -> Make:
    def make(d: Path, toml: Path) -> None:
        text = toml.read_text(encoding="utf-8")
        assert old in text, old
        toml.write_text(text.replace(old, new, count), encoding="utf-8")

    return make


def _append(extra: str) -> Make:
    def make(d: Path, toml: Path) -> None:
        toml.write_text(toml.read_text(encoding="utf-8") + extra, encoding="utf-8")

    return make


def _both(*makes: Make) -> Make:
    def make(d: Path, toml: Path) -> None:
        for m in makes:
            m(d, toml)

    return make


def _boundary_geojson(doc: object, where: str = "") -> Make:
    text = doc if isinstance(doc, str) else json.dumps(doc)
    return _both(
        _write("grans.geojson", text),
        _toml('path = "boundary.gpkg"\n', f'path = "grans.geojson"\n{where}'),
    )


def _feature(props: dict[str, object], geometry: object) -> dict[str, object]:
    return {"type": "Feature", "properties": props, "geometry": geometry}


def _fc(*features: dict[str, object]) -> dict[str, object]:
    return {"type": "FeatureCollection", "features": list(features)}


def _snapshot(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _lonlat(g: object) -> dict[str, object]:
    return json.loads(gpd.GeoSeries([g], crs=CRS).to_crs(4326).to_json())["features"][0]["geometry"]


WEST_LL = _lonlat(box(355000, 6208000, 358000, 6217000))
EAST_LL = _lonlat(box(358000, 6208000, 362000, 6217000))
TOTAL_ROWS = MAX_POPULATION_TOTAL // 900_000 + 2
OSM_CITY = f'builder = "osm_pbf"\ncrs = "EPSG:3006"\n[osm]\npbf = "{MINI.as_posix()}"\n'

# ------------------------------------------------------------------ bad inputs: (make, error,
# the file the message must name, text the row/key must contain (None: the whole file), text
# the message must contain)
BAD = [
    pytest.param(
        _write("register.csv", SERVICES_HEADER),
        SchemaError,
        "register.csv",
        None,
        "no rows",
        id="header-only-services-csv",
    ),
    pytest.param(
        _write("befolkning.csv", "\ufeff" + DEMAND_HEADER),
        SchemaError,
        "befolkning.csv",
        None,
        "no rows",
        id="header-only-demand-csv-with-bom",
    ),
    pytest.param(
        _write(
            "register.csv",
            SERVICES_HEADER + "s0,Bibliotek,library,56.04,12.71\n\ns1,Bibliotek,,56.05,12.70\n",
        ),
        SchemaError,
        "register.csv",
        "id s1 (data row 2), line 4",
        "category is empty",
        id="blank-category",
    ),
    pytest.param(
        _write("befolkning.csv", DEMAND_HEADER + "a1,12,356000,6210000\na2,,359000,6211000\n"),
        SchemaError,
        "befolkning.csv",
        "id a2 (data row 2), line 3",
        "empty",
        id="blank-population",
    ),
    pytest.param(
        _write("befolkning.csv", DEMAND_HEADER + "a1,inf,356000,6210000\n"),
        SchemaError,
        "befolkning.csv",
        "id a1",
        "not a finite number",
        id="infinite-population",
    ),
    pytest.param(
        _write("befolkning.csv", DEMAND_HEADER + "a1,-3,356000,6210000\n"),
        SchemaError,
        "befolkning.csv",
        "id a1",
        "Negative population -3",
        id="negative-population",
    ),
    pytest.param(
        _write(
            "befolkning.csv", DEMAND_HEADER + f"a1,{2 * MAX_POPULATION_PER_ROW},356000,6210000\n"
        ),
        SchemaError,
        "befolkning.csv",
        "id a1 (data row 1), line 2",
        f"above the limit of {MAX_POPULATION_PER_ROW} persons",
        id="population-point-above-limit",
    ),
    pytest.param(
        _write(
            "befolkning.csv",
            DEMAND_HEADER
            + "".join(f"a{i},900000,356000,{6210000 + i}\n" for i in range(TOTAL_ROWS)),
        ),
        SchemaError,
        "befolkning.csv",
        f"id a{TOTAL_ROWS - 2} (data row {TOTAL_ROWS - 1})",
        f"total passes {MAX_POPULATION_TOTAL}",
        id="population-total-above-limit",
    ),
    pytest.param(
        _both(
            _write(
                "ej_placerad.csv",
                UNLOCATED_HEADER + "W,900000,2024,okänd adress,test\n" * (TOTAL_ROWS - 1),
            ),
            _append('[unlocated]\npath = "ej_placerad.csv"\n'),
        ),
        SchemaError,
        "ej_placerad.csv",
        f"area W (data row {TOTAL_ROWS - 1}), line {TOTAL_ROWS}",
        "unlocated table: the population total passes",
        id="unlocated-plus-located-above-limit",
    ),
    pytest.param(
        _write("befolkning.csv", DEMAND_HEADER + 'a1,"1,5",356000,6210000\n'),
        SchemaError,
        "befolkning.csv",
        "id a1 (data row 1), line 2",
        "write 1.5, not 1,5",
        id="decimal-comma-quoted-in-comma-file",
    ),
    pytest.param(
        _write("befolkning.csv", DEMAND_HEADER + "a1,1,5,356000,6210000\n"),
        InputFileError,
        "befolkning.csv",
        "line 2",
        "5 fields but the header has 4",
        id="decimal-comma-unquoted-in-comma-file",
    ),
    pytest.param(
        _write(
            "register.csv", "service_id,name,category,lat,lon,name\ns1,A,library,56.05,12.7,B\n"
        ),
        InputFileError,
        "register.csv",
        "line 1",
        "Column 'name' appears twice",
        id="duplicate-column-names",
    ),
    pytest.param(
        _write("register.csv", SERVICES_HEADER[:-1] + ",geometry\ns1,A,library,56.05,12.7,x\n"),
        SchemaError,
        "register.csv",
        "line 1",
        "column named 'geometry'",
        id="column-named-like-the-geometry",
    ),
    pytest.param(
        _write("register.csv", bytes(range(256)) * 4),
        InputFileError,
        "register.csv",
        None,
        "neither UTF-8 nor Windows-1252",
        id="binary-garbage-named-csv",
    ),
    pytest.param(
        _boundary_geojson(bytes(range(256)).decode("latin-1")),
        InputFileError,
        "grans.geojson",
        None,
        "not GeoJSON",
        id="binary-garbage-named-geojson",
    ),
    pytest.param(
        _boundary_geojson(""),
        InputFileError,
        "grans.geojson",
        None,
        "GeoJSON file is empty",
        id="empty-geojson-file",
    ),
    pytest.param(
        _boundary_geojson("[12.7, 56.0]"),
        InputFileError,
        "grans.geojson",
        None,
        "not GeoJSON",
        id="geojson-not-a-featurecollection",
    ),
    pytest.param(
        _boundary_geojson(_fc(), 'where = { kind = "study_area" }\n'),
        SchemaError,
        "grans.geojson",
        "[boundary] where = {kind = 'study_area'}",
        "no features",
        id="boundary-empty-featurecollection-with-where",
    ),
    pytest.param(
        _toml('path = "boundary.gpkg"\n', 'path = "boundary.gpkg"\nwhere = { typ = "x" }\n'),
        SchemaError,
        "boundary.gpkg",
        "[boundary] where.typ",
        "Columns found: kind",
        id="boundary-where-column-missing",
    ),
    pytest.param(
        _toml('path = "boundary.gpkg"\n', 'path = "boundary.gpkg"\nwhere = { kind = "kommun" }\n'),
        SchemaError,
        "boundary.gpkg",
        "[boundary] where.kind",
        "values found: 'study_area'",
        id="boundary-where-matches-nothing",
    ),
    pytest.param(
        _boundary_geojson(_fc(_feature({"kind": "study_area"}, None))),
        GeometryError,
        "grans.geojson",
        "feature 1",
        "Empty geometry",
        id="boundary-null-geometry",
    ),
    pytest.param(
        _boundary_geojson(_fc(_feature({}, {"type": "Point", "coordinates": [12.7, 56.0]}))),
        GeometryError,
        "grans.geojson",
        "feature 1",
        "Geometry type Point",
        id="boundary-is-a-point",
    ),
    pytest.param(
        _toml('crs = "EPSG:3006"\n[boundary]', 'crs = "EPSG:4326"\n[boundary]'),
        CRSError,
        "city.toml",
        "line 2, key crs",
        "geographic (degrees), not metric",
        id="city-crs-epsg-4326",
    ),
    pytest.param(
        _toml('crs = "EPSG:3006"\n[boundary]', 'crs = "EPSG:3857"\n[boundary]'),
        CRSError,
        "city.toml",
        "line 2, key crs",
        "distorts distances",
        id="city-crs-web-mercator",
    ),
    pytest.param(
        _toml('crs = "EPSG:3006"\n[boundary]', 'crs = "EPSG:999999"\n[boundary]'),
        SchemaError,
        "city.toml",
        "line 2, key crs",
        "not a CRS pyproj knows",
        id="city-crs-unknown",
    ),
    pytest.param(
        _toml('crs = "EPSG:3006"\nyear', 'crs = "EPSG:nope"\nyear'),
        SchemaError,
        "city.toml",
        "key demand.crs",
        "not a CRS pyproj knows",
        id="section-crs-unknown",
    ),
    pytest.param(
        _append('[servics_unlocated]\npath = "x.csv"\n'),
        SchemaError,
        "city.toml",
        "section [servics_unlocated]",
        "Did you mean [services_unlocated]?",
        id="toml-unknown-section-typo",
    ),
    pytest.param(
        _toml('id_col = "adress_id"', 'idcol = "adress_id"'),
        SchemaError,
        "city.toml",
        "key demand.idcol",
        "Did you mean 'id_col'?",
        id="toml-unknown-key-typo",
    ),
    pytest.param(
        _toml('name = "Testkommun"', 'nmae = "Testkommun"'),
        SchemaError,
        "city.toml",
        "line 1, key nmae",
        "Did you mean 'name'?",
        id="toml-unknown-top-level-key",
    ),
    pytest.param(
        _append('[osm]\npbf = "x.osm.pbf"\n'),
        SchemaError,
        "city.toml",
        "section [osm]",
        'read only by builder = "osm_pbf"',
        id="toml-section-of-the-other-builder",
    ),
    pytest.param(
        _toml('path = "boundary.gpkg"', "path = 5"),
        SchemaError,
        "city.toml",
        "key boundary.path",
        "must be a text in quotes, not the whole number 5",
        id="toml-path-not-text",
    ),
    pytest.param(
        _toml("year = 2024\n", 'year = 2024\noutside = "dorp"\n'),
        SchemaError,
        "city.toml",
        "key demand.outside",
        "Did you mean 'drop'?",
        id="toml-outside-misspelt",
    ),
    pytest.param(
        _toml('id_col = "omr_kod"', 'id_column = "omr_kod"'),
        SchemaError,
        "city.toml",
        "key areas.id_column",
        "Key 'id_column' in [areas] was renamed to 'id_col'.",
        id="toml-renamed-key",
    ),
    pytest.param(
        _toml('name = "Testkommun"', 'name = "Testkommun'),
        SchemaError,
        "city.toml",
        "line 1, column",
        "Malformed TOML",
        id="toml-malformed-line-column",
    ),
    pytest.param(
        _write("register.csv", SERVICES_HEADER + "s1,A,library,nan,12.70\n"),
        GeometryError,
        "register.csv",
        "id s1 (data row 1), line 2",
        "Missing coordinates",
        id="nan-coordinate",
    ),
    pytest.param(
        _write("befolkning.csv", DEMAND_HEADER + "a1,3,inf,6210000\n"),
        GeometryError,
        "befolkning.csv",
        "id a1 (data row 1), line 2",
        "not finite",
        id="infinite-coordinate",
    ),
    pytest.param(
        _write("register.csv", SERVICES_HEADER + "s1,A,library,1e300,1e300\n"),
        CRSError,
        "register.csv",
        "id s1 (data row 1), line 2",
        "(1e+300, 1e+300) are not degrees",
        id="huge-coordinates",
    ),
    pytest.param(
        _write("register.csv", SERVICES_HEADER + "s1,A,library,12.70,56.05\n"),
        CRSError,
        "register.csv",
        "id s1 (data row 1), line 2",
        "look swapped",
        id="lat-lon-swapped",
    ),
    pytest.param(
        _write("register.csv", SERVICES_HEADER + "s1,A,library,95,12.70\n"),
        CRSError,
        "register.csv",
        "id s1",
        "latitude within ±90",
        id="latitude-out-of-range",
    ),
    pytest.param(
        _both(
            _write(
                "omraden.geojson",
                json.dumps(
                    _fc(
                        _feature({"omr_kod": 1, "omr_namn": "Väster"}, WEST_LL),
                        _feature({"omr_kod": 1.0, "omr_namn": "Öster"}, EAST_LL),
                    )
                ),
            ),
            _toml('path = "omraden.gpkg"', 'path = "omraden.geojson"'),
        ),
        SchemaError,
        "omraden.geojson",
        "id 1",
        "Duplicate id '1' in column 'omr_kod' (data rows 1, 2)",
        id="same-id-once-as-integer-once-as-float",
    ),
    pytest.param(
        _both(
            _write(
                "befolkning.csv",
                "adress_id,invanare,x,y,population_year\na1,3,356000,6210000,tjugo\n",
            ),
            _toml("year = 2024\n", ""),
        ),
        SchemaError,
        "befolkning.csv",
        "id a1 (data row 1), line 2",
        "'tjugo' is not a year",
        id="population-year-not-a-year",
    ),
    pytest.param(
        _write("befolkning.csv", DEMAND_HEADER[:-1] + ",area_id\na1,3,356000,6210000,Vaster\n"),
        SchemaError,
        "befolkning.csv",
        "id a1 (data row 1), line 2",
        "Unknown area 'Vaster' in column 'area_id'",
        id="demand-area-id-not-an-area",
    ),
    pytest.param(
        _both(
            _write(
                "ej_placerad.csv", UNLOCATED_HEADER + "__unassigned__,5,2024,x,t\nV,5,2024,x,t\n"
            ),
            _append('[unlocated]\npath = "ej_placerad.csv"\n'),
        ),
        SchemaError,
        "ej_placerad.csv",
        "area V (data row 2), line 3",
        "Unknown area 'V' in column 'area_id'",
        id="unlocated-area-id-not-an-area",
    ),
    pytest.param(
        _both(
            lambda d, toml: gpd.GeoDataFrame(
                {"subarea_id": ["W1", "E1"], "name": ["a", "b"], "area_id": ["W", "Ö"]},
                geometry=[
                    box(355000, 6208000, 358000, 6217000),
                    box(358000, 6208000, 362000, 6217000),
                ],
                crs=CRS,
            ).to_file(d / "delomraden.gpkg"),
            _append('[subareas]\npath = "delomraden.gpkg"\n'),
        ),
        SchemaError,
        "delomraden.gpkg",
        "id E1 (data row 2)",
        "Unknown area 'Ö'",
        id="subarea-parent-not-an-area",
    ),
    pytest.param(
        _write("befolkning.csv", DEMAND_HEADER[:-1] + ",pop_65_plus\na1,3,356000,6210000,-1\n"),
        SchemaError,
        "befolkning.csv",
        "id a1",
        "age column 'pop_65_plus'",
        id="negative-age-group",
    ),
]


@pytest.mark.parametrize(("make", "error", "file", "where", "text"), BAD)
def test_bad_input_is_refused_clearly(
    tmp_path: Path,
    make: Make,
    error: type[ProximityError],
    file: str,
    where: str | None,
    text: str,
) -> None:
    toml = own_city(tmp_path)
    make(tmp_path, toml)
    before = _snapshot(tmp_path)
    with pytest.raises(error) as e:
        load_city(toml, cache=False)
    msg = str(e.value)
    assert isinstance(e.value, ProximityError)
    assert text in msg, msg
    assert e.value.file is not None and Path(e.value.file).name == file, msg
    assert f"File: {e.value.file}" in msg
    if where is None:
        assert e.value.row is None or "line" in str(e.value.row)
    else:
        assert e.value.row is not None and where in str(e.value.row), msg
        assert f"Row: {e.value.row}" in msg
    assert e.value.fix and f"Fix: {e.value.fix}" in msg
    assert "np.float64" not in msg and "nan)" not in msg
    assert _snapshot(tmp_path) == before  # nothing created, changed or deleted


# ------------------------------------------------------------------ the OSM builder
OSM_BAD = [
    pytest.param(
        OSM_CITY.replace("EPSG:3006", "EPSG:4326"),
        CRSError,
        "line 2, key crs",
        "geographic",
        id="osm-city-crs-epsg-4326",
    ),
    pytest.param(
        OSM_CITY + "[boundary]\nbbox = [12.72, 56.0]\n",
        SchemaError,
        "key boundary.bbox",
        "not [min_lon, min_lat, max_lon, max_lat]",
        id="osm-city-bbox-too-short",
    ),
    pytest.param(
        OSM_CITY + '[areas]\nmethod = "grid"\ngrid_size_m = "big"\n',
        SchemaError,
        "key areas.grid_size_m",
        "must be a number of metres",
        id="osm-city-grid-size-not-a-number",
    ),
    pytest.param(
        OSM_CITY + '[services]\npath = "x.csv"\n',
        SchemaError,
        "section [services]",
        'read only by builder = "files"',
        id="osm-city-section-of-the-files-builder",
    ),
]


@pytest.mark.parametrize(("text", "error", "where", "message"), OSM_BAD)
def test_bad_osm_city_is_refused_clearly(
    tmp_path: Path, text: str, error: type[ProximityError], where: str, message: str
) -> None:
    toml = tmp_path / "city.toml"
    toml.write_text(text, encoding="utf-8")
    before = _snapshot(tmp_path)
    with pytest.raises(error) as e:
        load_city(toml, cache=False)
    msg = str(e.value)
    assert message in msg and Path(str(e.value.file)).name == "city.toml", msg
    assert where in str(e.value.row) and e.value.fix, msg
    assert _snapshot(tmp_path) == before


# ------------------------------------------------------------------ good inputs load correctly
def _check_semicolon_services(city: object) -> None:
    s = city.services.set_index("service_id")  # type: ignore[attr-defined]
    assert s.loc["007", "name"] == "Bibliotek Söder" and s.loc["007", "category"] == "library"
    pt = gpd.GeoSeries([s.loc["007", "geometry"]], crs=CRS).to_crs(4326).iloc[0]
    assert (round(pt.y, 4), round(pt.x, 4)) == (56.05, 12.7)


def _check_demand(ids: list[str], population: list[float], x: list[float]) -> Callable:
    def check(city: object) -> None:
        d = city.demand  # type: ignore[attr-defined]
        assert d["demand_id"].tolist() == ids
        assert d["population"].tolist() == population
        assert d.geometry.x.round(3).tolist() == x

    return check


def _check_blank_area_by_polygon(city: object) -> None:
    assert city.demand["area_id"].tolist() == ["W", "E"]  # type: ignore[attr-defined]


def _check_name(city: object) -> None:
    assert city.name == "Testkommun"  # type: ignore[attr-defined]


def _check_mixed_area_ids(city: object) -> None:
    assert city.area_ids == ["1", "x"]  # type: ignore[attr-defined]


def _check_unlocated_empty(city: object) -> None:
    assert city.unlocated.empty and city.total_population == 49  # type: ignore[attr-defined]


SEMICOLON_SERVICES = (
    "service_id;name;category;lat;lon\r\n007;Bibliotek Söder;bibliotek;56,05;12,70\r\n"
)
GOOD = [
    pytest.param(
        _write("register.csv", SEMICOLON_SERVICES.encode("cp1252")),
        _check_semicolon_services,
        id="semicolon-cp1252-services",
    ),
    pytest.param(
        _write("register.csv", b"\xef\xbb\xbf" + SEMICOLON_SERVICES.encode("utf-8")),
        _check_semicolon_services,
        id="csv-utf8-bom-semicolon-services",
    ),
    pytest.param(
        _write(
            "befolkning.csv",
            b"\xef\xbb\xbf" + b"adress_id,invanare,x,y\r\n007,12,356000.5,6210000\r\n",
        ),
        _check_demand(["007"], [12.0], [356000.5]),
        id="csv-utf8-bom-comma-demand",
    ),
    pytest.param(
        _write(
            "befolkning.csv",
            "adress_id;invanare;x;y\r\n0012;12,5;356000,5;6210000\r\n"
            "0013;1\u00a0234;359000;6211000\r\n".encode("cp1252"),
        ),
        _check_demand(["0012", "0013"], [12.5, 1234.0], [356000.5, 359000.0]),
        id="semicolon-decimal-comma-and-thousands-space-demand",
    ),
    pytest.param(
        _write(
            "befolkning.csv",
            DEMAND_HEADER[:-1] + ",area_id\na1,3,356000,6210000,\na2,4,359000,6211000,E\n",
        ),
        _check_blank_area_by_polygon,
        id="blank-demand-area-id-placed-by-polygon",
    ),
    pytest.param(
        _write("befolkning.csv", "adress_id\tinvanare\tx\ty\na1\t12\t356000\t6210000\n"),
        _check_demand(["a1"], [12.0], [356000.0]),
        id="tab-separated-demand",
    ),
    pytest.param(
        lambda d, toml: toml.write_bytes(b"\xef\xbb\xbf" + toml.read_bytes()),
        _check_name,
        id="city-toml-with-bom",
    ),
    pytest.param(
        _both(
            lambda d, toml: gpd.GeoDataFrame(
                {"kommunkod": ["1283"]}, geometry=[STUDY], crs=CRS
            ).to_file(d / "boundary.gpkg"),
            _toml(
                'path = "boundary.gpkg"\n', 'path = "boundary.gpkg"\nwhere = { kommunkod = 1283 }\n'
            ),
        ),
        _check_name,
        id="where-number-matches-text-code",
    ),
    pytest.param(
        _both(
            _write(
                "omraden.geojson",
                json.dumps(
                    _fc(
                        _feature({"omr_kod": 1, "omr_namn": "Väster"}, WEST_LL),
                        _feature({"omr_kod": "x", "omr_namn": "Öster"}, EAST_LL),
                    )
                ),
            ),
            _toml('path = "omraden.gpkg"', 'path = "omraden.geojson"'),
        ),
        _check_mixed_area_ids,
        id="mixed-type-ids-geojson",
    ),
    pytest.param(
        _both(
            _write("ej_placerad.csv", UNLOCATED_HEADER),
            _append('[unlocated]\npath = "ej_placerad.csv"\n'),
        ),
        _check_unlocated_empty,
        id="header-only-optional-unlocated-table",
    ),
]


@pytest.mark.parametrize(("make", "check"), GOOD)
def test_files_as_people_have_them_load(
    tmp_path: Path, make: Make, check: Callable[[object], None]
) -> None:
    toml = own_city(tmp_path)
    make(tmp_path, toml)
    before = _snapshot(tmp_path)
    check(load_city(toml, cache=False))
    assert _snapshot(tmp_path) == before


def test_population_limits_are_documented_settings() -> None:
    from proximity.sources import validate, values

    assert (MAX_POPULATION_PER_ROW, MAX_POPULATION_TOTAL) == (10**6, 10**8)
    assert validate.MAX_POPULATION_PER_ROW is values.MAX_POPULATION_PER_ROW
    doc = (Path(__file__).resolve().parents[1] / "docs" / "notes" / "data.md").read_text("utf-8")
    assert "MAX_POPULATION_PER_ROW" in doc and "MAX_POPULATION_TOTAL" in doc


def test_every_option_the_builders_pass_on_is_an_allowed_key() -> None:
    from proximity.sources import city_keys, files_city

    for section, options in {
        "areas": files_city.AREAS_OPTIONS,
        "subareas": files_city.SUBAREAS_OPTIONS,
        "demand": files_city.DEMAND_OPTIONS,
        "services": files_city.SERVICES_OPTIONS,
    }.items():
        allowed = city_keys.FILES_SECTIONS[section]
        assert allowed is not None and {"path", *options} <= set(allowed)
    assert set(city_keys.REQUIRED_SECTIONS["files"]) <= set(city_keys.FILES_SECTIONS)


def test_loader_target_crs_must_be_metric(tmp_path: Path) -> None:
    from _sources import pts_ll

    from proximity.sources import load_services

    p = tmp_path / "s.csv"
    pts_ll().to_csv(p, index=False)
    with pytest.raises(CRSError, match="EPSG:3857 of the output CRS") as e:
        load_services(p, target_crs="EPSG:3857")
    assert e.value.fix and "EPSG:3006" in e.value.fix and Path(str(e.value.file)) == p


def test_csv_lines_and_numbers_as_excel_writes_them(tmp_path: Path) -> None:
    from proximity._csv import read_csv_lines

    p = tmp_path / "t.csv"  # synthetic
    p.write_bytes('id;n;note\r\n01;1\u00a0234,5;"two\r\nlines"\r\n\r\n02;7;x\r\n'.encode("cp1252"))
    df, lines = read_csv_lines(p, str_cols=["id"])
    assert df["id"].tolist() == ["01", "02"] and df["n"].tolist() == [1234.5, 7.0]
    assert lines.tolist() == [2, 5]  # the quoted note spans lines 2-3; line 4 is blank
    q = tmp_path / "c.csv"
    q.write_text('id,n\na,"1,5"\nb,"1 234"\n', encoding="utf-8")
    df, _ = read_csv_lines(q)
    assert df["n"].tolist() == ["1,5", "1 234"]  # a decimal comma is never guessed here
