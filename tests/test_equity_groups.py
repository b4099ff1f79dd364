"""Equity by group (issue 14): Theil decomposition, concentration index, group tables."""

from __future__ import annotations

import math
import warnings
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from proximity.equity import gini
from proximity.equity.group_tables import (
    NORRA_HISINGEN,
    SOCIOEK_CLASS,
    GroupSpec,
    area_groups,
    group_equity,
    write_group_equity,
)
from proximity.equity.groups import (
    concentration_index,
    fractional_rank,
    theil_decomposition,
    theil_t,
    weighted_median,
)
from proximity.errors import ParameterError
from proximity.sources.city import TOTAL_AREA_ID


# ------------------------------------------------------------------ hand-made case
def test_theil_by_hand() -> None:
    # group A: one resident walks 2 min, one 4 min (mean 3); group B: two residents walk 6 min.
    # W = 4, mean = (2 + 4 + 2*6) / 4 = 4.5.
    # time shares v_A = (2/4) * 3/4.5 = 1/3, v_B = (2/4) * 6/4.5 = 2/3.
    # between = v_A ln(3/4.5) + v_B ln(6/4.5) = ln(2/3)/3 + (2/3) ln(4/3)        ≈ 0.056633
    # within: T_A = 1/2 [(2/3) ln(2/3) + (4/3) ln(4/3)] ≈ 0.056633, T_B = 0,
    #         within = v_A T_A + v_B T_B = T_A / 3                              ≈ 0.018878
    # total = 1/4 [ (2/4.5) ln(2/4.5) + (4/4.5) ln(4/4.5) + 2 (6/4.5) ln(6/4.5) ] ≈ 0.075511
    x, w, g = [2.0, 4.0, 6.0], [1.0, 1.0, 2.0], ["A", "A", "B"]
    between = math.log(2 / 3) / 3 + (2 / 3) * math.log(4 / 3)
    t_a = 0.5 * ((2 / 3) * math.log(2 / 3) + (4 / 3) * math.log(4 / 3))
    within = t_a / 3
    total = 0.25 * (
        (2 / 4.5) * math.log(2 / 4.5)
        + (4 / 4.5) * math.log(4 / 4.5)
        + 2 * (6 / 4.5) * math.log(6 / 4.5)
    )
    d = theil_decomposition(x, w, g)
    assert d.between == pytest.approx(between, abs=1e-12)
    assert d.within == pytest.approx(within, abs=1e-12)
    assert d.total == pytest.approx(total, abs=1e-12)
    assert d.between + d.within == pytest.approx(d.total, abs=1e-12)
    assert round(d.total, 6) == 0.075511
    assert theil_t(x, w) == pytest.approx(total, abs=1e-12)
    rows = d.groups.set_index("group")
    assert rows.loc["A", "theil"] == pytest.approx(t_a) and rows.loc["B", "theil"] == 0.0
    assert rows["time_share"].sum() == pytest.approx(1.0)
    assert theil_t([5.0, 5.0], [3.0, 1.0]) == 0.0


def test_concentration_index_by_hand() -> None:
    # classes ranked 1, 2, 3 with 1, 2, 1 residents; covered: class 1 no, classes 2 and 3 yes.
    # fractional ranks: class 1 (0 + 1/2)/4 = 0.125, class 2 (1 + 2/2)/4 = 0.5, class 3
    # (3 + 1/2)/4 = 0.875 (weighted mean 1/2). mean coverage = 3/4.
    # cov = 1/4 [1 (0 - .75)(.125 - .5) + 2 (1 - .75)(0) + 1 (1 - .75)(.875 - .5)]
    #     = 1/4 [0.28125 + 0.09375] = 0.09375
    # standard C = 2 cov / mean = 0.25; Erreygers E = 8 cov / (1 - 0) = 0.75 (pro-favoured).
    y, w, r = [0.0, 1.0, 1.0], [1.0, 2.0, 1.0], [1, 2, 3]
    assert list(fractional_rank(r, w)) == [0.125, 0.5, 0.875]
    ci = concentration_index(y, w, r)
    assert ci.standard == pytest.approx(0.25)
    assert ci.erreygers == pytest.approx(0.75)
    assert ci.mean == pytest.approx(0.75) and ci.population == 4.0
    # everyone equally covered: no concentration
    assert concentration_index([1, 1, 1], w, r).erreygers == pytest.approx(0.0)
    # only the least favoured class covered: negative
    assert concentration_index([1, 0, 0], w, r).erreygers < 0
    with pytest.raises(ParameterError):
        concentration_index([2.0, 0, 0], w, r)


def test_weighted_median_inverted_cdf() -> None:
    assert weighted_median([1, 2, 3], [1, 1, 1]) == 2
    assert weighted_median([1, 2, 3], [1, 1, 2]) == 2  # cum 1, 2 (= half of 4), 4
    assert weighted_median([1, 2, 3], [1, 0.5, 3]) == 3


def test_theil_refuses_unreachable() -> None:
    with pytest.raises(ParameterError):
        theil_t([1.0, math.inf])


# ------------------------------------------------------------------ property
@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.floats(0, 120, allow_nan=False, allow_subnormal=False),
            st.floats(0.01, 1000, allow_nan=False),
            st.integers(0, 4),
        ),
        min_size=1,
        max_size=40,
    )
)
def test_theil_decomposition_is_exact(rows: list[tuple[float, float, int]]) -> None:
    x, w, g = (np.array(c) for c in zip(*rows, strict=True))
    d = theil_decomposition(x, w, g)
    if not np.any(x * w > 0):  # mean 0: Theil undefined
        assert math.isnan(d.total) and math.isnan(theil_t(x, w))
        return
    assert d.total == pytest.approx(theil_t(x, w), rel=1e-9, abs=1e-12)
    assert d.between + d.within == pytest.approx(d.total, rel=1e-9, abs=1e-10)
    assert d.between >= -1e-12 and d.within >= -1e-12
    assert d.groups["population"].sum() == pytest.approx(w.sum())


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(st.booleans(), st.floats(0.01, 1000), st.integers(1, 6)), min_size=1, max_size=30
    )
)
def test_erreygers_is_bounded(rows: list[tuple[bool, float, int]]) -> None:
    y, w, r = (np.array(c, dtype=float) for c in zip(*rows, strict=True))
    e = concentration_index(y, w, r).erreygers
    assert -1 - 1e-9 <= e <= 1 + 1e-9


# ------------------------------------------------------------------ tables on a toy city
def _toy():
    areas = pd.DataFrame(
        {
            "area_id": ["a", "b", "c", "d"],
            "klass": ["low", "high", "high", "none"],
            "rank": ["1", "2", "2", ""],
            "district": ["N", "N", "S", "S"],
        }
    )
    points = pd.DataFrame(
        {
            "area_id": ["a", "a", "b", "c", "d"],
            "category": "health_centre",
            "profile": "adult",
            "minutes": [5.0, 25.0, 8.0, math.inf, 12.0],
            "population": [10.0, 30.0, 20.0, 5.0, 7.0],
        }
    )
    unlocated = pd.DataFrame({"area_id": ["b", "__unassigned__"], "population": [3.0, 4.0]})
    city = SimpleNamespace(areas=areas, unlocated=unlocated)
    access = SimpleNamespace(
        points=points,
        categories=("health_centre",),
        profiles=("adult",),
        distance_method="crowfly×1.3",
    )
    return access, city


def test_group_table_counts_everyone_once(tmp_path) -> None:
    access, city = _toy()
    spec = GroupSpec("klass", "klass", rank_column="rank")
    r = group_equity(
        access, city, spec, category="health_centre", profile="adult", threshold_min=10
    )
    t = r.table.set_index("group")
    assert list(t.index) == ["low", "high", "none", TOTAL_AREA_ID]
    parts = t["covered"] + t["uncovered"] + t["unreachable"] + t["unlocated"]
    assert (parts == t["population"]).all()
    assert t.loc["low", "covered_share"] == pytest.approx(10 / 40)
    assert t.loc["high", "covered_share"] == pytest.approx(20 / 28)  # 20 + 5 unreachable + 3
    assert t.loc[TOTAL_AREA_ID, "population"] == 79  # 72 located + 7 unlocated
    assert t.loc["low", "mean_min"] == pytest.approx((50 + 750) / 40)
    assert t.loc["low", "gini"] == pytest.approx(gini([5, 25], [10, 30]))
    s = r.summary
    assert s["class_gap_pp"] == pytest.approx(100 * (20 / 28 - 10 / 40))
    assert (s["most_favoured"], s["least_favoured"]) == ("high", "low")
    assert s["unreachable_population"] == 5 and s["unlocated_population"] == 7
    assert s["unlocated_no_area"] == 4
    assert s["theil_population"] == 67  # reachable located only
    assert s["ci_excluded_unranked"] == 7 and s["ci_excluded_no_area"] == 4
    # CI over ranked residents: low (rank 1) 40 people, 10 covered; high (rank 2) 28, 20 covered
    y = np.array([1, 0, 1, 0, 0], float)
    ci = concentration_index(y, [10, 30, 20, 5, 3], [1, 1, 2, 2, 2])
    assert s["ci_erreygers"] == pytest.approx(ci.erreygers)
    assert s["theil_between"] + s["theil_within"] == pytest.approx(s["theil_total"])
    paths = write_group_equity([r], tmp_path)
    assert len(pd.read_csv(paths["groups"])) == 4


def test_named_group_and_unknown_member() -> None:
    _, city = _toy()
    spec = GroupSpec("north", "district", members={"Norr": ("N",)}, rest="Resten")
    g = area_groups(city.areas, spec)
    assert list(g["group"]) == ["Norr", "Norr", "Resten", "Resten"]
    with pytest.raises(ParameterError):
        area_groups(city.areas, GroupSpec("x", "district", members={"X": ("Q",)}))
    with pytest.raises(ParameterError):
        area_groups(city.areas, GroupSpec("x", "nope"))


# ------------------------------------------------------------------ Göteborg
@pytest.fixture(scope="module")
def goteborg():
    from proximity.coverage import compute_access
    from proximity.sources import load_city

    city = load_city("goteborg")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        access = compute_access(
            city, None, categories=["health_centre"], profiles=["adult"], thresholds_min=[10]
        )
    return city, access


def test_goteborg_per_class_table_from_points(goteborg) -> None:
    city, access = goteborg
    r = group_equity(
        access, city, SOCIOEK_CLASS, category="health_centre", profile="adult", threshold_min=10
    )
    assert r.distance_method == "crowfly×1.3"
    # recompute from the per-point table, independently of group_tables
    pts = access.points[
        (access.points["category"] == "health_centre") & (access.points["profile"] == "adult")
    ]
    klass = city.areas.set_index("area_id")["socioek_klass"]
    p = pd.DataFrame(
        {
            "klass": pts["area_id"].astype(str).map(klass).to_numpy(),
            "w": pts["population"].to_numpy(float),
            "m": pts["minutes"].to_numpy(float),
        }
    )
    unl = city.unlocated.assign(klass=city.unlocated["area_id"].map(klass))
    t = r.table.set_index("group")
    for name, grp in p.groupby("klass"):
        reach = grp[np.isfinite(grp["m"])]
        pop = grp["w"].sum() + unl.loc[unl["klass"] == name, "population"].sum()
        covered = reach.loc[reach["m"] <= 10, "w"].sum()
        assert t.loc[name, "population"] == pytest.approx(pop)
        assert t.loc[name, "covered_share"] == pytest.approx(covered / pop)
        assert t.loc[name, "mean_min"] == pytest.approx(np.average(reach["m"], weights=reach["w"]))
        order = np.argsort(reach["m"].to_numpy(), kind="stable")
        cum = np.cumsum(reach["w"].to_numpy()[order])
        med = reach["m"].to_numpy()[order][np.searchsorted(cum, cum[-1] / 2 - 1e-9)]
        assert t.loc[name, "median_min"] == pytest.approx(med)
    # the accounting: 606,741 located + 2,207 unlocated = 608,948
    assert t.loc[TOTAL_AREA_ID, "population"] == 608_948
    assert t.drop(TOTAL_AREA_ID)["population"].sum() == 608_948 - 1_924  # 99990: no area
    assert t.loc[TOTAL_AREA_ID, "unlocated"] == 2_207
    s = r.summary
    assert s["ci_excluded_unranked"] == t.loc["Ej klassificerat", "population"]
    assert s["ci_excluded_no_area"] == 1_924
    assert s["theil_between"] + s["theil_within"] == pytest.approx(s["theil_total"])
    assert s["least_favoured"] == "Områden med stora socioekonomiska utmaningar"
    assert s["most_favoured"] == "Områden med särskilt goda socioekonomiska förutsättningar"


def test_goteborg_norra_hisingen(goteborg) -> None:
    city, access = goteborg
    r = group_equity(
        access, city, NORRA_HISINGEN, category="health_centre", profile="adult", threshold_min=10
    )
    t = r.table.set_index("group")
    assert t.loc["Norra Hisingen", "n_areas"] == 8 and t.loc["Övriga Göteborg", "n_areas"] == 88
    assert r.ci is None and "class_gap_pp" not in r.summary
