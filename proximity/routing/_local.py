"""Per-chunk search graphs and target lookup for :func:`~proximity.routing.bounded_matrix`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from proximity._geom import morton_key, segment_length
from proximity.network import MIN_EDGE_WEIGHT_M
from proximity.routing._graph import Attach, augmented_graph, partial
from proximity.snap import Snapped

if TYPE_CHECKING:
    from proximity.network import WalkNetwork

#: Use a local subgraph only when it has at most this share of the network's nodes.
_LOCAL_MAX_SHARE = 0.5
#: Sources per Dijkstra call when local subgraphs are used (smaller chunks, smaller boxes).
LOCAL_CHUNK = 16


class LocalGraphs:
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
        src: Attach,
        sources: Snapped,
        cutoff: float,
    ) -> None:
        self.network = network
        self.src = src
        self.n = network.n_nodes
        self.sx = sources.snap_x[src.index]
        self.sy = sources.snap_y[src.index]
        seg = segment_length(network)
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
        self._base_csr: sp.csr_matrix | None = None

    def spatial_order(self) -> np.ndarray:
        """Source positions in Z-order of their snapped points (identity without pruning)."""
        k = self.src.index.shape[0]
        if self.radius is None or k < 2:
            return np.arange(k)
        cell = max(self.radius / 4.0, 1.0)
        ix = ((self.sx - self.sx.min()) // cell).astype(np.int64)
        iy = ((self.sy - self.sy.min()) // cell).astype(np.int64)
        return np.lexsort((np.arange(k), morton_key(ix, iy)))

    @property
    def _base(self) -> sp.csr_matrix:
        """The symmetric CSR of the passable edges (built once)."""
        if self._base_csr is None:
            self._base_csr = sp.csr_matrix(
                (
                    np.concatenate([self.w, self.w]),
                    (np.concatenate([self.eu, self.ev]), np.concatenate([self.ev, self.eu])),
                ),
                shape=(self.n, self.n),
            )
            self._base_csr.sort_indices()
        return self._base_csr

    def _full_graph(self) -> sp.csr_matrix:
        if self._full is None:
            self._full = augmented_graph(self._base, self.src)
        return self._full

    def box(self, members: np.ndarray) -> tuple[float, float, float, float] | None:
        """``(x0, x1, y0, y1)``, the bounding box of the members' reach discs, or None."""
        if self.radius is None:
            return None
        r = self.radius
        sx, sy = self.sx[members], self.sy[members]
        return sx.min() - r, sx.max() + r, sy.min() - r, sy.max() + r

    def graph_for(
        self, members: np.ndarray
    ) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray | None, np.ndarray | None]:
        """(graph, virtual node indices, column → node or None, node → column or None).

        A local graph's last node is isolated (unreached from every source), so that its
        column of the Dijkstra output stands for every node outside the graph.
        """
        net = self.network
        box = self.box(members)
        if box is not None:
            x0, x1, y0, y1 = box
            inbox = (
                (net.node_x >= x0) & (net.node_x <= x1) & (net.node_y >= y0) & (net.node_y <= y1)
            )
            sub = np.flatnonzero(inbox)
            if sub.size <= _LOCAL_MAX_SHARE * self.n:
                self._sub = sub
                self._pos[sub] = np.arange(sub.size)
                g = self._local_graph(sub, members)
                return g, sub.size + np.arange(members.size), sub, self._pos
        return self._full_graph(), self.n + members, None, None

    def _local_graph(self, sub: np.ndarray, members: np.ndarray) -> sp.csr_matrix:
        """The chunk's graph: the nodes ``sub``, a virtual node per member, an isolated node.

        ``sub`` is numbered by ``self._pos``; its rows are cut out of the network's CSR (no
        conversion from COO). The virtual nodes have edges out of them only.
        """
        m, pos, base = sub.size, self._pos, self._base
        start = base.indptr[sub].astype(np.int64)
        cnt = base.indptr[sub + 1] - start
        total = int(cnt.sum())
        idx = np.arange(total) + np.repeat(start - (np.cumsum(cnt) - cnt), cnt)
        col = pos[base.indices[idx]]
        keep = col >= 0
        row_counts = np.bincount(np.repeat(np.arange(m), cnt)[keep], minlength=m)
        src = self.src
        ends = np.stack([pos[src.u[members]], pos[src.v[members]]], axis=1)
        w = np.stack([src.cost_u[members], src.cost_v[members]], axis=1)
        ok = (ends >= 0) & np.isfinite(w)
        counts = np.concatenate([row_counts, ok.sum(axis=1), [0]])
        indptr = np.zeros(counts.size + 1, np.int64)
        np.cumsum(counts, out=indptr[1:])
        size = m + members.size + 1  # the last node is isolated: inf in every row
        return sp.csr_matrix(
            (
                np.concatenate([base.data[idx[keep]], np.maximum(w[ok], MIN_EDGE_WEIGHT_M)]),
                np.concatenate([col[keep], ends[ok]]).astype(np.int32),
                indptr.astype(np.int32),
            ),
            shape=(size, size),
        )

    def release(self) -> None:
        """Reset the node → column map after a local chunk."""
        if self._sub is not None:
            self._pos[self._sub] = -1
            self._sub = None


#: Largest dense block of target distances built at once in :meth:`TargetMap.entries` (bytes).
_BLOCK_BYTES = 64 * 2**20


@dataclass(frozen=True)
class TargetMap:
    """Targets by their edge ends, to turn a chunk's node distances into target distances.

    Per routable target (position ``p``): its edge ends ``u``, ``v``, the full costs from each
    end (``pu = access + b·c``, ``pv = access + (1 − b)·c``) and the network size.
    """

    u: np.ndarray
    v: np.ndarray
    pu: np.ndarray
    pv: np.ndarray
    n_nodes: int

    @property
    def size(self) -> int:
        return int(self.u.shape[0])

    @classmethod
    def build(cls, tgt: Attach, c: np.ndarray, n: int) -> TargetMap:
        ce = c[tgt.edge]
        return cls(
            u=tgt.u,
            v=tgt.v,
            pu=tgt.access + partial(tgt.frac, ce),
            pv=tgt.access + partial(1.0 - tgt.frac, ce),
            n_nodes=n,
        )

    def touched(
        self, dist: np.ndarray, col_nodes: np.ndarray | None, also: np.ndarray
    ) -> np.ndarray:
        """Sorted positions of the touched targets and of the targets ``also``.

        A target is touched when an end of its edge is reached by some row of ``dist``.
        """
        n_cols = self.n_nodes if col_nodes is None else col_nodes.shape[0]
        hit = np.isfinite(dist[:, :n_cols]).any(axis=0)
        mark = np.zeros(self.n_nodes, bool)
        mark[np.flatnonzero(hit) if col_nodes is None else col_nodes[hit]] = True
        sel = mark[self.u] | mark[self.v]
        sel[also] = True
        return np.flatnonzero(sel)

    def entries(
        self,
        dist: np.ndarray,
        col_nodes: np.ndarray | None,
        pos: np.ndarray | None,
        same: tuple[np.ndarray, np.ndarray, np.ndarray],
        cutoff: float,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(row, target position, distance) of every entry ≤ ``cutoff``, and counts per row.

        ``dist`` is the chunk's Dijkstra output (one row per source); its first columns are
        network nodes (all of them when ``col_nodes`` is None, else the nodes ``col_nodes``
        with the inverse map ``pos``: node → column or -1). A target's distance is
        ``min(d(u) + pu, d(v) + pv)``, and for ``same = (row, target, direct)`` (source
        and target on one edge) also the straight way along the edge. The distances are
        computed densely for the targets touched by the chunk (rows × touched targets, in
        row blocks of at most 64 MB), so entries come sorted by (row, target position).
        """
        same_r, same_t, same_d = same
        if same_r.size:  # one direct candidate per (row, target): the smallest
            o = np.lexsort((same_d, same_t, same_r))
            same_r, same_t, same_d = same_r[o], same_t[o], same_d[o]
            first = np.ones(o.shape, bool)
            first[1:] = (same_r[1:] != same_r[:-1]) | (same_t[1:] != same_t[:-1])
            same_r, same_t, same_d = same_r[first], same_t[first], same_d[first]
        t_sel = self.touched(dist, col_nodes, same_t)
        k = dist.shape[0]
        cu, cv = self.u[t_sel], self.v[t_sel]
        if pos is not None:  # nodes outside the local graph: its last (isolated) node
            iso = dist.shape[1] - 1
            cu, cv = pos[cu], pos[cv]
            cu[cu < 0] = iso
            cv[cv < 0] = iso
        pu, pv = self.pu[t_sel], self.pv[t_sel]
        same_c = np.searchsorted(t_sel, same_t)
        step = max(1, _BLOCK_BYTES // (16 * max(t_sel.size, 1)))
        rows, cols, vals = [], [], []
        for a in range(0, k, step):
            block = dist[a : a + step]
            dd = np.take(block, cu, axis=1)
            dd += pu
            dv = np.take(block, cv, axis=1)
            dv += pv
            np.minimum(dd, dv, out=dd)
            del dv
            sb = (same_r >= a) & (same_r < a + step)
            if sb.any():
                r, c = same_r[sb] - a, same_c[sb]
                dd[r, c] = np.minimum(dd[r, c], same_d[sb])
            keep = dd <= cutoff
            r, c = np.nonzero(keep)
            rows.append(r + a)
            cols.append(c)
            vals.append(dd[keep])
        r = np.concatenate(rows)
        return r, t_sel[np.concatenate(cols)], np.concatenate(vals), np.bincount(r, minlength=k)
