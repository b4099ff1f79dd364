"""Residential demand from buildings: a floor-area proxy, optionally scaled to known totals.

Each residential building becomes one demand point (its representative point) with weight =
floor area (footprint × levels). If the population of each area is known (a ``totals``
mapping), the area's total is shared among its buildings in proportion to floor area
(dasymetric mapping): ``population_is_proxy = False``, ``population_method = "dasymetric"``.
Otherwise the population column holds the floor area in m² as a *relative* proxy:
``population_is_proxy = True`` — shares, rankings and covered percentages are meaningful,
absolute head counts are not.
"""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd

from proximity.errors import SchemaError


def scale_to_totals(
    weights: np.ndarray, groups: np.ndarray, totals: Mapping[str, float]
) -> np.ndarray:
    """Share each group's total among its members in proportion to ``weights``.

    Groups without a total, or whose weights sum to 0, get NaN (the caller decides).

    Examples
    --------
    >>> scale_to_totals(np.array([1.0, 3.0, 2.0]), np.array(["a", "a", "b"]), {"a": 100})
    array([25., 75., nan])
    """
    w = np.asarray(weights, dtype=float)
    g = np.asarray(groups).astype(str)
    out = np.full(w.shape, np.nan)
    for key, total in totals.items():
        m = g == str(key)
        s = w[m].sum()
        if m.any() and s > 0:
            out[m] = float(total) * w[m] / s
    return out


def building_demand(
    buildings: gpd.GeoDataFrame,
    *,
    areas: gpd.GeoDataFrame | None = None,
    totals: Mapping[str, float] | None = None,
    population_year: int | None = None,
) -> gpd.GeoDataFrame:
    """Demand points from residential buildings (see the module docstring).

    Parameters
    ----------
    buildings
        Output of :func:`~proximity.sources.osm_features.osm_residential_buildings` (or any
        polygons with ``building_id``, ``floor_area_m2``, ``source``) in a metric CRS.
    areas
        Area polygons (``area_id``) in the same CRS; each building is assigned to the area that
        contains its representative point (buildings outside every area are dropped).
    totals
        Known population per ``area_id``. Areas in ``totals`` without any building raise
        :class:`SchemaError` (the population would silently vanish).
    population_year
        Year of ``totals``.

    Returns
    -------
    GeoDataFrame
        ``demand_id, area_id, subarea_id, population, population_year, location_quality, source,
        population_is_proxy, population_method, floor_area_m2, geometry``.
    """
    need = ["building_id", "floor_area_m2", "source"]
    missing = [c for c in need if c not in buildings.columns]
    if missing:
        raise SchemaError(
            f"Buildings lack column(s) {', '.join(missing)}.",
            fix="Use osm_residential_buildings(...) or add the columns.",
        )
    pts = buildings.copy()
    pts["geometry"] = pts.geometry.representative_point()
    if areas is not None and len(pts):
        j = gpd.sjoin(
            pts[["geometry"]],
            areas[["area_id", "geometry"]].to_crs(pts.crs),
            predicate="within",
            how="left",
        )
        pts["area_id"] = j["area_id"].groupby(level=0).first().reindex(pts.index)
        pts = pts.loc[pts["area_id"].notna()]
    else:
        pts["area_id"] = ""
    w = pts["floor_area_m2"].to_numpy(float)
    if totals:
        present = set(pts["area_id"].astype(str))
        empty = [a for a, t in totals.items() if t > 0 and str(a) not in present]
        if empty:
            raise SchemaError(
                f"No residential building in area(s) {', '.join(map(str, empty))} to carry "
                "their population.",
                fix="Include untyped buildings (include_untyped=True), or put that population "
                "in the 'unlocated' table.",
            )
        pop = scale_to_totals(w, pts["area_id"].to_numpy(), totals)
        is_proxy = np.isnan(pop)
        pop = np.where(is_proxy, w, pop)
        method = np.where(
            is_proxy,
            "relative proxy: floor area m2 (no area total)",
            "dasymetric: area total x floor-area share",
        )
    else:
        pop = w
        is_proxy = np.ones(len(w), bool)
        method = np.full(len(w), "relative proxy: floor area m2 (no area total)")
    out = pd.DataFrame(
        {
            "demand_id": pts["building_id"].astype(str).to_numpy(),
            "area_id": pts["area_id"].astype(str).to_numpy(),
            "subarea_id": "",
            "population": pop,
            "population_year": population_year if population_year is not None else np.nan,
            "location_quality": "building (OSM footprint, representative point)",
            "source": pts["source"].to_numpy(),
            "population_is_proxy": is_proxy,
            "population_method": method,
            "floor_area_m2": w,
        }
    )
    return gpd.GeoDataFrame(out, geometry=pts.geometry.to_numpy(), crs=buildings.crs)
