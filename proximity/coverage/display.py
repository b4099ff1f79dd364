"""Display geometry around services: the reached network and walking-time polygons.

For display only: coverage numbers always come from the demand points
(:func:`~proximity.coverage.compute_access`), never from these lines or polygons.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from proximity._geom import segment_length
from proximity.coverage._check import check_thresholds
from proximity.errors import ParameterError

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd

    from proximity.network import WalkNetwork
    from proximity.profiles import WalkingProfile
    from proximity.snap import Snapped

__all__ = ["isochrone_polygons", "reached_edges"]


def reached_edges(
    network: WalkNetwork,
    services_snapped: Snapped,
    threshold_min: float,
    profile: str | WalkingProfile = "adult",
) -> gpd.GeoDataFrame:
    """The network within ``threshold_min`` minutes of the nearest service, as lines.

    For display only: coverage numbers always come from the demand points
    (:func:`~proximity.coverage.compute_access`), never from these lines or the polygons
    built from them.

    Each edge is reached from its end nodes (``budget - d(node)`` along the edge) and from any
    service snapped onto it (``budget - access`` both ways from the service); partly reached
    edges are cut at the reached fraction. The budget is ``threshold_min × 60 × speed_m_s``
    cost-metres of the profile; edges of infinite cost are never reached.

    Returns
    -------
    GeoDataFrame
        ``edge, highway, length_m, from_frac, to_frac, reached_m, threshold_min, profile,
        geometry`` (straight LineStrings, network CRS), sorted by ``edge, from_frac``.
    """
    import geopandas as gpd
    import shapely

    from proximity.profiles import get_profile
    from proximity.routing import node_distances

    (threshold,) = check_thresholds([threshold_min])
    prof = get_profile(profile)
    cost = np.asarray(prof.edge_cost(network), dtype=float)
    budget = threshold * 60.0 * float(prof.speed_m_s)
    d, _ = node_distances(network, services_snapped, edge_cost=cost, limit_m=budget)
    rows = _reached_pieces(network, services_snapped, node_dist=d, cost=cost, budget=budget)
    u, v = network.edge_u, network.edge_v
    edge = np.array([r[0] for r in rows], dtype=np.int64)
    f0 = np.array([r[1] for r in rows], dtype=float)
    f1 = np.array([r[2] for r in rows], dtype=float)
    x0, y0 = network.node_x[u[edge]], network.node_y[u[edge]]
    dx, dy = network.node_x[v[edge]] - x0, network.node_y[v[edge]] - y0
    coords = np.stack(
        [
            np.column_stack([x0 + f0 * dx, y0 + f0 * dy]),
            np.column_stack([x0 + f1 * dx, y0 + f1 * dy]),
        ],
        axis=1,
    ).reshape(-1, 2, 2)
    geom = shapely.linestrings(coords) if len(rows) else np.array([], dtype=object)
    return gpd.GeoDataFrame(
        {
            "edge": edge,
            "highway": network.edge_highway[edge],
            "length_m": network.edge_length_m[edge],
            "from_frac": f0,
            "to_frac": f1,
            "reached_m": (f1 - f0) * network.edge_length_m[edge],
            "threshold_min": threshold,
            "profile": prof.name,
        },
        geometry=geom,
        crs=network.crs,
    )


def _reached_pieces(
    network: WalkNetwork,
    services_snapped: Snapped,
    *,
    node_dist: np.ndarray,
    cost: np.ndarray,
    budget: float,
) -> list[tuple[int, float, float]]:
    """Reached ``(edge, from_frac, to_frac)`` pieces, merged per edge, sorted by edge."""
    d = node_dist
    u, v = network.edge_u, network.edge_v
    ok = np.asarray(services_snapped.status).astype(str) != "too_far"
    se = np.asarray(services_snapped.edge, dtype=np.int64)[ok]
    seg = segment_length(network)
    with np.errstate(divide="ignore", invalid="ignore"):
        sfrac = np.where(seg[se] > 0, np.asarray(services_snapped.offset_m)[ok] / seg[se], 0.0)
    sfrac = np.clip(np.nan_to_num(sfrac), 0.0, 1.0)
    sacc = np.asarray(services_snapped.access_m, dtype=float)[ok]
    passable = np.isfinite(cost)
    c = np.where(cost > 0, cost, 1e-12)
    with np.errstate(invalid="ignore"):
        ru = np.where(passable & np.isfinite(d[u]), (budget - d[u]) / c, -1.0)
        rv = np.where(passable & np.isfinite(d[v]), (budget - d[v]) / c, -1.0)
    intervals: dict[int, list[tuple[float, float]]] = {}
    for k in np.flatnonzero((ru > 0) | (rv > 0)):
        iv = []
        if ru[k] > 0:
            iv.append((0.0, min(1.0, float(ru[k]))))
        if rv[k] > 0:
            iv.append((max(0.0, 1.0 - float(rv[k])), 1.0))
        intervals[int(k)] = iv
    for e, f, a in zip(se, sfrac, sacc, strict=True):
        r = (budget - a) / c[e] if passable[e] else -1.0
        if r > 0:
            intervals.setdefault(int(e), []).append((max(0.0, f - r), min(1.0, f + r)))
    rows: list[tuple[int, float, float]] = []
    for k in sorted(intervals):
        for a0, a1 in _merge_intervals(intervals[k]):
            if a1 > a0:
                rows.append((k, a0, a1))
    return rows


def _merge_intervals(iv: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for a, b in sorted(iv):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def isochrone_polygons(
    network: WalkNetwork,
    services_snapped: Snapped,
    thresholds_min: float | Sequence[float],
    profile: str | WalkingProfile = "adult",
    *,
    buffer_m: float = 40.0,
) -> gpd.GeoDataFrame:
    """Walking-time areas around services: reached edges buffered by ``buffer_m`` metres.

    The polygon is the union of the buffered reached network (not a convex hull), so it
    follows streets and leaves unreachable blocks, water and barriers out. For display only:
    coverage numbers always come from the demand points, never from these polygons.

    Returns
    -------
    GeoDataFrame
        One row per threshold: ``threshold_min, profile, buffer_m, geometry`` (network CRS),
        sorted by threshold.
    """
    import geopandas as gpd
    import shapely

    if not (math.isfinite(buffer_m) and buffer_m > 0):
        raise ParameterError(f"buffer_m must be > 0, got {buffer_m!r}.", fix="Use e.g. 40.")
    ts = check_thresholds(thresholds_min)
    rows = []
    name = ""
    for t in ts:
        lines = reached_edges(network, services_snapped, t, profile)
        name = (
            str(lines["profile"].iloc[0]) if len(lines) else str(getattr(profile, "name", profile))
        )
        geom = (
            shapely.union_all(shapely.buffer(lines.geometry.to_numpy(), buffer_m))
            if len(lines)
            else shapely.Polygon()
        )
        rows.append(
            {"threshold_min": t, "profile": name, "buffer_m": float(buffer_m), "geometry": geom}
        )
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=network.crs)
