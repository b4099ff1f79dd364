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

    def spatial_order(self) -> np.ndarray:
        """Source positions in Z-order of their snapped points (identity without pruning)."""
        k = self.src.index.shape[0]
        if self.radius is None or k < 2:
            return np.arange(k)
        cell = max(self.radius / 4.0, 1.0)
        ix = ((self.sx - self.sx.min()) // cell).astype(np.int64)
        iy = ((self.sy - self.sy.min()) // cell).astype(np.int64)
        return np.lexsort((np.arange(k), morton_key(ix, iy)))

    def _full_graph(self) -> sp.csr_matrix:
        if self._full is None:
            base = sp.csr_matrix(
                (
                    np.concatenate([self.w, self.w]),
                    (np.concatenate([self.eu, self.ev]), np.concatenate([self.ev, self.eu])),
                ),
                shape=(self.n, self.n),
            )
            self._full = augmented_graph(base, self.src)
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
class TargetMap:
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
    def build(cls, tgt: Attach, c: np.ndarray, n: int) -> TargetMap:
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
            pu=tgt.access + partial(tgt.frac, ce),
            pv=tgt.access + partial(1.0 - tgt.frac, ce),
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
        *,
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
