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
from proximity.routing._graph import Attach, attach, partial, same_key_pairs

if TYPE_CHECKING:
    from proximity.network import WalkNetwork

# --------------------------------------------------------------------------- chain contraction
_BIG = np.iinfo(np.int64).max
_Arrays3 = tuple[np.ndarray, np.ndarray, np.ndarray]
_Arrays4 = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
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
        topo = _topology(network, c)
        ends = _chain_ends(topo)
        pos = _positions(topo, ends)
        chain_node, length, end_b = _chain_layout(topo, ends, pos)
        e_chain, e_pu, e_pv = _edge_positions(topo, ends, chain_node, pos, length)
        knum = np.full(topo.n, -1, np.int64)
        k_nodes = np.flatnonzero(topo.kept)
        knum[k_nodes] = np.arange(k_nodes.size)
        nk = k_nodes.size
        indptr, indices, data = _contracted_csr(topo, knum, nk, (ends.a_kept, end_b, length))
        self.n_kept = nk
        self.indptr = indptr
        self.indices = indices
        self.data = data
        self.knum = knum
        self.chain_node = chain_node
        self.pos = pos
        self.length = length
        self.end_a = knum[ends.a_kept]
        self.end_b = knum[end_b]
        self.e_chain = e_chain
        self.e_pu = e_pu
        self.e_pv = e_pv
        self._targets: weakref.WeakKeyDictionary[Any, tuple[Attach, _TargetPlan]] = (
            weakref.WeakKeyDictionary()
        )

    #: The arrays of a built graph (:meth:`arrays`, :meth:`install`).
    FIELDS = (
        "indptr",
        "indices",
        "data",
        "knum",
        "chain_node",
        "pos",
        "length",
        "end_a",
        "end_b",
        "e_chain",
        "e_pu",
        "e_pv",
    )

    def arrays(self) -> dict[str, np.ndarray]:
        """The graph as arrays (for :meth:`install`, e.g. saved beside a network)."""
        return {"n_kept": np.array(self.n_kept), **{f: getattr(self, f) for f in self.FIELDS}}

    @classmethod
    def install(cls, network: WalkNetwork, arrays: dict[str, np.ndarray]) -> None:
        """Make ``arrays`` (from :meth:`arrays`) the plain-length graph of ``network``."""
        out = cls.__new__(cls)
        out.n_kept = int(arrays["n_kept"])
        for f in cls.FIELDS:
            setattr(out, f, arrays[f])
        out._targets = weakref.WeakKeyDictionary()
        _CHAIN_CACHE.setdefault(network, {})[b"length"] = out

    @staticmethod
    def drop(network: WalkNetwork) -> None:
        """Forget every graph of ``network`` (they are built again on first use)."""
        _CHAIN_CACHE.pop(network, None)

    # ------------------------------------------------------------------ search
    def targets(self, network: WalkNetwork, pts: Any, c: np.ndarray) -> tuple[Attach, Any]:
        """How the snapped points ``pts`` hang off this graph, for :meth:`nearest`.

        Cached per :class:`~proximity.snap.Snapped` object (its arrays are read-only when
        it comes from :func:`~proximity.snap.snap`; a Snapped is never changed in place),
        so the ten categories of a coverage analysis attach the demand once.
        """
        got = self._targets.get(pts)
        if got is None:
            tgt = attach(network, pts, c)
            t_ch = self.e_chain[tgt.edge]
            t_on = np.flatnonzero(t_ch >= 0)
            t_off = np.flatnonzero(t_ch < 0)
            ce_off = c[tgt.edge[t_off]]
            plan = _TargetPlan(
                on=t_on,
                on_chain=t_ch[t_on],
                on_pos=self._point_pos(tgt.edge[t_on], tgt.frac[t_on], c[tgt.edge[t_on]]),
                off=t_off,
                off_pu=partial(tgt.frac[t_off], ce_off),
                off_pv=partial(1.0 - tgt.frac[t_off], ce_off),
                on_order=np.argsort(t_ch[t_on], kind="stable"),
                edge_order=np.argsort(tgt.edge, kind="stable"),
            )
            got = self._targets[pts] = (tgt, plan)
        return got

    def nearest(
        self, rep: Attach, tgt: tuple[Attach, Any], c: np.ndarray, limit: float
    ) -> tuple[np.ndarray, np.ndarray]:
        """Per target: best graph distance (with access legs) and representative (-1).

        ``tgt`` is what :meth:`targets` returns.
        """
        tgt, plan = tgt
        entries, virtual = self._source_edges(rep, c)
        st = self._search(entries, virtual, rep.u.shape[0], limit)
        best = np.full(tgt.u.shape[0], np.inf)
        best_r = np.full(tgt.u.shape[0], -1, np.int64)
        if plan.on.size:
            d, r = self._at(st, plan.on_chain, plan.on_pos, plan.on_order)
            best[plan.on], best_r[plan.on] = d, r
        t_off = plan.off
        if t_off.size:
            du, ru = self._node(st, tgt.u[t_off])
            dv, rv = self._node(st, tgt.v[t_off])
            du = du + plan.off_pu
            dv = dv + plan.off_pv
            d, r = _pick(du, ru, dv, rv)
            best[t_off], best_r[t_off] = d, r
        best = np.where(best_r >= 0, best + tgt.access, np.inf)
        return best, best_r

    def _source_edges(self, rep: Attach, c: np.ndarray) -> tuple[_Arrays4, _Arrays3]:
        """How the sources join the contracted graph.

        Returns the *chain entries* ``(chain, position, cost, rep)`` of sources on a chain
        (or attached to an interior node) and the *virtual edges* ``(node, cost, rep)`` from
        each source to kept nodes: one per (source, node), the cheapest; a chain entry joins
        at both ends of its chain.
        """
        ce = c[rep.edge]
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
        return (e_ch, e_pos, e_cost, e_rep), (v_node[keep], v_cost[keep], v_rep[keep])

    def _search(self, entries: _Arrays4, virtual: _Arrays3, k: int, limit: float) -> _SearchState:
        """One min-only Dijkstra from the ``k`` sources over the contracted graph."""
        nk = self.n_kept
        v_node, v_cost, v_rep = virtual
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
        e_ch, e_pos, e_cost, e_rep = entries
        eo = np.lexsort((e_rep, e_ch))
        return _SearchState(d_k, r_k, e_ch[eo], e_pos[eo], e_cost[eo], e_rep[eo])

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

    def _at(
        self, st: _SearchState, ch: np.ndarray, p: np.ndarray, order: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Distance and representative at positions ``p`` of chains ``ch``.

        ``order``: ``ch``'s stable argsort, if known (the few chain entries are then looked
        up among the many points rather than each point among the entries; same pairs).
        """
        ln = self.length[ch]
        da, ra = st.d_kept[self.end_a[ch]] + p, st.r_kept[self.end_a[ch]]
        db, rb = st.d_kept[self.end_b[ch]] + (ln - p), st.r_kept[self.end_b[ch]]
        da = np.where(ra >= 0, da, np.inf)
        db = np.where(rb >= 0, db, np.inf)
        d, r = _pick(da, ra, db, rb)
        e_ch, e_pos, e_cost, e_rep = st.e_chain, st.e_pos, st.e_cost, st.e_rep
        if e_ch.size:
            q, j = same_key_pairs(e_ch, ch, order)
            if q.size:
                dd = e_cost[j] + np.abs(p[q] - e_pos[j])
                rr = e_rep[j]
                o = np.lexsort((rr, dd, q))
                first = np.ones(o.shape, bool)
                first[1:] = q[o][1:] != q[o][:-1]
                qq, dd, rr = q[o][first], dd[o][first], rr[o][first]
                d2, r2 = _pick(d[qq], r[qq], dd, rr)
                d[qq], r[qq] = d2, r2
        return d, r


@dataclass(frozen=True)
class _TargetPlan:
    """Where the targets of :meth:`ChainGraph.nearest` lie.

    Targets on a chain (positions ``on``: their chain and position) and off any chain
    (``off``: the partial costs to their edge's ``u`` and ``v``).
    """

    on: np.ndarray
    on_chain: np.ndarray
    on_pos: np.ndarray
    off: np.ndarray
    off_pu: np.ndarray
    off_pv: np.ndarray
    on_order: np.ndarray  # stable argsort of on_chain
    edge_order: np.ndarray  # stable argsort of the targets' edges


# --------------------------------------------------------------------------- build steps
@dataclass(frozen=True)
class _Topology:
    """Kept nodes and chain components of a network (over its passable edges only).

    Edge arrays (``eid, eu, ev, w, inner_e, bnd``) are indexed by *finite-edge position*;
    ``eid`` maps such a position to the network's edge id.
    """

    n: int  # number of network nodes
    n_edges: int  # number of network edges
    eid: np.ndarray  # edge id of each passable edge
    eu: np.ndarray
    ev: np.ndarray
    w: np.ndarray  # cost, raised to MIN_EDGE_WEIGHT_M
    kept: np.ndarray  # per node: degree ≠ 2, or the one node chosen per ring
    inner_e: np.ndarray  # per edge: both ends interior
    comp: np.ndarray  # per node: component label of the interior-edge graph
    bnd: np.ndarray  # per edge: exactly one end kept (a chain's A or B side)
    b_int: np.ndarray  # per boundary edge: its interior end


@dataclass(frozen=True)
class _ChainEnds:
    """Per chain its A side (the boundary edge with the lowest edge id) and its B side."""

    n_chain: int
    a_edge: np.ndarray  # finite-edge position of the A-side boundary edge
    a_int: np.ndarray  # its interior end (the chain's first node)
    a_kept: np.ndarray  # its kept end (node A)
    b2_edge: np.ndarray  # finite-edge positions of the B-side boundary edges
    b_chain: np.ndarray  # the chain of each B-side edge
    chain_of_comp: np.ndarray  # interior component -> chain (-1)


def _topology(network: WalkNetwork, c: np.ndarray) -> _Topology:
    """Kept nodes (degree ≠ 2, plus one node per ring without any) and interior components."""
    n = network.n_nodes
    eid = np.flatnonzero(np.isfinite(c))
    eu, ev = network.edge_u[eid], network.edge_v[eid]
    w = np.maximum(c[eid], MIN_EDGE_WEIGHT_M)
    kept = np.bincount(np.concatenate([eu, ev]), minlength=n) != 2
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
    return _Topology(n, network.n_edges, eid, eu, ev, w, kept, inner_e, comp, bnd, b_int)


def _chain_ends(t: _Topology) -> _ChainEnds:
    """Chains numbered by their interior components, with their A and B sides.

    The A side of a chain is its boundary edge with the lowest edge id, the other boundary
    edge is its B side.
    """
    b_idx = np.flatnonzero(t.bnd)
    b_comp = t.comp[t.b_int]
    o = np.lexsort((t.eid[b_idx], b_comp))
    b_idx, b_int, b_comp = b_idx[o], t.b_int[o], b_comp[o]
    first = np.ones(b_idx.shape, bool)
    first[1:] = b_comp[1:] != b_comp[:-1]
    a_edge, a_int, a_comp = b_idx[first], b_int[first], b_comp[first]
    b2_edge, b2_comp = b_idx[~first], b_comp[~first]  # the B side (one per chain)
    n_comp = int(t.comp.max()) + 1 if t.n else 0
    chain_of_comp = np.full(n_comp, -1, np.int64)
    chain_of_comp[a_comp] = np.arange(a_comp.size)
    a_kept = np.where(t.kept[t.eu[a_edge]], t.eu[a_edge], t.ev[a_edge])
    return _ChainEnds(
        n_chain=a_comp.size,
        a_edge=a_edge,
        a_int=a_int,
        a_kept=a_kept,
        b2_edge=b2_edge,
        b_chain=chain_of_comp[b2_comp],
        chain_of_comp=chain_of_comp,
    )


def _positions(t: _Topology, ends: _ChainEnds) -> np.ndarray:
    """Per node, its cost from its chain's A end along the chain (0 for kept nodes)."""
    inner = t.inner_e
    g = sp.csr_matrix(
        (
            np.concatenate([t.w[inner], t.w[inner]]),
            (
                np.concatenate([t.eu[inner], t.ev[inner]]),
                np.concatenate([t.ev[inner], t.eu[inner]]),
            ),
        ),
        shape=(t.n, t.n),
    )
    pos = _chain_positions(g, ends.a_int, t.w[ends.a_edge], t.n)
    if pos is None:  # very long chains: one Dijkstra over the interior edges instead
        pos = _dijkstra_positions(t, ends)
    return pos


def _dijkstra_positions(t: _Topology, ends: _ChainEnds) -> np.ndarray:
    """:func:`_chain_positions` by one multi-source Dijkstra over the interior edges."""
    inner, n_chain = t.inner_e, ends.n_chain
    pos = np.zeros(t.n)
    int_nodes = np.flatnonzero(~t.kept)
    ni = int_nodes.size
    inum = np.full(t.n, -1, np.int64)
    inum[int_nodes] = np.arange(ni)
    iu, iv = inum[t.eu[inner]], inum[t.ev[inner]]
    rows = np.concatenate([iu, iv, ni + np.arange(n_chain)])
    cols = np.concatenate([iv, iu, inum[ends.a_int]])
    data = np.concatenate([t.w[inner], t.w[inner], t.w[ends.a_edge]])
    pg = sp.csr_matrix((data, (rows, cols)), shape=(ni + n_chain, ni + n_chain))
    dpos = csgraph.dijkstra(pg, directed=True, indices=ni + np.arange(n_chain), min_only=True)
    pos[int_nodes] = dpos[:ni]
    return pos


def _chain_layout(
    t: _Topology, ends: _ChainEnds, pos: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per node its chain (-1 if kept); per chain its length ``L`` and kept end ``B``."""
    interior = ~t.kept
    chain_node = np.full(t.n, -1, np.int64)
    chain_node[interior] = ends.chain_of_comp[t.comp[interior]]
    b2 = ends.b2_edge
    b_int2 = np.where(t.kept[t.eu[b2]], t.ev[b2], t.eu[b2])
    b_kept = np.where(t.kept[t.eu[b2]], t.eu[b2], t.ev[b2])
    length = np.zeros(ends.n_chain)
    length[ends.b_chain] = pos[b_int2] + t.w[b2]
    end_b = np.empty(ends.n_chain, np.int64)
    end_b[ends.b_chain] = b_kept
    return chain_node, length, end_b


def _edge_positions(
    t: _Topology, ends: _ChainEnds, chain_node: np.ndarray, pos: np.ndarray, length: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per network edge its chain (-1) and the chain positions of its ``u`` and ``v`` ends."""
    kept, eu, ev = t.kept, t.eu, t.ev
    interior = ~kept
    e_chain = np.full(t.n_edges, -1, np.int64)
    e_pu = np.zeros(t.n_edges)
    e_pv = np.zeros(t.n_edges)
    ch = np.where(interior[eu], chain_node[eu], chain_node[ev])
    in_chain = interior[eu] | interior[ev]
    e_chain[t.eid[in_chain]] = ch[in_chain]
    pu = np.where(interior[eu], pos[eu], 0.0)
    pv = np.where(interior[ev], pos[ev], 0.0)
    # the kept end of a boundary edge is at 0 (A side) or L (B side)
    is_b = np.zeros(t.eid.shape, bool)
    is_b[ends.b2_edge] = True
    chl = length[np.maximum(ch, 0)] if ends.n_chain else np.zeros(ch.shape)
    pu = np.where(kept[eu] & is_b, chl, pu)
    pv = np.where(kept[ev] & is_b, chl, pv)
    e_pu[t.eid[in_chain]] = pu[in_chain]
    e_pv[t.eid[in_chain]] = pv[in_chain]
    return e_chain, e_pu, e_pv


def _contracted_csr(
    t: _Topology, knum: np.ndarray, nk: int, chains: tuple[np.ndarray, np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CSR arrays of the contracted graph on kept nodes (numbered by ``knum``).

    Kept–kept edges plus one edge ``A–B`` per chain (``chains = (A, B, L)``, loops with
    ``A == B`` dropped); parallel edges reduced to their minimum.
    """
    end_a, end_b, length = chains
    kk = t.kept[t.eu] & t.kept[t.ev]
    cu = np.concatenate([knum[t.eu[kk]], knum[end_a]])
    cv = np.concatenate([knum[t.ev[kk]], knum[end_b]])
    cw = np.concatenate([t.w[kk], length])
    loop = cu == cv
    cu, cv, cw = cu[~loop], cv[~loop], cw[~loop]
    r, q, ww = _min_by_pair(
        np.concatenate([cu, cv]), np.concatenate([cv, cu]), np.concatenate([cw, cw]), nk
    )
    indptr = np.concatenate([[0], np.cumsum(np.bincount(r, minlength=nk))]).astype(np.int32)
    return indptr, q.astype(np.int32), ww


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
    """Distinct ``(r, q)`` pairs (values in ``[0, nk)``), each with its smallest ``w``.

    Sorted by ``r`` then ``q``: what ``lexsort((w, q, r))`` + keep-first gives, faster: two
    stable radix passes on 16-bit keys when ``nk`` fits, else one sort of ``r·nk + q``.
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
    """One search on a :class:`ChainGraph`.

    Per kept node the distance and representative, and the sources' chain entries sorted by
    chain (chain, position, cost, representative).
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
