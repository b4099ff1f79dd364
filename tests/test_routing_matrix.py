"""bounded_matrix() (proximity.routing.matrix, _local): local subgraphs on real data and a
property test on random small graphs, against networkx."""

from __future__ import annotations

from unittest import mock

import numpy as np
import pytest
from _routing_cases import (
    check_matrix_against,
    check_nearest_against,
    helsinki_points_data,
    reference_all_pairs,
    reference_graph,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from proximity.errors import GeometryError
from proximity.network import WalkNetwork
from proximity.routing import _graph, _local, bounded_matrix, matrix, nearest
from proximity.snap import snap


@pytest.fixture(scope="module")
def helsinki_points():
    return helsinki_points_data()


@pytest.mark.parametrize("cutoff", [150.0, 400.0])
def test_real_matrix_local_subgraphs_are_exact(helsinki_points, cutoff):
    """Short cutoffs make each chunk's box a small part of the extract: the local-subgraph
    path must give exactly the networkx result (and the whole-graph path's)."""
    net, _, demand = helsinki_points
    cands = snap(
        net, np.column_stack([demand.x[:120], demand.y[:120]]), ids=[f"c{i}" for i in range(120)]
    )
    c = net.edge_length_m
    lg = _local.LocalGraphs(net, c, _graph.attach(net, cands, c), cands, cutoff)
    graph, _, col_nodes, _ = lg.graph_for(lg.spatial_order()[:5])
    assert col_nodes is not None and graph.shape[0] < 0.5 * net.n_nodes  # really local
    lg.release()
    with mock.patch.object(_local, "_LOCAL_MAX_SHARE", -1.0):  # never local
        whole = bounded_matrix(net, cands, demand, cutoff)
    local = bounded_matrix(net, cands, demand, cutoff, chunk_size=5)
    assert (whole != local).nnz == 0 and np.array_equal(whole.indptr, local.indptr)
    with mock.patch.object(_local, "_BLOCK_BYTES", 1):  # one row per dense block
        rows = bounded_matrix(net, cands, demand, cutoff, chunk_size=5)
    assert (rows != local).nnz == 0 and np.array_equal(rows.indptr, local.indptr)
    with mock.patch.object(matrix, "chain_targets", lambda *a: None):  # full graph, no chains
        full = bounded_matrix(net, cands, demand, cutoff, chunk_size=5)
    assert np.array_equal(full.indices, local.indices)
    assert np.abs(full.data - local.data).max(initial=0.0) <= 1e-9
    g = reference_graph(net, {"s": cands, "t": demand})
    check_matrix_against(reference_all_pairs(g, cands, demand, cutoff=cutoff), local, cutoff)
    assert local.has_sorted_indices


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
    with mock.patch.object(_local, "_LOCAL_MAX_SHARE", 1.01):  # always local subgraphs
        m_local = bounded_matrix(net, s, t, cutoff, edge_cost=cost, chunk_size=3)
    check_matrix_against(np.where(ref <= cutoff, ref, np.inf), m_local, cutoff)
    # target distances in blocks of one row (what a chunk larger than the block budget does)
    with mock.patch.object(_local, "_BLOCK_BYTES", 1):
        m_rows = bounded_matrix(net, s, t, cutoff, edge_cost=cost, chunk_size=3)
    check_matrix_against(np.where(ref <= cutoff, ref, np.inf), m_rows, cutoff)
    # the search on the full graph (used when a target's edge end lies inside a chain)
    with mock.patch.object(matrix, "chain_targets", lambda *a: None):
        m_full = bounded_matrix(net, s, t, cutoff, edge_cost=cost, chunk_size=2)
    check_matrix_against(np.where(ref <= cutoff, ref, np.inf), m_full, cutoff)
