"""Solvers for :class:`~proximity.siting.models.SitingProblem`.

- :func:`greedy`: add the candidate with the largest marginal gain, ``k`` times.
- :func:`interchange`: Teitz–Bart vertex substitution: evaluate every (open site out,
  closed candidate in) swap at once with sparse algebra, apply the best improving swap, repeat
  until none improves.
- :func:`highs` (:mod:`proximity.siting.exact`): the exact MILP (formulations in
  :mod:`proximity.siting.models` and in the builders of :mod:`~proximity.siting.exact`)
  solved by HiGHS through :func:`scipy.optimize.milp`, with three aids:

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

import numpy as np

from proximity.errors import InfeasibleError, ParameterError
from proximity.siting.exact import highs
from proximity.siting.heuristics import _check_model, canonical, greedy, heuristic, interchange
from proximity.siting.lagrangian import lagrangian_bound_mclp
from proximity.siting.models import SitingProblem, Solution

__all__ = [
    "SOLVERS",
    "Solution",
    "canonical",
    "greedy",
    "heuristic",
    "highs",
    "interchange",
    "lagrangian_bound_mclp",
    "solve",
]

SOLVERS: tuple[str, ...] = ("auto", "greedy", "highs")


def solve(
    problem: SitingProblem,
    model: str = "mclp",
    solver: str = "auto",
    *,
    time_limit_s: float = 60.0,
    mip_rel_gap: float = 1e-9,
) -> Solution:
    """Solve ``problem`` with ``solver``.

    Parameters
    ----------
    problem
        The instance.
    model
        ``"mclp"`` or ``"p_median"``.
    solver
        ``"greedy"`` (greedy + interchange, :func:`heuristic`), ``"highs"`` (exact: HiGHS
        always runs, with the heuristic as cutoff, and the answer's ``solver`` says
        ``"highs"``), or ``"auto"`` (heuristic, then for the MCLP a Lagrangian bound that may
        prove it optimal without HiGHS (``solver`` then names the heuristic and ``status``
        is ``"optimal"``), else exact with the heuristic as cutoff; if HiGHS fails for any
        reason other than proven infeasibility, the heuristic answer is returned and says
        so).
    time_limit_s, mip_rel_gap
        Options of the exact solve.

    Returns
    -------
    Solution
    """
    _check_model(model)
    if solver not in SOLVERS:
        raise ParameterError(f"Unknown solver {solver!r}.", fix=f"Use one of {SOLVERS}.")
    problem.check_feasible()
    h = heuristic(problem, model)
    if solver == "greedy":
        return h
    if solver == "highs":  # asked for by name: HiGHS runs (no Lagrangian shortcut)
        return highs(
            problem,
            model,
            time_limit_s=time_limit_s,
            warm=h,
            mip_rel_gap=mip_rel_gap,
            lagrangian=False,
        )
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
