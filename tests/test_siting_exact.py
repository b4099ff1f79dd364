"""The exact solver (proximity.siting.exact): HiGHS = brute force, formulation builders, reduction, errors."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from _siting_instances import SEEDS, VARIANTS, brute_force, make_instance, solved, tiny

from proximity.errors import InfeasibleError
from proximity.siting import SitingProblem, highs


@pytest.mark.parametrize("model", ["mclp", "p_median"])
@pytest.mark.parametrize("variant", VARIANTS)
def test_exact_equals_brute_force(model: str, variant: str | None) -> None:
    for seed in SEEDS:
        P, d, _, ex = solved(seed, variant, model)
        bf = brute_force(d, model)
        assert ex.status == "optimal"
        assert ex.objective == pytest.approx(bf, rel=1e-9, abs=1e-9), (seed, variant)
        assert ex.gap == pytest.approx(0.0, abs=1e-9)
        assert ex.bound == pytest.approx(bf, rel=1e-6)
        if seed < 8:  # plain HiGHS: no heuristic cutoff, no Lagrangian shortcut
            ex2 = highs(P, model, time_limit_s=30, use_cutoff=False, lagrangian=False)
            assert ex2.objective == pytest.approx(bf, rel=1e-9, abs=1e-9)
            assert ex2.solver == "highs" and ex2.status == "optimal"


def test_cutoff_row_chosen_by_model() -> None:
    # default: the MCLP gets the heuristic cutoff row, the p-median not (it only slows the
    # p-median's LP down, see CUTOFF_BY_MODEL); asking for it explicitly still works and
    # gives the same optimum
    from proximity.siting.exact import CUTOFF_BY_MODEL

    assert CUTOFF_BY_MODEL == {"mclp": True, "p_median": False}
    for seed in range(4):
        P, d = make_instance(seed)
        pm, pm_cut = highs(P, "p_median"), highs(P, "p_median", use_cutoff=True)
        assert pm.info["cutoff"] is False and pm_cut.info["cutoff"] is True
        assert pm.objective == pytest.approx(brute_force(d, "p_median"), rel=1e-9, abs=1e-9)
        assert pm_cut.objective == pytest.approx(pm.objective, rel=1e-9, abs=1e-9)
        mc = highs(P, "mclp", lagrangian=False)
        assert mc.info["cutoff"] is True


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


def test_solver_infeasible_status_is_mapped(monkeypatch: pytest.MonkeyPatch) -> None:
    # bypass the pre-check: HiGHS itself proves infeasibility -> InfeasibleError, no trace
    P = tiny(k=1, min_per_area={"A": 1, "B": 1})
    monkeypatch.setattr(SitingProblem, "check_feasible", lambda self: None)
    with pytest.raises(InfeasibleError, match="HiGHS proved it"):
        highs(P, "mclp", use_cutoff=False)


def _assignment(mm, P, S: np.ndarray, model: str) -> np.ndarray:
    """The best continuous part of v for the open sites S (as the MILP would pick it)."""
    n = P.n_candidates
    x = np.zeros(n)
    x[S] = 1.0
    if model == "mclp":
        y = np.minimum(1.0, mm.cover_groups @ x)
        return np.concatenate([x, y])
    # p-median: one entry per group at most, the one with the most negative cost among open
    A_one = mm.blocks[0][0].tocoo()
    z = np.zeros(mm.n_other)
    best: dict[int, int] = {}
    ents = A_one.col - n
    for g, e in zip(A_one.row, ents, strict=True):
        j = int(mm.blocks[1][0].getrow(e).indices.min())  # the x column of entry e
        if x[j] and mm.c[n + e] < 0 and (g not in best or mm.c[n + e] < mm.c[n + best[g]]):
            best[g] = e
    z[list(best.values())] = 1.0
    return np.concatenate([x, z])


@pytest.mark.parametrize("model", ["mclp", "p_median"])
def test_builders_formulation_gives_the_objective(model: str) -> None:
    """Builder value: const + sense·(c·v) is the siting objective of any open set, and v meets
    the model's own rows (coverage / assignment and linking)."""
    from proximity.siting.exact import _build_mclp, _build_pmedian

    rng = np.random.default_rng(0)
    for seed in range(10):
        P, _ = make_instance(seed)
        mm = _build_mclp(P) if model == "mclp" else _build_pmedian(P)
        assert mm.model == model and mm.c.size == P.n_candidates + mm.n_other
        assert (mm.integrality[: P.n_candidates] == 1).all()
        assert not mm.integrality[P.n_candidates :].any()
        n_blocks = 1 if model == "mclp" else 2
        for _ in range(5):
            S = rng.choice(P.n_candidates, size=P.k, replace=False)
            v = _assignment(mm, P, S, model)
            value = mm.const + mm.sense * float(mm.c @ v)
            assert value == pytest.approx(P.objective(S, model), rel=1e-12, abs=1e-9)
            for A, lo, hi in mm.blocks[:n_blocks]:
                Av = A @ v
                assert (Av >= lo - 1e-12).all() and (Av <= hi + 1e-12).all()


def test_builders_fix_the_fixed_sites() -> None:
    from proximity.siting.exact import _build_mclp

    P, _ = make_instance(2, fixed=True)
    mm = _build_mclp(P)
    assert mm.lb[P.fixed_index].tolist() == [1.0] * len(P.fixed)
    assert mm.lb.sum() == len(P.fixed) and (mm.ub == 1).all()
