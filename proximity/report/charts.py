"""Charts of the report as PNG bytes: coverage per area and the Lorenz curve."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from proximity.equity import gini, lorenz
from proximity.maps.labels import fmt_num, fmt_pct
from proximity.maps.views import share_colour

__all__ = ["bar_chart", "lorenz_chart", "lorenz_points"]


def _png(fig: Any) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    return buf.getvalue()


def _figure(width: float, height: float) -> Any:
    """A figure and its axes, made outside pyplot.

    The caller's backend (a notebook's inline backend) is left as it is; nothing stays open.
    """
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height))
    return fig, fig.subplots()


def _literal(text: str) -> str:
    """``text`` shown literally by matplotlib (a ``$`` would start math text)."""
    return str(text).replace("$", r"\$")


def bar_chart(
    names: Sequence[str],
    shares: Sequence[float],
    total_share: float,
    xlabel: str,
    *,
    total_name: str,
) -> bytes:
    """Covered share per area as horizontal bars, the total as a dashed line (PNG)."""
    fig, ax = _figure(7.0, max(2.2, 0.38 * len(names) + 1.0))
    y = np.arange(len(names))
    vals = np.array([100.0 * s if np.isfinite(s) else 0.0 for s in shares])
    ax.barh(y, vals, color=[share_colour(s) for s in shares], edgecolor="#444444")
    ax.set_yticks(y, labels=[_literal(n) for n in names])
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel(_literal(xlabel))
    if np.isfinite(total_share):
        ax.axvline(
            100.0 * total_share,
            color="#222222",
            linestyle="--",
            linewidth=1,
            label=_literal(f"{total_name} {fmt_pct(total_share)}"),
        )
        ax.legend(loc="lower right", fontsize=8)
    for yi, v in zip(y, vals, strict=True):
        ax.text(min(v + 1, 92), yi, fmt_num(v, 0) + " %", va="center", fontsize=8)
    ax.grid(axis="x", alpha=0.3)
    return _png(fig)


def lorenz_points(access: Any, *, category: str, profile: str) -> tuple[pd.DataFrame, float, float]:
    """Lorenz curve of walking minutes for one category and profile.

    Uses :func:`proximity.equity.lorenz` and :func:`proximity.equity.gini` over the reachable residents of ``access.points`` (minutes finite), weighted by
    population.

    Returns
    -------
    curve, gini, reachable_population
        ``pop_share, time_share`` (from 0 to 1), the Gini coefficient and the population the
        curve is computed over (``nan``/empty when there are no points).
    """
    points = getattr(access, "points", None)
    if points is None or len(points) == 0 or "minutes" not in points:
        return pd.DataFrame({"pop_share": [], "time_share": []}), float("nan"), float("nan")
    p = pd.DataFrame(points)
    p = p.loc[(p["category"] == category) & (p["profile"] == profile)]
    m = pd.to_numeric(p["minutes"], errors="coerce").to_numpy(float)
    w = pd.to_numeric(p["population"], errors="coerce").fillna(0.0).to_numpy(float)
    ok = np.isfinite(m) & (w > 0)
    m, w = m[ok], w[ok]
    if len(m) == 0:
        return pd.DataFrame({"pop_share": [], "time_share": []}), float("nan"), 0.0
    curve = pd.DataFrame(lorenz(m, w))[["pop_share", "time_share"]]
    return curve, float(gini(m, w)), float(w.sum())


def lorenz_chart(
    curve: pd.DataFrame,
    gini_value: float,
    xlabel: str = "Andel invånare, kortast gångtid först (%)",
) -> bytes:
    """The Lorenz curve of walking times with the line of full equality (PNG)."""
    fig, ax = _figure(4.6, 4.2)
    ax.plot(
        [0, 100], [0, 100], color="#888888", linestyle="--", linewidth=1, label="Full jämlikhet"
    )
    ax.plot(
        100 * curve["pop_share"],
        100 * curve["time_share"],
        color="#4575b4",
        linewidth=2,
        label=f"Gångtider (Gini för gångtid {fmt_num(gini_value, 2)})",
    )
    ax.set_xlabel(xlabel)
    ax.set_ylabel("Andel av den sammanlagda gångtiden (%)")
    ax.set_xlim(0, 100)
    ax.set_ylim(0, 100)
    ax.legend(loc="upper left", fontsize=8)
    ax.grid(alpha=0.3)
    return _png(fig)
