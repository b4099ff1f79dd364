"""Data views shared by the maps and the report.

The coverage rows of one category, threshold and profile (:func:`select_coverage`), the
municipal total, the share colour classes of the choropleth and the bar chart, data dates,
the counts of approximate inputs, the area polygons, and the known data gaps (services
without a location, categories without any located service). The views of a siting result
are in :mod:`proximity.maps.site_views`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from proximity import _io
from proximity.errors import ParameterError
from proximity.maps.labels import threshold_text
from proximity.sources import CATEGORIES
from proximity.sources.city import TOTAL_AREA_ID

__all__ = [
    "AREA_FILL_OPACITY",
    "NO_DATA_COLOUR",
    "PRECISE_QUALITY",
    "SHARE_BREAKS",
    "SHARE_COLOURS",
    "area_geometries",
    "available_values",
    "categories_without_service",
    "data_dates",
    "finite_or_none",
    "is_approx",
    "municipality_total",
    "quality_counts",
    "select_coverage",
    "share_class",
    "share_class_labels",
    "share_colour",
    "to_wgs84",
    "unlocated_services",
]

#: Values of ``boundary_quality`` / ``location_quality`` that are *not* approximate.
PRECISE_QUALITY = frozenset(
    {"exact", "official", "surveyed", "address", "authoritative", "precise", "verified", "osm"}
)

#: Class edges of the choropleth: 0 % is a class of its own, then > 0–25, 25–50, 50–75,
#: 75–90 and 90–100 % (each class includes its lower edge, except 0).
SHARE_BREAKS = (0.0, 0.25, 0.5, 0.75, 0.9, 1.0)
#: One colour per class, 0 % first: viridis (matplotlib / Smith & van der Walt), six
#: evenly spaced colours; perceptually uniform and colour-blind safe.
SHARE_COLOURS = ("#440154", "#414487", "#2a788e", "#22a884", "#7ad151", "#fde725")
NO_DATA_COLOUR = "#bdbdbd"
#: Fill opacity of the areas; the legend swatches use the same.
AREA_FILL_OPACITY = 0.7


def share_class(share: float | None) -> int | None:
    """The index in :data:`SHARE_COLOURS` of a covered share (``None`` when missing)."""
    if share is None or not np.isfinite(share):
        return None
    if share <= 0.0:
        return 0
    for i in range(1, len(SHARE_BREAKS) - 1):
        if share < SHARE_BREAKS[i]:
            return i
    return len(SHARE_COLOURS) - 1


def share_class_labels(lang: str = "sv") -> list[str]:
    """The legend texts of the classes: "0 %", "> 0–25 %", ..., "90–100 %"."""
    from proximity.maps.labels import fmt_num

    pct = [fmt_num(100 * b, 0, lang) for b in SHARE_BREAKS]
    out = ["0\u00a0%", f">\u00a00–{pct[1]}\u00a0%"]
    out += [f"{pct[i]}–{pct[i + 1]}\u00a0%" for i in range(1, len(SHARE_BREAKS) - 1)]
    return out


def share_colour(share: float | None) -> str:
    """The choropleth colour of a covered share (:data:`NO_DATA_COLOUR` when missing)."""
    k = share_class(share)
    return NO_DATA_COLOUR if k is None else SHARE_COLOURS[k]


def _areas_table(access: Any) -> pd.DataFrame:
    table = getattr(access, "areas", None)
    if table is None:
        raise ParameterError(
            "The access result has no 'areas' table.",
            fix="Pass the Access returned by proximity.coverage.compute_access.",
        )
    return pd.DataFrame(table)


def available_values(access: Any) -> dict[str, list[Any]]:
    """Categories, profiles and thresholds present in ``access.areas``."""
    t = _areas_table(access)
    out: dict[str, list[Any]] = {}
    for col in ("category", "profile", "threshold_min"):
        out[col] = sorted(t[col].dropna().unique().tolist()) if col in t else []
    return out


def select_coverage(
    access: Any, *, category: str, threshold_min: float, profile: str
) -> tuple[pd.DataFrame, pd.Series | None]:
    """Rows of ``access.areas`` for one category, threshold and profile.

    Returns
    -------
    areas, total
        The per-area rows (sorted by ``area_id``, the municipality total excluded) and the
        :data:`~proximity.sources.city.TOTAL_AREA_ID` row if present (else ``None``).

    Raises
    ------
    ParameterError
        If the table is empty, or the category, profile or threshold is not in it (the
        message lists what is available).
    """
    t = _areas_table(access)
    required = {"area_id", "category", "profile", "threshold_min", "population", "covered"}
    missing = sorted(required - set(t.columns))
    if missing:
        raise ParameterError(
            f"The access areas table lacks columns: {', '.join(missing)}.",
            fix="Pass the Access returned by proximity.coverage.compute_access.",
        )
    if t.empty:
        raise ParameterError(
            "The access result is empty: no coverage rows to show.",
            fix="Check that the city has areas, demand and services of the category, "
            "and that compute_access ran with the categories and thresholds you need.",
        )
    avail = available_values(access)
    if category not in avail["category"]:
        raise ParameterError(
            f"Category {category!r} is not in the results.",
            fix=f"Available categories: {', '.join(map(str, avail['category']))}.",
        )
    if profile not in avail["profile"]:
        raise ParameterError(
            f"Profile {profile!r} is not in the results.",
            fix=f"Available profiles: {', '.join(map(str, avail['profile']))}.",
        )
    try:
        thr = float(threshold_min)
    except (TypeError, ValueError):
        thr = float("nan")
    thresholds = np.asarray(t["threshold_min"], dtype=float)
    if not np.isfinite(thr) or not np.isclose(thresholds, thr).any():
        raise ParameterError(
            f"Threshold {threshold_min!r} minutes is not in the results.",
            fix="Available thresholds (minutes): "
            + ", ".join(threshold_text(v) for v in avail["threshold_min"])
            + ".",
        )
    mask = (t["category"] == category) & (t["profile"] == profile) & np.isclose(thresholds, thr)
    if "group" in t:  # coverage reports age groups next to "all"; maps show everyone
        mask &= t["group"].astype(str) == "all"
    rows = t.loc[mask].copy()
    rows["area_id"] = rows["area_id"].astype(str)
    is_total = rows["area_id"] == TOTAL_AREA_ID
    total = rows.loc[is_total].iloc[0] if is_total.any() else None
    rows = rows.loc[~is_total]
    if rows.empty:
        raise ParameterError(
            f"No area rows for category {category!r}, profile {profile!r} and "
            f"{threshold_text(thr)} minutes.",
            fix="Check that compute_access produced per-area rows for this combination.",
        )
    if "covered_share" not in rows:
        pop = rows["population"].astype(float)
        rows["covered_share"] = np.where(pop > 0, rows["covered"] / pop.where(pop > 0), np.nan)
    return rows.sort_values("area_id", kind="stable").reset_index(drop=True), total


def municipality_total(rows: pd.DataFrame, total: pd.Series | None) -> dict[str, float]:
    """Population, covered and share for the whole municipality.

    Uses the :data:`~proximity.sources.city.TOTAL_AREA_ID` row when present, else sums the
    area rows.
    """
    if total is not None:
        pop = float(total["population"])
        cov = float(total["covered"])
    else:
        pop = float(rows["population"].sum())
        cov = float(rows["covered"].sum())
    return {
        "population": pop,
        "covered": cov,
        "uncovered": pop - cov,
        "covered_share": cov / pop if pop > 0 else float("nan"),
    }


def is_approx(value: Any) -> bool:
    """Whether a ``*_quality`` value means "approximate".

    Anything that mentions "approx", and anything that does not start with a precise
    keyword (``exact``, ``official``, ``surveyed``, ``address``, ...), e.g.
    ``"district reference point"``.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return True
    text = str(value).strip().lower()
    if "approx" in text or "ungefär" in text:
        return True
    return not any(text.startswith(k) for k in PRECISE_QUALITY)


def quality_counts(frame: Any, column: str) -> tuple[int, int, dict[str, int]]:
    """``(n_approximate, n_total, counts per value)`` of a quality column.

    Values as in the data, untranslated and untruncated (see
    :func:`~proximity.maps.labels.quality_label`).
    """
    if frame is None or len(frame) == 0:
        return 0, 0, {}
    if column not in frame:
        return 0, len(frame), {}
    values = pd.Series(frame[column]).fillna("okänd").astype(str)
    counts = {str(k): int(v) for k, v in values.value_counts().sort_index().items()}
    n_approx = int(sum(v for k, v in counts.items() if is_approx(k) or k == "okänd"))
    return n_approx, len(values), counts


def data_dates(city: Any, access: Any) -> dict[str, str]:
    """Dates found in the inputs: ``population_year`` and the computation date."""
    out: dict[str, str] = {}
    demand = getattr(city, "demand", None)
    if demand is not None and len(demand) and "population_year" in demand:
        years = sorted({str(int(y)) for y in pd.Series(demand["population_year"]).dropna()})
        if years:
            out["population_year"] = ", ".join(years)
    for prov in (getattr(access, "provenance", None), getattr(city, "provenance", None)):
        if not isinstance(prov, Mapping):
            continue
        for key in ("data_date", "date", "computed", "created", "run_date", "generated"):
            if prov.get(key):
                out.setdefault("date", str(prov[key])[:10])
                break
    out.setdefault("date", _io.today_iso())
    prov = getattr(access, "provenance", None)
    net = prov.get("network") if isinstance(prov, Mapping) else None
    if isinstance(net, Mapping) and net.get("osm_timestamp"):
        out["osm_date"] = str(net["osm_timestamp"])[:10]
    return out


def to_wgs84(gdf: Any, default_crs: Any) -> Any:
    """Return a GeoDataFrame in EPSG:4326 (assigning ``default_crs`` if it has none)."""
    import geopandas as gpd

    if gdf is None:
        return None
    if not isinstance(gdf, gpd.GeoDataFrame):
        if isinstance(gdf, gpd.GeoSeries):
            gdf = gpd.GeoDataFrame(geometry=gdf)
        else:
            gdf = gpd.GeoDataFrame(gdf)
    if gdf.crs is None:
        if default_crs is None:
            return gdf
        gdf = gdf.set_crs(default_crs)
    return gdf.to_crs(4326)


def area_geometries(city: Any, access: Any = None) -> Any:
    """The polygons the coverage rows refer to.

    ``city.areas``, or ``city.subareas`` (with ``subarea_id`` renamed to ``area_id``) when
    ``access.area_level == "subareas"``.
    """
    if getattr(access, "area_level", "areas") == "subareas":
        sub = getattr(city, "subareas", None)
        if sub is not None and len(sub):
            return sub.drop(columns=["area_id"], errors="ignore").rename(
                columns={"subarea_id": "area_id"}
            )
    return getattr(city, "areas", None)


def finite_or_none(v: Any) -> float | None:
    """``float(v)`` when it is a finite number, else ``None``."""
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def unlocated_services(city: Any) -> dict[str, list[str]]:
    """``{category: [names, ...]}`` of the services known but without a location.

    From ``city.services_unlocated``; categories in :data:`proximity.sources.CATEGORIES`
    order, names sorted.
    """
    table = getattr(city, "services_unlocated", None)
    if table is None or len(table) == 0 or "category" not in table:
        return {}
    t = pd.DataFrame(table)
    out: dict[str, list[str]] = {}
    order = list(CATEGORIES)
    cats = sorted(
        {str(c) for c in t["category"].dropna()},
        key=lambda c: (order.index(c) if c in order else len(order), c),
    )
    for cat in cats:
        sub = t.loc[t["category"].astype(str) == cat]
        names = [
            str(n) if pd.notna(n) and str(n) else str(i)
            for n, i in zip(
                sub["name"] if "name" in sub else sub.get("service_id", sub.index),
                sub["service_id"] if "service_id" in sub else sub.index,
                strict=True,
            )
        ]
        out[cat] = sorted(names)
    return out


def categories_without_service(city: Any) -> list[str]:
    """The categories of :data:`proximity.sources.CATEGORIES` with no located service.

    No coverage can be computed for them (no row of ``city.services``).
    """
    services = getattr(city, "services", None)
    located: set[str] = set()
    if services is not None and len(services) and "category" in services:
        located = {str(c) for c in pd.Series(services["category"]).dropna()}
    return [c for c in CATEGORIES if c not in located]
