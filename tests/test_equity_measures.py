"""Tests of proximity.equity.measures against values worked out by hand.

The hand-made case is the synthetic line network of tests/_coverage_cases.py (not real data):
one library at x = 0, walking at 1 m/s (minutes = metres / 60).

    area A: d1 2 min (10 p), d2 6 min (20 p), d6 unsnapped (5 p)                 -> 35 p
    area B: d3 10 min (30 p), d4 25 min (40 p), d5 unreachable (10 p), 15 unlocated -> 95 p
    employment rate A 60 %, B 80 %; mean income A 200 000, B 300 000 SEK.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from proximity.equity import (
    access_poverty,
    coverage_gap,
    gini,
    lorenz,
    need_weighted_share,
    need_weights,
    palma,
)
from proximity.equity.measures import worst_areas
from proximity.errors import ParameterError

X = [2.0, 6.0, 10.0, 25.0]  # minutes of the reachable residents
W = [10.0, 20.0, 30.0, 40.0]  # their population


def test_gini_by_hand() -> None:
    # Pairs (i < j) of w_i w_j |x_i - x_j|:
    #   (2,6) 10·20·4 = 800, (2,10) 10·30·8 = 2400, (2,25) 10·40·23 = 9200,
    #   (6,10) 20·30·4 = 2400, (6,25) 20·40·19 = 15200, (10,25) 30·40·15 = 18000
    #   sum = 48 000; over ordered pairs 96 000.
    # W = 100, mean = (20 + 120 + 300 + 1000) / 100 = 14.4
    # G = 96 000 / (2 · 100² · 14.4) = 96 000 / 288 000 = 1/3
    assert gini(X, W) == pytest.approx(1 / 3)
    assert gini([5, 5, 5], [1, 2, 3]) == 0.0
    assert gini([0, 0], [1, 1]) == 0.0
    # two equal groups, one at 0, one at 1: G = 1·1·1·2 / (2·2²·0.5) = 0.5
    assert gini([0, 1]) == pytest.approx(0.5)


def test_lorenz_by_hand() -> None:
    cur = lorenz(X, W)
    # cumulative population: 0, .1, .3, .6, 1; cumulative time: 0, 20, 140, 440, 1440 (/1440)
    np.testing.assert_allclose(cur["pop_share"], [0, 0.1, 0.3, 0.6, 1.0])
    np.testing.assert_allclose(cur["time_share"], [0, 20 / 1440, 140 / 1440, 440 / 1440, 1.0])
    # Gini = 1 - Σ (P_k - P_k-1)(L_k + L_k-1) (trapezoids) equals the pairwise formula
    p, t = cur["pop_share"].to_numpy(), cur["time_share"].to_numpy()
    assert 1 - np.sum(np.diff(p) * (t[1:] + t[:-1])) == pytest.approx(1 / 3)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 100), st.floats(0.1, 50)), min_size=1, max_size=20))
def test_gini_equals_pairwise_and_lorenz(data) -> None:  # type: ignore[no-untyped-def]
    x = np.array([d[0] for d in data])
    w = np.array([d[1] for d in data])
    g = gini(x, w)
    mu = np.sum(w * x) / w.sum()
    pair = np.sum(np.outer(w, w) * np.abs(x[:, None] - x[None, :]))
    expected = pair / (2 * w.sum() ** 2 * mu) if mu > 0 else 0.0
    assert g == pytest.approx(expected, abs=1e-9)
    cur = lorenz(x, w)
    p, t = cur["pop_share"].to_numpy(), cur["time_share"].to_numpy()
    if mu > 0:
        assert 1 - np.sum(np.diff(p) * (t[1:] + t[:-1])) == pytest.approx(g, abs=1e-9)


def test_gini_rejects_unreachable() -> None:
    with pytest.raises(ParameterError, match="non-finite"):
        gini([1.0, math.inf], [1, 1])


def test_palma_by_hand() -> None:
    # Area means (reachable residents): A (20 + 120) / 30 = 14/3, B (300 + 1000) / 70 = 130/7.
    # Ranked by income: A (35 p) then B (95 p); total 130.
    # Bottom 40 % = 52 p: all 35 of A + 17 of B -> mean (35·14/3 + 17·130/7) / 52 = 2515/273
    # Top 10 % = 13 p, all in B -> 130/7.  P = (2515/273) / (130/7) = 3521/7098 ≈ 0.49606
    assert palma([14 / 3, 130 / 7], [35, 95], [200_000, 300_000]) == pytest.approx(3521 / 7098)
    # Five areas of 100 p each with times 10, 8, 6, 4, 2 by rising income:
    # bottom 40 % = first two areas -> 9; top 10 % = half of the last -> 2; P = 4.5
    assert palma([10, 8, 6, 4, 2], [100] * 5, [1, 2, 3, 4, 5]) == pytest.approx(4.5)
    # income order, not input order, decides
    assert palma([2, 4, 6, 8, 10], [100] * 5, [5, 4, 3, 2, 1]) == pytest.approx(4.5)
    assert math.isnan(palma([1.0], [10], [5]))


def test_gap_and_poverty_by_hand() -> None:
    # 10 min: A covers 30 / 35, B 30 / 95; best = A; gap_B = 100 (30/35 - 30/95) pp
    gap = coverage_gap(["B", "A"], [30 / 95, 30 / 35], [95, 35])
    assert list(gap["area_id"]) == ["A", "B"]
    assert gap["best_area_id"].iloc[0] == "A"
    assert gap["gap_pp"].tolist() == pytest.approx([0.0, 100 * (30 / 35 - 30 / 95)])
    assert gap["gap_pp"].iloc[1] == pytest.approx(54.1353, abs=1e-4)
    # access poverty at 10 min: beyond = d4 40 + d5 10 (inf) + d6 5 (inf) + 15 unlocated = 70
    minutes = [2, 6, 10, 25, math.inf, math.inf]
    pop = [10, 20, 30, 40, 10, 5]
    assert access_poverty(minutes, pop, 10, unrouted=15) == pytest.approx(70 / 130)
    assert access_poverty(minutes, pop, 5, unrouted=15) == pytest.approx(120 / 130)


def test_need_weights_by_hand() -> None:
    # city mean employment weighted by population: (35·60 + 95·80) / 130 = 74.615...
    # n_A = 1 + (74.615 - 60) / 100 = 1.14615, n_B = 1 + (74.615 - 80) / 100 = 0.94615
    n = need_weights(["A", "B"], [60, 80], [35, 95])
    e = (35 * 60 + 95 * 80) / 130
    assert n.tolist() == pytest.approx([1 + (e - 60) / 100, 1 + (e - 80) / 100])
    # Σ n_a P_a = Σ P_a when the mean is population-weighted: the weights only re-distribute
    assert float(np.dot(n, [35, 95])) == pytest.approx(130)
    share = need_weighted_share([30, 30], [35, 95], n)
    assert share == pytest.approx(30 * n.sum() / 130)
    assert share == pytest.approx(0.482840, abs=1e-6)
    assert need_weights(["A", "B"], [np.nan, 70]).tolist() == [1.0, 1.0]


def test_worst_area_helper_tolerance_and_empty() -> None:
    ids = np.array(["a", "b", "c", "d"], dtype=object)
    # "c" differs from the maximum by float noise only: tied; "a" is nan (no population)
    assert worst_areas(ids, np.array([np.nan, 40.0, 40.0 - 1e-12, 10.0])) == (["b", "c"], 40.0)
    assert worst_areas(ids, np.array([5.0, 1.0, 2.0, 3.0])) == (["a"], 5.0)
    out_ids, g = worst_areas(ids, np.full(4, np.nan))
    assert out_ids == [] and math.isnan(g)
