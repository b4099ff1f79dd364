"""Siting of new neighbourhood offices: candidates, MCLP / p-median models, solvers, ranking.

Array level: :class:`SitingProblem` (:mod:`~proximity.siting.models`, formulations in its
docstring) solved by :func:`greedy`, :func:`interchange`, :func:`highs` or :func:`solve`
(:mod:`~proximity.siting.solvers`). High level: :func:`site` builds the problem from a
:class:`~proximity.sources.City` and a walking network and returns a :class:`SitingResult`.
"""

from __future__ import annotations

from proximity.siting import candidates
from proximity.siting.api import p_median_cap_min, site
from proximity.siting.models import MODELS, SitingProblem
from proximity.siting.ranking import SitingResult, impact_tables, rank_sites, weighted_gini
from proximity.siting.solvers import (
    SOLVERS,
    Solution,
    greedy,
    heuristic,
    highs,
    interchange,
    solve,
)

__all__ = [
    "MODELS",
    "SOLVERS",
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
    "weighted_gini",
]
