"""Nearest edge (proximity.snap._nearest_edge) against brute force: real OSM and exact ties."""

from __future__ import annotations

from unittest import mock

import numpy as np
import shapely
from _real import helsinki_network
from _snap_cases import X0, Y0

from proximity.network import WalkNetwork
from proximity.snap import _nearest_edge, snap


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
    # no component is small (share 0): snapping takes the plain nearest edge
    s = snap(net, pts, max_snap_m=np.inf, min_component_share=0.0)
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
        _nearest_edge, "_nearest_edge_ball", wraps=_nearest_edge._nearest_edge_ball
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
