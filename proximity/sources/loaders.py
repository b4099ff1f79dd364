"""Load areas, population and services of any city from GeoJSON, GeoPackage, GeoParquet or CSV.

Every loader validates its input and raises a :mod:`proximity.errors` exception that names the
file, the row (by id) and the fix:

- :class:`~proximity.errors.InputFileError`: missing or unreadable file, unknown format;
- :class:`~proximity.errors.SchemaError`: missing column (the columns found are listed), missing
  or duplicate ids, missing/negative/non-numeric population, unknown category (with "did you
  mean" and the list of known ones);
- :class:`~proximity.errors.GeometryError`: empty or invalid geometry, wrong geometry type,
  points outside the study area (the first ids are named);
- :class:`~proximity.errors.CRSError`: no CRS where the format needs one (GeoPackage, GeoParquet
  without CRS metadata, CSV with x/y), coordinates implausible for the declared CRS (metres in
  an EPSG:4326 file, degrees in a metric one), latitude and longitude swapped.

GeoJSON without a CRS is EPSG:4326 by RFC 7946. CSV files carry either ``lat``/``lon`` columns
(EPSG:4326; aliases ``latitude``/``longitude``/``lng``) or ``x``/``y`` columns (any CRS, given
with ``crs=``); an areas CSV may carry a ``wkt`` column. Outputs are projected to the metric CRS
(``target_crs``, default: EPSG:3006 inside Sweden, else the local UTM zone). The schema is
documented in ``docs/notes/data.md``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from proximity.errors import CRSError, GeometryError, InputFileError, SchemaError
from proximity.sources.categories import CATEGORIES, suggest_category

#: Sweden's extent in lon/lat (with a small margin), for plausibility and swap checks.
SWEDEN_LONLAT = (10.0, 55.0, 24.5, 69.2)
LAT_ALIASES = ("lat", "latitude", "y_lat")
LON_ALIASES = ("lon", "lng", "long", "longitude", "x_lon")
X_ALIASES = ("x", "easting", "e")
Y_ALIASES = ("y", "northing", "n")
VECTOR_SUFFIXES = {".geojson", ".json", ".gpkg", ".shp", ".fgb", ".gml", ".kml"}
PARQUET_SUFFIXES = {".parquet", ".geoparquet", ".pq"}
FORMATS_HELP = "GeoJSON (.geojson), GeoPackage (.gpkg), GeoParquet (.parquet) or CSV (.csv)"


# ---------------------------------------------------------------------------------------------
# CRS helpers
# ---------------------------------------------------------------------------------------------
def metric_crs_for(lon: float, lat: float) -> str:
    """EPSG:3006 (SWEREF 99 TM) inside Sweden's extent, else the local UTM zone.

    Uses :func:`proximity.network.metric_crs_for` when it exists, so that the network and the
    city always agree.
    """
    try:  # pragma: no cover - depends on the network module's state
        from proximity.network import metric_crs_for as _net

        return str(_net(lon, lat))
    except ImportError:
        pass
    x0, y0, x1, y1 = SWEDEN_LONLAT
    if x0 <= lon <= x1 and y0 <= lat <= y1:
        return "EPSG:3006"
    zone = math.floor((lon + 180.0) / 6.0) + 1
    return f"EPSG:{32600 + zone if lat >= 0 else 32700 + zone}"


def _display_row(df: pd.DataFrame, i: int, id_col: str | None) -> str:
    """``"<id> (row n)"`` for messages; rows counted from 1 after the header for CSV."""
    if id_col and id_col in df.columns:
        v = df[id_col].iloc[i]
        if v is not None and not (isinstance(v, float) and math.isnan(v)):
            return f"id {v!s} (data row {i + 1})"
    return f"data row {i + 1}"


# ---------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------
def _find_col(columns: list[str], aliases: tuple[str, ...]) -> str | None:
    low = {c.lower(): c for c in columns}
    for a in aliases:
        if a in low:
            return low[a]
    return None


def read_geo(
    path: str | Path,
    *,
    crs: Any | None = None,
    layer: str | None = None,
    geometry: str = "any",
    str_cols: list[str] | None = None,
) -> gpd.GeoDataFrame:
    """Read a vector file or CSV into a GeoDataFrame in its own CRS (no reprojection).

    Parameters
    ----------
    path
        ``.geojson``, ``.gpkg``, ``.parquet`` (GeoParquet, or plain Parquet with lat/lon or x/y
        columns) or ``.csv``.
    crs
        CRS of the coordinates when the file does not say (CSV x/y, GeoPackage without CRS).
        If the file has a CRS and ``crs`` differs, :class:`CRSError` is raised.
    layer
        Layer of a GeoPackage.
    geometry
        ``"point"`` or ``"polygon"`` or ``"any"``: what a CSV must describe.
    str_cols
        CSV columns read as text (ids keep leading zeros).

    Raises
    ------
    InputFileError, CRSError, SchemaError
    """
    p = Path(path)
    if not p.exists():
        raise InputFileError(
            "File not found.",
            file=p,
            fix="Check the path (relative paths in a city TOML are relative to the TOML file).",
        )
    suffix = p.suffix.lower()
    try:
        if suffix == ".csv" or suffix == ".txt":
            df = pd.read_csv(p, encoding="utf-8-sig", dtype={c: str for c in str_cols or ()})
            return _frame_to_geo(df, p, crs=crs, geometry=geometry)
        if suffix in PARQUET_SUFFIXES:
            try:
                gdf = gpd.read_parquet(p)
            except ValueError as exc:
                if "geo" not in str(exc).lower() and "geometry" not in str(exc).lower():
                    raise
                return _frame_to_geo(pd.read_parquet(p), p, crs=crs, geometry=geometry)
        elif suffix in VECTOR_SUFFIXES:
            gdf = gpd.read_file(p, layer=layer) if layer else gpd.read_file(p)
        else:
            raise InputFileError(
                f"Unsupported file format {suffix!r}.",
                file=p,
                fix=f"Convert the file to {FORMATS_HELP}.",
            )
    except (InputFileError, CRSError, SchemaError, GeometryError):
        raise
    except Exception as exc:
        raise InputFileError(
            f"Cannot read the file: {exc}",
            file=p,
            fix=f"Check that it is a valid {FORMATS_HELP} file (open it in QGIS to see).",
        ) from exc
    if gdf.crs is None:
        if suffix in (".geojson", ".json"):
            gdf = gdf.set_crs("EPSG:4326")  # RFC 7946: GeoJSON is WGS 84 lon/lat
        elif crs is not None:
            gdf = gdf.set_crs(crs)
        else:
            raise CRSError(
                "The file has no coordinate reference system (CRS).",
                file=p,
                fix="Set the CRS in the file (QGIS: Layer > Set CRS; "
                "geopandas: gdf.set_crs('EPSG:3006')) or pass crs='EPSG:...' to the loader.",
            )
    elif crs is not None and CRS.from_user_input(crs) != CRS.from_user_input(gdf.crs):
        raise CRSError(
            f"The file declares CRS {gdf.crs.to_string()} but crs={crs!s} was given.",
            file=p,
            fix="Drop the crs= argument (the file's own CRS is used) or fix the file's CRS.",
        )
    return gdf


def _frame_to_geo(df: pd.DataFrame, p: Path, *, crs: Any | None, geometry: str) -> gpd.GeoDataFrame:
    cols = [str(c) for c in df.columns]
    lat, lon = _find_col(cols, LAT_ALIASES), _find_col(cols, LON_ALIASES)
    x, y = _find_col(cols, X_ALIASES), _find_col(cols, Y_ALIASES)
    wkt = _find_col(cols, ("wkt", "geometry", "geom"))
    if lat and lon:
        if crs is not None and not CRS.from_user_input(crs).is_geographic:
            raise CRSError(
                f"Columns {lat!r}/{lon!r} are latitude/longitude but crs={crs!s} is projected.",
                file=p,
                fix="Drop crs= (lat/lon are EPSG:4326), or name the columns x/y.",
            )
        for c in (lat, lon):
            if not pd.api.types.is_numeric_dtype(df[c]):
                bad = pd.to_numeric(df[c], errors="coerce").isna() & df[c].notna()
                i = int(np.flatnonzero(bad.to_numpy())[0]) if bad.any() else 0
                raise SchemaError(
                    f"Column {c!r} is not numeric (value {df[c].iloc[i]!r}).",
                    file=p,
                    row=_display_row(df, i, None),
                    fix="Write decimal degrees with a point, e.g. 56.0465 (not 56,0465 or 56°02').",
                )
        miss = df[lat].isna() | df[lon].isna()
        if miss.any():
            i = int(np.flatnonzero(miss.to_numpy())[0])
            raise GeometryError(
                f"Missing coordinates in {int(miss.sum())} row(s).",
                file=p,
                row=_display_row(df, i, _guess_id(cols)),
                fix="Fill in lat/lon, or move the row to a separate 'unlocated' table.",
            )
        geom = gpd.points_from_xy(df[lon], df[lat])
        return gpd.GeoDataFrame(df, geometry=geom, crs=crs or "EPSG:4326")
    if x and y:
        if crs is None:
            raise CRSError(
                f"CSV with {x!r}/{y!r} columns but no CRS given.",
                file=p,
                fix="Pass crs='EPSG:3006' (or the file's CRS) to the loader, or use lat/lon columns.",
            )
        miss = df[x].isna() | df[y].isna()
        if miss.any():
            i = int(np.flatnonzero(miss.to_numpy())[0])
            raise GeometryError(
                f"Missing coordinates in {int(miss.sum())} row(s).",
                file=p,
                row=_display_row(df, i, _guess_id(cols)),
                fix="Fill in x/y, or move the row to a separate 'unlocated' table.",
            )
        return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df[x], df[y]), crs=crs)
    if wkt and geometry != "point":
        try:
            geom = gpd.GeoSeries.from_wkt(df[wkt].fillna("POLYGON EMPTY").astype(str))
        except Exception as exc:
            raise GeometryError(
                f"Column {wkt!r} does not hold valid WKT: {exc}",
                file=p,
                fix="Export the polygons as GeoJSON or GeoPackage instead.",
            ) from exc
        if crs is None:
            raise CRSError(
                "CSV with a WKT column but no CRS given.",
                file=p,
                fix="Pass crs='EPSG:...' to the loader.",
            )
        return gpd.GeoDataFrame(df.drop(columns=[wkt]), geometry=geom.values, crs=crs)
    need = "lat/lon or x/y columns" + (" (or a wkt column)" if geometry != "point" else "")
    raise SchemaError(
        f"No coordinate columns: expected {need}. Columns found: {', '.join(cols)}.",
        file=p,
        fix="Name the coordinate columns lat and lon (WGS 84) or x and y (and pass crs=).",
    )


def _guess_id(cols: list[str]) -> str | None:
    for c in cols:
        if c.endswith("_id") or c == "id":
            return c
    return None


# ---------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------
def require_columns(df: pd.DataFrame, columns: list[str], file: Path, *, hint: str = "") -> None:
    """Raise :class:`SchemaError` naming the missing columns and the columns found."""
    missing = [c for c in columns if c not in df.columns]
    if missing:
        found = [str(c) for c in df.columns if c != "geometry"]
        fix = hint or (
            f"Rename the column(s) in the file or tell the loader which column to use "
            f"(e.g. id_col='...'). Required: {', '.join(columns)}."
        )
        raise SchemaError(
            f"Missing column(s): {', '.join(missing)}. Columns found: {', '.join(found)}.",
            file=file,
            fix=fix,
        )


def check_ids(df: pd.DataFrame, id_col: str, file: Path) -> pd.Series:
    """Ids as strings; raise on missing or duplicate ids."""
    raw = df[id_col]
    miss = raw.isna() | (raw.astype(str).str.strip() == "")
    if miss.any():
        i = int(np.flatnonzero(miss.to_numpy())[0])
        raise SchemaError(
            f"Missing id in column {id_col!r} ({int(miss.sum())} row(s)).",
            file=file,
            row=f"data row {i + 1}",
            fix="Give every row a unique id.",
        )
    ids = raw.map(_id_str)
    dup = ids.duplicated(keep=False)
    if dup.any():
        first = ids[dup].iloc[0]
        rows = [str(int(k) + 1) for k in np.flatnonzero((ids == first).to_numpy())]
        raise SchemaError(
            f"Duplicate id {first!r} in column {id_col!r} (data rows {', '.join(rows)}); "
            f"{int(ids[dup].nunique())} id(s) are duplicated.",
            file=file,
            row=f"id {first}",
            fix="Make the ids unique (e.g. append a suffix) or remove the duplicate rows.",
        )
    return ids


def _id_str(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def check_geometry(gdf: gpd.GeoDataFrame, file: Path, ids: pd.Series, *, kind: str) -> None:
    """Raise :class:`GeometryError` on empty, invalid or wrong-type geometries.

    ``kind`` is ``"polygon"`` or ``"point"``.
    """
    geom = gdf.geometry
    empty = geom.isna() | geom.is_empty
    if empty.any():
        i = int(np.flatnonzero(empty.to_numpy())[0])
        raise GeometryError(
            f"Empty geometry ({int(empty.sum())} row(s)).",
            file=file,
            row=f"id {ids.iloc[i]} (data row {i + 1})",
            fix="Draw the feature or remove the row (unlocated population goes to the "
            "'unlocated' table).",
        )
    types = geom.geom_type
    if kind == "polygon":
        bad = ~types.isin(["Polygon", "MultiPolygon"])
        want = "Polygon or MultiPolygon"
    else:
        bad = ~types.isin(["Point", "Polygon", "MultiPolygon"])
        want = "Point (or a Polygon, taken at its representative point)"
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise GeometryError(
            f"Geometry type {types.iloc[i]} where {want} is expected.",
            file=file,
            row=f"id {ids.iloc[i]} (data row {i + 1})",
            fix=f"Export the layer as {want}.",
        )
    invalid = ~geom.is_valid
    if invalid.any():
        i = int(np.flatnonzero(invalid.to_numpy())[0])
        why = shapely.is_valid_reason(geom.iloc[i])
        raise GeometryError(
            f"Invalid geometry: {why} ({int(invalid.sum())} invalid row(s)).",
            file=file,
            row=f"id {ids.iloc[i]} (data row {i + 1})",
            fix="Repair it (QGIS: Vector > Geometry Tools > Fix Geometries; "
            "shapely.make_valid) or pass repair=True to the loader.",
        )


def check_coordinates(
    gdf: gpd.GeoDataFrame, file: Path, ids: pd.Series, boundary_lonlat: Any | None = None
) -> None:
    """Raise :class:`CRSError` if coordinates are implausible for the CRS, or lat/lon swapped.

    A geographic CRS must hold |lon| <= 180, |lat| <= 90; a projected CRS holding only values
    that fit in degrees is suspicious (degrees labelled as metres). Lat/lon swap is detected by
    checking which of (x, y) and (y, x) falls inside the study area (or Sweden when no study
    area is known).
    """
    crs = CRS.from_user_input(gdf.crs)
    b = gdf.geometry.bounds
    if crs.is_geographic:
        out = (b.minx < -180) | (b.maxx > 180) | (b.miny < -90) | (b.maxy > 90)
        if out.any():
            i = int(np.flatnonzero(out.to_numpy())[0])
            c = gdf.geometry.iloc[i].representative_point()
            raise CRSError(
                f"Coordinates ({c.x:.1f}, {c.y:.1f}) are not degrees, but the CRS is "
                f"{crs.to_string()} (longitude/latitude).",
                file=file,
                row=f"id {ids.iloc[i]} (data row {i + 1})",
                fix="The values look like metres: declare the right CRS (e.g. crs='EPSG:3006' "
                "for SWEREF 99 TM) instead of EPSG:4326, or reproject the file to lon/lat.",
            )
        pts = gdf.geometry.representative_point()
        x, y = pts.x.to_numpy(), pts.y.to_numpy()
        if boundary_lonlat is not None:
            inside = shapely.contains_xy(boundary_lonlat, x, y)
            swapped = shapely.contains_xy(boundary_lonlat, y, x)
            where = "the study area"
        else:
            x0, y0, x1, y1 = SWEDEN_LONLAT
            inside = (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)
            swapped = (y >= x0) & (y <= x1) & (x >= y0) & (x <= y1)
            where = "Sweden"
        if boundary_lonlat is not None or swapped.any():
            sw = swapped & ~inside
            if sw.any() and sw.sum() >= max(1, 0.5 * (~inside).sum()):
                i = int(np.flatnonzero(sw)[0])
                raise CRSError(
                    f"Latitude and longitude look swapped: ({x[i]:.4f}, {y[i]:.4f}) is outside "
                    f"{where} but ({y[i]:.4f}, {x[i]:.4f}) is inside ({int(sw.sum())} row(s)).",
                    file=file,
                    row=f"id {ids.iloc[i]} (data row {i + 1})",
                    fix="Swap the columns: latitude (about 55-69 in Sweden) belongs in 'lat', "
                    "longitude (about 11-24) in 'lon'; in GeoJSON the order is [lon, lat].",
                )
    elif crs.is_projected:
        degreeish = (
            (b.minx.abs() <= 180)
            & (b.maxx.abs() <= 180)
            & (b.miny.abs() <= 90)
            & (b.maxy.abs() <= 90)
        )
        if len(b) and degreeish.all():
            raise CRSError(
                f"Coordinates look like degrees but the CRS is {crs.to_string()} (metres).",
                file=file,
                row=f"id {ids.iloc[0]} (data row 1)",
                fix="Declare EPSG:4326 (lon/lat) instead, or reproject the file.",
            )
        if boundary_lonlat is not None and len(b):
            bnd = gpd.GeoSeries([boundary_lonlat], crs="EPSG:4326").to_crs(crs).iloc[0]
            pts = gdf.geometry.representative_point()
            x, y = pts.x.to_numpy(), pts.y.to_numpy()
            inside = shapely.contains_xy(bnd, x, y)
            sw = shapely.contains_xy(bnd, y, x) & ~inside
            if sw.any() and sw.sum() >= 0.5 * (~inside).sum():
                i = int(np.flatnonzero(sw)[0])
                raise CRSError(
                    f"x and y look swapped: ({x[i]:.0f}, {y[i]:.0f}) is outside the study area "
                    f"but ({y[i]:.0f}, {x[i]:.0f}) is inside ({int(sw.sum())} row(s)).",
                    file=file,
                    row=f"id {ids.iloc[i]} (data row {i + 1})",
                    fix="Swap the columns: x = easting, y = northing (in SWEREF 99 TM the "
                    "northing is the 7-digit value).",
                )


def check_inside(
    gdf: gpd.GeoDataFrame,
    boundary: Any,
    file: Path,
    ids: pd.Series,
    *,
    tolerance_m: float = 0.0,
    what: str = "points",
) -> np.ndarray:
    """Boolean mask of rows outside ``boundary`` (same CRS); raise if any.

    Raises
    ------
    GeometryError
        Naming the count and the first five ids.
    """
    b = boundary.buffer(tolerance_m) if tolerance_m > 0 else boundary
    pts = gdf.geometry.representative_point()
    inside = shapely.contains_xy(b, pts.x.to_numpy(), pts.y.to_numpy())
    out = ~inside
    if out.any():
        first = [str(ids.iloc[i]) for i in np.flatnonzero(out)[:5]]
        i = int(np.flatnonzero(out)[0])
        raise GeometryError(
            f"{int(out.sum())} of {len(gdf)} {what} lie outside the study area "
            f"(first: {', '.join(first)}).",
            file=file,
            row=f"id {ids.iloc[i]} (data row {i + 1})",
            fix="Check those coordinates and the CRS; remove rows from other municipalities, "
            "or pass outside='drop' to keep only the rows inside.",
        )
    return out


def _prepare(
    path: str | Path,
    *,
    id_col: str,
    crs: Any | None,
    target_crs: str | None,
    boundary: Any | None,
    boundary_crs: str | None,
    kind: str,
    layer: str | None,
    required: list[str],
    repair: bool = False,
) -> tuple[gpd.GeoDataFrame, pd.Series, Path, str]:
    p = Path(path)
    gdf = read_geo(
        p, crs=crs, layer=layer, geometry=kind, str_cols=[id_col, "area_id", "subarea_id"]
    )
    require_columns(gdf, [id_col, *required], p)
    ids = check_ids(gdf, id_col, p)
    if repair and kind == "polygon":
        gdf = gdf.copy()
        gdf["geometry"] = gdf.geometry.make_valid()
    check_geometry(gdf, p, ids, kind=kind)
    boundary_ll = None
    if boundary is not None and boundary_crs is not None:
        boundary_ll = gpd.GeoSeries([boundary], crs=boundary_crs).to_crs("EPSG:4326").iloc[0]
    check_coordinates(gdf, p, ids, boundary_ll)
    if target_crs is None:
        ll = gdf.to_crs("EPSG:4326").geometry.union_all().centroid
        target_crs = boundary_crs or metric_crs_for(ll.x, ll.y)
    out = gdf.to_crs(target_crs)
    return out, ids, p, str(target_crs)


def _keep_inside(
    gdf: gpd.GeoDataFrame,
    ids: pd.Series,
    boundary: Any | None,
    p: Path,
    outside: str,
    what: str,
    tolerance_m: float = 0.0,
):
    if boundary is None or outside == "keep":
        return gdf, ids
    if outside == "drop":
        pts = gdf.geometry.representative_point()
        keep = shapely.contains_xy(boundary, pts.x.to_numpy(), pts.y.to_numpy())
        return gdf.loc[keep], ids[keep]
    check_inside(gdf, boundary, p, ids, tolerance_m=tolerance_m, what=what)
    return gdf, ids


def _fill(df: pd.DataFrame, col: str, value: str) -> None:
    if col not in df.columns:
        df[col] = value
    else:
        df[col] = df[col].fillna(value).astype(object)
        df.loc[df[col].astype(str).str.strip() == "", col] = value


# ---------------------------------------------------------------------------------------------
# Public loaders
# ---------------------------------------------------------------------------------------------
def load_areas(
    path: str | Path,
    *,
    id_col: str = "area_id",
    name_col: str = "name",
    crs: Any | None = None,
    target_crs: str | None = None,
    boundary: Any | None = None,
    boundary_crs: str | None = None,
    layer: str | None = None,
    repair: bool = False,
    extra_columns: bool = True,
    _out_id: str = "area_id",
) -> gpd.GeoDataFrame:
    """Load area polygons (e.g. a city's official district boundaries).

    Parameters
    ----------
    path
        GeoJSON / GeoPackage / GeoParquet, or CSV with a ``wkt`` column (and ``crs=``).
    id_col, name_col
        Columns holding the unique area id and the display name.
    crs
        CRS of the coordinates when the file carries none.
    target_crs
        Metric output CRS; default ``boundary_crs`` or :func:`metric_crs_for`.
    boundary, boundary_crs
        Optional study area (shapely geometry) and its CRS, used for the lat/lon swap check.
    layer
        GeoPackage layer.
    repair
        Repair invalid polygons with ``make_valid`` instead of raising.
    extra_columns
        Keep the file's other columns.

    Returns
    -------
    GeoDataFrame
        ``area_id, name, boundary_quality, source, geometry`` (+ extra columns) in the
        metric CRS. Missing ``boundary_quality`` / ``source`` are filled with "as supplied" and
        the file name.
    """
    gdf, ids, p, _ = _prepare(
        path,
        id_col=id_col,
        crs=crs,
        target_crs=target_crs,
        boundary=boundary,
        boundary_crs=boundary_crs,
        kind="polygon",
        layer=layer,
        required=[name_col],
        repair=repair,
    )
    out = gdf.copy()
    if _out_id == "subarea_id" and "area_id" in out.columns and id_col != "area_id":
        out = out.rename(columns={"area_id": "_parent_area_id"})
    out[_out_id] = ids.to_numpy()
    out["name"] = out[name_col].astype(str)
    _fill(out, "boundary_quality", "as supplied")
    _fill(out, "source", f"file {p.name}")
    return _order(out, [_out_id, "name", "boundary_quality", "source"], extra_columns)


def load_subareas(
    path: str | Path,
    *,
    id_col: str = "subarea_id",
    name_col: str = "name",
    area_col: str = "area_id",
    **kw: Any,
) -> gpd.GeoDataFrame:
    """Load sub-area polygons (like :func:`load_areas`, plus the parent ``area_id``)."""
    out = load_areas(path, id_col=id_col, name_col=name_col, _out_id="subarea_id", **kw)
    col = "_parent_area_id" if area_col == "area_id" else area_col
    if col not in out.columns:
        require_columns(out, [area_col], Path(path))
    out["area_id"] = out[col].map(_id_str)
    out = out.drop(columns=["_parent_area_id"], errors="ignore")
    return _order(out, ["subarea_id", "name", "area_id", "boundary_quality", "source"], True)


def _order(df: gpd.GeoDataFrame, first: list[str], extra: bool) -> gpd.GeoDataFrame:
    rest = [c for c in df.columns if c not in first and c != "geometry"] if extra else []
    out = df[[*first, *rest, "geometry"]]
    return gpd.GeoDataFrame(out.reset_index(drop=True), geometry="geometry", crs=df.crs)


def load_population(
    path: str | Path,
    *,
    id_col: str = "demand_id",
    population_col: str = "population",
    area_col: str = "area_id",
    year_col: str = "population_year",
    crs: Any | None = None,
    target_crs: str | None = None,
    boundary: Any | None = None,
    boundary_crs: str | None = None,
    areas: gpd.GeoDataFrame | None = None,
    outside: str = "error",
    layer: str | None = None,
    year: int | None = None,
) -> gpd.GeoDataFrame:
    """Load population points (address points, building points, district points ...).

    Parameters
    ----------
    path
        GeoJSON / GeoPackage / GeoParquet, or CSV with lat/lon or x/y (+ ``crs=``).
    id_col, population_col, area_col, year_col
        Column names. ``area_col`` may be absent if ``areas`` is given (points are assigned by
        polygon); ``year_col`` may be absent if ``year`` is given.
    crs, target_crs
        As in :func:`load_areas`.
    boundary, boundary_crs
        Study area (in ``boundary_crs``, which is also the default output CRS). Points outside
        raise :class:`GeometryError` (``outside="error"``), are dropped (``"drop"``) or kept.
    areas
        Area polygons (in the output CRS) to assign ``area_id`` when the file has none.
    year
        Population year for all rows when the file has no year column.

    Returns
    -------
    GeoDataFrame
        ``demand_id, area_id, subarea_id, population, population_year, location_quality,
        source, geometry`` (+ the file's other columns, e.g. age groups ``pop_0_19``,
        ``pop_20_64``, ``pop_65_plus``).

    Raises
    ------
    SchemaError
        Missing/negative/non-numeric population, missing columns, duplicate ids.
    """
    gdf, ids, p, tcrs = _prepare(
        path,
        id_col=id_col,
        crs=crs,
        target_crs=target_crs or boundary_crs,
        boundary=boundary,
        boundary_crs=boundary_crs,
        kind="point",
        layer=layer,
        required=[population_col],
    )
    pop = pd.to_numeric(gdf[population_col], errors="coerce")
    bad = pop.isna()
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise SchemaError(
            f"Missing or non-numeric population {gdf[population_col].iloc[i]!r} in column "
            f"{population_col!r} ({int(bad.sum())} row(s)).",
            file=p,
            row=f"id {ids.iloc[i]} (data row {i + 1})",
            fix="Give a number of people (0 is allowed); put population without a location in "
            "the 'unlocated' table instead.",
        )
    neg = pop < 0
    if neg.any():
        i = int(np.flatnonzero(neg.to_numpy())[0])
        raise SchemaError(
            f"Negative population {pop.iloc[i]} in column {population_col!r}.",
            file=p,
            row=f"id {ids.iloc[i]} (data row {i + 1})",
            fix="Population must be >= 0; check the sign or the column.",
        )
    for c in ("pop_0_19", "pop_20_64", "pop_65_plus"):
        if c in gdf.columns:
            v = pd.to_numeric(gdf[c], errors="coerce")
            if (v.isna() | (v < 0)).any():
                i = int(np.flatnonzero((v.isna() | (v < 0)).to_numpy())[0])
                raise SchemaError(
                    f"Missing or negative value in age column {c!r}.",
                    file=p,
                    row=f"id {ids.iloc[i]} (data row {i + 1})",
                    fix="Age group counts must be numbers >= 0.",
                )
    gdf = gdf.copy()
    gdf["demand_id"] = ids.to_numpy()
    gdf["population"] = pop.astype(float).to_numpy()
    if boundary is not None and boundary_crs is not None and boundary_crs != tcrs:
        boundary = gpd.GeoSeries([boundary], crs=boundary_crs).to_crs(tcrs).iloc[0]
    gdf, ids = _keep_inside(gdf, ids, boundary, p, outside, "population points")
    gdf["geometry"] = gdf.geometry.representative_point()
    if area_col in gdf.columns:
        gdf["area_id"] = gdf[area_col].map(lambda v: "" if pd.isna(v) else _id_str(v))
    elif areas is not None:
        gdf["area_id"] = _assign_area(gdf, areas)
    else:
        require_columns(
            gdf,
            [area_col],
            p,
            hint=(
                f"Add an {area_col!r} column, name the column with area_col=, or pass areas= so "
                "points are assigned to the area polygon they fall in."
            ),
        )
    if "subarea_id" not in gdf.columns:
        gdf["subarea_id"] = ""
    gdf["subarea_id"] = gdf["subarea_id"].map(lambda v: "" if pd.isna(v) else _id_str(v))
    if year_col in gdf.columns:
        gdf["population_year"] = pd.to_numeric(gdf[year_col], errors="coerce")
    elif year is not None:
        gdf["population_year"] = year
    else:
        gdf["population_year"] = np.nan
    _fill(gdf, "location_quality", "as supplied")
    _fill(gdf, "source", f"file {p.name}")
    return _order(
        gdf,
        [
            "demand_id",
            "area_id",
            "subarea_id",
            "population",
            "population_year",
            "location_quality",
            "source",
        ],
        True,
    )


def _assign_area(points: gpd.GeoDataFrame, areas: gpd.GeoDataFrame) -> pd.Series:
    a = areas.to_crs(points.crs)[["area_id", "geometry"]]
    j = gpd.sjoin(points[["geometry"]], a, predicate="within", how="left")
    s = j["area_id"].groupby(level=0).first()
    missing = s.isna()
    if missing.any():  # on a shared edge or just outside: nearest area
        nj = gpd.sjoin_nearest(points.loc[missing[missing].index, ["geometry"]], a, how="left")
        s.loc[missing] = nj["area_id"].groupby(level=0).first()
    return s.reindex(points.index).astype(str)


def load_services(
    path: str | Path,
    *,
    id_col: str = "service_id",
    name_col: str = "name",
    category_col: str = "category",
    category_map: Mapping[str, str] | None = None,
    categories: tuple[str, ...] | list[str] = CATEGORIES,
    crs: Any | None = None,
    target_crs: str | None = None,
    boundary: Any | None = None,
    boundary_crs: str | None = None,
    outside: str = "error",
    outside_tolerance_m: float = 0.0,
    layer: str | None = None,
) -> gpd.GeoDataFrame:
    """Load service points (a registry, a geocoded list, an OSM export ...).

    Parameters
    ----------
    path
        GeoJSON / GeoPackage / GeoParquet, or CSV with lat/lon or x/y (+ ``crs=``).
    id_col, name_col, category_col
        Column names.
    category_map
        Maps the file's own category values to known categories, e.g.
        ``{"vårdcentral": "health_centre", "bibliotek": "library"}``. Values already known
        pass through.
    categories
        The known categories (default :data:`~proximity.sources.CATEGORIES`).
    crs, target_crs, boundary, boundary_crs, outside, outside_tolerance_m, layer
        As in :func:`load_population`. Polygons (buildings) are taken at their representative
        point.

    Returns
    -------
    GeoDataFrame
        ``service_id, name, category, location_quality, source, geometry`` (+ other columns).

    Raises
    ------
    SchemaError
        Unknown category (lists the known ones and the closest match), missing columns,
        duplicate ids.
    """
    gdf, ids, p, tcrs = _prepare(
        path,
        id_col=id_col,
        crs=crs,
        target_crs=target_crs or boundary_crs,
        boundary=boundary,
        boundary_crs=boundary_crs,
        kind="point",
        layer=layer,
        required=[category_col],
    )
    gdf = gdf.copy()
    raw = gdf[category_col].astype(object)
    cmap = {str(k): str(v) for k, v in (category_map or {}).items()}
    cat = raw.map(lambda v: cmap.get(str(v).strip(), str(v).strip()) if pd.notna(v) else "")
    known = set(categories)
    bad = ~cat.isin(known)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        v = raw.iloc[i]
        sug = suggest_category(str(v), list(categories))
        hint = f" Did you mean {sug!r}?" if sug else ""
        unknown = sorted({str(x) for x in raw[bad]})
        raise SchemaError(
            f"Unknown category {v!r}.{hint} Unknown values: {', '.join(unknown)}. "
            f"Known categories: {', '.join(categories)}.",
            file=p,
            row=f"id {ids.iloc[i]} (data row {i + 1})",
            fix="Use a known category in the file, or pass category_map={'your value': "
            "'known_category', ...} to the loader.",
        )
    gdf["service_id"] = ids.to_numpy()
    gdf["category"] = cat.to_numpy()
    if name_col in gdf.columns:
        gdf["name"] = gdf[name_col].fillna("").astype(str)
    else:
        gdf["name"] = gdf["service_id"]
    if boundary is not None and boundary_crs is not None and boundary_crs != tcrs:
        boundary = gpd.GeoSeries([boundary], crs=boundary_crs).to_crs(tcrs).iloc[0]
    gdf, ids = _keep_inside(gdf, ids, boundary, p, outside, "services", outside_tolerance_m)
    was_poly = gdf.geometry.geom_type != "Point"
    gdf["geometry"] = gdf.geometry.representative_point()
    _fill(gdf, "location_quality", "as supplied")
    if was_poly.any():
        gdf.loc[was_poly.to_numpy(), "location_quality"] = "representative point of polygon"
    _fill(gdf, "source", f"file {p.name}")
    return _order(gdf, ["service_id", "name", "category", "location_quality", "source"], True)


def load_table(path: str | Path, *, required: list[str], what: str = "table") -> pd.DataFrame:
    """Read a plain CSV/Parquet table and check its columns (for ``unlocated``, ``area_stats``)."""
    p = Path(path)
    if not p.exists():
        raise InputFileError(
            f"{what.capitalize()} file not found.", file=p, fix="Check the path in the city TOML."
        )
    try:
        df = pd.read_parquet(p) if p.suffix.lower() in PARQUET_SUFFIXES else pd.read_csv(p)
    except Exception as exc:
        raise InputFileError(
            f"Cannot read the {what}: {exc}", file=p, fix="Save it as UTF-8 CSV with a header row."
        ) from exc
    require_columns(df, required, p)
    return df
