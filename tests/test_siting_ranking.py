"""Ranking and impact of the chosen sites (proximity.siting.ranking)."""

from __future__ import annotations

import numpy as np
import pytest
from _siting_instances import make_instance

from proximity.errors import ParameterError
from proximity.siting import rank_sites, solve
from proximity.sources.city import TOTAL_AREA_ID


def test_rank_gains_sum_to_objective() -> None:
    P, _ = make_instance(7)
    s = solve(P, "mclp", "highs")
    _order, gains = rank_sites(P, s.chosen)
    assert gains.sum() == pytest.approx(s.objective - P.objective([], "mclp"))
    assert list(gains) == sorted(gains, reverse=True)  # greedy order within the solution


def test_impact_tables_unassigned_population() -> None:
    """Array level: the unassigned population only enters the total row's denominator, and
    the Gini of covered shares is named as such and follows its formula."""
    import scipy.sparse as sp

    from proximity.siting import impact_tables
    from proximity.siting.models import SitingProblem

    # demand: a1 (10, area a), a2 (30, area a), b1 (60, area b); candidate c0 covers a1, b1
    cover = sp.csr_matrix(np.array([[1, 0, 1]], dtype=bool))
    prob = SitingProblem(
        demand_weight=np.array([10.0, 30.0, 60.0]),
        demand_area=np.array(["a", "a", "b"]),
        demand_ids=np.array(["a1", "a2", "b1"]),
        candidate_ids=np.array(["c0"]),
        candidate_area=np.array(["a"]),
        cover=cover,
        existing_covered=np.array([False, True, False]),
        k=1,
        threshold_min=10.0,
    )
    per_site, _, per_area = impact_tables(
        prob, np.array([0]), extra_population={"b": 40.0}, unassigned_population=60.0
    )
    pa = per_area.set_index("area_id")
    assert pa.loc["a", "population"] == 40 and pa.loc["b", "population"] == 100
    assert pa.loc[TOTAL_AREA_ID, "population"] == 200
    assert pa.loc[TOTAL_AREA_ID, "share_before"] == pytest.approx(30 / 200)
    assert pa.loc[TOTAL_AREA_ID, "share_after"] == pytest.approx(100 / 200)
    # before: s_a = 0.75, s_b = 0 with P = (40, 100): G = 2·40·100·0.75 / (2·140²·(30/140))
    g0 = 2 * 40 * 100 * 0.75 / (2 * 140**2 * (30 / 140))
    row = per_site.iloc[0]
    assert row["gini_coverage_share_before"] == pytest.approx(g0)
    # after: s_a = 1.0, s_b = 0.6: G = 2·40·100·0.4 / (2·140²·(100/140))
    g1 = 2 * 40 * 100 * 0.4 / (2 * 140**2 * (100 / 140))
    assert row["gini_coverage_share_after"] == pytest.approx(g1)
    assert row["gini_coverage_share_change"] == pytest.approx(g1 - g0)
    with pytest.raises(ParameterError):
        impact_tables(prob, np.array([0]), unassigned_population=-1.0)


def test_total_row_uses_the_shared_id_and_label() -> None:
    from proximity.sources.city import TOTAL_LABELS_SV

    P, _ = make_instance(4)
    s = solve(P, "mclp", "greedy")
    order, _ = rank_sites(P, s.chosen)
    from proximity.siting import impact_tables

    per_area = impact_tables(P, order)[2]
    total = per_area.iloc[-1]
    assert total["area_id"] == TOTAL_AREA_ID
    assert total["area_name"] == TOTAL_LABELS_SV["municipality"]
