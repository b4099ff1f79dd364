"""Shared routing steps: edge costs, how snapped points hang off the graph, input checks.

Points attach to the network through *virtual nodes* (see :mod:`proximity.routing`); the
helpers here build those attachments (:class:`Attach`), the augmented CSR graph and the exact
same-edge candidate pairs used by every search.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

from proximity._geom import segment_length
from proximity.errors import GeometryError, ParameterError, SchemaError
from proximity.network import MIN_EDGE_WEIGHT_M
from proximity.profiles import WalkingProfile
from proximity.snap import Snapped

if TYPE_CHECKING:
    from proximity.network import WalkNetwork


def resolve_cost(network: WalkNetwork, edge_cost: Any) -> np.ndarray | None:
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


def cost_values(network: WalkNetwork, cost: np.ndarray | None) -> np.ndarray:
    return np.asarray(network.edge_length_m, np.float64) if cost is None else cost


def base_csr(network: WalkNetwork, cost: np.ndarray | None) -> sp.csr_matrix:
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


def partial(frac: np.ndarray, c: np.ndarray) -> np.ndarray:
    """``frac · c`` with ``0 · inf = 0`` (a zero-length piece of an impassable edge is free)."""
    with np.errstate(invalid="ignore"):
        return np.where(frac > 0, frac * c, 0.0)


@dataclass(frozen=True)
class Attach:
    """How routable points hang off the network: per point, the edge ends and leg costs."""

    index: np.ndarray  # positions in the Snapped
    edge: np.ndarray
    frac: np.ndarray  # fraction along the edge from u
    access: np.ndarray
    u: np.ndarray
    v: np.ndarray
    cost_u: np.ndarray  # access + frac · c   (inf if impassable)
    cost_v: np.ndarray  # access + (1 - frac) · c


def attach(network: WalkNetwork, pts: Snapped, c: np.ndarray) -> Attach:
    idx = np.flatnonzero(pts.routable)
    edge = pts.edge[idx]
    seg = segment_length(network)[edge]
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(seg > 0, pts.offset_m[idx] / seg, 0.0)
    frac = np.clip(np.nan_to_num(frac, nan=0.0), 0.0, 1.0)
    access = pts.access_m[idx].astype(np.float64)
    ce = c[edge]
    return Attach(
        index=idx,
        edge=edge,
        frac=frac,
        access=access,
        u=network.edge_u[edge],
        v=network.edge_v[edge],
        cost_u=access + partial(frac, ce),
        cost_v=access + partial(1.0 - frac, ce),
    )


def augmented_graph(base: sp.csr_matrix, src: Attach) -> sp.csr_matrix:
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


def same_edge_pairs(
    src: Attach, tgt: Attach, c: np.ndarray, tgt_order: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All (source pos, target pos, direct distance) with source and target on one edge.

    Positions index into ``src`` / ``tgt``; pairs come sorted by source position, then
    target position. ``tgt_order``: the stable argsort of ``tgt.edge``, if known.
    """
    # index the smaller set (e.g. services), unless the targets' order is known
    if tgt_order is None and src.edge.shape[0] < tgt.edge.shape[0]:
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
        along = partial(np.abs(src.frac[s_pos] - tgt.frac[t_pos]), c[src.edge[s_pos]])
        return s_pos, t_pos, src.access[s_pos] + along + tgt.access[t_pos]
    order = np.argsort(tgt.edge, kind="stable") if tgt_order is None else tgt_order
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
    along = partial(np.abs(src.frac[s_pos] - tgt.frac[t_pos]), c[src.edge[s_pos]])
    return s_pos, t_pos, src.access[s_pos] + along + tgt.access[t_pos]


def same_key_pairs(
    e_ch: np.ndarray, ch: np.ndarray, order: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """Every (i, j) with ``ch[i] == e_ch[j]``, as arrays ``(i, j)`` (``e_ch`` sorted).

    ``order``: ``ch``'s argsort if known; then the few ``e_ch`` are looked up in the many
    ``ch`` instead of each ``ch`` in ``e_ch`` (the same pairs, in another order).
    """
    if order is None:
        a, b, keys = e_ch, ch, None
    else:
        a, b, keys = ch[order], e_ch, order
    lo = np.searchsorted(a, b, side="left")
    cnt = np.searchsorted(a, b, side="right") - lo
    total = int(cnt.sum())
    mine = np.repeat(np.arange(b.shape[0]), cnt)
    other = np.arange(total) + np.repeat(lo - (np.cumsum(cnt) - cnt), cnt)
    return (mine, other) if keys is None else (keys[other], mine)


def check_points(network: WalkNetwork, pts: Snapped, role: str) -> None:
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


def check_sources(pts: Snapped, what: str) -> None:
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


def check_limit(name: str, value: float) -> float:
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


def representatives(network: WalkNetwork, sources: Snapped, c: np.ndarray) -> Attach:
    """Routable sources with identical snapped positions merged.

    The lowest id represents them, and representatives come in ascending id order (their
    rank is an id order).
    """
    att = attach(network, sources, c)
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
    return Attach(
        index=att.index[pick],
        edge=att.edge[pick],
        frac=att.frac[pick],
        access=att.access[pick],
        u=att.u[pick],
        v=att.v[pick],
        cost_u=att.cost_u[pick],
        cost_v=att.cost_v[pick],
    )
