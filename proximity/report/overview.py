"""Report sections a council can read at a glance (issue 13).

- :func:`matrix_blocks`: every category × walking profile the run computed, as the share of
  the whole municipality / study area that reaches the service within the threshold;
- :data:`INEQUALITY_SV`: each inequality measure named by what it measures, with a sentence
  on which direction is better;
- :func:`minutes_text`: walking minutes as shown ("< 1" when the access leg is the whole trip).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from proximity.maps.labels import category_label, fmt_num, fmt_pct, profile_label, threshold_text
from proximity.report.blocks import Block
from proximity.sources.city import TOTAL_AREA_ID

__all__ = [
    "INEQUALITY_SV",
    "MINUTES_NOTE_SV",
    "MODEL_VALUES_SV",
    "headline",
    "matrix_blocks",
    "minutes_text",
    "model_blocks",
    "model_value_sv",
    "robustness_blocks",
]

#: Inequality measures by what they measure, and which direction is better.
INEQUALITY_SV = {
    "walk_time": (
        "Ojämlikhet i gångtid (Gini-koefficient för gångtiden bland dem som når en tjänst)",
        "Skalan går från 0 (alla har lika lång väg) till 1 (en person står för all gångtid); "
        "lägre är jämlikare.",
    ),
    "covered_share": (
        "Ojämlikhet i andel som når en tjänst mellan områden (befolkningsviktad Gini-koefficient)",
        "Skalan går från 0 (samma andel når tjänsten i alla områden) till 1; lägre är jämlikare. "
        "En minskning betyder att skillnaderna mellan områdena krymper.",
    ),
}

#: Why a mean time can be below one minute.
MINUTES_NOTE_SV = (
    "”< 1 min” betyder att tjänsten ligger där invånarna bor enligt underlaget: "
    "gångtiden till närmaste nätverkspunkt (anslutningssträckan) är hela resan."
)


def minutes_text(value: Any, decimals: int = 1) -> str:
    """Minutes as shown in tables: ``12,3``, ``< 1`` below one minute, ``–`` when missing."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return "–"
    if not np.isfinite(v):
        return "–"
    if v < 1.0:
        return "<\u00a01"
    return fmt_num(v, decimals)


def _total_rows(access: Any, threshold_min: float) -> pd.DataFrame:
    """One row per category and profile at ``threshold_min``: population, covered."""
    t = pd.DataFrame(getattr(access, "areas", None))
    if t.empty or not {"category", "profile", "threshold_min", "covered"} <= set(t.columns):
        return t.iloc[0:0]
    t = t.loc[np.isclose(t["threshold_min"].to_numpy(float), float(threshold_min))]
    if "group" in t:
        t = t.loc[t["group"].astype(str) == "all"]
    is_total = t["area_id"].astype(str) == TOTAL_AREA_ID
    if is_total.any():
        t = t.loc[is_total]
    return (
        t.groupby(["category", "profile"], sort=True)[["population", "covered"]].sum().reset_index()
    )


def matrix_blocks(access: Any, threshold_min: float, whole: str) -> list[Block]:
    """The summary matrix: the share reaching each category, per walking profile."""
    totals = _total_rows(access, threshold_min)
    if totals.empty:
        return []
    totals = totals.assign(
        share=totals["covered"] / totals["population"].where(totals["population"] > 0)
    )
    profiles = sorted(totals["profile"].astype(str).unique(), key=lambda p: (p != "adult", p))
    shares = totals.set_index(["category", "profile"])["share"]
    rows = []
    for cat in sorted(totals["category"].astype(str).unique(), key=category_label):
        rows.append(
            [category_label(cat)]
            + [fmt_pct(shares.get((cat, p), float("nan")), 0) for p in profiles]
        )
    t_txt = threshold_text(threshold_min)
    return [
        Block("h2", "Översikt: alla kategorier och gångprofiler"),
        Block(
            "p",
            f"Andel av invånarna ({whole.lower()}) som når respektive tjänst inom {t_txt} "
            "minuters promenad, per gångprofil. Högre är bättre.",
        ),
        Block(
            "table",
            header=["Kategori", *(profile_label(p) for p in profiles)],
            rows=rows,
            numeric=[False, *([True] * len(profiles))],
        ),
    ]


#: Swedish wording of siting models and solvers (the report's "Modell" / "Lösare").
MODEL_VALUES_SV = {
    "mclp": "maximal täckning (MCLP)",
    "p-median": "p-median (kortast sammanlagd gångtid)",
    "p_median": "p-median (kortast sammanlagd gångtid)",
    "greedy": "girig algoritm (heuristik)",
    "greedy+interchange": "girig algoritm med utbyten (heuristik)",
    "interchange": "utbytesheuristik",
    "lagrangian": "Lagrange-relaxation (heuristik med gräns)",
    "highs": "HiGHS (exakt heltalsoptimering)",
    "exact": "exakt heltalsoptimering",
}


def model_value_sv(value: Any) -> str:
    """A model or solver name in Swedish (unknown names as they are)."""
    return MODEL_VALUES_SV.get(str(value).lower(), str(value))


def robustness_blocks(
    siting: Any, sites: pd.DataFrame | None, names: dict[str, str]
) -> list[Block]:
    """How often each proposed site is chosen across walking profiles and thresholds."""
    from proximity.maps.site_views import site_display_name, site_robustness
    from proximity.maps.sites import robustness_text

    if sites is None or not len(sites):
        return []
    if all(site_robustness(siting, str(s)) is None for s in sites["site_id"]):
        return [
            Block(
                "p",
                "Robusthet (om samma platser väljs med andra gångprofiler och "
                "tidsgränser) är inte beräknad för detta förslag.",
            )
        ]
    rows = [
        [
            str(int(s["rank"])),
            site_display_name(s["name"], int(s["rank"]), names.get(str(s["area_id"]))),
            robustness_text(siting, str(s["site_id"])),
        ]
        for _, s in sites.iterrows()
    ]
    return [
        Block("h2", "Robusthet"),
        Block(
            "p",
            "Hur ofta varje föreslagen plats väljs när beräkningen görs om med andra "
            "gångprofiler och tidsgränser. En plats som väljs i alla beräkningar är ett säkrare "
            "förslag.",
        ),
        Block(
            "table", header=["Rang", "Plats", "Robusthet"], rows=rows, numeric=[True, False, False]
        ),
    ]


def model_blocks(siting: Any, *, proxy: bool = False) -> list[Block]:
    """Model, solver, objective and optimality gap of the siting result, in Swedish."""
    from proximity.report.wording import objective_unit

    extra = []
    for attr, label in (
        ("model", "Modell"),
        ("solver", "Lösare"),
        ("objective", "Målfunktion" + (f" ({objective_unit(siting)})" if proxy else "")),
        ("gap", "Optimalitetsgap"),
    ):
        v = getattr(siting, attr, None)
        if v is None or (isinstance(v, float) and not math.isfinite(v)):
            continue
        extra.append(f"{label}: {fmt_num(v, 3) if isinstance(v, float) else model_value_sv(v)}")
    return [Block("p", "; ".join(extra) + ".")] if extra else []


def headline(
    rows: pd.DataFrame,
    total: pd.Series | None,
    category: str,
    threshold_min: float,
    baseline_share: float | None = None,
    *,
    proxy: bool = False,
) -> str:
    """The map's headline as a report line: "35 % av invånarna (…) når …, i dag 2 %"."""
    from proximity.maps.overlays import headline_text

    return (
        headline_text(
            rows,
            total,
            category=category,
            threshold_min=threshold_min,
            baseline_share=baseline_share,
        )
        + "."
    )
