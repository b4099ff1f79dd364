"""Bounded many-to-many distances: :func:`bounded_matrix`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp
from scipy.sparse import csgraph

from proximity.errors import ParameterError
from proximity.routing._graph import (
    Attach,
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
    job = _MatrixJob(
        src=src,
        tgt=tgt,
        same=same_edge_pairs(src, tgt, c),
        tmap=TargetMap.build(tgt, c, n),
        local=LocalGraphs(network, c, src, sources, cutoff),
        cutoff=cutoff,
    )
    order = job.local.spatial_order()
    chunk = int(max(1, min(int(chunk_size), _CHUNK_BUDGET_BYTES // (8 * (n + k)))))
    if job.local.radius is not None:
        chunk = min(chunk, LOCAL_CHUNK)
    starts = range(0, k, chunk)
    row_counts = np.zeros(len(sources), np.int64)
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    bar = _progress(starts, total=len(starts), enabled=progress, desc=f"matrix ({what})")
    for a in bar:
        members = order[a : a + chunk]
        part = job.chunk_rows(members)
        if part is not None:
            g_rows, cols, vals, counts = part
            row_counts[src.index[members]] = counts
            parts.append((g_rows, cols, vals))
    return _assemble_csr(parts, row_counts, (len(sources), len(targets)))


@dataclass(frozen=True)
class _MatrixJob:
    """What every chunk of :func:`bounded_matrix` needs.

    The attachments, the same-edge pairs (``(source pos, target pos, direct distance)``,
    sorted by source), the target map, the per-chunk graphs and the cutoff.
    """

    src: Attach
    tgt: Attach
    same: tuple[np.ndarray, np.ndarray, np.ndarray]
    tmap: TargetMap
    local: LocalGraphs
    cutoff: float

    def chunk_rows(
        self, members: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
        """Entries ≤ cutoff of the rows of source positions ``members``.

        Returns global rows, target columns (int32) and distances sorted by (row, column),
        plus the entry count per member; ``None`` when there are no targets.
        """
        src, cutoff = self.src, self.cutoff
        graph, virt, col_nodes, pos = self.local.graph_for(members)
        dist = csgraph.dijkstra(graph, directed=True, indices=virt, limit=cutoff)
        try:
            if not self.tmap.size:
                return None
            s_pos, t_pos, direct = self.same
            lo = np.searchsorted(s_pos, members, side="left")
            hi = np.searchsorted(s_pos, members, side="right")
            cnt = hi - lo
            sel = np.repeat(np.arange(members.size), cnt)
            pair = np.arange(int(cnt.sum())) + np.repeat(
                lo - np.concatenate([[0], np.cumsum(cnt)[:-1]]), cnt
            )
            rows, tp, val = self.tmap.reached(
                dist,
                col_nodes,
                pos,
                src.edge[members],
                same_r=sel,
                same_t=t_pos[pair],
                same_direct=direct[pair],
            )
        finally:
            self.local.release()
        keep = val <= cutoff
        rows, tp, val = rows[keep], tp[keep], val[keep]
        # sort by (global row, column) here, so the assembled matrix needs no sort_indices
        rank = np.empty(members.size, np.int64)
        rank[np.argsort(src.index[members])] = np.arange(members.size)
        cols = self.tgt.index[tp]
        srt = np.argsort(rank[rows] * (int(cols.max(initial=0)) + 1) + cols)
        g_rows = src.index[members[rows[srt]]]
        counts = np.bincount(rows, minlength=members.size)
        return g_rows, cols[srt].astype(np.int32), val[srt], counts


def _assemble_csr(
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]],
    row_counts: np.ndarray,
    shape: tuple[int, int],
) -> sp.csr_matrix:
    """One CSR matrix from the chunks' (rows, columns, values), each sorted by row."""
    n_s = shape[0]
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
    out = sp.csr_matrix((data, indices, indptr), shape=shape)
    out.has_sorted_indices = True  # each part is sorted by (row, column)
    return out


def _progress(it: Any, *, total: int, enabled: bool | None, desc: str) -> Any:
    from tqdm.auto import tqdm

    from proximity.config import progress_enabled

    show = progress_enabled() if enabled is None else bool(enabled)
    return tqdm(it, total=total, disable=not show, desc=desc, unit="chunk", leave=False)
