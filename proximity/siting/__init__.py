"""Siting of new neighbourhood offices: candidates, MCLP / p-median models, solvers, ranking.

Array level: :class:`SitingProblem` (:mod:`~proximity.siting.models`, formulations in its
docstring) solved by :func:`greedy`, :func:`interchange`, :func:`highs` or :func:`solve`
(:mod:`~proximity.siting.solvers`: :mod:`~proximity.siting.heuristics`,
:mod:`~proximity.siting.exact`, :mod:`~proximity.siting.lagrangian`). High level: :func:`site`
(keyword wrapper) or :func:`solve_site` with a validated :class:`SiteTask` builds the problem
from a :class:`~proximity.sources.City` and a walking network and returns a
:class:`SitingResult`.
"""

from __future__ import annotations

from proximity.siting import candidates
from proximity.siting.api import site, solve_site
from proximity.siting.models import MODELS, SitingProblem
from proximity.siting.ranking import SitingResult, impact_tables, rank_sites
from proximity.siting.solvers import (
    SOLVERS,
    Solution,
    greedy,
    heuristic,
    highs,
    interchange,
    solve,
)
from proximity.siting.task import SiteTask, p_median_cap_min

__all__ = [
    "MODELS",
    "SOLVERS",
    "SiteTask",
    "SitingProblem",
    "SitingResult",
    "Solution",
    "candidates",
    "greedy",
    "heuristic",
    "highs",
    "impact_tables",
    "interchange",
    "p_median_cap_min",
    "rank_sites",
    "site",
    "solve",
    "solve_site",
]
