"""Per-point and per-area tables (proximity.coverage._tables): the hand-made case worked out
by hand, age groups, subareas, extra services, and properties on random graphs (synthetic
networks and cities, tests/_coverage_cases.py)."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from _coverage_cases import (
    CRS,
    ONE,
    X0,
    Y0,
    area_row,
    conserved,
    hand_access,
    hand_city,
    line_network,
    make_city,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from proximity.coverage import (
    TOTAL_AREA_ID,
    TOTAL_AREA_NAME,
    Access,
    compute_access,
)
from proximity.network import WalkNetwork


@pytest.fixture(scope="module")
def hand() -> Access:
    return hand_access()


def test_hand_case_counts(hand: Access) -> None:
    # Synthetic line network (tests/_toy.py); library at x = 0; 1 m/s -> minutes = m / 60.
    # Area A: d1 2 min (10 p), d2 6 min (20 p), d6 unsnapped (5 p)      -> population 35
    # Area B: d3 10 min (30 p), d4 25 min (40 p), d5 island (10 p), 15 unlocated -> 95
    a10 = area_row(hand, "A", 10)
    assert (a10.population, a10.covered, a10.uncovered, a10.unsnapped) == (35, 30, 0, 5)
    assert a10.covered_share == pytest.approx(30 / 35)
    a5 = area_row(hand, "A", 5)
    assert (a5.covered, a5.uncovered) == (10, 20)  # 6 min > 5
    b10 = area_row(hand, "B", 10)  # 10 min <= 10: covered (thresholds are inclusive)
    assert (b10.population, b10.covered, b10.uncovered, b10.unreachable, b10.unlocated) == (
        95,
        30,
        40,
        10,
        15,
    )
    assert b10.covered_share == pytest.approx(30 / 95)
    t10 = area_row(hand, TOTAL_AREA_ID, 10)
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
    conserved(hand.areas)


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


def test_age_groups_and_subareas() -> None:
    city = make_city(
        demand=[("d1", "A", 120, 0, 10), ("d2", "B", 900, 0, 20)],
        services=[("lib1", "library", 0, 0)],
        age=[(2, 5, 3), (4, 10, 6)],
    )
    acc = compute_access(city, line_network(), profiles=(ONE,), thresholds_min=(5,))
    assert acc.groups == ("all", "0_19", "20_64", "65_plus")
    # d1 at 2 min is covered, d2 at 15 min is not: 65+ covered = 3 of 3 + 6
    old = area_row(acc, TOTAL_AREA_ID, 5, group="65_plus")
    assert (old.population, old.covered) == (9, 3)
    assert acc.provenance["age_groups"] == ["0_19", "20_64", "65_plus"]
    conserved(acc.areas)
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
    assert area_row(acc, "B", 10).covered == 70  # d4 now next to the new library


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
    # random graphs leave many points unsnapped or on islands: accept any share here
    # (tests/test_trust_coverage.py checks the default limits on random cases)
    limits = {"warn_unsnapped_share": 1.0, "max_unsnapped_share": 1.0}
    acc = compute_access(
        city,
        net,
        profiles=("adult", "elderly"),
        thresholds_min=thresholds,
        max_snap_m=250.0,
        **limits,
    )
    a = acc.areas
    # population conserved on every row, and equal to the input total on the total rows
    conserved(a)
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
        **limits,
    )
    m1 = acc.points["minutes"].to_numpy()
    m2 = acc2.points["minutes"].to_numpy()
    assert np.all((m2 <= m1 + 1e-9) | (m1 == np.inf))
    c1 = acc.areas.set_index([*key, "threshold_min"])["covered"].sort_index()
    c2 = acc2.areas.set_index([*key, "threshold_min"])["covered"].sort_index()
    assert np.all(c2.to_numpy() >= c1.to_numpy() - 1e-9)
    conserved(acc2.areas)


def test_area_table_matches_brute_force_with_groups_and_metre_thresholds() -> None:
    """Synthetic, seeded: ``area_table`` against a plain per-row loop (fractional weights,
    three groups, minute and metre thresholds, unsnapped and unreachable points, profiles
    sharing one distance array as routing hands them over)."""
    from proximity.coverage._route import TOO_FAR
    from proximity.coverage._tables import UnitTable, area_table
    from proximity.profiles import get_profile

    rng = np.random.default_rng(3)
    n, nu = 300, 4
    idx = rng.integers(0, nu, n)
    w = rng.random((n, 3)) * 10
    w[rng.random(n) < 0.05] = 0.0
    status = np.where(rng.random(n) < 0.1, TOO_FAR, 0)
    profs = [get_profile("adult"), get_profile("elderly")]
    per_cat = {}
    for cat in ("a", "b"):
        d = rng.random(n) * 2000
        d[rng.random(n) < 0.1] = np.inf  # unreachable
        d[status == TOO_FAR] = np.inf
        for p in profs:
            per_cat[(cat, p.name)] = (d, np.zeros(n, np.int64))
    ids = [f"u{i}" for i in range(nu)]
    units = UnitTable(
        idx=idx,
        ids=ids,
        names=pd.Series(ids, index=ids),
        keep=ids,
        unlocated=np.zeros((nu, 3)),
        unlocated_total=np.zeros(3),
    )
    thr, thr_m = (5, 10, 20), (500, 1000)
    got = area_table(
        per_cat,
        units,
        cats=["a", "b"],
        profs=profs,
        thresholds=thr,
        groups=["all", "g1", "g2"],
        weights=w,
        status_codes=status,
        distance_method="network",
        thresholds_m=thr_m,
    )
    assert len(got) == (nu + 1) * 2 * 2 * 5 * 3
    for row in got.itertuples(index=False):
        sel = np.ones(n, bool) if row.area_id == TOTAL_AREA_ID else idx == ids.index(row.area_id)
        gi = ["all", "g1", "g2"].index(row.group)
        prof = next(p for p in profs if p.name == row.profile)
        d = per_cat[(row.category, row.profile)][0]
        mins = d / prof.speed_m_s / 60
        ww = w[:, gi]
        uns = sel & (status == TOO_FAR)
        reach = sel & np.isfinite(d)
        if pd.isna(row.threshold_min):
            cov = reach & (d <= row.threshold_m)
        else:
            cov = reach & (mins <= row.threshold_min)
        assert math.isclose(row.covered, ww[cov].sum(), abs_tol=1e-9)
        assert math.isclose(row.unsnapped, ww[uns].sum(), abs_tol=1e-9)
        assert math.isclose(row.unreachable, ww[sel & ~reach & ~uns].sum(), abs_tol=1e-9)
        assert math.isclose(row.uncovered, ww[reach & ~cov].sum(), abs_tol=1e-9)
        assert math.isclose(row.population, ww[sel].sum(), abs_tol=1e-9)
        m, mw = mins[reach & (ww > 0)], ww[reach & (ww > 0)]
        if mw.sum() == 0:
            assert np.isnan(row.mean_min) and np.isnan(row.median_min)
            continue
        assert math.isclose(row.mean_min, (m * mw).sum() / mw.sum(), rel_tol=1e-12)
        o = np.argsort(m)
        cum = np.cumsum(mw[o])
        for q, val in ((0.5, row.median_min), (0.9, row.p90_min)):
            first = next(i for i in range(len(o)) if cum[i] >= q * cum[-1] - 1e-9 * cum[-1])
            assert val == m[o][first]


@pytest.mark.parametrize("seed", range(40))
def test_stable_argsort_equals_numpys_stable_sort(seed):
    """_stable_argsort (two unstable sorts) gives numpy's stable order, ties in index order,
    on arrays with many ties, infinities, ±0 and NaN (checked against np.argsort "stable")."""
    from proximity.coverage._tables import _stable_argsort

    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 2000))
    a = np.round(rng.random(n) * rng.choice([3.0, 300.0]), int(rng.integers(0, 3)))
    a[rng.random(n) < 0.1] = np.inf
    a[rng.random(n) < 0.05] = -0.0 if seed % 2 else 0.0
    if seed % 5 == 0:
        a[rng.random(n) < 0.05] = np.nan
    assert np.array_equal(_stable_argsort(a), np.argsort(a, kind="stable"))
