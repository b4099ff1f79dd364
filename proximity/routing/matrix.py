"""Bounded many-to-many distances: :func:`bounded_matrix`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp
from scipy.sparse import csgraph

from proximity.errors import ParameterError
from proximity.routing._graph import (
    attach,
    check_limit,
    check_points,
    check_sources,
    cost_values,
    resolve_cost,
    same_edge_pairs,
)
from proximity.routing._local import LOCAL_CHUNK, LocalGraphs, TargetMap
from proximity.snap import Snapped

if TYPE_CHECKING:
    from proximity.network import WalkNetwork

#: Target size of one chunk's dense working set in :func:`bounded_matrix` (bytes).
_CHUNK_BUDGET_BYTES = 64 * 2**20


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
    check_points(network, sources, what)
    check_points(network, targets, "targets")
    check_sources(sources, what)
    cutoff = check_limit("cutoff_m", cutoff_m)
    if int(chunk_size) < 1:
        raise ParameterError(
            f"chunk_size must be ≥ 1, got {chunk_size!r}.", fix="Use e.g. chunk_size=64."
        )
    cost = resolve_cost(network, edge_cost)
    c = cost_values(network, cost)
    src = attach(network, sources, c)
    tgt = attach(network, targets, c)
    n = network.n_nodes
    k = src.index.shape[0]
    n_s, n_t = len(sources), len(targets)
    s_pos, t_pos, direct = same_edge_pairs(src, tgt, c)
    tmap = TargetMap.build(tgt, c, n)
    local = LocalGraphs(network, c, src, sources, cutoff)
    order = local.spatial_order()
    chunk = int(max(1, min(int(chunk_size), _CHUNK_BUDGET_BYTES // (8 * (n + k)))))
    if local.radius is not None:
        chunk = min(chunk, LOCAL_CHUNK)
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




def _progress(it: Any, *, total: int, enabled: bool | None, desc: str) -> Any:
    from tqdm.auto import tqdm

    from proximity.config import progress_enabled

    show = progress_enabled() if enabled is None else bool(enabled)
    return tqdm(it, total=total, disable=not show, desc=desc, unit="chunk", leave=False)
