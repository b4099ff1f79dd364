"""The scenario report (:func:`write_report`): one block builder per section.

Sections: title and flags, "Vad betyder detta?" (a paragraph built only from the numbers
in the tables), coverage per area (table + bar chart), the Lorenz curve of walking times,
the proposed sites, the known data gaps, and the method and data.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from proximity.maps.labels import (
    GAP_TEXT,
    category_label,
    fmt_int,
    fmt_num,
    fmt_pct,
    is_crowfly,
    profile_label,
    site_labels,
)
from proximity.maps.site_views import (
    site_area_impact,
    site_display_name,
    site_gini,
    site_nonprofits,
    site_table,
    siting_area_effect,
)
from proximity.maps.views import (
    data_dates,
    municipality_total,
    select_coverage,
    unlocated_services,
)
from proximity.report.blocks import Block, flag_blocks, render_html, render_md, write_files
from proximity.report.charts import bar_chart, lorenz_chart, lorenz_points
from proximity.report.figure import figure_blocks
from proximity.report.groups import group_blocks
from proximity.report.method import gap_items, method_items
from proximity.report.overview import (
    INEQUALITY_SV,
    MINUTES_NOTE_SV,
    headline,
    matrix_blocks,
    minutes_text,
    model_blocks,
    robustness_blocks,
)
from proximity.report.wording import (
    WORDS,
    area_names,
    join_sv,
    nonprofit_cell,
    site_unit,
    siting_scope,
    words,
)
from proximity.sources.city import TOTAL_AREA_ID, total_area_label

__all__ = ["write_report"]


@dataclass(frozen=True)
class _Report:
    """What every section of one scenario report needs."""

    city: Any
    access: Any
    siting: Any
    baseline: Any
    category: str
    threshold_min: float
    profile: str
    rows: pd.DataFrame  # coverage per area (select_coverage)
    total_row: pd.Series | None  # the TOTAL_AREA_ID row, if any
    tot: dict[str, float]  # municipality_total
    base: pd.DataFrame | None  # the baseline's rows by area_id
    names: dict[str, str]  # area names
    cat: str  # category label
    t_txt: str  # threshold in minutes, as text
    prof: str  # walking-profile label
    city_name: str
    whole: str  # "Hela kommunen" / "Hela studieområdet"
    w: dict[str, str]  # population words (persons or floor-area proxy)
    measure: str
    title: str
    sites: pd.DataFrame | None  # site_table of the chosen sites, if any

    @property
    def proxy(self) -> bool:
        """Whether the population is a floor-area proxy."""
        return self.w is WORDS["proxy"]


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
        ``{"report.md": Path, "report.html": Path, "report_map.png": Path,
        "report_coverage.png": Path, "report_lorenz.png": Path}`` (the map only when the
        areas have polygons, the Lorenz chart only when walking times exist).

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
    base = None
    if baseline is not None:
        base, _ = select_coverage(
            baseline, category=category, threshold_min=threshold_min, profile=profile
        )
        base = base.set_index("area_id")
    w = words(access, city)
    cat = category_label(category)
    t_txt = fmt_num(float(threshold_min), 0)
    city_name = str(getattr(city, "name", "") or "kommunen")
    measure = f"{w['measure']} inom {t_txt} minuters gång till {cat.lower()}"
    chosen = siting is not None and len(list(getattr(siting, "chosen", []) or []))
    r = _Report(
        city=city,
        access=access,
        siting=siting,
        baseline=baseline,
        category=category,
        threshold_min=float(threshold_min),
        profile=profile,
        rows=rows,
        total_row=total_row,
        tot=municipality_total(rows, total_row),
        base=base,
        names=area_names(city, access, rows),
        cat=cat,
        t_txt=t_txt,
        prof=profile_label(profile),
        city_name=city_name,
        whole=total_area_label(city),
        w=w,
        measure=measure,
        title=title or f"{city_name}: {measure}",
        sites=site_table(siting, city, candidates) if chosen else None,
    )
    blocks = [
        *_heading_blocks(r),
        *_summary_blocks(r),
        *figure_blocks(
            city,
            access,
            rows=rows,
            category=category,
            measure=measure,
            names=r.names,
            sites=r.sites,
        ),
        *matrix_blocks(access, float(threshold_min), r.whole),
        *_coverage_blocks(r),
        *_lorenz_blocks(r),
        *_site_blocks(r),
        *group_blocks(
            access, category, r.threshold_min, profile, names=r.names, whole=r.whole, proxy=r.proxy
        ),
        *_gap_blocks(r),
        Block("h2", "Metod och data"),
        Block("ul", items=method_items(city, access, profile, float(threshold_min))),
    ]
    charts = {b.filename: b.png for b in blocks if b.kind == "img"}
    files = {"report.md": render_md(blocks), "report.html": render_html(blocks, r.title), **charts}
    return write_files(folder, files)


# ---- title and flags ------------------------------------------------------------------------


def _heading_blocks(r: _Report) -> list[Block]:
    """Title, the measure and date, and the flags (crow-fly distances, floor-area proxy)."""
    blocks = [
        Block("h1", r.title),
        Block(
            "p",
            f"{r.measure} (gångprofil: {r.prof}). Beräknad {data_dates(r.city, r.access)['date']}.",
        ),
    ]
    base = None if r.baseline is None else municipality_total(*_base_rows(r))["covered_share"]
    line = headline(r.rows, r.total_row, r.category, r.threshold_min, base, proxy=r.proxy)
    blocks.append(Block("p", line))
    blocks += flag_blocks(r.access, proxy=r.proxy)
    return blocks


# ---- "Vad betyder detta?" ----------------------------------------------------------------


def _base_rows(r: _Report) -> tuple[pd.DataFrame, pd.Series | None]:
    return select_coverage(
        r.baseline, category=r.category, threshold_min=r.threshold_min, profile=r.profile
    )


def _total_change(r: _Report) -> str:
    """The change of the total covered share against the baseline (percentage points)."""
    bt = municipality_total(*_base_rows(r))
    d = 100.0 * (r.tot["covered_share"] - bt["covered_share"])
    return ("+" if d > 0 else "") + fmt_num(d)


def _lead_sentence(r: _Report) -> str:
    tot, cat = r.tot, r.cat.lower()
    if r.proxy:
        return (
            f"{fmt_pct(tot['covered_share'])} av bostadsytan i {r.city_name} har {cat} "
            f"inom {r.t_txt} minuters gång (gångprofil: {r.prof}). Bostadsytan (m², från "
            "OSM-byggnader) används som proxy för befolkningen; underlaget anger inte antal "
            f"personer. Täckt: {fmt_int(tot['covered'])} av {fmt_int(tot['population'])} m² "
            f"bostadsyta; {fmt_int(tot['uncovered'])} m² har det inte."
        )
    return (
        f"I {r.city_name} bor {fmt_int(tot['population'])} invånare enligt underlaget. "
        f"{fmt_int(tot['covered'])} av dem ({fmt_pct(tot['covered_share'])}) har "
        f"{cat} inom {r.t_txt} minuters gång (gångprofil: {r.prof}); "
        f"{fmt_int(tot['uncovered'])} invånare har det inte."
    )


def _extremes_sentence(r: _Report) -> str | None:
    """The areas with the lowest and the highest covered share (when they differ)."""
    valid = r.rows.loc[r.rows["population"].astype(float) > 0].copy()
    valid["_share"] = valid["covered_share"].astype(float)
    valid = valid.loc[np.isfinite(valid["_share"].to_numpy(float))]
    if not (len(valid) >= 2 and valid["_share"].min() < valid["_share"].max()):
        return None
    names = r.names
    lo_v, hi_v = float(valid["_share"].min()), float(valid["_share"].max())
    lows = valid.loc[np.isclose(valid["_share"], lo_v)]
    highs = valid.loc[np.isclose(valid["_share"], hi_v)]
    lacking = float((lows["population"].astype(float) - lows["covered"].astype(float)).sum())
    low_names = (
        join_sv([names.get(a, a) for a in lows["area_id"].astype(str)])
        if len(lows) <= 3
        else f"{len(lows)} av {len(valid)} områden"
    )
    return (
        f"Lägst andel har {low_names} "
        f"({fmt_pct(lo_v)}; {fmt_int(lacking)} {r.w['of_whom']} utan tillgång där), högst har "
        f"{join_sv([names.get(a, a) for a in highs['area_id'].astype(str)])} ({fmt_pct(hi_v)})."
    )


def _unlocated_sentences(r: _Report) -> list[str]:
    """The population without a location, and known services without one."""
    out = []
    total_row = r.total_row
    unloc = (
        float(total_row["unlocated"]) if total_row is not None and "unlocated" in total_row else 0.0
    )
    if unloc > 0:
        out.append(
            f"{fmt_int(unloc)} {r.w['of_whom']} saknar känt läge och räknas som ej "
            + ("täckt." if r.proxy else "täckta.")
        )
    unloc_services = unlocated_services(r.city).get(r.category, [])
    if unloc_services:
        n_us = len(unloc_services)
        out.append(
            f"Täckningen är underskattad: {n_us} "
            + ("känd tjänst" if n_us == 1 else "kända tjänster")
            + f" i kategorin {r.cat.lower()} ({join_sv(unloc_services)}) saknar läge i "
            "underlaget och ingår inte i beräkningen."
        )
    return out


def _sites_sentence(r: _Report) -> str:
    """What the first and all proposed sites would give."""
    sites = r.sites
    assert sites is not None
    _, phrase = site_unit(r.siting, r.proxy)
    first = sites.iloc[0]
    label = first["name"] or first["site_id"]
    return (
        f"Enligt lokaliseringsmodellen{siting_scope(r.siting)} skulle förslag nr 1 ({label}) "
        + phrase.format(n=fmt_int(first["marginal_gain"]))
        + f"; alla {len(sites)} förslag tillsammans "
        + phrase.format(n=fmt_int(sites["marginal_gain"].sum()))
        + "."
    )


def _summary_blocks(r: _Report) -> list[Block]:
    """The "Vad betyder detta?" paragraph, built only from the numbers in the tables."""
    para = [_lead_sentence(r)]
    extremes = _extremes_sentence(r)
    if extremes:
        para.append(extremes)
    para += _unlocated_sentences(r)
    if r.base is not None:
        para.append(
            f"Jämfört med baslinjen ändras andelen i {r.whole.lower()} med "
            f"{_total_change(r)} procentenheter."
        )
    if r.sites is not None:
        para.append(_sites_sentence(r))
    if is_crowfly(r.access):
        para.append(
            "Avstånden är fågelvägsavstånd × omvägsfaktor, inte verkliga gångvägar, så "
            "siffrorna är ungefärliga."
        )
    return [Block("h2", "Vad betyder detta?"), Block("p", " ".join(para))]


# ---- coverage per area ------------------------------------------------------------------


def _coverage_cells(r: _Report, row: pd.Series) -> list[str]:
    """Area, population, covered, uncovered, share, mean time (and baseline change)."""
    aid = str(row["area_id"])
    pop, cov = float(row["population"]), float(row["covered"])
    share = float(row["covered_share"]) if pd.notna(row["covered_share"]) else float("nan")
    cells = [
        r.names.get(aid, aid),
        fmt_int(pop),
        fmt_int(cov),
        fmt_int(pop - cov),
        fmt_pct(share),
        minutes_text(row.get("mean_min", float("nan"))),
    ]
    if r.base is not None:
        base = r.base
        d = float("nan")
        if aid in base.index and pd.notna(base.loc[aid, "covered_share"]):
            d = 100.0 * (share - float(base.loc[aid, "covered_share"]))
        cells.append(("+" if d > 0 else "") + fmt_num(d))
    return cells


def _total_cells(r: _Report) -> list[str]:
    tot, total_row = r.tot, r.total_row
    cells = [
        r.whole,
        fmt_int(tot["population"]),
        fmt_int(tot["covered"]),
        fmt_int(tot["uncovered"]),
        fmt_pct(tot["covered_share"]),
        minutes_text(total_row.get("mean_min") if total_row is not None else None),
    ]
    if r.base is not None:
        cells.append(_total_change(r))
    return cells


def _coverage_table(r: _Report) -> Block:
    """Coverage per area and the total (with the proxy, the share is the second column)."""
    w = r.w
    header = ["Område", w["population"], w["covered"], w["uncovered"], "Andel täckta"]
    header.append("Medeltid (min)")
    numeric = [False, True, True, True, True, True]
    # floor area is a relative weight: with the proxy the share is the main figure (column 2)
    order = [0, 4, 1, 2, 3, 5] if r.proxy else [0, 1, 2, 3, 4, 5]
    header = [header[i] for i in order]
    if r.proxy:
        header[1] = "Andel täckt bostadsyta"
    if r.base is not None:
        header.append("Förändring mot baslinje (procentenheter)")
        numeric.append(True)
    table_rows = []
    for cells in [*(_coverage_cells(r, row) for _, row in r.rows.iterrows()), _total_cells(r)]:
        table_rows.append([cells[i] for i in order] + cells[len(order) :])
    return Block("table", header=header, rows=table_rows, numeric=numeric)


def _coverage_blocks(r: _Report) -> list[Block]:
    """The "Täckning per område" section: the table and the bar chart."""
    shares = [float(s) if pd.notna(s) else float("nan") for s in r.rows["covered_share"].to_numpy()]
    png = bar_chart(
        [r.names.get(a, a) for a in r.rows["area_id"].astype(str)],
        shares,
        r.tot["covered_share"],
        f"{r.w['measure']} inom {r.t_txt} min gång till {r.cat.lower()} (%)",
        total_name=r.whole,
    )
    means = pd.to_numeric(r.rows.get("mean_min", pd.Series(dtype=float)), errors="coerce")
    note = [Block("p", MINUTES_NOTE_SV)] if bool((means < 1.0).any()) else []
    return [
        Block("h2", "Täckning per område"),
        _coverage_table(r),
        *note,
        Block(
            "img",
            text=f"Stapeldiagram: {r.measure}",
            filename="report_coverage.png",
            png=png,
        ),
    ]


# ---- Lorenz curve ---------------------------------------------------------------------------


def _lorenz_blocks(r: _Report) -> list[Block]:
    """The "Jämlikhet" section: the Lorenz curve of walking times and its Gini."""
    blocks = [Block("h2", "Jämlikhet: Lorenzkurva för gångtider")]
    curve, g, reach_pop = lorenz_points(r.access, category=r.category, profile=r.profile)
    if len(curve) <= 1:
        return [*blocks, Block("p", "Inga gångtider finns för denna kategori och profil.")]
    png = lorenz_chart(curve, g, r.w["lorenz_x"])
    text = (
        f"Kurvan visar hur den sammanlagda gångtiden till {r.cat.lower()} fördelar sig på "
        f"{r.w['lorenz_of'].format(n=fmt_int(reach_pop))} som kan nå en sådan "
        f"(gångprofil: {r.prof}). "
        f"{INEQUALITY_SV['walk_time'][0]}: {fmt_num(g, 2)}. {INEQUALITY_SV['walk_time'][1]}"
    )
    return [
        *blocks,
        Block("p", text),
        Block("img", text="Lorenzkurva för gångtider", filename="report_lorenz.png", png=png),
    ]


# ---- proposed sites ------------------------------------------------------------------------


def _gini_cell(gv: tuple[float, float, float] | None) -> str:
    if gv is None:
        return "–"
    return (
        f"{fmt_num(gv[0], 3)} → {fmt_num(gv[1], 3)} ({'+' if gv[2] > 0 else ''}{fmt_num(gv[2], 3)})"
    )


def _site_row(r: _Report, s: pd.Series, site_label: str) -> list[str]:
    """Rank, label, name, id, area, gain, cumulative gain, impact and non-profits of a site."""
    siting, city, names = r.siting, r.city, r.names
    impact = site_area_impact(siting, s["site_id"], limit=3)
    orgs = site_nonprofits(siting, city, s["site_id"], (s["lon"], s["lat"]), limit=3)
    return [
        str(int(s["rank"])),
        site_label.format(n=int(s["rank"])),
        site_display_name(s["name"], int(s["rank"]), names.get(str(s["area_id"]))),
        str(s["site_id"]),
        names.get(str(s["area_id"]), str(s["area_id"])),
        fmt_int(s["marginal_gain"]),
        fmt_int(s["cumulative_gain"]),
        ", ".join(f"{names.get(a, a)} +{fmt_int(v)}{r.w['suffix']}" for a, v in impact) or "–",
        nonprofit_cell(siting, city, str(s["site_id"]), orgs),
    ]


def _site_table_blocks(r: _Report) -> list[Block]:
    """The ranked sites (with the Gini of the covered share when the result has it)."""
    sites = r.sites
    assert sites is not None
    col, _ = site_unit(r.siting, r.proxy)
    site_label, _ = site_labels(r.siting)
    ginis = {str(sid): site_gini(r.siting, str(sid)) for sid in sites["site_id"]}
    has_gini = any(v is not None for v in ginis.values())
    gini_label = GAP_TEXT["sv"]["gini_share"]
    srows = []
    for _, s in sites.iterrows():
        row = _site_row(r, s, site_label)
        if has_gini:
            row.append(_gini_cell(ginis[str(s["site_id"])]))
        srows.append(row)
    header = [
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
    ]
    numeric = [True, False, False, False, False, True, True, False, False]
    blocks = [
        Block("table", header=header, rows=srows, numeric=numeric + ([False] if has_gini else []))
    ]
    if has_gini:
        first = ginis[str(sites["site_id"].iloc[0])]
        last = ginis[str(sites["site_id"].iloc[-1])]
        if first is not None and last is not None:
            text = (
                f"{INEQUALITY_SV['covered_share'][0]}: {fmt_num(first[0], 3)} utan förslagen, "
                f"{fmt_num(last[1], 3)} med alla förslag. {INEQUALITY_SV['covered_share'][1]}"
            )
            blocks.append(Block("p", text))
    return blocks


def _effect_blocks(r: _Report) -> list[Block]:
    """Covered share per area without and with the proposed sites, if the result has it."""
    effect = siting_area_effect(r.siting)
    if effect is None:
        return []
    erows = []
    for aid, e in effect.iterrows():
        label = r.whole if aid == TOTAL_AREA_ID else r.names.get(aid, str(e.get("area_name", aid)))
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
    return [
        Block(
            "p",
            f"Effekt per område{siting_scope(r.siting)}: andel täckta utan och med "
            "de föreslagna kontoren.",
        ),
        Block(
            "table",
            header=["Område", "Före", "Efter", "Förändring (procentenheter)", "Nya kontor"],
            rows=erows,
            numeric=[False, True, True, True, True],
        ),
    ]


def _site_blocks(r: _Report) -> list[Block]:
    """The proposed sites: table, Gini, effect per area and the model (if there are sites)."""
    if r.sites is None:
        return []
    _, sites_name = site_labels(r.siting)
    return [
        Block("h2", sites_name),
        *_site_table_blocks(r),
        *robustness_blocks(r.siting, r.sites, r.names),
        *_effect_blocks(r),
        *model_blocks(r.siting, proxy=r.proxy),
    ]


# ---- known data gaps ---------------------------------------------------------------------


def _gap_blocks(r: _Report) -> list[Block]:
    """The "Kända luckor i data" section: unlocated services, missing categories and data."""
    gaps = gap_items(r.city, r.access, compact=False)
    if not gaps:
        return []
    blocks = [Block("h2", "Kända luckor i data")]
    if unlocated_services(r.city):
        blocks.append(
            Block(
                "p",
                "Tjänster som finns men saknar läge i underlaget ingår inte i beräkningen: "
                "täckningen i de kategorierna är underskattad, och en kategori utan "
                "lokaliserad tjänst har ingen beräknad täckning alls.",
            )
        )
    return [*blocks, Block("ul", items=gaps)]
