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
import shapely
from pyproj import CRS

from proximity._csv import read_csv_lines
from proximity.errors import CRSError, GeometryError, InputFileError, SchemaError
from proximity.sources.validate import require_columns, value_text

LAT_ALIASES = ("lat", "latitude", "y_lat")
LON_ALIASES = ("lon", "lng", "long", "longitude", "x_lon")
X_ALIASES = ("x", "easting", "e")
Y_ALIASES = ("y", "northing", "n")
WKT_ALIASES = ("wkt", "geometry", "geom")
VECTOR_SUFFIXES = {".geojson", ".json", ".gpkg", ".shp", ".fgb", ".gml", ".kml"}
PARQUET_SUFFIXES = {".parquet", ".geoparquet", ".pq"}
FORMATS_HELP = "GeoJSON (.geojson), GeoPackage (.gpkg), GeoParquet (.parquet) or CSV (.csv)"


def _display_row(df: pd.DataFrame, i: int, id_col: str | None, lines: Any = None) -> str:
    """``"id <id> (data row n), line l"``: rows counted from 1 after the header, file line."""
    where = f"data row {i + 1}"
    if id_col and id_col in df.columns:
        v = df[id_col].iloc[i]
        if v is not None and not (isinstance(v, float) and math.isnan(v)):
            where = f"id {v!s} ({where})"
    return where + (f", line {int(lines[i])}" if lines is not None and i < len(lines) else "")


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
    return read_geo_rows(path, crs=crs, layer=layer, geometry=geometry, str_cols=str_cols)[0]


def read_geo_rows(
    path: str | Path,
    *,
    crs: Any | None = None,
    layer: str | None = None,
    geometry: str = "any",
    str_cols: list[str] | None = None,
) -> tuple[gpd.GeoDataFrame, np.ndarray | None]:
    """:func:`read_geo`, also returning the file line of each row of a CSV (else None).

    Parameters
    ----------
    path, crs, layer, geometry, str_cols
        As :func:`read_geo`.

    Returns
    -------
    gdf : GeoDataFrame
        As :func:`read_geo`.
    lines : numpy.ndarray or None
        ``lines[i]`` is the line of row ``i`` in a CSV file (header = line 1), for messages.
    """
    p = Path(path)
    if not p.exists():
        raise InputFileError(
            "File not found.",
            file=p,
            fix="Check the path (relative paths in a city TOML are relative to the TOML file).",
        )
    if not p.is_file():
        raise InputFileError(
            "The path is a folder, not a file.", file=p, fix="Name the file inside the folder."
        )
    crs = parse_crs(crs, p)
    suffix = p.suffix.lower()
    try:
        gdf, from_columns, lines = _read_any(
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
    gdf.attrs.clear()
    if not from_columns:  # points/shapes built from columns: the CRS is already set from crs=
        gdf = _with_crs(gdf, p, suffix, crs)
    return gdf, lines


def parse_crs(crs: Any | None, file: Path | None = None) -> CRS | None:
    """``crs`` as a pyproj CRS (None stays None); raise :class:`CRSError` if it is unknown.

    Parameters
    ----------
    crs : str, int or pyproj.CRS, optional
        A CRS as a user gives it (``"EPSG:3006"``).
    file : Path, optional
        The file it is for, for the message.

    Returns
    -------
    pyproj.CRS or None
    """
    if crs is None:
        return None
    try:
        return CRS.from_user_input(crs)
    except Exception as exc:  # pyproj.exceptions.CRSError, TypeError for odd values
        raise CRSError(
            f"Unknown CRS {value_text(crs)}: {exc}",
            file=file,
            fix='Write the CRS as an EPSG code in quotes, e.g. crs = "EPSG:3006" (SWEREF 99 TM) '
            'or crs = "EPSG:4326" (WGS 84 longitude/latitude).',
        ) from None


def _read_any(
    p: Path,
    suffix: str,
    *,
    crs: Any | None,
    layer: str | None,
    geometry: str,
    str_cols: list[str] | None,
) -> tuple[gpd.GeoDataFrame, bool, np.ndarray | None]:
    """Read by suffix; also: geometry built from columns? the file line of each CSV row."""
    if suffix in (".csv", ".txt"):
        df, lines = read_csv_lines(p, str_cols=str_cols or ())
        return _frame_to_geo(df, p, crs=crs, geometry=geometry, lines=lines), True, lines
    if suffix in PARQUET_SUFFIXES:
        try:
            return gpd.read_parquet(p), False, None
        except ValueError as exc:
            if "geo" not in str(exc).lower() and "geometry" not in str(exc).lower():
                raise
            return _frame_to_geo(pd.read_parquet(p), p, crs=crs, geometry=geometry), True, None
    if suffix in VECTOR_SUFFIXES:
        return _read_vector(p, layer), False, None
    raise InputFileError(
        f"Unsupported file format {suffix!r}.",
        file=p,
        fix=f"Convert the file to {FORMATS_HELP}.",
    )


def _read_vector(p: Path, layer: str | None) -> gpd.GeoDataFrame:
    """A GeoJSON/GeoPackage/... layer; GeoJSON must be an object (a FeatureCollection)."""
    if p.suffix.lower() in (".geojson", ".json"):
        _check_geojson_start(p)
    return gpd.read_file(p, layer=layer) if layer else gpd.read_file(p)


def _check_geojson_start(p: Path) -> None:
    """Raise a clear error for an empty GeoJSON file or one that is not a JSON object."""
    with p.open("rb") as f:
        head = f.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head:
        raise InputFileError(
            "The GeoJSON file is empty.",
            file=p,
            fix="Export the layer again as GeoJSON (a FeatureCollection with features).",
        )
    if not head.startswith(b"{"):
        raise InputFileError(
            "The file is not GeoJSON: it does not start with '{' (a JSON object such as "
            '{"type": "FeatureCollection", ...}).',
            file=p,
            fix="Export the layer again as GeoJSON (QGIS: Export > Save Features As > GeoJSON).",
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
    if crs is not None and crs != CRS.from_user_input(gdf.crs):
        raise CRSError(
            f"The file declares CRS {gdf.crs.to_string()} but crs={crs.to_string()} was given.",
            file=p,
            fix="Drop the crs= argument (the file's own CRS is used) or fix the file's CRS.",
        )
    return gdf


# ---------------------------------------------------------------------------------------------
# CSV coordinates
# ---------------------------------------------------------------------------------------------
def _frame_to_geo(
    df: pd.DataFrame, p: Path, *, crs: Any | None, geometry: str, lines: Any = None
) -> gpd.GeoDataFrame:
    """Points from lat/lon or x/y columns, or polygons from a WKT column."""
    cols = [str(c) for c in df.columns]
    lat, lon = _find_col(cols, LAT_ALIASES), _find_col(cols, LON_ALIASES)
    x, y = _find_col(cols, X_ALIASES), _find_col(cols, Y_ALIASES)
    wkt = _find_col(cols, WKT_ALIASES)
    where = _Where(df, p, lines)
    if lat and lon:
        return _latlon_points(where, lat=lat, lon=lon, crs=crs)
    if x and y:
        return _xy_points(where, x=x, y=y, crs=crs)
    if wkt and geometry != "point":
        return _wkt_shapes(where, wkt=wkt, crs=crs)
    need = "lat/lon or x/y columns" + (" (or a wkt column)" if geometry != "point" else "")
    raise SchemaError(
        f"No coordinate columns: expected {need}. Columns found: {', '.join(cols)}.",
        file=p,
        fix="Name the coordinate columns lat and lon (WGS 84) or x and y (and pass crs=).",
    )


class _Where:
    """A table read from ``p`` and how messages name its rows."""

    def __init__(self, df: pd.DataFrame, p: Path, lines: Any) -> None:
        self.df, self.p, self.lines = df, p, lines
        self.id_col = _guess_id([str(c) for c in df.columns])

    def row(self, i: int) -> str:
        return _display_row(self.df, i, self.id_col, self.lines)


def _numeric_coordinates(w: _Where, a: str, b: str, *, fix: str) -> None:
    """Make coordinate columns numbers (in place); raise naming the first non-number."""
    for c in (a, b):
        col = w.df[c]
        num = pd.to_numeric(col, errors="coerce")
        bad = num.isna() & col.notna() & (col.astype(str).str.strip() != "")
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise SchemaError(
                f"Column {c!r} is not numeric (value {value_text(col.iloc[i])}).",
                file=w.p,
                row=w.row(i),
                fix=fix,
            )
        w.df[c] = num.astype(float)


def _geometry_column_free(w: _Where, built_from: str) -> None:
    """A column named ``geometry`` would be overwritten by the points built from columns."""
    if "geometry" in w.df.columns:
        raise SchemaError(
            f"The file has a column named 'geometry' but its points are built from the "
            f"{built_from} columns; the column would be lost.",
            file=w.p,
            row="line 1",
            fix="Rename the column 'geometry' (e.g. to 'geometry_note'), or drop the "
            f"{built_from} columns to read the geometry column as WKT.",
        )


def _latlon_points(w: _Where, *, lat: str, lon: str, crs: Any | None) -> gpd.GeoDataFrame:
    if crs is not None and not CRS.from_user_input(crs).is_geographic:
        raise CRSError(
            f"Columns {lat!r}/{lon!r} are latitude/longitude but crs="
            f"{CRS.from_user_input(crs).to_string()} is projected.",
            file=w.p,
            fix="Drop crs= (lat/lon are EPSG:4326), or name the columns x/y.",
        )
    _geometry_column_free(w, f"{lat}/{lon}")
    _numeric_coordinates(
        w,
        lat,
        lon,
        fix="Write decimal degrees, e.g. 56.0465 (not 56°02'); a decimal comma (56,0465) is "
        "read only in a semicolon-separated file ('CSV (semikolonavgränsad)').",
    )
    _require_coordinates(w, lat, lon, names="lat/lon")
    geom = gpd.points_from_xy(w.df[lon], w.df[lat])
    return gpd.GeoDataFrame(w.df, geometry=geom, crs=crs if crs is not None else "EPSG:4326")


def _xy_points(w: _Where, *, x: str, y: str, crs: Any | None) -> gpd.GeoDataFrame:
    if crs is None:
        raise CRSError(
            f"CSV with {x!r}/{y!r} columns but no CRS given.",
            file=w.p,
            fix="Pass crs='EPSG:3006' (or the file's CRS) to the loader, or use lat/lon columns.",
        )
    _geometry_column_free(w, f"{x}/{y}")
    _numeric_coordinates(
        w,
        x,
        y,
        fix="Write the coordinates as plain numbers, e.g. 356000.5 (a decimal comma is read "
        "only in a semicolon-separated file).",
    )
    _require_coordinates(w, x, y, names="x/y")
    return gpd.GeoDataFrame(w.df, geometry=gpd.points_from_xy(w.df[x], w.df[y]), crs=crs)


def _require_coordinates(w: _Where, a: str, b: str, *, names: str) -> None:
    """Raise :class:`GeometryError` naming the first row with a missing or infinite value."""
    va, vb = w.df[a].to_numpy(dtype=float), w.df[b].to_numpy(dtype=float)
    miss = np.isnan(va) | np.isnan(vb)
    if miss.any():
        i = int(np.flatnonzero(miss)[0])
        raise GeometryError(
            f"Missing coordinates in {int(miss.sum())} row(s).",
            file=w.p,
            row=w.row(i),
            fix=f"Fill in {names}, or move the row to a separate 'unlocated' table.",
        )
    inf = ~(np.isfinite(va) & np.isfinite(vb))
    if inf.any():
        i = int(np.flatnonzero(inf)[0])
        raise GeometryError(
            f"Coordinates ({value_text(va[i])}, {value_text(vb[i])}) are not finite numbers "
            f"({int(inf.sum())} row(s)).",
            file=w.p,
            row=w.row(i),
            fix=f"Write real coordinates in {names}, or move the row to the 'unlocated' table.",
        )


def _wkt_shapes(w: _Where, *, wkt: str, crs: Any | None) -> gpd.GeoDataFrame:
    if crs is None:
        raise CRSError(
            "CSV with a WKT column but no CRS given.",
            file=w.p,
            fix="Pass crs='EPSG:...' to the loader.",
        )
    text = w.df[wkt].fillna("POLYGON EMPTY").astype(str).to_numpy()
    geom = shapely.from_wkt(text, on_invalid="ignore")
    bad = pd.isna(geom)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise GeometryError(
            f"Column {wkt!r} does not hold valid WKT: {value_text(text[i][:60])} "
            f"({int(bad.sum())} row(s)).",
            file=w.p,
            row=w.row(i),
            fix="Write the shape as WKT, e.g. POLYGON ((x1 y1, x2 y2, ...)), or export the "
            "polygons as GeoJSON or GeoPackage instead.",
        )
    return gpd.GeoDataFrame(w.df.drop(columns=[wkt]), geometry=geom, crs=crs)


# ---------------------------------------------------------------------------------------------
# Plain tables
# ---------------------------------------------------------------------------------------------
def load_table(
    path: str | Path,
    *,
    required: list[str],
    what: str = "table",
    str_cols: tuple[str, ...] = (),
) -> pd.DataFrame:
    """Read a plain CSV/Parquet table and check its columns (for ``unlocated``, ``area_stats``).

    Parameters
    ----------
    path
        ``.csv`` (UTF-8 with or without BOM, or Swedish Excel's semicolon CSV) or ``.parquet``.
    required
        Columns the table must have.
    what
        What the table holds, for messages (``"unlocated population"``).
    str_cols
        Columns read as text (ids keep their leading zeros).

    Returns
    -------
    DataFrame
        The table as read.

    Raises
    ------
    InputFileError, SchemaError
    """
    return load_table_rows(path, required=required, what=what, str_cols=str_cols)[0]


def load_table_rows(
    path: str | Path,
    *,
    required: list[str],
    what: str = "table",
    str_cols: tuple[str, ...] = (),
) -> tuple[pd.DataFrame, np.ndarray | None]:
    """:func:`load_table`, also returning the file line of each CSV row (else None).

    Parameters
    ----------
    path, required, what, str_cols
        As :func:`load_table`.

    Returns
    -------
    df : DataFrame
    lines : numpy.ndarray or None
    """
    p = Path(path)
    if not p.is_file():
        raise InputFileError(
            f"{what.capitalize()} file not found.", file=p, fix="Check the path in the city TOML."
        )
    lines = None
    if p.suffix.lower() in PARQUET_SUFFIXES:
        try:
            df = pd.read_parquet(p)
        except Exception as exc:
            raise InputFileError(
                f"Cannot read the {what}: {exc}",
                file=p,
                fix="Save it as Parquet again, or as CSV with a header row.",
            ) from exc
    else:
        df, lines = read_csv_lines(p, str_cols=str_cols)
    df.attrs.clear()
    require_columns(df, required, p)
    return df, lines
