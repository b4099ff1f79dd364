"""Network distances between snapped points, on ``scipy.sparse.csgraph``.

Distance definition
-------------------
For a source ``s`` snapped onto edge ``e_s = (u_s, v_s)`` at fraction ``a`` and a target
``t`` on ``e_t = (u_t, v_t)`` at fraction ``b`` (fraction = ``offset_m`` / segment length),
with per-edge cost ``c`` (metres, or a profile's equivalent metres)::

    d(s, t) = access_s + min over the ways out of e_s and into e_t of the path cost
              + access_t

where leaving ``e_s`` towards ``u_s`` costs ``a·c(e_s)`` and towards ``v_s`` costs
``(1 − a)·c(e_s)`` (likewise into ``e_t``), and, when ``e_s == e_t``, the straight way along
the edge, ``|a − b|·c(e)``, is a further candidate. Access legs are plain metres (factor 1).
A partial edge of zero length costs 0 even on an impassable (``inf``) edge, so a point sitting
exactly on a node is always connected to that node.

Technique
---------
The network's symmetric CSR is *augmented* with one virtual node per routable source, with two
directed edges out of it: to ``u`` (``access + a·c``) and to ``v`` (``access + (1 − a)·c``).
Nothing points back into a virtual node, so no path can pass through another source.

- :func:`nearest` runs **one** multi-source Dijkstra from all virtual nodes
  (``csgraph.dijkstra(..., min_only=True)``), which returns per node the distance to the
  closest source and which source it is; each target then takes
  ``access_t + min(D[u] + b·c, D[v] + (1 − b)·c)``, and the same-edge candidates are
  computed exactly, pair by pair, for sources and targets that share an edge. The search runs
  on the network with its degree-2 chains contracted (:class:`_ChainGraph`, cached per
  network and edge cost; exact, see there), about 2.5× fewer nodes on OSM walking networks.
- :func:`bounded_matrix` runs Dijkstra with ``limit=cutoff_m`` from chunks of virtual nodes.
  Only the *reached* nodes of each row (finite entries of the dense ``chunk × n_nodes``
  output) are mapped to the targets hanging off them (a node → target index in CSR form), so
  the work per source is proportional to what it reaches, not to the number of targets;
  same-edge pairs are added exactly; entries ≤ cutoff go into a CSR matrix. Memory is bounded
  by the chunk size, lowered automatically so one chunk's dense output stays under 64 MB.
  Sources are taken in Z-order of their positions, and each chunk is searched on the subgraph
  inside the bounding box of its sources' reach discs (radius ``cutoff / r_min``, where
  ``r_min`` is the smallest cost / segment-length ratio): exact, since no path within the
  cutoff can leave that box, and it cuts csgraph's O(n_nodes) set-up per source.

csgraph drops explicit zeros from its input, so all weights (network edges and virtual
edges) are raised to :data:`~proximity.network.MIN_EDGE_WEIGHT_M` (1e-9 m); distances are
exact to well below 1e-6 m.

Ties
----
Sources that share a snapped position (same edge, offset and access leg, e.g. two offices in
one building) are merged for :func:`nearest` and represented by the lowest id, so such ties go
to the lowest id. Between a graph path and a same-edge (or same-chain) path, and between the
``u`` and ``v`` ends of a target's edge (or the two ends of its chain), equal distances also go
to the lowest source id. Other exact ties
(different positions at exactly the same float distance) are resolved by the Dijkstra's
deterministic order, which favours the source with the lower id but does not guarantee it.
"""

from __future__ import annotations

import hashlib
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse import csgraph

from proximity.errors import GeometryError, ParameterError, SchemaError
from proximity.network import MIN_EDGE_WEIGHT_M
from proximity.profiles import WalkingProfile, to_minutes
from proximity.snap import Snapped, _morton, _segment_length

if TYPE_CHECKING:
    from proximity.network import WalkNetwork

__all__ = ["Nearest", "bounded_matrix", "nearest", "node_distances", "to_minutes"]

#: Target size of one chunk's dense working set in :func:`bounded_matrix` (bytes).
_CHUNK_BUDGET_BYTES = 64 * 2**20


@dataclass(frozen=True, eq=False)
class Nearest:
    """Nearest source per target.

    Attributes
    ----------
    distance_m
        Network distance (float64, metres or cost-metres), ``inf`` if unreachable, not
        routable, or beyond ``limit_m``.
    source
        Index into the sources (int64), ``-1`` if none.
    source_id
        The source's id (object array of ``str``), ``""`` if none.
    """

    distance_m: np.ndarray
    source: np.ndarray
    source_id: np.ndarray

    def __len__(self) -> int:
        return int(self.distance_m.shape[0])

    def minutes(self, speed_m_s: float) -> np.ndarray:
        """Walking minutes at ``speed_m_s`` (``inf`` stays ``inf``)."""
        return np.asarray(to_minutes(self.distance_m, speed_m_s))

    def to_frame(self, target_ids: np.ndarray | None = None) -> pd.DataFrame:
        """A DataFrame ``[target_id,] source, source_id, distance_m``."""
        data: dict[str, Any] = {}
        if target_ids is not None:
            data["target_id"] = np.asarray(target_ids).astype(str)
        data.update(
            source=self.source, source_id=self.source_id.astype(str), distance_m=self.distance_m
        )
        return pd.DataFrame(data)


# --------------------------------------------------------------------------- helpers
def _resolve_cost(network: WalkNetwork, edge_cost: Any) -> np.ndarray | None:
    """``None`` (plain lengths) or a validated per-edge cost array (inf = impassable)."""
    if edge_cost is None:
        return None
    if isinstance(edge_cost, WalkingProfile):
        if not edge_cost.highway_factor:
            return None
        edge_cost = edge_cost.edge_cost(network)
    cost = np.asarray(edge_cost, dtype=np.float64)
    if cost.shape != (network.n_edges,):
        raise ParameterError(
            f"edge_cost has shape {cost.shape}, expected ({network.n_edges},) (one per edge).",
            fix="Use profile.edge_cost(network) for the same network you route on.",
        )
    if np.isnan(cost).any() or (cost < 0).any():
        raise ParameterError(
            "edge_cost contains NaN or negative values.",
            fix="Costs must be ≥ 0 metres; use inf for impassable edges.",
        )
    return cost


def _cost_values(network: WalkNetwork, cost: np.ndarray | None) -> np.ndarray:
    return np.asarray(network.edge_length_m, np.float64) if cost is None else cost


def _base_csr(network: WalkNetwork, cost: np.ndarray | None) -> sp.csr_matrix:
    """Symmetric CSR of the network; impassable (inf) edges left out."""
    if cost is None:
        return network.csr()
    keep = np.isfinite(cost)
    w = np.maximum(cost[keep], MIN_EDGE_WEIGHT_M)
    u, v = network.edge_u[keep], network.edge_v[keep]
    m = sp.csr_matrix(
        (np.concatenate([w, w]), (np.concatenate([u, v]), np.concatenate([v, u]))),
        shape=(network.n_nodes, network.n_nodes),
    )
    m.sort_indices()
    return m


def _partial(frac: np.ndarray, c: np.ndarray) -> np.ndarray:
    """``frac · c`` with ``0 · inf = 0`` (a zero-length piece of an impassable edge is free)."""
    with np.errstate(invalid="ignore"):
        return np.where(frac > 0, frac * c, 0.0)


@dataclass(frozen=True)
class _Attach:
    """How routable points hang off the network: per point, the edge ends and leg costs."""

    index: np.ndarray  # positions in the Snapped
    edge: np.ndarray
    frac: np.ndarray  # fraction along the edge from u
    access: np.ndarray
    u: np.ndarray
    v: np.ndarray
    cost_u: np.ndarray  # access + frac · c   (inf if impassable)
    cost_v: np.ndarray  # access + (1 - frac) · c


def _attach(network: WalkNetwork, pts: Snapped, c: np.ndarray) -> _Attach:
    idx = np.flatnonzero(pts.routable)
    edge = pts.edge[idx]
    seg = _segment_length(network)[edge]
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(seg > 0, pts.offset_m[idx] / seg, 0.0)
    frac = np.clip(np.nan_to_num(frac, nan=0.0), 0.0, 1.0)
    access = pts.access_m[idx].astype(np.float64)
    ce = c[edge]
    return _Attach(
        index=idx,
        edge=edge,
        frac=frac,
        access=access,
        u=network.edge_u[edge],
        v=network.edge_v[edge],
        cost_u=access + _partial(frac, ce),
        cost_v=access + _partial(1.0 - frac, ce),
    )


def _augmented_graph(base: sp.csr_matrix, src: _Attach) -> sp.csr_matrix:
    """``base`` plus one virtual node per source (rows ``n..n+k-1``), edges out of it only."""
    n = base.shape[0]
    k = src.u.shape[0]
    cols = np.stack([src.u, src.v], axis=1)
    w = np.stack([src.cost_u, src.cost_v], axis=1)
    ok = np.isfinite(w)
    counts = ok.sum(axis=1)
    indptr = np.concatenate(
        [base.indptr.astype(np.int32), base.indptr[-1] + np.cumsum(counts, dtype=np.int32)]
    )
    indices = np.concatenate([base.indices.astype(np.int32), cols[ok].astype(np.int32)])
    data = np.concatenate([base.data.astype(np.float64), np.maximum(w[ok], MIN_EDGE_WEIGHT_M)])
    return sp.csr_matrix((data, indices, indptr), shape=(n + k, n + k))


def _same_edge_pairs(
    src: _Attach, tgt: _Attach, c: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All (source pos, target pos, direct distance) with source and target on one edge.

    Positions index into ``src`` / ``tgt``; pairs come sorted by source position, then
    target position.
    """
    if src.edge.shape[0] < tgt.edge.shape[0]:  # index the smaller set (e.g. services)
        order = np.argsort(src.edge, kind="stable")
        s_edge = src.edge[order]
        lo = np.searchsorted(s_edge, tgt.edge, side="left")
        hi = np.searchsorted(s_edge, tgt.edge, side="right")
        cnt = hi - lo
        total = int(cnt.sum())
        if total == 0:
            empty = np.zeros(0, np.int64)
            return empty, empty, np.zeros(0)
        t_pos = np.repeat(np.arange(tgt.edge.shape[0]), cnt)
        s_pos = order[np.arange(total) + np.repeat(lo - (np.cumsum(cnt) - cnt), cnt)]
        o = np.lexsort((t_pos, s_pos))
        s_pos, t_pos = s_pos[o], t_pos[o]
        along = _partial(np.abs(src.frac[s_pos] - tgt.frac[t_pos]), c[src.edge[s_pos]])
        return s_pos, t_pos, src.access[s_pos] + along + tgt.access[t_pos]
    order = np.argsort(tgt.edge, kind="stable")
    t_edge = tgt.edge[order]
    lo = np.searchsorted(t_edge, src.edge, side="left")
    hi = np.searchsorted(t_edge, src.edge, side="right")
    cnt = hi - lo
    total = int(cnt.sum())
    if total == 0:
        empty = np.zeros(0, np.int64)
        return empty, empty, np.zeros(0)
    s_pos = np.repeat(np.arange(src.edge.shape[0]), cnt)
    starts = np.repeat(lo - np.concatenate([[0], np.cumsum(cnt)[:-1]]), cnt)
    t_pos = order[np.arange(total) + starts]
    along = _partial(np.abs(src.frac[s_pos] - tgt.frac[t_pos]), c[src.edge[s_pos]])
    return s_pos, t_pos, src.access[s_pos] + along + tgt.access[t_pos]


def _check_points(network: WalkNetwork, pts: Snapped, role: str) -> None:
    if not isinstance(pts, Snapped):
        raise ParameterError(
            f"The {role} must be a Snapped (from proximity.snap.snap), got {type(pts).__name__}.",
            fix=f"Snap them first: snap(network, {role}).",
        )
    stale = (pts.n_network_edges not in (-1, network.n_edges)) or (
        pts.crs and str(pts.crs) != str(network.crs)
    )
    if stale or (len(pts) and int(pts.edge.max(initial=-1)) >= network.n_edges):
        raise ParameterError(
            f"The {role} were snapped to a different network "
            f"({pts.n_network_edges} edges, {pts.crs or 'unknown CRS'}) than the one routed on "
            f"({network.n_edges} edges, {network.crs}).",
            fix=f"Snap the {role} again onto this network.",
        )


def _check_sources(pts: Snapped, what: str) -> None:
    if len(pts) == 0:
        raise SchemaError(
            f"There are no {what}: the set is empty.",
            fix=f"Add at least one of the {what}, or leave this category out of the analysis.",
        )
    if not pts.routable.any():
        raise GeometryError(
            f"None of the {len(pts)} {what} is within max_snap_m ({pts.max_snap_m:g} m) of the "
            "walking network, so nothing can be routed from them.",
            row=str(pts.ids[0]),
            fix=(
                "Check their coordinates and CRS (see Snapped.qa_table()), or raise "
                "max_snap_m if the network really is that far away."
            ),
        )


def _check_limit(name: str, value: float) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        v = float("nan")
    if np.isnan(v) or v <= 0:
        raise ParameterError(
            f"{name} must be a positive distance in metres, got {value!r}.",
            fix=f"Use e.g. {name}=800, or minutes × 60 × speed_m_s for a time threshold.",
        )
    return v


# --------------------------------------------------------------------------- public API
def node_distances(
    network: WalkNetwork,
    sources: Snapped,
    *,
    edge_cost: Any = None,
    limit_m: float = np.inf,
    what: str = "services",
) -> tuple[np.ndarray, np.ndarray]:
    """Distance from the nearest source to every network node, and which source it is.

    The multi-source Dijkstra under :func:`nearest`, exposed for display (reached edges,
    isochrones). Returns ``(distance_m, source)`` per node: ``inf`` / ``-1`` beyond
    ``limit_m`` or unreachable; ``source`` indexes ``sources``.
    """
    _check_points(network, sources, what)
    _check_sources(sources, what)
    limit = _check_limit("limit_m", limit_m)
    cost = _resolve_cost(network, edge_cost)
    d, s, _, _ = _multi_source(network, sources, cost, limit)
    return d, s


def _representatives(network: WalkNetwork, sources: Snapped, c: np.ndarray) -> _Attach:
    """Routable sources with identical snapped positions merged; the lowest id represents
    them, and representatives come in ascending id order (their rank is an id order).
    """
    att = _attach(network, sources, c)
    ids = sources.ids[att.index].astype(str)
    by_id = np.argsort(ids, kind="stable")
    key_order = np.lexsort((att.access[by_id], att.frac[by_id], att.edge[by_id]))
    keys = np.stack(
        [
            att.edge[by_id][key_order].astype(np.float64),
            att.frac[by_id][key_order],
            att.access[by_id][key_order],
        ],
        axis=1,
    )
    first = np.ones(keys.shape[0], bool)
    first[1:] = (keys[1:] != keys[:-1]).any(axis=1)
    # lexsort is stable, so within equal keys by_id order (lowest id first) is preserved
    reps = np.sort(key_order[first])  # positions in by_id order: ascending = ascending id
    pick = by_id[reps]
    return _Attach(
        index=att.index[pick],
        edge=att.edge[pick],
        frac=att.frac[pick],
        access=att.access[pick],
        u=att.u[pick],
        v=att.v[pick],
        cost_u=att.cost_u[pick],
        cost_v=att.cost_v[pick],
    )


def _multi_source(
    network: WalkNetwork, sources: Snapped, cost: np.ndarray | None, limit: float
) -> tuple[np.ndarray, np.ndarray, _Attach, np.ndarray]:
    """One min-only Dijkstra from all (deduplicated) sources.

    Returns node distances, node → source index (into ``sources``), the attachment of the
    representative sources and, per node, the representative it was reached from (-1).
    """
    c = _cost_values(network, cost)
    rep = _representatives(network, sources, c)
    n = network.n_nodes
    aug = _augmented_graph(_base_csr(network, cost), rep)
    virt = np.arange(n, n + rep.u.shape[0])
    dist, _, src = csgraph.dijkstra(
        aug, directed=True, indices=virt, min_only=True, return_predecessors=True, limit=limit
    )
    d = np.asarray(dist[:n], np.float64)
    s_node = np.asarray(src[:n], np.int64)
    rep_of_node = np.where(s_node >= n, s_node - n, -1)
    source = np.where(rep_of_node >= 0, rep.index[np.maximum(rep_of_node, 0)], -1)
    d = np.where(source >= 0, d, np.inf)
    return d, source, rep, rep_of_node


def nearest(
    network: WalkNetwork,
    sources: Snapped,
    targets: Snapped,
    *,
    edge_cost: Any = None,
    limit_m: float = np.inf,
    what: str = "services",
) -> Nearest:
    """Network distance from each target to its nearest source, and which source.

    Parameters
    ----------
    network
        The walking network.
    sources, targets
        Snapped points (e.g. services and demand points). Points with status ``too_far`` never
        connect; ``island`` points are routed normally.
    edge_cost
        Per-edge cost (e.g. ``profile.edge_cost(network)``; ``inf`` = impassable), or a
        :class:`~proximity.profiles.WalkingProfile`. Default: edge lengths.
    limit_m
        Distances above this become ``inf`` (and the search stops there: faster).
    what
        Name of the source set for error messages (e.g. ``"services in category 'library'"``).

    Returns
    -------
    Nearest
        Per target: ``distance_m`` (``inf`` if none within reach), ``source`` (index into
        ``sources``, ``-1`` if none) and ``source_id``.

    Raises
    ------
    SchemaError
        No sources.
    GeometryError
        No source is routable (all too far from the network).
    ParameterError
        ``limit_m`` ≤ 0, a bad ``edge_cost``, or points snapped to another network.
    """
    _check_points(network, sources, what)
    _check_points(network, targets, "targets")
    _check_sources(sources, what)
    limit = _check_limit("limit_m", limit_m)
    cost = _resolve_cost(network, edge_cost)
    c = _cost_values(network, cost)
    rep = _representatives(network, sources, c)
    n_t = len(targets)
    out_d = np.full(n_t, np.inf)
    out_s = np.full(n_t, -1, np.int64)
    tgt = _attach(network, targets, c)
    if tgt.index.size:
        best, best_r = _ChainGraph.get(network, cost, c).nearest(rep, tgt, c, limit)
        # same-edge candidates: straight along the shared edge
        big = np.iinfo(np.int64).max
        s_pos, t_pos, direct = _same_edge_pairs(rep, tgt, c)
        if s_pos.size:
            # per target, the best direct candidate (smallest distance, then smallest rank)
            o = np.lexsort((s_pos, direct, t_pos))
            t_o = t_pos[o]
            first = np.ones(o.shape, bool)
            first[1:] = t_o[1:] != t_o[:-1]
            tp, sp_, dd = t_o[first], s_pos[o][first], direct[o][first]
            cur_r = np.where(best_r[tp] >= 0, best_r[tp], big)
            better = (dd < best[tp]) | ((dd == best[tp]) & (sp_ < cur_r))
            best[tp[better]] = dd[better]
            best_r[tp[better]] = sp_[better]
        within = np.isfinite(best) & (best <= limit) & (best_r >= 0)
        out_d[tgt.index[within]] = best[within]
        out_s[tgt.index[within]] = rep.index[best_r[within]]
    sid = np.full(n_t, "", dtype=object)
    has = out_s >= 0
    sid[has] = sources.ids[out_s[has]]
    return Nearest(distance_m=out_d, source=out_s, source_id=sid)


# --------------------------------------------------------------------------- chain contraction
_BIG = np.iinfo(np.int64).max
_CHAIN_CACHE: weakref.WeakKeyDictionary[Any, dict[bytes, Any]] = weakref.WeakKeyDictionary()


class _ChainGraph:
    """The network with its degree-2 chains contracted, for exact multi-source searches.

    The network is unsimplified (every OSM node is a graph node), so most nodes have degree
    2. Nodes of degree ≠ 2 (over passable edges) are *kept*; the rest lie on *chains*, paths
    of degree-2 nodes between two kept ends ``A`` and ``B`` (possibly equal). A chain becomes
    one edge ``A–B`` of cost ``L`` (the sum of its edge costs); per chain node and per chain
    edge end we keep the position (cost from ``A``). Rings without any kept node get one.

    Exactness: a path between points leaves or enters a chain only through ``A`` or ``B``,
    so the distance to a point at position ``p`` of a chain is
    ``min(D[A] + p, D[B] + L − p, direct from a source on the same chain)``; a source on a
    chain joins the contracted graph through ``A`` (``access + p``) and ``B``
    (``access + L − p``). Edge costs are raised to ``MIN_EDGE_WEIGHT_M`` as in the full graph.
    Cached per network object and edge cost.
    """

    @classmethod
    def get(cls, network: WalkNetwork, cost: np.ndarray | None, c: np.ndarray) -> _ChainGraph:
        per_net = _CHAIN_CACHE.setdefault(network, {})
        key = b"length" if cost is None else hashlib.sha1(np.ascontiguousarray(c)).digest()
        out = per_net.get(key)
        if out is None:
            out = per_net[key] = cls(network, c)
        return out

    def __init__(self, network: WalkNetwork, c: np.ndarray) -> None:
        n = network.n_nodes
        finite = np.isfinite(c)
        eid = np.flatnonzero(finite)
        eu, ev = network.edge_u[eid], network.edge_v[eid]
        w = np.maximum(c[eid], MIN_EDGE_WEIGHT_M)
        deg = np.bincount(np.concatenate([eu, ev]), minlength=n)
        kept = deg != 2
        for _ in range(2):  # second pass only if rings without a kept node exist
            inner_e = ~kept[eu] & ~kept[ev]
            # each interior edge once (weak connectivity: the same components and labels as
            # the symmetric graph, at half the size)
            one_way = sp.csr_matrix(
                (np.ones(int(inner_e.sum())), (eu[inner_e], ev[inner_e])), shape=(n, n)
            )
            _, comp = csgraph.connected_components(one_way, directed=True, connection="weak")
            # boundary edges: exactly one end kept
            bnd = kept[eu] != kept[ev]
            b_int = np.where(kept[eu[bnd]], ev[bnd], eu[bnd])  # the interior end
            has_bnd = np.zeros(n, bool)
            has_bnd[comp[b_int]] = True
            ring_nodes = np.flatnonzero(~kept & ~has_bnd[comp])
            if ring_nodes.size == 0:
                break
            # one kept node per ring: its lowest node
            first_of = np.full(n, n, np.int64)
            np.minimum.at(first_of, comp[ring_nodes], ring_nodes)
            kept[first_of[np.unique(comp[ring_nodes])]] = True
        interior = ~kept
        # chains are numbered by the interior components; A side = the boundary edge with the
        # lowest edge id of the component
        b_idx = np.flatnonzero(bnd)
        b_comp = comp[b_int]
        o = np.lexsort((eid[b_idx], b_comp))
        b_idx, b_int, b_comp = b_idx[o], b_int[o], b_comp[o]
        first = np.ones(b_idx.shape, bool)
        first[1:] = b_comp[1:] != b_comp[:-1]
        a_edge, a_int, a_comp = b_idx[first], b_int[first], b_comp[first]
        b2_edge, b2_comp = b_idx[~first], b_comp[~first]  # the B side (one per chain)
        n_comp = int(comp.max()) + 1 if n else 0
        chain_of_comp = np.full(n_comp, -1, np.int64)
        chain_of_comp[a_comp] = np.arange(a_comp.size)
        n_chain = a_comp.size
        # positions from A (cost from the kept end A along the chain)
        a_kept = np.where(kept[eu[a_edge]], eu[a_edge], ev[a_edge])
        g = sp.csr_matrix(
            (
                np.concatenate([w[inner_e], w[inner_e]]),
                (
                    np.concatenate([eu[inner_e], ev[inner_e]]),
                    np.concatenate([ev[inner_e], eu[inner_e]]),
                ),
            ),
            shape=(n, n),
        )
        pos = _chain_positions(g, a_int, w[a_edge], n)
        if pos is None:  # very long chains: one Dijkstra over the interior edges instead
            pos = np.zeros(n)
            int_nodes = np.flatnonzero(interior)
            ni = int_nodes.size
            inum = np.full(n, -1, np.int64)
            inum[int_nodes] = np.arange(ni)
            iu, iv = inum[eu[inner_e]], inum[ev[inner_e]]
            rows = np.concatenate([iu, iv, ni + np.arange(n_chain)])
            cols = np.concatenate([iv, iu, inum[a_int]])
            data = np.concatenate([w[inner_e], w[inner_e], w[a_edge]])
            pg = sp.csr_matrix((data, (rows, cols)), shape=(ni + n_chain, ni + n_chain))
            dpos = csgraph.dijkstra(
                pg, directed=True, indices=ni + np.arange(n_chain), min_only=True
            )
            pos[int_nodes] = dpos[:ni]
        chain_node = np.full(n, -1, np.int64)
        chain_node[interior] = chain_of_comp[comp[interior]]
        b_chain = chain_of_comp[b2_comp]
        b_int2 = np.where(kept[eu[b2_edge]], ev[b2_edge], eu[b2_edge])
        b_kept = np.where(kept[eu[b2_edge]], eu[b2_edge], ev[b2_edge])
        length = np.zeros(n_chain)
        length[b_chain] = pos[b_int2] + w[b2_edge]
        end_a = a_kept
        end_b = np.empty(n_chain, np.int64)
        end_b[b_chain] = b_kept
        # per finite edge: chain and the positions of its u and v ends
        e_chain = np.full(network.n_edges, -1, np.int64)
        e_pu = np.zeros(network.n_edges)
        e_pv = np.zeros(network.n_edges)
        ch = np.where(interior[eu], chain_node[eu], chain_node[ev])
        in_chain = interior[eu] | interior[ev]
        e_chain[eid[in_chain]] = ch[in_chain]
        pu = np.where(interior[eu], pos[eu], 0.0)
        pv = np.where(interior[ev], pos[ev], 0.0)
        # the kept end of a boundary edge is at 0 (A side) or L (B side)
        is_b = np.zeros(eid.shape, bool)
        is_b[b2_edge] = True
        chl = length[np.maximum(ch, 0)] if n_chain else np.zeros(ch.shape)
        pu = np.where(kept[eu] & is_b, chl, pu)
        pv = np.where(kept[ev] & is_b, chl, pv)
        e_pu[eid[in_chain]] = pu[in_chain]
        e_pv[eid[in_chain]] = pv[in_chain]
        # contracted graph on kept nodes: kept–kept edges plus one edge per chain (A != B);
        # parallel edges reduced to their minimum
        knum = np.full(n, -1, np.int64)
        k_nodes = np.flatnonzero(kept)
        knum[k_nodes] = np.arange(k_nodes.size)
        kk = kept[eu] & kept[ev]
        cu = np.concatenate([knum[eu[kk]], knum[end_a]])
        cv = np.concatenate([knum[ev[kk]], knum[end_b]])
        cw = np.concatenate([w[kk], length])
        loop = cu == cv
        cu, cv, cw = cu[~loop], cv[~loop], cw[~loop]
        nk = k_nodes.size
        r, q, ww = _min_by_pair(
            np.concatenate([cu, cv]), np.concatenate([cv, cu]), np.concatenate([cw, cw]), nk
        )
        self.n_kept = nk
        self.indptr = np.concatenate([[0], np.cumsum(np.bincount(r, minlength=nk))]).astype(
            np.int32
        )
        self.indices = q.astype(np.int32)
        self.data = ww
        self.knum = knum
        self.chain_node = chain_node
        self.pos = pos
        self.length = length
        self.end_a = knum[end_a]
        self.end_b = knum[end_b]
        self.e_chain = e_chain
        self.e_pu = e_pu
        self.e_pv = e_pv

    # ------------------------------------------------------------------ search
    def nearest(
        self, rep: _Attach, tgt: _Attach, c: np.ndarray, limit: float
    ) -> tuple[np.ndarray, np.ndarray]:
        """Per target: best graph distance (with access legs) and representative (-1)."""
        k = rep.u.shape[0]
        nk = self.n_kept
        ce = c[rep.edge]
        # sources: chain entries (chain, position, cost, rep) and direct kept attachments
        s_ch = self.e_chain[rep.edge]
        on_chain = s_ch >= 0
        p_s = self._point_pos(rep.edge, rep.frac, ce)
        ent_ch = [s_ch[on_chain]]
        ent_pos = [p_s[on_chain]]
        ent_cost = [rep.access[on_chain]]
        ent_rep = [np.flatnonzero(on_chain)]
        att_node, att_cost, att_rep = [], [], []
        off = np.flatnonzero(~on_chain)
        for end, cost_end in ((rep.u, rep.cost_u), (rep.v, rep.cost_v)):
            x, cx = end[off], cost_end[off]
            fin = np.isfinite(cx)
            x, cx, rr = x[fin], cx[fin], off[fin]
            kn = self.knum[x]
            att_node.append(kn[kn >= 0])
            att_cost.append(cx[kn >= 0])
            att_rep.append(rr[kn >= 0])
            intr = kn < 0
            ent_ch.append(self.chain_node[x[intr]])
            ent_pos.append(self.pos[x[intr]])
            ent_cost.append(cx[intr])
            ent_rep.append(rr[intr])
        e_ch = np.concatenate(ent_ch)
        e_pos = np.concatenate(ent_pos)
        e_cost = np.concatenate(ent_cost)
        e_rep = np.concatenate(ent_rep)
        # chain entries join the contracted graph at both ends
        a_n, b_n, ln = self.end_a[e_ch], self.end_b[e_ch], self.length[e_ch]
        v_node = np.concatenate([*att_node, a_n, b_n])
        v_cost = np.concatenate([*att_cost, e_cost + e_pos, e_cost + (ln - e_pos)])
        v_rep = np.concatenate([*att_rep, e_rep, e_rep])
        # one edge per (rep, node): the cheapest
        o = np.lexsort((v_cost, v_node, v_rep))
        v_node, v_cost, v_rep = v_node[o], v_cost[o], v_rep[o]
        keep = np.ones(o.shape, bool)
        keep[1:] = (v_node[1:] != v_node[:-1]) | (v_rep[1:] != v_rep[:-1])
        v_node, v_cost, v_rep = v_node[keep], v_cost[keep], v_rep[keep]
        counts = np.bincount(v_rep, minlength=k)
        indptr = np.concatenate([self.indptr, self.indptr[-1] + np.cumsum(counts).astype(np.int32)])
        g = sp.csr_matrix(
            (
                np.concatenate([self.data, np.maximum(v_cost, MIN_EDGE_WEIGHT_M)]),
                np.concatenate([self.indices, v_node.astype(np.int32)]),
                indptr,
            ),
            shape=(nk + k, nk + k),
        )
        dist, _, src = csgraph.dijkstra(
            g,
            directed=True,
            indices=nk + np.arange(k),
            min_only=True,
            return_predecessors=True,
            limit=limit,
        )
        d_k = np.asarray(dist[:nk], np.float64)
        s_k = np.asarray(src[:nk], np.int64)
        r_k = np.where(s_k >= nk, s_k - nk, -1)
        d_k = np.where(r_k >= 0, d_k, np.inf)
        # chain entries sorted by chain, for the same-chain direct candidates
        eo = np.lexsort((e_rep, e_ch))
        st = _SearchState(d_k, r_k, e_ch[eo], e_pos[eo], e_cost[eo], e_rep[eo])
        t_ch = self.e_chain[tgt.edge]
        t_on = t_ch >= 0
        best = np.full(tgt.u.shape[0], np.inf)
        best_r = np.full(tgt.u.shape[0], -1, np.int64)
        if t_on.any():
            tpos = self._point_pos(tgt.edge[t_on], tgt.frac[t_on], c[tgt.edge[t_on]])
            d, r = self._at(st, t_ch[t_on], tpos)
            best[t_on], best_r[t_on] = d, r
        t_off = np.flatnonzero(~t_on)
        if t_off.size:
            ce_t = c[tgt.edge[t_off]]
            du, ru = self._node(st, tgt.u[t_off])
            dv, rv = self._node(st, tgt.v[t_off])
            du = du + _partial(tgt.frac[t_off], ce_t)
            dv = dv + _partial(1.0 - tgt.frac[t_off], ce_t)
            d, r = _pick(du, ru, dv, rv)
            best[t_off], best_r[t_off] = d, r
        best = np.where(best_r >= 0, best + tgt.access, np.inf)
        return best, best_r

    def _point_pos(self, edge: np.ndarray, frac: np.ndarray, ce: np.ndarray) -> np.ndarray:
        """Position along its chain of a point at ``frac`` on a chain edge."""
        pu, pv = self.e_pu[edge], self.e_pv[edge]
        return np.where(pv >= pu, pu + _partial(frac, ce), pv + _partial(1.0 - frac, ce))

    def _node(self, st: _SearchState, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Distance and representative at original nodes ``x``."""
        kn = self.knum[x]
        d = np.full(x.shape, np.inf)
        r = np.full(x.shape, -1, np.int64)
        kept = kn >= 0
        d[kept], r[kept] = st.d_kept[kn[kept]], st.r_kept[kn[kept]]
        intr = ~kept
        if intr.any():
            d[intr], r[intr] = self._at(st, self.chain_node[x[intr]], self.pos[x[intr]])
        return d, r

    def _at(self, st: _SearchState, ch: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Distance and representative at positions ``p`` of chains ``ch``."""
        ln = self.length[ch]
        da, ra = st.d_kept[self.end_a[ch]] + p, st.r_kept[self.end_a[ch]]
        db, rb = st.d_kept[self.end_b[ch]] + (ln - p), st.r_kept[self.end_b[ch]]
        da = np.where(ra >= 0, da, np.inf)
        db = np.where(rb >= 0, db, np.inf)
        d, r = _pick(da, ra, db, rb)
        e_ch, e_pos, e_cost, e_rep = st.e_chain, st.e_pos, st.e_cost, st.e_rep
        if e_ch.size:
            lo = np.searchsorted(e_ch, ch, side="left")
            hi = np.searchsorted(e_ch, ch, side="right")
            cnt = hi - lo
            total = int(cnt.sum())
            if total:
                q = np.repeat(np.arange(ch.shape[0]), cnt)
                j = np.arange(total) + np.repeat(lo - (np.cumsum(cnt) - cnt), cnt)
                dd = e_cost[j] + np.abs(p[q] - e_pos[j])
                rr = e_rep[j]
                o = np.lexsort((rr, dd, q))
                first = np.ones(o.shape, bool)
                first[1:] = q[o][1:] != q[o][:-1]
                qq, dd, rr = q[o][first], dd[o][first], rr[o][first]
                d2, r2 = _pick(d[qq], r[qq], dd, rr)
                d[qq], r[qq] = d2, r2
        return d, r


#: Chains are walked node by node for at most this many steps, else a Dijkstra is used.
_WALK_MAX_STEPS = 64


def _chain_positions(
    g: sp.csr_matrix, start: np.ndarray, start_cost: np.ndarray, n: int
) -> np.ndarray | None:
    """Per node, its cost from its chain's A end (0 elsewhere), walking all chains at once.

    ``g`` holds the edges between interior nodes (each has ≤ 2 entries); chain ``i`` starts
    at interior node ``start[i]``, reached from A at ``start_cost[i]``. Each step moves every
    unfinished chain one node on, adding the edge cost (the same sums, in the same order, as
    a Dijkstra from A, so bit-identical). ``None`` if some chain has more than
    :data:`_WALK_MAX_STEPS` nodes (the caller then runs the Dijkstra).
    """
    pos = np.zeros(n)
    if start.size == 0:
        return pos
    pos[start] = start_cost
    if g.indices.size == 0:  # single-node chains only
        return pos
    ip, ix, dat = g.indptr, g.indices, g.data
    cur = start.astype(np.int64)
    prev = np.full(cur.shape, -1, np.int64)
    for _ in range(_WALK_MAX_STEPS):
        lo = ip[cur].astype(np.int64)
        hi = ip[cur + 1].astype(np.int64)
        j = lo + ((hi > lo) & (ix[np.minimum(lo, ix.size - 1)] == prev))
        go = j < hi
        if not go.any():
            return pos
        cur, j = cur[go], j[go]
        nxt = ix[j].astype(np.int64)
        pos[nxt] = pos[cur] + dat[j]
        prev, cur = cur, nxt
    return None


def _min_by_pair(
    r: np.ndarray, q: np.ndarray, w: np.ndarray, nk: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct ``(r, q)`` pairs (values in ``[0, nk)``) sorted by ``r`` then ``q``, each
    with its smallest ``w`` (what ``lexsort((w, q, r))`` + keep-first gives, faster: two
    stable radix passes on 16-bit keys when ``nk`` fits, else one sort of ``r·nk + q``).
    """
    if r.size == 0:
        return r, q, w
    if nk <= 2**16:
        o = np.argsort(q.astype(np.uint16), kind="stable")
        o = o[np.argsort(r[o].astype(np.uint16), kind="stable")]
    else:
        o = np.argsort(r.astype(np.int64) * nk + q, kind="stable")
    r, q, w = r[o], q[o], w[o]
    first = np.ones(r.shape, bool)
    first[1:] = (r[1:] != r[:-1]) | (q[1:] != q[:-1])
    start = np.flatnonzero(first)
    if start.size < r.size:
        w = np.minimum.reduceat(w, start)
    return r[start], q[start], w


@dataclass(frozen=True)
class _SearchState:
    """One search on a :class:`_ChainGraph`: per kept node the distance and representative,
    and the sources' chain entries sorted by chain (chain, position, cost, representative).
    """

    d_kept: np.ndarray
    r_kept: np.ndarray
    e_chain: np.ndarray
    e_pos: np.ndarray
    e_cost: np.ndarray
    e_rep: np.ndarray


def _pick(
    da: np.ndarray, ra: np.ndarray, db: np.ndarray, rb: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Element-wise the smaller distance; equal distances → the lower representative."""
    ka = np.where(ra >= 0, ra, _BIG)
    kb = np.where(rb >= 0, rb, _BIG)
    use_b = (db < da) | ((db == da) & (kb < ka))
    return np.where(use_b, db, da), np.where(use_b, rb, ra)


def bounded_matrix(
    network: WalkNetwork,
    sources: Snapped,
    targets: Snapped,
    cutoff_m: float,
    *,
    edge_cost: Any = None,
    chunk_size: int = 64,
    progress: bool | None = None,
    what: str = "services",
) -> sp.csr_matrix:
    """Sparse ``n_sources × n_targets`` matrix of network distances ≤ ``cutoff_m``.

    Parameters
    ----------
    network
        The walking network.
    sources, targets
        Snapped points (e.g. candidate sites and demand points). ``too_far`` points get empty
        rows/columns.
    cutoff_m
        Largest distance kept (metres or cost-metres; > 0). For a time threshold use
        ``minutes × 60 × speed_m_s``.
    edge_cost
        Per-edge cost or a :class:`~proximity.profiles.WalkingProfile`; default lengths.
    chunk_size
        Largest number of sources per Dijkstra call; lowered automatically so one chunk's
        dense Dijkstra output (``chunk × n_nodes`` floats) stays under 64 MB, and to 16 when
        chunks are routed on local subgraphs (see below).
    progress
        Show a tqdm bar; default :func:`proximity.config.progress_enabled`.
    what
        Name of the source set for error messages.

    Returns
    -------
    scipy.sparse.csr_matrix
        float64, shape ``(len(sources), len(targets))``. An entry is stored iff the distance
        is ≤ ``cutoff_m``; explicit zeros are kept (reachability is the sparsity structure:
        never call ``eliminate_zeros`` on it).

    Raises
    ------
    SchemaError, GeometryError, ParameterError
        As for :func:`nearest`; ``ParameterError`` for ``cutoff_m`` ≤ 0 or ``chunk_size`` < 1.

    Notes
    -----
    Exactness does not depend on the speed-ups: a path of cost ≤ ``cutoff_m`` stays within
    ``cutoff_m / r_min`` (straight-line) of its source, ``r_min`` being the smallest ratio of
    edge cost to segment length, so each chunk of (spatially close) sources is searched on the
    subgraph inside that box only. Memory: one chunk's dense Dijkstra output plus the result
    (12 bytes per stored entry, twice while it is assembled).
    """
    _check_points(network, sources, what)
    _check_points(network, targets, "targets")
    _check_sources(sources, what)
    cutoff = _check_limit("cutoff_m", cutoff_m)
    if int(chunk_size) < 1:
        raise ParameterError(
            f"chunk_size must be ≥ 1, got {chunk_size!r}.", fix="Use e.g. chunk_size=64."
        )
    cost = _resolve_cost(network, edge_cost)
    c = _cost_values(network, cost)
    src = _attach(network, sources, c)
    tgt = _attach(network, targets, c)
    n = network.n_nodes
    k = src.index.shape[0]
    n_s, n_t = len(sources), len(targets)
    s_pos, t_pos, direct = _same_edge_pairs(src, tgt, c)
    tmap = _TargetMap.build(tgt, c, n)
    local = _LocalGraphs(network, c, src, sources, cutoff)
    order = local.spatial_order()
    chunk = int(max(1, min(int(chunk_size), _CHUNK_BUDGET_BYTES // (8 * (n + k)))))
    if local.radius is not None:
        chunk = min(chunk, _LOCAL_CHUNK)
    starts = range(0, k, chunk)
    row_counts = np.zeros(n_s, np.int64)
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    bar = _progress(starts, total=len(starts), enabled=progress, desc=f"matrix ({what})")
    for a in bar:
        members = order[a : a + chunk]
        graph, virt, col_nodes, pos = local.graph_for(members)
        dist = csgraph.dijkstra(graph, directed=True, indices=virt, limit=cutoff)
        try:
            if not tmap.size:
                continue
            lo = np.searchsorted(s_pos, members, side="left")
            hi = np.searchsorted(s_pos, members, side="right")
            cnt = hi - lo
            sel = np.repeat(np.arange(members.size), cnt)
            pair = np.arange(int(cnt.sum())) + np.repeat(
                lo - np.concatenate([[0], np.cumsum(cnt)[:-1]]), cnt
            )
            rows, tp, val = tmap.reached(
                dist, col_nodes, pos, src.edge[members], sel, t_pos[pair], direct[pair]
            )
        finally:
            local.release()
        keep = val <= cutoff
        rows, tp, val = rows[keep], tp[keep], val[keep]
        # group by global row (stable radix sort on the small local row number); columns are
        # sorted once at the end (csr sort_indices)
        rank = np.empty(members.size, np.int64)
        rank[np.argsort(src.index[members])] = np.arange(members.size)
        key = rank[rows]
        srt = np.argsort(key.astype(np.int16) if members.size < 2**15 else key, kind="stable")
        g_rows = src.index[members[rows[srt]]]
        row_counts[src.index[members]] = np.bincount(rows, minlength=members.size)
        parts.append((g_rows, tgt.index[tp[srt]].astype(np.int32), val[srt]))
        del dist
    indptr = np.zeros(n_s + 1, np.int64)
    np.cumsum(row_counts, out=indptr[1:])
    nnz = int(indptr[-1])
    indices = np.empty(nnz, np.int32)
    data = np.empty(nnz, np.float64)
    for g_rows, cols, vals in parts:  # each part sorted by (row, col)
        if not g_rows.size:
            continue
        run = np.flatnonzero(g_rows[1:] != g_rows[:-1]) + 1
        run_start = np.concatenate([[0], run])
        first = np.repeat(run_start, np.diff(np.concatenate([run_start, [g_rows.size]])))
        dest = indptr[g_rows] + (np.arange(g_rows.size) - first)
        indices[dest] = cols
        data[dest] = vals
    parts.clear()
    if nnz < np.iinfo(np.int32).max:
        indptr = indptr.astype(np.int32)
    out = sp.csr_matrix((data, indices, indptr), shape=(n_s, n_t))
    out.has_sorted_indices = False
    out.sort_indices()
    return out


#: Use a local subgraph only when it has at most this share of the network's nodes.
_LOCAL_MAX_SHARE = 0.5
#: Sources per Dijkstra call when local subgraphs are used (smaller chunks, smaller boxes).
_LOCAL_CHUNK = 16


class _LocalGraphs:
    """Per-chunk search graphs for :func:`bounded_matrix`.

    A path of cost ≤ ``cutoff`` cannot leave the disc of radius ``cutoff / r_min`` around its
    source's snapped point, where ``r_min`` is the smallest ratio of edge cost to straight
    segment length (1 for plain lengths). So each chunk of sources is routed on the subgraph
    induced by the nodes inside the bounding box of those discs; the result is exact, and
    csgraph's per-source setup cost falls from O(n_nodes) to O(box nodes). Sources are ordered
    along a Z-order curve so that chunks are compact. When no positive ``r_min`` exists, or a
    box would hold more than half the nodes, the whole augmented network is used.
    """

    def __init__(
        self,
        network: WalkNetwork,
        c: np.ndarray,
        src: _Attach,
        sources: Snapped,
        cutoff: float,
    ) -> None:
        self.network = network
        self.src = src
        self.n = network.n_nodes
        self.sx = sources.snap_x[src.index]
        self.sy = sources.snap_y[src.index]
        seg = _segment_length(network)
        moving = seg > 0
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = c[moving] / seg[moving]
        r_min = float(ratio.min()) if ratio.size else 0.0
        self.radius = (
            cutoff / r_min * (1 + 1e-9) + 1e-6 if r_min > 0 and np.isfinite(cutoff) else None
        )
        finite = np.isfinite(c)
        self.eu = network.edge_u[finite]
        self.ev = network.edge_v[finite]
        self.w = np.maximum(c[finite], MIN_EDGE_WEIGHT_M)
        self.c = c
        self._pos = np.full(self.n, -1, np.int64)
        self._sub: np.ndarray | None = None
        self._full: sp.csr_matrix | None = None

    def spatial_order(self) -> np.ndarray:
        """Source positions in Z-order of their snapped points (identity without pruning)."""
        k = self.src.index.shape[0]
        if self.radius is None or k < 2:
            return np.arange(k)
        cell = max(self.radius / 4.0, 1.0)
        ix = ((self.sx - self.sx.min()) // cell).astype(np.int64)
        iy = ((self.sy - self.sy.min()) // cell).astype(np.int64)
        return np.lexsort((np.arange(k), _morton(ix, iy)))

    def _full_graph(self) -> sp.csr_matrix:
        if self._full is None:
            base = sp.csr_matrix(
                (
                    np.concatenate([self.w, self.w]),
                    (np.concatenate([self.eu, self.ev]), np.concatenate([self.ev, self.eu])),
                ),
                shape=(self.n, self.n),
            )
            self._full = _augmented_graph(base, self.src)
        return self._full

    def graph_for(
        self, members: np.ndarray
    ) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray | None, np.ndarray | None]:
        """(graph, virtual node indices, column → node or None, node → column or None)."""
        net = self.network
        if self.radius is not None:
            r = self.radius
            x0, x1 = self.sx[members].min() - r, self.sx[members].max() + r
            y0, y1 = self.sy[members].min() - r, self.sy[members].max() + r
            inbox = (
                (net.node_x >= x0) & (net.node_x <= x1) & (net.node_y >= y0) & (net.node_y <= y1)
            )
            sub = np.flatnonzero(inbox)
            if sub.size <= _LOCAL_MAX_SHARE * self.n:
                m = sub.size
                pos = self._pos
                pos[sub] = np.arange(m)
                self._sub = sub
                ke = inbox[self.eu] & inbox[self.ev]
                a, b, w = pos[self.eu[ke]], pos[self.ev[ke]], self.w[ke]
                src = self.src
                vu, vv = pos[src.u[members]], pos[src.v[members]]
                row_v = m + np.arange(members.size)
                ok_u = (vu >= 0) & np.isfinite(src.cost_u[members])
                ok_v = (vv >= 0) & np.isfinite(src.cost_v[members])
                rows = np.concatenate([a, b, row_v[ok_u], row_v[ok_v]])
                cols = np.concatenate([b, a, vu[ok_u], vv[ok_v]])
                data = np.concatenate(
                    [
                        w,
                        w,
                        np.maximum(src.cost_u[members][ok_u], MIN_EDGE_WEIGHT_M),
                        np.maximum(src.cost_v[members][ok_v], MIN_EDGE_WEIGHT_M),
                    ]
                )
                size = m + members.size
                g = sp.csr_matrix((data, (rows, cols)), shape=(size, size))
                return g, row_v, sub, pos
        return self._full_graph(), self.n + members, None, None

    def release(self) -> None:
        """Reset the node → column map after a local chunk."""
        if self._sub is not None:
            self._pos[self._sub] = -1
            self._sub = None


@dataclass(frozen=True)
class _TargetMap:
    """Targets indexed by their edge ends, to map node distances to target distances sparsely.

    Per routable target (position ``p``): its edge ends ``u``, ``v``, the full costs from each
    end (``pu = access + b·c``, ``pv = access + (1 − b)·c``) and its edge; plus, per node, the
    targets whose ``u`` (resp. ``v``) it is, in CSR form.
    """

    u: np.ndarray
    v: np.ndarray
    pu: np.ndarray
    pv: np.ndarray
    edge: np.ndarray
    by_u: np.ndarray
    start_u: np.ndarray
    count_u: np.ndarray
    by_v: np.ndarray
    start_v: np.ndarray
    count_v: np.ndarray

    @property
    def size(self) -> int:
        return int(self.u.shape[0])

    @property
    def n_nodes(self) -> int:
        return int(self.count_u.shape[0])

    @classmethod
    def build(cls, tgt: _Attach, c: np.ndarray, n: int) -> _TargetMap:
        ce = c[tgt.edge]

        def incidence(ends: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            order = np.argsort(ends, kind="stable")
            count = np.bincount(ends, minlength=n)
            start = np.concatenate([[0], np.cumsum(count)[:-1]])
            return order, start, count

        bu, su, cu = incidence(tgt.u)
        bv, sv, cv = incidence(tgt.v)
        return cls(
            u=tgt.u,
            v=tgt.v,
            pu=tgt.access + _partial(tgt.frac, ce),
            pv=tgt.access + _partial(1.0 - tgt.frac, ce),
            edge=tgt.edge,
            by_u=bu,
            start_u=su,
            count_u=cu,
            by_v=bv,
            start_v=sv,
            count_v=cv,
        )

    @staticmethod
    def _expand(
        rr: np.ndarray, nn: np.ndarray, by: np.ndarray, start: np.ndarray, count: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        cnt = count[nn]
        total = int(cnt.sum())
        if total == 0:
            z = np.zeros(0, np.int64)
            return z, z, z
        offs = np.repeat(start[nn] - np.concatenate([[0], np.cumsum(cnt)[:-1]]), cnt)
        sel = np.repeat(np.arange(rr.shape[0]), cnt)
        return rr[sel], by[np.arange(total) + offs], sel

    def reached(
        self,
        dist: np.ndarray,
        col_nodes: np.ndarray | None,
        pos: np.ndarray | None,
        src_edge: np.ndarray,
        same_r: np.ndarray,
        same_t: np.ndarray,
        same_direct: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(chunk row, target position, distance) for every target touched by the search.

        ``dist`` is the chunk's Dijkstra output; its first columns are network nodes (all
        of them when ``col_nodes`` is None, else the nodes ``col_nodes`` with the inverse map
        ``pos``: node → column or -1), the last ones the chunk's virtual nodes. A target is
        touched when its ``u`` or ``v`` was reached, or when it shares its edge with the row's
        source (then the straight way along the edge, ``same_direct``, is a candidate too).
        """
        n_cols = self.n_nodes if col_nodes is None else col_nodes.shape[0]
        rr, cc = np.nonzero(np.isfinite(dist[:, :n_cols]))
        nn = cc if col_nodes is None else col_nodes[cc]
        d_rn = dist[rr, cc]

        def at(r: np.ndarray, node: np.ndarray) -> np.ndarray:
            if pos is None:
                return dist[r, node]
            col = pos[node]
            out = np.full(r.shape, np.inf)
            ok = col >= 0
            out[ok] = dist[r[ok], col[ok]]
            return out

        # reached through u (the v side is looked up directly)
        r1, t1, s1 = self._expand(rr, nn, self.by_u, self.start_u, self.count_u)
        val1 = np.minimum(d_rn[s1] + self.pu[t1], at(r1, self.v[t1]) + self.pv[t1])
        # reached through v only (u not reached), else already counted above
        r2, t2, s2 = self._expand(rr, nn, self.by_v, self.start_v, self.count_v)
        only_v = ~np.isfinite(at(r2, self.u[t2]))
        r2, t2 = r2[only_v], t2[only_v]
        val2 = d_rn[s2[only_v]] + self.pv[t2]
        rows = np.concatenate([r1, r2])
        tpos = np.concatenate([t1, t2])
        val = np.concatenate([val1, val2])
        # same-edge pairs are handled exactly below: drop them from the graph-only lists
        other = src_edge[rows] != self.edge[tpos]
        rows, tpos, val = rows[other], tpos[other], val[other]
        if same_r.size:
            graph = np.minimum(
                at(same_r, self.u[same_t]) + self.pu[same_t],
                at(same_r, self.v[same_t]) + self.pv[same_t],
            )
            rows = np.concatenate([rows, same_r])
            tpos = np.concatenate([tpos, same_t])
            val = np.concatenate([val, np.minimum(graph, same_direct)])
        return rows, tpos, val


def _progress(it: Any, *, total: int, enabled: bool | None, desc: str) -> Any:
    from tqdm.auto import tqdm

    from proximity.config import progress_enabled

    show = progress_enabled() if enabled is None else bool(enabled)
    return tqdm(it, total=total, disable=not show, desc=desc, unit="chunk", leave=False)
