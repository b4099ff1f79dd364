r"""The exact solver :func:`highs`: the siting MILP solved by HiGHS (:func:`scipy.optimize.milp`).

In the spirit of spopt's model builders, the work is split into named steps:

1. a *formulation builder*, :func:`_build_mclp` or :func:`_build_pmedian`, turns the
   :class:`~proximity.siting.models.SitingProblem` into a small typed value,
   :class:`_MilpModel` (objective vector, constraint blocks and their bounds, variable bounds,
   integrality). Both builders *reduce* the instance first: demand points with identical
   coverage sets (MCLP) or identical candidate time vectors and base time (p-median) are
   merged and their weights summed; demand that no candidate can improve (already covered,
   unreachable or zero weight) is moved into a constant;
2. the *Lagrangian step* (MCLP, :func:`~proximity.siting.lagrangian.lagrangian_step`): an
   upper bound that may prove the heuristic optimal without any MILP;
3. the *cutoff* (:func:`_cutoff`): scipy's ``milp`` has no warm-start argument, so the
   heuristic objective ``H`` is added as a constraint (``objective ≥ H`` for the MCLP, ``≤ H``
   for the p-median, with a 1e-9 relative tolerance). This prunes every node whose bound
   cannot beat the heuristic, and the heuristic set stays the answer if HiGHS finds nothing
   better in time. By default only the MCLP gets it (:data:`CUTOFF_BY_MODEL`): the
   p-median is solved at the root node and the dense row only slows its LP down;
4. :func:`_solve`: one HiGHS call with a time limit (retried without the cutoff if the
   cutoff alone makes it infeasible);
5. the answer (:func:`_pick_answer`): the objective is recomputed from the chosen set, never
   taken from the solver; among equal objectives the set first in id order wins; and the
   bound and gap (:func:`_bound_and_gap`).

HiGHS itself is deterministic for a given instance and option set.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, milp

from proximity.errors import InfeasibleError, ParameterError
from proximity.siting.heuristics import (
    _TOL,
    _better,
    _check_model,
    _rank,
    canonical,
    heuristic,
)
from proximity.siting.lagrangian import _LagrangianResult, lagrangian_proof, lagrangian_step
from proximity.siting.models import SitingProblem, Solution

#: Models with more nonzeros than this are solved without HiGHS presolve (measured slower).
PRESOLVE_MAX_NNZ = 200_000
#: Default of the cutoff row per model. The p-median's LP relaxation is nearly always
#: integral (HiGHS solves it at the root node), and the dense cutoff row only slows the LP
#: down: measured without / with it, spopt's San Francisco instance (205 × 16) 0.12 / 0.50 s,
#: its 100 × 5 lattice 0.013 / 0.041 s, clustered 500 × 50 1.2 / 15.9 s and 1,000 × 100
#: 20 / 49 s (docs/notes/performance.md). The MCLP keeps it (it prunes a real search tree).
CUTOFF_BY_MODEL = {"mclp": True, "p_median": False}


@dataclass(frozen=True, eq=False)
class _MilpModel:
    r"""A siting MILP in :func:`scipy.optimize.milp` form.

    Minimise :math:`c^\top v` subject to :math:`\ell \le A v \le u` (the stacked ``blocks``)
    and ``lb ≤ v ≤ ub``, with ``v_j`` integer where ``integrality`` is 1. The first
    ``n_candidates`` variables are the site choices :math:`x`; the siting objective of a
    solution is ``const + sense · (c · v)``.

    Attributes
    ----------
    model
        ``"mclp"`` or ``"p_median"``.
    c
        Objective vector (minimised).
    blocks
        Constraint blocks ``(A, lower, upper)`` in row order.
    lb, ub, integrality
        Variable bounds (fixed sites have ``lb = 1``) and integrality (1 for the ``x``).
    const
        Objective part no decision changes (existing coverage; the p-median's base times).
    sense
        −1 for the MCLP (maximised), +1 for the p-median.
    n_groups, n_demand_active, n_other
        Demand groups after the reduction, demand points that can still improve, and the
        number of non-site variables (groups for the MCLP, assignment entries for the
        p-median).
    integral_weights
        Whether every demand weight is an integer (then MCLP bounds may be floored).
    cover_groups, group_weight
        MCLP only: the groups × candidates coverage ``C_g`` and the group weights ``W_g``
        (for the Lagrangian bound).
    """

    model: str
    c: np.ndarray
    blocks: tuple[tuple[sp.csr_matrix, np.ndarray, np.ndarray], ...]
    lb: np.ndarray
    ub: np.ndarray
    integrality: np.ndarray
    const: float
    sense: float
    n_groups: int
    n_demand_active: int
    n_other: int
    integral_weights: bool
    cover_groups: sp.csr_matrix | None = None
    group_weight: np.ndarray | None = None


# ====================================================================== formulation builders
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
) -> list[tuple[sp.csr_matrix, np.ndarray, np.ndarray]]:
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
    return list(zip(A, lo, hi, strict=True))


def _assemble(
    problem: SitingProblem,
    model: str,
    c: np.ndarray,
    blocks: list[tuple[sp.csr_matrix, np.ndarray, np.ndarray]],
    **info: Any,
) -> _MilpModel:
    """The model-specific ``blocks`` plus the common rows, bounds and integrality."""
    n, n_other = problem.n_candidates, int(info["n_other"])
    lb = np.zeros(n + n_other)
    lb[problem.fixed_index] = 1.0
    w = problem.demand_weight
    return _MilpModel(
        model=model,
        c=c,
        blocks=(*blocks, *_common_rows(problem, n_other)),
        lb=lb,
        ub=np.ones(n + n_other),
        integrality=np.concatenate([np.ones(n), np.zeros(n_other)]),
        integral_weights=bool(np.all(w == np.round(w))),
        **info,
    )


def _build_mclp(problem: SitingProblem) -> _MilpModel:
    r"""The reduced MCLP as a :class:`_MilpModel`.

    Demand points that are already covered, that no candidate reaches or that weigh nothing
    are left out (the covered ones in :math:`\mathrm{const} = \sum_i w_i e_i`); the others are
    grouped by their coverage set :math:`N_g = \{j : \text{cover}_{jg}\}`, with
    :math:`W_g` the summed weight of group :math:`g`. Then

    .. math::

        \max_{x, y} \; \mathrm{const} + \sum_g W_g y_g
        \quad \text{s.t.} \quad
        y_g \le \sum_{j \in N_g} x_j \;\; \forall g, \quad
        \sum_j x_j = k, \quad
        m_a \le \sum_{j \in J_a} x_j \le M_a \;\; \forall a, \quad
        x_j = 1 \;\; (j \in F), \quad
        x \in \{0, 1\}^J, \; 0 \le y \le 1

    written for ``milp`` as the minimisation of :math:`-\sum_g W_g y_g` over
    :math:`v = (x, y)` (``sense = −1``), with the coverage rows
    :math:`-C_g x + y \le 0`.

    Parameters
    ----------
    problem
        The instance.

    Returns
    -------
    _MilpModel
        With ``cover_groups`` (:math:`C_g`, groups × candidates) and ``group_weight``
        (:math:`W_g`) for the Lagrangian bound.
    """
    n = problem.n_candidates
    w = problem.demand_weight
    active = (w > 0) & ~problem.existing_covered & (np.diff(problem.cover.tocsc().indptr) > 0)
    csc = problem.cover.tocsc()[:, np.flatnonzero(active)]
    csc.sort_indices()
    keys = [csc.indices[csc.indptr[i] : csc.indptr[i + 1]].tobytes() for i in range(csc.shape[1])]
    reps, group = _group_columns(keys)
    Wg = np.bincount(group, weights=w[active], minlength=reps.size)
    ng = reps.size
    Cg = csc[:, reps].T.tocsr().astype(np.float64)  # groups × cand
    A_cov = sp.hstack([-Cg, sp.identity(ng, format="csr")]).tocsr()
    return _assemble(
        problem,
        "mclp",
        np.concatenate([np.zeros(n), -Wg]),
        [(A_cov, np.full(ng, -np.inf), np.zeros(ng))],
        const=float(w[problem.existing_covered].sum()),
        sense=-1.0,  # maximise: milp minimises c·v = −(objective − const)
        n_groups=int(ng),
        n_demand_active=int(np.sum(active)),
        n_other=int(ng),
        cover_groups=Cg,
        group_weight=Wg,
    )


def _pmedian_groups(
    problem: SitingProblem,
) -> tuple[sp.csc_matrix, np.ndarray, np.ndarray, np.ndarray]:
    """The p-median's improving entries grouped by demand point.

    Returns
    -------
    imp, active, reps, group
        Candidates × active demand times + 1 (entries that beat the base time, for demand
        with weight), the active demand indices, one representative column per group and the
        group of each active column.
    """
    t = problem._require_time()
    w = problem.demand_weight
    c = problem.pmedian_base_min
    tc = t.tocsc()
    tc.sort_indices()
    # keep entries that improve on the base time, for weighted demand
    coo = tc.tocoo()
    keep = (coo.data < c[coo.col]) & (w[coo.col] > 0)
    imp = sp.csc_matrix((coo.data[keep] + 1.0, (coo.row[keep], coo.col[keep])), shape=t.shape)
    imp.sort_indices()  # +1 keeps explicit zeros (0-minute entries) as structure
    active = np.flatnonzero(np.diff(imp.indptr) > 0)
    imp = imp[:, active]
    imp.sort_indices()
    keys = [
        imp.indices[imp.indptr[i] : imp.indptr[i + 1]].tobytes()
        + imp.data[imp.indptr[i] : imp.indptr[i + 1]].tobytes()
        + np.float64(c[active[i]]).tobytes()
        for i in range(imp.shape[1])
    ]
    reps, group = _group_columns(keys)
    return imp, active, reps, group


def _build_pmedian(problem: SitingProblem) -> _MilpModel:
    r"""The reduced capped p-median as a :class:`_MilpModel`.

    With base times :math:`c_i = \min(\mathrm{cap}, \text{existing}_i)` and only the entries
    :math:`t_{jg} < c_g` kept (demand points with equal entries and base time grouped, weight
    :math:`W_g`), one variable :math:`z_e` per kept entry :math:`e = (j, g)`:

    .. math::

        \min_{x, z} \; \sum_i w_i c_i + \sum_{e = (j, g)} W_g (t_{jg} - c_g) z_e
        \quad \text{s.t.} \quad
        \sum_{e \ni g} z_e \le 1 \;\; \forall g, \quad
        z_e \le x_j \;\; \forall e = (j, g), \quad
        \sum_j x_j = k, \quad
        m_a \le \sum_{j \in J_a} x_j \le M_a \;\; \forall a, \quad
        x_j = 1 \;\; (j \in F), \quad
        x \in \{0, 1\}^J, \; 0 \le z \le 1

    (the slack of :math:`\sum_e z_e \le 1` is the base assignment :math:`z_{i0}` of the
    full formulation in :mod:`proximity.siting.models`); ``sense = +1``.

    Parameters
    ----------
    problem
        The instance (needs ``time_min`` and a finite ``time_cap_min``).

    Returns
    -------
    _MilpModel
    """
    n = problem.n_candidates
    w = problem.demand_weight
    c = problem.pmedian_base_min
    imp, active, reps, group = _pmedian_groups(problem)
    Wg = np.bincount(group, weights=w[active], minlength=reps.size)
    ng = reps.size
    G = imp[:, reps].tocoo()  # cand × groups, data = t + 1
    ent_j, ent_g, ent_t = G.row, G.col, G.data - 1.0
    ne = ent_j.size
    cg = c[active[reps]]
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
    return _assemble(
        problem,
        "p_median",
        np.concatenate([np.zeros(n), Wg[ent_g] * (ent_t - cg[ent_g])]),
        [(A_one, np.full(ng, -np.inf), np.ones(ng)), (A_link, np.full(ne, -np.inf), np.zeros(ne))],
        const=float(np.einsum("i,i->", w, c)),
        sense=1.0,
        n_groups=int(ng),
        n_demand_active=int(active.size),
        n_other=int(ne),
    )


# ====================================================================== solve
def _cutoff(milp_model: _MilpModel, heuristic_objective: float) -> float:
    """Upper bound of the cutoff row ``c · v ≤ H'``: the heuristic in milp space + tolerance."""
    h_var = milp_model.sense * (heuristic_objective - milp_model.const)
    return h_var + _TOL * max(1.0, abs(h_var)) + 1e-9


def _milp(
    milp_model: _MilpModel,
    *,
    cutoff: float | None,
    time_limit_s: float,
    mip_rel_gap: float,
    presolve: bool | None,
) -> Any:
    """One :func:`scipy.optimize.milp` call (the cutoff row last, if any)."""
    blocks = list(milp_model.blocks)
    if cutoff is not None:
        blocks.append(
            (sp.csr_matrix(milp_model.c[None, :]), np.array([-np.inf]), np.array([cutoff]))
        )
    cons = LinearConstraint(
        sp.vstack([b[0] for b in blocks]).tocsr(),
        np.concatenate([b[1] for b in blocks]),
        np.concatenate([b[2] for b in blocks]),
    )
    use_presolve = presolve if presolve is not None else cons.A.nnz <= PRESOLVE_MAX_NNZ
    return milp(
        milp_model.c,
        integrality=milp_model.integrality,
        bounds=Bounds(milp_model.lb, milp_model.ub),
        constraints=cons,
        options={
            "time_limit": float(time_limit_s),
            "mip_rel_gap": mip_rel_gap,
            "disp": False,
            "presolve": bool(use_presolve),
        },
    )


def _solve(
    milp_model: _MilpModel,
    *,
    cutoff: float | None,
    time_limit_s: float,
    mip_rel_gap: float,
    presolve: bool | None,
) -> Any:
    """Solve with HiGHS; map "infeasible" to :class:`InfeasibleError`, other failures raise.

    If the cutoff row makes the model infeasible (tolerance trouble), it is solved again
    without it.
    """
    opts = {"time_limit_s": time_limit_s, "mip_rel_gap": mip_rel_gap, "presolve": presolve}
    res = _milp(milp_model, cutoff=cutoff, **opts)
    if res.status == 2 and cutoff is not None:  # tolerance trouble with the cutoff: retry
        res = _milp(milp_model, cutoff=None, **opts)
    if res.status == 2:
        raise InfeasibleError(
            "The siting constraints are infeasible (HiGHS proved it): the per-area minimums, "
            "maximums, fixed sites and k cannot all hold.",
            fix="Check min/max per area against k and the candidates in each area.",
        )
    if res.status not in (0, 1):
        raise RuntimeError(f"HiGHS failed (status {res.status}): {res.message}")
    return res


# ====================================================================== answer
def _milp_bound(
    milp_model: _MilpModel, res: Any, lag: _LagrangianResult
) -> tuple[float, dict[str, Any]]:
    """The best bound (HiGHS' dual bound and the Lagrangian bound) and its info entries."""
    dual = getattr(res, "mip_dual_bound", None)
    bound = (
        np.nan
        if dual is None or not np.isfinite(dual)
        else milp_model.sense * float(dual) + milp_model.const
    )
    info = {
        "highs_bound": None if np.isnan(bound) else float(bound),
        "lagrangian_bound": None if np.isnan(lag.bound) else float(lag.bound),
        "lagrangian_iterations": int(lag.iterations),
    }
    if np.isfinite(lag.bound):
        bound = lag.bound if np.isnan(bound) else min(bound, lag.bound)
    if milp_model.model == "mclp" and milp_model.integral_weights and np.isfinite(bound):
        bound = float(np.floor(bound - milp_model.const + 1e-7) + milp_model.const)
    return bound, info


def _pick_answer(
    problem: SitingProblem,
    model: str,
    res: Any,
    warm: Solution | None,
    time_limit_s: float,
) -> tuple[np.ndarray, float, str]:
    """(chosen, objective, solver): HiGHS' set (canonical) unless the heuristic is better.

    Among equal objectives the set that comes first in id order wins (order independence).
    """
    chosen = None
    if res.x is not None:
        chosen = np.flatnonzero(res.x[: problem.n_candidates] > 0.5)
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
        rk = _rank(problem)
        if sorted(rk[warm.chosen].tolist()) < sorted(rk[chosen].tolist()):
            chosen, obj = warm.chosen, warm.objective
    return chosen, obj, solver


def _bound_and_gap(
    model: str, *, optimal: bool, bound: float, obj: float, mip_rel_gap: float
) -> tuple[float, float]:
    """The reported bound (never worse than the objective) and the relative gap."""
    if optimal:
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
    if optimal and gap <= mip_rel_gap + 1e-12:
        gap = max(gap, 0.0)
    return bound, gap


# ====================================================================== highs
def highs(
    problem: SitingProblem,
    model: str = "mclp",
    *,
    time_limit_s: float = 60.0,
    warm: Solution | None = None,
    mip_rel_gap: float = 1e-9,
    use_cutoff: bool | None = None,
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
        Add the heuristic objective as a constraint. ``None`` (default) chooses by model
        (:data:`CUTOFF_BY_MODEL`): on for the MCLP, off for the p-median, where it slows HiGHS
        down at every size measured; the heuristic is still kept if HiGHS finds nothing
        better.
    presolve
        HiGHS presolve; None (default) turns it off for large models (more than 200,000
        nonzeros), where it was measured to take longer than the solve itself.
    lagrangian
        MCLP only: first compute the Lagrangian bound (:func:`lagrangian_bound_mclp`, at most
        a quarter of the time limit). If it proves the heuristic optimal (up to
        ``mip_rel_gap``, or exactly when all weights are integers) HiGHS is not called;
        otherwise the bound is kept and reported if HiGHS' own bound is weaker.

    Returns
    -------
    Solution
        Objective recomputed from the chosen set, bound, gap, solver and status.

    Raises
    ------
    InfeasibleError
        If the constraints cannot be met (checked before solving; a HiGHS "infeasible" status
        is mapped to this error too).
    """
    _check_model(model)
    if time_limit_s <= 0:
        raise ParameterError(
            f"time_limit_s must be > 0, got {time_limit_s}.", fix="Use e.g. time_limit_s=60."
        )
    problem.check_feasible()
    t0 = time.perf_counter()
    if warm is None and use_cutoff is not False:
        warm = heuristic(problem, model)
    mm = _build_mclp(problem) if model == "mclp" else _build_pmedian(problem)
    if use_cutoff is None:
        use_cutoff = CUTOFF_BY_MODEL[model]
    lag = _LagrangianResult(warm)
    if model == "mclp" and lagrangian and warm is not None and mm.n_groups > 0:
        lag = lagrangian_step(
            problem, mm, warm, time_budget_s=0.25 * time_limit_s, mip_rel_gap=mip_rel_gap
        )
        if lag.proven:
            return lagrangian_proof(mm, lag, t0)
        warm = lag.warm
    cutoff = _cutoff(mm, warm.objective) if warm is not None and use_cutoff else None
    res = _solve(
        mm,
        cutoff=cutoff,
        time_limit_s=max(1.0, time_limit_s - (time.perf_counter() - t0)),
        mip_rel_gap=mip_rel_gap,
        presolve=presolve,
    )
    info = {
        "n_groups": mm.n_groups,
        "n_demand_active": mm.n_demand_active,
        "n_variables": int(problem.n_candidates + mm.n_other),
        "milp_status": int(res.status),
        "milp_message": str(res.message),
        "cutoff": cutoff is not None,
        "heuristic_objective": None if warm is None else warm.objective,
        "mip_node_count": getattr(res, "mip_node_count", None),
    }
    bound, bound_info = _milp_bound(mm, res, lag)
    info.update(bound_info)
    chosen, obj, solver = _pick_answer(problem, model, res, warm, time_limit_s)
    status = "optimal" if res.status == 0 else "time_limit"
    bound, gap = _bound_and_gap(
        model, optimal=status == "optimal", bound=bound, obj=obj, mip_rel_gap=mip_rel_gap
    )
    rank = _rank(problem)
    return Solution(
        chosen=np.array(sorted(chosen.tolist(), key=lambda j: rank[j]), dtype=np.int64),
        objective=float(obj),
        bound=float(bound),
        gap=float(gap),
        solver=solver,
        status=status,
        model=model,
        time_s=time.perf_counter() - t0,
        info=info,
    )
