"""The :func:`snap` entry point: checks, nearest edge, projection, island flags."""

from __future__ import annotations

import hashlib
import weakref
from collections import OrderedDict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from proximity._geom import segment_length
from proximity.errors import ParameterError
from proximity.snap._checks import (
    check_network_crs,
    check_nonneg,
    check_plausible,
    coerce_points,
)
from proximity.snap._nearest_edge import nearest_edge, project
from proximity.snap.snapped import Snapped

if TYPE_CHECKING:
    from proximity.network import WalkNetwork

__all__ = ["snap"]

#: Per network object: the located fields of recent snaps, keyed by the points' coordinates
#: and the options (:func:`_located`). A ``WalkNetwork`` is a frozen dataclass whose arrays
#: are never changed after building, so an entry never goes stale.
_LOCATED: weakref.WeakKeyDictionary[Any, OrderedDict[bytes, dict[str, np.ndarray]]] = (
    weakref.WeakKeyDictionary()
)
#: Entries kept per network (the oldest goes first; 30,000 points take about 2 MB).
_LOCATED_MAX = 8


def snap(
    network: WalkNetwork,
    points: Any,
    *,
    ids: Sequence[Any] | np.ndarray | None = None,
    max_snap_m: float = 300.0,
    min_component_share: float = 0.01,
    min_component_nodes: int | None = None,
    what: str = "points",
) -> Snapped:
    """Snap points onto the nearest edge of ``network``.

    Parameters
    ----------
    network
        The walking network (metric CRS).
    points
        A GeoDataFrame or GeoSeries of Point geometries in ``network.crs``, or an ``(n, 2)``
        array-like of x, y in ``network.crs``.
    ids
        Point ids (made strings). Default: the GeoDataFrame/GeoSeries index, or ``0..n-1``.
        Must be unique.
    max_snap_m
        Points farther than this from every edge get status ``"too_far"`` (≥ 0, may be inf).
    min_component_share, min_component_nodes
        A component with fewer nodes than ``max(min_component_share × n_nodes,
        min_component_nodes or 0)`` is small (the largest component never is). A point
        whose nearest edge lies on a small component is snapped to the nearest edge of the
        other ("main") components instead when that one is within ``max_snap_m``
        (``off_island``); only when none is does it keep the small component and the status
        ``"island"``.
    what
        What the points are (``"services"``, ``"demand points"``...), used in error messages.

    Returns
    -------
    Snapped

    Raises
    ------
    CRSError
        Missing or mismatched CRS; coordinates that look like lon/lat degrees or swapped x/y.
    GeometryError
        Empty, missing, non-finite or non-point geometries (naming the point id).
    SchemaError
        Duplicate ids.
    ParameterError
        Bad parameters (negative ``max_snap_m``, a share outside 0..1, wrong shapes).
    """
    max_snap_m = check_nonneg("max_snap_m", max_snap_m, allow_inf=True)
    island_threshold = _island_threshold(network, min_component_share, min_component_nodes)
    check_network_crs(network)
    x, y, id_arr = coerce_points(network, points, ids, what)
    check_plausible(network, x, y, id_arr, max_snap_m=max_snap_m, what=what)
    return Snapped(
        ids=id_arr,
        x=x,
        y=y,
        **_located(network, x, y, max_snap_m=max_snap_m, island_threshold=island_threshold),
        crs=str(network.crs),
        n_network_edges=network.n_edges,
        max_snap_m=max_snap_m,
        largest_component_share=network.largest_component_share,
        island_threshold=island_threshold,
    )


def _island_threshold(
    network: WalkNetwork, min_component_share: float, min_component_nodes: int | None
) -> float:
    """Components with fewer nodes than this are islands (checks both options)."""
    share = float(min_component_share)
    if not 0.0 <= share <= 1.0:
        raise ParameterError(
            f"min_component_share must be between 0 and 1, got {min_component_share!r}.",
            fix="Use e.g. min_component_share=0.01 (1 % of the network's nodes).",
        )
    min_nodes = 0 if min_component_nodes is None else int(min_component_nodes)
    if min_nodes < 0:
        raise ParameterError(
            f"min_component_nodes must be ≥ 0, got {min_component_nodes!r}.",
            fix="Use e.g. min_component_nodes=50, or None.",
        )
    return max(share * network.n_nodes, float(min_nodes))


def default_main_components(network: WalkNetwork) -> tuple[int, ...] | None:
    """The main components at :func:`snap`'s default island threshold (None: no islands).

    The key of the main-component snapping index that :func:`snap` builds with its default
    options when a point's nearest edge lies on an island.
    """
    small = small_components(network, _island_threshold(network, 0.01, None))
    return tuple(int(c) for c in np.flatnonzero(~small)) if small.any() else None


def small_components(network: WalkNetwork, island_threshold: float) -> np.ndarray:
    """Boolean per component label: fewer nodes than ``island_threshold`` and not the largest."""
    sizes = network.component_sizes
    small = sizes < island_threshold
    small[int(np.argmax(sizes))] = False
    return small


def _prefer_main(
    network: WalkNetwork,
    near: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    *,
    small: np.ndarray,
    max_snap_m: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Move points off small components when a main-network edge is within ``max_snap_m``.

    ``near`` is each point's nearest edge. For the points whose nearest edge lies on a small
    component, a second exact search restricted to the edges of the main components (the
    largest one and every one with at least ``island_threshold`` nodes) runs; where that
    edge is within ``max_snap_m``, it replaces the small-component edge. Returns the new
    edges and the mask of the points moved.
    """
    moved = np.zeros(near.shape[0], dtype=bool)
    cand = np.flatnonzero(small[network.edge_component[near]])
    if cand.size == 0:
        return near, moved
    main = tuple(int(c) for c in np.flatnonzero(~small))
    alt = nearest_edge(network, x[cand], y[cand], components=main)
    *_, dist = project(network, alt, x[cand], y[cand])
    take = dist <= max_snap_m
    near = near.copy()
    near[cand[take]] = alt[take]
    moved[cand[take]] = True
    return near, moved


def _located(
    network: WalkNetwork,
    x: np.ndarray,
    y: np.ndarray,
    *,
    max_snap_m: float,
    island_threshold: float,
) -> dict[str, np.ndarray]:
    """:func:`_locate`, memoised per network object on the coordinates and options.

    Repeat calls on the same network with the same points (a coverage analysis run again,
    another scenario on the same demand) reuse the result. The arrays are made read-only,
    so the :class:`Snapped` objects that share them cannot change each other.
    """
    h = hashlib.blake2b(digest_size=20)
    h.update(np.asarray([max_snap_m, island_threshold, x.shape[0]], dtype=np.float64).tobytes())
    h.update(np.ascontiguousarray(x, dtype=np.float64).tobytes())
    h.update(np.ascontiguousarray(y, dtype=np.float64).tobytes())
    key = h.digest()
    memo = _LOCATED.setdefault(network, OrderedDict())
    got = memo.get(key)
    if got is None:
        got = _locate(network, x, y, max_snap_m=max_snap_m, island_threshold=island_threshold)
        for arr in got.values():
            arr.flags.writeable = False
        memo[key] = got
        while len(memo) > _LOCATED_MAX:
            memo.popitem(last=False)
    else:
        memo.move_to_end(key)
    return got


def _locate(
    network: WalkNetwork,
    x: np.ndarray,
    y: np.ndarray,
    *,
    max_snap_m: float,
    island_threshold: float,
) -> dict[str, np.ndarray]:
    """The per-point fields of :class:`Snapped` (edge, offset, access leg, status, ...)."""
    n = x.shape[0]
    edge = np.full(n, -1, dtype=np.int64)
    offset = np.full(n, np.nan)
    access = np.full(n, np.nan)
    sx = np.full(n, np.nan)
    sy = np.full(n, np.nan)
    comp = np.full(n, -1, dtype=np.int64)
    status = np.full(n, "ok", dtype=object)
    moved = np.zeros(n, dtype=bool)
    if n:
        small = small_components(network, island_threshold)
        near, moved = _prefer_main(
            network, nearest_edge(network, x, y), x, y, small=small, max_snap_m=max_snap_m
        )
        t, px, py, acc = project(network, near, x, y)
        seg_len = segment_length(network)[near]
        access[:] = acc
        ok = acc <= max_snap_m
        status[~ok] = "too_far"
        edge[ok] = near[ok]
        offset[ok] = np.minimum(t[ok] * seg_len[ok], seg_len[ok])
        sx[ok], sy[ok] = px[ok], py[ok]
        comp[ok] = network.edge_component[near[ok]]
        status[ok & small[np.where(ok, comp, 0)]] = "island"
    return {
        "edge": edge,
        "offset_m": offset,
        "access_m": access,
        "snap_x": sx,
        "snap_y": sy,
        "component": comp,
        "status": status,
        "off_island": moved,
    }
