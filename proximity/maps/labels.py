"""Swedish (and English) texts of the maps and the report.

The :data:`TEXT` dict (with the floor-area wording of :data:`PROXY_TEXT`), category and
walking-profile labels, number formatting, the distance-method line, the population unit,
the wording of data-quality values and provenance notes, and the labels of the proposed
sites and of the total row.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from proximity._text import html_text
from proximity.distance_method import DistanceMethod
from proximity.errors import ParameterError
from proximity.maps.wording_sv import QUALITY_SV, quality_sv
from proximity.profiles import PROFILES
from proximity.sources.categories import category_label as sources_category_label
from proximity.sources.city import is_municipality, total_area_label

__all__ = [
    "GAP_TEXT",
    "OSM_ATTRIBUTION",
    "PROVENANCE_KEYS_SV",
    "PROVENANCE_SV",
    "PROXY_TEXT",
    "QUALITY_SV",
    "TEXT",
    "category_label",
    "check_lang",
    "distance_method",
    "distance_method_of",
    "distance_method_text",
    "fmt_int",
    "fmt_num",
    "fmt_pct",
    "is_crowfly",
    "is_municipality",
    "is_population_proxy",
    "population_unit",
    "profile_label",
    "provenance_note_sv",
    "quality_detail_html",
    "quality_detail_text",
    "quality_label",
    "site_labels",
    "snap_quality_text",
    "threshold_text",
    "total_label",
    "unit_text",
]

#: Attribution shown on every map (Swedish and English).
OSM_ATTRIBUTION = {
    "sv": "© OpenStreetMap-bidragsgivare, ODbL",
    "en": "© OpenStreetMap contributors, ODbL",
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
_PROFILE_LABELS_EN = {"adult": "adult", "elderly": "elderly", "winter": "winter"}

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
        "residents_cells": "summerat i rutor om {c} m; rutor under {n} visas inte",
        "residents_all": "Invånare",
        "no_tiles": "Ingen bakgrundskarta",
        "tiles": "OpenStreetMap",
        "legend": "Teckenförklaring",
        "layers": "Kartlager",
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
        "residents_cells": "summed in squares of {c} m; squares under {n} are not shown",
        "residents_all": "Residents",
        "no_tiles": "No background map",
        "tiles": "OpenStreetMap",
        "legend": "Legend",
        "layers": "Map layers",
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


def check_lang(lang: str) -> str:
    """``lang`` if it is a language of :data:`TEXT` (``"sv"``, ``"en"``).

    Raises
    ------
    ParameterError
        For any other language.
    """
    if lang not in TEXT:
        raise ParameterError(
            f"Unknown language {lang!r}.", fix=f"Use one of: {', '.join(sorted(TEXT))}."
        )
    return lang


def category_label(category: str, lang: str = "sv") -> str:
    """Human label of a service category (Swedish by default).

    Swedish labels come from :func:`proximity.sources.categories.category_label` (built in or
    declared).
    """
    if lang == "en":
        return _LABELS_EN.get(category, category.replace("_", " "))
    return sources_category_label(category)


def profile_label(profile: str, lang: str = "sv") -> str:
    """Human label of a walking profile (``label_sv`` of :data:`proximity.profiles.PROFILES`)."""
    if lang == "sv":
        p = PROFILES.get(profile)
        return str(p.label_sv) if p is not None and p.label_sv else profile
    return _PROFILE_LABELS_EN.get(profile, profile) if lang == "en" else profile


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


def threshold_text(threshold_min: float) -> str:
    """A threshold in minutes as text: ``10`` or ``7,5``."""
    t = float(threshold_min)
    return str(int(t)) if t.is_integer() else fmt_num(t, 1)


# --------------------------------------------------------------------------------------
# Distance method and population unit
# --------------------------------------------------------------------------------------


def distance_method(access: Any) -> str:
    """The access result's distance method (``"network"`` or e.g. ``"crowfly×1.3"``).

    ``access.distance_method`` (a label or a :class:`~proximity.distance_method.DistanceMethod`);
    for objects without it, the ``distance_method`` column of the areas table; else
    ``"unknown"``.
    """
    dm = getattr(access, "distance_method", None)
    if isinstance(dm, DistanceMethod):
        return dm.label
    if not dm:
        t = getattr(access, "areas", None)
        if t is not None and "distance_method" in t and len(t):
            dm = str(pd.Series(t["distance_method"]).dropna().iloc[0])
    return str(dm or "unknown")


def distance_method_of(access: Any) -> DistanceMethod | None:
    """The access result's :class:`~proximity.distance_method.DistanceMethod`.

    ``None`` when it is unknown or not a known label.
    """
    try:
        return DistanceMethod.parse(distance_method(access))
    except ParameterError:
        return None


def is_crowfly(access: Any) -> bool:
    """Whether distances are straight-line approximations."""
    method = distance_method_of(access)
    return method is not None and method.is_crowfly


def snap_quality_text(access: Any, lang: str = "sv") -> str | None:
    """The warning on how much of the population the walking network misses, if any.

    ``access.provenance["snap_quality"]`` (written by
    :func:`proximity.coverage.compute_access` in network mode) says how much of the
    population (and of each category's services) lies farther than ``max_snap_m`` from the
    network or on small network islands. Above its warning limit (5 % by default) this is
    the one-line message to show in the map, the report and the CLI; else None.

    Parameters
    ----------
    access : Access
        The coverage result (duck-typed: anything with a ``provenance`` mapping).
    lang : str
        ``"sv"`` or ``"en"``.

    Returns
    -------
    str or None
    """
    prov = getattr(access, "provenance", None) or {}
    rec = prov.get("snap_quality") if isinstance(prov, dict) else None
    if not isinstance(rec, dict) or not rec.get("warn"):
        return None
    return str(rec.get("message_sv" if lang == "sv" else "message_en") or "") or None


def distance_method_text(access: Any, lang: str = "sv") -> str:
    """One line describing the distance method, e.g. ``fågelvägsavstånd × 1,3 (uppskattning)``."""
    tx = TEXT[lang]
    method = distance_method_of(access)
    if method is None:
        return distance_method(access)
    if method.detour_factor is not None:
        f = f"{method.detour_factor:g}"
        return tx["crowfly"].format(f=f.replace(".", ",") if lang == "sv" else f)
    return tx["network"]


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
    tx = dict(TEXT[check_lang(lang)])
    if proxy:
        tx.update(PROXY_TEXT[lang])
    return tx


def _short(text: str, n: int = 48) -> str:
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


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
    # the label is a template for {n}: braces in a category from data are literal
    literal = c.replace("{", "{{").replace("}", "}}")
    return tx["site_other"].replace("{c}", literal), tx["sites_other"].format(c=c)


# --------------------------------------------------------------------------------------
# Swedish wording of data-quality values and provenance notes
# --------------------------------------------------------------------------------------


def quality_label(value: Any, lang: str = "sv") -> str:
    """A ``*_quality`` value in the map/report language.

    Known values in Swedish (:data:`QUALITY_SV`), anything else unchanged (never truncated).
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "okänd" if lang == "sv" else "unknown"
    text = str(value).strip()
    if lang != "sv":
        return "unknown" if text == "okänd" else text
    return quality_sv(text)


def quality_detail_html(counts: Mapping[str, int], lang: str = "sv", n: int = 60) -> str:
    """``value: count, ...`` as HTML.

    Long values are shortened with the full text in a ``title`` attribute (tooltip).
    """
    parts = []
    for k, v in counts.items():
        label = quality_label(k, lang)
        short = _short(label, n)
        if short != label:
            parts.append(f"<span title='{html_text(label)}'>{html_text(short)}</span>: {v}")
        else:
            parts.append(f"{html_text(label)}: {v}")
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
    """One city provenance note in Swedish: ``Etikett: text``.

    Known notes are translated (:data:`PROVENANCE_SV`); others keep their text, marked as
    quoted from the sources.
    """
    label = PROVENANCE_KEYS_SV.get(key, key)
    text = str(value).strip()
    if text in PROVENANCE_SV:
        return f"{label}: {PROVENANCE_SV[text]}"
    if text.isascii() and re.search(r"\b(the|and|of|from|with|incl|not)\b", text):
        return f"{label} (originaltext i underlaget, på engelska): {text}"
    return f"{label}: {text}"


def total_label(city: Any, lang: str = "sv") -> str:
    """Label of the total row: "Hela kommunen" for a municipality, else "Hela studieområdet".

    The Swedish label is :func:`proximity.sources.city.total_area_label`.
    """
    if lang == "en":
        return "Whole municipality" if is_municipality(city) else "Whole study area"
    return total_area_label(city)
