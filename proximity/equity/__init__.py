"""Equity of walking access: how evenly access is shared, and who is left out.

Pure functions over arrays (:func:`gini`, :func:`lorenz`, :func:`palma`,
:func:`coverage_gap`, :func:`access_poverty`, :func:`need_weights`,
:func:`need_weighted_share`) and tidy tables over an :class:`proximity.coverage.Access`
(:func:`equity_table`, :func:`gap_table`, :func:`lorenz_table`).

Unreachable residents (``minutes = inf``, unsnapped or unlocated) have no walking time, so
the *distribution* measures (Gini, Lorenz, mean) are computed over the reachable located
residents only and the share left out is reported next to them (``unrouted_share``);
the *threshold* measures (access poverty, coverage gap, need-weighted shares) count everyone
who is not covered as beyond the threshold, exactly like ``covered_share`` in the coverage
table. No infinite time is ever capped to a finite value.

:mod:`~proximity.equity.measures` holds the array functions (:func:`gini` is the one Gini
of the toolkit), :mod:`~proximity.equity.tables` the tables. Equity *between groups of areas*
(socio-economic class, stadsområde, Norra Hisingen; Theil decomposition, Erreygers index):
:mod:`~proximity.equity.groups` (measures), :mod:`~proximity.equity.group_tables` (tables),
:mod:`~proximity.equity.class_siting` (need-weighted siting by class).
"""

from __future__ import annotations

from proximity.equity.group_tables import (
    NORRA_HISINGEN,
    SOCIOEK_CLASS,
    GroupEquity,
    GroupSpec,
    area_groups,
    group_equity,
    write_group_equity,
)
from proximity.equity.groups import (
    ConcentrationIndex,
    TheilDecomposition,
    concentration_index,
    theil_decomposition,
    theil_t,
)
from proximity.equity.measures import (
    WORST_TIE_TOL_PP,
    access_poverty,
    coverage_gap,
    gini,
    lorenz,
    need_weighted_share,
    need_weights,
    palma,
)
from proximity.equity.tables import area_stat, equity_table, gap_table, lorenz_table

__all__ = [
    "NORRA_HISINGEN",
    "SOCIOEK_CLASS",
    "WORST_TIE_TOL_PP",
    "ConcentrationIndex",
    "GroupEquity",
    "GroupSpec",
    "TheilDecomposition",
    "access_poverty",
    "area_groups",
    "area_stat",
    "concentration_index",
    "coverage_gap",
    "equity_table",
    "gap_table",
    "gini",
    "group_equity",
    "lorenz",
    "lorenz_table",
    "need_weighted_share",
    "need_weights",
    "palma",
    "theil_decomposition",
    "theil_t",
    "write_group_equity",
]
