"""Load areas, population and services of any city from GeoJSON, GeoPackage, GeoParquet or CSV.

Every loader reads its file with :func:`~proximity.sources.read.read_geo`, validates it with
the checks of :mod:`proximity.sources.validate` and raises a :mod:`proximity.errors` exception
that names the file, the row (by id) and the fix:

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
(``target_crs``, default: :func:`proximity.crs.metric_crs_for`, EPSG:3006 inside Sweden, else
the local UTM zone). The schema is documented in ``docs/notes/data.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from proximity.crs import check_metric_crs, metric_crs_for
from proximity.errors import SchemaError
from proximity.sources.categories import CATEGORIES, suggest_category
from proximity.sources.city import DEMAND_COLUMNS, SERVICE_COLUMNS, SUBAREA_COLUMNS
from proximity.sources.read import read_geo_rows
from proximity.sources.validate import (
    check_age_columns,
    check_categories,
    check_coordinates,
    check_geometry,
    check_ids,
    check_inside,
    check_population,
    id_str,
    require_columns,
    require_rows,
    row_label,
)
from proximity.sources.values import check_years


# ---------------------------------------------------------------------------------------------
# Shared steps
# ---------------------------------------------------------------------------------------------
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
    """Read, check ids, geometry and coordinates; project to ``target_crs``.

    Returns the rows in the target CRS, their ids, the path and the target CRS (default
    ``boundary_crs``, else :func:`~proximity.crs.metric_crs_for` the rows' centre).
    """
    p = Path(path)
    gdf, lines = read_geo_rows(
        p, crs=crs, layer=layer, geometry=kind, str_cols=[id_col, "area_id", "subarea_id"]
    )
    require_rows(gdf, p)
    require_columns(gdf, [id_col, *required], p)
    ids = check_ids(gdf, id_col, p, lines=lines)
    if repair and kind == "polygon":
        gdf = gdf.copy()
        gdf["geometry"] = gdf.geometry.make_valid()
    check_geometry(gdf, p, ids, kind=kind)
    boundary_ll = None
    if boundary is not None and boundary_crs is not None:
        boundary_ll = gpd.GeoSeries([boundary], crs=boundary_crs).to_crs("EPSG:4326").iloc[0]
    check_coordinates(gdf, p, ids, boundary_ll)
    target_crs = target_crs or boundary_crs
    if target_crs is None:
        ll = gdf.to_crs("EPSG:4326").geometry.union_all().centroid
        target_crs = metric_crs_for(ll.x, ll.y)
    else:
        bounds = boundary_ll.bounds if boundary_ll is not None else gdf.to_crs(4326).total_bounds
        check_metric_crs(target_crs, tuple(bounds), what="the output CRS (target_crs)", file=p)
    out = gdf.to_crs(target_crs)
    return out, ids, p, str(target_crs)


def _boundary_in(boundary: Any | None, boundary_crs: str | None, crs: str) -> Any | None:
    """The study area in ``crs`` (it is given in ``boundary_crs``)."""
    if boundary is not None and boundary_crs is not None and boundary_crs != crs:
        return gpd.GeoSeries([boundary], crs=boundary_crs).to_crs(crs).iloc[0]
    return boundary


def _keep_inside(
    gdf: gpd.GeoDataFrame,
    ids: pd.Series,
    boundary: Any | None,
    p: Path,
    *,
    outside: str,
    what: str,
    tolerance_m: float = 0.0,
) -> tuple[gpd.GeoDataFrame, pd.Series]:
    """Rows outside the study area: raise (``"error"``), drop them (``"drop"``) or keep them."""
    if boundary is None or outside == "keep":
        return gdf, ids
    if outside == "drop":
        pts = gdf.geometry.representative_point()
        keep = shapely.contains_xy(boundary, pts.x.to_numpy(), pts.y.to_numpy())
        kept = ids[keep]
        kept.attrs.clear()  # the CSV lines of the rows before dropping
        return gdf.loc[keep], kept
    check_inside(gdf, boundary, p, ids, tolerance_m=tolerance_m, what=what)
    return gdf, ids


def _fill(df: pd.DataFrame, col: str, value: str) -> None:
    """Set ``col`` to ``value`` where it is missing or blank (add it if absent)."""
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
        Metric output CRS; default ``boundary_crs`` or :func:`proximity.crs.metric_crs_for`.
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
    out["area_id"] = out[col].map(_blank_or_id)
    out = out.drop(columns=["_parent_area_id"], errors="ignore")
    return _order(out, SUBAREA_COLUMNS, True)


def _order(df: gpd.GeoDataFrame, first: list[str], extra: bool) -> gpd.GeoDataFrame:
    """``first`` columns, then the others (if ``extra``), then geometry; a fresh index."""
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
    pop = check_population(gdf, population_col, p, ids)
    check_age_columns(gdf, p, ids)
    gdf = gdf.copy()
    gdf["demand_id"] = ids.to_numpy()
    gdf["population"] = pop.astype(float).to_numpy()
    boundary = _boundary_in(boundary, boundary_crs, tcrs)
    gdf, ids = _keep_inside(gdf, ids, boundary, p, outside=outside, what="population points")
    gdf["geometry"] = gdf.geometry.representative_point()
    gdf["area_id"] = _demand_area_ids(gdf, p, ids, area_col=area_col, areas=areas)
    if "subarea_id" not in gdf.columns:
        gdf["subarea_id"] = ""
    gdf["subarea_id"] = gdf["subarea_id"].map(_blank_or_id)
    gdf["population_year"] = _population_years(gdf, p, ids, year_col=year_col, year=year)
    _fill(gdf, "location_quality", "as supplied")
    _fill(gdf, "source", f"file {p.name}")
    return _order(gdf, DEMAND_COLUMNS, True)


def _blank_or_id(v: Any) -> str:
    """An id cell as text, ``""`` where it is missing."""
    return "" if pd.isna(v) else id_str(v)


def _demand_area_ids(
    gdf: gpd.GeoDataFrame,
    p: Path,
    ids: pd.Series,
    *,
    area_col: str,
    areas: gpd.GeoDataFrame | None,
) -> pd.Series:
    """The area of each point: the file's ``area_col``, else the area polygon it falls in.

    With ``areas``, a value of ``area_col`` that is not an area id is refused, and an empty
    cell is filled with the area polygon the point falls in.
    """
    if areas is None:
        require_columns(
            gdf,
            [area_col],
            p,
            hint=(
                f"Add an {area_col!r} column, name the column with area_col=, or pass areas= so "
                "points are assigned to the area polygon they fall in."
            ),
        )
    if area_col not in gdf.columns:
        return _assign_area(gdf, areas)
    area_ids = gdf[area_col].map(_blank_or_id)
    if areas is None:
        return area_ids
    known = areas["area_id"].astype(str)
    bad = (area_ids != "") & ~area_ids.isin(set(known))
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        sug = suggest_category(area_ids.iloc[i], list(known))
        raise SchemaError(
            f"Unknown area {area_ids.iloc[i]!r} in column {area_col!r} ({int(bad.sum())} "
            "row(s)): the areas file has no such area_id."
            + (f" Did you mean {sug!r}?" if sug else ""),
            file=p,
            row=row_label(ids, i),
            fix=f"Use an area id of the areas file ({', '.join(known[:10])}"
            + (", ..." if len(known) > 10 else "")
            + "), or leave the cell empty to place the point in the area it lies in.",
        )
    blank = (area_ids == "").to_numpy()
    if blank.any():
        area_ids = area_ids.copy()
        area_ids.iloc[blank] = _assign_area(gdf.loc[blank], areas).to_numpy()
    return area_ids


def _population_years(
    gdf: pd.DataFrame, p: Path, ids: pd.Series, *, year_col: str, year: int | None
) -> Any:
    """The file's year column (numeric, checked), else ``year`` for every row, else NaN."""
    if year_col in gdf.columns:
        return check_years(gdf[year_col], p, ids)
    return year if year is not None else np.nan


def _assign_area(points: gpd.GeoDataFrame, areas: gpd.GeoDataFrame) -> pd.Series:
    """The area polygon each point lies in; the nearest one for points on no polygon."""
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
    cat = check_categories(
        gdf[category_col], p, ids, category_map=category_map, categories=categories
    )
    gdf = gdf.copy()
    gdf["service_id"] = ids.to_numpy()
    gdf["category"] = cat.to_numpy()
    if name_col in gdf.columns:
        gdf["name"] = gdf[name_col].fillna("").astype(str)
    else:
        gdf["name"] = gdf["service_id"]
    boundary = _boundary_in(boundary, boundary_crs, tcrs)
    gdf, ids = _keep_inside(
        gdf, ids, boundary, p, outside=outside, what="services", tolerance_m=outside_tolerance_m
    )
    was_poly = gdf.geometry.geom_type != "Point"
    gdf["geometry"] = gdf.geometry.representative_point()
    _fill(gdf, "location_quality", "as supplied")
    if was_poly.any():
        gdf.loc[was_poly.to_numpy(), "location_quality"] = "representative point of polygon"
    _fill(gdf, "source", f"file {p.name}")
    return _order(gdf, SERVICE_COLUMNS, True)


def area_id_of(points: gpd.GeoDataFrame, areas: gpd.GeoDataFrame) -> pd.Series:
    """The ``area_id`` of the area polygon each point lies in (``""`` where none).

    Parameters
    ----------
    points
        Points in the areas' CRS.
    areas
        Polygons with an ``area_id`` column.

    Returns
    -------
    Series
        Text ids, indexed like ``points``.
    """
    if points.empty:
        return pd.Series([], dtype=object, index=points.index)
    j = gpd.sjoin(
        points[["geometry"]], areas[["area_id", "geometry"]], predicate="within", how="left"
    )
    s = j["area_id"].groupby(level=0).first()
    return s.reindex(points.index).fillna("").astype(str)
