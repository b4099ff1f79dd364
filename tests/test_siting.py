"""Siting at array level: exact solvers against brute force, heuristic quality, constraints,
determinism and bad input. Everything here runs on small random instances (< 10 s)."""

from __future__ import annotations

import functools
import itertools

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from proximity.errors import InfeasibleError, ParameterError
from proximity.siting import (
    SitingProblem,
    Solution,
    greedy,
    heuristic,
    highs,
    interchange,
    rank_sites,
    solve,
)

# ---------------------------------------------------------------------------- instances


def make_instance(
    seed: int, *, areas: str | None = None, fixed: bool = False
) -> tuple[SitingProblem, dict]:
    """Random geometric instance: ≤ 12 candidates, ≤ 60 demand points, k ≤ 3.

    Times are 3 min per unit of straight-line distance in a 10 × 10 square; coverage is
    ``t ≤ T``; p-median times are kept up to ``cap = 2.5 T``; 0–2 existing offices.
    Returns the problem and the dense arrays the brute force uses.
    """
    rng = np.random.default_rng(seed)
    nc = int(rng.integers(4, 13))
    nd = int(rng.integers(10, 61))
    k = int(min(rng.integers(1, 4), nc))
    dem = rng.uniform(0, 10, (nd, 2))
    cand = rng.uniform(0, 10, (nc, 2))
    t = np.linalg.norm(cand[:, None] - dem[None], axis=2) * 3.0
    T = float(rng.uniform(4, 10))
    cap = 2.5 * T
    w = rng.integers(1, 200, nd).astype(float)
    n_ex = int(rng.integers(0, 3))
    ex = rng.uniform(0, 10, (n_ex, 2))
    et = (
        (np.linalg.norm(ex[:, None] - dem[None], axis=2) * 3.0).min(0)
        if n_ex
        else np.full(nd, np.inf)
    )
    et = np.where(et <= cap, et, np.inf)
    ca = np.where(cand[:, 0] < 5, "west", "east")
    da = np.where(dem[:, 0] < 5, "west", "east")
    ids = [f"c{j:02d}" for j in range(nc)]
    kw: dict = {}
    if areas == "max":
        kw["max_per_area"] = {"west": 1, "east": 1}
        k = min(k, int((ca == "west").any()) + int((ca == "east").any()))
    elif areas == "min":
        kw["min_per_area"] = {a: 1 for a in ("west", "east") if (ca == a).any()}
        k = max(k, len(kw["min_per_area"]))
    if fixed:
        kw["fixed"] = (ids[0],)
        k = max(k, 2)
    m = t <= cap
    P = SitingProblem(
        demand_weight=w,
        demand_area=da,
        candidate_ids=ids,
        candidate_area=ca,
        cover=sp.csr_matrix(t <= T),
        k=k,
        time_min=sp.csr_matrix((t[m], np.nonzero(m)), shape=t.shape),
        time_cap_min=cap,
        existing_covered=et <= T,
        existing_time_min=et,
        threshold_min=T,
        **kw,
    )
    return P, {"t": t, "T": T, "cap": cap, "w": w, "et": et, "ca": ca, "k": k, "kw": kw, "ids": ids}


def brute_force(d: dict, model: str) -> float:
    """Enumerate every feasible k-subset; objective computed here from the dense arrays."""
    t, T, cap, w, et, ca, k, kw, ids = (
        d[x] for x in ("t", "T", "cap", "w", "et", "ca", "k", "kw", "ids")
    )
    best = -np.inf if model == "mclp" else np.inf
    for S in itertools.combinations(range(len(ids)), k):
        S = list(S)
        if any(ids.index(f) not in S for f in kw.get("fixed", ())):
            continue
        cnt = {a: sum(ca[j] == a for j in S) for a in ("west", "east")}
        if any(cnt[a] > v for a, v in kw.get("max_per_area", {}).items()):
            continue
        if any(cnt[a] < v for a, v in kw.get("min_per_area", {}).items()):
            continue
        if model == "mclp":
            cov = (et <= T) | (t[S] <= T).any(axis=0)
            val = float(w[cov].sum())
            best = max(best, val)
        else:
            tt = np.where(t[S] <= cap, t[S], np.inf).min(axis=0)
            val = float(w @ np.minimum(np.minimum(et, cap), tt))
            best = min(best, val)
    return best


SEEDS = range(25)
VARIANTS = [None, "max", "min", "fixed"]


def _variant(seed: int, variant: str | None) -> tuple[SitingProblem, dict]:
    if variant == "fixed":
        return make_instance(seed, fixed=True)
    return make_instance(seed, areas=variant)


@functools.cache
def _solved(
    seed: int, variant: str | None, model: str
) -> tuple[SitingProblem, dict, Solution, Solution]:
    """Instance, its arrays, the heuristic and the exact solution (cached across tests)."""
    P, d = _variant(seed, variant)
    h = heuristic(P, model)
    return P, d, h, highs(P, model, time_limit_s=30, warm=h)


# ---------------------------------------------------------------------------- exact = brute force


@pytest.mark.parametrize("model", ["mclp", "p_median"])
@pytest.mark.parametrize("variant", VARIANTS)
def test_exact_equals_brute_force(model: str, variant: str | None) -> None:
    for seed in SEEDS:
        P, d, _, ex = _solved(seed, variant, model)
        bf = brute_force(d, model)
        assert ex.status == "optimal"
        assert ex.objective == pytest.approx(bf, rel=1e-9, abs=1e-9), (seed, variant)
        assert ex.gap == pytest.approx(0.0, abs=1e-9)
        assert ex.bound == pytest.approx(bf, rel=1e-6)
        if seed < 8:  # plain HiGHS: no heuristic cutoff, no Lagrangian shortcut
            ex2 = highs(P, model, time_limit_s=30, use_cutoff=False, lagrangian=False)
            assert ex2.objective == pytest.approx(bf, rel=1e-9, abs=1e-9)
            assert ex2.solver == "highs" and ex2.status == "optimal"


# ---------------------------------------------------------------------------- heuristic quality


def _rel_shortfall(h: float, e: float, model: str) -> float:
    return (e - h) / e if model == "mclp" else (h - e) / e


@pytest.mark.parametrize("model", ["mclp", "p_median"])
def test_heuristic_within_2_percent(model: str) -> None:
    worst = 0.0
    for variant in VARIANTS:
        for seed in SEEDS:
            _, _, h, e = _solved(seed, variant, model)
            short = _rel_shortfall(h.objective, e.objective, model)
            assert short >= -1e-12  # never better than exact
            worst = max(worst, short)
    assert worst <= 0.02, f"heuristic {worst:.2%} from optimal"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10**6),
    model=st.sampled_from(["mclp", "p_median"]),
    variant=st.sampled_from(VARIANTS),
)
def test_heuristic_never_better_than_exact(seed: int, model: str, variant: str | None) -> None:
    P, _ = _variant(seed, variant)
    h = heuristic(P, model)
    e = highs(P, model, use_cutoff=False)
    assert _rel_shortfall(h.objective, e.objective, model) >= -1e-9
    # and the greedy alone is never better than greedy + interchange
    g = P.objective(greedy(P, model), model)
    assert _rel_shortfall(g, h.objective, model) >= -1e-9 if h.objective else True


@pytest.mark.parametrize("variant", VARIANTS)
def test_lagrangian_bound_is_valid(variant: str | None) -> None:
    from proximity.siting.solvers import lagrangian_bound_mclp

    for seed in SEEDS:
        P, d = _variant(seed, variant)
        bf = brute_force(d, "mclp")
        # one group per active demand point (no reduction): the bound is for the new part
        act = ~P.existing_covered & (np.asarray(P.cover.sum(axis=0)).ravel() > 0)
        Cg = P.cover.tocsc()[:, np.flatnonzero(act)].T.tocsr().astype(float)
        const = float(P.demand_weight[P.existing_covered].sum())
        for budget in (0.0, 1.0):  # one step, and converged
            bound, _, x, val = lagrangian_bound_mclp(
                P,
                Cg,
                P.demand_weight[act],
                0.0,
                time_budget_s=budget,
                max_iter=1 if budget == 0 else 2000,
            )
            assert bound + const >= bf - 1e-6
            # the Lagrangian heuristic's set is feasible and its value is what it covers
            assert x.sum() == P.k
            assert val + const == pytest.approx(P.objective(np.flatnonzero(x)))
            assert val + const <= bf + 1e-6


def test_interchange_fixes_a_bad_start() -> None:
    # two demand clusters; a "central" candidate covers half of each, two others each cover one
    # cluster fully. Greedy opens the centre first; interchange must replace it (k = 2).
    w = np.ones(6)
    cover = sp.csr_matrix(
        np.array(
            [
                [1, 1, 0, 1, 1, 0],  # a: centre, 4
                [1, 1, 1, 0, 0, 0],  # b: west, 3
                [0, 0, 0, 1, 1, 1],  # c: east, 3
            ],
            dtype=bool,
        )
    )
    P = SitingProblem(w, ["x"] * 6, ["a", "b", "c"], ["x"] * 3, cover, 2)
    g = greedy(P)
    assert P.candidate_ids[g[0]] == "a"
    S = interchange(P, g)
    assert sorted(P.candidate_ids[S]) == ["b", "c"]
    assert P.objective(S) == 6.0


# ---------------------------------------------------------------------------- constraints


@pytest.mark.parametrize("solver", ["greedy", "highs", "auto"])
def test_area_constraints_respected(solver: str) -> None:
    for seed in range(15):
        P, d = make_instance(seed, areas="max")
        s = solve(P, "mclp", solver)
        areas = P.candidate_area[s.chosen]
        assert all((areas == a).sum() <= 1 for a in ("west", "east"))
        P, d = make_instance(seed, areas="min")
        s = solve(P, "p_median", solver)
        areas = P.candidate_area[s.chosen].tolist()
        assert all(a in areas for a in d["kw"]["min_per_area"])
        assert len(s.chosen) == P.k


def test_fixed_candidates_always_open() -> None:
    for seed in range(10):
        P, _ = make_instance(seed, fixed=True)
        for solver in ("greedy", "highs"):
            s = solve(P, "mclp", solver)
            assert 0 in s.chosen.tolist()
            order, _gains = rank_sites(P, s.chosen)
            assert order[0] == 0  # fixed sites come first in the ranking


def test_ties_broken_by_id_and_order_independent() -> None:
    # candidates "b" and "a" have identical coverage; "a" must win however they are ordered
    w = np.array([5.0, 5.0, 1.0])
    cover = np.array([[1, 1, 0], [1, 1, 0], [0, 0, 1]], dtype=bool)
    for ids in (["b", "a", "z"], ["a", "b", "z"]):
        P = SitingProblem(w, ["x"] * 3, ids, ["x"] * 3, sp.csr_matrix(cover), 1)
        for solver in ("greedy", "highs"):
            s = solve(P, "mclp", solver)
            assert P.candidate_ids[s.chosen].tolist() == ["a"]


def test_determinism_two_runs_identical() -> None:
    P, _ = make_instance(3)
    for model in ("mclp", "p_median"):
        a = solve(P, model, "auto")
        b = solve(P, model, "auto")
        assert a.chosen.tolist() == b.chosen.tolist()
        assert (a.objective, a.bound, a.gap, a.solver) == (b.objective, b.bound, b.gap, b.solver)
        ra, rb = rank_sites(P, a.chosen, model), rank_sites(P, b.chosen, model)
        assert ra[0].tolist() == rb[0].tolist() and ra[1].tolist() == rb[1].tolist()


def test_rank_gains_sum_to_objective() -> None:
    P, _ = make_instance(7)
    s = solve(P, "mclp", "highs")
    _order, gains = rank_sites(P, s.chosen)
    assert gains.sum() == pytest.approx(s.objective - P.objective([], "mclp"))
    assert list(gains) == sorted(gains, reverse=True)  # greedy order within the solution


def test_demand_reduction_groups_identical_columns() -> None:
    P, _ = make_instance(11)
    # duplicate every demand point: the reduced MILP must have the same number of groups
    n = P.n_demand
    P2 = SitingProblem(
        np.concatenate([P.demand_weight, P.demand_weight]),
        np.concatenate([P.demand_area, P.demand_area]),
        P.candidate_ids,
        P.candidate_area,
        sp.hstack([P.cover, P.cover]).tocsr(),
        P.k,
    )
    P1 = SitingProblem(
        P.demand_weight, P.demand_area, P.candidate_ids, P.candidate_area, P.cover, P.k
    )
    a, b = highs(P1, "mclp"), highs(P2, "mclp")
    assert b.info["n_groups"] == a.info["n_groups"] <= n
    assert b.objective == pytest.approx(2 * a.objective)


# ---------------------------------------------------------------------------- bad input


def _tiny(**kw):
    base = dict(
        demand_weight=[1.0, 2.0, 3.0],
        demand_area=["A", "B", "C"],
        candidate_ids=["p", "q"],
        candidate_area=["A", "B"],
        cover=sp.csr_matrix(np.array([[1, 0, 0], [0, 1, 0]], dtype=bool)),
        k=1,
    )
    base.update(kw)
    return SitingProblem(**base)


def test_k_larger_than_candidates() -> None:
    with pytest.raises(ParameterError, match="only 2 candidates"):
        _tiny(k=3)


def test_threshold_not_positive() -> None:
    with pytest.raises(ParameterError, match="threshold_min must be > 0"):
        _tiny(threshold_min=0)
    with pytest.raises(ParameterError):
        _tiny(threshold_min=-5)


def test_area_requiring_one_without_candidates() -> None:
    P = _tiny(k=2, min_per_area={"C": 1})
    for solver in ("greedy", "highs", "auto"):
        with pytest.raises(
            InfeasibleError, match="'C' require at least one new site but have no candidate"
        ):
            solve(P, "mclp", solver)


def test_infeasible_constraints_clear_message() -> None:
    P = _tiny(k=1, min_per_area={"A": 1, "B": 1})
    with pytest.raises(InfeasibleError) as ei:
        solve(P, "mclp", "highs")
    msg = str(ei.value)
    assert "need at least 2 new sites" in msg and "k = 1" in msg and "Fix:" in msg
    assert "Traceback" not in msg and "HiGHS" not in msg
    P = _tiny(k=2, max_per_area={"A": 0, "B": 1})
    with pytest.raises(InfeasibleError, match=r"Only 1 site\(s\) can be placed"):
        solve(P, "mclp", "greedy")


def test_solver_infeasible_status_is_mapped(monkeypatch: pytest.MonkeyPatch) -> None:
    # bypass the pre-check: HiGHS itself proves infeasibility -> InfeasibleError, no trace
    P = _tiny(k=1, min_per_area={"A": 1, "B": 1})
    monkeypatch.setattr(SitingProblem, "check_feasible", lambda self: None)
    with pytest.raises(InfeasibleError, match="HiGHS proved it"):
        highs(P, "mclp", use_cutoff=False)


def test_bad_model_and_solver_names() -> None:
    P = _tiny()
    with pytest.raises(ParameterError, match="Unknown model"):
        solve(P, "pmedian")
    with pytest.raises(ParameterError, match="Unknown solver"):
        solve(P, "mclp", "cplex")
    with pytest.raises(ParameterError, match="time_min"):
        solve(P, "p_median")


def test_duplicate_candidate_ids_and_bad_weights() -> None:
    with pytest.raises(ParameterError, match="not unique"):
        _tiny(candidate_ids=["p", "p"])
    with pytest.raises(ParameterError, match="non-negative"):
        _tiny(demand_weight=[1.0, -2.0, 3.0])
