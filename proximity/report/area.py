"""The one-page profile of one area (stadsdel), :func:`area_profile`.

One block builder per section: facts, coverage per category, gaps, nearest services and
candidate sites.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from proximity.errors import ParameterError
from proximity.maps.labels import (
    category_label,
    distance_method_text,
    fmt_int,
    fmt_num,
    fmt_pct,
    profile_label,
    site_labels,
)
from proximity.maps.site_views import site_table
from proximity.maps.views import (
    area_geometries,
    available_values,
    municipality_total,
    select_coverage,
    to_wgs84,
)
from proximity.report.blocks import Block, flag_blocks, render_html, render_md, write_files
from proximity.report.overview import minutes_text
from proximity.report.wording import WORDS, safe_name, words
from proximity.sources.city import TOTAL_AREA_ID, total_area_label

__all__ = ["area_profile"]


@dataclass(frozen=True)
class _Area:
    """What every section of one area profile needs."""

    city: Any
    access: Any
    area_id: str
    profile: str
    threshold_min: float  # the threshold of the "gaps"
    thresholds: list[float]  # every threshold in the results
    per_cat: list[dict[str, Any]]  # coverage per category (_coverage_per_category)
    population: float
    w: dict[str, str]  # population words (persons or floor-area proxy)

    @property
    def proxy(self) -> bool:
        """Whether the population is a floor-area proxy."""
        return self.w is WORDS["proxy"]

    @property
    def t_txt(self) -> str:
        """The threshold of the gaps in minutes, as text."""
        return fmt_num(self.threshold_min, 0)


def area_profile(
    folder: str | os.PathLike[str],
    city: Any,
    access: Any,
    area_id: str,
    siting: Any = None,
    *legacy: Any,
    candidates: Any = None,
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
    *legacy
        ``candidates`` given by position (the older signature); prefer ``candidates=``.
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
    candidates = _candidates_arg(legacy, candidates)
    thresholds, thr = _check_inputs(access, str(area_id), profile, threshold_min)
    area_id = str(area_id)
    per_cat, name, population = _coverage_per_category(access, area_id, profile, thresholds, thr)
    a = _Area(
        city=city,
        access=access,
        area_id=area_id,
        profile=profile,
        threshold_min=thr,
        thresholds=thresholds,
        per_cat=per_cat,
        population=population,
        w=words(access, city),
    )
    title = f"Områdesprofil: {_area_name(city, access, area_id, name)}"
    blocks = [
        Block("h1", title),
        *_fact_blocks(a),
        *_category_blocks(a),
        *_gap_blocks(a),
        Block("h2", "Närmaste service"),
        _nearest_services_block(city, access, area_id, profile),
        Block("h2", "Möjliga platser i området"),
        *_candidate_blocks(city, access, area_id, siting, candidates),
    ]
    stem = f"omrade_{safe_name(area_id)}"
    files = {f"{stem}.md": render_md(blocks), f"{stem}.html": render_html(blocks, title)}
    return write_files(folder, files)


def _candidates_arg(legacy: tuple[Any, ...], candidates: Any) -> Any:
    """``candidates`` from the keyword, or from the one extra positional argument."""
    if not legacy:
        return candidates
    if len(legacy) > 1 or candidates is not None:
        raise TypeError(
            "area_profile() takes candidates as the only argument after siting; "
            "pass candidates=... by keyword."
        )
    return legacy[0]


def _check_inputs(
    access: Any, area_id: str, profile: str, threshold_min: float | None
) -> tuple[list[float], float]:
    """``(thresholds in the results, threshold of the gaps)``.

    Raises
    ------
    ParameterError
        Empty result, unknown profile or unknown area.
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
    table = pd.DataFrame(access.areas)
    known = sorted(set(table["area_id"].astype(str)) - {TOTAL_AREA_ID})
    if area_id not in known:
        shown = ", ".join(known[:30]) + (" ..." if len(known) > 30 else "")
        raise ParameterError(
            f"Area {area_id!r} is not in the results.", fix=f"Available areas: {shown}."
        )
    return thresholds, float(threshold_min)


def _coverage_per_category(
    access: Any, area_id: str, profile: str, thresholds: list[float], threshold_min: float
) -> tuple[list[dict[str, Any]], str, float]:
    """``(per category: shares per threshold and the gap numbers, area name, population)``."""
    per_cat: list[dict[str, Any]] = []
    name = area_id
    population = float("nan")
    for c in available_values(access)["category"]:
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
            if np.isclose(t, threshold_min):
                rec["covered"] = float(r["covered"])
                rec["uncovered"] = float(r["population"]) - float(r["covered"])
                rec["mean_min"] = r.get("mean_min", float("nan"))
                rec["kommun"] = municipality_total(rows, total)["covered_share"]
        per_cat.append(rec)
    return per_cat, name, population


def _area_name(city: Any, access: Any, area_id: str, name: str) -> str:
    """The area's name in the polygons, else ``name`` (from the coverage rows)."""
    geo = area_geometries(city, access)
    if geo is not None and len(geo) and "name" in geo:
        hit = geo.loc[geo["area_id"].astype(str) == area_id]
        if len(hit):
            return str(hit["name"].iloc[0])
    return name


def _stat_facts(city: Any, area_id: str) -> list[str]:
    """Employment rate, mean income and cars per 1 000 of the latest edition of area_stats."""
    stats = getattr(city, "area_stats", None)
    if stats is None or not len(stats) or "area_id" not in stats:
        return []
    st = pd.DataFrame(stats)
    st = st.loc[st["area_id"].astype(str) == area_id]
    if not len(st):
        return []
    if "edition" in st:
        st = st.sort_values("edition", kind="stable")
    last = st.iloc[-1]
    facts = []
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
    return facts


def _fact_blocks(a: _Area) -> list[Block]:
    """Population, area statistics, profile and distance method, and the flags."""
    facts = [f"{a.w['population']}: {fmt_int(a.population)}{a.w['suffix']}."]
    facts += _stat_facts(a.city, a.area_id)
    facts.append(
        f"Gångprofil: {profile_label(a.profile)}. Avståndsmetod: {distance_method_text(a.access)}."
    )
    blocks = [Block("ul", items=facts)]
    blocks += flag_blocks(a.access, proxy=a.proxy)
    return blocks


def _category_blocks(a: _Area) -> list[Block]:
    """The "Täckning per kategori" table: the share within every threshold, mean time."""
    header = [
        "Kategori",
        *[f"Andel inom {fmt_num(t, 0)} min" for t in a.thresholds],
        "Medeltid (min)",
    ]
    trows = []
    for rec in a.per_cat:
        trows.append(
            [category_label(rec["category"])]
            + [fmt_pct(rec.get(t, float("nan"))) for t in a.thresholds]
            + [minutes_text(rec.get("mean_min", float("nan")))]
        )
    numeric = [False] + [True] * (len(a.thresholds) + 1)
    return [
        Block("h2", "Täckning per kategori"),
        Block("table", header=header, rows=trows, numeric=numeric),
    ]


def _gap_item(a: _Area, rec: dict[str, Any]) -> str:
    """One category with residents (or floor area) without it within the threshold."""
    t, t_txt = a.threshold_min, a.t_txt
    diff = (
        100.0 * (rec[t] - rec["kommun"]) if np.isfinite(rec.get("kommun", np.nan)) else float("nan")
    )
    diff_txt = (
        f"{('+' if diff > 0 else '') + fmt_num(diff)} procentenheter mot "
        f"{total_area_label(a.city).lower()}"
    )
    label = category_label(rec["category"])
    if a.proxy:  # the share leads; the count is floor area, not people
        return (
            f"{label}: andel täckt bostadsyta {fmt_pct(rec[t])} ({diff_txt}); "
            f"{fmt_int(rec['uncovered'])} m² bostadsyta saknar det inom {t_txt} minuter."
        )
    return (
        f"{label}: {fmt_int(rec['uncovered'])} invånare saknar "
        f"det inom {t_txt} minuter (andel täckta {fmt_pct(rec[t])}, {diff_txt})."
    )


def _gap_blocks(a: _Area) -> list[Block]:
    """The "Luckor" list: categories some of the area lacks within the threshold."""
    blocks = [Block("h2", f"Luckor (inom {a.t_txt} minuter)")]
    gaps = [r for r in a.per_cat if r.get("uncovered", 0) > 0]
    gaps.sort(key=lambda r: (-r["uncovered"], r["category"]))
    if gaps:
        return [*blocks, Block("ul", items=[_gap_item(a, r) for r in gaps])]
    everyone = "All bostadsyta" if a.proxy else "Alla invånare"
    return [*blocks, Block("p", f"{everyone} har alla kategorier inom {a.t_txt} minuter.")]


def _nearest_services_block(city: Any, access: Any, area_id: str, profile: str) -> Block:
    """Per category, the service most residents of the area walk to, with their median time."""
    wd = words(access, city)
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
                        f"{names.get(sid, sid)} ({wd['nearest_n'].format(n=fmt_int(n))})"
                        for sid, n in top
                    ),
                    minutes_text(med),
                ]
            )
    if not rows:
        return Block(
            "p",
            "Underlaget anger inte vilken tjänst invånarna i området går till (närmaste tjänst "
            "per invånare saknas); gångtiderna per kategori står i tabellen ovan.",
        )
    return Block(
        "table",
        header=["Kategori", wd["nearest_header"], "Mediantid (min)"],
        rows=rows,
        numeric=[False, False, True],
    )


def _candidate_blocks(
    city: Any, access: Any, area_id: str, siting: Any, candidates: Any
) -> list[Block]:
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
    rows += _chosen_inside(city, access, area_id, siting, candidates, seen=seen)
    rows.sort(key=lambda r: (r[3] == "–", r[3], r[0]))
    if not rows:
        return [Block("p", "Inga kandidatplatser i området finns i underlaget.")]
    return [
        Block(
            "table",
            header=["Kandidat", "Namn", "Källa", "Förslag"],
            rows=rows,
            numeric=[False, False, False, False],
        )
    ]


def _chosen_inside(
    city: Any, access: Any, area_id: str, siting: Any, candidates: Any, *, seen: set[str]
) -> list[list[str]]:
    """Chosen sites lying inside the area by their location, not yet listed by ``area_id``.

    A site's ``area_id`` may be of another level (area vs. subarea); its point decides.
    """
    import geopandas as gpd

    if siting is None or not list(getattr(siting, "chosen", []) or []):
        return []
    table = site_table(siting, city, candidates).dropna(subset=["lon", "lat"])
    table = table.loc[~table["site_id"].isin(seen)]
    geo = area_geometries(city, access)
    if not len(table) or geo is None or not len(geo):
        return []
    poly = to_wgs84(geo.loc[geo["area_id"].astype(str) == area_id], getattr(city, "crs", None))
    if poly.empty or poly.crs is None:
        return []
    pts = gpd.GeoSeries(gpd.points_from_xy(table["lon"], table["lat"]), crs=4326)
    inside = table.loc[pts.within(poly.geometry.iloc[0]).to_numpy()]
    label = site_labels(siting)[0]
    return [
        [str(r["site_id"]), str(r["name"] or ""), "", label.format(n=int(r["rank"]))]
        for _, r in inside.iterrows()
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
