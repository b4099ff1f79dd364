"""The Lagrangian bound of the MCLP: the first step of :func:`~proximity.siting.exact.highs`.

Before HiGHS is called, :func:`lagrangian_step` computes an upper bound of the MCLP by
Lagrangian relaxation (:func:`lagrangian_bound_mclp`). If the bound proves the heuristic
answer optimal, no MILP is solved; its subproblem solutions double as a heuristic.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from proximity.siting.heuristics import _TOL, canonical, interchange
from proximity.siting.models import SitingProblem, Solution

if TYPE_CHECKING:  # pragma: no cover
    from proximity.siting.exact import _MilpModel


def _top_k_with_areas(values: np.ndarray, problem: SitingProblem, k: int) -> np.ndarray:
    """Bool mask maximising Σ values over ``k`` candidates under the area bounds and fixed sites.

    Values are ≥ 0. Greedy is exact for these nested partition constraints: the fixed ones,
    then the best ``lo_a`` of each area, then the best of the rest within ``hi_a``.
    """
    codes, lo, hi = problem.area_bounds()
    n = values.size
    chosen = np.zeros(n, dtype=bool)
    if not problem.fixed and not lo.any() and (hi >= k).all():  # plain top-k
        idx = np.argpartition(-values, k - 1)[:k] if k < n else np.arange(n)
        chosen[idx] = True
        return chosen
    chosen[problem.fixed_index] = True
    cnt = np.bincount(codes[chosen], minlength=lo.size)
    order = np.lexsort((np.arange(n), -values))  # best first, ties by index
    need = np.maximum(lo - cnt, 0)
    if need.any():
        for j in order:
            a = codes[j]
            if not chosen[j] and need[a] > 0:
                chosen[j] = True
                need[a] -= 1
                cnt[a] += 1
    left = k - int(chosen.sum())
    for j in order:
        if left <= 0:
            break
        a = codes[j]
        if not chosen[j] and cnt[a] < hi[a]:
            chosen[j] = True
            cnt[a] += 1
            left -= 1
    return chosen


def lagrangian_bound_mclp(
    problem: SitingProblem,
    Cg: sp.csr_matrix,
    Wg: np.ndarray,
    lower: float,
    *,
    time_budget_s: float = 5.0,
    max_iter: int = 2000,
) -> tuple[float, int, np.ndarray, float]:
    r"""Upper bound on the new-coverage part of the MCLP by Lagrangian relaxation.

    Relaxing ``y_g ≤ Σ_{j∈N_g} x_j`` with multipliers ``λ_g ≥ 0`` gives, for every λ,

    .. math::

        L(λ) = \sum_g \max(0, W_g − λ_g) + \max_{x \in X} \sum_j x_j \sum_{g: j \in N_g} λ_g

    where ``X`` holds ``Σ x = k``, the area bounds and the fixed sites (solved exactly by a
    greedy, :func:`_top_k_with_areas`). ``min_λ L(λ)`` equals the LP-relaxation bound; it is
    approached by subgradient steps with Polyak step size ``μ (L − lower) / ‖s‖²``, halving
    ``μ`` after 20 steps without improvement (Galvão & ReVelle 1996; Fisher 1981). Starts at
    ``λ = W`` (the trivial bound). Each step costs two sparse products.

    Every subproblem solution ``x(λ)`` is also a feasible siting; its coverage
    ``Σ_g W_g min(1, (C x)_g)`` comes free with the subgradient, and the best one is returned
    (a *Lagrangian heuristic*) and raises ``lower`` for the step size.

    Returns
    -------
    bound, iterations, best_x, best_value
        The best (smallest) ``L(λ)``, the number of steps, the best subproblem solution (bool
        mask over candidates) and its new-coverage value.
    """
    t0 = time.perf_counter()
    CgT = Cg.T.tocsr()
    lam = Wg.astype(np.float64).copy()
    best = np.inf
    mu = 2.0
    stall = 0
    n_steps = 0
    best_x = np.zeros(problem.n_candidates, dtype=bool)
    best_val = -np.inf
    for step_no in range(1, max_iter + 1):
        n_steps = step_no
        c = CgT @ lam
        x = _top_k_with_areas(c, problem, problem.k)
        y = Wg > lam
        L = float(np.maximum(Wg - lam, 0.0).sum() + c[x].sum())
        cx = Cg @ x.astype(np.float64)
        val = float(np.einsum("i,i->", Wg, np.minimum(cx, 1.0)))
        if val > best_val:
            best_val, best_x = val, x.copy()
            lower = max(lower, val)
        if not np.isfinite(best) or L < best - 1e-12 * abs(best):
            best, stall = L, 0
        else:
            stall += 1
            if stall >= 20:
                mu, stall = mu / 2.0, 0
        if best - lower <= 1e-9 * max(1.0, abs(best)) or mu < 1e-6:
            break
        if time.perf_counter() - t0 > time_budget_s:
            break
        sub = y.astype(np.float64) - cx
        norm = float(np.einsum("i,i->", sub, sub))  # not BLAS: threads stall under load
        if norm == 0.0:
            break
        step = mu * max(L - lower, 1e-9 * max(1.0, abs(L))) / norm
        lam = np.maximum(lam + step * sub, 0.0)
    return best, n_steps, best_x, best_val


@dataclass(frozen=True)
class _LagrangianResult:
    """Outcome of :func:`lagrangian_step`.

    ``warm`` is the heuristic answer (possibly improved by the Lagrangian heuristic),
    ``bound`` the full-objective upper bound (``nan`` when not computed), ``proven`` whether
    the bound proves ``warm`` optimal.
    """

    warm: Solution | None
    bound: float = np.nan
    iterations: int = 0
    proven: bool = False


def lagrangian_step(
    problem: SitingProblem,
    milp_model: _MilpModel,
    warm: Solution,
    *,
    time_budget_s: float,
    mip_rel_gap: float,
) -> _LagrangianResult:
    """Bound the MCLP of ``milp_model`` by Lagrangian relaxation before calling HiGHS.

    Parameters
    ----------
    problem
        The instance.
    milp_model
        Its reduced MCLP (:func:`~proximity.siting.exact._build_mclp`): the demand groups
        ``C_g`` and their weights ``W_g``, the constant part and whether weights are integers.
    warm
        The heuristic answer ``H``. If the Lagrangian heuristic beats it, its set is polished
        by :func:`~proximity.siting.heuristics.interchange` and
        :func:`~proximity.siting.heuristics.canonical` and replaces it.
    time_budget_s
        Time budget of the subgradient steps.
    mip_rel_gap
        ``H`` is proven optimal when ``bound − H ≤ max(mip_rel_gap |bound|, 1e-9)`` (bounds
        are floored first when all weights are integers).

    Returns
    -------
    _LagrangianResult
    """
    const = milp_model.const
    h_new = warm.objective - const
    lb_new, lag_iter, lag_x, lag_val = lagrangian_bound_mclp(
        problem,
        milp_model.cover_groups,
        milp_model.group_weight,
        h_new,
        time_budget_s=time_budget_s,
    )
    if lag_val > h_new + _TOL * max(1.0, abs(h_new)):
        # the Lagrangian heuristic beat greedy + interchange: polish it and use it
        S = interchange(problem, np.flatnonzero(lag_x), "mclp")
        S = canonical(problem, S, "mclp")
        warm = Solution(
            S,
            problem.objective(S, "mclp"),
            np.nan,
            np.nan,
            "greedy+interchange+lagrangian",
            "heuristic",
            "mclp",
            warm.time_s,
            {**warm.info, "lagrangian_heuristic": True},
        )
        h_new = warm.objective - const
    if milp_model.integral_weights:
        lb_new = np.floor(lb_new + 1e-7)
    lag_bound = lb_new + const
    proven = lb_new - h_new <= max(mip_rel_gap * abs(lag_bound), 1e-9)
    return _LagrangianResult(warm, lag_bound, lag_iter, bool(proven))


def lagrangian_proof(milp_model: _MilpModel, lag: _LagrangianResult, t0: float) -> Solution:
    """The heuristic answer, proven optimal by the Lagrangian bound (HiGHS is not called).

    Parameters
    ----------
    milp_model
        The reduced MCLP (for its size in ``info``).
    lag
        A :func:`lagrangian_step` outcome with ``proven``.
    t0
        :func:`time.perf_counter` at the start of the solve.

    Returns
    -------
    Solution
        ``lag.warm`` with status ``"optimal"`` and the Lagrangian bound.
    """
    warm, lag_bound = lag.warm, lag.bound
    assert warm is not None
    return Solution(
        chosen=warm.chosen,
        objective=warm.objective,
        bound=float(max(lag_bound, warm.objective)),
        gap=float(max(0.0, lag_bound - warm.objective) / abs(lag_bound)) if lag_bound else 0.0,
        solver=warm.solver,
        status="optimal",
        model=milp_model.model,
        time_s=time.perf_counter() - t0,
        info={
            "n_groups": milp_model.n_groups,
            "n_demand_active": milp_model.n_demand_active,
            "proof": "lagrangian bound",
            "lagrangian_iterations": int(lag.iterations),
            "lagrangian_bound": float(lag_bound),
            "heuristic_objective": warm.objective,
            "cutoff": False,
        },
    )
