"""Exact nearest-segment search and perpendicular projection (the geometry core of snapping).

A KD-tree over sample points along every segment proposes candidate segments; exact
point–segment distances (GEOS's formula, bit-identical to ``shapely.distance``) decide, and a
distance bound certifies per point that no other segment can be as close (else a wider ball
search runs). Among equidistant segments the lowest edge id wins.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from proximity._geom import morton_key, segment_length

if TYPE_CHECKING:
    from proximity.network import WalkNetwork

#: Spacing (metres) of the sample points along segments in the nearest-edge index.
_SAMPLE_SPACING_M = 10.0
#: Nearest samples fetched per point in the first (certified) pass.
_FIRST_K = 10
#: Points per block in the first pass.
_BLOCK = 8192

_INDEX: weakref.WeakKeyDictionary[Any, dict[Any, SegmentIndex]] = weakref.WeakKeyDictionary()


@dataclass(frozen=True, eq=False)
class SegmentIndex:
    """KD-tree over sample points along a set of segments (cached per network object).

    Each segment of length ``L`` is cut into ``m = max(1, ceil(L / spacing))`` equal pieces;
    the sample of a piece is its midpoint, so every point of the segment lies within
    ``half`` (half the longest piece) of one of the segment's samples. Hence for any point
    ``q`` and any segment ``e``: ``dist(q, e) ≥ min over e's samples |q − s| − half``.
    Segments are numbered locally (``0..len(edge_ids)-1``, in increasing global edge id);
    ``edge_ids`` maps them back to the network's edge ids.
    """

    tree: Any  # scipy.spatial.cKDTree
    sample_edge: np.ndarray  # sample -> local segment number
    half: float  # largest piece half-length (metres)
    tol: float  # floating-point slack for the bound
    ax: np.ndarray
    ay: np.ndarray
    bx: np.ndarray
    by: np.ndarray
    edge_ids: np.ndarray  # local segment number -> network edge id (increasing)

    def distance(self, cand: np.ndarray, px: np.ndarray, py: np.ndarray) -> np.ndarray:
        """:func:`segment_distance` from points ``(px, py)`` to the local segments ``cand``."""
        return segment_distance(
            (px, py), (self.ax[cand], self.ay[cand]), (self.bx[cand], self.by[cand])
        )


def segment_index(network: WalkNetwork, components: tuple[int, ...] | None = None) -> SegmentIndex:
    """The :class:`SegmentIndex` of ``network`` (built once per network object).

    ``components``: index only the edges of these connected components (sorted labels of
    :attr:`~proximity.network.WalkNetwork.edge_component`); ``None`` indexes every edge.
    """
    per_network = _INDEX.setdefault(network, {})
    idx = per_network.get(components)
    if idx is None:
        if components is None:
            edges = np.arange(network.n_edges, dtype=np.int64)
        else:
            edges = np.flatnonzero(np.isin(network.edge_component, components))
        idx = per_network[components] = _build_index(network, edges)
    return idx


def index_arrays(idx: SegmentIndex) -> dict[str, np.ndarray]:
    """The built state of ``idx``'s KD-tree (for :func:`install_index`).

    Only what a build computes beyond the sample points: those are recomputed from the
    network on install (a few milliseconds, the same values). The state is scipy's own
    (``cKDTree.__getstate__``); a reader checks the scipy version before it uses it
    (:mod:`proximity.network.warm`).
    """
    buf, _, n, m, leafsize, maxes, mins, indices, boxsize, _ = idx.tree.__getstate__()
    if boxsize is not None:  # pragma: no cover - the index never uses a periodic box
        raise ValueError("a periodic KD-tree cannot be saved")
    return {
        "tree_buffer": buf,
        "tree_sizes": np.array([n, m, leafsize], dtype=np.int64),
        "tree_maxes": maxes,
        "tree_mins": mins,
        "tree_indices": indices,
    }


def install_index(
    network: WalkNetwork, components: tuple[int, ...] | None, arrays: dict[str, np.ndarray]
) -> None:
    """Make the index of ``network`` for ``components`` from a saved KD-tree state.

    ``arrays`` come from :func:`index_arrays`; the tree is restored, not built.
    """
    if components is None:
        edges = np.arange(network.n_edges, dtype=np.int64)
    else:
        edges = np.flatnonzero(np.isin(network.edge_component, components))
    _INDEX.setdefault(network, {})[components] = _build_index(network, edges, arrays)


def drop_indexes(network: WalkNetwork) -> None:
    """Forget every index of ``network`` (they are built again on first use)."""
    _INDEX.pop(network, None)


def _build_index(
    network: WalkNetwork, edges: np.ndarray, saved: dict[str, np.ndarray] | None = None
) -> SegmentIndex:
    """The KD-tree of sample points along the segments ``edges`` (network edge ids).

    ``saved``: the tree's built state (:func:`index_arrays`), restored instead of a build.
    """
    from scipy.spatial import cKDTree

    eu, ev = network.edge_u[edges], network.edge_v[edges]
    ax = np.ascontiguousarray(network.node_x[eu], dtype=np.float64)
    ay = np.ascontiguousarray(network.node_y[eu], dtype=np.float64)
    bx = np.ascontiguousarray(network.node_x[ev], dtype=np.float64)
    by = np.ascontiguousarray(network.node_y[ev], dtype=np.float64)
    length = segment_length(network)[edges]
    pieces = np.maximum(1, np.ceil(length / _SAMPLE_SPACING_M)).astype(np.int64)
    sample_edge = np.repeat(np.arange(edges.shape[0], dtype=np.int64), pieces)
    start = np.repeat(np.cumsum(pieces) - pieces, pieces)
    j = np.arange(sample_edge.shape[0], dtype=np.int64) - start
    t = (j + 0.5) / pieces[sample_edge]
    sx = ax[sample_edge] + t * (bx - ax)[sample_edge]
    sy = ay[sample_edge] + t * (by - ay)[sample_edge]
    half = float((length / pieces).max(initial=0.0)) / 2.0 if edges.size else 0.0
    scale = float(
        max(np.abs(network.node_x).max(initial=0.0), np.abs(network.node_y).max(initial=0.0))
    )
    # rounding of sample positions and of distances at this coordinate scale
    tol = 1e-6 + 64.0 * np.finfo(np.float64).eps * (scale + half)
    data = np.column_stack([sx, sy])
    if saved is None:
        tree = cKDTree(data, balanced_tree=False, compact_nodes=False)
    else:
        n, m, leafsize = (int(v) for v in saved["tree_sizes"])
        if (n, m) != data.shape:
            raise ValueError("the saved KD-tree is of other samples")
        tree = cKDTree.__new__(cKDTree)
        tree.__setstate__(
            (
                saved["tree_buffer"],
                data,
                n,
                m,
                leafsize,
                saved["tree_maxes"],
                saved["tree_mins"],
                saved["tree_indices"],
                None,
                None,
            )
        )
    return SegmentIndex(
        tree, sample_edge, half * (1.0 + 1e-12), tol, ax, ay, bx, by, edge_ids=edges
    )


def segment_distance(
    p: tuple[np.ndarray, np.ndarray],
    a: tuple[np.ndarray, np.ndarray],
    b: tuple[np.ndarray, np.ndarray],
) -> np.ndarray:
    """Distance from points ``p = (px, py)`` to segments ``a = (ax, ay)`` – ``b = (bx, by)``.

    GEOS's formula (``Distance::pointToSegment``), so the values are bit-identical to
    ``shapely.distance`` and ties are decided the same way. Arrays broadcast.
    """
    (px, py), (ax, ay), (bx, by) = p, a, b
    dx = bx - ax
    dy = by - ay
    len2 = dx * dx + dy * dy
    with np.errstate(divide="ignore", invalid="ignore"):
        r = ((px - ax) * dx + (py - ay) * dy) / len2
        s = ((ay - py) * dx - (ax - px) * dy) / len2
        inner = np.abs(s) * np.sqrt(len2)
    ex, ey = px - ax, py - ay
    fx, fy = px - bx, py - by
    d_a = np.sqrt(ex * ex + ey * ey)
    d_b = np.sqrt(fx * fx + fy * fy)
    # GEOS tests A == B; a length² that underflows to 0 (subnormal extents) would give NaN
    # there, so such segments are measured to A as well (the old fallback did the same)
    degenerate = len2 == 0.0
    out = np.where(degenerate | (r <= 0.0), d_a, np.where(r >= 1.0, d_b, inner))
    return np.where(np.isnan(out), np.inf, out)


def nearest_edge(
    network: WalkNetwork,
    x: np.ndarray,
    y: np.ndarray,
    *,
    components: tuple[int, ...] | None = None,
) -> np.ndarray:
    """Exact nearest segment per point; ties → lowest edge id.

    ``components`` restricts the search to the edges of these connected components (sorted
    labels; ``None``: every edge). ``-1`` where there is no such edge.

    Candidates come from a KD-tree over sample points along the segments
    (:class:`SegmentIndex`); exact GEOS-formula distances are taken to the candidate
    segments. Completeness is certified per point: with ``d_K`` the distance to the K-th
    nearest sample, every segment that is not a candidate is at least ``d_K − half`` away,
    so if the best candidate distance ``d* < d_K − half`` nothing else can be as close (ties
    included). Points that fail the certificate get every segment with a sample within
    ``d* + half`` (a superset of all segments at distance ≤ ``d*``). The result equals a
    brute-force scan of all segments (tested).
    """
    n = x.shape[0]
    out = np.full(n, -1, dtype=np.int64)
    if n == 0 or network.n_edges == 0:
        return out
    idx = segment_index(network, components)
    if idx.edge_ids.size == 0:
        return out
    n_samples = idx.sample_edge.shape[0]
    k = min(_FIRST_K, n_samples)
    # query in Z-order of the points (cache-friendly tree walks), in blocks that keep the
    # (block × k) work arrays in cache
    cell = 4.0 * _SAMPLE_SPACING_M
    zx = np.clip((x - x.min()) // cell, 0, 2**21 - 1).astype(np.int64)
    zy = np.clip((y - y.min()) // cell, 0, 2**21 - 1).astype(np.int64)
    zorder = np.argsort(morton_key(zx, zy), kind="stable")
    big = np.iinfo(np.int64).max
    rest_parts = []
    best_parts = []
    for a in range(0, n, _BLOCK):
        sel = zorder[a : a + _BLOCK]
        bx_, by_ = x[sel], y[sel]
        d_k, s_k = idx.tree.query(np.column_stack([bx_, by_]), k=k)
        d_k = d_k.reshape(sel.size, k)
        cand = idx.sample_edge[s_k.reshape(sel.size, k)]
        dist = idx.distance(cand, bx_[:, None], by_[:, None])
        best_d = dist.min(axis=1)
        best_e = np.where(dist == best_d[:, None], cand, big).min(axis=1)
        if k == n_samples:  # every segment is a candidate
            ok = np.isfinite(best_d)
        else:
            ok = best_d < d_k[:, -1] - idx.half - idx.tol
        out[sel[ok]] = best_e[ok]
        rest_parts.append(sel[~ok])
        best_parts.append(best_d[~ok])
    rest = np.concatenate(rest_parts)
    if rest.size and k < n_samples:
        out[rest] = _nearest_edge_ball(idx, x[rest], y[rest], np.concatenate(best_parts))
    miss = np.flatnonzero(out < 0)
    if miss.size:
        out[miss] = _nearest_edge_fallback(network, idx.edge_ids, x[miss], y[miss])
    return idx.edge_ids[out]  # local segment numbers -> network edge ids


def _nearest_edge_ball(
    idx: SegmentIndex, x: np.ndarray, y: np.ndarray, upper: np.ndarray
) -> np.ndarray:
    """Nearest segment (ties → lowest id) among all segments with a sample near the point.

    "Near" is within ``upper + half``, ``upper`` being an upper bound on the nearest distance.
    """
    import itertools

    radius = np.where(np.isfinite(upper), upper, np.inf) + idx.half + idx.tol
    lists = idx.tree.query_ball_point(np.column_stack([x, y]), radius, return_sorted=False)
    counts = np.fromiter((len(v) for v in lists), dtype=np.int64, count=len(lists))
    flat = np.fromiter(
        itertools.chain.from_iterable(lists), dtype=np.int64, count=int(counts.sum())
    )
    pt = np.repeat(np.arange(x.shape[0]), counts)
    cand = idx.sample_edge[flat]
    dist = idx.distance(cand, x[pt], y[pt])
    order = np.lexsort((cand, dist, pt))
    first = np.ones(order.shape, dtype=bool)
    first[1:] = pt[order][1:] != pt[order][:-1]
    out = np.full(x.shape[0], -1, dtype=np.int64)
    out[pt[order][first]] = cand[order][first]
    return out


def _nearest_edge_fallback(
    network: WalkNetwork, edges: np.ndarray, x: np.ndarray, y: np.ndarray
) -> np.ndarray:
    """Nearest of ``edges`` by projection distance (its position in ``edges``), lowest on ties.

    The last resort for points no distance could be computed for (overflowing coordinates).
    """
    out = np.empty(x.shape[0], dtype=np.int64)
    for i in range(x.shape[0]):
        _, _, _, d = project(network, edges, x[i], y[i])
        out[i] = int(np.argmin(np.where(np.isnan(d), np.inf, d)))
    return out


def project(
    network: WalkNetwork, edge: np.ndarray, x: np.ndarray, y: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Perpendicular projection of points onto their edges.

    Returns the fraction ``t`` in [0, 1] along the edge from ``edge_u``, the projected
    x, y and the point → projection distance.
    """
    ax = network.node_x[network.edge_u[edge]]
    ay = network.node_y[network.edge_u[edge]]
    dx = network.node_x[network.edge_v[edge]] - ax
    dy = network.node_y[network.edge_v[edge]] - ay
    l2 = dx * dx + dy * dy
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(l2 > 0, ((x - ax) * dx + (y - ay) * dy) / l2, 0.0)
    t = np.clip(t, 0.0, 1.0)
    px = ax + t * dx
    py = ay + t * dy
    return t, px, py, np.hypot(x - px, y - py)
