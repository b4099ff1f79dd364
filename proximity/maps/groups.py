"""Coverage per population group (age groups, sex), shared by the map and the report.

The coverage area table (:func:`proximity.coverage.compute_access`) has one row per area and
``group``: ``"all"`` and, when the demand carries them, the age groups of a city bundle
(``0_19, 20_64, 65_79, 80_plus, 65_plus, 75_plus``) and any extra group columns (a local
population file's ``men``, ``women``, ...). :func:`group_shares` picks the share covered
per area and group at one category, threshold and profile; a city without group data
(the Helsingborg facts default) gives an empty table, and nothing is shown.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from proximity.sources.city import TOTAL_AREA_ID

__all__ = ["GROUP_LABELS_SV", "group_label", "group_shares", "group_summary"]

#: Swedish labels of the known groups; other group names are shown as they are.
GROUP_LABELS_SV = {
    "all": "Alla",
    "0_19": "0–19 år",
    "20_64": "20–64 år",
    "65_79": "65–79 år",
    "80_plus": "80 år och äldre",
    "65_plus": "65 år och äldre",
    "75_plus": "75 år och äldre",
    "men": "Män",
    "women": "Kvinnor",
    "male": "Män",
    "female": "Kvinnor",
}


def group_label(group: str) -> str:
    """The Swedish label of a population group (unknown names unchanged)."""
    return GROUP_LABELS_SV.get(str(group), str(group))


def _rows(
    access: Any, threshold_min: float, profile: str, *, with_all: bool = False
) -> pd.DataFrame:
    """The area rows of the groups (``"all"`` only ``with_all``) at the threshold and profile.

    Empty when the table has no group other than ``"all"``.
    """
    t = pd.DataFrame(getattr(access, "areas", None))
    need = {"group", "category", "profile", "threshold_min", "population", "covered", "area_id"}
    if t.empty or not need <= set(t.columns):
        return t.iloc[0:0]
    if not (t["group"].astype(str) != "all").any():
        return t.iloc[0:0]
    keep = (
        ((t["group"].astype(str) != "all") | with_all)
        & (t["profile"].astype(str) == str(profile))
        & np.isclose(t["threshold_min"].to_numpy(float), float(threshold_min))
    )
    t = t.loc[keep].copy()
    t["group"] = t["group"].astype(str)
    t["area_id"] = t["area_id"].astype(str)
    return t


def _share(covered: pd.Series, population: pd.Series) -> pd.Series:
    pop = population.astype(float)
    return covered.astype(float) / pop.where(pop > 0)


def _groups_in_order(access: Any, found: pd.Series) -> list[str]:
    """The groups of ``found`` in the order of ``access.groups`` (else table order)."""
    order = ["all", *(str(g) for g in (getattr(access, "groups", None) or ()) if str(g) != "all")]
    seen = list(dict.fromkeys(found.astype(str)))
    return [g for g in order if g in seen] + [g for g in seen if g not in order]


def group_shares(access: Any, *, category: str, threshold_min: float, profile: str) -> pd.DataFrame:
    """The share covered per area (rows, ``area_id``) and group (columns).

    Parameters
    ----------
    access : Access
        The coverage result (its ``areas`` table with a ``group`` column).
    category, threshold_min, profile
        The coverage shown.

    Returns
    -------
    pandas.DataFrame
        Index ``area_id`` (the :data:`~proximity.sources.city.TOTAL_AREA_ID` row included
        when the table has it), one column per group other than ``"all"`` in the order of
        ``access.groups``; ``NaN`` where a group has no residents. Empty when the result has
        no group rows.
    """
    t = _rows(access, threshold_min, profile)
    t = t.loc[t["category"].astype(str) == str(category)]
    if t.empty:
        return pd.DataFrame()
    t = t.assign(share=_share(t["covered"], t["population"]))
    wide = t.pivot_table(index="area_id", columns="group", values="share", aggfunc="first")
    return wide.reindex(columns=_groups_in_order(access, t["group"]))


def group_summary(access: Any, *, threshold_min: float, profile: str) -> pd.DataFrame:
    """The whole municipality's share covered per category (rows) and group (columns).

    Uses the :data:`~proximity.sources.city.TOTAL_AREA_ID` rows when present, else sums
    the area rows. The first column is ``"all"`` (everyone); a last row
    ``"__population__"`` holds each group's population. Empty when the result has no group
    rows.
    """
    t = _rows(access, threshold_min, profile, with_all=True)
    if t.empty:
        return pd.DataFrame()
    is_total = t["area_id"] == TOTAL_AREA_ID
    t = t.loc[is_total] if is_total.any() else t
    sums = t.groupby(["category", "group"], sort=True)[["population", "covered"]].sum()
    share = _share(sums["covered"], sums["population"]).unstack("group")
    groups = _groups_in_order(access, t["group"])
    out = share.reindex(columns=groups)
    pop = sums["population"].unstack("group").max(axis=0).reindex(groups)
    out.loc["__population__"] = pop
    return out
