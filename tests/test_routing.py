"""Routing engine: independent checks against networkx, hand-made cases and bad input.

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
from unittest import mock

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from _real import helsinki_network
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from proximity import routing
from proximity.errors import GeometryError, ParameterError, SchemaError
from proximity.network import WalkNetwork
from proximity.profiles import PROFILES, WalkingProfile
from proximity.routing import Nearest, bounded_matrix, nearest, node_distances
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


# --------------------------------------------------------------------------- real data
@pytest.fixture(scope="module")
def helsinki_points():
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


def test_real_snapping_sane(helsinki_points):
    _, services, demand = helsinki_points
    assert len(demand) == 196 and len(services) == 16
    assert demand.counts["too_far"] == 2 and services.counts["too_far"] == 1
    ok = demand.routable
    assert (demand.access_m[ok] <= 300).all()
    # some random demand points share an edge with a service: the same-edge case is exercised
    assert np.isin(demand.edge[ok], services.edge[services.routable]).sum() >= 3


@pytest.mark.parametrize("profile", [None, "custom", "step_free"])
def test_real_nearest_and_matrix_match_networkx(helsinki_points, profile):
    net, services, demand = helsinki_points
    if profile is None:
        cost = None
    elif profile == "custom":
        cost = WalkingProfile(
            "t", 1.3, "t", "test", {"steps": 3.0, "footway": 1.1, "primary": 1.5}
        ).edge_cost(net)
    else:
        cost = PROFILES[profile].edge_cost(net)
    g = reference_graph(net, {"s": services, "t": demand}, cost)

    res = nearest(net, services, demand, edge_cost=cost)
    ref = reference_all_pairs(g, services, demand)
    check_nearest_against(ref, res, services)
    # networkx multi-source Dijkstra agrees as well (the "one search" reference)
    starts = {("s", int(i), "pt") for i in np.flatnonzero(services.routable)}
    dist, _paths = nx.multi_source_dijkstra(g, starts)
    for j in np.flatnonzero(demand.routable):
        key = ("t", int(j), "pt")
        want = dist.get(key, np.inf)
        if math.isinf(want):
            assert math.isinf(res.distance_m[j])
        else:
            assert abs(res.distance_m[j] - want) <= TOL
    assert res.distance_m[~demand.routable].tolist() == [np.inf, np.inf]
    # the duplicate service (svc14 = svc00's spot) never wins: ties go to the lowest id
    assert "svc14" not in set(res.source_id)
    assert "svc15" not in set(res.source_id)  # too far from the network: never routed

    cutoff = 800.0
    m = bounded_matrix(net, services, demand, cutoff, edge_cost=cost, chunk_size=4)
    check_matrix_against(reference_all_pairs(g, services, demand, cutoff=cutoff), m, cutoff)
    assert m[15].nnz == 0  # the too-far service has an empty row
    # limit_m: the same as the unlimited result, cut at the limit
    lim = nearest(net, services, demand, edge_cost=cost, limit_m=300.0)
    keep = res.distance_m <= 300.0
    np.testing.assert_array_equal(lim.distance_m[keep], res.distance_m[keep])
    assert np.isinf(lim.distance_m[~keep]).all() and (lim.source[~keep] == -1).all()


@pytest.mark.parametrize("cutoff", [150.0, 400.0])
def test_real_matrix_local_subgraphs_are_exact(helsinki_points, cutoff):
    """Short cutoffs make each chunk's box a small part of the extract: the local-subgraph
    path must give exactly the networkx result (and the whole-graph path's)."""
    net, _, demand = helsinki_points
    cands = snap(
        net, np.column_stack([demand.x[:120], demand.y[:120]]), ids=[f"c{i}" for i in range(120)]
    )
    c = net.edge_length_m
    lg = routing._LocalGraphs(net, c, routing._attach(net, cands, c), cands, cutoff)
    graph, _, col_nodes, _ = lg.graph_for(lg.spatial_order()[:5])
    assert col_nodes is not None and graph.shape[0] < 0.5 * net.n_nodes  # really local
    lg.release()
    with mock.patch.object(routing, "_LOCAL_MAX_SHARE", -1.0):  # never local
        whole = bounded_matrix(net, cands, demand, cutoff)
    local = bounded_matrix(net, cands, demand, cutoff, chunk_size=5)
    assert (whole != local).nnz == 0 and np.array_equal(whole.indptr, local.indptr)
    g = reference_graph(net, {"s": cands, "t": demand})
    check_matrix_against(reference_all_pairs(g, cands, demand, cutoff=cutoff), local, cutoff)
    assert local.has_sorted_indices


def test_real_node_distances_match_networkx(helsinki_points):
    net, services, _ = helsinki_points
    d, src = node_distances(net, services)
    g = reference_graph(net, {"s": services})
    starts = {("s", int(i), "pt") for i in np.flatnonzero(services.routable)}
    ref = nx.multi_source_dijkstra_path_length(g, starts)
    want = np.array([ref.get(i, np.inf) for i in range(net.n_nodes)])
    assert np.array_equal(np.isfinite(d), np.isfinite(want))
    fin = np.isfinite(want)
    np.testing.assert_allclose(d[fin], want[fin], rtol=0, atol=TOL)
    assert (src[~fin] == -1).all() and (src[fin] >= 0).all()


# --------------------------------------------------------------------------- hand-made
def _line_network() -> WalkNetwork:
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


def test_middle_of_edge_gets_half_to_both_ends():
    net = _line_network()
    s = snap(net, [[50.0, 0.0]], ids=["mid"])
    t = snap(net, [[0.0, 0.0], [100.0, 0.0]], ids=["a", "b"])
    res = nearest(net, s, t)
    np.testing.assert_allclose(res.distance_m, [50.0, 50.0], atol=1e-9)
    assert res.source_id.tolist() == ["mid", "mid"]
    m = bounded_matrix(net, s, t, 60.0).toarray()
    np.testing.assert_allclose(m, [[50.0, 50.0]], atol=1e-9)


def test_same_edge_goes_straight_along_with_access_legs():
    net = _line_network()
    s = snap(net, [[50.0, -4.0]], ids=["s"])  # access 4 m
    t = snap(net, [[80.0, 5.0], [20.0, 0.0]], ids=["t1", "t2"])  # access 5 m and 0 m
    res = nearest(net, s, t)
    np.testing.assert_allclose(res.distance_m, [4 + 30 + 5, 4 + 30 + 0], atol=1e-9)
    m = bounded_matrix(net, s, t, 34.0)
    assert m.nnz == 1 and m[0, 1] == pytest.approx(34.0)


def test_access_leg_counted_and_zero_distance_kept():
    net = _line_network()
    s = snap(net, [[100.0, 0.0], [150.0, 0.0]], ids=["on_node", "x"])
    t = snap(net, [[100.0, 0.0], [100.0, -20.0]], ids=["same_spot", "below"])
    res = nearest(net, s, t)
    assert res.distance_m[0] == pytest.approx(0.0, abs=1e-8)
    assert res.distance_m[1] == pytest.approx(20.0, abs=1e-8)
    m = bounded_matrix(net, s, t, 10.0)
    assert m.nnz == 1 and m.indices.tolist() == [0]  # the zero distance is stored
    assert m.data[0] == pytest.approx(0.0, abs=1e-8)


def test_too_far_never_routed_and_island_unreachable():
    net = _line_network()
    s = snap(net, [[100.0, 500.0], [0.0, 0.0]], ids=["far", "home"], max_snap_m=300)
    assert s.status.tolist() == ["too_far", "ok"]
    t = snap(
        net,
        [[200.0, 0.0], [1005.0, 1000.0], [200.0, 900.0]],
        ids=["t", "isl", "tf"],
        min_component_nodes=3,
    )
    assert t.status.tolist() == ["ok", "island", "too_far"]
    res = nearest(net, s, t)
    assert res.distance_m[0] == pytest.approx(200.0)  # via the footways, not from "far"
    assert res.source_id.tolist() == ["home", "", ""]
    assert np.isinf(res.distance_m[1:]).all() and res.source[1:].tolist() == [-1, -1]
    m = bounded_matrix(net, s, t, 1e6)
    assert m[0].nnz == 0 and m[:, 1].nnz == 0 and m[:, 2].nnz == 0
    # a source on the same island does reach the island point
    s2 = snap(net, [[1000.0, 1000.0]], ids=["isl_src"], min_component_nodes=3)
    assert nearest(net, s2, t).distance_m[1] == pytest.approx(5.0)


def test_edge_cost_steps_factor_and_impassable():
    net = _line_network()
    s = snap(net, [[0.0, 0.0]], ids=["s"])
    t = snap(net, [[200.0, 0.0]], ids=["t"])
    steps_len = 2 * math.hypot(100.0, 30.0)  # 208.8 m via the steps vs 200 m flat
    assert nearest(net, s, t).distance_m[0] == pytest.approx(200.0)
    cheap = WalkingProfile("c", 1.0, "c", "test", {"footway": 2.0})
    assert nearest(net, s, t, edge_cost=cheap).distance_m[0] == pytest.approx(steps_len)
    both = WalkingProfile("b", 1.0, "b", "test", {"footway": 2.0, "steps": float("inf")})
    d = nearest(net, s, t, edge_cost=both.edge_cost(net)).distance_m[0]
    assert d == pytest.approx(400.0)
    # a point in the middle of an impassable edge reaches nothing; one on its end node does
    on_steps = snap(net, [[50.0, 15.0], [0.0, 0.0]], ids=["mid_steps", "end"])
    step_free = PROFILES["step_free"]
    r = nearest(net, s, on_steps, edge_cost=step_free)
    assert np.isinf(r.distance_m[0]) and r.distance_m[1] == pytest.approx(0.0, abs=1e-8)
    # profiles' minutes
    assert r.minutes(1.0)[1] == pytest.approx(0.0, abs=1e-9)
    assert nearest(net, s, t).minutes(PROFILES["adult"].speed_m_s)[0] == pytest.approx(
        200.0 / 1.3 / 60.0
    )


def test_colocated_sources_tie_goes_to_lowest_id():
    net = _line_network()
    s = snap(net, [[60.0, 1.0], [60.0, 1.0], [60.0, 1.0]], ids=["b", "a", "c"])
    t = snap(net, [[180.0, 0.0], [60.0, 1.0]], ids=["t", "u"])
    res = nearest(net, s, t)
    assert res.source_id.tolist() == ["a", "a"]
    assert res.source.tolist() == [1, 1]
    m = bounded_matrix(net, s, t, 1000.0).toarray()
    assert (m[:, 0] == m[0, 0]).all()  # every co-located source has its own full row


def test_nearest_frame_and_lengths():
    net = _line_network()
    s = snap(net, [[0.0, 0.0]], ids=["s"])
    t = snap(net, [[200.0, 0.0], [10.0, 0.0]], ids=["t1", "t2"])
    res = nearest(net, s, t)
    assert len(res) == 2
    df = res.to_frame(t.ids)
    assert df.columns.tolist() == ["target_id", "source", "source_id", "distance_m"]


#: SWEREF 99 TM-like origin for the synthetic chain network (metric, far from lon/lat).
X0, Y0 = 360_000.0, 6_213_000.0


def _chain_network() -> WalkNetwork:
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


@pytest.mark.parametrize("profile", [None, "step_free"])
def test_chain_contraction_is_exact(profile):
    """nearest() searches a graph with degree-2 chains contracted; it must equal networkx on
    the full graph with the points inserted (sources on chains, on the ring, on the loop, on
    nodes; targets everywhere), including an impassable steps edge inside a chain."""
    net = _chain_network()
    rng = np.random.default_rng(8)
    lo = np.array([net.node_x.min() - 20, net.node_y.min() - 20])
    hi = np.array([net.node_x.max() + 20, net.node_y.max() + 20])
    src = np.vstack(
        [
            [[X0 + 100, Y0 + 25], [X0 + 150, Y0 + 262], [X0 + 530, Y0 + 205]],
            [[net.node_x[4], net.node_y[4]]],  # exactly on a chain node
            rng.uniform(lo, hi, (3, 2)),
        ]
    )
    tgt = np.vstack([rng.uniform(lo, hi, (120, 2)), np.column_stack([net.node_x, net.node_y])])
    s = snap(net, src, max_snap_m=80.0, ids=[f"s{i}" for i in range(len(src))])
    t = snap(net, tgt, max_snap_m=80.0)
    prof = None if profile is None else PROFILES[profile]
    cost = None if prof is None else prof.edge_cost(net)
    cg = routing._ChainGraph.get(
        net,
        None if cost is None else routing._resolve_cost(net, cost),
        net.edge_length_m if cost is None else cost,
    )
    assert cg.n_kept < net.n_nodes / 2  # most nodes really are contracted away
    ref = reference_all_pairs(reference_graph(net, {"s": s, "t": t}, cost), s, t)
    check_nearest_against(ref, nearest(net, s, t, edge_cost=cost), s)
    limited = nearest(net, s, t, edge_cost=cost, limit_m=120.0)
    best = ref.min(axis=0)
    want = np.where(best <= 120.0, best, np.inf)
    assert np.array_equal(np.isfinite(limited.distance_m), np.isfinite(want))
    fin = np.isfinite(want)
    np.testing.assert_allclose(limited.distance_m[fin], want[fin], rtol=0, atol=TOL)


@pytest.mark.parametrize("which", ["chain", "helsinki"])
@pytest.mark.parametrize("profile", [None, "step_free"])
def test_chain_walk_equals_dijkstra_positions(which, profile):
    """Chain positions are found by walking all chains at once; forcing the Dijkstra fallback
    (``_WALK_MAX_STEPS = 0``) must give bit-identical contracted graphs and positions."""
    net = _chain_network() if which == "chain" else helsinki_network()
    cost = None if profile is None else PROFILES[profile].edge_cost(net)
    c = np.asarray(net.edge_length_m, np.float64) if cost is None else cost
    walked = routing._ChainGraph(net, c)
    with mock.patch.object(routing, "_WALK_MAX_STEPS", 0):
        dijkstra = routing._ChainGraph(net, c)
    for name, value in vars(dijkstra).items():
        got = getattr(walked, name)
        assert np.asarray(got).dtype == np.asarray(value).dtype, name
        assert np.array_equal(got, value), name


# --------------------------------------------------------------------------- property test
@st.composite
def small_cases(draw):
    n = draw(st.integers(2, 9))
    coords = draw(st.lists(st.tuples(st.floats(0, 100), st.floats(0, 100)), min_size=n, max_size=n))
    pairs = draw(
        st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), min_size=1, max_size=14)
    )
    factors = draw(
        st.lists(st.sampled_from([1.0, 1.0, 1.5, 3.0]), min_size=len(pairs), max_size=len(pairs))
    )
    pt = st.tuples(st.floats(-30, 130), st.floats(-30, 130))
    src = draw(st.lists(pt, min_size=1, max_size=4))
    tgt = draw(st.lists(pt, min_size=1, max_size=7))
    snap_to_node = draw(st.booleans())
    cutoff = draw(st.floats(1.0, 250.0))
    use_cost = draw(st.booleans())
    return coords, pairs, factors, src, tgt, snap_to_node, cutoff, use_cost


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_cases())
def test_property_matches_networkx(case):
    coords, pairs, factors, src, tgt, snap_to_node, cutoff, use_cost = case
    u = [a for a, b in pairs]
    v = [b for a, b in pairs]
    if all(a == b for a, b in pairs):
        return
    xy = np.array(coords, float)
    net = WalkNetwork.from_arrays(
        "EPSG:3006", xy[:, 0], xy[:, 1], u, v, edge_highway=[f"h{f}" for f in factors]
    )
    src_xy = np.array(src, float)
    if snap_to_node:  # put the first source exactly on a node (access 0, offset 0 or L)
        src_xy[0] = xy[net.edge_u[0]]
    s = snap(net, src_xy, max_snap_m=60.0)
    t = snap(net, np.array(tgt, float), max_snap_m=60.0)
    cost = None
    if use_cost:
        cost = net.edge_length_m * np.array([float(h[1:]) for h in net.edge_highway])
    if not s.routable.any():
        with pytest.raises(GeometryError):
            nearest(net, s, t, edge_cost=cost)
        return
    g = reference_graph(net, {"s": s, "t": t}, cost)
    ref = reference_all_pairs(g, s, t)
    check_nearest_against(ref, nearest(net, s, t, edge_cost=cost), s)
    m = bounded_matrix(net, s, t, cutoff, edge_cost=cost, chunk_size=2)
    check_matrix_against(np.where(ref <= cutoff, ref, np.inf), m, cutoff)
    with mock.patch.object(routing, "_LOCAL_MAX_SHARE", 1.01):  # always local subgraphs
        m_local = bounded_matrix(net, s, t, cutoff, edge_cost=cost, chunk_size=3)
    check_matrix_against(np.where(ref <= cutoff, ref, np.inf), m_local, cutoff)


# --------------------------------------------------------------------------- bad input
def test_empty_service_set_is_a_clear_error():
    net = _line_network()
    empty = snap(net, np.zeros((0, 2)))
    t = snap(net, [[0.0, 0.0]])
    with pytest.raises(SchemaError) as exc:
        nearest(net, empty, t, what="services in category 'library'")
    msg = str(exc.value)
    assert "no services in category 'library'" in msg and "Fix:" in msg
    with pytest.raises(SchemaError, match="no services"):
        bounded_matrix(net, empty, t, 100.0)


def test_all_sources_too_far_is_a_clear_error():
    net = _line_network()
    s = snap(net, [[0.0, 900.0]], ids=["lost"], max_snap_m=50)
    t = snap(net, [[0.0, 0.0]])
    with pytest.raises(GeometryError) as exc:
        nearest(net, s, t)
    assert "max_snap_m" in str(exc.value) and "qa_table" in str(exc.value)


@pytest.mark.parametrize("bad", [0.0, -5.0, float("nan")])
def test_cutoff_must_be_positive(bad):
    net = _line_network()
    s = snap(net, [[0.0, 0.0]])
    with pytest.raises(ParameterError, match="cutoff_m must be a positive"):
        bounded_matrix(net, s, s, bad)
    with pytest.raises(ParameterError, match="limit_m must be a positive"):
        nearest(net, s, s, limit_m=bad)


def test_points_from_another_network_and_bad_cost():
    net = _line_network()
    other = WalkNetwork.from_arrays("EPSG:3006", [0.0, 1.0], [0.0, 0.0], [0], [1])
    s = snap(other, [[0.0, 0.0]])
    with pytest.raises(ParameterError, match="different network"):
        nearest(net, s, s)
    ok = snap(net, [[0.0, 0.0]])
    with pytest.raises(ParameterError, match="edge_cost has shape"):
        nearest(net, ok, ok, edge_cost=np.ones(2))
    with pytest.raises(ParameterError, match="NaN or negative"):
        nearest(net, ok, ok, edge_cost=-np.ones(net.n_edges))
    with pytest.raises(ParameterError, match="must be a Snapped"):
        nearest(net, np.zeros((1, 2)), ok)  # type: ignore[arg-type]
