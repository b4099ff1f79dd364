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
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from proximity.errors import ParameterError, SchemaError

__all__ = [
    "access_poverty",
    "area_stat",
    "coverage_gap",
    "equity_table",
    "gap_table",
    "gini",
    "lorenz",
    "lorenz_table",
    "need_weighted_share",
    "need_weights",
    "palma",
]


# ---------------------------------------------------------------------------- helpers
def _arrays(
    values: Any, weights: Any | None, what: str = "values"
) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(values, dtype=np.float64).ravel()
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=np.float64).ravel()
    if w.shape != x.shape:
        raise ParameterError(
            f"{what} and weights differ in length ({x.size} vs {w.size}).",
            fix="Pass one weight (population) per value.",
        )
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise ParameterError(
            "Weights must be finite and >= 0.", fix="Use population counts as weights."
        )
    return x, w


def _finite_nonneg(x: np.ndarray, w: np.ndarray, func: str) -> None:
    bad = ~np.isfinite(x) & (w > 0)
    if bad.any():
        raise ParameterError(
            f"{func}() got {int(bad.sum())} non-finite value(s) (unreachable residents).",
            fix="Compute it over reachable residents (np.isfinite) and report the unreachable "
            "share separately, as equity_table() does.",
        )
    if np.any((x < 0) & (w > 0)):
        raise ParameterError(f"{func}() needs values >= 0 (times or distances).")


# ---------------------------------------------------------------------------- distribution
def gini(values: Any, weights: Any | None = None) -> float:
    """Population-weighted Gini coefficient of walking times.

    .. math::

        G = \\frac{\\sum_i \\sum_j w_i w_j |x_i - x_j|}{2 W^2 \\mu},
        \\quad W = \\sum_i w_i, \\quad \\mu = \\frac{\\sum_i w_i x_i}{W}

    computed exactly in :math:`O(n \\log n)` after sorting: with :math:`B_i` (:math:`A_i`) the
    weight strictly before (after) value :math:`i` in ascending order,
    :math:`G = \\sum_i w_i x_i (B_i - A_i) / (W \\sum_i w_i x_i)`. It equals one minus twice
    the area under the :func:`lorenz` curve (trapezoids). 0 = everybody walks equally long;
    values near 1 = a few residents carry all the walking time.

    Parameters
    ----------
    values
        Walking times (>= 0, finite: filter unreachable residents first).
    weights
        Population per value (>= 0); default 1 each.

    Returns
    -------
    float
        ``G`` in ``[0, 1)``; ``0.0`` if all values are 0; ``nan`` if the total weight is 0.
    """
    x, w = _arrays(values, weights)
    _finite_nonneg(x, w, "gini")
    keep = w > 0
    x, w = x[keep], w[keep]
    total_w = w.sum()
    if total_w <= 0:
        return float("nan")
    order = np.argsort(x, kind="stable")
    x, w = x[order], w[order]
    cum = np.cumsum(w)
    before = cum - w
    after = total_w - cum
    wx = w * x
    s = wx.sum()
    if s <= 0:
        return 0.0
    return float(np.sum(wx * (before - after)) / (total_w * s))


def lorenz(values: Any, weights: Any | None = None) -> pd.DataFrame:
    """Lorenz curve of walking times: cumulative population share vs cumulative time share.

    Residents are ordered from the shortest to the longest walk; point ``k`` is
    ``(P_k, L_k) = (Σ_{i<=k} w_i / W, Σ_{i<=k} w_i x_i / Σ_i w_i x_i)``, preceded by ``(0, 0)``.
    The curve lies below the diagonal; the Gini is ``1 − Σ_k (P_k − P_{k−1})(L_k + L_{k−1})``.

    Returns
    -------
    DataFrame
        ``pop_share, time_share`` (both from 0 to 1). If all times are 0, ``time_share``
        equals ``pop_share`` (perfect equality).
    """
    x, w = _arrays(values, weights)
    _finite_nonneg(x, w, "lorenz")
    keep = w > 0
    x, w = x[keep], w[keep]
    order = np.argsort(x, kind="stable")
    x, w = x[order], w[order]
    cw = np.concatenate([[0.0], np.cumsum(w)])
    cx = np.concatenate([[0.0], np.cumsum(w * x)])
    if cw[-1] <= 0:
        return pd.DataFrame({"pop_share": [0.0], "time_share": [0.0]})
    p = cw / cw[-1]
    t = cx / cx[-1] if cx[-1] > 0 else p.copy()
    return pd.DataFrame({"pop_share": p, "time_share": t})


def palma(
    area_values: Any,
    area_population: Any,
    area_income: Any,
    *,
    bottom: float = 0.4,
    top: float = 0.1,
) -> float:
    """Access Palma ratio: mean walking time of the poorest 40 % over that of the richest 10 %.

    The classical Palma ratio is the income share of the richest 10 % divided by that of the
    poorest 40 %. For *access* we keep its two population slices but compare walking times:

    .. math::

        P = \\frac{\\sum_a b_a v_a / \\sum_a b_a}{\\sum_a t_a v_a / \\sum_a t_a}

    Areas are ranked by mean income, ascending (ties: input order). :math:`b_a` is the part of
    area :math:`a`'s population that falls in the first ``bottom`` share (40 %) of the
    cumulative population, :math:`t_a` the part in the last ``top`` share (10 %); an area
    straddling a cut contributes the fraction of its population on each side. With income
    known only per area, every resident of an area gets the area's value :math:`v_a` (e.g.
    its population-weighted mean walking time). ``P > 1``: the poorer walk longer; ``P = 1``:
    equal; ``P < 1``: the richer walk longer. Areas with a missing value, income or zero
    population are left out before ranking.

    Returns
    -------
    float
        ``P``, or ``nan`` if fewer than two areas remain or the top group's value is 0.
    """
    v = np.asarray(area_values, dtype=float)
    pop = np.asarray(area_population, dtype=float)
    inc = np.asarray(area_income, dtype=float)
    if not (v.shape == pop.shape == inc.shape):
        raise ParameterError("palma(): values, population and income differ in length.")
    if not (0 < bottom < 1 and 0 < top < 1 and bottom + top <= 1):
        raise ParameterError(
            f"palma(): bottom={bottom}, top={top} must be shares in (0, 1) with sum <= 1.",
            fix="Use the classical bottom=0.4, top=0.1.",
        )
    keep = np.isfinite(v) & np.isfinite(inc) & np.isfinite(pop) & (pop > 0)
    v, pop, inc = v[keep], pop[keep], inc[keep]
    if v.size < 2:
        return float("nan")
    order = np.argsort(inc, kind="stable")
    v, pop = v[order], pop[order]
    total = pop.sum()
    hi = np.cumsum(pop) / total
    lo = hi - pop / total
    b = np.clip(np.minimum(hi, bottom) - lo, 0.0, None) * total
    t = np.clip(hi - np.maximum(lo, 1.0 - top), 0.0, None) * total
    mean_bottom = np.sum(b * v) / np.sum(b)
    mean_top = np.sum(t * v) / np.sum(t)
    if mean_top == 0:
        return float("nan")
    return float(mean_bottom / mean_top)


# ---------------------------------------------------------------------------- thresholds
def coverage_gap(
    area_ids: Sequence[str], covered_share: Any, population: Any | None = None
) -> pd.DataFrame:
    """Gap of each area's covered share to the best area, in percentage points.

    ``gap_pp_a = 100 × (max_b s_b − s_a)``, the maximum taken over areas with population > 0
    and a finite share (ties: the smallest id is named best). Areas without population get
    ``nan``.

    Returns
    -------
    DataFrame
        ``area_id, covered_share, best_area_id, best_share, gap_pp`` sorted by ``area_id``.
    """
    ids = np.asarray([str(a) for a in area_ids], dtype=object)
    s = np.asarray(covered_share, dtype=float)
    pop = np.ones_like(s) if population is None else np.asarray(population, dtype=float)
    if not (ids.shape == s.shape == pop.shape):
        raise ParameterError("coverage_gap(): ids, shares and population differ in length.")
    order = np.argsort(ids.astype(str), kind="stable")
    ids, s, pop = ids[order], s[order], pop[order]
    best_id, best, gap = _gap(ids, s, pop)
    return pd.DataFrame(
        {
            "area_id": ids,
            "covered_share": s,
            "best_area_id": best_id,
            "best_share": best,
            "gap_pp": gap,
        }
    )


def _gap(ids: np.ndarray, s: np.ndarray, pop: np.ndarray) -> tuple[str, float, np.ndarray]:
    """Best id and share and the gaps (pp) for ids sorted ascending."""
    valid = (pop > 0) & np.isfinite(s)
    if not valid.any():
        return "", float("nan"), np.full(s.shape, np.nan)
    best = float(s[valid].max())
    best_id = str(ids[np.flatnonzero(valid & (s == best))[0]])
    gap = np.where(pop > 0, 100.0 * (best - s), np.nan)
    return best_id, best, gap


#: Gaps (percentage points) closer than this to the largest gap count as tied for worst.
WORST_TIE_TOL_PP = 1e-9


def _worst(ids: np.ndarray, gap: np.ndarray) -> tuple[list[str], float]:
    """The areas with the largest finite gap (ties within :data:`WORST_TIE_TOL_PP`), sorted
    by id, and that gap; ``([], nan)`` if no gap is finite.
    """
    g = np.asarray(gap, dtype=float)
    fin = np.isfinite(g)
    if not fin.any():
        return [], float("nan")
    worst = float(g[fin].max())
    tied = fin & (g >= worst - WORST_TIE_TOL_PP)
    return sorted(str(a) for a in np.asarray(ids, dtype=object)[tied]), worst


def access_poverty(
    minutes: Any, weights: Any | None, threshold_min: float, *, unrouted: float = 0.0
) -> float:
    """Share of residents beyond ``threshold_min`` minutes ("access poverty").

    .. math::

        AP_T = \\frac{\\sum_i w_i [x_i > T] + U}{\\sum_i w_i + U}

    where ``x_i = inf`` (unreachable or unsnapped) counts as beyond and ``U`` is population
    with no location (``unrouted``), also counted as beyond. It is ``1 − covered_share`` of
    the coverage table.
    """
    x, w = _arrays(minutes, weights, "minutes")
    t = float(threshold_min)
    if not (math.isfinite(t) and t > 0):
        raise ParameterError(f"threshold_min must be > 0, got {threshold_min!r}.")
    if np.isnan(x[w > 0]).any():
        raise ParameterError("access_poverty(): minutes contain NaN; use inf for unreachable.")
    if not (math.isfinite(unrouted) and unrouted >= 0):
        raise ParameterError(f"unrouted must be >= 0, got {unrouted!r}.")
    total = w.sum() + unrouted
    if total <= 0:
        return float("nan")
    return float((np.sum(w * (x > t)) + unrouted) / total)


def need_weights(
    area_ids: Sequence[str],
    area_stat: Any,
    area_population: Any | None = None,
    *,
    higher_is_better: bool = True,
) -> np.ndarray:
    """Need weight per area from an area statistic in percent (default: employment rate).

    .. math::

        n_a = \\max\\left(0,\\; 1 + \\frac{\\bar E - E_a}{100}\\right),
        \\qquad \\bar E = \\frac{\\sum_a P_a E_a}{\\sum_a P_a}

    (for a statistic where higher means more need, ``higher_is_better=False``, the sign of
    the difference flips). An area whose employment rate is 10 percentage points below the
    municipality's population-weighted mean weighs 1.10, one 10 points above weighs 0.90.
    Areas without the statistic get weight 1 (neutral). ``area_population`` defaults to 1 per
    area (plain mean).
    """
    e = np.asarray(area_stat, dtype=float)
    pop = np.ones_like(e) if area_population is None else np.asarray(area_population, float)
    if len(area_ids) != e.size or pop.shape != e.shape:
        raise ParameterError("need_weights(): ids, statistic and population differ in length.")
    ok = np.isfinite(e) & np.isfinite(pop) & (pop > 0)
    if not ok.any():
        return np.ones_like(e)
    mean = float(np.sum(pop[ok] * e[ok]) / np.sum(pop[ok]))
    diff = (mean - e) if higher_is_better else (e - mean)
    return np.where(np.isfinite(e), np.maximum(0.0, 1.0 + diff / 100.0), 1.0)


def need_weighted_share(covered: Any, population: Any, weights: Any) -> float:
    """Need-weighted covered share ``Σ_a n_a C_a / Σ_a n_a P_a`` (areas' covered and total
    population ``C_a``, ``P_a``, need weights ``n_a``). Its complement is the need-weighted
    access poverty.
    """
    c = np.asarray(covered, dtype=float)
    p = np.asarray(population, dtype=float)
    n = np.asarray(weights, dtype=float)
    den = float(np.sum(n * p))
    return float(np.sum(n * c) / den) if den > 0 else float("nan")


# ---------------------------------------------------------------------------- tables
def _latest_stat(city: Any, column: str) -> pd.Series:
    """One value per area_id of ``city.area_stats[column]``: the row marked ``preferred``
    if that column exists, else the latest edition (string order); missing values skipped.
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
    """One value per ``area_id`` of ``city.area_stats[column]`` (float Series, indexed by
    area id): the row marked ``preferred`` if that column exists, else the latest edition;
    missing values are skipped. Empty if the city has no such statistic.
    """
    return _latest_stat(city, column)


def _stat_for_units(access: Any, city: Any, column: str, unit_ids: Sequence[str]) -> np.ndarray:
    """The statistic per reporting unit; subareas (and areas created by ``City.split_area``)
    take their parent area's value, since statistics exist per area only.
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
    """Coverage gap (percentage points) of every area to the best area, per category ×
    profile × threshold (see :func:`coverage_gap`); the total row is excluded.
    """
    _check_group(access, group)
    from proximity.coverage import TOTAL_AREA_ID

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
    """Lorenz curve data (see :func:`lorenz`) of walking minutes over reachable residents for
    one category and profile: ``pop_share, time_share`` plus identifying columns.
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
    from proximity.coverage import COUNT_COLUMNS, TOTAL_AREA_ID

    wcol = _check_group(access, group)
    thr_all = list(access.thresholds_min)
    if thresholds_min is None:
        thrs = thr_all
    else:
        thrs = []
        for t in thresholds_min:
            if not any(math.isclose(float(t), a) for a in thr_all):
                raise ParameterError(
                    f"Threshold {t} min was not computed.", fix=f"Use one of {thr_all}."
                )
            thrs.append(float(t))
    areas = access.areas[access.areas["group"] == group]
    unit_rows = areas[areas["area_id"] != TOTAL_AREA_ID]
    unit_ids = sorted(pd.unique(unit_rows["area_id"]))
    income = need = None
    if city is not None:
        income = _stat_for_units(access, city, income_column, unit_ids)
        need = _stat_for_units(access, city, need_column, unit_ids)
        if not np.isfinite(income).any():
            income = None
        if not np.isfinite(need).any():
            need = None
    pts = access.points
    # one pass over the (large) point table: row positions per (category, profile)
    pos = pts.groupby(["category", "profile"], observed=True, sort=True).indices
    minutes_all = pts["minutes"].to_numpy(float)
    w_all = pts[wcol].fillna(0.0).to_numpy(float) if wcol in pts.columns else np.zeros(len(pts))
    # area rows as plain arrays, indexed by (category, profile, threshold)
    a_cat = areas["category"].astype(object).to_numpy()
    a_prof = areas["profile"].astype(object).to_numpy()
    a_thr = areas["threshold_min"].to_numpy(float)
    a_id = areas["area_id"].astype(object).to_numpy()
    num = {c: areas[c].to_numpy(float) for c in (*COUNT_COLUMNS, "covered_share", "mean_min")}
    unit_pos = {u: i for i, u in enumerate(unit_ids)}
    ids_arr = np.asarray(unit_ids, dtype=object)
    rows: list[dict[str, Any]] = []
    nan = float("nan")
    for cat in access.categories:
        for prof in sorted(access.profiles):
            ix = pos.get((cat, prof), np.zeros(0, dtype=np.int64))
            m = minutes_all[ix]
            w = w_all[ix]
            ok = np.isfinite(m)
            wsum = float(w[ok].sum())
            g = gini(m[ok], w[ok]) if wsum > 0 else nan
            mean = float(np.sum(m[ok] * w[ok]) / wsum) if wsum > 0 else nan
            sel_cp = (a_cat == cat) & (a_prof == prof)
            for t in thrs:
                sel = np.flatnonzero(sel_cp & np.isclose(a_thr, t))
                is_tot = a_id[sel] == TOTAL_AREA_ID
                tot = {k: float(v[sel[is_tot][0]]) for k, v in num.items()}
                # unit rows in unit_ids order
                u_rows = np.full(len(unit_ids), -1, dtype=np.int64)
                for r in sel[~is_tot]:
                    u_rows[unit_pos[a_id[r]]] = r
                has = u_rows >= 0
                u = {k: np.where(has, v[np.maximum(u_rows, 0)], nan) for k, v in num.items()}
                pop_t = tot["population"]
                left_out = tot["unsnapped"] + tot["unreachable"] + tot["unlocated"]
                best_id, best, gap = _gap(ids_arr, u["covered_share"], u["population"])
                worst_ids, worst_gap = _worst(ids_arr, gap)
                row: dict[str, Any] = {
                    "category": cat,
                    "profile": prof,
                    "threshold_min": areas["threshold_min"].iloc[sel[0]],
                    "group": group,
                    "population": pop_t,
                    "reachable": tot["covered"] + tot["uncovered"],
                    "unrouted_share": left_out / pop_t if pop_t > 0 else nan,
                    "mean_min": mean,
                    "gini_min": g,
                    "covered_share": tot["covered_share"],
                    "access_poverty": 1.0 - tot["covered_share"] if pop_t > 0 else nan,
                    "best_area_id": best_id,
                    "best_share": best,
                    "worst_area_id": worst_ids[0] if worst_ids else "",
                    "n_worst_tied": len(worst_ids),
                    "worst_area_ids": ";".join(worst_ids),
                    "max_gap_pp": worst_gap,
                    "palma_min": (
                        palma(u["mean_min"], u["population"], income) if income is not None else nan
                    ),
                }
                if need is not None:
                    nw = need_weights(unit_ids, need, np.nan_to_num(u["population"]))
                    share = need_weighted_share(
                        np.nan_to_num(u["covered"]), np.nan_to_num(u["population"]), nw
                    )
                    row["need_weighted_covered_share"] = share
                    row["need_weighted_access_poverty"] = 1.0 - share
                else:
                    row["need_weighted_covered_share"] = nan
                    row["need_weighted_access_poverty"] = nan
                row["distance_method"] = access.distance_method
                rows.append(row)
    if not rows:
        raise SchemaError("equity_table(): the Access has no rows.")
    return pd.DataFrame(rows)
