"""Tests of proximity.equity.tables against values worked out by hand.

The hand-made case is the synthetic line network of tests/_coverage_cases.py (not real data):
one library at x = 0, walking at 1 m/s (minutes = metres / 60).

    area A: d1 2 min (10 p), d2 6 min (20 p), d6 unsnapped (5 p)                 -> 35 p
    area B: d3 10 min (30 p), d4 25 min (40 p), d5 unreachable (10 p), 15 unlocated -> 95 p
    employment rate A 60 %, B 80 %; mean income A 200 000, B 300 000 SEK.
"""

from __future__ import annotations

import numpy as np
import pytest
from _coverage_cases import ONE, hand_city, line_network, make_city

from proximity.coverage import compute_access
from proximity.equity import (
    equity_table,
    gap_table,
    lorenz_table,
)
from proximity.errors import ParameterError


@pytest.fixture(scope="module")
def hand():  # type: ignore[no-untyped-def]
    city = hand_city()
    return city, compute_access(city, line_network(), profiles=(ONE,), thresholds_min=(5, 10))


def test_equity_table_on_hand_case(hand) -> None:  # type: ignore[no-untyped-def]
    city, acc = hand
    tab = equity_table(acc, city)
    assert len(tab) == 2  # 1 category × 1 profile × 2 thresholds
    r = tab[tab["threshold_min"] == 10].iloc[0]
    assert r.gini_min == pytest.approx(1 / 3)
    assert r.mean_min == pytest.approx(14.4)
    assert r.population == 130 and r.reachable == 100
    assert r.unrouted_share == pytest.approx(30 / 130)  # 5 unsnapped + 10 + 15 unlocated
    assert r.access_poverty == pytest.approx(70 / 130)
    assert r.best_area_id == "A" and r.worst_area_id == "B"
    assert r.max_gap_pp == pytest.approx(100 * (30 / 35 - 30 / 95))
    assert r.palma_min == pytest.approx(3521 / 7098)
    assert r.need_weighted_covered_share == pytest.approx(0.482840, abs=1e-6)
    assert r.distance_method == "network"
    gaps = gap_table(acc)
    assert set(gaps["area_id"]) == {"A", "B"}
    cur = lorenz_table(acc, category="library", profile="one_m_s")
    assert cur["time_share"].iloc[-1] == pytest.approx(1.0)


def test_equity_table_without_stats(hand) -> None:  # type: ignore[no-untyped-def]
    _, acc = hand
    tab = equity_table(acc)
    assert tab["palma_min"].isna().all()
    assert tab["need_weighted_covered_share"].isna().all()
    with pytest.raises(ParameterError, match="Threshold 7"):
        equity_table(acc, thresholds_min=[7])
    with pytest.raises(ParameterError, match="group"):
        equity_table(acc, group="65_plus")


def test_equity_table_age_group() -> None:
    city = make_city(
        demand=[("d1", "A", 120, 0, 10), ("d2", "B", 900, 0, 20)],
        services=[("lib1", "library", 0, 0)],
        age=[(2, 5, 3), (4, 10, 6)],
    )
    acc = compute_access(city, line_network(), profiles=(ONE,), thresholds_min=(5,))
    tab = equity_table(acc, city, group="65_plus")
    r = tab.iloc[0]
    # 65+: 3 at 2 min (covered), 6 at 15 min -> covered share 3/9, Gini of (2, 15) w (3, 6):
    # pairs 2·3·6·13 = 468; W = 9, mean = (6 + 90)/9; G = 468 / (2·81·96/9) = 0.27083
    assert r.covered_share == pytest.approx(3 / 9)
    assert r.gini_min == pytest.approx(468 / (2 * 81 * 96 / 9))
    cur = lorenz_table(acc, category="library", profile="one_m_s", group="65_plus")
    np.testing.assert_allclose(cur["pop_share"], [0, 1 / 3, 1])


def test_worst_area_ties_are_deterministic_and_counted() -> None:
    """Three areas tied at 0 % covered: the smallest id is named worst, all three are listed
    and counted, whatever the order of the areas in the input."""
    demand = [
        ("d1", "A", 100, 0, 50),  # 130 m crow-fly × 1.3 from the library: covered
        ("d2", "D", 16_000, 0, 10),  # far: 0 % in B, C and D
        ("d3", "C", 11_000, 0, 20),
        ("d4", "B", 6_000, 0, 30),
    ]
    for areas in (("A", "B", "C", "D"), ("D", "C", "A", "B")):
        city = make_city(demand=demand, services=[("lib1", "library", 0, 0)], areas=areas)
        with pytest.warns(UserWarning):
            acc = compute_access(city, None, profiles=(ONE,), thresholds_min=(5,))
        r = equity_table(acc).iloc[0]
        assert r.best_area_id == "A" and r.best_share == pytest.approx(1.0)
        assert r.worst_area_id == "B"
        assert r.n_worst_tied == 3
        assert r.worst_area_ids == "B;C;D"
        assert r.max_gap_pp == pytest.approx(100.0)
