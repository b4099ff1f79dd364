"""Residents without access, shown discreetly: counts per square cell, small counts hidden.

No map shows residents at a single building or point. The demand points without access are
summed per square cell of ``cell_m`` metres (default 250 m, at least 250 m) of a grid in the
study area's metric CRS, anchored at the CRS origin (so the grid does not depend on the
data); a cell with fewer than ``min_count`` residents (default 5) is left out. Only the
cells' corners reach the page, never a demand point's coordinates.
"""

from __future__ import annotations

import math
from typing import Any

import folium
import numpy as np
import pandas as pd
import shapely

from proximity._text import html_text
from proximity.errors import ParameterError
from proximity.maps.context import MapContext
from proximity.maps.elements import GeoJsonFeatures, ProximityMap, collection, feature
from proximity.maps.labels import fmt_int

__all__ = [
    "PRIVACY_CELL_M",
    "PRIVACY_MIN_COUNT",
    "add_residents",
    "check_privacy",
    "resident_cells",
]

#: The smallest cell side allowed, and the default (metres).
PRIVACY_CELL_M = 250.0
#: The smallest count shown, and the default: cells with fewer residents are left out.
PRIVACY_MIN_COUNT = 5


def check_privacy(cell_m: Any, min_count: Any) -> tuple[float, float]:
    """``(cell_m, min_count)`` checked: a cell of at least 250 m, a count of at least 5.

    Raises
    ------
    ParameterError
        A smaller, non-finite or non-numeric value, naming the rule and the fix.
    """
    try:
        cell, low = float(cell_m), float(min_count)
    except (TypeError, ValueError):
        raise ParameterError(
            f"privacy_cell_m and privacy_min_count must be numbers (got {cell_m!r}, "
            f"{min_count!r}).",
            fix=f"Use e.g. privacy_cell_m = {PRIVACY_CELL_M:g}, privacy_min_count = "
            f"{PRIVACY_MIN_COUNT}.",
        ) from None
    if not math.isfinite(cell) or cell < PRIVACY_CELL_M:
        raise ParameterError(
            f"privacy_cell_m = {cell_m!r}: residents are shown in square cells of at least "
            f"{PRIVACY_CELL_M:g} m, so that no cell points at a single building.",
            fix=f"Set privacy_cell_m to {PRIVACY_CELL_M:g} or more.",
        )
    if not math.isfinite(low) or low < PRIVACY_MIN_COUNT:
        raise ParameterError(
            f"privacy_min_count = {min_count!r}: cells with fewer than {PRIVACY_MIN_COUNT} "
            "residents are always hidden.",
            fix=f"Set privacy_min_count to {PRIVACY_MIN_COUNT} or more.",
        )
    return cell, low


def resident_cells(points: Any, *, cell_m: float, min_count: float) -> Any:
    """Residents summed per square cell, the cells under ``min_count`` left out.

    Parameters
    ----------
    points
        A GeoDataFrame of points in a metric CRS with a ``population`` column.
    cell_m, min_count
        Checked with :func:`check_privacy`.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per shown cell (``col``, ``row``: the cell's index on the grid; ``residents``:
        the sum; ``geometry``: the square), in the points' CRS, sorted by row then column.
        ``attrs["suppressed"]`` holds the number of cells left out.

    Raises
    ------
    ParameterError
        A cell under 250 m or a count under 5.
    """
    import geopandas as gpd
    from shapely.geometry import box

    cell, low = check_privacy(cell_m, min_count)
    xs = points.geometry.x.to_numpy(float)
    ys = points.geometry.y.to_numpy(float)
    pop = pd.to_numeric(points["population"], errors="coerce").fillna(0.0).to_numpy(float)
    frame = pd.DataFrame(
        {"col": np.floor(xs / cell).astype(np.int64), "row": np.floor(ys / cell).astype(np.int64)}
    ).assign(residents=pop)
    sums = frame.groupby(["row", "col"], sort=True)["residents"].sum().reset_index()
    shown = sums.loc[sums["residents"] >= low].reset_index(drop=True)
    geoms = [
        box(c * cell, r * cell, (c + 1) * cell, (r + 1) * cell)
        for c, r in zip(shown["col"], shown["row"], strict=True)
    ]
    out = gpd.GeoDataFrame(shown[["col", "row", "residents"]], geometry=geoms, crs=points.crs)
    out.attrs["suppressed"] = int(len(sums) - len(shown))
    return out


def _metric(gdf: Any, crs: Any) -> Any:
    """``gdf`` in a metric CRS: its own (or ``crs``), else the local one for its centre."""
    from proximity.crs import metric_crs_for

    if gdf.crs is None and crs is not None:
        gdf = gdf.set_crs(crs)
    if gdf.crs is None:
        raise ParameterError(
            "The demand points have no CRS: cannot put residents into metre cells.",
            fix="Set city.crs or city.demand.crs (e.g. EPSG:3006).",
        )
    if gdf.crs.is_geographic:
        lon, lat = gdf.geometry.union_all().centroid.coords[0]
        gdf = gdf.to_crs(metric_crs_for(lon, lat))
    return gdf


def _residents_without_access(ctx: MapContext) -> Any:
    """Demand points (metric CRS) without access within the threshold, or ``None``."""
    demand = getattr(ctx.city, "demand", None)
    if demand is None or len(demand) == 0:
        return None
    import geopandas as gpd

    d = _metric(gpd.GeoDataFrame(demand), ctx.crs)
    d = d.assign(demand_id=d["demand_id"].astype(str))
    points = getattr(ctx.access, "points", None)
    if points is not None and len(points) and "minutes" in points:
        p = pd.DataFrame(points)
        p = p.loc[(p["category"] == ctx.category) & (p["profile"] == ctx.profile)]
        minutes = pd.to_numeric(p["minutes"], errors="coerce").fillna(np.inf)
        covered_ids = set(p.loc[minutes <= ctx.threshold_min, "demand_id"].astype(str))
        d = d.loc[~d["demand_id"].isin(covered_ids)]
    return d.loc[pd.to_numeric(d["population"], errors="coerce").fillna(0) > 0]


def add_residents(ctx: MapContext, fmap: ProximityMap) -> None:
    """Residents without access, if asked for: squares of ``ctx.privacy_cell_m`` metres.

    Each square shows the residents it holds (tooltip); squares with fewer than
    ``ctx.privacy_min_count`` are left out (:func:`resident_cells`).
    """
    fmap.counts["residents"] = 0
    fmap.counts["residents_suppressed"] = 0
    if not ctx.show_residents:
        return
    res = _residents_without_access(ctx)
    if res is None or not len(res):
        return
    cells = resident_cells(res, cell_m=ctx.privacy_cell_m, min_count=ctx.privacy_min_count)
    fmap.counts["residents_suppressed"] = cells.attrs["suppressed"]
    if not len(cells):
        return
    wgs = cells.to_crs(4326)
    style = {
        "color": "#7f2704",
        "weight": 1,
        "fillColor": "#f16913",
        "fillOpacity": 0.55,
        "className": "px-resident",
    }
    feats = []
    for geom, n in zip(wgs.geometry, wgs["residents"], strict=True):
        tooltip = html_text(f"{fmt_int(float(n), ctx.lang)} {ctx.tx['people']}")
        rounded = shapely.set_precision(geom, 1e-6)  # about 0.1 m: keeps the page small
        feats.append(feature(rounded, {"_style": style, "_tooltip": tooltip}))
    layer = folium.FeatureGroup(name=html_text(ctx.tx["residents"]), overlay=True, show=True)
    layer.add_child(GeoJsonFeatures(collection(feats)))
    layer.add_to(fmap)
    fmap.counts["residents"] = len(feats)
