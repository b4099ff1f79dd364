"""Group equity in a scenario run (issue 14): ``[equity]`` and ``[siting.need_weights]``.

- :func:`candidate_area_ids`: the area ids that ``[siting] candidate_areas`` selects;
- :func:`group_results`: the group tables (:func:`proximity.equity.group_tables.group_equity`)
  of every ``[equity]`` grouping, category, profile and threshold of the run;
- :func:`need_weight_sweep`: the sites and the gap between the most and least favoured class,
  before any new site, for plain MCLP and for each need weight of the sweep;
- :func:`write_equity_outputs`: ``tables/equity_groups*.csv``, ``tables/need_weights.csv``,
  ``tables/need_weight_sites.csv`` and the Swedish summary ``jamlikhet.md``/``.html``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from proximity.equity.group_tables import GroupEquity, GroupSpec, group_equity, write_group_equity
from proximity.scenario.model import EquitySpec, Scenario, SitingSpec

if TYPE_CHECKING:
    from proximity.scenario.pipeline import RunResult
    from proximity.sources.city import City

__all__ = [
    "candidate_area_ids",
    "group_results",
    "group_specs",
    "need_weight_sweep",
    "write_equity_outputs",
]


def candidate_area_ids(siting: SitingSpec, areas: pd.DataFrame) -> list[str] | None:
    """The area ids ``candidate_areas`` selects (every pair must hold); None without the key."""
    if not siting.candidate_areas:
        return None
    keep = pd.Series(True, index=areas.index)
    for col, values in siting.candidate_areas:
        keep &= areas[col].astype(str).isin(values)
    return sorted(areas.loc[keep, "area_id"].astype(str))


def _rank_of(equity: EquitySpec | None, column: str) -> str | None:
    return None if equity is None else dict(equity.rank_columns).get(column)


def group_specs(equity: EquitySpec) -> list[GroupSpec]:
    """The :class:`GroupSpec` of every grouping of ``[equity]`` (attributes, then named)."""
    specs = [GroupSpec(c, c, rank_column=_rank_of(equity, c)) for c in equity.groups]
    specs += [
        GroupSpec(g.name, g.column, members={g.label: g.values}, rest=g.rest)
        for g in equity.named_groups
    ]
    return specs


def group_results(res: RunResult) -> list[GroupEquity]:
    """Group equity of every ``[equity]`` grouping × category × profile × threshold of the run.

    Categories without any access point (no service and no new site) are left out.
    """
    eq = res.scenario.equity
    if eq is None:
        return []
    pts = res.access.points
    return [
        group_equity(res.access, res.city, spec, category=c, profile=p, threshold_min=float(t))
        for spec in group_specs(eq)
        for c in res.access.categories
        for p in res.access.profiles
        for t in res.scenario.thresholds_min
        if ((pts["category"] == c) & (pts["profile"] == p)).any()
    ]


def need_weight_sweep(
    scenario: Scenario, city: City, network: Any, candidates: Any
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The need-weight sweep of ``[siting.need_weights]``.

    Runs in the candidate areas (the whole city without ``candidate_areas``): one row
    ``"before"`` (no new site), ``"plain MCLP"`` and one per scale of
    :attr:`~proximity.scenario.model.NeedWeights.scales`, with the class shares and the gap
    between the most and the least favoured class (percentage points, ranked by
    ``[equity] rank_columns`` of the weighted column). The weights steer only the choice of
    sites; every share counts persons.

    Returns
    -------
    (pandas.DataFrame, pandas.DataFrame)
        The sweep and the chosen sites (see
        :func:`proximity.equity.class_siting.need_weight_sweep`).
    """
    from proximity.equity.class_siting import need_weight_sweep as sweep

    s = scenario.siting
    assert s is not None and s.need_weights is not None
    nw = s.need_weights
    ids = candidate_area_ids(s, city.areas)
    area_ids = set(city.areas["area_id"].astype(str)) if ids is None else set(ids)
    spec = GroupSpec(nw.column, nw.column, rank_column=_rank_of(scenario.equity, nw.column))
    opts = dict(
        category=s.category,
        profile=s.profile,
        threshold_min=float(s.threshold_min),
        detour_factor=scenario.detour_factor,
        max_snap_m=scenario.max_snap_m,
        k=s.k,
        candidates=candidates,
    )
    site_options: dict[str, Any] = {"model": s.model, "one_per_area": s.one_per_area}
    if s.solver:
        site_options["solver"] = s.solver
    runs = [(sc, nw.scaled(sc)) for sc in nw.scales]
    return sweep(
        city,
        network,
        column=nw.column,
        runs=runs,
        area_ids=area_ids,
        spec=spec,
        opts=opts,
        site_options=site_options,
    )


def write_equity_outputs(res: RunResult, staging: Path) -> dict[str, Path]:
    """Write the group tables, the sweep and ``jamlikhet.md``/``.html`` into ``staging``.

    Returns
    -------
    dict
        Table role -> path (for ``run.json``); the summary document is not a table.
    """
    from proximity.scenario.equity_report import write_equity_document
    from proximity.scenario.tables import write_table

    out: dict[str, Path] = {}
    results = group_results(res)
    if results:
        paths = write_group_equity(results, staging / "tables")
        out.update({f"equity_{k}": p for k, p in paths.items()})
    sweep = getattr(res, "need_weight_sweep", None)
    sites = getattr(res, "need_weight_sites", None)
    if sweep is not None and sites is not None:
        out["need_weights"] = write_table(sweep, staging / "tables" / "need_weights.csv")
        out["need_weight_sites"] = write_table(sites, staging / "tables" / "need_weight_sites.csv")
    if results or sweep is not None:
        write_equity_document(res, results, staging)
    return out
