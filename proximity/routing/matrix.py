"""Bounded many-to-many distances: :func:`bounded_matrix`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp
from scipy.sparse import csgraph

from proximity.errors import ParameterError
from proximity.routing._chain_matrix import (
    ChainLocal,
    ChainTargets,
    chain_targets,
    same_chain_pairs,
    subset,
)
from proximity.routing._chains import ChainGraph
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
    subgraph inside that box only. The searches run on the chain-contracted graph
    (:class:`ChainGraph`, :mod:`proximity.routing._chain_matrix`), each target taking the
    better of its two kept ends and the straight way from a source on its chain or edge; on
    the full graph only when a target's edge end lies inside a chain (impassable edges).
    Memory: one chunk's dense Dijkstra output plus the result (12 bytes per stored entry,
    twice while it is assembled).
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
    local = LocalGraphs(network, c, src, sources, cutoff)
    same = same_edge_pairs(src, tgt, c)
    cg = ChainGraph.get(network, cost, c)
    tg = chain_targets(cg, tgt, c)
    job: _MatrixJob | _ChainJob
    if tg is not None:
        job = _ChainJob(cg, ChainLocal(cg, (network.node_x, network.node_y)), tg, c)
        job.setup(src, tgt, same, local, cutoff)
        n = cg.n_kept
    else:
        job = _MatrixJob(src, tgt, same, TargetMap.build(tgt, c, n), local, cutoff)
    order = local.spatial_order()
    chunk = int(max(1, min(int(chunk_size), _CHUNK_BUDGET_BYTES // (8 * (n + k)))))
    if local.radius is not None:
        chunk = min(chunk, LOCAL_CHUNK)
    starts = range(0, k, chunk) if tgt.index.size else range(0)
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
    bar = _progress(starts, total=len(starts), enabled=progress, desc=f"matrix ({what})")
    for a in bar:
        members = np.sort(order[a : a + chunk])  # ascending position = ascending row
        parts.append(job.chunk_rows(members))
    return _assemble_csr(parts, (len(sources), len(targets)))


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
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Entries ≤ cutoff of the rows of source positions ``members`` (ascending).

        Returns the global rows of the members, the entry count per member, and the target
        columns (int32) and distances of the entries, sorted by (row, column).
        """
        graph, virt, col_nodes, pos = self.local.graph_for(members)
        dist = csgraph.dijkstra(graph, directed=True, indices=virt, limit=self.cutoff)
        try:
            same = _same_for(self.same, members)
            _, tp, val, counts = self.tmap.entries(dist, col_nodes, pos, same, self.cutoff)
        finally:
            self.local.release()
        return self.src.index[members], counts, self.tgt.index[tp].astype(np.int32), val


class _ChainJob:
    """:class:`_MatrixJob` on the chain-contracted graph (:mod:`._chain_matrix`)."""

    def __init__(self, cg: ChainGraph, local: ChainLocal, tg: ChainTargets, c: np.ndarray):
        self.cg, self.clocal, self.tg, self.c = cg, local, tg, c

    def setup(
        self,
        src: Attach,
        tgt: Attach,
        same: tuple[np.ndarray, np.ndarray, np.ndarray],
        local: LocalGraphs,
        cutoff: float,
    ) -> None:
        self.src, self.tgt, self.same, self.local, self.cutoff = src, tgt, same, local, cutoff

    def chunk_rows(
        self, members: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """As :meth:`_MatrixJob.chunk_rows`."""
        k = members.size
        entries, (v_node, v_cost, v_row) = self.cg._source_edges(subset(self.src, members), self.c)
        g, sub = self.clocal.graph_for(
            self.local.box(members), (v_row, v_node, v_cost), k, _local_max_share()
        )
        dist = csgraph.dijkstra(
            g, directed=True, indices=sub.size + np.arange(k), limit=self.cutoff
        )
        try:
            e_rows, e_t, e_d = _same_for(self.same, members)
            c_rows, c_t, c_d = same_chain_pairs(self.tg, entries)
            same = (
                np.concatenate([e_rows, c_rows]),
                np.concatenate([e_t, c_t]),
                np.concatenate([e_d, c_d]),
            )
            _, tp, val, counts = self.tg.tmap.entries(dist, sub, self.clocal.pos, same, self.cutoff)
        finally:
            self.clocal.release(sub)
        return self.src.index[members], counts, self.tgt.index[tp].astype(np.int32), val


def _local_max_share() -> float:
    from proximity.routing import _local

    return _local._LOCAL_MAX_SHARE


def _same_for(
    same: tuple[np.ndarray, np.ndarray, np.ndarray], members: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The same-edge pairs of the sources ``members``: (row in members, target, direct)."""
    s_pos, t_pos, direct = same
    lo = np.searchsorted(s_pos, members, side="left")
    hi = np.searchsorted(s_pos, members, side="right")
    cnt = hi - lo
    sel = np.repeat(np.arange(members.size), cnt)
    pair = np.arange(int(cnt.sum())) + np.repeat(lo - (np.cumsum(cnt) - cnt), cnt)
    return sel, t_pos[pair], direct[pair]


def _assemble_csr(
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]],
    shape: tuple[int, int],
) -> sp.csr_matrix:
    """One CSR matrix from the chunks' (rows, counts per row, columns, values).

    The chunks' rows are stacked in chunk order (each chunk sorted by row and column), then
    put in row order by one compiled row gather; rows of no chunk are empty.
    """
    n_s = shape[0]
    rows = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0, np.int64)
    counts = np.concatenate([p[1] for p in parts]) if parts else np.zeros(0, np.int64)
    indices = np.concatenate([p[2] for p in parts]) if parts else np.zeros(0, np.int32)
    data = np.concatenate([p[3] for p in parts]) if parts else np.zeros(0)
    parts.clear()
    indptr = np.zeros(rows.size + 2, np.int64)  # one empty row at the end, for the others
    np.cumsum(counts, out=indptr[1 : rows.size + 1])
    indptr[-1] = indptr[-2]
    if indptr[-1] < np.iinfo(np.int32).max:
        indptr = indptr.astype(np.int32)
    stacked = sp.csr_matrix((data, indices, indptr), shape=(rows.size + 1, shape[1]))
    stacked.has_sorted_indices = True
    where = np.full(n_s, rows.size, np.int64)
    where[rows] = np.arange(rows.size)
    out = stacked[where]
    out.has_sorted_indices = True  # each row was sorted by column
    return out


def _progress(it: Any, *, total: int, enabled: bool | None, desc: str) -> Any:
    from tqdm.auto import tqdm

    from proximity.config import progress_enabled

    show = progress_enabled() if enabled is None else bool(enabled)
    return tqdm(it, total=total, disable=not show, desc=desc, unit="chunk", leave=False)
