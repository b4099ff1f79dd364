"""Checks of loaded tables; each raises an error that names the file, the row and the fix.

- :class:`~proximity.errors.SchemaError`: missing column (the columns found are listed), no
  rows, missing or duplicate ids; the value checks (population with its limits, age groups,
  unknown or empty category) live in :mod:`proximity.sources.values` and are re-exported here;
- :class:`~proximity.errors.GeometryError`: empty or invalid geometry, wrong geometry type,
  points outside the study area (the first ids are named);
- :class:`~proximity.errors.CRSError`: coordinates implausible for the declared CRS (metres in
  an EPSG:4326 file, degrees in a metric one), latitude and longitude swapped.

Rows are named ``"id <id> (data row <n>), line <l>"`` (:func:`~proximity.sources.rows.row_label`),
counted from 1 after the header; the line is given for CSV files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from proximity.crs import sweden_area_of_use
from proximity.errors import CRSError, GeometryError, SchemaError
from proximity.sources.rows import coord_text as _coord
from proximity.sources.rows import first_true as _first
from proximity.sources.rows import row_label, value_text
from proximity.sources.values import (
    AGE_COLUMNS,
    MAX_POPULATION_PER_ROW,
    MAX_POPULATION_TOTAL,
    check_age_columns,
    check_categories,
    check_population,
)

__all__ = [
    "AGE_COLUMNS",
    "MAX_POPULATION_PER_ROW",
    "MAX_POPULATION_TOTAL",
    "check_age_columns",
    "check_categories",
    "check_coordinates",
    "check_geometry",
    "check_ids",
    "check_inside",
    "check_population",
    "id_str",
    "require_columns",
    "require_rows",
    "row_label",
    "value_text",
]

_row = row_label


# ---------------------------------------------------------------------------------------------
# Columns and ids
# ---------------------------------------------------------------------------------------------
def require_columns(df: pd.DataFrame, columns: list[str], file: Path, *, hint: str = "") -> None:
    """Raise :class:`SchemaError` naming the missing columns and the columns found.

    Parameters
    ----------
    df
        The table.
    columns
        The columns it must have.
    file
        The file it was read from (for the message).
    hint
        The fix to suggest; default: rename the columns or name them in the loader call.
    """
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


def require_rows(df: pd.DataFrame, file: Path) -> None:
    """Raise :class:`SchemaError` if the table has no rows (a header only, no features).

    Parameters
    ----------
    df
        The table.
    file
        The file it was read from.
    """
    if len(df) == 0:
        raise SchemaError(
            "The file has no rows: it holds a header (or an empty layer) but no data.",
            file=file,
            fix="Add the rows under the header, or check that the right sheet or layer was "
            "exported.",
        )


def id_str(v: Any) -> str:
    """An id as text: ``12.0`` (an integer column read as float) becomes ``"12"``, spaces go.

    Parameters
    ----------
    v
        A cell of an id column.

    Returns
    -------
    str
    """
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def check_ids(df: pd.DataFrame, id_col: str, file: Path, *, lines: Any = None) -> pd.Series:
    """Ids as strings; raise on missing or duplicate ids.

    Parameters
    ----------
    df
        The table.
    id_col
        Its id column.
    file
        The file it was read from (for the message).
    lines
        The file line of each row (CSV), kept in ``attrs["csv_lines"]`` of the result for
        :func:`row_label`.

    Returns
    -------
    Series
        The ids as text (:func:`id_str`), in row order.

    Raises
    ------
    SchemaError
        A missing or duplicate id (all rows of the first duplicate are named).
    """
    raw = df[id_col]
    if isinstance(raw, pd.DataFrame):  # two columns of that name (e.g. a GeoPackage)
        raise SchemaError(
            f"Column {id_col!r} appears more than once.",
            file=file,
            fix="Give every column a distinct name.",
        )
    miss = raw.isna() | (raw.astype(str).str.strip() == "")
    if miss.any():
        i = _first(miss)
        line = f", line {int(lines[i])}" if lines is not None else ""
        raise SchemaError(
            f"Missing id in column {id_col!r} ({int(miss.sum())} row(s)).",
            file=file,
            row=f"data row {i + 1}{line}",
            fix="Give every row a unique id.",
        )
    ids = raw.map(id_str)
    if lines is not None:
        ids.attrs["csv_lines"] = np.asarray(lines)
    dup = ids.duplicated(keep=False)
    if dup.any():
        first = ids[dup].iloc[0]
        pos = np.flatnonzero((ids == first).to_numpy())
        where = f"data rows {', '.join(str(int(k) + 1) for k in pos)}"
        if lines is not None:
            where += f"; lines {', '.join(str(int(lines[k])) for k in pos)}"
        raise SchemaError(
            f"Duplicate id {first!r} in column {id_col!r} ({where}); "
            f"{int(ids[dup].nunique())} id(s) are duplicated.",
            file=file,
            row=f"id {first}",
            fix="Make the ids unique (e.g. append a suffix) or remove the duplicate rows.",
        )
    return ids


# ---------------------------------------------------------------------------------------------
# Geometry and coordinates
# ---------------------------------------------------------------------------------------------
def check_geometry(gdf: gpd.GeoDataFrame, file: Path, ids: pd.Series, *, kind: str) -> None:
    """Raise :class:`GeometryError` on empty, invalid or wrong-type geometries.

    Parameters
    ----------
    gdf
        The rows.
    file
        The file they were read from.
    ids
        Their ids (:func:`check_ids`).
    kind
        ``"polygon"`` or ``"point"`` (points may also be polygons, taken at a representative
        point).
    """
    geom = gdf.geometry
    empty = geom.isna() | geom.is_empty
    if empty.any():
        raise GeometryError(
            f"Empty geometry ({int(empty.sum())} row(s)).",
            file=file,
            row=_row(ids, _first(empty)),
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
        i = _first(bad)
        raise GeometryError(
            f"Geometry type {types.iloc[i]} where {want} is expected.",
            file=file,
            row=_row(ids, i),
            fix=f"Export the layer as {want}.",
        )
    invalid = ~geom.is_valid
    if invalid.any():
        i = _first(invalid)
        why = shapely.is_valid_reason(geom.iloc[i])
        raise GeometryError(
            f"Invalid geometry: {why} ({int(invalid.sum())} invalid row(s)).",
            file=file,
            row=_row(ids, i),
            fix="Repair it (QGIS: Vector > Geometry Tools > Fix Geometries; "
            "shapely.make_valid) or pass repair=True to the loader.",
        )


def check_coordinates(
    gdf: gpd.GeoDataFrame, file: Path, ids: pd.Series, boundary_lonlat: Any | None = None
) -> None:
    """Raise :class:`CRSError` if coordinates are implausible for the CRS, or lat/lon swapped.

    A geographic CRS must hold |lon| <= 180, |lat| <= 90; a projected CRS holding only values
    that fit in degrees is suspicious (degrees labelled as metres). Lat/lon swap is detected by
    checking which of (x, y) and (y, x) falls inside the study area (or Sweden, EPSG:3006's
    area of use, when no study area is known).

    Parameters
    ----------
    gdf
        The rows, in their file's CRS.
    file
        The file they were read from.
    ids
        Their ids (:func:`check_ids`).
    boundary_lonlat
        The study area in EPSG:4326 (shapely geometry), if known.
    """
    crs = CRS.from_user_input(gdf.crs)
    if crs.is_geographic:
        _check_degrees(gdf, file, ids, crs)
        _check_lonlat_swap(gdf, file, ids, boundary_lonlat)
    elif crs.is_projected:
        _check_metres(gdf, file, ids, crs)
        if boundary_lonlat is not None and len(gdf):
            _check_xy_swap(gdf, file, ids, crs, boundary_lonlat)


def _check_degrees(gdf: gpd.GeoDataFrame, file: Path, ids: pd.Series, crs: CRS) -> None:
    """A geographic CRS holding values beyond ±180/±90: metres declared as degrees."""
    b = gdf.geometry.bounds
    out = (b.minx < -180) | (b.maxx > 180) | (b.miny < -90) | (b.maxy > 90)
    if out.any():
        i = _first(out)
        c = gdf.geometry.iloc[i].representative_point()
        metres = max(abs(c.x), abs(c.y)) > 1000
        raise CRSError(
            f"Coordinates ({_coord(c.x)}, {_coord(c.y)}) are not degrees, but the CRS is "
            f"{crs.to_string()} (longitude/latitude"
            + ("" if metres else ": longitude within ±180, latitude within ±90")
            + ").",
            file=file,
            row=_row(ids, i),
            fix="The values look like metres: declare the right CRS (e.g. crs='EPSG:3006' "
            "for SWEREF 99 TM) instead of EPSG:4326, or reproject the file to lon/lat."
            if metres
            else "Check the value: a latitude in Sweden is about 55-69, a longitude about "
            "11-24 (are lat and lon mistyped or in the wrong columns?).",
        )


def _check_lonlat_swap(
    gdf: gpd.GeoDataFrame, file: Path, ids: pd.Series, boundary_lonlat: Any | None
) -> None:
    """Most points outside the study area (or Sweden) but inside it with lat/lon swapped."""
    pts = gdf.geometry.representative_point()
    x, y = pts.x.to_numpy(), pts.y.to_numpy()
    if boundary_lonlat is not None:
        inside = shapely.contains_xy(boundary_lonlat, x, y)
        swapped = shapely.contains_xy(boundary_lonlat, y, x)
        where = "the study area"
    else:
        x0, y0, x1, y1 = sweden_area_of_use()
        inside = (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)
        swapped = (y >= x0) & (y <= x1) & (x >= y0) & (x <= y1)
        where = "Sweden"
    if boundary_lonlat is None and not swapped.any():
        return
    sw = swapped & ~inside
    if sw.any() and sw.sum() >= max(1, 0.5 * (~inside).sum()):
        i = _first(sw)
        raise CRSError(
            f"Latitude and longitude look swapped: ({x[i]:.4f}, {y[i]:.4f}) is outside "
            f"{where} but ({y[i]:.4f}, {x[i]:.4f}) is inside ({int(sw.sum())} row(s)).",
            file=file,
            row=_row(ids, i),
            fix="Swap the columns: latitude (about 55-69 in Sweden) belongs in 'lat', "
            "longitude (about 11-24) in 'lon'; in GeoJSON the order is [lon, lat].",
        )


def _check_metres(gdf: gpd.GeoDataFrame, file: Path, ids: pd.Series, crs: CRS) -> None:
    """A projected CRS whose values all fit in degrees: degrees declared as metres."""
    b = gdf.geometry.bounds
    degreeish = (
        (b.minx.abs() <= 180) & (b.maxx.abs() <= 180) & (b.miny.abs() <= 90) & (b.maxy.abs() <= 90)
    )
    if len(b) and degreeish.all():
        raise CRSError(
            f"Coordinates look like degrees but the CRS is {crs.to_string()} (metres).",
            file=file,
            row=_row(ids, 0),
            fix="Declare EPSG:4326 (lon/lat) instead, or reproject the file.",
        )


def _check_xy_swap(
    gdf: gpd.GeoDataFrame, file: Path, ids: pd.Series, crs: CRS, boundary_lonlat: Any
) -> None:
    """Most points outside the study area but inside it with x and y swapped."""
    bnd = gpd.GeoSeries([boundary_lonlat], crs="EPSG:4326").to_crs(crs).iloc[0]
    pts = gdf.geometry.representative_point()
    x, y = pts.x.to_numpy(), pts.y.to_numpy()
    inside = shapely.contains_xy(bnd, x, y)
    sw = shapely.contains_xy(bnd, y, x) & ~inside
    if sw.any() and sw.sum() >= 0.5 * (~inside).sum():
        i = _first(sw)
        raise CRSError(
            f"x and y look swapped: ({x[i]:.0f}, {y[i]:.0f}) is outside the study area "
            f"but ({y[i]:.0f}, {x[i]:.0f}) is inside ({int(sw.sum())} row(s)).",
            file=file,
            row=_row(ids, i),
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

    Parameters
    ----------
    gdf
        The rows (taken at their representative points).
    boundary
        The study area (shapely geometry in the rows' CRS).
    file
        The file they were read from.
    ids
        Their ids.
    tolerance_m
        Buffer the study area by this many metres first.
    what
        What the rows are, for the message (``"services"``).

    Returns
    -------
    numpy.ndarray
        All False (the rows outside; any True raises).

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
        raise GeometryError(
            f"{int(out.sum())} of {len(gdf)} {what} lie outside the study area "
            f"(first: {', '.join(first)}).",
            file=file,
            row=_row(ids, _first(out)),
            fix="Check those coordinates and the CRS; remove rows from other municipalities, "
            "or pass outside='drop' to keep only the rows inside.",
        )
    return out
