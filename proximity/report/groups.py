"""The report section "Tillgång per åldersgrupp" (issue 12, population groups).

Shown only when the coverage result has population groups next to ``"all"`` (a city
bundle's age groups, a local population file's sex or other group columns); a city without
group data (the Helsingborg facts default) gets no section at all. The numbers come from
:mod:`proximity.maps.groups`, the view the map's area popups use too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from proximity.maps.groups import group_label, group_shares, group_summary
from proximity.maps.labels import category_label, fmt_int, fmt_pct, profile_label, threshold_text
from proximity.report.blocks import Block
from proximity.sources.city import TOTAL_AREA_ID

__all__ = ["GROUP_HEADING_SV", "group_blocks"]

#: The section's heading.
GROUP_HEADING_SV = "Tillgång per åldersgrupp"


def _pct(value: Any) -> str:
    v = float(value)
    return fmt_pct(v, 0) if np.isfinite(v) else "–"


def _summary_table(summary: Any) -> Block:
    """Categories × groups (the whole municipality), then a row of each group's residents."""
    groups = [str(g) for g in summary.columns]
    cats = sorted((c for c in summary.index if c != "__population__"), key=category_label)
    rows = [[category_label(c), *(_pct(summary.loc[c, g]) for g in groups)] for c in cats]
    pop = summary.loc["__population__"]
    rows.append(["Invånare (antal)", *(fmt_int(float(pop[g])) for g in groups)])
    return Block(
        "table",
        header=["Kategori", *(group_label(g) for g in groups)],
        rows=rows,
        numeric=[False, *([True] * len(groups))],
    )


def _area_table(shares: Any, names: Mapping[str, str], whole: str) -> Block:
    """Areas × groups for the report's category, the whole municipality as the last row."""
    groups = [str(g) for g in shares.columns]
    areas = sorted((a for a in shares.index if a != TOTAL_AREA_ID), key=lambda a: names.get(a, a))
    rows = [[names.get(a, a), *(_pct(shares.loc[a, g]) for g in groups)] for a in areas]
    if TOTAL_AREA_ID in shares.index:
        rows.append([whole, *(_pct(shares.loc[TOTAL_AREA_ID, g]) for g in groups)])
    return Block(
        "table",
        header=["Område", *(group_label(g) for g in groups)],
        rows=rows,
        numeric=[False, *([True] * len(groups))],
    )


def group_blocks(
    access: Any,
    category: str,
    threshold_min: float,
    profile: str,
    *,
    names: Mapping[str, str],
    whole: str,
    proxy: bool = False,
) -> list[Block]:
    """The section "Tillgång per åldersgrupp", or ``[]`` when there is no group data.

    Parameters
    ----------
    access : Access
        The coverage result.
    category, threshold_min, profile
        The report's measure (the per-area table is about ``category``).
    names : mapping
        Area id -> area name.
    whole : str
        The total row's label ("Hela kommunen" / "Hela studieområdet").
    proxy : bool
        Whether the population is a floor-area proxy: then there are no groups to show.

    Returns
    -------
    list of Block
    """
    summary = group_summary(access, threshold_min=threshold_min, profile=profile)
    if proxy or summary.empty:
        return []
    t_txt = threshold_text(threshold_min)
    overlap = (
        "Grupperna överlappar: 65 år och äldre omfattar 65–79 år och 80 år och äldre. "
        if {"65_79", "80_plus", "65_plus"} <= set(map(str, summary.columns))
        else ""
    )
    blocks = [
        Block("h2", GROUP_HEADING_SV),
        Block(
            "p",
            f"Andel av invånarna i varje grupp ({whole.lower()}) som når respektive tjänst "
            f"inom {t_txt} minuters promenad (gångprofil: {profile_label(profile)}). "
            f"{overlap}Högre är bättre.",
        ),
        _summary_table(summary),
    ]
    shares = group_shares(access, category=category, threshold_min=threshold_min, profile=profile)
    if not shares.empty:
        blocks += [
            Block(
                "p",
                f"Per område: andel som når {category_label(category).lower()} inom {t_txt} "
                "minuters promenad, per grupp.",
            ),
            _area_table(shares, names, whole),
        ]
    return blocks
