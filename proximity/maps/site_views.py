"""Views of a siting result shared by the maps and the report.

The chosen sites with their location (:func:`site_table`), their effect per area, nearby
non-profits (and what to say when none is listed) and the Gini of the covered share.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from proximity.maps.labels import GAP_TEXT, fmt_int
from proximity.maps.views import finite_or_none, to_wgs84
from proximity.sources.city import TOTAL_AREA_ID

__all__ = [
    "GRID_NAME",
    "cumulative_shares",
    "nonprofit_absence_text",
    "site_area_impact",
    "site_display_name",
    "site_gini",
    "site_nonprofit_label",
    "site_nonprofits",
    "site_robustness",
    "site_table",
    "siting_area_effect",
]

_ID_COLUMNS = ("site_id", "candidate_id", "id", "service_id", "demand_id")


def _id_column(frame: Any) -> str | None:
    for c in _ID_COLUMNS:
        if frame is not None and c in frame:
            return c
    return None


def site_table(siting: Any, city: Any = None, candidates: Any = None) -> pd.DataFrame:
    """The chosen sites in rank order with their location (when known).

    Returns
    -------
    DataFrame
        ``rank, site_id, marginal_gain, cumulative_gain, area_id, name, lon, lat`` (lon/lat
        NaN when the site cannot be located). ``area_id``/``name`` may be empty.
    """
    chosen = [str(c) for c in list(getattr(siting, "chosen", []) or [])]
    gains = list(getattr(siting, "marginal_gain", []) or [])
    gains = [float(g) for g in gains] + [float("nan")] * (len(chosen) - len(gains))
    rows = pd.DataFrame(
        {
            "rank": np.arange(1, len(chosen) + 1, dtype=int),
            "site_id": chosen,
            "marginal_gain": gains[: len(chosen)],
        }
    )
    rows["cumulative_gain"] = rows["marginal_gain"].cumsum()
    rows["area_id"] = ""
    rows["name"] = ""
    rows["lon"] = np.nan
    rows["lat"] = np.nan
    crs = getattr(city, "crs", None)
    sources = [getattr(siting, "per_site", None), candidates]
    for src in sources:
        if src is None or len(src) == 0:
            continue
        idc = _id_column(src)
        if idc is None:
            continue
        frame = pd.DataFrame(src).copy()
        frame[idc] = frame[idc].astype(str)
        frame = frame.drop_duplicates(idc).set_index(idc)
        lonlat = _frame_lonlat(src, idc, crs)
        for i, sid in enumerate(rows["site_id"]):
            if sid not in frame.index:
                continue
            rec = frame.loc[sid]
            if not rows.at[i, "area_id"] and "area_id" in frame:
                rows.at[i, "area_id"] = str(rec["area_id"])
            if not rows.at[i, "name"] and "name" in frame and pd.notna(rec["name"]):
                rows.at[i, "name"] = str(rec["name"])
            if np.isnan(rows.at[i, "lon"]) and lonlat is not None and sid in lonlat.index:
                rows.at[i, "lon"], rows.at[i, "lat"] = lonlat.loc[sid]
    return rows


def _frame_lonlat(src: Any, idc: str, crs: Any) -> pd.DataFrame | None:
    """lon/lat per id from a geometry column, x/y in ``crs``, or lon/lat columns."""
    import geopandas as gpd

    ids = pd.Series(src[idc]).astype(str).to_numpy()
    if isinstance(src, gpd.GeoDataFrame) and src.geometry.name in src:
        g = to_wgs84(src, crs)
        if g.crs is None:
            return None
        pts = g.geometry.representative_point()
        return pd.DataFrame({"lon": pts.x.to_numpy(), "lat": pts.y.to_numpy()}, index=ids)
    if {"lon", "lat"} <= set(src.columns):
        return pd.DataFrame(
            {"lon": np.asarray(src["lon"], float), "lat": np.asarray(src["lat"], float)},
            index=ids,
        )
    if {"x", "y"} <= set(src.columns) and crs is not None:
        pts = gpd.GeoSeries(gpd.points_from_xy(src["x"], src["y"]), crs=crs).to_crs(4326)
        return pd.DataFrame({"lon": pts.x.to_numpy(), "lat": pts.y.to_numpy()}, index=ids)
    return None


def site_area_impact(siting: Any, site_id: str, limit: int = 8) -> list[tuple[str, float]]:
    """Per-area impact ``[(area_id, newly covered), ...]`` of one site, largest first.

    Reads ``siting.per_site_area`` (``candidate_id, area_id, newly_covered``, as written by
    :func:`proximity.siting.site`), else a ``per_area`` table that has a site column
    (``site_id``/``candidate_id``/``site``) and a gain column. Areas with no gain are left out.
    """
    for attr in ("per_site_area", "per_area"):
        table = getattr(siting, attr, None)
        if table is None or len(table) == 0:
            continue
        pa = pd.DataFrame(table)
        site_col = next((c for c in ("candidate_id", "site_id", "site") if c in pa), None)
        area_col = next((c for c in ("area_id", "area_name") if c in pa), None)
        value_col = next(
            (c for c in ("newly_covered", "gain", "marginal_gain", "covered_gain") if c in pa),
            None,
        )
        if site_col is None or area_col is None or value_col is None:
            continue
        sub = pa.loc[(pa[site_col].astype(str) == str(site_id)) & (pa[value_col] > 0)]
        sub = sub.sort_values([value_col, area_col], ascending=[False, True], kind="stable")
        return [(str(a), float(v)) for a, v in zip(sub[area_col], sub[value_col], strict=True)][
            :limit
        ]
    return []


def siting_area_effect(siting: Any) -> pd.DataFrame | None:
    """``siting.per_area`` indexed by ``area_id``, if it has the shares before and after.

    ``share_before`` and ``share_after`` are the covered share of the siting category
    without / with the new sites; ``None`` when they are missing.
    """
    pa = getattr(siting, "per_area", None)
    if pa is None or len(pa) == 0:
        return None
    pa = pd.DataFrame(pa)
    if not {"area_id", "share_before", "share_after"} <= set(pa.columns):
        return None
    return pa.assign(area_id=pa["area_id"].astype(str)).set_index("area_id")


def site_nonprofits(
    siting: Any,
    city: Any,
    site_id: str,
    lonlat: tuple[float, float] | None,
    *,
    radius_m: float = 500.0,
    limit: int = 5,
) -> list[tuple[str, str, float | None]]:
    """Non-profits near one site: ``[(name, kind, distance_m), ...]``.

    Uses ``siting.nonprofits`` (rows with a site column) when given, else the
    ``city.nonprofits`` within ``radius_m`` of the site (straight line).
    """
    table = getattr(siting, "nonprofits", None)
    if table is not None and len(table) > 0:
        t = pd.DataFrame(table)
        site_col = next((c for c in ("site_id", "candidate_id", "site") if c in t), None)
        if site_col is not None:
            sub = t.loc[t[site_col].astype(str) == str(site_id)]
            dist_col = next((c for c in ("distance_m", "dist_m") if c in sub), None)
            if dist_col:
                sub = sub.sort_values(dist_col, kind="stable")
            return [
                (
                    str(r.get("name", r.get("org_id", ""))),
                    str(r.get("kind", "")) if pd.notna(r.get("kind", "")) else "",
                    finite_or_none(r[dist_col]) if dist_col else None,
                )
                for _, r in sub.head(limit).iterrows()
            ]
    orgs = getattr(city, "nonprofits", None)
    if orgs is None or len(orgs) == 0 or lonlat is None or not np.isfinite(lonlat).all():
        return []
    import geopandas as gpd
    from shapely.geometry import Point

    crs = getattr(orgs, "crs", None) or getattr(city, "crs", None)
    if crs is None:
        return []
    site = gpd.GeoSeries([Point(*lonlat)], crs=4326).to_crs(crs).iloc[0]
    d = orgs.geometry.distance(site)
    near = orgs.assign(_d=d.to_numpy()).loc[d.to_numpy() <= radius_m]
    near = near.sort_values(["_d", "name"], kind="stable").head(limit)
    return [
        (str(r["name"]), str(r.get("kind", "") or ""), float(r["_d"])) for _, r in near.iterrows()
    ]


def _nonprofit_data_available(siting: Any, city: Any) -> bool:
    flag = getattr(siting, "nonprofit_data_available", None)
    if flag is not None:
        return bool(flag)
    table = getattr(siting, "nonprofits", None)
    if table is not None and len(table) > 0:
        return True
    orgs = getattr(city, "nonprofits", None)
    return orgs is not None and len(orgs) > 0


def site_nonprofit_label(siting: Any, city: Any, site_id: str, lang: str = "sv") -> str | None:
    """The siting result's own wording for a site's non-profits, if any.

    ``per_site["nonprofits_label_sv"]``, or ``nonprofits_label_en`` in English.
    """
    ps = getattr(siting, "per_site", None)
    if ps is None or len(ps) == 0:
        return None
    col = "nonprofits_label_sv" if lang == "sv" else "nonprofits_label_en"
    if col not in ps:
        return None
    idc = next((c for c in ("candidate_id", "site_id", "id") if c in ps), None)
    if idc is None:
        return None
    sub = pd.DataFrame(ps).loc[lambda d: d[idc].astype(str) == str(site_id), col]
    if len(sub) == 0 or pd.isna(sub.iloc[0]) or not str(sub.iloc[0]).strip():
        return None
    return str(sub.iloc[0]).strip()


def nonprofit_absence_text(
    siting: Any, city: Any, site_id: str, lang: str = "sv", radius_m: float = 500.0
) -> str:
    """What to say when no non-profit is listed for a site.

    Without claiming an absence the data cannot support: the siting result's label when
    given, "ingen data om ideella organisationer" when there is no non-profit data, else
    "inga inom 500 m" (city data) / "inga i underlaget för platsen" (the siting result's
    table).
    """
    gt = GAP_TEXT[lang]
    label = site_nonprofit_label(siting, city, site_id, lang)
    if label:
        return label
    if not _nonprofit_data_available(siting, city):
        return gt["nonprofits_no_data"]
    table = getattr(siting, "nonprofits", None)
    if table is not None and len(table) > 0:
        return gt["nonprofits_none"]
    return gt["nonprofits_none_within"].format(r=fmt_int(radius_m, lang))


_GINI_KEYS = (
    ("gini_coverage_share_before", "gini_before"),
    ("gini_coverage_share_after", "gini_after"),
    ("gini_coverage_share_change", "delta_gini"),
)


def site_gini(siting: Any, site_id: str) -> tuple[float, float, float] | None:
    """``(before, after, change)`` of the Gini of the covered share when one site is added.

    The population-weighted Gini of the covered share between areas (``per_site`` columns
    ``gini_coverage_share_before/_after/_change``; older results: ``gini_before``,
    ``gini_after``, ``delta_gini``). Not the Gini of walking times.
    """
    ps = getattr(siting, "per_site", None)
    if ps is None or len(ps) == 0:
        return None
    ps = pd.DataFrame(ps)
    idc = next((c for c in ("candidate_id", "site_id", "id") if c in ps), None)
    if idc is None:
        return None
    row = ps.loc[ps[idc].astype(str) == str(site_id)]
    if len(row) == 0:
        return None
    r = row.iloc[0]
    vals: list[float] = []
    for new, old in _GINI_KEYS:
        key = new if new in ps else old if old in ps else None
        vals.append(finite_or_none(r[key]) if key else None)  # type: ignore[arg-type]
    b, a, d = vals
    if d is None and b is not None and a is not None:
        d = a - b
    if b is None or a is None or d is None:
        return None
    return float(b), float(a), float(d)


#: The name of a grid candidate without a name: rank and area.
GRID_NAME = {"sv": "Rutnätspunkt {n} ({a})", "en": "Grid point {n} ({a})"}


def site_display_name(name: Any, rank: int, area_name: str | None, lang: str = "sv") -> str:
    """The name a site is shown by: its own name, else "Rutnätspunkt N (område)"."""
    text = "" if name is None or (isinstance(name, float) and math.isnan(name)) else str(name)
    if text.strip():
        return text.strip()
    area = area_name or ("okänt område" if lang == "sv" else "unknown area")
    return GRID_NAME[lang].format(n=int(rank), a=area)


def site_robustness(siting: Any, site_id: str) -> tuple[int, int] | float | None:
    """How often a site is chosen across the robustness scenarios (profiles × thresholds).

    ``(times chosen, scenarios)`` from ``siting.robustness``, else the share from
    ``per_site.robustness_share``, else ``None`` (no robustness computed).
    """
    rob = getattr(siting, "robustness", None)
    if isinstance(rob, pd.DataFrame) and {"candidate_id", "times_chosen", "n_scenarios"} <= set(
        rob.columns
    ):
        row = rob.loc[rob["candidate_id"].astype(str) == str(site_id)]
        if len(row) and int(row.iloc[0]["n_scenarios"]) > 0:
            return int(row.iloc[0]["times_chosen"]), int(row.iloc[0]["n_scenarios"])
    ps = getattr(siting, "per_site", None)
    if ps is not None and len(ps) and "robustness_share" in ps:
        ps = pd.DataFrame(ps)
        idc = next((c for c in ("candidate_id", "site_id", "id") if c in ps), None)
        if idc is not None:
            row = ps.loc[ps[idc].astype(str) == str(site_id)]
            if len(row):
                return finite_or_none(row.iloc[0]["robustness_share"])
    return None


def cumulative_shares(siting: Any, table: pd.DataFrame) -> list[float | None]:
    """Covered share of the whole population after sites 1…n (MCLP: before + gains).

    From ``per_area``'s total row (``population``, ``covered_before``); ``None`` when the
    result has no such table or is not a coverage model.
    """
    pa = getattr(siting, "per_area", None)
    mclp = str(getattr(siting, "model", "mclp")) == "mclp"
    if not mclp or pa is None or len(pa) == 0 or "population" not in pa:
        return [None] * len(table)
    pa = pd.DataFrame(pa)
    total = pa.loc[pa["area_id"].astype(str) == TOTAL_AREA_ID]
    if len(total) == 0:
        return [None] * len(table)
    pop = float(total.iloc[0]["population"])
    before = float(total.iloc[0].get("covered_before", 0.0) or 0.0)
    if not pop > 0:
        return [None] * len(table)
    return [finite_or_none((before + float(c)) / pop) for c in table["cumulative_gain"]]
