"""0-minute pairs (a demand point standing on a candidate) are kept, never read as "beyond the cap".

A sparse matrix's missing entry means "more than the cap"; ``sp.csr_matrix(dense)`` drops
zeros, so the time matrices must be built from the finite entries with the zeros stored
(:func:`proximity.siting.models.time_matrix`). The brute force here is written from the
dense arrays with numpy only.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from proximity.errors import ParameterError
from proximity.siting import SitingProblem, heuristic, highs
from proximity.siting.models import time_matrix


def _problem(t: np.ndarray, w: np.ndarray, k: int, T: float, cap: float) -> SitingProblem:
    nc, nd = t.shape
    return SitingProblem(
        demand_weight=w,
        demand_area=["a"] * nd,
        candidate_ids=[f"c{j}" for j in range(nc)],
        candidate_area=["a"] * nc,
        cover=t <= T,
        k=k,
        time_min=t,
        time_cap_min=cap,
        threshold_min=T,
    )


def test_two_by_two_p_median_by_hand() -> None:
    # Demand 0 stands on candidate 0, demand 1 on candidate 1, 5 min apart, weight 1 each.
    # Open one site, say candidate 0: demand 0 walks 0 min, demand 1 walks 5 min -> 0 + 5 = 5.
    # (Losing the zeros made demand 0 count at the cap: 100 + 5 = 105.)
    t = np.array([[0.0, 5.0], [5.0, 0.0]])
    P = _problem(t, np.array([1.0, 1.0]), k=1, T=3.0, cap=100.0)
    assert P.time_min.nnz == 4
    assert P.objective([0], "p_median") == 5.0
    assert heuristic(P, "p_median").objective == 5.0
    ex = highs(P, "p_median")
    assert ex.objective == 5.0 and ex.status == "optimal"


def test_two_by_two_mclp_counts_zero_minutes_as_covered() -> None:
    # T = 0.5 min: only the 0-minute pair is within T, so one site covers its own demand (w=3).
    t = np.array([[0.0, 5.0], [5.0, 0.0]])
    P = _problem(t, np.array([3.0, 2.0]), k=1, T=0.5, cap=100.0)
    assert highs(P, "mclp").objective == 3.0
    assert heuristic(P, "mclp").objective == 3.0


def test_time_matrix_keeps_sparse_zeros_and_min_of_duplicates() -> None:
    # explicit zero in a sparse input survives; duplicate COO entries keep the smaller time
    coo = sp.coo_matrix(([0.0, 7.0, 4.0], ([0, 1, 1], [0, 1, 1])), shape=(2, 2))
    m = time_matrix(coo, (2, 2))
    assert m.nnz == 2  # (0, 0) stored with 0 minutes, (1, 1) once
    assert m.indptr.tolist() == [0, 1, 2]
    assert m.indices.tolist() == [0, 1] and m.data.tolist() == [0.0, 4.0]
    # dense: inf is "unreachable" (not stored), zeros are stored
    d = time_matrix(np.array([[0.0, np.inf], [2.0, 0.0]]), (2, 2))
    assert d.nnz == 3 and d.data.tolist() == [0.0, 2.0, 0.0]


@pytest.mark.parametrize(
    ("t", "match"),
    [
        (np.array([[np.nan, 1.0]]), "NaN"),
        (np.array([[-1.0, 1.0]]), "negative"),
        (np.array([1.0, 1.0]), "2-D"),
        (np.array([[1.0, 1.0, 1.0]]), "shape"),
    ],
)
def test_time_matrix_rejects_bad_minutes(t: np.ndarray, match: str) -> None:
    with pytest.raises(ParameterError, match=match) as ei:
        time_matrix(t, (1, 2))
    assert "time_min" in str(ei.value) and ei.value.fix


def _brute(t: np.ndarray, w: np.ndarray, k: int, T: float, cap: float) -> tuple[float, float]:
    """(best MCLP covered weight, best p-median Σ w·min(cap, nearest)) over all k-subsets."""
    best_cov, best_med = -np.inf, np.inf
    for S in itertools.combinations(range(t.shape[0]), k):
        sub = t[list(S)]
        best_cov = max(best_cov, float(w[(sub <= T).any(axis=0)].sum()))
        best_med = min(best_med, float(w @ np.minimum(sub.min(axis=0), cap)))
    return best_cov, best_med


@st.composite
def _dense_with_zeros(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, int, float, float]:
    nc = draw(st.integers(2, 6))
    nd = draw(st.integers(1, 8))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    t = rng.integers(0, 12, (nc, nd)).astype(float)
    t[rng.random((nc, nd)) < 0.35] = 0.0  # many 0-minute pairs
    t[rng.random((nc, nd)) < 0.1] = np.inf  # a few unreachable pairs
    w = rng.integers(0, 9, nd).astype(float)
    k = draw(st.integers(1, nc))
    T = float(draw(st.sampled_from([0.5, 3.0, 6.0])))
    cap = float(draw(st.sampled_from([4.0, 10.0, 30.0])))
    return t, w, k, T, cap


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_dense_with_zeros())
def test_exact_equals_brute_force_with_zeros(case) -> None:
    t, w, k, T, cap = case
    P = _problem(t, w, k, T, cap)
    cov, med = _brute(t, w, k, T, cap)
    m = highs(P, "mclp", time_limit_s=30)
    assert m.objective == pytest.approx(cov, abs=1e-9)
    assert P.objective(m.chosen, "mclp") == pytest.approx(cov, abs=1e-9)
    p = highs(P, "p_median", time_limit_s=30)
    assert p.objective == pytest.approx(med, abs=1e-9)
    assert P.objective(p.chosen, "p_median") == pytest.approx(med, abs=1e-9)
    # the heuristic's answer is a feasible set: never better than the optimum
    assert heuristic(P, "p_median").objective >= med - 1e-9
    assert heuristic(P, "mclp").objective <= cov + 1e-9


@pytest.mark.parametrize("mode", ["crowfly", "network"])
def test_site_counts_a_demand_point_on_a_candidate_as_covered(mode: str) -> None:
    """End to end: demand and candidates on network nodes, T tiny: only 0-minute pairs cover."""
    import dataclasses
    import warnings

    import geopandas as gpd
    from _siting_city import CRS, X0, Y0, grid_network, synthetic_city

    from proximity.siting import site

    city = synthetic_city()
    d = city.demand.copy()
    x = X0 + np.round((d.geometry.x - X0) / 100) * 100  # onto the 100 m grid's nodes
    y = Y0 + np.round((d.geometry.y - Y0) / 100) * 100
    d = gpd.GeoDataFrame(d.drop(columns="geometry"), geometry=gpd.points_from_xy(x, y), crs=CRS)
    city = dataclasses.replace(city, demand=d)
    top = d.sort_values(["population", "demand_id"]).tail(3)
    cands = gpd.GeoDataFrame(
        {"candidate_id": ["a", "b", "c"]}, geometry=list(top.geometry), crs=CRS
    )
    office = city.services.loc[city.services["category"] == "district_office"].geometry
    at = {(p.x, p.y) for p in office}
    key = list(zip(d.geometry.x, d.geometry.y, strict=True))
    before = float(d["population"][[k in at for k in key]].sum())
    gains = [
        float(d["population"][[k == (p.x, p.y) and k not in at for k in key]].sum())
        for p in top.geometry
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = site(
            city,
            grid_network() if mode == "network" else None,
            k=1,
            threshold_min=1e-6,
            candidates=cands,
            robustness_profiles=None,
        )
    assert max(gains) > 0
    assert r.objective == pytest.approx(before + max(gains))
    assert r.problem.cover.nnz >= 3  # every candidate covers the point it stands on
