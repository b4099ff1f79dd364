"""Readable reports per scenario and per area, in Swedish (Markdown + self-contained HTML).

:func:`write_report` writes ``report.md`` and ``report.html`` (with the charts as PNG files
next to the Markdown and embedded as ``data:`` URIs in the HTML): coverage per area (table +
bar chart), a Lorenz curve of walking times, the ranked proposed sites, the method and data
provenance, and a short "Vad betyder detta?" paragraph built only from the numbers in the
tables.

:func:`area_profile` writes a one-page profile of one area (stadsdel): population, coverage
of every category, the gaps, the nearest services and the candidate sites inside it.

All content is built in memory first; the files are then written through
:func:`proximity._io.atomic_path`, so an error never leaves a partial file behind.
The inputs are duck-typed like in :mod:`proximity.maps`.
"""

from __future__ import annotations

import base64
import contextlib
import html
import io
import math
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from proximity import _io
from proximity.errors import OutputError, ParameterError
from proximity.maps import (
    GAP_TEXT,
    OSM_ATTRIBUTION,
    PROVENANCE_SV,
    TOTAL_ID,
    area_geometries,
    available_values,
    category_label,
    data_dates,
    distance_method,
    distance_method_text,
    fmt_int,
    fmt_num,
    fmt_pct,
    is_crowfly,
    is_population_proxy,
    municipality_total,
    nonprofit_absence_text,
    profile_label,
    provenance_note_sv,
    quality_counts,
    quality_detail_text,
    select_coverage,
    site_area_impact,
    site_gini,
    site_labels,
    site_nonprofit_label,
    site_nonprofits,
    site_table,
    siting_area_effect,
    total_label,
    unlocated_services,
)
from proximity.maps import categories_without_service as _categories_without_service

__all__ = ["area_profile", "lorenz_points", "write_report"]


# ------------------------------------------------------------------------------ blocks
@dataclass
class _Block:
    """One piece of a report, rendered to both Markdown and HTML."""

    kind: str  # h1 h2 p warn ul table img
    text: str = ""
    items: Sequence[str] = ()
    header: Sequence[str] = ()
    rows: Sequence[Sequence[str]] = ()
    numeric: Sequence[bool] = ()
    filename: str = ""
    png: bytes = b""


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|")


def _render_md(blocks: Sequence[_Block]) -> str:
    out: list[str] = []
    for b in blocks:
        if b.kind == "h1":
            out.append(f"# {b.text}\n")
        elif b.kind == "h2":
            out.append(f"## {b.text}\n")
        elif b.kind == "p":
            out.append(f"{b.text}\n")
        elif b.kind == "warn":
            out.append(f"> **⚠ {b.text}**\n")
        elif b.kind == "ul":
            out.append("\n".join(f"- {i}" for i in b.items) + "\n")
        elif b.kind == "table":
            align = ["---:" if n else "---" for n in b.numeric]
            lines = [
                "| " + " | ".join(_md_escape(h) for h in b.header) + " |",
                "| " + " | ".join(align) + " |",
            ]
            lines += ["| " + " | ".join(_md_escape(c) for c in r) + " |" for r in b.rows]
            out.append("\n".join(lines) + "\n")
        elif b.kind == "img":
            out.append(f"![{b.text}]({b.filename})\n")
    return "\n".join(out)


_HTML_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
  max-width: 56rem; margin: 0 auto; padding: 1rem; line-height: 1.45; color: #222; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin-top: 1.6rem; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; font-size: 0.95rem; margin: 0.5rem 0; }
th, td { border-bottom: 1px solid #ddd; padding: 0.3rem 0.6rem; text-align: left; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
img { max-width: 100%; height: auto; }
.warn { color: #8a1c00; background: #fff1e6; border-left: 4px solid #d94801;
  padding: 0.4rem 0.7rem; font-weight: 600; }
"""


def _render_html(blocks: Sequence[_Block], title: str) -> str:
    e = html.escape
    body: list[str] = []
    for b in blocks:
        if b.kind in ("h1", "h2"):
            body.append(f"<{b.kind}>{e(b.text)}</{b.kind}>")
        elif b.kind == "p":
            body.append(f"<p>{e(b.text)}</p>")
        elif b.kind == "warn":
            body.append(f"<p class='warn'>⚠ {e(b.text)}</p>")
        elif b.kind == "ul":
            body.append("<ul>" + "".join(f"<li>{e(i)}</li>" for i in b.items) + "</ul>")
        elif b.kind == "table":
            cls = [" class='num'" if n else "" for n in b.numeric]
            head = "".join(f"<th{c}>{e(h)}</th>" for h, c in zip(b.header, cls, strict=True))
            rows = "".join(
                "<tr>"
                + "".join(f"<td{c}>{e(v)}</td>" for v, c in zip(r, cls, strict=True))
                + "</tr>"
                for r in b.rows
            )
            body.append(
                f"<div class='table-wrap'><table><thead><tr>{head}</tr></thead>"
                f"<tbody>{rows}</tbody></table></div>"
            )
        elif b.kind == "img":
            uri = "data:image/png;base64," + base64.b64encode(b.png).decode("ascii")
            body.append(f"<figure><img src='{uri}' alt='{e(b.text)}'></figure>")
    return (
        "<!DOCTYPE html>\n<html lang='sv'>\n<head>\n<meta charset='utf-8'>\n"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>\n"
        f"<title>{e(title)}</title>\n<style>{_HTML_CSS}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )


def _write_files(
    folder: str | os.PathLike[str], files: Mapping[str, str | bytes]
) -> dict[str, Path]:
    """Write all files atomically: every file is staged as a temporary file first and
    only renamed into place when all of them were written; on any error all temporary
    files are removed (no partial files).
    """
    target = Path(folder)
    _io.ensure_writable_dir(target)
    out: dict[str, Path] = {}
    try:
        with contextlib.ExitStack() as stack:
            for name, content in files.items():
                tmp = stack.enter_context(_io.atomic_path(target / name))
                data = content.encode("utf-8") if isinstance(content, str) else content
                tmp.write_bytes(data)
                out[name] = target / name
    except OutputError:
        raise
    except OSError as exc:
        raise OutputError(
            f"Cannot write the report: {exc.strerror or exc}",
            file=target,
            fix="Choose a folder you can write to and check the free disk space.",
        ) from exc
    return out


# ------------------------------------------------------------------------------ charts
def _png(fig: Any) -> bytes:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    try:
        fig.savefig(buf, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    finally:
        plt.close(fig)
    return buf.getvalue()


def _figure(width: float, height: float) -> Any:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=(width, height))


def _bar_chart(
    names: Sequence[str],
    shares: Sequence[float],
    total_share: float,
    xlabel: str,
    total_name: str = "Hela kommunen",
) -> bytes:
    from proximity.maps import _share_colour

    fig, ax = _figure(7.0, max(2.2, 0.38 * len(names) + 1.0))
    y = np.arange(len(names))
    vals = np.array([100.0 * s if np.isfinite(s) else 0.0 for s in shares])
    ax.barh(y, vals, color=[_share_colour(s) for s in shares], edgecolor="#444444")
    ax.set_yticks(y, labels=list(names))
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel(xlabel)
    if np.isfinite(total_share):
        ax.axvline(
            100.0 * total_share,
            color="#222222",
            linestyle="--",
            linewidth=1,
            label=f"{total_name} {fmt_pct(total_share)}",
        )
        ax.legend(loc="lower right", fontsize=8)
    for yi, v in zip(y, vals, strict=True):
        ax.text(min(v + 1, 92), yi, fmt_num(v, 0) + " %", va="center", fontsize=8)
    ax.grid(axis="x", alpha=0.3)
    return _png(fig)


def lorenz_points(access: Any, *, category: str, profile: str) -> tuple[pd.DataFrame, float, float]:
    """Lorenz curve of walking minutes for one category and profile.

    Uses :func:`proximity.equity.lorenz` and :func:`proximity.equity.gini` when available
    over the reachable residents of ``access.points`` (minutes finite), weighted by
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
    try:
        from proximity.equity import gini, lorenz

        curve = pd.DataFrame(lorenz(m, w))[["pop_share", "time_share"]]
        g = float(gini(m, w))
    except (ImportError, AttributeError, KeyError, TypeError):
        order = np.argsort(m, kind="stable")
        cw = np.concatenate([[0.0], np.cumsum(w[order])])
        cx = np.concatenate([[0.0], np.cumsum((w * m)[order])])
        p_ = cw / cw[-1]
        t_ = cx / cx[-1] if cx[-1] > 0 else p_.copy()
        curve = pd.DataFrame({"pop_share": p_, "time_share": t_})
        g = float(1.0 - np.sum(np.diff(p_) * (t_[1:] + t_[:-1])))
    return curve, g, float(w.sum())


def _lorenz_chart(
    curve: pd.DataFrame,
    gini_value: float,
    xlabel: str = "Andel invånare, kortast gångtid först (%)",
) -> bytes:
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


# ------------------------------------------------------------------------------ wording
#: Population wording of the report: ``"persons"`` (residents) or ``"proxy"`` (the demand is
#: residential floor area in m², a relative population proxy, e.g. the Helsinki demo; counts
#: are then labelled as floor area, shares lead, and a flag line is shown).
_WORDS: dict[str, dict[str, str]] = {
    "persons": {
        "of_whom": "invånare",
        "measure": "Andel invånare",
        "population": "Befolkning",
        "covered": "Täckta",
        "uncovered": "Ej täckta",
        "suffix": "",
        "lorenz_x": "Andel invånare, kortast gångtid först (%)",
        "lorenz_of": "de {n} invånare",
        "count_rule": "Räkneregel: täckta + ej täckta + ej anslutna till gångnätet + ej nåbara "
        "+ utan känt läge = befolkning; andel täckta = täckta / befolkning.",
        "demand_points": "Befolkningspunkter",
        "population_year": "Befolkningsår",
        "unlocated": "Invånare utan känt läge (räknas som ej täckta): {n}.",
        "nearest_header": "Närmaste service för flest invånare",
        "nearest_n": "{n} inv.",
    },
    "proxy": {
        "of_whom": "m² bostadsyta",
        "measure": "Andel bostadsyta (proxy för befolkning)",
        "population": "Bostadsyta (m², proxy för befolkning)",
        "covered": "Täckt bostadsyta (m²)",
        "uncovered": "Ej täckt bostadsyta (m²)",
        "suffix": "\u00a0m²",
        "lorenz_x": "Andel bostadsyta (proxy för befolkning), kortast gångtid först (%)",
        "lorenz_of": "de {n} m² bostadsyta (proxy för befolkning)",
        "count_rule": "Räkneregel (i m² bostadsyta): täckt + ej täckt + ej anslutet till "
        "gångnätet + ej nåbart + utan känt läge = all bostadsyta; andel täckt = täckt / all bostadsyta.",
        "demand_points": "Bostadspunkter (byggnader)",
        "population_year": "Underlagsår",
        "unlocated": "Bostadsyta utan känt läge (räknas som ej täckt): {n} m².",
        "nearest_header": "Närmaste service för mest bostadsyta",
        "nearest_n": "{n} m²",
    },
}

#: The flag line shown when the population is a floor-area proxy.
PROXY_FLAG_SV = (
    "Befolkningen är uppskattad från bostadsyta i OSM (m²), inte antal personer. "
    "Alla antal i rapporten är m² bostadsyta (byggnadens fotavtryck × antal våningar), en "
    "relativ vikt. Andelarna och jämförelserna mellan områden är meningsfulla; antalen ska "
    "inte läsas som personer."
)


def _words(access: Any, city: Any) -> dict[str, str]:
    return _WORDS["proxy" if is_population_proxy(access, city) else "persons"]


# ------------------------------------------------------------------------------ helpers
def _area_names(city: Any, access: Any, rows: pd.DataFrame) -> dict[str, str]:
    names: dict[str, str] = {}
    geo = area_geometries(city, access)
    if geo is not None and len(geo) and "name" in geo:
        names.update(dict(zip(geo["area_id"].astype(str), geo["name"].astype(str), strict=True)))
    if "area_name" in rows:
        for a, n in zip(rows["area_id"], rows["area_name"], strict=True):
            if pd.notna(n) and str(n):
                names.setdefault(str(a), str(n))
    return names


def _site_unit(siting: Any, proxy: bool = False) -> tuple[str, str]:
    """(column header, paragraph phrase) of the marginal gain for the siting model
    (in m² residential floor area when the population is a floor-area proxy).
    """
    model = str(getattr(siting, "model", "mclp"))
    if proxy:
        if model == "p_median":
            return (
                "Minskad gångtid (m² bostadsyta × minuter, proxy)",
                "minska den sammanlagda gångtiden med {n} m²-minuter (bostadsyta × minuter)",
            )
        return (
            "Ny täckt bostadsyta (m², proxy för befolkning)",
            "ge {n} m² ny täckt bostadsyta",
        )
    if model == "p_median":
        return (
            "Minskad gångtid (personminuter)",
            "minska den sammanlagda gångtiden med {n} personminuter",
        )
    return "Nya täckta invånare", "ge {n} nya täckta invånare"


def _objective_unit(siting: Any) -> str:
    """Unit of the siting objective when the population is a floor-area proxy."""
    if str(getattr(siting, "model", "mclp")) == "p_median":
        return "m² bostadsyta × minuter, proxy"
    return "m² bostadsyta, proxy för befolkning"


def _siting_scope(siting: Any) -> str:
    """`` (stadsdelskontor inom 10 minuters gång)`` from the result's category/threshold."""
    cat = getattr(siting, "category", None)
    thr = getattr(siting, "threshold_min", None)
    if not cat or thr is None:
        return ""
    return f" ({category_label(str(cat)).lower()} inom {fmt_num(float(thr), 0)} minuters gång)"


def _join_sv(items: Sequence[str]) -> str:
    """``a``, ``a och b``, ``a, b och c``."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " och " + items[-1]


def _method_items(city: Any, access: Any, profile: str, threshold_min: float) -> list[str]:
    prov = getattr(access, "provenance", None) or {}
    dates = data_dates(city, access)
    w = _words(access, city)
    items = [f"Avståndsmetod: {distance_method_text(access)} ({distance_method(access)})."]
    if w is _WORDS["proxy"]:
        items.append(f"⚠ {PROXY_FLAG_SV}")
    if is_crowfly(access):
        items.append(
            "Fågelvägsavstånd är en uppskattning: avståndet i rak linje multipliceras med en "
            "omvägsfaktor; verkliga gångvägar (broar, barriärer, trappor) ingår inte."
        )
    speed = None
    profs = prov.get("profiles") if isinstance(prov, Mapping) else None
    if isinstance(profs, Mapping) and isinstance(profs.get(profile), Mapping):
        speed = profs[profile].get("speed_m_s")
    line = f"Gångprofil: {profile_label(profile)}"
    if speed:
        line += f", {fmt_num(float(speed), 2)} m/s ({fmt_num(float(speed) * 3.6, 1)} km/h)"
    items.append(line + f"; tröskel {fmt_num(float(threshold_min), 0)} minuter.")
    items.append(w["count_rule"])
    items.append(f"Beräknad: {dates['date']}.")
    if "population_year" in dates:
        items.append(f"{w['population_year']}: {dates['population_year']}.")
    if "osm_date" in dates:
        items.append(f"OSM-data (gångnätverk) från: {dates['osm_date']}.")
    if isinstance(prov, Mapping):
        if prov.get("data_sources"):
            items.append("Datakällor: " + ", ".join(_compact_sources(prov["data_sources"])) + ".")
        if prov.get("network_hash"):
            items.append(f"Gångnätverk (hash): {prov['network_hash']}.")
    na, nt, counts = quality_counts(area_geometries(city, access), "boundary_quality")
    if nt:
        items.append(
            f"Områdesgränser: {na} av {nt} ungefärliga"
            + (f" ({quality_detail_text(counts)})." if counts else ".")
        )
    na, nt, counts = quality_counts(getattr(city, "services", None), "location_quality")
    if nt:
        items.append(
            f"Tjänsternas lägen: {na} av {nt} ungefärliga"
            + (f" ({quality_detail_text(counts)})." if counts else ".")
        )
    na, nt, counts = quality_counts(getattr(city, "demand", None), "location_quality")
    if nt:
        items.append(
            f"{w['demand_points']}: {na} av {nt} ungefärliga"
            + (f" ({quality_detail_text(counts)})." if counts else ".")
        )
    unloc = getattr(city, "unlocated", None)
    if unloc is not None and len(unloc) and "population" in unloc:
        n = float(pd.to_numeric(unloc["population"], errors="coerce").sum())
        if n > 0:
            items.append(w["unlocated"].format(n=fmt_int(n)))
    items.extend(_gap_items(city, access, compact=True))
    cprov = getattr(city, "provenance", None)
    if isinstance(cprov, Mapping):
        for key in ("purpose", "population_total_note", "population_note", "licences"):
            if cprov.get(key):
                items.append(f"Underlag – {provenance_note_sv(key, cprov[key])}.")
    items.append(f"Kartdata {OSM_ATTRIBUTION['sv']}.")
    return items


def has_no_age_data(access: Any) -> bool:
    """Whether ``Access.provenance`` says there is no age data (``"no age data"`` in any
    value, e.g. ``age_groups = "no age data"``).
    """

    def walk(v: Any) -> bool:
        if isinstance(v, str):
            return "no age data" in v.lower()
        if isinstance(v, Mapping):
            return any(walk(x) for x in v.values())
        if isinstance(v, (list, tuple)):
            return any(walk(x) for x in v)
        return False

    return walk(getattr(access, "provenance", None) or {})


def _gap_items(city: Any, access: Any, *, compact: bool) -> list[str]:
    """Known data gaps as sentences: unlocated services per category, categories with no
    located service, missing age data and missing non-profit data. ``compact``: counts and
    at most three names per category (for "Metod och data"); else every name.
    """
    gt = GAP_TEXT["sv"]
    unloc = unlocated_services(city)
    missing = _categories_without_service(city)
    items = []
    parts = []
    for cat, names in unloc.items():
        if cat in missing:
            continue
        shown = names[:3] if compact else names
        more = f", +{len(names) - len(shown)} till" if len(names) > len(shown) else ""
        if compact:
            parts.append(f"{category_label(cat)} {len(names)} ({', '.join(shown)}{more})")
        else:
            n = len(names)
            parts.append(
                f"{category_label(cat)}: {n} {'känd' if n == 1 else 'kända'} utan läge "
                f"({', '.join(shown)})"
            )
    if parts:
        if compact:
            items.append(
                "Kända tjänster utan läge (ingår inte i beräkningen, räknas alltså inte som "
                "täckning): " + "; ".join(parts) + "."
            )
        else:
            items.extend(f"{p}." for p in parts)
    for cat in missing:
        names = unloc.get(cat, [])
        line = f"{category_label(cat)}: {gt['no_service']}"
        if names:
            n = len(names)
            line += f" ({n} {'känd' if n == 1 else 'kända'} utan läge: {', '.join(names)})"
        items.append(line + ".")
    if has_no_age_data(access):
        items.append(gt["no_age"] + ".")
    orgs = getattr(city, "nonprofits", None)
    if orgs is None or len(orgs) == 0:
        items.append("Ideella organisationer: ingen data i underlaget.")
    return items


_OSM_OBJECT = re.compile(r"^(?P<prefix>.*?):\s*(?:node|way|relation)/\d+$")


def _compact_sources(sources: Any) -> list[str]:
    """Source citations, with per-object OSM citations (``"<licence>: way/123"``) folded into
    one entry per licence text (``"© OpenStreetMap-bidragsgivare, ODbL 1.0 (412 OSM-objekt)"``);
    other citations are kept as they are, in their order.
    """
    out: list[str] = []
    osm: dict[str, int] = {}
    for src in [str(x) for x in sources]:
        m = _OSM_OBJECT.match(src.strip())
        if m:
            prefix = m.group("prefix").strip()
            if prefix not in osm:
                out.append(prefix)
            osm[prefix] = osm.get(prefix, 0) + 1
        else:
            out.append(src)
    return [
        f"{PROVENANCE_SV.get(s, s)} ({fmt_int(osm[s])} OSM-objekt)" if s in osm else s for s in out
    ]


def _safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", str(text)).strip("_") or "omrade"


def _nonprofit_cell(siting: Any, city: Any, site_id: str, orgs: Sequence[Any]) -> str:
    """Report cell for a site's non-profits: their names, else the siting result's label or
    a wording that does not claim an absence the data cannot support.
    """
    if orgs:
        names = ", ".join(str(n) for n, _, _ in orgs)
        label = site_nonprofit_label(siting, city, site_id)
        return f"{label}: {names}" if label else names
    return nonprofit_absence_text(siting, city, site_id)


# ------------------------------------------------------------------------------ report
def write_report(
    folder: str | os.PathLike[str],
    city: Any,
    access: Any,
    siting: Any = None,
    *,
    category: str,
    threshold_min: float,
    profile: str = "adult",
    title: str | None = None,
    baseline: Any = None,
    candidates: Any = None,
) -> dict[str, Path]:
    """Write the scenario report as ``report.md`` and ``report.html``.

    Parameters
    ----------
    folder
        Output folder (created if needed).
    city, access, siting
        The scenario's ``City``, ``Access`` and optional ``SitingResult`` (duck-typed; see
        :mod:`proximity.maps`).
    category, threshold_min, profile
        The coverage measure the report is about.
    title
        Report title (default: the measure and the city name).
    baseline
        Optional baseline ``Access``; the table then shows the change in percentage points.
    candidates
        Optional candidate GeoDataFrame, to name/locate the chosen sites.

    Returns
    -------
    dict
        ``{"report.md": Path, "report.html": Path, "report_coverage.png": Path,
        "report_lorenz.png": Path}`` (the Lorenz chart only when walking times exist).

    Raises
    ------
    ParameterError
        Category, profile or threshold not in the results (the message lists what is
        available), or an empty result.
    OutputError
        The folder cannot be written. No file is left behind on any error.
    """
    rows, total_row = select_coverage(
        access, category=category, threshold_min=threshold_min, profile=profile
    )
    tot = municipality_total(rows, total_row)
    names = _area_names(city, access, rows)
    cat = category_label(category)
    t_txt = fmt_num(float(threshold_min), 0)
    prof = profile_label(profile)
    city_name = str(getattr(city, "name", "") or "kommunen")
    whole = total_label(city)
    w = _words(access, city)
    proxy = w is _WORDS["proxy"]
    measure = f"{w['measure']} inom {t_txt} minuters gång till {cat.lower()}"
    title = title or f"{city_name}: {measure}"

    base = None
    if baseline is not None:
        base, _ = select_coverage(
            baseline, category=category, threshold_min=threshold_min, profile=profile
        )
        base = base.set_index("area_id")

    # -- table
    header = ["Område", w["population"], w["covered"], w["uncovered"], "Andel täckta"]
    header.append("Medeltid (min)")
    numeric = [False, True, True, True, True, True]
    # floor area is a relative weight: with the proxy the share is the main figure (column 2)
    order = [0, 4, 1, 2, 3, 5] if proxy else [0, 1, 2, 3, 4, 5]
    header = [header[i] for i in order]
    if proxy:
        header[1] = "Andel täckt bostadsyta"
    if base is not None:
        header.append("Förändring mot baslinje (procentenheter)")
        numeric.append(True)
    table_rows: list[list[str]] = []
    shares: list[float] = []
    for _, r in rows.iterrows():
        aid = str(r["area_id"])
        pop, cov = float(r["population"]), float(r["covered"])
        share = float(r["covered_share"]) if pd.notna(r["covered_share"]) else float("nan")
        shares.append(share)
        cells = [
            names.get(aid, aid),
            fmt_int(pop),
            fmt_int(cov),
            fmt_int(pop - cov),
            fmt_pct(share),
            fmt_num(r.get("mean_min", float("nan"))),
        ]
        if base is not None:
            d = float("nan")
            if aid in base.index and pd.notna(base.loc[aid, "covered_share"]):
                d = 100.0 * (share - float(base.loc[aid, "covered_share"]))
            cells.append(("+" if d > 0 else "") + fmt_num(d))
        table_rows.append([cells[i] for i in order] + cells[len(order) :])
    total_cells = [
        whole,
        fmt_int(tot["population"]),
        fmt_int(tot["covered"]),
        fmt_int(tot["uncovered"]),
        fmt_pct(tot["covered_share"]),
        fmt_num(total_row.get("mean_min", float("nan")) if total_row is not None else float("nan")),
    ]
    if base is not None:
        bt = municipality_total(
            *select_coverage(
                baseline, category=category, threshold_min=threshold_min, profile=profile
            )
        )
        d = 100.0 * (tot["covered_share"] - bt["covered_share"])
        total_cells.append(("+" if d > 0 else "") + fmt_num(d))
    table_rows.append([total_cells[i] for i in order] + total_cells[len(order) :])

    # -- paragraph (numbers only from the tables above)
    if proxy:
        para = [
            f"{fmt_pct(tot['covered_share'])} av bostadsytan i {city_name} har {cat.lower()} "
            f"inom {t_txt} minuters gång (gångprofil: {prof}). Bostadsytan (m², från "
            "OSM-byggnader) används som proxy för befolkningen; underlaget anger inte antal "
            f"personer. Täckt: {fmt_int(tot['covered'])} av {fmt_int(tot['population'])} m² "
            f"bostadsyta; {fmt_int(tot['uncovered'])} m² har det inte."
        ]
    else:
        para = [
            f"I {city_name} bor {fmt_int(tot['population'])} invånare enligt underlaget. "
            f"{fmt_int(tot['covered'])} av dem ({fmt_pct(tot['covered_share'])}) har "
            f"{cat.lower()} inom {t_txt} minuters gång (gångprofil: {prof}); "
            f"{fmt_int(tot['uncovered'])} invånare har det inte."
        ]
    valid = rows.loc[rows["population"].astype(float) > 0].copy()
    valid["_share"] = valid["covered_share"].astype(float)
    valid = valid.loc[np.isfinite(valid["_share"].to_numpy(float))]
    if len(valid) >= 2 and valid["_share"].min() < valid["_share"].max():
        lo_v, hi_v = float(valid["_share"].min()), float(valid["_share"].max())
        lows = valid.loc[np.isclose(valid["_share"], lo_v)]
        highs = valid.loc[np.isclose(valid["_share"], hi_v)]
        lacking = float((lows["population"].astype(float) - lows["covered"].astype(float)).sum())
        low_names = (
            _join_sv([names.get(a, a) for a in lows["area_id"].astype(str)])
            if len(lows) <= 3
            else f"{len(lows)} av {len(valid)} områden"
        )
        para.append(
            f"Lägst andel har {low_names} "
            f"({fmt_pct(lo_v)}; {fmt_int(lacking)} {w['of_whom']} utan tillgång där), högst har "
            f"{_join_sv([names.get(a, a) for a in highs['area_id'].astype(str)])} ({fmt_pct(hi_v)})."
        )
    unloc = (
        float(total_row["unlocated"]) if total_row is not None and "unlocated" in total_row else 0.0
    )
    if unloc > 0:
        para.append(
            f"{fmt_int(unloc)} {w['of_whom']} saknar känt läge och räknas som ej "
            + ("täckt." if proxy else "täckta.")
        )
    unloc_services = unlocated_services(city).get(category, [])
    if unloc_services:
        n_us = len(unloc_services)
        para.append(
            f"Täckningen är underskattad: {n_us} "
            + ("känd tjänst" if n_us == 1 else "kända tjänster")
            + f" i kategorin {cat.lower()} ({_join_sv(unloc_services)}) saknar läge i "
            "underlaget och ingår inte i beräkningen."
        )
    if base is not None:
        para.append(
            f"Jämfört med baslinjen ändras andelen i {whole.lower()} med "
            f"{total_cells[-1]} procentenheter."
        )
    sites = None
    if siting is not None and len(list(getattr(siting, "chosen", []) or [])):
        sites = site_table(siting, city, candidates)
        _, phrase = _site_unit(siting, proxy)
        first = sites.iloc[0]
        label = first["name"] or first["site_id"]
        para.append(
            f"Enligt lokaliseringsmodellen{_siting_scope(siting)} skulle förslag nr 1 ({label}) "
            + phrase.format(n=fmt_int(first["marginal_gain"]))
            + f"; alla {len(sites)} förslag tillsammans "
            + phrase.format(n=fmt_int(sites["marginal_gain"].sum()))
            + "."
        )
    if is_crowfly(access):
        para.append(
            "Avstånden är fågelvägsavstånd × omvägsfaktor, inte verkliga gångvägar, så "
            "siffrorna är ungefärliga."
        )

    # -- charts
    files: dict[str, str | bytes] = {}
    coverage_png = _bar_chart(
        [names.get(a, a) for a in rows["area_id"].astype(str)],
        shares,
        tot["covered_share"],
        f"{w['measure']} inom {t_txt} min gång till {cat.lower()} (%)",
        total_name=whole,
    )
    files["report_coverage.png"] = coverage_png
    curve, g, reach_pop = lorenz_points(access, category=category, profile=profile)

    blocks: list[_Block] = [_Block("h1", title)]
    blocks.append(
        _Block(
            "p",
            f"{measure} (gångprofil: {prof}). Beräknad {data_dates(city, access)['date']}.",
        )
    )
    if is_crowfly(access):
        blocks.append(
            _Block(
                "warn", f"Avståndsmetod: {distance_method_text(access)} – inte verkliga gångvägar."
            )
        )
    if proxy:
        blocks.append(_Block("warn", PROXY_FLAG_SV))
    blocks.append(_Block("h2", "Vad betyder detta?"))
    blocks.append(_Block("p", " ".join(para)))
    blocks.append(_Block("h2", "Täckning per område"))
    blocks.append(_Block("table", header=header, rows=table_rows, numeric=numeric))
    blocks.append(
        _Block(
            "img",
            text=f"Stapeldiagram: {measure}",
            filename="report_coverage.png",
            png=coverage_png,
        )
    )
    blocks.append(_Block("h2", "Jämlikhet: Lorenzkurva för gångtider"))
    if len(curve) > 1:
        lorenz_png = _lorenz_chart(curve, g, w["lorenz_x"])
        files["report_lorenz.png"] = lorenz_png
        blocks.append(
            _Block(
                "p",
                f"Kurvan visar hur den sammanlagda gångtiden till {cat.lower()} fördelar sig på "
                f"{w['lorenz_of'].format(n=fmt_int(reach_pop))} som kan nå en sådan "
                f"(gångprofil: {prof}). "
                f"Gini för gångtid: {fmt_num(g, 2)} (0 = alla har lika lång väg).",
            )
        )
        blocks.append(
            _Block(
                "img",
                text="Lorenzkurva för gångtider",
                filename="report_lorenz.png",
                png=lorenz_png,
            )
        )
    else:
        blocks.append(_Block("p", "Inga gångtider finns för denna kategori och profil."))

    if sites is not None:
        col, _ = _site_unit(siting, proxy)
        site_label, sites_name = site_labels(siting)
        blocks.append(_Block("h2", sites_name))
        srows = []
        ginis = {str(sid): site_gini(siting, str(sid)) for sid in sites["site_id"]}
        has_gini = any(v is not None for v in ginis.values())
        gini_label = GAP_TEXT["sv"]["gini_share"]
        for _, s in sites.iterrows():
            impact = site_area_impact(siting, s["site_id"], limit=3)
            orgs = site_nonprofits(siting, city, s["site_id"], (s["lon"], s["lat"]), limit=3)
            srows.append(
                [
                    str(int(s["rank"])),
                    site_label.format(n=int(s["rank"])),
                    str(s["name"] or "–"),
                    str(s["site_id"]),
                    names.get(str(s["area_id"]), str(s["area_id"])),
                    fmt_int(s["marginal_gain"]),
                    fmt_int(s["cumulative_gain"]),
                    ", ".join(f"{names.get(a, a)} +{fmt_int(v)}{w['suffix']}" for a, v in impact)
                    or "–",
                    _nonprofit_cell(siting, city, str(s["site_id"]), orgs),
                ]
            )
            if has_gini:
                gv = ginis[str(s["site_id"])]
                srows[-1].append(
                    "–"
                    if gv is None
                    else f"{fmt_num(gv[0], 3)} → {fmt_num(gv[1], 3)} "
                    f"({'+' if gv[2] > 0 else ''}{fmt_num(gv[2], 3)})"
                )
        blocks.append(
            _Block(
                "table",
                header=[
                    "Rang",
                    "Förslag",
                    "Plats",
                    "Id",
                    "Område",
                    col,
                    "Kumulativt",
                    "Påverkan per område",
                    "Ideella organisationer i närheten",
                    *([f"{gini_label} (före → efter)"] if has_gini else []),
                ],
                rows=srows,
                numeric=[True, False, False, False, False, True, True, False, False]
                + ([False] if has_gini else []),
            )
        )
        if has_gini:
            first = ginis[str(sites["site_id"].iloc[0])]
            last = ginis[str(sites["site_id"].iloc[-1])]
            if first is not None and last is not None:
                blocks.append(
                    _Block(
                        "p",
                        f"{gini_label} (befolkningsviktad; 0 = samma andel täckta i alla "
                        f"områden): {fmt_num(first[0], 3)} utan förslagen, {fmt_num(last[1], 3)} "
                        "med alla förslag. Detta är inte Gini för gångtid ovan.",
                    )
                )
        effect = siting_area_effect(siting)
        if effect is not None:
            blocks.append(
                _Block(
                    "p",
                    f"Effekt per område{_siting_scope(siting)}: andel täckta utan och med "
                    "de föreslagna kontoren.",
                )
            )
            erows = []
            for aid, e in effect.iterrows():
                label = whole if aid == TOTAL_ID else names.get(aid, str(e.get("area_name", aid)))
                d = 100.0 * (float(e["share_after"]) - float(e["share_before"]))
                erows.append(
                    [
                        label,
                        fmt_pct(e["share_before"]),
                        fmt_pct(e["share_after"]),
                        ("+" if d > 0 else "") + fmt_num(d),
                        fmt_int(e["new_sites"]) if "new_sites" in e else "–",
                    ]
                )
            blocks.append(
                _Block(
                    "table",
                    header=["Område", "Före", "Efter", "Förändring (procentenheter)", "Nya kontor"],
                    rows=erows,
                    numeric=[False, True, True, True, True],
                )
            )
        extra = []
        for attr, label in (
            ("model", "Modell"),
            ("solver", "Lösare"),
            ("objective", "Målfunktion" + (f" ({_objective_unit(siting)})" if proxy else "")),
            ("gap", "Optimalitetsgap"),
        ):
            v = getattr(siting, attr, None)
            if v is None or (isinstance(v, float) and not math.isfinite(v)):
                continue
            extra.append(f"{label}: {fmt_num(v, 3) if isinstance(v, float) else v}")
        if extra:
            blocks.append(_Block("p", "; ".join(extra) + "."))

    gaps = _gap_items(city, access, compact=False)
    if gaps:
        blocks.append(_Block("h2", "Kända luckor i data"))
        if unlocated_services(city):
            blocks.append(
                _Block(
                    "p",
                    "Tjänster som finns men saknar läge i underlaget ingår inte i beräkningen: "
                    "täckningen i de kategorierna är underskattad, och en kategori utan "
                    "lokaliserad tjänst har ingen beräknad täckning alls.",
                )
            )
        blocks.append(_Block("ul", items=gaps))
    blocks.append(_Block("h2", "Metod och data"))
    blocks.append(_Block("ul", items=_method_items(city, access, profile, float(threshold_min))))

    md = _render_md(blocks)
    page = _render_html(blocks, title)
    files = {"report.md": md, "report.html": page, **files}
    return _write_files(folder, files)


# ------------------------------------------------------------------------------ area profile
def area_profile(
    folder: str | os.PathLike[str],
    city: Any,
    access: Any,
    area_id: str,
    siting: Any = None,
    candidates: Any = None,
    *,
    profile: str = "adult",
    threshold_min: float | None = None,
) -> dict[str, Path]:
    """Write a one-page profile of one area (stadsdel) as ``omrade_<id>.md`` and ``.html``.

    Parameters
    ----------
    folder
        Output folder.
    city, access
        ``City`` and ``Access`` (duck-typed).
    area_id
        The area (or sub-area, when ``access.area_level == "subareas"``).
    siting
        Optional ``SitingResult``: proposed sites in the area are marked with their rank.
    candidates
        Optional candidate GeoDataFrame (``candidate_id``, ``area_id`` or a geometry); the
        candidates inside the area are listed.
    profile
        Walking profile (default ``"adult"``).
    threshold_min
        The threshold used for "gaps" (default: 10 if computed, else the middle one).

    Returns
    -------
    dict
        ``{"omrade_<id>.md": Path, "omrade_<id>.html": Path}``.

    Raises
    ------
    ParameterError
        Unknown area or profile (the message lists what is available), or an empty result.
    OutputError
        The folder cannot be written (no file is left behind).
    """
    avail = available_values(access)
    if not avail["category"]:
        raise ParameterError(
            "The access result is empty: no coverage rows to show.",
            fix="Run compute_access with the categories and thresholds you need.",
        )
    if profile not in avail["profile"]:
        raise ParameterError(
            f"Profile {profile!r} is not in the results.",
            fix=f"Available profiles: {', '.join(map(str, avail['profile']))}.",
        )
    thresholds = [float(t) for t in avail["threshold_min"]]
    if threshold_min is None:
        threshold_min = (
            10.0 if any(np.isclose(thresholds, 10.0)) else thresholds[len(thresholds) // 2]
        )
    area_id = str(area_id)
    table = pd.DataFrame(access.areas)
    known = sorted(set(table["area_id"].astype(str)) - {TOTAL_ID})
    if area_id not in known:
        shown = ", ".join(known[:30]) + (" ..." if len(known) > 30 else "")
        raise ParameterError(
            f"Area {area_id!r} is not in the results.", fix=f"Available areas: {shown}."
        )

    # coverage per category (all thresholds), the area and the municipality
    cats = list(avail["category"])
    per_cat: list[dict[str, Any]] = []
    name = area_id
    population = float("nan")
    for c in cats:
        rec: dict[str, Any] = {"category": c}
        for t in thresholds:
            rows, total = select_coverage(access, category=c, threshold_min=t, profile=profile)
            r = rows.loc[rows["area_id"] == area_id]
            if r.empty:
                continue
            r = r.iloc[0]
            if "area_name" in r and pd.notna(r["area_name"]):
                name = str(r["area_name"])
            population = float(r["population"])
            rec[t] = float(r["covered_share"])
            if np.isclose(t, float(threshold_min)):
                rec["covered"] = float(r["covered"])
                rec["uncovered"] = float(r["population"]) - float(r["covered"])
                rec["mean_min"] = r.get("mean_min", float("nan"))
                rec["kommun"] = municipality_total(rows, total)["covered_share"]
        per_cat.append(rec)
    geo = area_geometries(city, access)
    if geo is not None and len(geo) and "name" in geo:
        hit = geo.loc[geo["area_id"].astype(str) == area_id]
        if len(hit):
            name = str(hit["name"].iloc[0])
    t_txt = fmt_num(float(threshold_min), 0)
    prof = profile_label(profile)
    title = f"Områdesprofil: {name}"

    w = _words(access, city)
    proxy = w is _WORDS["proxy"]
    blocks: list[_Block] = [_Block("h1", title)]
    facts = [f"{w['population']}: {fmt_int(population)}{w['suffix']}."]
    stats = getattr(city, "area_stats", None)
    if stats is not None and len(stats) and "area_id" in stats:
        st = pd.DataFrame(stats)
        st = st.loc[st["area_id"].astype(str) == area_id]
        if len(st):
            if "edition" in st:
                st = st.sort_values("edition", kind="stable")
            last = st.iloc[-1]
            for col, label, dec in (
                ("employment_rate_pct", "Sysselsättningsgrad (%)", 1),
                ("mean_income_sek", "Medelinkomst (kr)", 0),
                ("cars_per_1000", "Bilar per 1 000 invånare", 0),
            ):
                if col in last and pd.notna(last[col]):
                    facts.append(
                        f"{label}: {fmt_num(float(last[col]), dec)}"
                        + (f" ({last['edition']})." if "edition" in last else ".")
                    )
    facts.append(f"Gångprofil: {prof}. Avståndsmetod: {distance_method_text(access)}.")
    blocks.append(_Block("ul", items=facts))
    if is_crowfly(access):
        blocks.append(
            _Block(
                "warn", f"Avståndsmetod: {distance_method_text(access)} – inte verkliga gångvägar."
            )
        )
    if proxy:
        blocks.append(_Block("warn", PROXY_FLAG_SV))

    blocks.append(_Block("h2", "Täckning per kategori"))
    header = [
        "Kategori",
        *[f"Andel inom {fmt_num(t, 0)} min" for t in thresholds],
        "Medeltid (min)",
    ]
    trows = []
    for rec in per_cat:
        trows.append(
            [category_label(rec["category"])]
            + [fmt_pct(rec.get(t, float("nan"))) for t in thresholds]
            + [fmt_num(rec.get("mean_min", float("nan")))]
        )
    blocks.append(
        _Block("table", header=header, rows=trows, numeric=[False] + [True] * (len(thresholds) + 1))
    )

    blocks.append(_Block("h2", f"Luckor (inom {t_txt} minuter)"))
    gaps = [r for r in per_cat if r.get("uncovered", 0) > 0]
    gaps.sort(key=lambda r: (-r["uncovered"], r["category"]))
    if gaps:
        items = []
        for r in gaps:
            diff = (
                100.0 * (r[float(threshold_min)] - r["kommun"])
                if np.isfinite(r.get("kommun", np.nan))
                else float("nan")
            )
            diff_txt = (
                f"{('+' if diff > 0 else '') + fmt_num(diff)} procentenheter mot "
                f"{total_label(city).lower()}"
            )
            if proxy:  # the share leads; the count is floor area, not people
                items.append(
                    f"{category_label(r['category'])}: andel täckt bostadsyta "
                    f"{fmt_pct(r[float(threshold_min)])} ({diff_txt}); "
                    f"{fmt_int(r['uncovered'])} m² bostadsyta saknar det inom {t_txt} minuter."
                )
            else:
                items.append(
                    f"{category_label(r['category'])}: {fmt_int(r['uncovered'])} invånare saknar "
                    f"det inom {t_txt} minuter (andel täckta {fmt_pct(r[float(threshold_min)])}, "
                    f"{diff_txt})."
                )
        blocks.append(_Block("ul", items=items))
    else:
        everyone = "All bostadsyta" if proxy else "Alla invånare"
        blocks.append(_Block("p", f"{everyone} har alla kategorier inom {t_txt} minuter."))

    blocks.append(_Block("h2", "Närmaste service"))
    blocks.append(_nearest_services_block(city, access, area_id, profile))

    blocks.append(_Block("h2", "Möjliga platser i området"))
    blocks.extend(_candidate_blocks(city, access, area_id, siting, candidates))

    md = _render_md(blocks)
    page = _render_html(blocks, title)
    stem = f"omrade_{_safe_name(area_id)}"
    return _write_files(folder, {f"{stem}.md": md, f"{stem}.html": page})


def _nearest_services_block(city: Any, access: Any, area_id: str, profile: str) -> _Block:
    """Per category, the service most residents of the area walk to, with their median time."""
    words = _words(access, city)
    points = getattr(access, "points", None)
    services = getattr(city, "services", None)
    names: dict[str, str] = {}
    if services is not None and len(services):
        names = dict(
            zip(services["service_id"].astype(str), services["name"].astype(str), strict=True)
        )
    rows = []
    if points is not None and len(points) and "service_id" in points:
        p = pd.DataFrame(points)
        p = p.loc[(p["area_id"].astype(str) == area_id) & (p["profile"] == profile)]
        p = p.loc[np.isfinite(pd.to_numeric(p["minutes"], errors="coerce").to_numpy(float))]
        for cat, g in p.groupby("category", sort=True):
            w = g.groupby(g["service_id"].astype(str))["population"].sum()
            w = w.loc[w.index != ""]
            if w.empty:
                continue
            top = sorted(w.items(), key=lambda kv: (-kv[1], kv[0]))[:2]
            m = g["minutes"].to_numpy(float)
            wt = g["population"].to_numpy(float)
            order = np.argsort(m, kind="stable")
            cum = np.cumsum(wt[order])
            med = (
                float(m[order][np.searchsorted(cum, 0.5 * cum[-1])])
                if cum[-1] > 0
                else float("nan")
            )
            rows.append(
                [
                    category_label(str(cat)),
                    "; ".join(
                        f"{names.get(sid, sid)} ({words['nearest_n'].format(n=fmt_int(n))})"
                        for sid, n in top
                    ),
                    fmt_num(med),
                ]
            )
    if not rows:
        return _Block("p", "Inga gångtider till service finns för området.")
    return _Block(
        "table",
        header=["Kategori", words["nearest_header"], "Mediantid (min)"],
        rows=rows,
        numeric=[False, False, True],
    )


def _candidate_blocks(
    city: Any, access: Any, area_id: str, siting: Any, candidates: Any
) -> list[_Block]:
    chosen_rank: dict[str, int] = {}
    if siting is not None:
        chosen_rank = {
            str(c): i + 1 for i, c in enumerate(list(getattr(siting, "chosen", []) or []))
        }
    frames = []
    if candidates is not None and len(candidates):
        frames.append(candidates)
    per_site = getattr(siting, "per_site", None) if siting is not None else None
    if per_site is not None and len(per_site):
        frames.append(per_site)
    rows = []
    seen: set[str] = set()
    for f in frames:
        idc = next((c for c in ("candidate_id", "site_id", "id") if c in f), None)
        if idc is None:
            continue
        if "area_id" in f:
            inside = f.loc[f["area_id"].astype(str) == area_id]
        else:
            inside = _within_area(f, city, access, area_id)
        for _, r in inside.iterrows():
            sid = str(r[idc])
            if sid in seen:
                continue
            seen.add(sid)
            rank = chosen_rank.get(sid)
            rows.append(
                [
                    sid,
                    str(r.get("name", "") or ""),
                    str(r.get("source", "") or ""),
                    site_labels(siting)[0].format(n=rank) if rank else "–",
                ]
            )
    rows.sort(key=lambda r: (r[3] == "–", r[3], r[0]))
    if not rows:
        return [_Block("p", "Inga kandidatplatser i området finns i underlaget.")]
    return [
        _Block(
            "table",
            header=["Kandidat", "Namn", "Källa", "Förslag"],
            rows=rows,
            numeric=[False, False, False, False],
        )
    ]


def _within_area(frame: pd.DataFrame, city: Any, access: Any, area_id: str) -> pd.DataFrame:
    import geopandas as gpd

    geo = area_geometries(city, access)
    if not isinstance(frame, gpd.GeoDataFrame) or geo is None or not len(geo):
        return frame.iloc[0:0]
    poly = geo.loc[geo["area_id"].astype(str) == area_id]
    if poly.empty:
        return frame.iloc[0:0]
    g = frame.to_crs(poly.crs) if frame.crs is not None and poly.crs is not None else frame
    return frame.loc[g.geometry.within(poly.geometry.iloc[0]).to_numpy()]
