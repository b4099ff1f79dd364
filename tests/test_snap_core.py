"""Snapping onto edges (proximity.snap.core / snapped): hand-made geometry (synthetic
networks, said so per test) and real-data sanity on the Helsinki extract."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from _real import helsinki_network
from _snap_cases import X0, Y0, small_net

from proximity.errors import ParameterError
from proximity.snap import Snapped, snap


def test_projection_offset_access_and_qa_table():
    net = small_net()
    s = snap(net, [[X0 + 30, Y0 + 12], [X0 + 104, Y0 + 60]], ids=["a", "b"])
    assert s.edge.tolist() == [0, 1]
    np.testing.assert_allclose(s.offset_m, [30.0, 60.0])
    np.testing.assert_allclose(s.access_m, [12.0, 4.0])
    np.testing.assert_allclose(s.snap_x, [X0 + 30, X0 + 100])
    np.testing.assert_allclose(s.snap_y, [Y0, Y0 + 60])
    assert s.status.tolist() == ["ok", "ok"] and len(s) == 2
    qa = s.qa_table()
    assert qa.columns.tolist() == [
        "id",
        "x",
        "y",
        "snap_x",
        "snap_y",
        "access_m",
        "edge",
        "offset_m",
        "component",
        "status",
        "off_island",
    ]
    assert not qa["off_island"].any()
    assert qa["id"].tolist() == ["a", "b"]


def test_beyond_the_end_clamps_to_the_node_and_measures_the_full_leg():
    net = small_net()
    s = snap(net, [[X0 - 30, Y0 - 40]])
    assert s.edge[0] == 0 and s.offset_m[0] == 0.0
    assert s.access_m[0] == pytest.approx(50.0)


def test_too_far_is_reported_never_moved():
    net = small_net()
    s = snap(net, [[X0 + 50, Y0 - 350], [X0 + 50, Y0 - 10]], ids=["far", "near"], max_snap_m=300)
    assert s.status.tolist() == ["too_far", "ok"]
    assert s.access_m[0] == pytest.approx(350.0)  # always computed
    assert s.edge[0] == -1 and s.component[0] == -1
    assert np.isnan(s.snap_x[0]) and np.isnan(s.offset_m[0])
    assert s.routable.tolist() == [False, True]
    assert s.counts == {"ok": 1, "too_far": 1, "island": 0}


def test_island_flagged_by_nodes_or_share_and_largest_never_island():
    net = small_net()
    pts = [[X0 + 505, Y0 + 505], [X0 + 50, Y0]]
    s = snap(net, pts, min_component_nodes=3)
    assert s.status.tolist() == ["island", "ok"]
    assert s.component[0] != s.component[1]
    assert snap(net, pts, min_component_share=0.3).status.tolist() == ["island", "ok"]
    assert snap(net, pts, min_component_share=0.2).status.tolist() == ["ok", "ok"]  # 2/8 ≥ 1.6
    # even an absurd threshold never marks the largest component
    assert snap(net, pts, min_component_nodes=10**6).status.tolist() == ["island", "ok"]


def test_equidistant_edges_tie_goes_to_lowest_edge_id():
    net = small_net()
    s = snap(net, [[X0 + 100, Y0 + 0.0]])  # the shared node 1 of edges 0 and 1
    assert s.edge[0] == 0 and s.access_m[0] == 0.0 and s.offset_m[0] == pytest.approx(100.0)
    s = snap(net, [[X0 + 110, Y0 - 10]])  # 10·√2 from node 1 for both edges
    assert s.edge[0] == 0


def test_geodataframe_input_ids_from_index_and_subset():
    net = small_net()
    gdf = gpd.GeoDataFrame(
        {"name": ["a", "b", "c"]},
        geometry=gpd.points_from_xy([X0 + 10, X0 + 20, X0 + 30], [Y0 + 1, Y0 + 2, Y0 + 900]),
        crs="EPSG:3006",
        index=pd.Index(["p1", "p2", "p3"]),
    )
    s = snap(net, gdf)
    assert s.ids.tolist() == ["p1", "p2", "p3"]
    assert s.status.tolist() == ["ok", "ok", "too_far"]
    sub = s.subset(s.routable)
    assert isinstance(sub, Snapped) and sub.ids.tolist() == ["p1", "p2"]
    assert s.subset([2]).ids.tolist() == ["p3"]
    with pytest.raises(ParameterError, match="Boolean mask"):
        s.subset(np.array([True]))
    # a GeoSeries works too, and explicit ids win over the index
    s2 = snap(net, gdf.geometry, ids=["x", "y", "z"])
    assert s2.ids.tolist() == ["x", "y", "z"]


def test_empty_input_gives_empty_snapped():
    net = small_net()
    s = snap(net, np.zeros((0, 2)))
    assert len(s) == 0 and s.qa_table().empty


def test_real_helsinki_snapping_matches_shapely_distance():
    net = helsinki_network()
    rng = np.random.default_rng(7)
    pts = np.column_stack(
        [
            rng.uniform(net.node_x.min(), net.node_x.max(), 300),
            rng.uniform(net.node_y.min(), net.node_y.max(), 300),
        ]
    )
    s = snap(net, pts)
    edges = np.asarray(net.edges_gdf().geometry.values, dtype=object)
    # brute force: distance to every segment; ours is the minimum with the lowest id, except
    # that a nearest edge on a small component (< 1 % of the nodes) gives way to the nearest
    # main-network edge when that one is within max_snap_m (300 m)
    d_all = shapely.distance(shapely.points(pts)[:, None], edges[None, :])
    sizes = net.component_sizes
    main_edge = sizes[net.edge_component] >= 0.01 * net.n_nodes
    d_all_main = np.where(main_edge[None, :], d_all, np.inf)
    nearest_small = ~main_edge[np.argmin(d_all, axis=1)]
    moved = nearest_small & (d_all_main.min(axis=1) <= 300.0)
    d_all = np.where(moved[:, None], d_all_main, d_all)
    best = d_all.min(axis=1)
    np.testing.assert_allclose(s.access_m, best, atol=1e-6)
    assert (s.off_island == moved).all() and moved.sum() == 12  # real islands nearby
    assert (s.status[moved] == "ok").all()
    first = np.argmax(d_all <= best[:, None] + 1e-9, axis=1)
    ok = s.routable
    assert (s.edge[ok] == first[ok]).mean() > 0.99  # near-ties may differ by float noise
    np.testing.assert_allclose(
        shapely.distance(shapely.points(s.snap_x[ok], s.snap_y[ok]), edges[s.edge[ok]]),
        0.0,
        atol=1e-6,
    )
    assert (s.offset_m[ok] >= 0).all() and (
        s.offset_m[ok] <= net.edge_length_m[s.edge[ok]] + 1e-9
    ).all()


def test_repeat_snaps_share_read_only_results_and_match_a_fresh_snap():
    """The memo of located points: same network and points give the same (read-only)
    arrays; other options or points are located anew; results equal a memo-free snap."""
    from proximity.snap import core

    net = small_net()
    pts = np.array([[X0 + 50, Y0 + 3], [X0 + 104, Y0 + 60], [X0 + 505, Y0 + 502]])
    a = snap(net, pts, ids=["a", "b", "c"])
    b = snap(net, pts, ids=["x", "y", "z"])
    assert b.edge is a.edge and list(b.ids) == ["x", "y", "z"]
    for name in ("edge", "offset_m", "access_m", "status", "off_island"):
        with pytest.raises(ValueError, match="read-only"):
            getattr(a, name)[0] = getattr(a, name)[1]
    near = snap(net, pts, max_snap_m=1.0)  # other options: located again
    assert near.edge is not a.edge and list(near.status) == ["too_far", "too_far", "too_far"]
    moved = snap(net, pts + np.array([0.0, 1.0]))
    assert moved.edge is not a.edge
    core._LOCATED.pop(net, None)
    fresh = snap(net, pts, ids=["a", "b", "c"])
    assert fresh.edge is not a.edge
    pd.testing.assert_frame_equal(fresh.qa_table(), a.qa_table())
