"""Equity measures over arrays: Gini, Lorenz, Palma, coverage gap, access poverty, need weights.

:func:`gini` is the one population-weighted Gini of the toolkit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from proximity.errors import ParameterError

__all__ = [
    "WORST_TIE_TOL_PP",
    "access_poverty",
    "coverage_gap",
    "gap_to_best",
    "gini",
    "lorenz",
    "need_weighted_share",
    "need_weights",
    "palma",
    "worst_areas",
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
    r"""Population-weighted Gini coefficient of walking times.

    .. math::

        G = \frac{\sum_i \sum_j w_i w_j |x_i - x_j|}{2 W^2 \mu},
        \quad W = \sum_i w_i, \quad \mu = \frac{\sum_i w_i x_i}{W}

    computed exactly in :math:`O(n \log n)` after sorting: with :math:`B_i` (:math:`A_i`) the
    weight strictly before (after) value :math:`i` in ascending order,
    :math:`G = \sum_i w_i x_i (B_i - A_i) / (W \sum_i w_i x_i)`. It equals one minus twice
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
    r"""Access Palma ratio: mean walking time of the poorest 40 % over that of the richest 10 %.

    The classical Palma ratio is the income share of the richest 10 % divided by that of the
    poorest 40 %. For *access* we keep its two population slices but compare walking times:

    .. math::

        P = \frac{\sum_a b_a v_a / \sum_a b_a}{\sum_a t_a v_a / \sum_a t_a}

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
    best_id, best, gap = gap_to_best(ids, s, pop)
    return pd.DataFrame(
        {
            "area_id": ids,
            "covered_share": s,
            "best_area_id": best_id,
            "best_share": best,
            "gap_pp": gap,
        }
    )


def gap_to_best(ids: np.ndarray, s: np.ndarray, pop: np.ndarray) -> tuple[str, float, np.ndarray]:
    """The best area and every area's gap to it, in percentage points.

    Parameters
    ----------
    ids : numpy.ndarray
        Area ids, sorted ascending (the first of tied best areas is named).
    s : numpy.ndarray
        Covered share per area.
    pop : numpy.ndarray
        Population per area; areas without population are not compared (gap ``nan``).

    Returns
    -------
    best_id : str
        The best area (``""`` if no area has population and a finite share).
    best : float
        Its share (``nan`` if none).
    gap : numpy.ndarray
        ``100 × (best − s)`` per area.
    """
    valid = (pop > 0) & np.isfinite(s)
    if not valid.any():
        return "", float("nan"), np.full(s.shape, np.nan)
    best = float(s[valid].max())
    best_id = str(ids[np.flatnonzero(valid & (s == best))[0]])
    gap = np.where(pop > 0, 100.0 * (best - s), np.nan)
    return best_id, best, gap


#: Gaps (percentage points) closer than this to the largest gap count as tied for worst.
WORST_TIE_TOL_PP = 1e-9


def worst_areas(ids: np.ndarray, gap: np.ndarray) -> tuple[list[str], float]:
    """The areas with the largest finite gap, sorted by id, and that gap.

    Parameters
    ----------
    ids : numpy.ndarray
        Area ids.
    gap : numpy.ndarray
        Gap per area (percentage points, ``nan`` = not compared).

    Returns
    -------
    ids : list of str
        The areas within :data:`WORST_TIE_TOL_PP` of the largest gap, sorted.
    gap : float
        The largest gap; ``([], nan)`` if no gap is finite.
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
    r"""Share of residents beyond ``threshold_min`` minutes ("access poverty").

    .. math::

        AP_T = \frac{\sum_i w_i [x_i > T] + U}{\sum_i w_i + U}

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
    r"""Need weight per area from an area statistic in percent (default: employment rate).

    .. math::

        n_a = \max\left(0,\; 1 + \frac{\bar E - E_a}{100}\right),
        \qquad \bar E = \frac{\sum_a P_a E_a}{\sum_a P_a}

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
    """Need-weighted covered share ``Σ_a n_a C_a / Σ_a n_a P_a``.

    ``C_a`` and ``P_a`` are the areas' covered and total population, ``n_a`` their need
    weights. Its complement is the need-weighted access poverty.

    Returns
    -------
    float
        The share, or ``nan`` if ``Σ_a n_a P_a`` is 0.
    """
    c = np.asarray(covered, dtype=float)
    p = np.asarray(population, dtype=float)
    n = np.asarray(weights, dtype=float)
    den = float(np.sum(n * p))
    return float(np.sum(n * c) / den) if den > 0 else float("nan")
