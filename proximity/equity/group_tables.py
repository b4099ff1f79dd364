"""Group equity tables over an :class:`~proximity.coverage.Access` and its city.

See :mod:`proximity.equity.groups` for the measures and the counting rules. Entry points:
:func:`group_equity` (one grouping, category, profile and threshold) and
:func:`write_group_equity` (CSV files for a set of results).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from proximity.equity.groups import (
    ConcentrationIndex,
    TheilDecomposition,
    concentration_index,
    theil_decomposition,
    weighted_median,
)
from proximity.equity.measures import gini
from proximity.errors import ParameterError
from proximity.sources.city import TOTAL_AREA_ID, UNASSIGNED_AREA

__all__ = [
    "NORRA_HISINGEN",
    "SOCIOEK_CLASS",
    "STADSOMRADE",
    "GroupEquity",
    "GroupSpec",
    "area_groups",
    "default_specs",
    "group_equity",
    "group_table",
    "residents",
    "run_group_equity",
    "write_group_equity",
]

#: Columns of :func:`group_table`.
GROUP_COLUMNS = [
    "group",
    "rank",
    "n_areas",
    "population",
    "covered",
    "uncovered",
    "unreachable",
    "unlocated",
    "covered_share",
    "mean_min",
    "median_min",
    "gini",
]


@dataclass(frozen=True)
class GroupSpec:
    """How areas are grouped.

    Attributes
    ----------
    name : str
        Name of the grouping in tables (``"socioek_klass"``, ``"norra_hisingen"``).
    column : str
        Area attribute (a column of ``City.areas``) whose value is the group, or that
        :attr:`members` select on.
    members : mapping of str to tuple of str, optional
        Named groups: label -> attribute values (e.g. ``{"Norra Hisingen": ("Backa",
        "Kärra-Rödbo", "Tuve-Säve")}``); every other area is in :attr:`rest`.
    rest : str
        Label of the areas in no named group.
    rank_column : str, optional
        Numeric socio-economic rank per area (1 = least favoured); areas with an empty rank
        (e.g. "Ej klassificerat") are excluded from the rank measures and reported.
    """

    name: str
    column: str
    members: Mapping[str, tuple[str, ...]] | None = None
    rest: str = "Övriga"
    rank_column: str | None = None


#: Göteborg's socio-economic classes, ranked 1 (stora utmaningar) .. 6 (särskilt goda).
SOCIOEK_CLASS = GroupSpec("socioek_klass", "socioek_klass", rank_column="socioek_rank")
#: Göteborg's four stadsområden (Nordost, Centrum, Sydväst, Hisingen).
STADSOMRADE = GroupSpec("stadsomrade", "stadsomrade")
#: Norra Hisingen (mellanområden Backa, Kärra-Rödbo, Tuve-Säve) against the rest of Göteborg.
NORRA_HISINGEN = GroupSpec(
    "norra_hisingen",
    "mellanomrade",
    members={"Norra Hisingen": ("Backa", "Kärra-Rödbo", "Tuve-Säve")},
    rest="Övriga Göteborg",
)


def area_groups(areas: pd.DataFrame, spec: GroupSpec) -> pd.DataFrame:
    """``area_id, group, rank`` of every area under ``spec``.

    Raises
    ------
    ParameterError
        If the attribute (or rank) column is missing, or a named member value matches no area.
    """
    for col in (spec.column, spec.rank_column):
        if col is not None and col not in areas.columns:
            raise ParameterError(
                f"Areas have no column {col!r} for grouping {spec.name!r}.",
                fix=f"Use one of: {', '.join(c for c in areas.columns if c != 'geometry')}.",
            )
    value = areas[spec.column].fillna("").astype(str)
    if spec.members is None:
        group = value
    else:
        group = pd.Series(spec.rest, index=areas.index, dtype=object)
        for label, vals in spec.members.items():
            unknown = sorted(set(vals) - set(value))
            if unknown:
                raise ParameterError(
                    f"Grouping {spec.name!r}: {unknown} match no area's {spec.column!r}.",
                    fix=f"Use values of {spec.column!r}: {', '.join(sorted(set(value)))}.",
                )
            group[value.isin(vals)] = label
    rank = (
        pd.to_numeric(areas[spec.rank_column], errors="coerce")
        if spec.rank_column
        else pd.Series(np.nan, index=areas.index)
    )
    return pd.DataFrame(
        {
            "area_id": areas["area_id"].astype(str).to_numpy(),
            "group": group.to_numpy(),
            "rank": rank.to_numpy(),
        }
    )


def residents(access: Any, city: Any, *, category: str, profile: str) -> pd.DataFrame:
    """Every resident group once: ``area_id, population, minutes, status``.

    ``status`` is ``"reachable"`` (finite minutes), ``"unreachable"`` (located, ``inf``:
    unreachable or unsnapped) or ``"unlocated"`` (``City.unlocated``, ``minutes = nan``).
    """
    pts = access.points
    sel = pts[(pts["category"] == category) & (pts["profile"] == profile)]
    if sel.empty:
        raise ParameterError(
            f"No access points for category {category!r} and profile {profile!r}.",
            fix=f"Use one of: {', '.join(access.categories)} / {', '.join(access.profiles)}.",
        )
    minutes = sel["minutes"].to_numpy(dtype=float)
    located = pd.DataFrame(
        {
            "area_id": sel["area_id"].astype(str).to_numpy(),
            "population": sel["population"].to_numpy(dtype=float),
            "minutes": minutes,
            "status": np.where(np.isfinite(minutes), "reachable", "unreachable"),
        }
    )
    unl = getattr(city, "unlocated", None)
    if unl is None or len(unl) == 0:
        return located
    extra = pd.DataFrame(
        {
            "area_id": unl["area_id"].astype(str).to_numpy(),
            "population": pd.to_numeric(unl["population"]).to_numpy(dtype=float),
            "minutes": np.nan,
            "status": "unlocated",
        }
    )
    return pd.concat([located, extra], ignore_index=True)


def _row(label: Any, rank: float, n_areas: int, r: pd.DataFrame, threshold: float) -> dict:
    """One row of :func:`group_table` over the residents ``r``."""
    pop = float(r["population"].sum())
    reach = r[r["status"] == "reachable"]
    w, m = reach["population"].to_numpy(), reach["minutes"].to_numpy()
    covered = float(w[m <= threshold].sum())
    has = w.sum() > 0
    return dict(
        group=label,
        rank=rank,
        n_areas=n_areas,
        population=pop,
        covered=covered,
        uncovered=float(w.sum()) - covered,
        unreachable=float(r.loc[r["status"] == "unreachable", "population"].sum()),
        unlocated=float(r.loc[r["status"] == "unlocated", "population"].sum()),
        covered_share=covered / pop if pop > 0 else float("nan"),
        mean_min=float(np.sum(w * m) / w.sum()) if has else float("nan"),
        median_min=weighted_median(m, w) if has else float("nan"),
        gini=gini(m, w) if has else float("nan"),
    )


def group_table(res: pd.DataFrame, groups: pd.DataFrame, threshold_min: float) -> pd.DataFrame:
    """Per group (in rank, then first-seen order) and whole city (``TOTAL_AREA_ID``, last).

    ``covered + uncovered + unreachable + unlocated = population`` on every row;
    ``covered_share = covered / population``; ``mean_min``, ``median_min`` and ``gini`` are over
    the reachable located residents. Unlocated residents without an area are in the whole-city
    row only.
    """
    g = res.merge(groups, on="area_id", how="left")
    order = groups.drop_duplicates("group").sort_values("rank", kind="stable", na_position="last")
    rows = [
        _row(
            label,
            float(rank),
            int((groups["group"] == label).sum()),
            g[g["group"] == label],
            threshold_min,
        )
        for label, rank in zip(order["group"], order["rank"], strict=True)
    ]
    rows.append(_row(TOTAL_AREA_ID, float("nan"), len(groups), g, threshold_min))
    return pd.DataFrame(rows, columns=GROUP_COLUMNS)


@dataclass(frozen=True)
class GroupEquity:
    """Equity between the groups of one grouping, for one category, profile and threshold.

    Attributes
    ----------
    spec : GroupSpec
    category, profile : str
    threshold_min : float
    distance_method : str
        ``"network"`` or ``"crowfly×F"`` (from the access).
    table : pandas.DataFrame
        :func:`group_table`.
    theil : TheilDecomposition
        Of walking time among the reachable located residents.
    ci : ConcentrationIndex or None
        Of coverage (1 covered, 0 not: everyone counted) over the rank, if the grouping has one.
    summary : dict
        Flat summary (one row of ``equity_groups_summary.csv``).
    """

    spec: GroupSpec
    category: str
    profile: str
    threshold_min: float
    distance_method: str
    table: pd.DataFrame
    theil: TheilDecomposition
    ci: ConcentrationIndex | None
    summary: dict[str, Any] = field(default_factory=dict)


def _gaps(table: pd.DataFrame) -> dict[str, Any]:
    """Gap between the most and least favoured class, and between best and worst group."""
    t = table[(table["group"] != TOTAL_AREA_ID) & (table["population"] > 0)]
    out: dict[str, Any] = {}
    ranked = t[t["rank"].notna()]
    if len(ranked) >= 2:
        hi = ranked.loc[ranked["rank"].idxmax()]
        lo = ranked.loc[ranked["rank"].idxmin()]
        out.update(
            class_gap_pp=100.0 * (hi["covered_share"] - lo["covered_share"]),
            most_favoured=hi["group"],
            least_favoured=lo["group"],
        )
    if len(t):
        best, worst = t.loc[t["covered_share"].idxmax()], t.loc[t["covered_share"].idxmin()]
        out.update(
            range_pp=100.0 * (best["covered_share"] - worst["covered_share"]),
            best_group=best["group"],
            worst_group=worst["group"],
        )
    return out


def _rank_index(g: pd.DataFrame, threshold: float) -> tuple[ConcentrationIndex, dict[str, float]]:
    """Erreygers index of coverage over the ranked residents; who was left out of it."""
    ranked = g["rank"].notna()
    y = ((g["status"] == "reachable") & (g["minutes"] <= threshold)).astype(float)
    ci = concentration_index(
        y[ranked].to_numpy(), g.loc[ranked, "population"].to_numpy(), g.loc[ranked, "rank"]
    )
    no_area = g["group"].isna()
    left = dict(
        ci_excluded_unranked=float(g.loc[~ranked & ~no_area, "population"].sum()),
        ci_excluded_no_area=float(g.loc[no_area, "population"].sum()),
    )
    return ci, left


def group_equity(
    access: Any,
    city: Any,
    spec: GroupSpec,
    *,
    category: str,
    profile: str,
    threshold_min: float,
) -> GroupEquity:
    """All group measures of one grouping (see :mod:`proximity.equity.groups`).

    Parameters
    ----------
    access : proximity.coverage.Access
        Computed on ``city`` (network or crow-fly).
    city : proximity.sources.City
        Its ``areas`` carry the grouping attributes; its ``unlocated`` residents are counted.
    spec : GroupSpec
    category, profile : str
    threshold_min : float
        Covered = walking time <= this.

    Returns
    -------
    GroupEquity
    """
    groups = area_groups(city.areas, spec)
    res = residents(access, city, category=category, profile=profile)
    g = res.merge(groups, on="area_id", how="left")
    table = group_table(res, groups, threshold_min)
    reach = g[g["status"] == "reachable"]
    theil = theil_decomposition(reach["minutes"], reach["population"], reach["group"])
    ci, left = (None, {}) if spec.rank_column is None else _rank_index(g, threshold_min)
    total = table.iloc[-1]
    summary = dict(
        grouping=spec.name,
        category=category,
        profile=profile,
        threshold_min=float(threshold_min),
        distance_method=access.distance_method,
        population=total["population"],
        covered_share=total["covered_share"],
        **_gaps(table),
        theil_total=theil.total,
        theil_between=theil.between,
        theil_within=theil.within,
        theil_population=float(reach["population"].sum()),
        unreachable_population=total["unreachable"],
        unlocated_population=total["unlocated"],
        unlocated_no_area=float(
            g.loc[
                (g["status"] == "unlocated") & (g["area_id"] == UNASSIGNED_AREA), "population"
            ].sum()
        ),
        gini=total["gini"],
    )
    if ci is not None:
        summary.update(
            ci_erreygers=ci.erreygers, ci_standard=ci.standard, ci_population=ci.population, **left
        )
    return GroupEquity(
        spec,
        category,
        profile,
        float(threshold_min),
        access.distance_method,
        table,
        theil,
        ci,
        summary,
    )


def write_group_equity(results: Sequence[GroupEquity], out_dir: str | Path) -> dict[str, Path]:
    """Write ``equity_groups.csv``, ``equity_groups_theil.csv``, ``equity_groups_summary.csv``.

    Parameters
    ----------
    results : sequence of GroupEquity
    out_dir : str or Path
        Created if missing.

    Returns
    -------
    dict
        File role -> path.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    keys = ["grouping", "category", "profile", "threshold_min", "distance_method"]
    tables, theils = [], []
    for r in results:
        head = dict(
            zip(
                keys,
                (r.spec.name, r.category, r.profile, r.threshold_min, r.distance_method),
                strict=True,
            )
        )
        tables.append(r.table.assign(**head)[[*keys, *GROUP_COLUMNS]])
        theils.append(r.theil.groups.assign(**head)[[*keys, *r.theil.groups.columns]])
    paths = {
        "groups": out / "equity_groups.csv",
        "theil": out / "equity_groups_theil.csv",
        "summary": out / "equity_groups_summary.csv",
    }
    pd.concat(tables, ignore_index=True).to_csv(paths["groups"], index=False, float_format="%.9g")
    pd.concat(theils, ignore_index=True).to_csv(paths["theil"], index=False, float_format="%.9g")
    pd.DataFrame([r.summary for r in results]).to_csv(
        paths["summary"], index=False, float_format="%.9g"
    )
    return paths


def default_specs(areas: pd.DataFrame) -> list[GroupSpec]:
    """The default groupings that ``areas`` supports.

    :data:`SOCIOEK_CLASS` and :data:`STADSOMRADE` when their columns exist,
    :data:`NORRA_HISINGEN` when the areas have its three mellanområden.
    """
    specs = [s for s in (SOCIOEK_CLASS, STADSOMRADE) if s.column in areas.columns]
    if "mellanomrade" in areas.columns:
        wanted = set(NORRA_HISINGEN.members["Norra Hisingen"])  # type: ignore[index]
        if wanted <= set(areas["mellanomrade"].astype(str)):
            specs.append(NORRA_HISINGEN)
    return specs


@dataclass(frozen=True)
class _RunAccess:
    """The part of an :class:`~proximity.coverage.Access` a run folder holds."""

    points: pd.DataFrame
    categories: tuple[str, ...]
    profiles: tuple[str, ...]
    distance_method: str


def run_group_equity(
    run_dir: str | Path, *, city: Any = None, specs: Sequence[GroupSpec] | None = None
) -> dict[str, Path]:
    """Group tables of a finished scenario run, written into its ``tables/`` folder.

    The scenario format has no grouping key yet; this reads what a run wrote
    (``run.json`` and ``data/access_points.csv``) and adds ``tables/equity_groups*.csv`` for
    every grouping, category, profile and threshold of the run.

    Parameters
    ----------
    run_dir : str or Path
        The output folder of ``proximity run``.
    city : proximity.sources.City, optional
        Default: the run's city, loaded by name (``run.json`` ``scenario.city``).
    specs : sequence of GroupSpec, optional
        Default: :func:`default_specs` of the city's areas.

    Returns
    -------
    dict
        File role -> path (see :func:`write_group_equity`).
    """
    from proximity.sources import load_city

    run = Path(run_dir)
    meta = json.loads((run / "run.json").read_text(encoding="utf-8"))["scenario"]
    city = load_city(meta["city"]) if city is None else city
    pts = pd.read_csv(run / "data" / "access_points.csv", dtype={"area_id": str, "demand_id": str})
    access = _RunAccess(
        pts,
        tuple(pd.unique(pts["category"])),
        tuple(pd.unique(pts["profile"])),
        str(pts["distance_method"].iloc[0]),
    )
    results = [
        group_equity(access, city, spec, category=c, profile=p, threshold_min=float(t))
        for spec in (default_specs(city.areas) if specs is None else specs)
        for c in access.categories
        for p in access.profiles
        for t in meta["thresholds_min"]
    ]
    return write_group_equity(results, run / "tables")
