"""nearest() and node_distances() (proximity.routing.search): real data against networkx and
hand-made cases (synthetic networks, said so per helper)."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest
from _routing_cases import (
    TOL,
    check_matrix_against,
    check_nearest_against,
    helsinki_points_data,
    line_network,
    reference_all_pairs,
    reference_graph,
)

from proximity.profiles import PROFILES, WalkingProfile
from proximity.routing import bounded_matrix, nearest, node_distances
from proximity.snap import snap


@pytest.fixture(scope="module")
def helsinki_points():
    return helsinki_points_data()


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
def test_middle_of_edge_gets_half_to_both_ends():
    net = line_network()
    s = snap(net, [[50.0, 0.0]], ids=["mid"])
    t = snap(net, [[0.0, 0.0], [100.0, 0.0]], ids=["a", "b"])
    res = nearest(net, s, t)
    np.testing.assert_allclose(res.distance_m, [50.0, 50.0], atol=1e-9)
    assert res.source_id.tolist() == ["mid", "mid"]
    m = bounded_matrix(net, s, t, 60.0).toarray()
    np.testing.assert_allclose(m, [[50.0, 50.0]], atol=1e-9)


def test_same_edge_goes_straight_along_with_access_legs():
    net = line_network()
    s = snap(net, [[50.0, -4.0]], ids=["s"])  # access 4 m
    t = snap(net, [[80.0, 5.0], [20.0, 0.0]], ids=["t1", "t2"])  # access 5 m and 0 m
    res = nearest(net, s, t)
    np.testing.assert_allclose(res.distance_m, [4 + 30 + 5, 4 + 30 + 0], atol=1e-9)
    m = bounded_matrix(net, s, t, 34.0)
    assert m.nnz == 1 and m[0, 1] == pytest.approx(34.0)


def test_access_leg_counted_and_zero_distance_kept():
    net = line_network()
    s = snap(net, [[100.0, 0.0], [150.0, 0.0]], ids=["on_node", "x"])
    t = snap(net, [[100.0, 0.0], [100.0, -20.0]], ids=["same_spot", "below"])
    res = nearest(net, s, t)
    assert res.distance_m[0] == pytest.approx(0.0, abs=1e-8)
    assert res.distance_m[1] == pytest.approx(20.0, abs=1e-8)
    m = bounded_matrix(net, s, t, 10.0)
    assert m.nnz == 1 and m.indices.tolist() == [0]  # the zero distance is stored
    assert m.data[0] == pytest.approx(0.0, abs=1e-8)


def test_too_far_never_routed_and_island_unreachable():
    net = line_network()
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
    net = line_network()
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
    net = line_network()
    s = snap(net, [[60.0, 1.0], [60.0, 1.0], [60.0, 1.0]], ids=["b", "a", "c"])
    t = snap(net, [[180.0, 0.0], [60.0, 1.0]], ids=["t", "u"])
    res = nearest(net, s, t)
    assert res.source_id.tolist() == ["a", "a"]
    assert res.source.tolist() == [1, 1]
    m = bounded_matrix(net, s, t, 1000.0).toarray()
    assert (m[:, 0] == m[0, 0]).all()  # every co-located source has its own full row


def test_nearest_frame_and_lengths():
    net = line_network()
    s = snap(net, [[0.0, 0.0]], ids=["s"])
    t = snap(net, [[200.0, 0.0], [10.0, 0.0]], ids=["t1", "t2"])
    res = nearest(net, s, t)
    assert len(res) == 2
    df = res.to_frame(t.ids)
    assert df.columns.tolist() == ["target_id", "source", "source_id", "distance_m"]


def test_demand_attached_once_per_snapped_and_reused_across_source_sets():
    """The target attachment is cached per Snapped on the contracted graph; other source
    sets on the same targets give what a fresh graph gives (networkx checks the values in
    the other tests)."""
    from _snap_cases import X0, Y0, small_net

    from proximity.routing import _chains

    net = small_net()
    tg = snap(net, np.array([[X0 + 20, Y0 + 5], [X0 + 98, Y0 + 150], [X0 + 100, Y0 + 390]]))
    s1 = snap(net, np.array([[X0 + 1, Y0 + 1]]), ids=["s1"])
    s2 = snap(net, np.array([[X0 + 101, Y0 + 300]]), ids=["s2"])
    r1, r2 = nearest(net, s1, tg), nearest(net, s2, tg)
    graph = _chains.ChainGraph.get(net, None, np.asarray(net.edge_length_m, float))
    assert list(graph._targets) == [tg]
    _chains._CHAIN_CACHE.pop(net, None)
    f1, f2 = nearest(net, s1, tg), nearest(net, s2, tg)
    np.testing.assert_array_equal(r1.distance_m, f1.distance_m)
    np.testing.assert_array_equal(r2.distance_m, f2.distance_m)
    assert r1.distance_m[0] < r2.distance_m[0] and r2.distance_m[2] < r1.distance_m[2]
