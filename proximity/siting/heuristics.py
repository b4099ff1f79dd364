"""Heuristic solvers for :class:`~proximity.siting.models.SitingProblem`.

- :func:`greedy`: add the candidate with the largest marginal gain, ``k`` times.
- :func:`interchange`: Teitz–Bart vertex substitution: evaluate every (open site out,
  closed candidate in) swap at once with sparse algebra, apply the best improving swap, repeat
  until none improves.
- :func:`canonical`: among equal optima, the set that comes first in id order.
- :func:`heuristic`: multi-start greedy + interchange (the ``"greedy"`` solver).

Determinism: ties are broken by candidate id everywhere (greedy picks the smallest id among
equal gains; interchange applies the swap with the smallest (out id, in id) among equal
improvements).
"""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp

from proximity.errors import ParameterError
from proximity.siting.models import MODELS, SitingProblem, Solution

_TOL = 1e-9


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
        raise ParameterError(f"Unknown model {model!r}.", fix=f"Use one of {MODELS}.")


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
    rank, areas, S, fixed = _open_state(problem, chosen)
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
        _swap(S, areas, int(S_arr[rows[r]]), int(cols[r]))
    return np.array(sorted(S, key=lambda j: rank[j]), dtype=np.int64)


def _open_state(
    problem: SitingProblem, chosen: np.ndarray
) -> tuple[np.ndarray, _Areas, list[int], set[int]]:
    """The state a local search starts from: id ranks, area counts, open sites, fixed sites."""
    rank = _rank(problem)
    areas = _Areas(problem)
    S = [int(j) for j in chosen]
    for j in S:
        areas.add(j)
    return rank, areas, S, set(problem.fixed_index.tolist())


def _swap(S: list[int], areas: _Areas, j_out: int, j_in: int) -> None:
    """Close site ``j_out`` and open ``j_in`` (the open list and the area counts)."""
    S.remove(j_out)
    S.append(j_in)
    areas.remove(j_out)
    areas.add(j_in)


def canonical(problem: SitingProblem, chosen: np.ndarray, model: str = "mclp") -> np.ndarray:
    """Replace open sites by smaller-id candidates of *equal* objective, until none remains.

    Alternative optima are common (two libraries reaching the same residents). This pass
    makes the answer independent of the solver's choice among them and of the input order:
    each step swaps an open site for a candidate with a smaller id whose swap changes the
    objective by at most 1e-9 (relative), keeping the area bounds; the sum of id ranks falls
    at every step, so it stops.
    """
    rank, areas, S, fixed = _open_state(problem, chosen)
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
        _swap(S, areas, int(S_arr[rows[r]]), int(cols[r]))
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


def _better(a: float, b: float, model: str) -> bool:
    """Whether objective ``a`` is strictly better than ``b``."""
    tol = _TOL * max(1.0, abs(a), abs(b))
    return a > b + tol if model == "mclp" else a < b - tol
