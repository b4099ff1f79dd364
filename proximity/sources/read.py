"""Reading files: GeoJSON, GeoPackage, GeoParquet, CSV (lat/lon, x/y or WKT) and plain tables.

:func:`read_geo` returns a GeoDataFrame in the file's own CRS (no reprojection) and raises a
:mod:`proximity.errors` exception that names the file and the fix:

- :class:`~proximity.errors.InputFileError`: missing or unreadable file, unknown format;
- :class:`~proximity.errors.CRSError`: no CRS where the format needs one (GeoPackage,
  GeoParquet without CRS metadata, CSV with x/y), a ``crs=`` that contradicts the file;
- :class:`~proximity.errors.SchemaError` / :class:`~proximity.errors.GeometryError`: a CSV
  without coordinate columns, with non-numeric or missing coordinates, or bad WKT.

GeoJSON without a CRS is EPSG:4326 by RFC 7946. CSV files carry either ``lat``/``lon`` columns
(EPSG:4326; aliases ``latitude``/``longitude``/``lng``) or ``x``/``y`` columns (any CRS, given
with ``crs=``); an areas CSV may carry a ``wkt`` column.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from proximity.errors import CRSError, GeometryError, InputFileError, SchemaError
from proximity.sources.validate import require_columns

LAT_ALIASES = ("lat", "latitude", "y_lat")
LON_ALIASES = ("lon", "lng", "long", "longitude", "x_lon")
X_ALIASES = ("x", "easting", "e")
Y_ALIASES = ("y", "northing", "n")
WKT_ALIASES = ("wkt", "geometry", "geom")
VECTOR_SUFFIXES = {".geojson", ".json", ".gpkg", ".shp", ".fgb", ".gml", ".kml"}
PARQUET_SUFFIXES = {".parquet", ".geoparquet", ".pq"}
FORMATS_HELP = "GeoJSON (.geojson), GeoPackage (.gpkg), GeoParquet (.parquet) or CSV (.csv)"


def _display_row(df: pd.DataFrame, i: int, id_col: str | None) -> str:
    """``"<id> (row n)"`` for messages; rows counted from 1 after the header for CSV."""
    if id_col and id_col in df.columns:
        v = df[id_col].iloc[i]
        if v is not None and not (isinstance(v, float) and math.isnan(v)):
            return f"id {v!s} (data row {i + 1})"
    return f"data row {i + 1}"


def _find_col(columns: list[str], aliases: tuple[str, ...]) -> str | None:
    low = {c.lower(): c for c in columns}
    for a in aliases:
        if a in low:
            return low[a]
    return None


def _guess_id(cols: list[str]) -> str | None:
    for c in cols:
        if c.endswith("_id") or c == "id":
            return c
    return None


# ---------------------------------------------------------------------------------------------
# Vector files and CSV
# ---------------------------------------------------------------------------------------------
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

    Returns
    -------
    GeoDataFrame
        The file's rows and geometries, in the file's CRS (or ``crs``).

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
        gdf, from_columns = _read_any(
            p, suffix, crs=crs, layer=layer, geometry=geometry, str_cols=str_cols
        )
    except (InputFileError, CRSError, SchemaError, GeometryError):
        raise
    except Exception as exc:
        raise InputFileError(
            f"Cannot read the file: {exc}",
            file=p,
            fix=f"Check that it is a valid {FORMATS_HELP} file (open it in QGIS to see).",
        ) from exc
    if from_columns:
        return gdf  # points/shapes built from columns: the CRS is already set from crs=
    return _with_crs(gdf, p, suffix, crs)


def _read_any(
    p: Path,
    suffix: str,
    *,
    crs: Any | None,
    layer: str | None,
    geometry: str,
    str_cols: list[str] | None,
) -> tuple[gpd.GeoDataFrame, bool]:
    """Read by suffix; also say whether the geometry was built from columns (CSV, Parquet)."""
    if suffix in (".csv", ".txt"):
        df = pd.read_csv(p, encoding="utf-8-sig", dtype={c: str for c in str_cols or ()})
        return _frame_to_geo(df, p, crs=crs, geometry=geometry), True
    if suffix in PARQUET_SUFFIXES:
        try:
            return gpd.read_parquet(p), False
        except ValueError as exc:
            if "geo" not in str(exc).lower() and "geometry" not in str(exc).lower():
                raise
            return _frame_to_geo(pd.read_parquet(p), p, crs=crs, geometry=geometry), True
    if suffix in VECTOR_SUFFIXES:
        return (gpd.read_file(p, layer=layer) if layer else gpd.read_file(p)), False
    raise InputFileError(
        f"Unsupported file format {suffix!r}.",
        file=p,
        fix=f"Convert the file to {FORMATS_HELP}.",
    )


def _with_crs(gdf: gpd.GeoDataFrame, p: Path, suffix: str, crs: Any | None) -> gpd.GeoDataFrame:
    """The file's CRS, else GeoJSON's EPSG:4326, else ``crs``; raise if none or they differ."""
    if gdf.crs is None:
        if suffix in (".geojson", ".json"):
            return gdf.set_crs("EPSG:4326")  # RFC 7946: GeoJSON is WGS 84 lon/lat
        if crs is not None:
            return gdf.set_crs(crs)
        raise CRSError(
            "The file has no coordinate reference system (CRS).",
            file=p,
            fix="Set the CRS in the file (QGIS: Layer > Set CRS; "
            "geopandas: gdf.set_crs('EPSG:3006')) or pass crs='EPSG:...' to the loader.",
        )
    if crs is not None and CRS.from_user_input(crs) != CRS.from_user_input(gdf.crs):
        raise CRSError(
            f"The file declares CRS {gdf.crs.to_string()} but crs={crs!s} was given.",
            file=p,
            fix="Drop the crs= argument (the file's own CRS is used) or fix the file's CRS.",
        )
    return gdf


# ---------------------------------------------------------------------------------------------
# CSV coordinates
# ---------------------------------------------------------------------------------------------
def _frame_to_geo(df: pd.DataFrame, p: Path, *, crs: Any | None, geometry: str) -> gpd.GeoDataFrame:
    """Points from lat/lon or x/y columns, or polygons from a WKT column."""
    cols = [str(c) for c in df.columns]
    lat, lon = _find_col(cols, LAT_ALIASES), _find_col(cols, LON_ALIASES)
    x, y = _find_col(cols, X_ALIASES), _find_col(cols, Y_ALIASES)
    wkt = _find_col(cols, WKT_ALIASES)
    if lat and lon:
        return _latlon_points(df, p, lat=lat, lon=lon, crs=crs)
    if x and y:
        return _xy_points(df, p, x=x, y=y, crs=crs)
    if wkt and geometry != "point":
        return _wkt_shapes(df, p, wkt=wkt, crs=crs)
    need = "lat/lon or x/y columns" + (" (or a wkt column)" if geometry != "point" else "")
    raise SchemaError(
        f"No coordinate columns: expected {need}. Columns found: {', '.join(cols)}.",
        file=p,
        fix="Name the coordinate columns lat and lon (WGS 84) or x and y (and pass crs=).",
    )


def _latlon_points(
    df: pd.DataFrame, p: Path, *, lat: str, lon: str, crs: Any | None
) -> gpd.GeoDataFrame:
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
    _require_coordinates(df, p, lat, lon, names="lat/lon")
    geom = gpd.points_from_xy(df[lon], df[lat])
    return gpd.GeoDataFrame(df, geometry=geom, crs=crs or "EPSG:4326")


def _xy_points(df: pd.DataFrame, p: Path, *, x: str, y: str, crs: Any | None) -> gpd.GeoDataFrame:
    if crs is None:
        raise CRSError(
            f"CSV with {x!r}/{y!r} columns but no CRS given.",
            file=p,
            fix="Pass crs='EPSG:3006' (or the file's CRS) to the loader, or use lat/lon columns.",
        )
    _require_coordinates(df, p, x, y, names="x/y")
    return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df[x], df[y]), crs=crs)


def _require_coordinates(df: pd.DataFrame, p: Path, a: str, b: str, *, names: str) -> None:
    """Raise :class:`GeometryError` naming the first row with a missing coordinate."""
    miss = df[a].isna() | df[b].isna()
    if miss.any():
        i = int(np.flatnonzero(miss.to_numpy())[0])
        raise GeometryError(
            f"Missing coordinates in {int(miss.sum())} row(s).",
            file=p,
            row=_display_row(df, i, _guess_id([str(c) for c in df.columns])),
            fix=f"Fill in {names}, or move the row to a separate 'unlocated' table.",
        )


def _wkt_shapes(df: pd.DataFrame, p: Path, *, wkt: str, crs: Any | None) -> gpd.GeoDataFrame:
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


# ---------------------------------------------------------------------------------------------
# Plain tables
# ---------------------------------------------------------------------------------------------
def load_table(path: str | Path, *, required: list[str], what: str = "table") -> pd.DataFrame:
    """Read a plain CSV/Parquet table and check its columns (for ``unlocated``, ``area_stats``).

    Parameters
    ----------
    path
        ``.csv`` (UTF-8, header row) or ``.parquet``.
    required
        Columns the table must have.
    what
        What the table holds, for messages (``"unlocated population"``).

    Returns
    -------
    DataFrame
        The table as read.

    Raises
    ------
    InputFileError, SchemaError
    """
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
