"""Tidy equity tables over an :class:`~proximity.coverage.Access`.

:func:`equity_table` (one row per category × profile × threshold), :func:`gap_table`,
:func:`lorenz_table`, and the area statistics they use (:func:`area_stat`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from proximity.coverage.access import COUNT_COLUMNS
from proximity.equity.measures import (
    coverage_gap,
    gap_to_best,
    gini,
    lorenz,
    need_weighted_share,
    need_weights,
    palma,
    worst_areas,
)
from proximity.errors import ParameterError, SchemaError
from proximity.sources.city import TOTAL_AREA_ID

__all__ = ["area_stat", "equity_table", "gap_table", "lorenz_table"]


# ---------------------------------------------------------------------------- tables
def _latest_stat(city: Any, column: str) -> pd.Series:
    """One value per area_id of ``city.area_stats[column]``.

    The row marked ``preferred`` if that column exists, else the latest edition (string
    order); missing values skipped.
    """
    stats = getattr(city, "area_stats", None)
    if stats is None or len(stats) == 0 or column not in stats.columns:
        return pd.Series(dtype=float)
    extra = [c for c in ("edition", "preferred") if c in stats.columns]
    df = stats[["area_id", column, *extra]].copy()
    df[column] = pd.to_numeric(df[column], errors="coerce")
    df = df.dropna(subset=[column])
    pref = (
        df["preferred"].fillna(False).astype(bool)
        if "preferred" in df.columns
        else pd.Series(False, index=df.index)
    )
    ed = df["edition"].astype(str) if "edition" in df.columns else pd.Series("", index=df.index)
    df = df.assign(_pref=pref, _ed=ed).sort_values(["area_id", "_pref", "_ed"], kind="stable")
    df = df.assign(area_id=df["area_id"].astype(str)).drop_duplicates("area_id", keep="last")
    return df.set_index("area_id")[column].astype(float)


def area_stat(city: Any, column: str = "employment_rate_pct") -> pd.Series:
    """One value per ``area_id`` of ``city.area_stats[column]``.

    The row marked ``preferred`` if that column exists, else the latest edition; missing
    values are skipped.

    Returns
    -------
    pandas.Series
        float, indexed by area id; empty if the city has no such statistic.
    """
    return _latest_stat(city, column)


def _stat_for_units(access: Any, city: Any, column: str, unit_ids: Sequence[str]) -> np.ndarray:
    """The statistic per reporting unit.

    Subareas (and areas created by ``City.split_area``) take their parent area's value,
    since statistics exist per area only.
    """
    s = _latest_stat(city, column)
    if access.area_level == "subareas" and len(s):
        sub = getattr(city, "subareas", None)
        parent = (
            dict(zip(sub["subarea_id"].astype(str), sub["area_id"].astype(str), strict=True))
            if sub is not None and len(sub)
            else {}
        )
        return np.array([s.get(parent.get(u, ""), np.nan) for u in unit_ids], dtype=float)
    areas = getattr(city, "areas", None)
    parent: dict[str, str] = {}
    if areas is not None and "parent_area_id" in areas.columns:  # after City.split_area
        parent = dict(
            zip(areas["area_id"].astype(str), areas["parent_area_id"].astype(str), strict=True)
        )
    return np.array([s.get(u, s.get(parent.get(u, ""), np.nan)) for u in unit_ids], dtype=float)


def _check_group(access: Any, group: str) -> str:
    if group not in access.groups:
        raise ParameterError(
            f"Unknown population group {group!r}.", fix=f"Use one of {list(access.groups)}."
        )
    return {"all": "population", **{g: f"pop_{g}" for g in access.groups if g != "all"}}[group]


def gap_table(access: Any, *, group: str = "all") -> pd.DataFrame:
    """Coverage gap (percentage points) of every area to the best area.

    Per category × profile × threshold (see :func:`coverage_gap`); the total row is
    excluded.

    Returns
    -------
    DataFrame
        The :func:`coverage_gap` columns plus ``category, profile, threshold_min,
        area_name, group, distance_method``.
    """
    _check_group(access, group)
    df = access.areas
    df = df[(df["group"] == group) & (df["area_id"] != TOTAL_AREA_ID)]
    out = []
    for (cat, prof, thr), g in df.groupby(["category", "profile", "threshold_min"], sort=True):
        gap = coverage_gap(g["area_id"].tolist(), g["covered_share"], g["population"])
        gap.insert(0, "threshold_min", thr)
        gap.insert(0, "profile", prof)
        gap.insert(0, "category", cat)
        out.append(gap)
    res = pd.concat(out, ignore_index=True) if out else pd.DataFrame()
    names = df.drop_duplicates("area_id").set_index("area_id")["area_name"]
    if len(res):
        res.insert(4, "area_name", res["area_id"].map(names))
        res["group"] = group
        res["distance_method"] = access.distance_method
    return res


def lorenz_table(access: Any, *, category: str, profile: str, group: str = "all") -> pd.DataFrame:
    """Lorenz curve data (see :func:`lorenz`) of walking minutes over reachable residents.

    For one category and profile.

    Returns
    -------
    DataFrame
        ``pop_share, time_share`` plus ``category, profile, group, distance_method``.
    """
    wcol = _check_group(access, group)
    pts = access.point_table(category=category, profile=profile)
    m = pts["minutes"].to_numpy(float)
    w = pts[wcol].fillna(0.0).to_numpy(float)
    ok = np.isfinite(m)
    cur = lorenz(m[ok], w[ok])
    return cur.assign(
        category=category, profile=profile, group=group, distance_method=access.distance_method
    )


def equity_table(
    access: Any,
    city: Any | None = None,
    *,
    thresholds_min: Sequence[float] | None = None,
    group: str = "all",
    need_column: str = "employment_rate_pct",
    income_column: str = "mean_income_sek",
) -> pd.DataFrame:
    """Equity measures per category × profile × threshold (tidy, one row each).

    Parameters
    ----------
    access
        Result of :func:`proximity.coverage.compute_access`.
    city
        The same city (for ``area_stats``); without it Palma and need weights are ``nan``.
    thresholds_min
        Subset of the computed thresholds (default: all).
    group
        Population group (``"all"`` or an age group of ``access.groups``).
    need_column, income_column
        Columns of ``city.area_stats`` for the need weights and the Palma ranking.

    Returns
    -------
    DataFrame
        One row per category × profile × threshold, with ``category, profile,
        threshold_min, group, distance_method`` and:

        ``population``, ``reachable``
            Total population and the reachable located residents (covered + uncovered).
        ``unrouted_share``
            ``(unsnapped + unreachable + unlocated) / population``: those left out of the
            distribution measures below.
        ``mean_min``, ``gini_min``
            Population-weighted mean and :func:`gini` of walking minutes over reachable residents
            (threshold-independent, repeated on each threshold row).
        ``covered_share``, ``access_poverty``
            Municipality covered share and :func:`access_poverty` ``= 1 − covered_share`` (everyone
            not covered, incl. unreachable, unsnapped and unlocated, is beyond the threshold).
        ``best_area_id``, ``best_share``, ``worst_area_id``, ``max_gap_pp``
            :func:`coverage_gap`: best area and the largest gap to it (percentage points).
            Ties for best and worst are broken by the smallest ``area_id``.
        ``n_worst_tied``, ``worst_area_ids``
            How many areas share the largest gap (within 1e-9 pp) and their ids, sorted and
            joined with ``";"`` (e.g. nine areas with no coverage at all: 9 and all nine ids);
            ``worst_area_id`` is the first of them. 0 and ``""`` when no area has a share.
        ``palma_min``
            :func:`palma` of the areas' mean minutes ranked by ``income_column`` of
            ``city.area_stats`` (see :func:`area_stat`); ``nan`` if no income data.
        ``need_weighted_covered_share``, ``need_weighted_access_poverty``
            :func:`need_weighted_share` with :func:`need_weights` from ``need_column``
            (employment rate: lower employment = more need); ``nan`` if no statistic. Summed
            over the area rows, so residents known only for the whole municipality (unlocated
            without an area) are not part of it, unlike ``covered_share``.
    """
    wcol = _check_group(access, group)
    thrs = _chosen_thresholds(access, thresholds_min)
    areas = _AreaRows.of(access, group)
    income, need = _unit_stats(
        access, city, areas.unit_ids, income_column=income_column, need_column=need_column
    )
    pts = access.points
    # one pass over the (large) point table: row positions per (category, profile)
    pos = pts.groupby(["category", "profile"], observed=True, sort=True).indices
    minutes_all = pts["minutes"].to_numpy(float)
    w_all = pts[wcol].fillna(0.0).to_numpy(float) if wcol in pts.columns else np.zeros(len(pts))
    rows: list[dict[str, Any]] = []
    for cat in access.categories:
        for prof in sorted(access.profiles):
            ix = pos.get((cat, prof), np.zeros(0, dtype=np.int64))
            mean, g = _time_distribution(minutes_all[ix], w_all[ix])
            for t in thrs:
                tot, u, thr_value = areas.at(cat, prof, t)
                row: dict[str, Any] = {
                    "category": cat,
                    "profile": prof,
                    "threshold_min": thr_value,
                    "group": group,
                    **_threshold_measures(tot, u, areas.ids_arr, mean=mean, gini_min=g),
                    "palma_min": (
                        palma(u["mean_min"], u["population"], income)
                        if income is not None
                        else float("nan")
                    ),
                    **_need_weighted(areas.unit_ids, need, u),
                    "distance_method": access.distance_method,
                }
                rows.append(row)
    if not rows:
        raise SchemaError("equity_table(): the Access has no rows.")
    return pd.DataFrame(rows)


def _chosen_thresholds(access: Any, thresholds_min: Sequence[float] | None) -> list[float]:
    """The computed thresholds, or the requested subset of them."""
    thr_all = list(access.thresholds_min)
    if thresholds_min is None:
        return thr_all
    thrs = []
    for t in thresholds_min:
        if not any(math.isclose(float(t), a) for a in thr_all):
            raise ParameterError(
                f"Threshold {t} min was not computed.", fix=f"Use one of {thr_all}."
            )
        thrs.append(float(t))
    return thrs


def _unit_stats(
    access: Any, city: Any | None, unit_ids: list[str], *, income_column: str, need_column: str
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Income and need statistic per reporting unit (``None`` where there is none)."""
    if city is None:
        return None, None
    income = _stat_for_units(access, city, income_column, unit_ids)
    need = _stat_for_units(access, city, need_column, unit_ids)
    return (
        income if np.isfinite(income).any() else None,
        need if np.isfinite(need).any() else None,
    )


def _time_distribution(m: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    """Population-weighted mean and :func:`gini` of the finite minutes (``nan`` if none)."""
    ok = np.isfinite(m)
    wsum = float(w[ok].sum())
    if wsum <= 0:
        return float("nan"), float("nan")
    return float(np.sum(m[ok] * w[ok]) / wsum), gini(m[ok], w[ok])


@dataclass(frozen=True)
class _AreaRows:
    """The area rows of one population group as plain arrays, for fast selection."""

    cat: np.ndarray
    prof: np.ndarray
    thr: np.ndarray
    area_id: np.ndarray
    thr_values: pd.Series  # the threshold_min column as stored (int or float)
    num: dict[str, np.ndarray]  # counts, covered_share and mean_min
    unit_ids: list[str]  # the units (not the total), sorted
    ids_arr: np.ndarray
    unit_pos: dict[str, int]

    @classmethod
    def of(cls, access: Any, group: str) -> _AreaRows:
        areas = access.areas[access.areas["group"] == group]
        unit_rows = areas[areas["area_id"] != TOTAL_AREA_ID]
        unit_ids = sorted(pd.unique(unit_rows["area_id"]))
        return cls(
            cat=areas["category"].astype(object).to_numpy(),
            prof=areas["profile"].astype(object).to_numpy(),
            thr=areas["threshold_min"].to_numpy(float),
            area_id=areas["area_id"].astype(object).to_numpy(),
            thr_values=areas["threshold_min"],
            num={
                c: areas[c].to_numpy(float) for c in (*COUNT_COLUMNS, "covered_share", "mean_min")
            },
            unit_ids=unit_ids,
            ids_arr=np.asarray(unit_ids, dtype=object),
            unit_pos={u: i for i, u in enumerate(unit_ids)},
        )

    def at(
        self, cat: str, prof: str, t: float
    ) -> tuple[dict[str, float], dict[str, np.ndarray], Any]:
        """The rows of one category, profile and threshold.

        Returns the total row's values, the units' values (``unit_ids`` order, ``nan`` where
        a unit has no row) and the stored threshold value.
        """
        sel = np.flatnonzero((self.cat == cat) & (self.prof == prof) & np.isclose(self.thr, t))
        is_tot = self.area_id[sel] == TOTAL_AREA_ID
        if not is_tot.any():
            raise SchemaError(
                f"The area table has no total row for {cat!r}, {prof!r} at {t:g} min, "
                "although the Access lists that threshold.",
                fix="Recompute the Access with proximity.coverage.compute_access; do not edit "
                "its areas table.",
            )
        tot = {k: float(v[sel[is_tot][0]]) for k, v in self.num.items()}
        u_rows = np.full(len(self.unit_ids), -1, dtype=np.int64)
        for r in sel[~is_tot]:
            u_rows[self.unit_pos[self.area_id[r]]] = r
        has = u_rows >= 0
        u = {k: np.where(has, v[np.maximum(u_rows, 0)], np.nan) for k, v in self.num.items()}
        return tot, u, self.thr_values.iloc[sel[0]]


def _threshold_measures(
    tot: dict[str, float],
    u: dict[str, np.ndarray],
    ids_arr: np.ndarray,
    *,
    mean: float,
    gini_min: float,
) -> dict[str, Any]:
    """Population, distribution, coverage and gap columns of one equity row."""
    nan = float("nan")
    pop_t = tot["population"]
    left_out = tot["unsnapped"] + tot["unreachable"] + tot["unlocated"]
    best_id, best, gap = gap_to_best(ids_arr, u["covered_share"], u["population"])
    worst_ids, worst_gap = worst_areas(ids_arr, gap)
    return {
        "population": pop_t,
        "reachable": tot["covered"] + tot["uncovered"],
        "unrouted_share": left_out / pop_t if pop_t > 0 else nan,
        "mean_min": mean,
        "gini_min": gini_min,
        "covered_share": tot["covered_share"],
        "access_poverty": 1.0 - tot["covered_share"] if pop_t > 0 else nan,
        "best_area_id": best_id,
        "best_share": best,
        "worst_area_id": worst_ids[0] if worst_ids else "",
        "n_worst_tied": len(worst_ids),
        "worst_area_ids": ";".join(worst_ids),
        "max_gap_pp": worst_gap,
    }


def _need_weighted(
    unit_ids: list[str], need: np.ndarray | None, u: dict[str, np.ndarray]
) -> dict[str, float]:
    """Need-weighted covered share and access poverty (``nan`` without a need statistic)."""
    if need is None:
        return {
            "need_weighted_covered_share": float("nan"),
            "need_weighted_access_poverty": float("nan"),
        }
    nw = need_weights(unit_ids, need, np.nan_to_num(u["population"]))
    share = need_weighted_share(np.nan_to_num(u["covered"]), np.nan_to_num(u["population"]), nw)
    return {"need_weighted_covered_share": share, "need_weighted_access_poverty": 1.0 - share}
