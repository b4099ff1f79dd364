"""The national report: municipalities ranked by walking access and by inequality.

A Swedish HTML page with a map (inline SVG, works offline) per service category.

Bands: with metre thresholds the shares are given per distance band, 0–300 m, 300–600 m,
600–1500 m and beyond (the bands of SCB's statistics on distance to service), from the
cumulative covered shares (a band's share = the share within its outer limit minus the share
within its inner one). Without metre thresholds the minute thresholds are used the same way.
Ranking by access uses the share within the middle band limit (600 m, else the middle
threshold); ranking by inequality uses the Gini coefficient of walking minutes between
residents (``gini_min``). Every text from data is escaped (:func:`proximity._text.html_text`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from proximity._io import write_text_atomic
from proximity._text import html_text

#: SCB's distance bands (metres).
SCB_BANDS_M = (300.0, 600.0, 1500.0)
_COLOURS = ("#d7191c", "#fdae61", "#ffffbf", "#a6d96a", "#1a9641")


def _limits(t: pd.DataFrame) -> tuple[str, list[float], str]:
    """The threshold column used, its limits and their unit."""
    if "threshold_m" in t and t["threshold_m"].notna().any():
        have = sorted(set(t["threshold_m"].dropna().astype(float)))
        scb = [b for b in SCB_BANDS_M if b in have]
        return "threshold_m", scb or have, "m"
    return "threshold_min", sorted(set(t["threshold_min"].dropna().astype(float))), "min"


def band_table(t: pd.DataFrame) -> tuple[pd.DataFrame, list[str], str]:
    """Per municipality: share within each limit, per band, Gini and the ranks.

    Parameters
    ----------
    t : DataFrame
        ``kommuner.parquet`` rows of one category, profile and group.

    Returns
    -------
    tuple
        The table (one row per municipality), the band column names, the ranking column.
    """
    col, limits, unit = _limits(t)
    rows = t[t[col].isin(limits)]
    wide = rows.pivot_table(
        index=["kommun_kod", "kommun_namn"], columns=col, values="covered_share"
    )
    wide = wide.reindex(columns=limits)
    out = pd.DataFrame(index=wide.index)
    names, prev, lo = [], 0.0, 0
    for lim in limits:
        name = f"{lo:g}–{lim:g} {unit}"
        out[name] = wide[lim] - prev
        prev, lo = wide[lim], lim
        names.append(name)
    out[f"över {lo:g} {unit} / ej nåbar"] = 1.0 - prev
    names.append(f"över {lo:g} {unit} / ej nåbar")
    key = limits[len(limits) // 2] if unit == "min" else (600.0 if 600.0 in limits else limits[0])
    rank_col = f"inom {key:g} {unit}"
    out[rank_col] = wide[key]
    gini = rows.groupby(["kommun_kod", "kommun_namn"])["gini_min"].max()
    out["gini_min"] = gini.reindex(out.index)
    out["rank_access"] = out[rank_col].rank(ascending=False, method="min")
    out["rank_inequality"] = out["gini_min"].rank(ascending=False, method="min")
    return out.reset_index(), names, rank_col


def _svg(shapes: Any, values: pd.Series, labels: pd.Series, width: int = 360) -> str:
    """Municipalities as an SVG choropleth (EPSG:3006 metres, north up)."""
    x0, y0, x1, y1 = shapes.total_bounds
    scale = width / max(x1 - x0, 1.0)
    height = int((y1 - y0) * scale) + 1
    parts = [f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}">']
    for code, geom in zip(shapes["kommun_kod"], shapes.geometry, strict=True):
        v = values.get(code, np.nan)
        colour = "#cccccc" if pd.isna(v) else _COLOURS[min(int(v * 5), 4)]
        d = []
        for poly in getattr(geom, "geoms", [geom]):
            xy = np.asarray(poly.exterior.coords)
            pts = " ".join(f"{(x - x0) * scale:.1f},{(y1 - y) * scale:.1f}" for x, y in xy)
            d.append(f"M{pts}Z")
        share = "saknas" if pd.isna(v) else f"{v:.0%}"
        title = html_text(f"{labels.get(code, code)}: {share}")
        parts.append(f'<path d="{" ".join(d)}" fill="{colour}" stroke="#555" stroke-width="0.3">')
        parts.append(f"<title>{title}</title></path>")
    parts.append("</svg>")
    return "".join(parts)


def _table(df: pd.DataFrame, cols: list[str], sort: str, ascending: bool) -> str:
    d = df.sort_values([sort, "kommun_kod"], ascending=[ascending, True])
    head = "".join(f"<th>{html_text(c)}</th>" for c in ["Kommun", *cols])
    body = []
    for rec in d.to_dict("records"):
        cells = [html_text(f"{rec['kommun_namn']} ({rec['kommun_kod']})")]
        for c in cols:
            v = rec[c]
            cells.append("–" if pd.isna(v) else (f"{v:.0%}" if c != "gini_min" else f"{v:.3f}"))
        body.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def _label(category: str, profile: str) -> str:
    from proximity.bundle.tags import EXTRA_CATEGORIES
    from proximity.maps.labels import category_label, profile_label

    name = EXTRA_CATEGORIES.get(category) or category_label(category, "sv")
    return f"{name} ({profile_label(profile, 'sv')})"


def _section(k: Any, category: str, profile: str) -> str:
    t = k[(k["category"] == category) & (k["profile"] == profile) & (k["group"] == "all")]
    if t.empty:
        return ""
    bands, names, rank_col = band_table(pd.DataFrame(t.drop(columns="geometry")))
    every = k.drop_duplicates("kommun_kod")[["kommun_kod", "kommun_namn", "geometry"]]
    absent = every[~every["kommun_kod"].isin(bands["kommun_kod"])]
    # no located service of the category in the municipality: nobody within any distance
    zero = {c: 0.0 for c in [rank_col, *names[:-1]]} | {names[-1]: 1.0}
    extra = pd.DataFrame(
        [
            dict(kommun_kod=c, kommun_namn=n, **zero)
            for c, n in zip(absent["kommun_kod"], absent["kommun_namn"], strict=True)
        ]
    )
    bands = pd.concat([bands, extra], ignore_index=True) if len(extra) else bands
    values = bands.set_index("kommun_kod")[rank_col]
    labels = bands.set_index("kommun_kod")["kommun_namn"]
    note = (
        f"<p>{len(absent)} kommun(er) utan belägen tjänst i kategorin räknas som 0 % "
        "(tjänster i grannkommuner ingår inte).</p>"
        if len(absent)
        else ""
    )
    return "\n".join(
        [
            f"<h2>{html_text(_label(category, profile))}</h2>",
            f"<p>Kartan: andel av befolkningen {html_text(rank_col)} gångväg.</p>",
            _svg(every, values, labels),
            note,
            "<h3>Rangordning efter gångavstånd (störst andel först)</h3>",
            _table(bands, [rank_col, *names], rank_col, ascending=False),
            "<h3>Rangordning efter ojämlikhet (störst Gini först)</h3>",
            _table(
                bands.dropna(subset=["gini_min"]),
                ["gini_min", rank_col],
                "gini_min",
                ascending=False,
            ),
        ]
    )


_STYLE = (
    "body{font-family:sans-serif;max-width:60em;margin:auto}table{border-collapse:collapse}"
    "td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}td:first-child{text-align:left}"
)


def _no_services_note(no_services: dict[str, str]) -> str:
    """The paragraph naming the municipalities whose data hold no service of any kind."""
    if not no_services:
        return ""
    names = ", ".join(html_text(f"{n} ({c})") for c, n in sorted(no_services.items()))
    return (
        f"<p><strong>{len(no_services)} kommun(er) utan någon tjänst alls i underlaget</strong>"
        f" (OpenStreetMap-utdraget har ingen tjänst av något slag i kommunen): {names}. "
        "Alla deras invånare räknas som utan tjänst inom gångavstånd, 0 % i varje kategori; "
        "det är en lucka i data, inte nödvändigtvis i verkligheten.</p>"
    )


def write_report(
    kommuner: Any,
    target: Path,
    *,
    profile: str | None = None,
    no_services: dict[str, str] | None = None,
) -> Path:
    """Write the national report (one section per category) to ``target``.

    Parameters
    ----------
    kommuner : GeoDataFrame
        ``national/kommuner.parquet``.
    target : Path
        The HTML file (written atomically).
    profile : str, optional
        The walking profile shown (default ``adult`` when present, else the first).
    no_services : dict, optional
        Code → name of the municipalities whose bundle holds no service of any kind: named in
        the introduction (their rows are 0 % everywhere).

    Returns
    -------
    Path
    """
    profiles = sorted(set(kommuner["profile"]))
    prof = profile or ("adult" if "adult" in profiles else profiles[0])
    cats = sorted(set(kommuner["category"]))
    n = kommuner["kommun_kod"].nunique()
    intro = (
        f"<p>{n} kommuner. Andel av befolkningen per gångavståndsband (samma band som SCB:s "
        "statistik över avstånd till service: 300, 600 och 1500 m) och Gini-koefficienten för "
        "gångtid mellan invånarna. Beräknat med proximity på OpenStreetMap-data "
        "(© OpenStreetMap-bidragsgivare, ODbL).</p>"
    )
    sections = [_section(kommuner, c, prof) for c in cats]
    page = (
        '<!DOCTYPE html><html lang="sv"><head><meta charset="utf-8">'
        f"<title>Gångavstånd till service i Sveriges kommuner</title><style>{_STYLE}</style>"
        "</head><body><h1>Gångavstånd till service i Sveriges kommuner</h1>"
        + intro
        + _no_services_note(no_services or {})
        + "\n".join(s for s in sections if s)
        + "</body></html>\n"
    )
    return write_text_atomic(target, page)
