"""Snapping onto edges: hand-made geometry (synthetic networks, said so per test), real-data
sanity on the Helsinki extract, and bad input (lon/lat, swapped axes, CRS mismatch...)."""

from __future__ import annotations

from unittest import mock

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from _real import helsinki_network

from proximity import snap as snap_module
from proximity.errors import CRSError, GeometryError, ParameterError, SchemaError
from proximity.network import WalkNetwork
from proximity.snap import Snapped, snap

# Helsingborg-ish coordinates in SWEREF 99 TM, so the synthetic network is metric and far
# from the lon/lat box (the degree and swap checks are active)
X0, Y0 = 360_000.0, 6_213_000.0


def _net(crs: str = "EPSG:3006") -> WalkNetwork:
    """Synthetic: an L of two 100 m edges (0-1 along x, 1-2 along y) plus an island edge 3-4
    and a main-component tail 2-5-6-7 (8 nodes, island = 2 of them)."""
    x = np.array([0, 100, 100, 500, 510, 100, 100, 100], float) + X0
    y = np.array([0, 0, 100, 500, 500, 200, 300, 400], float) + Y0
    return WalkNetwork.from_arrays(crs, x, y, [0, 1, 3, 2, 5, 6], [1, 2, 4, 5, 6, 7])


def test_projection_offset_access_and_qa_table():
    net = _net()
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
    ]
    assert qa["id"].tolist() == ["a", "b"]


def test_beyond_the_end_clamps_to_the_node_and_measures_the_full_leg():
    net = _net()
    s = snap(net, [[X0 - 30, Y0 - 40]])
    assert s.edge[0] == 0 and s.offset_m[0] == 0.0
    assert s.access_m[0] == pytest.approx(50.0)


def test_too_far_is_reported_never_moved():
    net = _net()
    s = snap(net, [[X0 + 50, Y0 - 350], [X0 + 50, Y0 - 10]], ids=["far", "near"], max_snap_m=300)
    assert s.status.tolist() == ["too_far", "ok"]
    assert s.access_m[0] == pytest.approx(350.0)  # always computed
    assert s.edge[0] == -1 and s.component[0] == -1
    assert np.isnan(s.snap_x[0]) and np.isnan(s.offset_m[0])
    assert s.routable.tolist() == [False, True]
    assert s.counts == {"ok": 1, "too_far": 1, "island": 0}


def test_island_flagged_by_nodes_or_share_and_largest_never_island():
    net = _net()
    pts = [[X0 + 505, Y0 + 505], [X0 + 50, Y0]]
    s = snap(net, pts, min_component_nodes=3)
    assert s.status.tolist() == ["island", "ok"]
    assert s.component[0] != s.component[1]
    assert snap(net, pts, min_component_share=0.3).status.tolist() == ["island", "ok"]
    assert snap(net, pts, min_component_share=0.2).status.tolist() == ["ok", "ok"]  # 2/8 ≥ 1.6
    # even an absurd threshold never marks the largest component
    assert snap(net, pts, min_component_nodes=10**6).status.tolist() == ["island", "ok"]


def test_equidistant_edges_tie_goes_to_lowest_edge_id():
    net = _net()
    s = snap(net, [[X0 + 100, Y0 + 0.0]])  # the shared node 1 of edges 0 and 1
    assert s.edge[0] == 0 and s.access_m[0] == 0.0 and s.offset_m[0] == pytest.approx(100.0)
    s = snap(net, [[X0 + 110, Y0 - 10]])  # 10·√2 from node 1 for both edges
    assert s.edge[0] == 0


def test_geodataframe_input_ids_from_index_and_subset():
    net = _net()
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
    net = _net()
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
    # brute force: distance to every segment; ours is the minimum with the lowest id
    d_all = shapely.distance(shapely.points(pts)[:, None], edges[None, :])
    best = d_all.min(axis=1)
    np.testing.assert_allclose(s.access_m, best, atol=1e-6)
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


def _brute_nearest(net: WalkNetwork, pts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Independent reference: GEOS distance (shapely) from every point to every segment;
    the nearest is the minimum, exact ties to the lowest edge id. Returns (edge, distance)."""
    edges = np.asarray(net.edges_gdf().geometry.values, dtype=object)
    d_all = shapely.distance(shapely.points(pts)[:, None], edges[None, :])
    best = d_all.min(axis=1)
    return np.argmax(d_all == best[:, None], axis=1), best


def _strtree_nearest(net: WalkNetwork, pts: np.ndarray) -> np.ndarray:
    """The previous implementation: STRtree.query_nearest(all_matches) + lowest edge id."""
    tree = shapely.STRtree(np.asarray(net.edges_gdf().geometry.values, dtype=object))
    pi, ei = tree.query_nearest(shapely.points(pts), all_matches=True)
    out = np.full(len(pts), np.iinfo(np.int64).max)
    np.minimum.at(out, pi, ei)
    return out


def _check_against_brute(net: WalkNetwork, pts: np.ndarray) -> None:
    s = snap(net, pts, max_snap_m=np.inf)
    edge, best = _brute_nearest(net, pts)
    assert (s.edge == edge).all()  # same edge, exact ties → lowest edge id
    assert (s.edge == _strtree_nearest(net, pts)).all()
    np.testing.assert_allclose(s.access_m, best, rtol=0, atol=1e-9)
    # offsets: the projection onto that edge, computed here independently
    ax, ay = net.node_x[net.edge_u[edge]], net.node_y[net.edge_u[edge]]
    bx, by = net.node_x[net.edge_v[edge]], net.node_y[net.edge_v[edge]]
    seg = np.hypot(bx - ax, by - ay)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.clip(((pts[:, 0] - ax) * (bx - ax) + (pts[:, 1] - ay) * (by - ay)) / seg**2, 0, 1)
    t = np.where(seg > 0, t, 0.0)
    np.testing.assert_allclose(s.offset_m, t * seg, rtol=0, atol=1e-9)


def test_nearest_edge_equals_brute_force_on_real_network():
    """Real OSM (Helsinki extract): random points, points on nodes, on edge midpoints, far
    outside (the KD-tree candidate search must fall back to its wider ball search there)."""
    net = helsinki_network()
    rng = np.random.default_rng(11)
    x0, x1 = net.node_x.min(), net.node_x.max()
    y0, y1 = net.node_y.min(), net.node_y.max()
    e = rng.integers(0, net.n_edges, 60)
    pts = np.vstack(
        [
            np.column_stack([rng.uniform(x0, x1, 300), rng.uniform(y0, y1, 300)]),
            np.column_stack([net.node_x[:60], net.node_y[:60]]),
            np.column_stack(
                [
                    (net.node_x[net.edge_u[e]] + net.node_x[net.edge_v[e]]) / 2,
                    (net.node_y[net.edge_u[e]] + net.node_y[net.edge_v[e]]) / 2,
                ]
            ),
            np.column_stack([rng.uniform(x0 - 900, x0 - 300, 20), rng.uniform(y0, y1, 20)]),
        ]
    )
    with mock.patch.object(
        snap_module, "_nearest_edge_ball", wraps=snap_module._nearest_edge_ball
    ) as ball:
        _check_against_brute(net, pts)
    assert ball.called  # the uncertified points took the wider search, and still agree


def test_nearest_edge_equals_brute_force_with_exact_ties():
    """Synthetic integer grid (10 m cells, some long edges): cell centres are equidistant to
    four edges, nodes touch four edges; ties must go to the lowest edge id."""
    nx_, ny_ = 12, 9
    ii, jj = np.meshgrid(np.arange(nx_), np.arange(ny_), indexing="ij")
    x = X0 + 10.0 * ii.ravel()
    y = Y0 + 10.0 * jj.ravel()
    node = np.arange(nx_ * ny_).reshape(nx_, ny_)
    u = np.concatenate([node[:-1, :].ravel(), node[:, :-1].ravel(), [node[0, 0]]])
    v = np.concatenate([node[1:, :].ravel(), node[:, 1:].ravel(), [node[-1, -1]]])
    rng = np.random.default_rng(3)
    perm = rng.permutation(u.size)  # edge ids unrelated to position
    net = WalkNetwork.from_arrays("EPSG:3006", x, y, u[perm], v[perm])
    cx, cy = np.meshgrid(np.arange(nx_ - 1) * 10 + 5.0, np.arange(ny_ - 1) * 10 + 5.0)
    pts = np.vstack(
        [
            np.column_stack([X0 + cx.ravel(), Y0 + cy.ravel()]),  # 4-way ties
            np.column_stack([x, y]),  # on nodes
            np.column_stack(
                [X0 + rng.integers(-20, 130, 200) / 2.0, Y0 + rng.integers(-20, 100, 200) / 2.0]
            ),  # half-metre lattice
            np.column_stack([X0 + rng.uniform(-50, 160, 200), Y0 + rng.uniform(-50, 130, 200)]),
        ]
    )
    _check_against_brute(net, pts)


# --------------------------------------------------------------------------- bad input
def test_lonlat_degrees_passed_as_metres():
    net = helsinki_network()
    lonlat = np.array([[24.94, 60.17], [24.95, 60.171]])
    with pytest.raises(CRSError) as exc:
        snap(net, lonlat, ids=["kallio-1", "kallio-2"], what="services")
    msg = str(exc.value)
    assert "'kallio-1'" in msg and "lon/lat" in msg
    assert 'to_crs("EPSG:32635")' in msg and "Fix:" in msg


def test_swapped_lat_lon_degrees_also_caught():
    net = _net()
    # Helsingborg given as (lat, lon) degrees to a metric network: named, explained, fixable
    with pytest.raises(CRSError) as exc:
        snap(net, [[56.05, 12.69]], ids=["hbg"])
    msg = str(exc.value)
    assert "'hbg'" in msg and "(56.05, 12.69)" in msg
    assert "lat/lon" in msg and "EPSG:3006" in msg
    assert "Fix:" in msg and "to_crs" in msg


def test_swapped_x_y_metres():
    net = helsinki_network()
    xy = np.column_stack([net.node_y[:3], net.node_x[:3]])  # (northing, easting)
    with pytest.raises(CRSError) as exc:
        snap(net, xy, ids=["r1", "r2", "r3"])
    msg = str(exc.value)
    assert "'r1'" in msg and "swapped" in msg and "Fix:" in msg


@pytest.mark.parametrize("net_crs", ["EPSG:3006", "EPSG:32635"])
def test_crs_mismatch_names_both_and_the_fix(net_crs):
    net = _net(net_crs)
    gdf = gpd.GeoDataFrame(geometry=gpd.points_from_xy([12.7], [56.05]), crs="EPSG:4326")
    with pytest.raises(CRSError) as exc:
        snap(net, gdf, what="services")
    msg = str(exc.value)
    assert "EPSG:4326" in msg and net_crs in msg
    assert f'points.to_crs("{net_crs}")' in msg


def test_missing_crs():
    net = _net()
    gs = gpd.GeoSeries(gpd.points_from_xy([X0], [Y0]))
    with pytest.raises(CRSError, match="no CRS"):
        snap(net, gs)


def test_empty_missing_and_non_point_geometry_name_the_point():
    net = _net()
    geoms = [shapely.Point(X0, Y0), shapely.Point(), None, shapely.box(X0, Y0, X0 + 5, Y0 + 5)]
    ids = ["ok", "empty", "none", "poly"]
    for bad in (1, 2, 3):
        gdf = gpd.GeoDataFrame(
            {"i": [ids[0], ids[bad]]}, geometry=[geoms[0], geoms[bad]], crs="EPSG:3006"
        )
        with pytest.raises(GeometryError) as exc:
            snap(net, gdf, ids=gdf["i"])
        assert f"'{ids[bad]}'" in str(exc.value) and "Fix:" in str(exc.value)
    with pytest.raises(GeometryError, match="representative_point"):
        snap(net, gpd.GeoSeries([geoms[3]], crs="EPSG:3006"))


def test_nan_coordinates_and_bad_shapes():
    net = _net()
    with pytest.raises(GeometryError, match=r"'b'.*non-finite"):
        snap(net, [[X0, Y0], [np.nan, Y0]], ids=["a", "b"])
    with pytest.raises(ParameterError, match=r"\(n, 2\)"):
        snap(net, np.zeros((3, 3)))
    with pytest.raises(ParameterError, match="ids"):
        snap(net, [[X0, Y0]], ids=["a", "b"])


def test_duplicate_ids_and_bad_parameters():
    net = _net()
    with pytest.raises(SchemaError, match=r"duplicate ids.*'a'"):
        snap(net, [[X0, Y0], [X0 + 1, Y0]], ids=["a", "a"])
    with pytest.raises(ParameterError, match="max_snap_m"):
        snap(net, [[X0, Y0]], max_snap_m=-1)
    with pytest.raises(ParameterError, match="min_component_share"):
        snap(net, [[X0, Y0]], min_component_share=2)
    geo = WalkNetwork.from_arrays("EPSG:4326", [12.7, 12.71], [56.0, 56.0], [0], [1])
    with pytest.raises(CRSError, match="geographic"):
        snap(geo, [[12.7, 56.0]])
