"""Distances from every demand point to the nearest service of each category.

Network mode snaps demand and services once (:func:`snap_all`) and runs one nearest-service
search per category and distinct edge cost (:func:`route_network`); crow-fly mode takes straight-line distances ×
the detour factor (:func:`route_crowfly`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.spatial import cKDTree

if TYPE_CHECKING:  # pragma: no cover
    from proximity.network import WalkNetwork
    from proximity.profiles import WalkingProfile
    from proximity.snap import Snapped

#: Snap status codes of :attr:`Routes.status_codes`, by code.
STATUS_NAMES = ("ok", "island", "too_far", "crowfly")
TOO_FAR = 2
_CROWFLY = 3

#: Per (category, profile name): distance (metres or cost-metres, ``inf`` = none) and the
#: index of the nearest service (-1) per demand point. Profiles sharing an edge cost share
#: the very same arrays.
PerCategory = dict[tuple[str, str], tuple[np.ndarray, np.ndarray]]


@dataclass
class Routes:
    """The distances of one computation and what routing found out on the way."""

    status_codes: np.ndarray  # per demand point: 0 ok, 1 island, 2 too_far, 3 crowfly
    per_cat: PerCategory = field(default_factory=dict)
    snap_info: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    snap_quality: dict[str, Any] | None = None  # network mode: see coverage._fit.snap_quality


def route_network(
    network: WalkNetwork,
    snapped: tuple[Snapped, Snapped, Routes],
    services: Any,
    *,
    cats: Sequence[str],
    profs: Sequence[WalkingProfile],
    max_snap_m: float,
) -> Routes:
    """Network distances from the snapped points: one search per category and edge cost.

    ``snapped`` is what :func:`snap_all` returns.
    """
    dsn, ssn, routes = snapped
    cost_groups = cost_groups_of(network, profs)
    routes.snap_info["routing_runs_per_category"] = len(cost_groups)
    svc_cat = services["category"].to_numpy()
    sstatus = np.asarray(ssn.status).astype(str)
    for cat in cats:
        mask = svc_cat == cat
        if mask.any() and not np.any(sstatus[mask] != "too_far"):
            routes.notes.append(
                f"all services of category {cat!r} are farther than max_snap_m="
                f"{max_snap_m:g} m from the network: every resident is unreachable"
            )
        _route_category(
            network, cat, (ssn, mask, sstatus), dsn, routes=routes, cost_groups=cost_groups
        )
    return routes


def snap_all(
    network: WalkNetwork, demand: Any, services: Any, max_snap_m: float
) -> tuple[Snapped, Snapped, Routes]:
    """Demand and services snapped; the demand's status codes and the snapping summary."""
    from proximity.snap import snap

    dsn = snap(
        network,
        demand.geometry,
        ids=demand["demand_id"].tolist(),
        max_snap_m=max_snap_m,
        what="demand points",
    )
    ssn = snap(
        network,
        services.geometry,
        ids=services["service_id"].tolist(),
        max_snap_m=max_snap_m,
        what="services",
    )
    dstatus = np.asarray(dsn.status).astype(str)
    sstatus = np.asarray(ssn.status).astype(str)
    status_codes = np.select([dstatus == "ok", dstatus == "island"], [0, 1], TOO_FAR)
    snap_info = {
        "demand": value_counts(dstatus),
        "services": value_counts(sstatus),
        "services_unsnapped": sorted(services["service_id"][sstatus == "too_far"].tolist()),
        "max_snap_m": float(max_snap_m),
        "largest_component_share": float(network.largest_component_share),
        "demand_off_island": int(np.count_nonzero(dsn.off_island)),
        "services_off_island": int(np.count_nonzero(ssn.off_island)),
    }
    return dsn, ssn, Routes(status_codes=status_codes, snap_info=snap_info)


def _route_category(
    network: WalkNetwork,
    cat: str,
    svc: tuple[Snapped, np.ndarray, np.ndarray],
    dsn: Snapped,
    *,
    routes: Routes,
    cost_groups: list[tuple[np.ndarray | None, list[WalkingProfile]]],
) -> None:
    """Nearest service of category ``cat`` (services ``svc = (snapped, mask, status)``)."""
    from proximity.routing import nearest

    ssn, mask, sstatus = svc
    sub = ssn.subset(mask)
    glob = np.flatnonzero(mask)
    n = len(dsn)
    for cost, members in cost_groups:
        if np.any(sstatus[mask] != "too_far"):
            res = nearest(network, sub, dsn, edge_cost=cost, what=f"{cat} services")
            dist = np.asarray(res.distance_m, dtype=np.float64).copy()
            src = np.asarray(res.source, dtype=np.int64)
        else:
            dist = np.full(n, np.inf)
            src = np.full(n, -1, dtype=np.int64)
        dist[routes.status_codes == TOO_FAR] = np.inf
        sidx = _global_index(glob, np.where(np.isfinite(dist), src, -1))
        for prof in members:
            routes.per_cat[(cat, prof.name)] = (dist, sidx)


def route_crowfly(
    dxy: np.ndarray,
    sxy: np.ndarray,
    services: Any,
    *,
    cats: Sequence[str],
    profs: Sequence[WalkingProfile],
    detour_factor: float,
) -> Routes:
    """Straight-line distance × ``detour_factor`` to the nearest service of each category."""
    routes = Routes(status_codes=np.full(dxy.shape[0], _CROWFLY, dtype=np.int64))
    svc_cat = services["category"].to_numpy()
    for cat in cats:
        glob = np.flatnonzero(svc_cat == cat)  # services are sorted by id
        dist, local = crowfly_nearest(sxy[glob], dxy)
        dist = dist * detour_factor
        sidx = _global_index(glob, local)
        for prof in profs:
            routes.per_cat[(cat, prof.name)] = (dist, sidx)
    routes.notes.append(
        f"crow-fly mode: straight-line distance × detour factor {detour_factor:g}; "
        "profile highway penalties are not applied, only speeds"
    )
    return routes


def _global_index(glob: np.ndarray, local: np.ndarray) -> np.ndarray:
    """Service index among all services from the index ``local`` among ``glob`` (-1 stays)."""
    if glob.size == 0:  # a category without any service
        return np.full(local.shape, -1, dtype=np.int64)
    return np.where(local >= 0, glob[np.clip(local, 0, None)], -1)


def value_counts(arr: np.ndarray) -> dict[str, int]:
    vals, counts = np.unique(arr, return_counts=True)
    return {str(v): int(c) for v, c in zip(vals, counts, strict=True)}


def cost_groups_of(
    network: WalkNetwork, profs: Sequence[WalkingProfile]
) -> list[tuple[np.ndarray | None, list[WalkingProfile]]]:
    """Group profiles by identical edge cost; plain-length costs map to ``None``."""
    groups: list[tuple[np.ndarray | None, list[WalkingProfile]]] = []
    length = network.edge_length_m
    for prof in profs:
        cost = np.asarray(prof.edge_cost(network), dtype=np.float64)
        key: np.ndarray | None = None if np.array_equal(cost, length) else cost
        for gcost, members in groups:
            same = (gcost is None and key is None) or (
                gcost is not None and key is not None and np.array_equal(gcost, key)
            )
            if same:
                members.append(prof)
                break
        else:
            groups.append((key, [prof]))
    return groups


def crowfly_nearest(sxy: np.ndarray, dxy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Straight-line distance to the nearest service and its index.

    Services are sorted by id; exact ties go to the lower index, i.e. the smaller id.
    """
    n = dxy.shape[0]
    if sxy.shape[0] == 0:
        return np.full(n, np.inf), np.full(n, -1, dtype=np.int64)
    k = min(2, sxy.shape[0])
    d, i = cKDTree(sxy).query(dxy, k=k)
    if k == 1:
        return d.astype(float), i.astype(np.int64)
    tie = d[:, 1] == d[:, 0]
    best = np.where(tie, np.minimum(i[:, 0], i[:, 1]), i[:, 0])
    return d[:, 0].astype(float), best.astype(np.int64)
