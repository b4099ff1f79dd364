"""Independent networkx reference and synthetic networks shared by tests/test_routing_*.py.

The independent reference inserts every snapped point into a networkx copy of the network as
a node: each edge that carries points is split into a chain ``u → p1 → p2 → … → v`` (sorted by
offset, pieces weighted by their share of the edge cost), and every point hangs off its chain
node by its access leg. Distances are then plain networkx Dijkstra distances between the
pendant point nodes; none of the engine's tricks (virtual nodes, min_only, same-edge
candidates) is reused.
"""

from __future__ import annotations

import itertools
import math

import networkx as nx
import numpy as np
import scipy.sparse as sp
from _real import helsinki_network

from proximity.network import WalkNetwork
from proximity.routing import Nearest
from proximity.snap import Snapped, snap

TOL = 1e-6


# --------------------------------------------------------------------------- reference
def reference_graph(
    net: WalkNetwork, points: dict[str, Snapped], cost: np.ndarray | None = None
) -> nx.Graph:
    """networkx graph of ``net`` with the routable points of each set inserted as nodes.

    Point nodes are ``(set_name, i, "pt")`` (the point) and ``(set_name, i, "snap")`` (its
    projection on the edge).
    """
    c = net.edge_length_m if cost is None else cost
    seg = np.hypot(
        net.node_x[net.edge_v] - net.node_x[net.edge_u],
        net.node_y[net.edge_v] - net.node_y[net.edge_u],
    )
    on_edge: dict[int, list[tuple[float, tuple]]] = {}
    g = nx.Graph()
    g.add_nodes_from(range(net.n_nodes))
    for name, pts in points.items():
        for i in np.flatnonzero(pts.routable):
            e = int(pts.edge[i])
            f = float(pts.offset_m[i] / seg[e]) if seg[e] > 0 else 0.0
            f = min(max(f, 0.0), 1.0)
            on_edge.setdefault(e, []).append((f, (name, int(i))))
            g.add_edge((name, int(i), "pt"), (name, int(i), "snap"), weight=float(pts.access_m[i]))

    def piece(df: float, ce: float) -> float:
        return 0.0 if df <= 0 else df * ce

    for e in range(net.n_edges):
        u, v, ce = int(net.edge_u[e]), int(net.edge_v[e]), float(c[e])
        chain = sorted(on_edge.get(e, []))
        prev, prev_f = u, 0.0
        for f, key in chain:
            node = (*key, "snap")
            w = piece(f - prev_f, ce)
            if math.isfinite(w):
                g.add_edge(prev, node, weight=w)
            prev, prev_f = node, f
        w = piece(1.0 - prev_f, ce)
        if math.isfinite(w) and prev != v:
            g.add_edge(prev, v, weight=w)
    return g


def reference_all_pairs(
    g: nx.Graph, sources: Snapped, targets: Snapped, cutoff: float | None = None
) -> np.ndarray:
    """Dense n_sources × n_targets distances (inf if unreachable or beyond cutoff)."""
    out = np.full((len(sources), len(targets)), np.inf)
    for i in np.flatnonzero(sources.routable):
        d = nx.single_source_dijkstra_path_length(g, ("s", int(i), "pt"), cutoff=cutoff)
        for j in np.flatnonzero(targets.routable):
            out[i, j] = d.get(("t", int(j), "pt"), np.inf)
    return out


def check_nearest_against(ref: np.ndarray, res: Nearest, sources: Snapped) -> None:
    """Distances equal to TOL; the chosen source is the reference's when not tied."""
    best = ref.min(axis=0) if ref.shape[0] else np.full(ref.shape[1], np.inf)
    fin = np.isfinite(best)
    assert np.array_equal(np.isfinite(res.distance_m), fin)
    np.testing.assert_allclose(res.distance_m[fin], best[fin], rtol=0, atol=TOL)
    assert (res.source[~fin] == -1).all()
    assert (res.source_id[~fin] == "").all()
    for j in np.flatnonzero(fin):
        s = int(res.source[j])
        assert abs(ref[s, j] - best[j]) <= TOL  # the chosen source really is at that distance
        assert res.source_id[j] == sources.ids[s]
        tied = np.flatnonzero(ref[:, j] <= best[j] + TOL)
        if tied.size == 1:
            assert s == tied[0]


def check_matrix_against(ref: np.ndarray, m: sp.csr_matrix, cutoff: float) -> None:
    """Same structure (up to ties with the cutoff itself) and values to TOL."""
    assert isinstance(m, sp.csr_matrix)
    assert m.shape == ref.shape
    coo = m.tocoo()
    ours = {(int(i), int(j)): float(d) for i, j, d in zip(coo.row, coo.col, coo.data, strict=True)}
    want = {
        (int(i), int(j)): float(ref[i, j]) for i, j in zip(*np.nonzero(ref <= cutoff), strict=True)
    }
    for key in set(ours) ^ set(want):
        d = ours.get(key, want.get(key))
        assert abs(d - cutoff) <= TOL, f"entry {key}={d} differs in structure"
    for key in set(ours) & set(want):
        assert abs(ours[key] - want[key]) <= TOL, key
    assert (m.data <= cutoff).all()


def helsinki_points_data():
    """Real OSM (Helsinki extract) with seeded random demand and services: (net, services, demand)."""
    net = helsinki_network()
    rng = np.random.default_rng(20231)
    x0, x1 = net.node_x.min(), net.node_x.max()
    y0, y1 = net.node_y.min(), net.node_y.max()
    n_random = 180
    dem = np.column_stack([rng.uniform(x0, x1, n_random), rng.uniform(y0, y1, n_random)])
    svc = np.column_stack([rng.uniform(x0, x1, 14), rng.uniform(y0, y1, 14)])
    # a second service at exactly the first one's spot (tie → lowest id), one far away
    svc = np.vstack([svc, svc[:1], [[x1 + 5_000.0, y1 + 100.0]]])
    extra = [
        svc[:6] + rng.normal(0, 3.0, size=(6, 2)),  # near services: often the same edge
        np.column_stack([net.node_x[:8], net.node_y[:8]]),  # exactly on nodes
        [[x0 - 600.0, y0 - 600.0], [x1 + 900.0, 0.5 * (y0 + y1)]],  # beyond max_snap_m
    ]
    dem = np.vstack([dem, *extra])
    services = snap(net, svc, ids=[f"svc{i:02d}" for i in range(len(svc))], what="services")
    demand = snap(net, dem, ids=[f"d{i:03d}" for i in range(len(dem))], what="demand points")
    return net, services, demand


def line_network() -> WalkNetwork:
    """Synthetic: 0 —100 m— 1 —100 m— 2 (x axis), plus a steps shortcut 0—3—2 and a
    detached island edge 4—5."""
    x = [0.0, 100.0, 200.0, 100.0, 1000.0, 1010.0]
    y = [0.0, 0.0, 0.0, 30.0, 1000.0, 1000.0]
    return WalkNetwork.from_arrays(
        "EPSG:3006",
        x,
        y,
        [0, 1, 0, 3, 4],
        [1, 2, 3, 2, 5],
        edge_highway=["footway", "footway", "steps", "steps", "path"],
    )


#: SWEREF 99 TM-like origin for the synthetic chain network (metric, far from lon/lat).
X0, Y0 = 360_000.0, 6_213_000.0


def chain_network() -> WalkNetwork:
    """Synthetic: junctions joined by degree-2 chains — two parallel chains between the same
    junctions, a chain that returns to its own junction (loop), a chain with a steps edge in
    the middle, a dead end, and a separate ring with no junction at all."""
    pts: list[tuple[float, float]] = []
    edges: list[tuple[int, int]] = []
    hw: list[str] = []

    def node(x: float, y: float) -> int:
        pts.append((X0 + x, Y0 + y))
        return len(pts) - 1

    def chain(a: int, b: int, via: list[tuple[float, float]], kinds: list[str] | None = None):
        ids = [a, *[node(x, y) for x, y in via], b]
        for k, (p, q) in enumerate(itertools.pairwise(ids)):
            edges.append((p, q))
            hw.append(kinds[k] if kinds else "footway")

    j1, j2, j3 = node(0, 0), node(300, 0), node(150, 200)
    chain(j1, j2, [(50, 10), (100, 20), (150, 15), (250, 5)])
    chain(j1, j2, [(60, -40), (200, -60)])  # parallel chain, same junctions
    chain(j1, j3, [(40, 90), (90, 160)], ["footway", "steps", "footway"])
    chain(j2, j3, [(260, 120)])
    chain(j3, j3, [(120, 260), (180, 260)])  # loop back to j3
    chain(j2, node(420, 30), [(360, 10)])  # dead end
    ring = [
        node(500 + 40 * math.cos(a), 200 + 40 * math.sin(a))
        for a in np.linspace(0, 2 * math.pi, 7)[:-1]
    ]
    for p, q in zip(ring, ring[1:] + ring[:1], strict=True):
        edges.append((p, q))
        hw.append("footway")
    xy = np.array(pts)
    e = np.array(edges)
    return WalkNetwork.from_arrays(
        "EPSG:3006", xy[:, 0], xy[:, 1], e[:, 0], e[:, 1], edge_highway=hw
    )
