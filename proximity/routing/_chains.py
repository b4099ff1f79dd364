"""Degree-2 chain contraction of the walking network, for exact multi-source searches."""

from __future__ import annotations

import hashlib
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp
from scipy.sparse import csgraph

from proximity.network import MIN_EDGE_WEIGHT_M
from proximity.routing._graph import Attach, partial

if TYPE_CHECKING:
    from proximity.network import WalkNetwork

# --------------------------------------------------------------------------- chain contraction
_BIG = np.iinfo(np.int64).max
_CHAIN_CACHE: weakref.WeakKeyDictionary[Any, dict[bytes, Any]] = weakref.WeakKeyDictionary()


class ChainGraph:
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
    def get(cls, network: WalkNetwork, cost: np.ndarray | None, c: np.ndarray) -> ChainGraph:
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
        self, rep: Attach, tgt: Attach, c: np.ndarray, limit: float
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
            du = du + partial(tgt.frac[t_off], ce_t)
            dv = dv + partial(1.0 - tgt.frac[t_off], ce_t)
            d, r = _pick(du, ru, dv, rv)
            best[t_off], best_r[t_off] = d, r
        best = np.where(best_r >= 0, best + tgt.access, np.inf)
        return best, best_r

    def _point_pos(self, edge: np.ndarray, frac: np.ndarray, ce: np.ndarray) -> np.ndarray:
        """Position along its chain of a point at ``frac`` on a chain edge."""
        pu, pv = self.e_pu[edge], self.e_pv[edge]
        return np.where(pv >= pu, pu + partial(frac, ce), pv + partial(1.0 - frac, ce))

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
    """One search on a :class:`ChainGraph`: per kept node the distance and representative,
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


