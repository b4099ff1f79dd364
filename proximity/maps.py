"""Interactive HTML maps for politicians: coverage, services and proposed sites.

:func:`make_map` builds a :class:`folium.Map` from a :class:`~proximity.sources.City`, an
:class:`~proximity.coverage.Access` and (optionally) a
:class:`~proximity.siting.SitingResult`; :func:`save_map` writes it as one self-contained
HTML file, atomically.

Offline by default
------------------
folium links Leaflet, jQuery, Bootstrap, Font Awesome and Leaflet.awesome-markers from
CDNs, so its default page is blank without internet (``L is undefined``). With
``offline=True`` (the default) this module

- inlines Leaflet 1.9.3 (``xstatic-leaflet``), jQuery (``xstatic-jquery``) and, when the
  services are clustered, Leaflet.markercluster (``xstatic-leaflet-markercluster``) as
  ``<script>`` blocks, with Leaflet's control images as ``data:`` URIs;
- inlines the Font Awesome 6 CSS (``xstatic-font-awesome``) with the *solid* webfont as a
  ``data:`` URI, so the marker icons render offline (only ``fa-solid`` icons are used);
- drops Bootstrap, glyphicons and awesome-markers (not used: markers are ``L.divIcon`` with
  Font Awesome icons and plain CSS);
- refuses (``OutputError``) to write a page that would still load any other external
  script or stylesheet.

The OpenStreetMap tile layer is kept: its URL template lives in JavaScript, not in a
``<script src>``/``<link href>``. Online, the tiles show; offline, failed tiles are hidden
and the map shows areas, services and sites on a plain light background. The base layer
"Ingen bakgrundskarta" switches the tiles off explicitly.

Duck-typed inputs (the minimum used)
------------------------------------
``city``
    ``areas`` (``area_id, name, geometry``; ``boundary_quality`` optional), ``services``
    (``service_id, name, category, geometry``; ``location_quality``, ``source``
    optional), optional ``name``, ``crs``, ``demand`` (``demand_id, population,
    geometry``; ``population_year``), ``nonprofits`` (``org_id, name, kind, geometry``),
    ``services_unlocated`` (``service_id, name, category``: services known to exist but
    without a location, listed as known gaps, see :func:`unlocated_services`),
    ``provenance``.
``access``
    ``areas`` table (contract columns, at least ``area_id, category, profile,
    threshold_min, population, covered, covered_share``; ``mean_min``,
    ``distance_method`` optional); optional ``distance_method``, ``provenance``,
    ``population_unit`` (``"persons"`` or a floor-area proxy: counts are then labelled as
    m² residential floor area, see :data:`PROXY_TEXT`; without it the city's demand
    ``population_is_proxy`` decides) and ``points`` (for the residents layer).
``siting``
    ``chosen`` (ids in rank order), ``marginal_gain``; optional ``per_site`` (site
    coordinates as geometry, ``x``/``y`` in the city CRS or ``lon``/``lat``;
    ``nonprofits_label_sv``; ``gini_coverage_share_before/_after/_change``, older results
    ``gini_before/gini_after/delta_gini``), ``per_area``, ``nonprofits``,
    ``nonprofit_data_available``, ``model``. Sites can also be located with ``candidates=`` (a
    GeoDataFrame with an id column).
"""

from __future__ import annotations

import base64
import functools
import html
import json
import math
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import folium
import numpy as np
import pandas as pd
from branca.element import Element, Figure, MacroElement
from jinja2 import Template

from proximity import _io
from proximity.errors import OutputError, ParameterError
from proximity.sources.city import is_municipality

__all__ = [
    "CATEGORY_STYLE",
    "GAP_TEXT",
    "OSM_ATTRIBUTION",
    "OSM_TILES",
    "QUALITY_SV",
    "ProximityMap",
    "categories_without_service",
    "category_label",
    "is_municipality",
    "make_map",
    "nonprofit_absence_text",
    "provenance_note_sv",
    "quality_label",
    "render_html",
    "save_map",
    "select_coverage",
    "site_area_impact",
    "site_gini",
    "site_labels",
    "site_nonprofit_label",
    "site_nonprofits",
    "site_table",
    "siting_area_effect",
    "total_label",
    "unlocated_services",
]

#: Tile URL template of the OpenStreetMap standard layer (used from JavaScript only).
OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
#: Attribution shown on every map (Swedish and English).
OSM_ATTRIBUTION = {
    "sv": "© OpenStreetMap-bidragsgivare, ODbL",
    "en": "© OpenStreetMap contributors, ODbL",
}

TOTAL_ID = "__total__"

#: Font Awesome 6 (solid) icon and colour per service category.
CATEGORY_STYLE: dict[str, tuple[str, str]] = {
    "labour_market": ("briefcase", "#1f78b4"),
    "social_services": ("hand-holding-heart", "#e7298a"),
    "health_centre": ("house-medical", "#d7301f"),
    "library": ("book", "#6a3d9a"),
    "housing_company_office": ("building", "#8c510a"),
    "meeting_place": ("people-group", "#33a02c"),
    "youth_centre": ("child-reaching", "#ff7f00"),
    "citizen_service": ("circle-info", "#01665e"),
    "district_office": ("landmark", "#111111"),
}
_DEFAULT_STYLE = ("location-dot", "#555555")

_FALLBACK_LABELS_SV = {
    "labour_market": "Arbetsmarknad",
    "social_services": "Socialtjänst",
    "health_centre": "Vårdcentral",
    "library": "Bibliotek",
    "housing_company_office": "Bostadsbolagets kontor",
    "meeting_place": "Mötesplats",
    "youth_centre": "Fritidsgård",
    "citizen_service": "Medborgarservice",
    "district_office": "Stadsdelskontor",
}
_LABELS_EN = {
    "labour_market": "Labour market",
    "social_services": "Social services",
    "health_centre": "Health centre",
    "library": "Library",
    "housing_company_office": "Housing company office",
    "meeting_place": "Meeting place",
    "youth_centre": "Youth centre",
    "citizen_service": "Citizen service",
    "district_office": "District office",
}
_PROFILE_LABELS = {
    "sv": {"adult": "vuxen", "elderly": "äldre", "winter": "vinter"},
    "en": {"adult": "adult", "elderly": "elderly", "winter": "winter"},
}

#: Values of ``boundary_quality`` / ``location_quality`` that are *not* approximate.
PRECISE_QUALITY = frozenset(
    {"exact", "official", "surveyed", "address", "authoritative", "precise", "verified", "osm"}
)

#: Class breaks and colours (ColorBrewer RdYlBu, colour-blind safe) of the choropleth.
SHARE_BREAKS = (0.0, 0.5, 0.7, 0.85, 0.95, 1.0)
SHARE_COLOURS = ("#d73027", "#fc8d59", "#fee090", "#91bfdb", "#4575b4")
NO_DATA_COLOUR = "#bdbdbd"

TEXT: dict[str, dict[str, str]] = {
    "sv": {
        "share_title": "Andel invånare inom {t} minuters gång",
        "to": "till",
        "profile": "gångprofil",
        "population": "Befolkning",
        "covered": "Täckta",
        "uncovered": "Ej täckta",
        "mean_min": "Medeltid (minuter)",
        "change": "Förändring mot baslinje",
        "share": "Andel täckta",
        "pp": "procentenheter",
        "people": "personer",
        "services": "Service",
        "offices": "Befintliga stadsdelskontor",
        "site": "Föreslaget stadsdelskontor nr {n}",
        "sites": "Föreslagna stadsdelskontor",
        "site_other": "Föreslagen ny plats nr {n} ({c})",
        "sites_other": "Föreslagna nya platser ({c})",
        "rank": "Rang",
        "gain": "Marginell vinst",
        "impact": "Påverkan per område",
        "nonprofits": "Ideella organisationer i närheten",
        "none": "inga",
        "category": "Kategori",
        "source": "Källa",
        "quality": "Lägeskvalitet",
        "reached": "Nåbart inom {t} min",
        "residents": "Invånare utan tillgång",
        "residents_all": "Invånare",
        "no_tiles": "Ingen bakgrundskarta",
        "tiles": "OpenStreetMap",
        "legend": "Teckenförklaring",
        "info": "Om kartan",
        "data_date": "Datum",
        "population_year": "Befolkningsår",
        "osm_date": "OSM-data",
        "computed": "beräknad",
        "method": "Avståndsmetod",
        "network": "gångnätverk (OpenStreetMap)",
        "crowfly": "fågelvägsavstånd × {f} (uppskattning)",
        "crowfly_warn": "Inte verkliga gångvägar – avstånden är uppskattade.",
        "approx": "Ungefärliga indata",
        "approx_areas": "Områdesgränser: {n} av {m} ungefärliga",
        "approx_services": "Tjänsternas lägen: {n} av {m} ungefärliga",
        "approx_demand": "Befolkningspunkter: {n} av {m} ungefärliga",
        "approx_none": "inga kända",
        "no_data": "ingen data",
        "area": "Område",
        "unknown": "okänt",
        "site_cover": "Nya täckta invånare",
        "with_sites": "Med förslagen ({c} inom {t} min)",
        "unlocated": "Invånare utan känt läge (räknas som ej täckta): {n}",
        "count_suffix": "",
    },
    "en": {
        "share_title": "Share of residents within {t} minutes' walk",
        "to": "to",
        "profile": "walking profile",
        "population": "Population",
        "covered": "Covered",
        "uncovered": "Not covered",
        "mean_min": "Mean time (minutes)",
        "change": "Change vs baseline",
        "share": "Share covered",
        "pp": "percentage points",
        "people": "people",
        "services": "Services",
        "offices": "Existing district offices",
        "site": "Proposed district office no. {n}",
        "sites": "Proposed district offices",
        "site_other": "Proposed new site no. {n} ({c})",
        "sites_other": "Proposed new sites ({c})",
        "rank": "Rank",
        "gain": "Marginal gain",
        "impact": "Impact per area",
        "nonprofits": "Nearby non-profits",
        "none": "none",
        "category": "Category",
        "source": "Source",
        "quality": "Location quality",
        "reached": "Reached within {t} min",
        "residents": "Residents without access",
        "residents_all": "Residents",
        "no_tiles": "No background map",
        "tiles": "OpenStreetMap",
        "legend": "Legend",
        "info": "About this map",
        "data_date": "Date",
        "population_year": "Population year",
        "osm_date": "OSM data",
        "computed": "computed",
        "method": "Distance method",
        "network": "walking network (OpenStreetMap)",
        "crowfly": "straight-line distance × {f} (approximation)",
        "crowfly_warn": "Not real walking routes – distances are estimates.",
        "approx": "Approximate inputs",
        "approx_areas": "Area boundaries: {n} of {m} approximate",
        "approx_services": "Service locations: {n} of {m} approximate",
        "approx_demand": "Population points: {n} of {m} approximate",
        "approx_none": "none known",
        "no_data": "no data",
        "area": "Area",
        "unknown": "unknown",
        "site_cover": "Newly covered residents",
        "with_sites": "With the proposals ({c} within {t} min)",
        "unlocated": "Residents without a known location (counted as not covered): {n}",
        "count_suffix": "",
    },
}

#: Overrides of :data:`TEXT` when the demand "population" is residential floor area in m²
#: (a relative population proxy, ``Access.population_unit != "persons"``, e.g. the Helsinki
#: demo): counts are labelled as floor area, never as residents, and a flag line is shown.
PROXY_TEXT: dict[str, dict[str, str]] = {
    "sv": {
        "share_title": "Andel bostadsyta (proxy för befolkning) inom {t} minuters gång",
        "population": "Bostadsyta (m², proxy för befolkning)",
        "covered": "Täckt bostadsyta (m²)",
        "uncovered": "Ej täckt bostadsyta (m²)",
        "share": "Andel täckt bostadsyta",
        "people": "m² bostadsyta",
        "gain": "Marginell vinst (m² bostadsyta × minuter, proxy)",
        "residents": "Bostadsyta utan tillgång",
        "residents_all": "Bostadsyta (m², proxy för befolkning)",
        "population_year": "Underlagsår",
        "approx_demand": "Bostadspunkter (byggnader): {n} av {m} ungefärliga",
        "site_cover": "Ny täckt bostadsyta (m², proxy för befolkning)",
        "unlocated": "Bostadsyta utan känt läge (räknas som ej täckt): {n} m²",
        "count_suffix": "\u00a0m²",
        "proxy_flag": "Befolkningen är uppskattad från bostadsyta i OSM (m²), inte antal "
        "personer. Siffrorna är m² bostadsyta; andelarna går att jämföra.",
        "proxy_unit": "bostadsyta (m², proxy för befolkning)",
        "proxy_title": "Underlag: bostadsyta (m², proxy för befolkning), inte antal personer",
    },
    "en": {
        "share_title": "Share of residential floor area (population proxy) within {t} minutes' walk",
        "population": "Residential floor area (m², population proxy)",
        "covered": "Covered floor area (m²)",
        "uncovered": "Floor area not covered (m²)",
        "share": "Share of floor area covered",
        "people": "m² residential floor area",
        "gain": "Marginal gain (m² floor area × minutes, proxy)",
        "residents": "Residential floor area without access",
        "residents_all": "Residential floor area (m², population proxy)",
        "population_year": "Data year",
        "approx_demand": "Residential points (buildings): {n} of {m} approximate",
        "site_cover": "Newly covered residential floor area (m², population proxy)",
        "unlocated": "Floor area without a known location (counted as not covered): {n} m²",
        "count_suffix": "\u00a0m²",
        "proxy_flag": "Population is estimated from residential floor area in OSM (m²), not a "
        "count of people. Figures are m² of floor area; the shares are comparable.",
        "proxy_unit": "residential floor area (m², population proxy)",
        "proxy_title": "Basis: residential floor area (m², population proxy), not people",
    },
}


# --------------------------------------------------------------------------------------
# Small shared helpers (also used by proximity.report)
# --------------------------------------------------------------------------------------


def _check_lang(lang: str) -> str:
    if lang not in TEXT:
        raise ParameterError(
            f"Unknown language {lang!r}.", fix=f"Use one of: {', '.join(sorted(TEXT))}."
        )
    return lang


def category_label(category: str, lang: str = "sv") -> str:
    """Human label of a service category (Swedish by default).

    Uses ``proximity.sources.CATEGORY_LABELS_SV`` when available.
    """
    if lang == "en":
        return _LABELS_EN.get(category, category.replace("_", " "))
    try:  # the sources package is written in parallel; fall back to our own labels
        from proximity.sources import CATEGORY_LABELS_SV  # type: ignore[attr-defined]

        label = CATEGORY_LABELS_SV.get(category)
        if label:
            return str(label)
    except Exception:
        pass
    return _FALLBACK_LABELS_SV.get(category, category.replace("_", " "))


def profile_label(profile: str, lang: str = "sv") -> str:
    """Human label of a walking profile (``label_sv`` of ``proximity.profiles`` if any)."""
    if lang == "sv":
        try:
            from proximity.profiles import PROFILES  # type: ignore[attr-defined]

            p = PROFILES.get(profile)
            if p is not None and getattr(p, "label_sv", None):
                return str(p.label_sv)
        except Exception:
            pass
    return _PROFILE_LABELS.get(lang, {}).get(profile, profile)


def fmt_int(value: float, lang: str = "sv") -> str:
    """Format a count: ``12 345`` (sv, no-break space) or ``12,345`` (en)."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    s = f"{round(float(value)):,d}"
    return s.replace(",", "\u00a0") if lang == "sv" else s


def fmt_num(value: float, decimals: int = 1, lang: str = "sv") -> str:
    """Format a decimal number: ``12,3`` (sv) or ``12.3`` (en); ``–`` if missing."""
    if value is None or not np.isfinite(float(value)):
        return "–"
    s = f"{float(value):,.{decimals}f}"
    if lang == "sv":
        s = s.replace(",", "\u00a0").replace(".", ",")
    return s


def fmt_pct(share: float, decimals: int = 1, lang: str = "sv") -> str:
    """Format a share in [0, 1] as a percentage: ``45,3 %`` (sv) or ``45.3 %`` (en)."""
    if share is None or not np.isfinite(float(share)):
        return "–"
    return f"{fmt_num(100.0 * float(share), decimals, lang)}\u00a0%"


def _threshold_text(threshold_min: float) -> str:
    t = float(threshold_min)
    return str(int(t)) if t.is_integer() else fmt_num(t, 1)


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
        ``__total__`` row if present (else ``None``).

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
            + ", ".join(_threshold_text(v) for v in avail["threshold_min"])
            + ".",
        )
    mask = (t["category"] == category) & (t["profile"] == profile) & np.isclose(thresholds, thr)
    if "group" in t:  # coverage reports age groups next to "all"; maps show everyone
        mask &= t["group"].astype(str) == "all"
    rows = t.loc[mask].copy()
    rows["area_id"] = rows["area_id"].astype(str)
    is_total = rows["area_id"] == TOTAL_ID
    total = rows.loc[is_total].iloc[0] if is_total.any() else None
    rows = rows.loc[~is_total]
    if rows.empty:
        raise ParameterError(
            f"No area rows for category {category!r}, profile {profile!r} and "
            f"{_threshold_text(thr)} minutes.",
            fix="Check that compute_access produced per-area rows for this combination.",
        )
    if "covered_share" not in rows:
        pop = rows["population"].astype(float)
        rows["covered_share"] = np.where(pop > 0, rows["covered"] / pop.where(pop > 0), np.nan)
    return rows.sort_values("area_id", kind="stable").reset_index(drop=True), total


def municipality_total(rows: pd.DataFrame, total: pd.Series | None) -> dict[str, float]:
    """Population, covered and share for the whole municipality.

    Uses the ``__total__`` row when present, else sums the area rows.
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


def distance_method(access: Any) -> str:
    """The access result's distance method (``"network"`` or e.g. ``"crowfly×1.3"``)."""
    dm = getattr(access, "distance_method", None)
    if not dm:
        t = getattr(access, "areas", None)
        if t is not None and "distance_method" in t and len(t):
            dm = str(pd.Series(t["distance_method"]).dropna().iloc[0])
    return str(dm or "unknown")


def is_crowfly(access: Any) -> bool:
    """Whether distances are straight-line approximations."""
    dm = distance_method(access).lower()
    return "crow" in dm or "euclid" in dm or "straight" in dm


def _detour_factor(method: str) -> str:
    m = re.search(r"([0-9]+(?:[.,][0-9]+)?)", method)
    return (m.group(1) if m else "1.3").replace(".", ",")


def distance_method_text(access: Any, lang: str = "sv") -> str:
    """One line describing the distance method, e.g. ``fågelvägsavstånd × 1,3 (uppskattning)``."""
    tx = TEXT[lang]
    method = distance_method(access)
    if is_crowfly(access):
        f = _detour_factor(method)
        return tx["crowfly"].format(f=f if lang == "sv" else f.replace(",", "."))
    if method.lower() == "network":
        return tx["network"]
    return method


def population_unit(access: Any, city: Any = None) -> str:
    """What the coverage counts measure: ``"persons"`` or a floor-area proxy unit.

    ``access.population_unit`` (set by :func:`proximity.coverage.compute_access`); when it
    is missing or ``"persons"``, the city's demand is checked too
    (:func:`proximity.coverage.population_unit_info`: ``population_is_proxy`` rows), so a
    duck-typed result over a floor-area city is still labelled honestly.
    """
    unit = str(getattr(access, "population_unit", None) or "persons")
    if unit == "persons" and city is not None:
        from proximity.coverage import population_unit_info

        info = population_unit_info(city)
        if info["is_proxy"]:
            unit = str(info["unit"])
    return unit


def is_population_proxy(access: Any, city: Any = None) -> bool:
    """Whether ``population`` is not a count of persons (e.g. residential floor area, m²)."""
    return population_unit(access, city) != "persons"


def unit_text(lang: str, proxy: bool) -> dict[str, str]:
    """:data:`TEXT` of ``lang``, with the floor-area wording of :data:`PROXY_TEXT` if ``proxy``."""
    tx = dict(TEXT[_check_lang(lang)])
    if proxy:
        tx.update(PROXY_TEXT[lang])
    return tx


def _is_approx(value: Any) -> bool:
    """Whether a ``*_quality`` value means "approximate": anything that mentions
    "approx", and anything that does not start with a precise keyword (``exact``,
    ``official``, ``surveyed``, ``address``, ...), e.g. ``"district reference point"``.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return True
    text = str(value).strip().lower()
    if "approx" in text or "ungefär" in text:
        return True
    return not any(text.startswith(k) for k in PRECISE_QUALITY)


def _short(text: str, n: int = 48) -> str:
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def quality_counts(frame: Any, column: str) -> tuple[int, int, dict[str, int]]:
    """``(n_approximate, n_total, counts per value)`` of a quality column (values as in the
    data, untranslated and untruncated: see :func:`quality_label`).
    """
    if frame is None or len(frame) == 0:
        return 0, 0, {}
    if column not in frame:
        return 0, len(frame), {}
    values = pd.Series(frame[column]).fillna("okänd").astype(str)
    counts = {str(k): int(v) for k, v in values.value_counts().sort_index().items()}
    n_approx = int(sum(v for k, v in counts.items() if _is_approx(k) or k == "okänd"))
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


def _to_wgs84(gdf: Any, default_crs: Any) -> Any:
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
    """The polygons the coverage rows refer to: ``city.areas``, or ``city.subareas`` (with
    ``subarea_id`` renamed to ``area_id``) when ``access.area_level == "subareas"``.
    """
    if getattr(access, "area_level", "areas") == "subareas":
        sub = getattr(city, "subareas", None)
        if sub is not None and len(sub):
            return sub.drop(columns=["area_id"], errors="ignore").rename(
                columns={"subarea_id": "area_id"}
            )
    return getattr(city, "areas", None)


def _finite_or_none(v: Any) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


# --------------------------------------------------------------------------------------
# Sites
# --------------------------------------------------------------------------------------

_ID_COLUMNS = ("site_id", "candidate_id", "id", "service_id", "demand_id")


def _id_column(frame: Any) -> str | None:
    for c in _ID_COLUMNS:
        if frame is not None and c in frame:
            return c
    return None


def site_labels(siting: Any, lang: str = "sv") -> tuple[str, str]:
    """``(label template with {n}, layer/heading name)`` of the proposed sites.

    "Föreslaget stadsdelskontor nr {n}" when the siting category is ``district_office`` (or
    unknown), else e.g. "Föreslagen ny plats nr {n} (bibliotek)".
    """
    tx = TEXT[lang]
    cat = str(getattr(siting, "category", "district_office") or "district_office")
    if cat == "district_office":
        return tx["site"], tx["sites"]
    c = category_label(cat, lang).lower()
    return tx["site_other"].replace("{c}", c), tx["sites_other"].format(c=c)


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
        g = _to_wgs84(src, crs)
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
    """``siting.per_area`` indexed by ``area_id`` when it holds ``share_before`` and
    ``share_after`` (covered share of the siting category without / with the new sites).
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
                    _finite_or_none(r[dist_col]) if dist_col else None,
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


# --------------------------------------------------------------------------------------
# Swedish wording of data-quality values and provenance notes
# --------------------------------------------------------------------------------------

#: Swedish wording of known ``boundary_quality`` / ``location_quality`` values (keys in lower
#: case). Unknown values are shown as they are (see :func:`quality_label`).
QUALITY_SV: dict[str, str] = {
    "district reference point": "stadsdelens referenspunkt",
    "locality reference point": "tätortens referenspunkt",
    "building reference point": "byggnadens referenspunkt",
    "exact (osm node)": "exakt (OSM-nod)",
    "exact": "exakt",
    "official": "officiell",
    "approximate": "ungefärlig",
    "surveyed": "inmätt",
    "address": "adress",
    "grid": "rutnät",
    "as supplied": "som levererat",
    "approximate (voronoi of reference points, clipped to scb boundary + seaward allowance)": (
        "ungefärliga (Voronoi-områden kring referenspunkter, klippta mot SCB:s kommungräns "
        "+ marginal mot havet)"
    ),
    "regular 500 m grid (no complete administrative boundaries in the extract)": (
        "regelbundet rutnät på 500 m (inga kompletta administrativa gränser i OSM-utdraget)"
    ),
    "building (osm footprint, representative point)": (
        "byggnad (OSM-fotavtryck, representativ punkt)"
    ),
    "building (osm footprint clipped by the extract, representative point)": (
        "byggnad (OSM-fotavtryck avskuret av utdraget, representativ punkt)"
    ),
    "osm area (representative point)": "OSM-yta (representativ punkt)",
    "osm area clipped by the extract (point of the part inside)": (
        "OSM-yta avskuren av utdraget (punkt i delen innanför)"
    ),
    "okänd": "okänd",
}


def quality_label(value: Any, lang: str = "sv") -> str:
    """A ``*_quality`` value in the map/report language: known values in Swedish
    (:data:`QUALITY_SV`), anything else unchanged (never truncated).
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "okänd" if lang == "sv" else "unknown"
    text = str(value).strip()
    if lang != "sv":
        return "unknown" if text == "okänd" else text
    return QUALITY_SV.get(text.lower(), text)


def quality_detail_html(counts: Mapping[str, int], lang: str = "sv", n: int = 60) -> str:
    """``value: count, ...`` as HTML; long values are shortened with the full text in a
    ``title`` attribute (tooltip).
    """
    parts = []
    for k, v in counts.items():
        label = quality_label(k, lang)
        short = _short(label, n)
        if short != label:
            parts.append(
                f"<span title='{html.escape(label, quote=True)}'>{html.escape(short)}</span>: {v}"
            )
        else:
            parts.append(f"{html.escape(label)}: {v}")
    return ", ".join(parts)


def quality_detail_text(counts: Mapping[str, int], lang: str = "sv") -> str:
    """``value: count, ...`` as plain text (full, translated values)."""
    return ", ".join(f"{quality_label(k, lang)}: {v}" for k, v in counts.items())


#: Swedish labels of city provenance notes that the report shows.
PROVENANCE_KEYS_SV: dict[str, str] = {
    "purpose": "Syfte",
    "population_total_note": "Befolkningens summa",
    "population_note": "Befolkning",
    "licences": "Licenser",
}

#: Swedish wording of known provenance notes (exact English text → Swedish).
PROVENANCE_SV: dict[str, str] = {
    "demand 131987 (27 stadsdelar incl. Ättekulla 2018 + 14 rural tätorter 2020) + unlocated "
    "17293 (urban residual 12294 + outside tätorter 4999) = municipality 2020-12-31": (
        "befolkningspunkter 131 987 (27 stadsdelar inkl. Ättekulla 2018 + 14 tätorter på "
        "landsbygden 2020) + utan känt läge 17 293 (övriga i tätorten Helsingborg 12 294 + "
        "utanför tätorter 4 999) = kommunens befolkning 2020-12-31"
    ),
    "OSM rows: © OpenStreetMap contributors, ODbL 1.0; SCB boundaries and tätorter: CC0; "
    "Wikipedia facts: CC BY-SA": (
        "rader från OSM: © OpenStreetMap-bidragsgivare, ODbL 1.0; SCB:s gränser och tätorter: "
        "CC0; fakta från Wikipedia: CC BY-SA"
    ),
    "real-data end-to-end demo and tests; population is a relative floor-area proxy": (
        "demonstration och tester med verkliga data; befolkningen är en relativ proxy (bostadsyta)"
    ),
    "© OpenStreetMap contributors, ODbL 1.0": "© OpenStreetMap-bidragsgivare, ODbL 1.0",
}


def provenance_note_sv(key: str, value: Any) -> str:
    """One city provenance note in Swedish: ``Etikett: text``. Known notes are translated
    (:data:`PROVENANCE_SV`); others keep their text, marked as quoted from the sources.
    """
    label = PROVENANCE_KEYS_SV.get(key, key)
    text = str(value).strip()
    if text in PROVENANCE_SV:
        return f"{label}: {PROVENANCE_SV[text]}"
    if text.isascii() and re.search(r"\b(the|and|of|from|with|incl|not)\b", text):
        return f"{label} (originaltext i underlaget, på engelska): {text}"
    return f"{label}: {text}"


# --------------------------------------------------------------------------------------
# Study area, known data gaps, non-profits and Gini of the siting result
# --------------------------------------------------------------------------------------


def total_label(city: Any, lang: str = "sv") -> str:
    """Label of the total row: "Hela kommunen" for a municipality, else "Hela studieområdet"."""
    if lang == "en":
        return "Whole municipality" if is_municipality(city) else "Whole study area"
    return "Hela kommunen" if is_municipality(city) else "Hela studieområdet"


def _all_categories() -> list[str]:
    try:
        from proximity.sources import CATEGORIES
    except ImportError:  # pragma: no cover - sources always ships CATEGORIES
        return list(CATEGORY_STYLE)
    return list(CATEGORIES)


def unlocated_services(city: Any) -> dict[str, list[str]]:
    """``{category: [names, ...]}`` of the services known but without a location
    (``city.services_unlocated``), categories in :data:`proximity.sources.CATEGORIES`
    order, names sorted.
    """
    table = getattr(city, "services_unlocated", None)
    if table is None or len(table) == 0 or "category" not in table:
        return {}
    t = pd.DataFrame(table)
    out: dict[str, list[str]] = {}
    order = _all_categories()
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
    """The categories of :data:`proximity.sources.CATEGORIES` with no located service in
    ``city.services`` (no coverage can be computed for them).
    """
    services = getattr(city, "services", None)
    located: set[str] = set()
    if services is not None and len(services) and "category" in services:
        located = {str(c) for c in pd.Series(services["category"]).dropna()}
    return [c for c in _all_categories() if c not in located]


def _names_compact(names: Sequence[str], limit: int = 3, lang: str = "sv") -> str:
    shown = list(names[:limit])
    rest = len(names) - len(shown)
    if rest > 0:
        shown.append(f"+{rest} till" if lang == "sv" else f"+{rest} more")
    return ", ".join(shown)


GAP_TEXT: dict[str, dict[str, str]] = {
    "sv": {
        "unlocated_services": "Kända tjänster utan läge (ingår inte i beräkningen)",
        "no_service": "ingen lokaliserad tjänst – ingen täckning beräknad",
        "no_service_head": "Kategorier utan lokaliserad tjänst",
        "known_unlocated": "{n} känd utan läge",
        "known_unlocated_pl": "{n} kända utan läge",
        "nonprofits_no_data": "ingen data om ideella organisationer",
        "nonprofits_none_within": "inga inom {r} m (fågelväg)",
        "nonprofits_none": "inga i underlaget för platsen",
        "no_age": "Åldersgrupper: uppgifter saknas – ingen uppdelning per ålder",
        "gini_share": "Gini för täckningsandel mellan områden",
        "underestimated": "Täckningen underskattas: {n} kända tjänster saknar läge (se Om kartan)",
        "underestimated_1": "Täckningen underskattas: 1 känd tjänst saknar läge (se Om kartan)",
    },
    "en": {
        "unlocated_services": "Known services without a location (not included)",
        "no_service": "no located service – no coverage computed",
        "no_service_head": "Categories without a located service",
        "known_unlocated": "{n} known without a location",
        "known_unlocated_pl": "{n} known without a location",
        "nonprofits_no_data": "no data on non-profit organisations",
        "nonprofits_none_within": "none within {r} m (straight line)",
        "nonprofits_none": "none listed for this site",
        "no_age": "Age groups: no data – no breakdown by age",
        "gini_share": "Gini of the coverage share between areas",
        "underestimated": "Coverage is underestimated: {n} known services have no location "
        "(see About this map)",
        "underestimated_1": "Coverage is underestimated: 1 known service has no location "
        "(see About this map)",
    },
}


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
    """The siting result's own wording for a site's non-profits
    (``per_site["nonprofits_label_sv"]``, or ``nonprofits_label_en`` in English), if any.
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
    """What to say when no non-profit is listed for a site, without claiming an absence the
    data cannot support: the siting result's label when given, "ingen data om ideella
    organisationer" when there is no non-profit data, else "inga inom 500 m" (city data) /
    "inga i underlaget för platsen" (the siting result's table).
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
    """``(before, after, change)`` of the population-weighted Gini of the covered share
    between areas when one site is added (``per_site`` columns
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
        vals.append(_finite_or_none(r[key]) if key else None)  # type: ignore[arg-type]
    b, a, d = vals
    if d is None and b is not None and a is not None:
        d = a - b
    if b is None or a is None or d is None:
        return None
    return float(b), float(a), float(d)


# --------------------------------------------------------------------------------------
# Offline assets
# --------------------------------------------------------------------------------------


def _xstatic_dir(module: str) -> Path:
    import importlib

    try:
        mod = importlib.import_module(f"xstatic.pkg.{module}")
    except ImportError as exc:  # pragma: no cover - declared dependency
        raise OutputError(
            f"The package xstatic-{module.replace('_', '-')} is needed for offline maps.",
            fix=f"pip install xstatic-{module.replace('_', '-')}, or use offline=False.",
        ) from exc
    return Path(mod.BASE_DIR)


def _data_uri(path: Path, mime: str) -> str:
    return f"data:{mime};base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def _strip_sourcemap(text: str) -> str:
    return re.sub(r"\n?//# sourceMappingURL=\S+\s*$", "\n", text.rstrip()) + "\n"


@functools.cache
def offline_asset(name: str) -> str:
    """Inline ``<script>``/``<style>`` HTML for one bundled asset.

    ``name`` is one of ``leaflet_js, leaflet_css, jquery_js, fontawesome_css,
    markercluster_js, markercluster_css, markercluster_default_css``.
    """
    if name == "leaflet_js":
        d = _xstatic_dir("leaflet")
        return f"<script>{_strip_sourcemap((d / 'leaflet.js').read_text('utf-8'))}</script>"
    if name == "leaflet_css":
        d = _xstatic_dir("leaflet")
        css = (d / "leaflet.css").read_text("utf-8")
        css = re.sub(
            r"url\((images/[^)]+\.png)\)",
            lambda m: f"url({_data_uri(d / m.group(1), 'image/png')})",
            css,
        )
        return f"<style>{css}</style>"
    if name == "jquery_js":
        d = _xstatic_dir("jquery")
        return f"<script>{_strip_sourcemap((d / 'jquery.min.js').read_text('utf-8'))}</script>"
    if name == "fontawesome_css":
        d = _xstatic_dir("font_awesome")
        css = (d / "css" / "all.min.css").read_text("utf-8")
        solid = _data_uri(d / "webfonts" / "fa-solid-900.woff2", "font/woff2")

        def face(m: re.Match[str]) -> str:
            block = m.group(0)
            # keep only the solid face of Font Awesome 6 Free, with the font inlined
            if '"Font Awesome 6 Free"' in block and "font-weight:900" in block:
                return re.sub(r"src:[^;}]+", f'src:url({solid}) format("woff2")', block)
            return ""

        css = re.sub(r"@font-face\{[^}]*\}", face, css)
        return f"<style>{css}</style>"
    if name == "markercluster_js":
        d = _xstatic_dir("leaflet_markercluster")
        js = _strip_sourcemap((d / "leaflet.markercluster.js").read_text("utf-8"))
        return f"<script>{js}</script>"
    if name in ("markercluster_css", "markercluster_default_css"):
        d = _xstatic_dir("leaflet_markercluster")
        fname = "MarkerCluster.css" if name == "markercluster_css" else "MarkerCluster.Default.css"
        return f"<style>{(d / fname).read_text('utf-8')}</style>"
    raise KeyError(name)


#: How CDN links that folium (or its plugins) may add are handled offline: an asset name
#: to inline, or ``None`` to drop the link (the library is not used by our maps).
_CDN_RULES: tuple[tuple[str, str | None], ...] = (
    (r"leaflet\.markercluster[^/]*\.js$", "markercluster_js"),
    (r"MarkerCluster\.Default\.css$", "markercluster_default_css"),
    (r"MarkerCluster\.css$", "markercluster_css"),
    (r"awesome-markers|awesome\.rotate", None),
    (r"bootstrap", None),
    (r"/leaflet(@[0-9.]+)?/dist/leaflet\.js$|/leaflet\.js$", "leaflet_js"),
    (r"/leaflet(@[0-9.]+)?/dist/leaflet\.css$|/leaflet\.css$", "leaflet_css"),
    (r"jquery[-.0-9]*(\.min)?\.js$", "jquery_js"),
    (r"fontawesome|font-awesome", "fontawesome_css"),
)

_EXTERNAL_TAG = re.compile(
    r"<script\b[^>]*\bsrc\s*=\s*[\"'](?P<js>(?:https?:)?//[^\"']+)[\"'][^>]*>\s*</script>"
    r"|<link\b[^>]*\bhref\s*=\s*[\"'](?P<css>(?:https?:)?//[^\"']+)[\"'][^>]*/?>",
    re.IGNORECASE,
)


def _js_json(obj: Any) -> str:
    """JSON for embedding in a ``<script>``: UTF-8 kept readable, ``<``, ``>``, ``&`` and the
    JS line separators escaped so that no text can close the script element.
    """
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(ch, esc)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


class _Raw(Element):
    """An element that renders a fixed string verbatim (no Jinja parsing of its content)."""

    _template = Template("{{ this.raw }}")

    def __init__(self, raw: str) -> None:
        super().__init__()
        self._name = "Raw"
        self.raw = raw


def _inline_external(page: str) -> str:
    """Replace known CDN ``<script src>``/``<link href>`` tags by inlined assets.

    Raises
    ------
    OutputError
        If an external script or stylesheet is not one we can inline or safely drop.
    """
    seen: set[str] = set(re.findall(r"<!--proximity-asset:(\w+)-->", page))

    def repl(m: re.Match[str]) -> str:
        url = m.group("js") or m.group("css")
        for pattern, asset in _CDN_RULES:
            if re.search(pattern, url, re.IGNORECASE):
                if asset is None or asset in seen:
                    return ""
                seen.add(asset)
                return f"<!--proximity-asset:{asset}-->" + offline_asset(asset)
        raise OutputError(
            f"The map needs an external asset that cannot be bundled offline: {url}",
            fix="Remove the plugin that needs it, or build the map with offline=False.",
        )

    return _EXTERNAL_TAG.sub(repl, page)


def external_asset_urls(page: str) -> list[str]:
    """URLs of external ``<script src>`` and stylesheet ``<link href>`` tags in a page."""
    return [m.group("js") or m.group("css") for m in _EXTERNAL_TAG.finditer(page)]


# --------------------------------------------------------------------------------------
# Map elements
# --------------------------------------------------------------------------------------


class _GeoJsonFeatures(MacroElement):
    """Adds a GeoJSON FeatureCollection to the parent layer with per-feature style,
    ``L.divIcon`` markers (``properties._icon``), circle markers and popups.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var data = {{ this.data_json }};
            L.geoJSON(data, {
                style: function (f) { return f.properties._style || {}; },
                pointToLayer: function (f, latlng) {
                    var p = f.properties;
                    if (p._icon) {
                        return L.marker(latlng, {icon: L.divIcon(p._icon),
                            title: p._title || "", alt: p._title || "",
                            riseOnHover: true, zIndexOffset: p._z || 0});
                    }
                    return L.circleMarker(latlng, p._style || {});
                },
                onEachFeature: function (f, layer) {
                    if (f.properties._popup) {
                        layer.bindPopup(f.properties._popup, {maxWidth: 300});
                    }
                    if (f.properties._tooltip) {
                        layer.bindTooltip(f.properties._tooltip, {sticky: true});
                    }
                }
            }).addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
        """
    )

    def __init__(self, data: dict[str, Any]) -> None:
        super().__init__()
        self._name = "GeoJsonFeatures"
        self.data = data
        self.data_json = _js_json(data)


class _Control(MacroElement):
    """A Leaflet control holding fixed HTML (legend, info box, title)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var ctl = L.control({position: {{ this.position|tojson }}});
            ctl.onAdd = function () {
                var div = L.DomUtil.create("div", {{ this.css_class|tojson }});
                div.id = {{ this.element_id|tojson }};
                div.innerHTML = {{ this.html_json }};
                L.DomEvent.disableClickPropagation(div);
                L.DomEvent.disableScrollPropagation(div);
                if (window.innerWidth < 640) {
                    var d = div.querySelector("details[data-collapse-narrow]");
                    if (d) { d.open = false; }
                }
                return div;
            };
            ctl.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
        """
    )

    def __init__(self, html_text: str, *, element_id: str, position: str, css_class: str):
        super().__init__()
        self._name = "Control"
        self.html = html_text
        self.html_json = _js_json(html_text)
        self.element_id = element_id
        self.position = position
        self.css_class = css_class


class _MapScript(MacroElement):
    """Free JavaScript run after the map exists (``map`` is bound to the Leaflet map)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (map) {
        {{ this.js }}
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, js: str) -> None:
        super().__init__()
        self._name = "MapScript"
        self.js = js


_CSS = """
<style>
.leaflet-container { background: #f4f2ee; font-family: system-ui, -apple-system, "Segoe UI",
  Roboto, Arial, sans-serif; }
.px-box { background: rgba(255,255,255,0.95); padding: 6px 10px; border-radius: 6px;
  box-shadow: 0 1px 4px rgba(0,0,0,0.35); font-size: 14px; line-height: 1.35;
  max-width: min(340px, 70vw); max-height: 55vh; overflow-y: auto; color: #222; }
.px-box summary { cursor: pointer; font-weight: 600; }
.px-box ul { margin: 4px 0; padding-left: 18px; }
.px-title { font-size: 15px; font-weight: 600; max-width: min(520px, 75vw); }
.px-legend-row { display: flex; align-items: center; gap: 6px; margin: 2px 0; }
.px-swatch { width: 18px; height: 14px; border: 1px solid #777; flex: none; }
.px-flag { color: #8a1c00; background: #fff1e6; border-left: 4px solid #d94801;
  padding: 3px 6px; margin: 4px 0; font-weight: 600; }
.px-pin { width: 26px; height: 26px; border-radius: 50%; border: 2px solid #fff;
  box-shadow: 0 1px 3px rgba(0,0,0,0.5); color: #fff; display: flex;
  align-items: center; justify-content: center; font-size: 13px; box-sizing: border-box; }
.px-site-pin { width: 34px; height: 34px; border-radius: 50% 50% 50% 0; transform: rotate(-45deg);
  background: #c51b7d; border: 3px solid #fff; box-shadow: 0 1px 4px rgba(0,0,0,0.6);
  display: flex; align-items: center; justify-content: center; box-sizing: border-box; }
.px-site-pin span { transform: rotate(45deg); color: #fff; font-weight: 700; font-size: 15px; }
.px-office-pin { border-radius: 4px; }
.px-popup table { border-collapse: collapse; font-size: 13px; }
.px-popup td, .px-popup th { padding: 1px 6px 1px 0; text-align: left; vertical-align: top; }
.px-popup td.num { text-align: right; }
.px-popup h4 { margin: 0 0 4px 0; font-size: 14px; }
.leaflet-div-icon.px-marker { background: transparent; border: none; }
@media (max-width: 640px) {
  .leaflet-control-attribution { font-size: 10px; max-width: 50vw; }
  .px-box { font-size: 13px; max-width: 80vw; max-height: 45vh; }
  .px-title { font-size: 13px; }
}
</style>
"""


def _pin_html(icon: str, colour: str, extra_class: str = "") -> str:
    return (
        f'<div class="px-pin {extra_class}" style="background:{colour}">'
        f'<i class="fa-solid fa-{icon}" aria-hidden="true"></i></div>'
    )


def _popup_table(title: str, rows: Sequence[tuple[str, str]], extra: str = "") -> str:
    body = "".join(
        f"<tr><th>{html.escape(k)}</th><td class='num'>{html.escape(v)}</td></tr>" for k, v in rows
    )
    return f"<div class='px-popup'><h4>{html.escape(title)}</h4><table>{body}</table>{extra}</div>"


def _share_colour(share: float | None) -> str:
    if share is None or not np.isfinite(share):
        return NO_DATA_COLOUR
    for i in range(len(SHARE_COLOURS)):
        if share < SHARE_BREAKS[i + 1] or i == len(SHARE_COLOURS) - 1:
            return SHARE_COLOURS[i]
    return SHARE_COLOURS[-1]  # pragma: no cover


def _feature(geom: Any, props: dict[str, Any]) -> dict[str, Any]:
    from shapely.geometry import mapping

    return {"type": "Feature", "geometry": mapping(geom), "properties": props}


def _collection(features: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": features}


class ProximityMap(folium.Map):
    """A :class:`folium.Map` that remembers whether it is meant to work offline.

    Attributes
    ----------
    offline
        Whether assets are inlined (see :func:`render_html`).
    counts
        Number of features per layer kind (``areas, services, offices, sites, residents,
        isochrones``), for tests and QA.
    """

    offline: bool
    lang: str
    counts: dict[str, int]


def make_map(
    city: Any,
    access: Any,
    *,
    siting: Any = None,
    category: str,
    threshold_min: float,
    profile: str = "adult",
    baseline: Any = None,
    offline: bool = True,
    lang: str = "sv",
    show_residents: bool = False,
    isochrones: Any = None,
    candidates: Any = None,
    tiles: bool = True,
    cluster_services: bool = False,
    service_categories: Iterable[str] | None = None,
    all_services: bool = False,
    title: str | None = None,
) -> ProximityMap:
    """Build the coverage map of one category, threshold and walking profile.

    Parameters
    ----------
    city
        A ``City`` (duck-typed; see the module docstring for the attributes used).
    access
        An ``Access``; its ``areas`` table must hold rows for ``category``, ``profile`` and
        ``threshold_min``.
    siting
        Optional ``SitingResult``; its chosen sites are drawn numbered by rank.
    category, threshold_min, profile
        Which coverage to colour the areas by.
    baseline
        Optional ``Access`` of a baseline scenario; popups then show the change of covered
        share and covered residents.
    offline
        Inline all JS/CSS so that the page works without internet (default). ``False``
        keeps folium's CDN links (smaller file).
    lang
        ``"sv"`` (default) or ``"en"``.
    show_residents
        Add a layer of residents without access (demand points outside the threshold, as
        circle markers sized by population; needs ``access.points`` with ``minutes`` or
        falls back to all demand points).
    isochrones
        Reached network / isochrone geometries for display: a GeoDataFrame with a
        ``category`` column, or a mapping ``category -> GeoDataFrame | GeoSeries | geometry``
        (CRS: their own, else the city's).
    candidates
        Optional GeoDataFrame of candidate sites (id column ``site_id``/``candidate_id``/
        ``id``) used to locate chosen sites when ``siting.per_site`` has no coordinates.
    tiles
        Add the OpenStreetMap tile layer (hidden gracefully when offline).
    cluster_services
        Cluster service markers (Leaflet.markercluster, inlined offline) for large cities.
    service_categories
        Service categories to draw (default: all in ``city.services``). Each is its own
        switchable layer.
    all_services
        Show every service layer at start; by default only ``category`` and the existing
        district offices are switched on (the others are in the layer control).
    title
        Title shown on the map (default: city name and the measure).

    Returns
    -------
    ProximityMap
        A ``folium.Map`` subclass; write it with :func:`save_map`.

    Raises
    ------
    ParameterError
        Unknown category, profile or threshold (the message lists the available ones),
        an empty result, or an unknown language.
    """
    lang = _check_lang(lang)
    proxy = is_population_proxy(access, city)
    tx = unit_text(lang, proxy)  # floor-area wording when the population is a proxy
    rows, _total = select_coverage(
        access, category=category, threshold_min=threshold_min, profile=profile
    )
    t_text = _threshold_text(threshold_min)
    measure = tx["share_title"].format(t=t_text)
    cat_label = category_label(category, lang)
    measure_full = f"{measure} {tx['to']} {cat_label.lower()} ({tx['profile']}: {profile_label(profile, lang)})"

    base_rows = None
    if baseline is not None:
        base_rows, _ = select_coverage(
            baseline, category=category, threshold_min=threshold_min, profile=profile
        )
        base_rows = base_rows.set_index("area_id")

    crs = getattr(city, "crs", None)
    areas = area_geometries(city, access)
    if areas is None or len(areas) == 0:
        raise ParameterError(
            "The city has no areas to draw.", fix="Load a city with an areas layer."
        )
    areas_ll = _to_wgs84(areas, crs)
    if areas_ll.crs is None:
        raise ParameterError(
            "The city's areas have no CRS.", fix="Set city.crs or areas.crs (e.g. EPSG:3006)."
        )
    areas_ll = areas_ll.assign(area_id=areas_ll["area_id"].astype(str))

    area_names = {
        str(a): str(n)
        for a, n in zip(areas_ll["area_id"], areas_ll.get("name", areas_ll["area_id"]), strict=True)
    }
    minx, miny, maxx, maxy = areas_ll.total_bounds
    m = ProximityMap(
        location=[(miny + maxy) / 2.0, (minx + maxx) / 2.0],
        zoom_start=12,
        tiles=None,
        control_scale=False,
        prefer_canvas=False,
    )
    m.offline = offline
    m.lang = lang
    m.counts = {}
    fig = m.get_root()
    assert isinstance(fig, Figure)
    page_title = title or f"{getattr(city, 'name', '') or ''}: {measure_full}".strip(": ")
    fig.header.add_child(_Raw(f"<title>{html.escape(page_title)}</title>"), name="px_title")
    if offline:
        m.default_js = []
        m.default_css = []
        for asset in ("leaflet_css", "fontawesome_css", "leaflet_js", "jquery_js"):
            fig.header.add_child(
                _Raw(f"<!--proximity-asset:{asset}-->" + offline_asset(asset)),
                name=f"px_{asset}",
            )
    fig.header.add_child(_Raw(_CSS), name="px_css")

    # ---- base layers ------------------------------------------------------------------
    if tiles:
        folium.TileLayer(
            tiles=OSM_TILES,
            attr=OSM_ATTRIBUTION[lang],
            name=tx["tiles"],
            max_zoom=19,
            overlay=False,
            control=True,
        ).add_to(m)
    folium.FeatureGroup(name=tx["no_tiles"], overlay=False, control=True, show=not tiles).add_to(m)
    if not tiles:
        m.add_child(
            _MapScript(
                f"map.attributionControl.addAttribution({json.dumps(OSM_ATTRIBUTION[lang])});"
            )
        )

    # ---- areas choropleth -------------------------------------------------------------
    by_area = rows.set_index("area_id")
    effect = siting_area_effect(siting) if siting is not None else None
    effect_label = tx["with_sites"].format(
        c=category_label(str(getattr(siting, "category", "district_office")), lang).lower(),
        t=_threshold_text(getattr(siting, "threshold_min", threshold_min)),
    )
    feats = []
    for _, a in areas_ll.iterrows():
        aid = a["area_id"]
        name = str(a.get("name", aid))
        if aid in by_area.index:
            r = by_area.loc[aid]
            pop = float(r["population"])
            cov = float(r["covered"])
            share = _finite_or_none(r.get("covered_share"))
            mean = _finite_or_none(r.get("mean_min"))
            prow = [
                (tx["population"], fmt_int(pop, lang)),
                (tx["covered"], fmt_int(cov, lang)),
                (tx["uncovered"], fmt_int(pop - cov, lang)),
                (tx["share"], fmt_pct(share, 1, lang) if share is not None else tx["no_data"]),
                (tx["mean_min"], fmt_num(mean, 1, lang) if mean is not None else "–"),
            ]
            if proxy:  # floor area is a relative weight: the share is the main figure
                prow.insert(0, prow.pop(3))
            if base_rows is not None and aid in base_rows.index:
                b = base_rows.loc[aid]
                bshare = _finite_or_none(b.get("covered_share"))
                if share is not None and bshare is not None:
                    d = 100.0 * (share - bshare)
                    sign = "+" if d > 0 else ""
                    prow.append((tx["change"], f"{sign}{fmt_num(d, 1, lang)} {tx['pp']}"))
                dcov = cov - float(b["covered"])
                sign = "+" if dcov > 0 else ""
                prow.append((tx["change"], f"{sign}{fmt_int(dcov, lang)} {tx['people']}"))
        else:
            share = None
            prow = [(tx["share"], tx["no_data"])]
        if effect is not None and aid in effect.index:
            e = effect.loc[aid]
            b, f = _finite_or_none(e["share_before"]), _finite_or_none(e["share_after"])
            if b is not None and f is not None:
                prow.append((effect_label, f"{fmt_pct(b, 1, lang)} → {fmt_pct(f, 1, lang)}"))
        quality = a.get("boundary_quality")
        if quality is not None and not (isinstance(quality, float) and math.isnan(quality)):
            prow.append((tx["quality"], quality_label(quality, lang)))
        feats.append(
            _feature(
                a.geometry,
                {
                    "area_id": aid,
                    "_style": {
                        "fillColor": _share_colour(share),
                        "color": "#444444",
                        "weight": 1.5,
                        "fillOpacity": 0.6,
                        "className": "px-area",
                    },
                    "_popup": _popup_table(f"{name}", prow),
                    "_tooltip": f"{name}: {fmt_pct(share, 0, lang) if share is not None else tx['no_data']}",
                },
            )
        )
    area_layer = folium.FeatureGroup(name=f"{measure} – {cat_label}", overlay=True, show=True)
    area_layer.add_child(_GeoJsonFeatures(_collection(feats)))
    area_layer.add_to(m)
    m.counts["areas"] = len(feats)

    # ---- isochrones / reached network ------------------------------------------------
    n_iso = 0
    for cat, geoms in _iter_isochrones(isochrones, crs, float(threshold_min)):
        icon, colour = CATEGORY_STYLE.get(cat, _DEFAULT_STYLE)
        ifeats = [
            _feature(
                g,
                {
                    "_style": {
                        "color": colour,
                        "weight": 2,
                        "fillColor": colour,
                        "fillOpacity": 0.15,
                        "className": "px-isochrone",
                    },
                    "_tooltip": f"{category_label(cat, lang)}: {tx['reached'].format(t=t_text)}",
                },
            )
            for g in geoms
            if g is not None and not g.is_empty
        ]
        if not ifeats:
            continue
        layer = folium.FeatureGroup(
            name=f"{tx['reached'].format(t=t_text)}: {category_label(cat, lang)}",
            show=cat == category,
        )
        layer.add_child(_GeoJsonFeatures(_collection(ifeats)))
        layer.add_to(m)
        n_iso += len(ifeats)
    m.counts["isochrones"] = n_iso

    # ---- residents -------------------------------------------------------------------
    m.counts["residents"] = 0
    if show_residents:
        res = _resident_points(city, access, category, profile, float(threshold_min))
        if res is not None and len(res):
            rfeats = []
            for _, p in res.iterrows():
                pop = float(p["population"])
                rfeats.append(
                    _feature(
                        p.geometry,
                        {
                            "_style": {
                                "radius": float(min(12.0, 2.0 + math.sqrt(max(pop, 0.0)) / 2.0)),
                                "color": "#7f2704",
                                "weight": 1,
                                "fillColor": "#f16913",
                                "fillOpacity": 0.6,
                                "className": "px-resident",
                            },
                            "_tooltip": f"{fmt_int(pop, lang)} {tx['people']}",
                        },
                    )
                )
            layer = folium.FeatureGroup(name=tx["residents"], show=True)
            layer.add_child(_GeoJsonFeatures(_collection(rfeats)))
            layer.add_to(m)
            m.counts["residents"] = len(rfeats)

    # ---- services --------------------------------------------------------------------
    services = getattr(city, "services", None)
    n_services = 0
    n_visible = 0
    n_offices = 0
    used_categories: list[str] = []
    if services is not None and len(services):
        sv_ll = _to_wgs84(services, crs)
        cats = sorted(pd.Series(sv_ll["category"]).astype(str).unique().tolist())
        if service_categories is not None:
            wanted = set(service_categories)
            cats = [c for c in cats if c in wanted]
        cats = [c for c in cats if c != "district_office"] + (
            ["district_office"] if "district_office" in cats else []
        )
        for cat in cats:
            sub = sv_ll.loc[sv_ll["category"].astype(str) == cat]
            sub = sub.sort_values("service_id", kind="stable") if "service_id" in sub else sub
            icon, colour = CATEGORY_STYLE.get(cat, _DEFAULT_STYLE)
            office = cat == "district_office"
            kind_class = "px-office" if office else "px-service"
            sfeats = []
            for _, s in sub.iterrows():
                g = s.geometry
                if g is None or g.is_empty:
                    continue
                if g.geom_type != "Point":
                    g = g.representative_point()
                name = str(s.get("name", s.get("service_id", "")))
                prow = [(tx["category"], category_label(cat, lang))]
                for col, key in (("source", "source"), ("location_quality", "quality")):
                    v = s.get(col)
                    if v is not None and not (isinstance(v, float) and math.isnan(v)):
                        prow.append(
                            (tx[key], quality_label(v, lang) if key == "quality" else str(v))
                        )
                sfeats.append(
                    _feature(
                        g,
                        {
                            "_icon": {
                                "className": f"px-marker {kind_class} px-cat-{cat}",
                                "html": _pin_html(icon, colour, "px-office-pin" if office else ""),
                                "iconSize": [26, 26],
                                "iconAnchor": [13, 13],
                                "popupAnchor": [0, -13],
                            },
                            "_title": name,
                            "_popup": _popup_table(name, prow),
                            "_z": 200 if office else 0,
                        },
                    )
                )
            if not sfeats:
                continue
            used_categories.append(cat)
            lname = tx["offices"] if office else f"{tx['services']}: {category_label(cat, lang)}"
            visible = office or cat == category or all_services
            layer = folium.FeatureGroup(name=lname, show=visible)
            target: Any = layer
            if cluster_services and not office:
                from folium.plugins import MarkerCluster

                target = MarkerCluster(control=False, options={"maxClusterRadius": 40})
                if offline:
                    target.default_js = []
                    target.default_css = []
                    for asset in (
                        "markercluster_css",
                        "markercluster_default_css",
                        "markercluster_js",
                    ):
                        fig.header.add_child(
                            _Raw(f"<!--proximity-asset:{asset}-->" + offline_asset(asset)),
                            name=f"px_{asset}",
                        )
                layer.add_child(target)
            target.add_child(_GeoJsonFeatures(_collection(sfeats)))
            layer.add_to(m)
            if office:
                n_offices += len(sfeats)
            else:
                n_services += len(sfeats)
                n_visible += len(sfeats) if visible else 0
    m.counts["services"] = n_services
    m.counts["services_visible"] = n_visible
    m.counts["offices"] = n_offices

    # ---- proposed sites --------------------------------------------------------------
    m.counts["sites"] = 0
    if siting is not None and len(list(getattr(siting, "chosen", []) or [])):
        table = site_table(siting, city, candidates)
        located = table.dropna(subset=["lon", "lat"])
        if len(located) < len(table):
            missing = table.loc[table["lon"].isna(), "site_id"].tolist()
            raise ParameterError(
                f"Cannot locate proposed sites: {', '.join(missing)}.",
                fix="Pass candidates= (a GeoDataFrame with the candidate ids and geometry) or "
                "a SitingResult whose per_site table has coordinates.",
            )
        site_label, sites_name = site_labels(siting, lang)
        unit = tx["site_cover"] if str(getattr(siting, "model", "mclp")) == "mclp" else tx["gain"]
        from shapely.geometry import Point

        sfeats = []
        for _, s in table.iterrows():
            n = int(s["rank"])
            label = site_label.format(n=n)
            prow = [(tx["rank"], str(n)), (unit, fmt_int(s["marginal_gain"], lang))]
            if s["area_id"]:
                prow.append((tx["area"], area_names.get(str(s["area_id"]), str(s["area_id"]))))
            impact = [(area_names.get(a, a), v) for a, v in site_area_impact(siting, s["site_id"])]
            orgs = site_nonprofits(siting, city, s["site_id"], (s["lon"], s["lat"]))
            extra = ""
            if impact:
                extra += (
                    f"<b>{html.escape(tx['impact'])}</b><ul>"
                    + "".join(
                        f"<li>{html.escape(a)}: +{fmt_int(v, lang)}{tx['count_suffix']}</li>"
                        for a, v in impact
                    )
                    + "</ul>"
                )
            gini = site_gini(siting, s["site_id"])
            if gini is not None:
                gb, ga, gd = gini
                extra += (
                    f"<div class='px-gini-share'><b>{html.escape(GAP_TEXT[lang]['gini_share'])}"
                    f"</b>: {fmt_num(gb, 3, lang)} → {fmt_num(ga, 3, lang)} "
                    f"({'+' if gd > 0 else ''}{fmt_num(gd, 3, lang)})</div>"
                )
            np_label = site_nonprofit_label(siting, city, s["site_id"], lang)
            extra += f"<b>{html.escape(tx['nonprofits'])}</b>"
            if orgs and np_label:
                extra += f": {html.escape(np_label)}"
            if orgs:
                extra += (
                    "<ul>"
                    + "".join(
                        f"<li>{html.escape(nm)}"
                        + (f" ({html.escape(kind)})" if kind else "")
                        + (f", {fmt_int(d, lang)} m" if d is not None else "")
                        + "</li>"
                        for nm, kind, d in orgs
                    )
                    + "</ul>"
                )
            else:
                absent = nonprofit_absence_text(siting, city, s["site_id"], lang)
                extra += f": <span class='px-nonprofits-absent'>{html.escape(absent)}</span>"
            sfeats.append(
                _feature(
                    Point(float(s["lon"]), float(s["lat"])),
                    {
                        "_icon": {
                            "className": "px-marker px-site",
                            "html": f'<div class="px-site-pin"><span>{n}</span></div>',
                            "iconSize": [34, 34],
                            "iconAnchor": [17, 34],
                            "popupAnchor": [0, -30],
                        },
                        "_title": label,
                        "_popup": _popup_table(label, prow, extra),
                        "_z": 1000 - n,
                    },
                )
            )
        layer = folium.FeatureGroup(name=sites_name, show=True)
        layer.add_child(_GeoJsonFeatures(_collection(sfeats)))
        layer.add_to(m)
        m.counts["sites"] = len(sfeats)

    # ---- controls --------------------------------------------------------------------
    lc = folium.LayerControl(collapsed=True, position="topright")
    lc.add_to(m)
    m.add_child(
        _MapScript(
            f"if (window.innerWidth >= 900) {{ {lc.get_name()}.expand(); }}\n"
            "if (window.innerWidth < 640) { map.attributionControl.setPrefix(false); }\n"
            "if (window.innerWidth >= 640) {"
            " L.control.scale({imperial: false, position: 'bottomleft'}).addTo(map); }\n"
            "map.eachLayer(function (l) { if (l instanceof L.TileLayer) {"
            " l.on('tileerror', function (e) { e.tile.style.visibility = 'hidden'; }); } });"
        )
    )
    title_html = f"<div>{html.escape(page_title)}</div>"
    if is_crowfly(access):
        title_html += (
            f"<div class='px-flag' id='px-crowfly-title'>⚠ {html.escape(tx['method'])}: "
            f"{html.escape(distance_method_text(access, lang))}</div>"
        )
    if proxy:
        title_html += (
            f"<div class='px-flag' id='px-proxy-title'>⚠ {html.escape(tx['proxy_title'])}</div>"
        )
    n_unloc = len(unlocated_services(city).get(category, []))
    if n_unloc:  # coverage of this category is underestimated: say so where it is seen
        title_html += (
            "<div class='px-flag' id='px-unlocated-title'>⚠ "
            + html.escape(
                GAP_TEXT[lang]["underestimated_1" if n_unloc == 1 else "underestimated"].format(
                    n=n_unloc
                )
            )
            + "</div>"
        )
    m.add_child(
        _Control(
            title_html,
            element_id="px-title",
            position="topleft",
            css_class="px-box px-title",
        )
    )
    m.add_child(
        _Control(
            _legend_html(
                tx,
                measure,
                cat_label,
                used_categories,
                m.counts,
                lang,
                site_labels(siting, lang)[1] if siting is not None else "",
            ),
            element_id="px-legend",
            position="bottomleft",
            css_class="px-box px-legend",
        )
    )
    m.add_child(
        _Control(
            _info_html(city, access, tx, lang, profile, category),
            element_id="px-info",
            position="bottomright",
            css_class="px-box px-info",
        )
    )
    sw = [float(miny), float(minx)]
    ne = [float(maxy), float(maxx)]
    m.fit_bounds([sw, ne])
    return m


def _iter_isochrones(
    isochrones: Any, crs: Any, threshold_min: float | None = None
) -> Iterable[tuple[str, list[Any]]]:
    """Yield ``(category, [geometries in EPSG:4326])`` from the ``isochrones`` argument."""
    import geopandas as gpd
    from shapely.geometry.base import BaseGeometry

    if isochrones is None:
        return
    if isinstance(isochrones, gpd.GeoDataFrame) and "category" in isochrones:
        g = _to_wgs84(isochrones, crs)
        if threshold_min is not None and "threshold_min" in g:
            g = g.loc[np.isclose(g["threshold_min"].to_numpy(float), float(threshold_min))]
        for cat in sorted(g["category"].astype(str).unique()):
            yield cat, list(g.loc[g["category"].astype(str) == cat].geometry)
        return
    if isinstance(isochrones, Mapping):
        for cat in sorted(isochrones):
            v = isochrones[cat]
            if isinstance(v, BaseGeometry):
                v = gpd.GeoSeries([v], crs=crs)
            g = _to_wgs84(v, crs)
            if threshold_min is not None and "threshold_min" in g:
                g = g.loc[np.isclose(g["threshold_min"].to_numpy(float), float(threshold_min))]
            yield str(cat), list(g.geometry)
        return
    raise ParameterError(
        "isochrones must be a GeoDataFrame with a 'category' column or a mapping "
        "category -> geometries.",
        fix="Pass e.g. {'library': access.isochrone_polygons(...)}.",
    )


def _resident_points(
    city: Any, access: Any, category: str, profile: str, threshold_min: float
) -> Any:
    """Demand points (EPSG:4326) without access within the threshold."""
    demand = getattr(city, "demand", None)
    if demand is None or len(demand) == 0:
        return None
    crs = getattr(city, "crs", None)
    d = _to_wgs84(demand, crs)
    d = d.assign(demand_id=d["demand_id"].astype(str))
    points = getattr(access, "points", None)
    if points is not None and len(points) and "minutes" in points:
        p = pd.DataFrame(points)
        p = p.loc[(p["category"] == category) & (p["profile"] == profile)]
        minutes = pd.to_numeric(p["minutes"], errors="coerce").fillna(np.inf)
        covered_ids = set(p.loc[minutes <= threshold_min, "demand_id"].astype(str))
        d = d.loc[~d["demand_id"].isin(covered_ids)]
    d = d.loc[pd.to_numeric(d["population"], errors="coerce").fillna(0) > 0]
    return d.sort_values("demand_id", kind="stable")


def _legend_html(
    tx: Mapping[str, str],
    measure: str,
    cat_label: str,
    used_categories: Sequence[str],
    counts: Mapping[str, int],
    lang: str,
    sites_name: str = "",
) -> str:
    rows = [f"<div><b>{html.escape(measure)}</b><br>{html.escape(cat_label)}</div>"]
    for i, colour in enumerate(SHARE_COLOURS):
        lo = fmt_num(100 * SHARE_BREAKS[i], 0, lang)
        hi = fmt_num(100 * SHARE_BREAKS[i + 1], 0, lang)
        rng = f"{lo}–{hi}\u00a0%" if i < len(SHARE_COLOURS) - 1 else f"≥\u00a0{lo}\u00a0%"
        rows.append(
            f"<div class='px-legend-row'><span class='px-swatch' style='background:{colour}'>"
            f"</span>{rng}</div>"
        )
    rows.append(
        f"<div class='px-legend-row'><span class='px-swatch' style='background:{NO_DATA_COLOUR}'>"
        f"</span>{html.escape(tx['no_data'])}</div>"
    )
    for cat in used_categories:
        icon, colour = CATEGORY_STYLE.get(cat, _DEFAULT_STYLE)
        label = tx["offices"] if cat == "district_office" else category_label(cat, lang)
        rows.append(
            "<div class='px-legend-row'>"
            + _pin_html(icon, colour, "px-office-pin" if cat == "district_office" else "")
            + f"{html.escape(label)}</div>"
        )
    if counts.get("sites"):
        rows.append(
            "<div class='px-legend-row'><div class='px-site-pin' style='width:24px;height:24px'>"
            f"<span style='font-size:11px'>1</span></div>{html.escape(sites_name)}</div>"
        )
    if counts.get("residents"):
        rows.append(
            "<div class='px-legend-row'><span class='px-swatch' style='background:#f16913;"
            f"border-radius:50%;width:14px'></span>{html.escape(tx['residents'])}</div>"
        )
    return (
        f"<details open data-collapse-narrow><summary>{html.escape(tx['legend'])}</summary>"
        + "".join(rows)
        + "</details>"
    )


def _gaps_html(city: Any, lang: str, category: str | None = None) -> list[str]:
    """Info-box items on missing services: known but unlocated services per category and
    categories without any located service (``#px-unlocated-services``,
    ``#px-no-service``). The line of the map's own ``category`` comes first, in bold.
    """
    gt = GAP_TEXT[lang]
    unloc = unlocated_services(city)
    missing = categories_without_service(city)
    out = []
    rows = []
    for cat, names in sorted(unloc.items(), key=lambda kv: kv[0] != category):
        if cat in missing:
            continue
        full = ", ".join(names)
        text = html.escape(
            f"{category_label(cat, lang)}: {len(names)} ({_names_compact(names, 2, lang)})"
        )
        if cat == category:
            text = f"<b class='px-unlocated-current'>{text}</b>"
        rows.append(f"<li title='{html.escape(full, quote=True)}'>{text}</li>")
    if rows:
        out.append(
            f"<li id='px-unlocated-services'>{html.escape(gt['unlocated_services'])}:"
            f"<ul>{''.join(rows)}</ul></li>"
        )
    if missing:
        rows = []
        for cat in missing:
            names = unloc.get(cat, [])
            line = f"{category_label(cat, lang)}: {gt['no_service']}"
            if names:
                key = "known_unlocated" if len(names) == 1 else "known_unlocated_pl"
                line += f" ({gt[key].format(n=len(names))}: {_names_compact(names, 2, lang)})"
            rows.append(f"<li>{html.escape(line)}</li>")
        out.append(
            f"<li id='px-no-service'><span class='px-flag'>⚠ {html.escape(gt['no_service_head'])}"
            f"</span><ul>{''.join(rows)}</ul></li>"
        )
    return out


def _info_html(
    city: Any,
    access: Any,
    tx: Mapping[str, str],
    lang: str,
    profile: str,
    category: str | None = None,
) -> str:
    dates = data_dates(city, access)
    items = []
    line = f"{tx['data_date']}: {dates['date']} ({tx['computed']})"
    if "population_year" in dates:
        line += f"; {tx['population_year']}: {dates['population_year']}"
    if "osm_date" in dates:
        line += f"; {tx['osm_date']}: {dates['osm_date']}"
    items.append(f"<li>{html.escape(line)}</li>")
    method = distance_method_text(access, lang)
    if is_crowfly(access):
        items.append(
            f"<li><div class='px-flag' id='px-crowfly-flag'>⚠ {html.escape(tx['method'])}: "
            f"{html.escape(method)}. {html.escape(tx['crowfly_warn'])}</div></li>"
        )
    else:
        items.append(f"<li>{html.escape(tx['method'])}: {html.escape(method)}</li>")
    if "proxy_flag" in tx:  # the population is residential floor area, not persons
        items.append(
            f"<li><div class='px-flag' id='px-population-proxy-flag'>⚠ "
            f"{html.escape(tx['proxy_flag'])}</div></li>"
        )
    items.append(
        f"<li>{html.escape(tx['profile'].capitalize())}: {html.escape(profile_label(profile, lang))}</li>"
    )
    approx = []
    na, nt, counts = quality_counts(getattr(city, "areas", None), "boundary_quality")
    if nt and counts:
        text = tx["approx_areas"].format(n=na, m=nt)
        detail = quality_detail_html(counts, lang)
        cls = " class='px-flag' id='px-approx-areas-flag'" if na else ""
        approx.append(
            f"<li><span{cls}>{'⚠ ' if na else ''}{html.escape(text)}</span> ({detail})</li>"
        )
    na, nt, counts = quality_counts(getattr(city, "services", None), "location_quality")
    if nt and counts:
        text = tx["approx_services"].format(n=na, m=nt)
        detail = quality_detail_html(counts, lang)
        cls = " class='px-flag' id='px-approx-services-flag'" if na else ""
        approx.append(
            f"<li><span{cls}>{'⚠ ' if na else ''}{html.escape(text)}</span> ({detail})</li>"
        )
    na, nt, counts = quality_counts(getattr(city, "demand", None), "location_quality")
    if nt and counts:
        text = tx["approx_demand"].format(n=na, m=nt)
        detail = quality_detail_html(counts, lang)
        cls = " class='px-flag' id='px-approx-demand-flag'" if na else ""
        approx.append(
            f"<li><span{cls}>{'⚠ ' if na else ''}{html.escape(text)}</span> ({detail})</li>"
        )
    unlocated = getattr(city, "unlocated", None)
    if unlocated is not None and len(unlocated) and "population" in unlocated:
        n_unloc = float(pd.to_numeric(unlocated["population"], errors="coerce").sum())
        if n_unloc > 0:
            txt = tx["unlocated"].format(n=fmt_int(n_unloc, lang))
            approx.append(f"<li>{html.escape(txt)}</li>")
    if not approx:
        approx.append(f"<li>{html.escape(tx['approx_none'])}</li>")
    items.append(f"<li>{html.escape(tx['approx'])}:<ul>{''.join(approx)}</ul></li>")
    items.extend(_gaps_html(city, lang, category))
    items.append(f"<li>{html.escape(OSM_ATTRIBUTION[lang])}</li>")
    return (
        f"<details open data-collapse-narrow><summary>{html.escape(tx['info'])}</summary>"
        f"<ul>{''.join(items)}</ul></details>"
    )


# --------------------------------------------------------------------------------------
# Rendering and saving
# --------------------------------------------------------------------------------------


def render_html(m: folium.Map, *, offline: bool | None = None) -> str:
    """Render a map to one HTML string.

    Parameters
    ----------
    m
        The map (normally from :func:`make_map`).
    offline
        Inline external assets (default: the map's own ``offline`` flag, else True). Known
        CDN links folium or its plugins add are replaced by bundled copies; Bootstrap and
        awesome-markers are dropped.

    Raises
    ------
    OutputError
        Offline, if the page would still need an external script or stylesheet.
    """
    if offline is None:
        offline = bool(getattr(m, "offline", True))
    fig = m.get_root()
    page = fig.render()
    lang = getattr(m, "lang", "sv")
    page = page.replace("<html>", f'<html lang="{lang}">', 1)
    if offline:
        page = _inline_external(page)
        remaining = external_asset_urls(page)
        if remaining:  # pragma: no cover - _inline_external raises first
            raise OutputError(f"External assets remain in the page: {remaining}")
    return page


def save_map(m: folium.Map, path: str | os.PathLike[str]) -> Path:
    """Write a map as a single self-contained HTML file, atomically.

    The page is rendered completely in memory first; the file only appears, complete,
    when everything succeeded (no partial file on any error).

    Parameters
    ----------
    m
        The map from :func:`make_map`.
    path
        Target ``.html`` file; its folder is created if needed.

    Returns
    -------
    Path
        The written file.

    Raises
    ------
    OutputError
        The folder cannot be created or written, or (offline maps) an external asset
        cannot be inlined.
    """
    page = render_html(m)
    target = Path(path)
    try:
        with _io.atomic_path(target) as tmp:
            tmp.write_text(page, encoding="utf-8")
        return target
    except OutputError:
        raise
    except OSError as exc:
        raise OutputError(
            f"Cannot write the map: {exc.strerror or exc}",
            file=target,
            fix="Choose a folder you can write to and check the free disk space.",
        ) from exc
