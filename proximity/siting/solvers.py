"""Solvers for :class:`~proximity.siting.models.SitingProblem`.

- :func:`greedy`: add the candidate with the largest marginal gain, ``k`` times.
- :func:`interchange`: Teitz–Bart vertex substitution: evaluate every (open site out,
  closed candidate in) swap at once with sparse algebra, apply the best improving swap, repeat
  until none improves.
- :func:`highs`: the exact MILP (formulations in :mod:`proximity.siting.models`) solved by
  HiGHS through :func:`scipy.optimize.milp`, with three aids:

  1. *reduction*: demand points with identical coverage sets (MCLP) or identical candidate
     time vectors and base time (p-median) are merged and their weights summed; demand that
     no candidate can improve (already covered, unreachable or zero weight) is moved into a
     constant;
  2. *heuristic cutoff*: scipy's ``milp`` has no warm-start argument, so the greedy +
     interchange objective ``H`` is added as a constraint (``objective ≥ H`` for the MCLP,
     ``≤ H`` for the p-median, with a 1e-9 relative tolerance). This prunes every node whose
     bound cannot beat the heuristic, and the heuristic set stays the answer if HiGHS finds
     nothing better in time;
  3. a time limit (``time_limit_s``).

Every :class:`Solution` reports the objective (recomputed from the chosen set, never taken
from the solver), the best bound (HiGHS' ``mip_dual_bound``), the relative gap, the solver and
its status.

Determinism: ties are broken by candidate id everywhere (greedy picks the smallest id among
equal gains; interchange applies the swap with the smallest (out id, in id) among equal
improvements). HiGHS itself is deterministic for a given instance and option set.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, milp

from proximity.errors import InfeasibleError, ParameterError
from proximity.siting.models import MODELS, SitingProblem

_TOL = 1e-9
SOLVERS: tuple[str, ...] = ("auto", "greedy", "highs")


@dataclass(frozen=True)
class Solution:
    """A solved siting instance.

    Attributes
    ----------
    chosen
        Indices of the open candidates, sorted by candidate id.
    objective
        MCLP: covered weight including the existing offices' part. p-median: Σ w_i × capped
        minutes to the nearest open office (divide by Σ w for the mean).
    bound
        Best proven bound on the optimum (upper for the MCLP, lower for the p-median); ``nan``
        for the pure heuristic.
    gap
        Relative gap ``|bound − objective| / |bound|`` (MCLP) or ``/ |objective|`` (p-median);
        0 when optimality is proven, ``nan`` without a bound.
    solver
        ``"greedy+interchange"``, ``"highs"`` or ``"greedy+interchange (highs bound)"`` when the
        exact solve found nothing better than the heuristic within the time limit.
    status
        ``"heuristic"``, ``"optimal"``, ``"time_limit"``.
    model
        ``"mclp"`` or ``"p_median"``.
    """

    chosen: np.ndarray
    objective: float
    bound: float
    gap: float
    solver: str
    status: str
    model: str
    time_s: float = 0.0
    info: dict[str, Any] = field(default_factory=dict)


# ====================================================================== helpers
def _rank(problem: SitingProblem) -> np.ndarray:
    """rank[j] = position of candidate j in id order."""
    rank = np.empty(problem.n_candidates, dtype=np.int64)
    rank[problem.id_order] = np.arange(problem.n_candidates)
    return rank


def _pick(gains: np.ndarray, ok: np.ndarray, rank: np.ndarray) -> int:
    """Index of the largest gain among ``ok``; ties (1e-9 relative) by smallest id."""
    g = np.where(ok, gains, -np.inf)
    best = g.max()
    tie = ok & (g >= best - _TOL * max(1.0, abs(best)))
    cand = np.flatnonzero(tie)
    return int(cand[np.argmin(rank[cand])])


def _check_model(model: str) -> None:
    if model not in MODELS:
        raise ParameterError(f"Unknown model {model!r}; use one of {MODELS}.")


class _Areas:
    """Per-area counts for constraint-aware moves."""

    def __init__(self, problem: SitingProblem) -> None:
        self.codes, self.lo, self.hi = problem.area_bounds()
        self.counts = np.zeros(len(self.lo), dtype=np.int64)

    def add(self, j: int) -> None:
        self.counts[self.codes[j]] += 1

    def remove(self, j: int) -> None:
        self.counts[self.codes[j]] -= 1

    def eligible_add(self, is_open: np.ndarray, slots_left: int) -> np.ndarray:
        ok = ~is_open & (self.counts[self.codes] < self.hi[self.codes])
        deficit = np.maximum(self.lo - self.counts, 0)
        if deficit.sum() >= slots_left:  # remaining slots must go to areas below their minimum
            ok &= deficit[self.codes] > 0
        return ok

    def valid_swaps(self, out_idx: np.ndarray, is_open: np.ndarray) -> np.ndarray:
        """Bool (len(out_idx), n_cand): swapping out_idx[r] for j keeps area bounds."""
        a_out = self.codes[out_idx][:, None]
        a_in = self.codes[None, :]
        same = a_out == a_in
        can_add = (self.counts[a_in] + 1) <= self.hi[a_in]
        can_remove = (self.counts[a_out] - 1) >= self.lo[a_out]
        return ~is_open[None, :] & (same | (can_add & can_remove))


# ====================================================================== greedy
def greedy(problem: SitingProblem, model: str = "mclp", *, seed: int | None = None) -> np.ndarray:
    """Greedy: start from the fixed candidates, add the best marginal gain until ``k`` are open.

    ``seed`` (a candidate index) is opened first, before the greedy picks (multi-start).
    Respects the per-area minimums (once the remaining slots equal the remaining deficits, only
    areas below their minimum are eligible) and maximums. Ties go to the smallest id.

    Returns
    -------
    numpy.ndarray
        Chosen candidate indices, in the order they were added (fixed first).
    """
    _check_model(model)
    problem.check_feasible()
    rank = _rank(problem)
    areas = _Areas(problem)
    is_open = np.zeros(problem.n_candidates, dtype=bool)
    order: list[int] = []
    for j in problem.fixed_index.tolist():
        is_open[j] = True
        areas.add(j)
        order.append(j)
    w = problem.demand_weight
    if model == "mclp":
        cov_f = problem.cover_f
        covered = problem.covered_by(np.array(order, dtype=np.int64))
    else:
        t = problem._require_time()
        best = problem.best_time(np.array(order, dtype=np.int64))
    first = True
    while len(order) < problem.k:
        ok = areas.eligible_add(is_open, problem.k - len(order))
        if first and seed is not None and ok[seed]:
            j = int(seed)
        else:
            if model == "mclp":
                gains = cov_f @ (w * ~covered)
            else:
                gains = _pmedian_gains(t, best, w)
            j = _pick(gains, ok, rank)
        first = False
        is_open[j] = True
        areas.add(j)
        order.append(j)
        if model == "mclp":
            covered[
                problem.cover.indices[problem.cover.indptr[j] : problem.cover.indptr[j + 1]]
            ] = True
        else:
            lo, hi = t.indptr[j], t.indptr[j + 1]
            cols = t.indices[lo:hi]
            best[cols] = np.minimum(best[cols], t.data[lo:hi])
    return np.array(order, dtype=np.int64)


def _pmedian_gains(t: sp.csr_matrix, best: np.ndarray, w: np.ndarray) -> np.ndarray:
    """gain_j = Σ_i w_i max(0, best_i − t_ji)."""
    vals = np.maximum(best[t.indices] - t.data, 0.0) * w[t.indices]
    return np.asarray(sp.csr_matrix((vals, t.indices, t.indptr), shape=t.shape).sum(axis=1)).ravel()


# ====================================================================== interchange
def interchange(
    problem: SitingProblem, chosen: np.ndarray, model: str = "mclp", max_iter: int = 10_000
) -> np.ndarray:
    """Teitz–Bart interchange: apply the best improving (out, in) swap until none improves.

    All ``|S| × n_candidates`` swap values are computed per iteration with one sparse product
    (see the inline derivation). Fixed candidates are never swapped out; swaps keep the area
    bounds. Among equal improvements the smallest (out id, in id) pair wins.

    Returns
    -------
    numpy.ndarray
        Chosen candidate indices, sorted by id.
    """
    _check_model(model)
    rank = _rank(problem)
    areas = _Areas(problem)
    S = [int(j) for j in chosen]
    for j in S:
        areas.add(j)
    fixed = set(problem.fixed_index.tolist())
    n = problem.n_candidates
    for _ in range(max_iter):
        S_arr = np.array(sorted(S, key=lambda j: rank[j]), dtype=np.int64)
        is_open = np.zeros(n, dtype=bool)
        is_open[S_arr] = True
        if model == "mclp":
            improve = _mclp_swap_values(problem, S_arr)
        else:
            improve = _pmedian_swap_values(problem, S_arr)
        valid = areas.valid_swaps(S_arr, is_open)
        valid[[r for r, j in enumerate(S_arr.tolist()) if j in fixed], :] = False
        improve = np.where(valid, improve, -np.inf)
        best = improve.max() if improve.size else -np.inf
        scale = max(1.0, abs(problem.objective(S_arr, model)))
        if not np.isfinite(best) or best <= _TOL * scale:
            break
        rows, cols = np.nonzero(improve >= best - _TOL * scale)
        key = rank[S_arr[rows]] * n + rank[cols]
        r = int(np.argmin(key))
        j_out, j_in = int(S_arr[rows[r]]), int(cols[r])
        S.remove(j_out)
        S.append(j_in)
        areas.remove(j_out)
        areas.add(j_in)
    return np.array(sorted(S, key=lambda j: rank[j]), dtype=np.int64)


def canonical(problem: SitingProblem, chosen: np.ndarray, model: str = "mclp") -> np.ndarray:
    """Replace open sites by smaller-id candidates of *equal* objective, until none remains.

    Alternative optima are common (two libraries reaching the same residents). This pass
    makes the answer independent of the solver's choice among them and of the input order:
    each step swaps an open site for a candidate with a smaller id whose swap changes the
    objective by at most 1e-9 (relative), keeping the area bounds; the sum of id ranks falls
    at every step, so it stops.
    """
    rank = _rank(problem)
    areas = _Areas(problem)
    S = [int(j) for j in chosen]
    for j in S:
        areas.add(j)
    fixed = set(problem.fixed_index.tolist())
    n = problem.n_candidates
    for _ in range(n * max(1, len(S))):
        S_arr = np.array(sorted(S, key=lambda j: rank[j]), dtype=np.int64)
        is_open = np.zeros(n, dtype=bool)
        is_open[S_arr] = True
        v = (
            _mclp_swap_values(problem, S_arr)
            if model == "mclp"
            else _pmedian_swap_values(problem, S_arr)
        )
        scale = max(1.0, abs(problem.objective(S_arr, model)))
        ok = areas.valid_swaps(S_arr, is_open) & (np.abs(v) <= _TOL * scale)
        ok &= rank[None, :] < rank[S_arr][:, None]
        ok[[r for r, j in enumerate(S_arr.tolist()) if j in fixed], :] = False
        if not ok.any():
            break
        rows, cols = np.nonzero(ok)
        key = rank[cols] * n + (n - 1 - rank[S_arr[rows]])
        r = int(np.argmin(key))
        j_out, j_in = int(S_arr[rows[r]]), int(cols[r])
        S.remove(j_out)
        S.append(j_in)
        areas.remove(j_out)
        areas.add(j_in)
    return np.array(sorted(S, key=lambda j: rank[j]), dtype=np.int64)


def _mclp_swap_values(problem: SitingProblem, S: np.ndarray) -> np.ndarray:
    """Improvement of covered weight for every swap (S[r] out, j in).

    With ``n_i`` = number of open offices covering i (existing counts as one that never
    closes): gain(j in) ``G_j = Σ_{i∈N_j, n_i=0} w_i``; loss(s out) ``L_s = Σ_{i∈N_s, n_i=1}
    w_i``; and the demand only s covers that j also covers is kept:
    ``overlap_sj = Σ_{i∈N_s∩N_j, n_i=1} w_i``. Improvement = ``G_j − L_s + overlap_sj``.
    """
    w = problem.demand_weight
    cov_f = problem.cover_f
    rows = cov_f[S]  # |S| × n_demand, sparse 0/1
    cnt = problem.existing_covered.astype(np.float64) + np.asarray(rows.sum(axis=0)).ravel()
    G = cov_f @ (w * (cnt == 0))
    U = rows.multiply((w * (cnt == 1))[None, :]).tocsr()  # |S| × n_demand
    L = np.asarray(U.sum(axis=1)).ravel()
    overlap = (U @ problem.cover_fT).toarray()  # |S| × n_cand
    return G[None, :] - L[:, None] + overlap


def _pmedian_swap_values(problem: SitingProblem, S: np.ndarray) -> np.ndarray:
    """Reduction of Σ w_i d_i for every swap (S[r] out, j in), capped p-median.

    With d1_i (best), who_i (the open site giving it, −1 for the base c_i) and d2_i (the best
    without who_i): removing s costs ``L_s = Σ_{who_i=s} w_i (d2_i − d1_i)``; adding j saves
    ``A_j = Σ_i w_i (d1_i − t_ji)^+``; for residents of s, j's saving is measured from d2
    instead: ``M_sj = Σ_{who_i=s} w_i [(d2_i − t_ji)^+ − (d1_i − t_ji)^+]``.
    Improvement = ``A_j + M_sj − L_s``.
    """
    w = problem.demand_weight
    t = problem._require_time()
    n_dem, n = problem.n_demand, problem.n_candidates
    c = problem.pmedian_base_min
    sub = t[S].tocoo()
    rows_j = S[sub.row]
    keep = sub.data < c[sub.col]
    col, val, jj = sub.col[keep], sub.data[keep], rows_j[keep]
    order = np.lexsort((jj, val, col))
    col, val, jj = col[order], val[order], jj[order]
    first = np.ones(col.size, dtype=bool)
    first[1:] = col[1:] != col[:-1]
    d1 = c.copy()
    who = np.full(n_dem, -1, dtype=np.int64)
    d1[col[first]] = val[first]
    who[col[first]] = jj[first]
    d2 = c.copy()
    second = np.zeros(col.size, dtype=bool)
    second[1:] = ~first[1:] & first[:-1]
    d2[col[second]] = val[second]
    has_who = who >= 0
    L_all = np.bincount(who[has_who], weights=(w * (d2 - d1))[has_who], minlength=n)
    A = _pmedian_gains(t, d1, w)
    tc = t.tocoo()
    sel = has_who[tc.col]
    ci, cj, cv = tc.col[sel], tc.row[sel], tc.data[sel]
    m = w[ci] * (np.maximum(d2[ci] - cv, 0.0) - np.maximum(d1[ci] - cv, 0.0))
    M = sp.csr_matrix((m, (who[ci], cj)), shape=(n, n))
    return A[None, :] + M[S].toarray() - L_all[S][:, None]


def heuristic(problem: SitingProblem, model: str = "mclp", *, starts: int = 8) -> Solution:
    """Multi-start greedy + interchange; bound and gap are ``nan``.

    Start 0 is the plain greedy; starts 1.. ``starts − 1`` open first, in turn, the candidates
    with the next-largest stand-alone gain (after the plain greedy's first pick) and complete
    greedily. Every start is improved by :func:`interchange`; the best local optimum wins
    (ties: the earlier start). All of it is deterministic.
    """
    _check_model(model)
    problem.check_feasible()
    t0 = time.perf_counter()
    g = greedy(problem, model)
    g_obj = problem.objective(g, model)
    best_S = interchange(problem, g, model)
    best_obj = problem.objective(best_S, model)
    n_free = problem.k - len(problem.fixed)
    seeds: list[int] = []
    if starts > 1 and n_free >= 2:
        base = problem.fixed_index
        if model == "mclp":
            covered = problem.covered_by(base)
            gains = problem.cover_f @ (problem.demand_weight * ~covered)
        else:
            gains = _pmedian_gains(
                problem._require_time(), problem.best_time(base), problem.demand_weight
            )
        rank = _rank(problem)
        skip = set(base.tolist()) | {int(g[len(problem.fixed)])}
        order = sorted(range(problem.n_candidates), key=lambda j: (-gains[j], rank[j]))
        seeds = [j for j in order if j not in skip and gains[j] > 0][: starts - 1]
    for seed in seeds:
        S = interchange(problem, greedy(problem, model, seed=seed), model)
        obj = problem.objective(S, model)
        if _better(obj, best_obj, model):
            best_S, best_obj = S, obj
    best_S = canonical(problem, best_S, model)
    return Solution(
        chosen=best_S,
        objective=problem.objective(best_S, model),
        bound=np.nan,
        gap=np.nan,
        solver="greedy+interchange",
        status="heuristic",
        model=model,
        time_s=time.perf_counter() - t0,
        info={"greedy_objective": g_obj, "starts": 1 + len(seeds)},
    )


# ====================================================================== exact
def _group_columns(keys: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """Group equal keys; return (representative column per group, group of each column)."""
    seen: dict[bytes, int] = {}
    group = np.empty(len(keys), dtype=np.int64)
    reps: list[int] = []
    for i, key in enumerate(keys):
        g = seen.get(key)
        if g is None:
            g = len(reps)
            seen[key] = g
            reps.append(i)
        group[i] = g
    return np.array(reps, dtype=np.int64), group


def _common_rows(
    problem: SitingProblem, n_other: int
) -> tuple[list[sp.csr_matrix], list[np.ndarray], list[np.ndarray]]:
    """Σ x = k and the area rows, padded with ``n_other`` zero columns."""
    n = problem.n_candidates
    A = [sp.csr_matrix(np.ones((1, n)))]
    lo, hi = [np.array([problem.k], float)], [np.array([problem.k], float)]
    codes, alo, ahi = problem.area_bounds()
    constrained = np.flatnonzero((alo > 0) | (ahi < problem.k))
    if constrained.size:
        rows = np.flatnonzero(np.isin(codes, constrained))
        ridx = np.searchsorted(constrained, codes[rows])
        A.append(sp.csr_matrix((np.ones(rows.size), (ridx, rows)), shape=(constrained.size, n)))
        lo.append(alo[constrained].astype(float))
        hi.append(ahi[constrained].astype(float))
    A = [sp.hstack([a, sp.csr_matrix((a.shape[0], n_other))]).tocsr() for a in A]
    return A, lo, hi


def _top_k_with_areas(values: np.ndarray, problem: SitingProblem, k: int) -> np.ndarray:
    """Bool mask maximising Σ values over ``k`` candidates under the area bounds and fixed
    candidates (values ≥ 0). Greedy is exact for these nested partition constraints: the
    fixed ones, then the best ``lo_a`` of each area, then the best of the rest within ``hi_a``.
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


def highs(
    problem: SitingProblem,
    model: str = "mclp",
    *,
    time_limit_s: float = 60.0,
    warm: Solution | None = None,
    mip_rel_gap: float = 1e-9,
    use_cutoff: bool = True,
    presolve: bool | None = None,
    lagrangian: bool = True,
) -> Solution:
    """Solve the MILP exactly with HiGHS (``scipy.optimize.milp``).

    Parameters
    ----------
    problem, model
        The instance and ``"mclp"`` or ``"p_median"``.
    time_limit_s
        HiGHS time limit in seconds.
    warm
        A heuristic solution; its objective is added as a cutoff constraint and it is kept if
        HiGHS returns nothing better (computed by :func:`heuristic` when None and
        ``use_cutoff``).
    mip_rel_gap
        HiGHS' relative gap tolerance (default 1e-9: solve to proven optimality).
    use_cutoff
        Add the heuristic objective as a constraint.
    presolve
        HiGHS presolve; None (default) turns it off for large models (more than 200,000
        nonzeros), where it was measured to take longer than the solve itself.
    lagrangian
        MCLP only: first compute the Lagrangian bound (:func:`lagrangian_bound_mclp`, at most
        a quarter of the time limit). If it proves the heuristic optimal (up to
        ``mip_rel_gap``, or exactly when all weights are integers) HiGHS is not called;
        otherwise the bound is kept and reported if HiGHS' own bound is weaker.

    Raises
    ------
    InfeasibleError
        If the constraints cannot be met (checked before solving; a HiGHS "infeasible" status
        is mapped to this error too).
    """
    _check_model(model)
    if time_limit_s <= 0:
        raise ParameterError(f"time_limit_s must be > 0, got {time_limit_s}.")
    problem.check_feasible()
    t0 = time.perf_counter()
    if warm is None and use_cutoff:
        warm = heuristic(problem, model)
    n = problem.n_candidates
    w = problem.demand_weight
    if model == "mclp":
        active = (w > 0) & ~problem.existing_covered & (np.diff(problem.cover.tocsc().indptr) > 0)
        const = float(w[problem.existing_covered].sum())
        csc = problem.cover.tocsc()[:, np.flatnonzero(active)]
        csc.sort_indices()
        keys = [
            csc.indices[csc.indptr[i] : csc.indptr[i + 1]].tobytes() for i in range(csc.shape[1])
        ]
        reps, group = _group_columns(keys)
        Wg = np.bincount(group, weights=w[active], minlength=reps.size)
        ng = reps.size
        Cg = csc[:, reps].T.tocsr().astype(np.float64)  # groups × cand
        c_vec = np.concatenate([np.zeros(n), -Wg])
        A_cov = sp.hstack([-Cg, sp.identity(ng, format="csr")]).tocsr()
        A_list, lo_list, hi_list = _common_rows(problem, ng)
        A_list.insert(0, A_cov)
        lo_list.insert(0, np.full(ng, -np.inf))
        hi_list.insert(0, np.zeros(ng))
        lb = np.zeros(n + ng)
        ub = np.ones(n + ng)
        integrality = np.concatenate([np.ones(n), np.zeros(ng)])
        n_entries = ng
        sense = -1.0  # maximise: milp minimises c·v = −(objective − const)
    else:
        t = problem._require_time()
        c = problem.pmedian_base_min
        tc = t.tocsc()
        tc.sort_indices()
        # keep entries that improve on the base time, for weighted demand
        coo = tc.tocoo()
        keep = (coo.data < c[coo.col]) & (w[coo.col] > 0)
        imp = sp.csc_matrix((coo.data[keep] + 1.0, (coo.row[keep], coo.col[keep])), shape=t.shape)
        imp.sort_indices()  # +1 keeps explicit zeros (0-minute entries) as structure
        active = np.flatnonzero(np.diff(imp.indptr) > 0)
        const = float(np.einsum("i,i->", w, c))
        imp = imp[:, active]
        imp.sort_indices()
        keys = [
            imp.indices[imp.indptr[i] : imp.indptr[i + 1]].tobytes()
            + imp.data[imp.indptr[i] : imp.indptr[i + 1]].tobytes()
            + np.float64(c[active[i]]).tobytes()
            for i in range(imp.shape[1])
        ]
        reps, group = _group_columns(keys)
        Wg = np.bincount(group, weights=w[active], minlength=reps.size)
        ng = reps.size
        G = imp[:, reps].tocoo()  # cand × groups, data = t + 1
        ent_j, ent_g, ent_t = G.row, G.col, G.data - 1.0
        ne = ent_j.size
        cg = c[active[reps]]
        c_vec = np.concatenate([np.zeros(n), Wg[ent_g] * (ent_t - cg[ent_g])])
        A_one = sp.csr_matrix((np.ones(ne), (ent_g, n + np.arange(ne))), shape=(ng, n + ne))
        A_link = sp.csr_matrix(
            (
                np.concatenate([np.ones(ne), -np.ones(ne)]),
                (
                    np.concatenate([np.arange(ne), np.arange(ne)]),
                    np.concatenate([n + np.arange(ne), ent_j]),
                ),
            ),
            shape=(ne, n + ne),
        )
        A_list, lo_list, hi_list = _common_rows(problem, ne)
        A_list[:0] = [A_one, A_link]
        lo_list[:0] = [np.full(ng, -np.inf), np.full(ne, -np.inf)]
        hi_list[:0] = [np.ones(ng), np.zeros(ne)]
        lb = np.zeros(n + ne)
        ub = np.ones(n + ne)
        integrality = np.concatenate([np.ones(n), np.zeros(ne)])
        n_entries = ne
        sense = 1.0
    lb[problem.fixed_index] = 1.0
    lag_bound, lag_iter = np.nan, 0
    integral_w = bool(np.all(w == np.round(w)))
    if model == "mclp" and lagrangian and warm is not None and ng > 0:
        h_new = warm.objective - const
        lb_new, lag_iter, lag_x, lag_val = lagrangian_bound_mclp(
            problem, Cg, Wg, h_new, time_budget_s=0.25 * time_limit_s
        )
        if lag_val > h_new + _TOL * max(1.0, abs(h_new)):
            # the Lagrangian heuristic beat greedy + interchange: polish it and use it
            S = interchange(problem, np.flatnonzero(lag_x), model)
            S = canonical(problem, S, model)
            warm = Solution(
                S,
                problem.objective(S, model),
                np.nan,
                np.nan,
                "greedy+interchange+lagrangian",
                "heuristic",
                model,
                warm.time_s,
                {**warm.info, "lagrangian_heuristic": True},
            )
            h_new = warm.objective - const
        if integral_w:
            lb_new = np.floor(lb_new + 1e-7)
        lag_bound = lb_new + const
        if lb_new - h_new <= max(mip_rel_gap * abs(lag_bound), 1e-9):
            rank = _rank(problem)
            return Solution(
                chosen=warm.chosen,
                objective=warm.objective,
                bound=float(max(lag_bound, warm.objective)),
                gap=float(max(0.0, lag_bound - warm.objective) / abs(lag_bound))
                if lag_bound
                else 0.0,
                solver=warm.solver,
                status="optimal",
                model=model,
                time_s=time.perf_counter() - t0,
                info={
                    "n_groups": int(ng),
                    "n_demand_active": int(np.sum(active)),
                    "proof": "lagrangian bound",
                    "lagrangian_iterations": int(lag_iter),
                    "lagrangian_bound": float(lag_bound),
                    "heuristic_objective": warm.objective,
                    "cutoff": False,
                },
            )
    remaining = max(1.0, time_limit_s - (time.perf_counter() - t0))
    cutoff_used = False
    if warm is not None and use_cutoff:
        h_var = sense * (warm.objective - const)  # milp-space value of the heuristic (minimised)
        A_list.append(sp.csr_matrix(c_vec[None, :]))
        lo_list.append(np.array([-np.inf]))
        hi_list.append(np.array([h_var + _TOL * max(1.0, abs(h_var)) + 1e-9]))
        cutoff_used = True

    def _run(with_cutoff: bool) -> Any:
        m = len(A_list) - (0 if with_cutoff else int(cutoff_used))
        cons = LinearConstraint(
            sp.vstack(A_list[:m]).tocsr(), np.concatenate(lo_list[:m]), np.concatenate(hi_list[:m])
        )
        A = cons.A
        use_presolve = presolve if presolve is not None else A.nnz <= 200_000
        return milp(
            c_vec,
            integrality=integrality,
            bounds=Bounds(lb, ub),
            constraints=cons,
            options={
                "time_limit": float(remaining),
                "mip_rel_gap": mip_rel_gap,
                "disp": False,
                "presolve": bool(use_presolve),
            },
        )

    res = _run(cutoff_used)
    if res.status == 2 and cutoff_used:  # tolerance trouble with the cutoff: retry without it
        res = _run(False)
    if res.status == 2:
        raise InfeasibleError(
            "The siting constraints are infeasible (HiGHS proved it): the per-area minimums, "
            "maximums, fixed sites and k cannot all hold.",
            fix="Check min/max per area against k and the candidates in each area.",
        )
    if res.status not in (0, 1):
        raise RuntimeError(f"HiGHS failed (status {res.status}): {res.message}")
    info = {
        "n_groups": int(ng),
        "n_demand_active": int(np.sum(active) if active.dtype == bool else active.size),
        "n_variables": int(n + n_entries),
        "milp_status": int(res.status),
        "milp_message": str(res.message),
        "cutoff": bool(cutoff_used),
        "heuristic_objective": None if warm is None else warm.objective,
        "mip_node_count": getattr(res, "mip_node_count", None),
    }
    dual = getattr(res, "mip_dual_bound", None)
    bound = np.nan if dual is None or not np.isfinite(dual) else sense * float(dual) + const
    info["highs_bound"] = None if np.isnan(bound) else float(bound)
    info["lagrangian_bound"] = None if np.isnan(lag_bound) else float(lag_bound)
    info["lagrangian_iterations"] = int(lag_iter)
    if np.isfinite(lag_bound):
        bound = lag_bound if np.isnan(bound) else min(bound, lag_bound)
    if model == "mclp" and integral_w and np.isfinite(bound):
        bound = float(np.floor(bound - const + 1e-7) + const)
    status = "optimal" if res.status == 0 else "time_limit"
    chosen = None
    if res.x is not None:
        chosen = np.flatnonzero(res.x[:n] > 0.5)
    obj = (
        problem.objective(chosen, model)
        if chosen is not None and len(chosen) == problem.k
        else None
    )
    solver = "highs"
    if obj is not None:
        chosen = canonical(problem, chosen, model)
        obj = problem.objective(chosen, model)
    if obj is None or (warm is not None and _better(warm.objective, obj, model)):
        if warm is None:
            raise InfeasibleError(
                f"HiGHS found no feasible solution within {time_limit_s} s.",
                fix="Raise time_limit_s or use solver='greedy'.",
            )
        chosen, obj = warm.chosen, warm.objective
        solver = "greedy+interchange (highs bound)"
    elif warm is not None and not _better(obj, warm.objective, model):
        # equal objectives: take the set that comes first in id order (order independence)
        rk = _rank(problem)
        if sorted(rk[warm.chosen].tolist()) < sorted(rk[chosen].tolist()):
            chosen, obj = warm.chosen, warm.objective
    if status == "optimal":
        bound = (
            obj
            if np.isnan(bound)
            else (min(bound, obj) if model == "p_median" else max(bound, obj))
        )
    if model == "mclp":
        bound = max(bound, obj) if np.isfinite(bound) else bound
        gap = (
            (bound - obj) / abs(bound)
            if np.isfinite(bound) and bound != 0
            else (0.0 if bound == obj else np.nan)
        )
    else:
        bound = min(bound, obj) if np.isfinite(bound) else bound
        gap = (
            (obj - bound) / abs(obj)
            if np.isfinite(bound) and obj != 0
            else (0.0 if bound == obj else np.nan)
        )
    if status == "optimal" and gap <= mip_rel_gap + 1e-12:
        gap = max(gap, 0.0)
    rank = _rank(problem)
    chosen = np.array(sorted(chosen.tolist(), key=lambda j: rank[j]), dtype=np.int64)
    return Solution(
        chosen=chosen,
        objective=float(obj),
        bound=float(bound),
        gap=float(gap),
        solver=solver,
        status=status,
        model=model,
        time_s=time.perf_counter() - t0,
        info=info,
    )


def _better(a: float, b: float, model: str) -> bool:
    """Whether objective ``a`` is strictly better than ``b``."""
    tol = _TOL * max(1.0, abs(a), abs(b))
    return a > b + tol if model == "mclp" else a < b - tol


def solve(
    problem: SitingProblem,
    model: str = "mclp",
    solver: str = "auto",
    *,
    time_limit_s: float = 60.0,
    mip_rel_gap: float = 1e-9,
) -> Solution:
    """Solve with ``solver``: ``"greedy"`` (greedy + interchange), ``"highs"`` (exact), or
    ``"auto"`` (heuristic, then exact with the heuristic as cutoff; if HiGHS fails for any
    reason other than proven infeasibility, the heuristic answer is returned and says so).
    """
    _check_model(model)
    if solver not in SOLVERS:
        raise ParameterError(f"Unknown solver {solver!r}; use one of {SOLVERS}.")
    problem.check_feasible()
    h = heuristic(problem, model)
    if solver == "greedy":
        return h
    if solver == "highs":
        return highs(problem, model, time_limit_s=time_limit_s, warm=h, mip_rel_gap=mip_rel_gap)
    try:
        return highs(problem, model, time_limit_s=time_limit_s, warm=h, mip_rel_gap=mip_rel_gap)
    except InfeasibleError:
        raise
    except Exception as exc:  # pragma: no cover - fallback path
        info = dict(h.info)
        info["exact_error"] = f"{type(exc).__name__}: {exc}"
        return Solution(
            h.chosen,
            h.objective,
            np.nan,
            np.nan,
            "greedy+interchange (highs failed)",
            "heuristic",
            model,
            h.time_s,
            info,
        )
