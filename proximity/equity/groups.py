"""Equity of walking access between groups of areas (socio-economic class, district, ...).

A *grouping* (:class:`GroupSpec`) gives every area a group label: the value of one of its
attributes (``socioek_klass``, ``stadsomrade``), or a named group of attribute values against
the rest ("Norra Hisingen" = the mellanområden Backa, Kärra-Rödbo and Tuve-Säve, versus the
rest of the city). :func:`~proximity.equity.group_tables.group_equity` then reports, for one category, profile and threshold:

- per group: population, covered share, mean and median walking time, Gini
  (:func:`~proximity.equity.group_tables.group_table`);
- the gap in covered share between the most and the least favoured class (ranked groupings)
  and between the best and the worst covered group (any grouping);
- Theil T (:func:`theil_t`) of walking time among the residents who reach a service, with its exact
  between-group / within-group decomposition (:func:`theil_decomposition`);
- the concentration index of coverage over the ranked classes, Erreygers-corrected
  (:func:`concentration_index`);
- the weighted Gini of walking time (:func:`proximity.equity.gini`).

Counting rules, as in :mod:`proximity.coverage`: every resident is counted once. Residents with
no walking time (unreachable, unsnapped: ``minutes = inf``) and unlocated residents
(``City.unlocated``) are never covered; they lower the covered share of their group. The
*distribution* measures (Theil, Gini, mean, median) need a time and are computed over the
reachable located residents only; the unreachable and unlocated populations are reported beside
them, never inside. Unlocated residents without an area (``"__unassigned__"``) belong to no group
and appear only in the whole-city row.

This module holds the array measures; :mod:`proximity.equity.group_tables` the tables over an
:class:`~proximity.coverage.Access` and its city.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from proximity.errors import ParameterError

__all__ = [
    "ConcentrationIndex",
    "TheilDecomposition",
    "concentration_index",
    "fractional_rank",
    "theil_decomposition",
    "theil_t",
    "weighted_median",
]


# ---------------------------------------------------------------------------- array measures
def _weighted(values: Any, weights: Any | None) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(values, dtype=np.float64).ravel()
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=np.float64).ravel()
    if w.shape != x.shape:
        raise ParameterError(
            f"values and weights differ in length ({x.size} vs {w.size}).",
            fix="Pass one weight (population) per value.",
        )
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise ParameterError("Weights must be finite and >= 0.", fix="Use population counts.")
    if np.any(~np.isfinite(x) & (w > 0)) or np.any((x < 0) & (w > 0)):
        raise ParameterError(
            "Values must be finite and >= 0 (walking times of reachable residents).",
            fix="Filter unreachable residents (np.isfinite) and report them separately.",
        )
    keep = w > 0
    return x[keep], w[keep]


def _x_log_x_over_mu(x: np.ndarray, mu: float) -> np.ndarray:
    """``(x/mu) ln(x/mu)`` with the limit 0 at ``x = 0``."""
    r = x / mu
    out = np.zeros_like(r)
    pos = r > 0
    out[pos] = r[pos] * np.log(r[pos])
    return out


def theil_t(values: Any, weights: Any | None = None) -> float:
    r"""Population-weighted Theil T index of walking times (Theil 1967).

    .. math::

        T = \frac{1}{W} \sum_i w_i \frac{x_i}{\mu} \ln \frac{x_i}{\mu},
        \qquad W = \sum_i w_i, \quad \mu = \frac{1}{W} \sum_i w_i x_i

    with :math:`0 \ln 0 = 0`. ``T = 0`` when everybody walks equally long; its maximum is
    :math:`\ln W` (one resident carries all the walking time).

    Parameters
    ----------
    values : array_like
        Walking times (finite, >= 0: filter unreachable residents first).
    weights : array_like, optional
        Population per value (>= 0); default 1 each.

    Returns
    -------
    float
        ``T >= 0``; ``nan`` if the total weight or the mean is 0.

    References
    ----------
    H. Theil (1967), *Economics and Information Theory*, North-Holland, Amsterdam.
    """
    x, w = _weighted(values, weights)
    if w.sum() <= 0:
        return float("nan")
    mu = float(np.sum(w * x) / w.sum())
    if mu <= 0:
        return float("nan")
    return float(np.sum(w * _x_log_x_over_mu(x, mu)) / w.sum())


@dataclass(frozen=True)
class TheilDecomposition:
    """Theil T split exactly into a between-group and a within-group part.

    Attributes
    ----------
    total, between, within : float
        ``total == between + within`` (up to rounding).
    groups : pandas.DataFrame
        One row per group: ``group, population, mean_min, theil, pop_share, time_share,
        between_part, within_part`` (the parts sum to :attr:`between` and :attr:`within`).
    """

    total: float
    between: float
    within: float
    groups: pd.DataFrame


def theil_decomposition(values: Any, weights: Any | None, groups: Any) -> TheilDecomposition:
    r"""Theil T of walking times and its exact between/within-group decomposition.

    With groups :math:`g` of population :math:`W_g`, mean :math:`\mu_g` and Theil
    :math:`T_g`, population shares :math:`s_g = W_g / W` and time shares
    :math:`v_g = s_g \mu_g / \mu`:

    .. math::

        T = \underbrace{\sum_g v_g \ln \frac{\mu_g}{\mu}}_{T_B}
          + \underbrace{\sum_g v_g \, T_g}_{T_W}

    (Theil 1967; Shorrocks 1980, "The class of additively decomposable inequality measures",
    *Econometrica* 48:613–625). The identity is exact: :math:`\ln(x_i/\mu) = \ln(x_i/\mu_g) +
    \ln(\mu_g/\mu)`. A group whose mean is 0 has :math:`v_g = 0` and contributes nothing.

    Parameters
    ----------
    values : array_like
        Walking times of reachable residents (finite, >= 0).
    weights : array_like or None
        Population per value.
    groups : array_like
        Group label per value.

    Returns
    -------
    TheilDecomposition
        ``nan`` parts if the mean of all values is 0 or nobody is weighted.
    """
    x0 = np.asarray(values, dtype=np.float64).ravel()
    w0 = np.ones_like(x0) if weights is None else np.asarray(weights, dtype=np.float64).ravel()
    g0 = np.asarray(groups, dtype=object).ravel()
    if g0.shape != x0.shape:
        raise ParameterError("values and groups differ in length.", fix="One group per value.")
    x, w = _weighted(x0, w0)
    g = g0[w0 > 0]
    W = w.sum()
    mu = float(np.sum(w * x) / W) if W > 0 else 0.0
    rows = []
    for label in pd.unique(g):
        m = g == label
        wg, xg = w[m], x[m]
        mu_g = float(np.sum(wg * xg) / wg.sum())
        v = float(wg.sum() / W * mu_g / mu) if mu > 0 else float("nan")
        t_g = float(np.sum(wg * _x_log_x_over_mu(xg, mu_g)) / wg.sum()) if mu_g > 0 else 0.0
        between = v * np.log(mu_g / mu) if (mu > 0 and mu_g > 0) else 0.0 * v
        rows.append(
            dict(
                group=label,
                population=float(wg.sum()),
                mean_min=mu_g,
                theil=t_g,
                pop_share=float(wg.sum() / W),
                time_share=v,
                between_part=float(between),
                within_part=v * t_g,
            )
        )
    table = pd.DataFrame(
        rows,
        columns=[
            "group",
            "population",
            "mean_min",
            "theil",
            "pop_share",
            "time_share",
            "between_part",
            "within_part",
        ],
    )
    if W <= 0 or mu <= 0:
        nan = float("nan")
        return TheilDecomposition(nan, nan, nan, table)
    total = float(np.sum(w * _x_log_x_over_mu(x, mu)) / W)
    return TheilDecomposition(
        total, float(table["between_part"].sum()), float(table["within_part"].sum()), table
    )


def fractional_rank(rank: Any, weights: Any) -> np.ndarray:
    r"""Weighted fractional rank in the socio-economic order (ties share their mid-point).

    Residents are ordered by ``rank`` (low = least favoured); everybody in a rank class gets
    :math:`R = (W_{<} + W_{=}/2) / W`, the population share below the class plus half of its
    own. The weighted mean of :math:`R` is exactly 1/2.

    Parameters
    ----------
    rank : array_like
        Socio-economic rank per resident group (numbers; 1 = least favoured).
    weights : array_like
        Population per entry (>= 0).

    Returns
    -------
    numpy.ndarray
        ``R`` in ``(0, 1)`` per entry.
    """
    r = np.asarray(rank, dtype=np.float64).ravel()
    w = np.asarray(weights, dtype=np.float64).ravel()
    W = w.sum()
    out = np.empty_like(r)
    below = 0.0
    for value in np.unique(r):
        m = r == value
        own = w[m].sum()
        out[m] = (below + own / 2.0) / W if W > 0 else np.nan
        below += own
    return out


@dataclass(frozen=True)
class ConcentrationIndex:
    """The concentration index of a variable over a socio-economic rank.

    Attributes
    ----------
    standard : float
        ``C = 2 cov_w(y, R) / mean(y)`` (Wagstaff, van Doorslaer & Paci 1991).
    erreygers : float
        ``E = 8 cov_w(y, R) / (b - a)`` for ``y`` bounded in ``[a, b]`` (Erreygers 2009).
    mean : float
        Weighted mean of ``y``.
    population : float
        Total weight in the index.
    bounds : tuple of float
        ``(a, b)``.
    """

    standard: float
    erreygers: float
    mean: float
    population: float
    bounds: tuple[float, float]


def concentration_index(
    values: Any, weights: Any, rank: Any, *, bounds: tuple[float, float] = (0.0, 1.0)
) -> ConcentrationIndex:
    r"""Concentration index of ``values`` over a socio-economic rank, Erreygers-corrected.

    With the weighted fractional rank :math:`R_i` (:func:`fractional_rank`, ascending from the
    least favoured class) and :math:`\operatorname{cov}_w(y, R) = \frac{1}{W}\sum_i w_i
    (y_i - \bar y)(R_i - \tfrac12)`:

    .. math::

        C = \frac{2}{\bar y} \operatorname{cov}_w(y, R), \qquad
        E = \frac{4 \bar y}{b - a} C = \frac{8}{b - a} \operatorname{cov}_w(y, R)

    for a variable bounded in :math:`[a, b]` (default ``[0, 1]``: "covered" as 0/1, so
    :math:`E` is 8 times the covariance). ``E > 0``: the variable is concentrated among the
    better-off classes; ``E < 0``: among the worse-off; ``E`` lies in ``[-1, 1]``.

    Parameters
    ----------
    values : array_like
        ``y`` per entry, within ``bounds`` (e.g. 1 = covered, 0 = not).
    weights : array_like
        Population per entry (>= 0).
    rank : array_like
        Socio-economic rank per entry (1 = least favoured).
    bounds : tuple of float
        ``(a, b)``, the bounds of ``y``.

    Returns
    -------
    ConcentrationIndex

    References
    ----------
    G. Erreygers (2009), "Correcting the concentration index", *Journal of Health Economics*
    28(2):504–515. A. Wagstaff, P. Paci, E. van Doorslaer (1991), "On the measurement of
    inequalities in health", *Social Science & Medicine* 33(5):545–557.
    """
    y, w = (np.asarray(a, dtype=np.float64).ravel() for a in (values, weights))
    r = np.asarray(rank, dtype=np.float64).ravel()
    a, b = float(bounds[0]), float(bounds[1])
    if not (y.shape == w.shape == r.shape):
        raise ParameterError("values, weights and rank differ in length.")
    if b <= a or np.any((y < a) | (y > b)):
        raise ParameterError(f"values must lie within bounds {bounds} (and a < b).")
    W = float(w.sum())
    if W <= 0:
        nan = float("nan")
        return ConcentrationIndex(nan, nan, nan, 0.0, (a, b))
    R = fractional_rank(r, w)
    mean = float(np.sum(w * y) / W)
    cov = float(np.sum(w * (y - mean) * (R - 0.5)) / W)
    std = 2.0 * cov / mean if mean != 0 else float("nan")
    return ConcentrationIndex(std, 8.0 * cov / (b - a), mean, W, (a, b))


def weighted_median(values: Any, weights: Any | None = None) -> float:
    """Weighted median: the smallest value whose cumulative weight reaches half the total.

    The "inverted CDF" definition of :mod:`proximity.coverage` (no interpolation).

    Parameters
    ----------
    values, weights : array_like
        Finite values and weights >= 0.

    Returns
    -------
    float
        ``nan`` if the total weight is 0.
    """
    x, w = _weighted(values, weights)
    if w.sum() <= 0:
        return float("nan")
    order = np.argsort(x, kind="stable")
    cum = np.cumsum(w[order])
    pos = int(np.searchsorted(cum, 0.5 * cum[-1] - 1e-9 * max(cum[-1], 1.0), side="left"))
    return float(x[order][min(pos, len(x) - 1)])
