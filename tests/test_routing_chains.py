"""Chain contraction (proximity.routing._chains) on a synthetic chain network and real OSM."""

from __future__ import annotations

from unittest import mock

import numpy as np
import pytest
from _real import helsinki_network
from _routing_cases import (
    TOL,
    X0,
    Y0,
    chain_network,
    check_nearest_against,
    reference_all_pairs,
    reference_graph,
)

from proximity.profiles import PROFILES
from proximity.routing import _chains, _graph, nearest
from proximity.snap import snap


@pytest.mark.parametrize("profile", [None, "step_free"])
def test_chain_contraction_is_exact(profile):
    """nearest() searches a graph with degree-2 chains contracted; it must equal networkx on
    the full graph with the points inserted (sources on chains, on the ring, on the loop, on
    nodes; targets everywhere), including an impassable steps edge inside a chain."""
    net = chain_network()
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
    cg = _chains.ChainGraph.get(
        net,
        None if cost is None else _graph.resolve_cost(net, cost),
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
    net = chain_network() if which == "chain" else helsinki_network()
    cost = None if profile is None else PROFILES[profile].edge_cost(net)
    c = np.asarray(net.edge_length_m, np.float64) if cost is None else cost
    walked = _chains.ChainGraph(net, c)
    with mock.patch.object(_chains, "_WALK_MAX_STEPS", 0):
        dijkstra = _chains.ChainGraph(net, c)
    for name, value in vars(dijkstra).items():
        got = getattr(walked, name)
        assert np.asarray(got).dtype == np.asarray(value).dtype, name
        assert np.array_equal(got, value), name
