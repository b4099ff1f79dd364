""":func:`~proximity.routing.bounded_matrix` on the chain-contracted graph (:class:`ChainGraph`).

The searches run over the kept nodes only (about 2.5× fewer than the network's nodes on OSM
data); each target then takes the better of its two kept ends, exactly as
:meth:`ChainGraph.nearest` does for one source set:

- a target on a chain at position ``p`` (cost from the chain's end ``A``): ``A`` at ``p`` and
  ``B`` at ``L − p``, plus the straight way along the chain from a source on the same chain;
- a target on an edge between two kept nodes: ``u`` and ``v`` as in the full graph, plus
  the straight way along the edge from a source on the same edge.

Each chunk of sources is searched on the kept nodes inside the bounding box of its sources'
reach discs (see :class:`~proximity.routing._local.LocalGraphs`), with one virtual node per
source (its edges to kept nodes from :meth:`ChainGraph._source_edges`) and one isolated node.
When a target's edge end lies inside a chain although the edge itself is not on one (an
impassable edge), :func:`chain_targets` returns None and the caller uses the full graph.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from proximity.network import MIN_EDGE_WEIGHT_M
from proximity.routing._graph import Attach, partial
from proximity.routing._local import TargetMap

if TYPE_CHECKING:
    from proximity.routing._chains import ChainGraph


@dataclasses.dataclass(frozen=True)
class ChainTargets:
    """The targets on the contracted graph.

    ``tmap`` holds per target its two kept ends (as ``u``, ``v``) and the costs from them
    (access included); per on-chain target its chain ``ch`` and position ``p``; and the
    on-chain targets sorted by chain (``by_chain``) with each chain's first index and count.
    """

    tmap: TargetMap
    ch: np.ndarray
    p: np.ndarray
    access: np.ndarray
    by_chain: np.ndarray
    start: np.ndarray
    count: np.ndarray


def chain_targets(cg: ChainGraph, tgt: Attach, c: np.ndarray) -> ChainTargets | None:
    """The targets' ends on ``cg``; None when an end lies inside a chain (see module)."""
    ce = c[tgt.edge]
    ch = cg.e_chain[tgt.edge]
    on = ch >= 0
    chs = np.maximum(ch, 0)
    p = np.where(on, cg._point_pos(tgt.edge, tgt.frac, ce), 0.0)
    ka = np.where(on, cg.end_a[chs] if cg.end_a.size else -1, cg.knum[tgt.u])
    kb = np.where(on, cg.end_b[chs] if cg.end_b.size else -1, cg.knum[tgt.v])
    if (ka < 0).any() or (kb < 0).any():
        return None
    length = cg.length[chs] if cg.length.size else np.zeros(ch.shape)
    ca = np.where(on, p, partial(tgt.frac, ce)) + tgt.access
    cb = np.where(on, length - p, partial(1.0 - tgt.frac, ce)) + tgt.access
    n_chain = cg.length.shape[0]
    onp = np.flatnonzero(on)
    by_chain = onp[np.argsort(ch[onp], kind="stable")]
    count = np.bincount(ch[onp], minlength=n_chain)
    start = np.cumsum(count) - count
    return ChainTargets(
        tmap=TargetMap(u=ka, v=kb, pu=ca, pv=cb, n_nodes=cg.n_kept),
        ch=ch,
        p=p,
        access=tgt.access,
        by_chain=by_chain,
        start=start,
        count=count,
    )


class ChainLocal:
    """Per-chunk search graphs over the kept nodes of a :class:`ChainGraph`."""

    def __init__(self, cg: ChainGraph, node_xy: tuple[np.ndarray, np.ndarray]) -> None:
        self.cg = cg
        kept = np.flatnonzero(cg.knum >= 0)
        self.kx, self.ky = node_xy[0][kept], node_xy[1][kept]
        self.pos = np.full(cg.n_kept, -1, np.int64)

    def graph_for(
        self,
        box: tuple[float, float, float, float] | None,
        virtual: tuple[np.ndarray, np.ndarray, np.ndarray],
        k: int,
        max_share: float,
    ) -> tuple[sp.csr_matrix, np.ndarray]:
        """(graph, kept nodes in it) for a chunk of ``k`` sources.

        ``box = (x0, x1, y0, y1)`` or None (all kept nodes; also when the box holds more
        than ``max_share`` of them); ``virtual = (row, kept node, cost)`` sorted by row.
        ``self.pos`` maps kept node → column until :meth:`release`.
        """
        cg, pos = self.cg, self.pos
        sub = np.arange(cg.n_kept)
        if box is not None:
            x0, x1, y0, y1 = box
            inbox = np.flatnonzero(
                (self.kx >= x0) & (self.kx <= x1) & (self.ky >= y0) & (self.ky <= y1)
            )
            if inbox.size <= max_share * cg.n_kept:
                sub = inbox
        m = sub.size
        pos[sub] = np.arange(m)
        start = cg.indptr[sub].astype(np.int64)
        cnt = cg.indptr[sub + 1] - start
        idx = np.arange(int(cnt.sum())) + np.repeat(start - (np.cumsum(cnt) - cnt), cnt)
        col = pos[cg.indices[idx]]
        keep = col >= 0
        row_counts = np.bincount(np.repeat(np.arange(m), cnt)[keep], minlength=m)
        v_row, v_node, v_cost = virtual
        v_col = pos[v_node]
        ok = (v_col >= 0) & np.isfinite(v_cost)
        counts = np.concatenate([row_counts, np.bincount(v_row[ok], minlength=k), [0]])
        indptr = np.zeros(counts.size + 1, np.int64)
        np.cumsum(counts, out=indptr[1:])
        size = m + k + 1  # the last node is isolated: inf in every row
        g = sp.csr_matrix(
            (
                np.concatenate([cg.data[idx[keep]], np.maximum(v_cost[ok], MIN_EDGE_WEIGHT_M)]),
                np.concatenate([col[keep], v_col[ok]]).astype(np.int32),
                indptr.astype(np.int32),
            ),
            shape=(size, size),
        )
        return g, sub

    def release(self, sub: np.ndarray) -> None:
        """Reset the kept node → column map after a chunk."""
        self.pos[sub] = -1


def subset(att: Attach, members: np.ndarray) -> Attach:
    """The attachments of the sources at positions ``members``."""
    return Attach(**{f.name: getattr(att, f.name)[members] for f in dataclasses.fields(att)})


def same_chain_pairs(
    tg: ChainTargets, entries: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row, target, direct) for every source chain entry and target on the same chain.

    ``entries = (chain, position, cost, row)`` from :meth:`ChainGraph._source_edges`;
    direct = entry cost + |position difference| + the target's access leg.
    """
    e_ch, e_pos, e_cost, e_row = entries
    cnt = tg.count[e_ch] if e_ch.size else np.zeros(0, np.int64)
    total = int(cnt.sum())
    if total == 0:
        z = np.zeros(0, np.int64)
        return z, z, np.zeros(0)
    sel = np.repeat(np.arange(e_ch.size), cnt)
    t = tg.by_chain[np.arange(total) + np.repeat(tg.start[e_ch] - (np.cumsum(cnt) - cnt), cnt)]
    direct = e_cost[sel] + np.abs(e_pos[sel] - tg.p[t]) + tg.access[t]
    return e_row[sel], t, direct
