"""Service categories of the motion and the mapping from OpenStreetMap tags to them.

The categories follow the motion on neighbourhood service offices ("stadsdelskontor"): the
services such an office bundles or should be near. Every OSM rule is documented in
:data:`OSM_CATEGORY_TAGS` with the wiki page it rests on; tests check each rule.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping

#: The service categories, in display order.
CATEGORIES: tuple[str, ...] = (
    "labour_market",
    "social_services",
    "health_centre",
    "library",
    "housing_company_office",
    "meeting_place",
    "youth_centre",
    "citizen_service",
    "district_office",
)

#: Swedish labels for maps and reports.
CATEGORY_LABELS_SV: dict[str, str] = {
    "labour_market": "Arbetsmarknad (Arbetsförmedlingen, jobbtorg)",
    "social_services": "Socialtjänst",
    "health_centre": "Vårdcentral",
    "library": "Bibliotek",
    "housing_company_office": "Bostadsbolagets områdeskontor",
    "meeting_place": "Mötesplats",
    "youth_centre": "Fritidsgård",
    "citizen_service": "Medborgarservice / kontaktcenter",
    "district_office": "Stadsdelskontor",
}

#: OSM tag rules -> category. Each rule is ``(key, value or "*", category)``; the first rule that
#: matches a feature's tags wins, so specific rules come before generic ones. Sources:
#: https://wiki.openstreetmap.org/wiki/Map_features and the pages named in the comments.
OSM_CATEGORY_TAGS: tuple[tuple[str, str, str], ...] = (
    # Key:office / Tag:office=employment_agency (Arbetsförmedlingen, job centres)
    ("office", "employment_agency", "labour_market"),
    # Tag:office=government + government=* (Key:government): social services / social security
    ("government", "social_services", "social_services"),
    ("government", "social_security", "social_services"),
    # Tag:amenity=social_facility (care homes, shelters, day centres ...) and the rarer
    # amenity=social_centre (a self-organised social centre; still a social service point)
    ("amenity", "social_facility", "social_services"),
    ("amenity", "social_centre", "social_services"),
    # Tag:healthcare=centre (primary care centre = vårdcentral), amenity=clinic, amenity=doctors
    ("healthcare", "centre", "health_centre"),
    ("amenity", "clinic", "health_centre"),
    ("amenity", "doctors", "health_centre"),
    ("healthcare", "clinic", "health_centre"),
    ("healthcare", "doctor", "health_centre"),
    # Tag:amenity=library
    ("amenity", "library", "library"),
    # Youth centres: the documented tag is amenity=community_centre + community_centre=youth_centre
    # (Key:community_centre); leisure/amenity=youth_centre occur in the wild and are accepted.
    ("community_centre", "youth_centre", "youth_centre"),
    ("amenity", "youth_centre", "youth_centre"),
    ("leisure", "youth_centre", "youth_centre"),
    # Tag:amenity=community_centre (other kinds) = meeting place (mötesplats, kulturhus)
    ("amenity", "community_centre", "meeting_place"),
    # Tag:amenity=townhall (town hall; townhall:type=city / council) = citizen service point
    ("amenity", "townhall", "citizen_service"),
    # office=government with government=customer_service / citizen services
    ("government", "customer_service", "citizen_service"),
    # Housing companies: office=estate_agent is for agents; municipal housing companies are
    # usually office=company + company=housing (rare) -> housing_company_office
    ("company", "housing", "housing_company_office"),
)

#: OSM tag rules for non-profit organisations (not a service category: a separate table).
NONPROFIT_TAGS: tuple[tuple[str, str, str], ...] = (
    ("office", "association", "association"),
    ("office", "ngo", "ngo"),
    ("office", "foundation", "foundation"),
    ("office", "religion", "religious"),
    ("club", "*", "club"),
)


def osm_category(tags: Mapping[str, str]) -> str | None:
    """The service category of an OSM feature, or None.

    Parameters
    ----------
    tags
        The feature's tags.

    Returns
    -------
    str or None
        The first matching category of :data:`OSM_CATEGORY_TAGS`.

    Examples
    --------
    >>> osm_category({"amenity": "library"})
    'library'
    >>> osm_category({"amenity": "community_centre", "community_centre": "youth_centre"})
    'youth_centre'
    """
    for key, value, cat in OSM_CATEGORY_TAGS:
        v = tags.get(key)
        if v is not None and (value == "*" or value in str(v).split(";")):
            return cat
    return None


def osm_nonprofit_kind(tags: Mapping[str, str]) -> str | None:
    """The non-profit kind of an OSM feature (association, ngo, club, ...), or None."""
    for key, value, kind in NONPROFIT_TAGS:
        v = tags.get(key)
        if v is not None and v not in ("no", "") and (value == "*" or v == value):
            return kind if value != "*" else f"club:{v}"
    return None


def osm_tag_filter() -> dict[str, list[str] | bool]:
    """The osmnx ``tags`` argument that fetches every feature :func:`osm_category` may map."""
    out: dict[str, set[str]] = {}
    for key, value, _ in OSM_CATEGORY_TAGS:
        out.setdefault(key, set()).add(value)
    return {k: sorted(v) for k, v in out.items()}


def suggest_category(value: str, known: tuple[str, ...] | list[str] = CATEGORIES) -> str | None:
    """The closest known category name to ``value`` (for "did you mean" messages)."""
    m = difflib.get_close_matches(str(value), list(known), n=1, cutoff=0.5)
    return m[0] if m else None
