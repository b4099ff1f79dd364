"""Service categories of the motion and the mapping from OpenStreetMap tags to them.

The categories follow the motion on neighbourhood service offices ("stadsdelskontor"): the
services such an office bundles or should be near. Every OSM rule is documented in
:data:`OSM_CATEGORY_TAGS` with the wiki page it rests on; tests check each rule.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from proximity.errors import SchemaError

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

#: Font Awesome (solid) icon names of the built-in categories (as the maps draw them).
CATEGORY_ICONS: dict[str, str] = {
    "labour_market": "briefcase",
    "social_services": "hand-holding-heart",
    "health_centre": "house-medical",
    "library": "book",
    "housing_company_office": "building",
    "meeting_place": "people-group",
    "youth_centre": "child-reaching",
    "citizen_service": "circle-info",
    "district_office": "landmark",
}

#: Icon of a declared category that names none.
DEFAULT_ICON = "location-dot"

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


# ---------------------------------------------------------------- open categories
_ID = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_ICON = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")


@dataclass(frozen=True)
class Category:
    """A service category declared in a city or scenario config (``[categories.<id>]``).

    Attributes
    ----------
    id
        Lower-case identifier (``grocery``, ``bus_stop``): letters, digits, ``_``.
    label_sv
        Swedish label for maps, tables and reports (``"Livsmedelsbutik"``).
    icon
        Font Awesome (solid) icon name (``"cart-shopping"``); default ``location-dot``.
    """

    id: str
    label_sv: str
    icon: str = DEFAULT_ICON


#: Categories declared by the cities and scenarios loaded in this process (labels only:
#: which categories are *valid* always depends on the city, see :func:`known_categories`).
_DECLARED: dict[str, Category] = {}


def parse_declared(
    table: Any, *, file: str | Path | None = None, where: str = "categories"
) -> dict[str, Category]:
    """The ``[categories.<id>]`` tables of a city or scenario TOML, checked.

    Parameters
    ----------
    table
        The parsed ``categories`` table: ``{id: {"label_sv": ..., "icon": ...}}``.
    file
        The TOML file, for messages.
    where
        How messages name the table.

    Returns
    -------
    dict of str to Category
        By id, in the file's order.

    Raises
    ------
    SchemaError
        An id that is not lower-case letters/digits/``_``, a built-in id, a missing or empty
        ``label_sv``, a bad icon or an unknown key.

    Examples
    --------
    >>> parse_declared({"grocery": {"label_sv": "Livsmedelsbutik", "icon": "cart-shopping"}})
    {'grocery': Category(id='grocery', label_sv='Livsmedelsbutik', icon='cart-shopping')}
    """
    if not isinstance(table, Mapping):
        raise SchemaError(
            f"[{where}] must be a table of categories.",
            file=file,
            fix=f'Write [{where}.grocery] with label_sv = "Livsmedelsbutik".',
        )
    return {str(k): _declared_one(str(k), v, file, where) for k, v in table.items()}


def _declared_one(cid: str, v: Any, file: str | Path | None, where: str) -> Category:
    row = f"[{where}.{cid}]"
    if not _ID.match(cid):
        raise SchemaError(
            f"Category id {cid!r} must be lower-case letters, digits and _ (at most 40).",
            file=file,
            row=row,
            fix="Use an id such as bus_stop or grocery.",
        )
    if cid in CATEGORIES:
        raise SchemaError(
            f"{cid!r} is a built-in category; its label is fixed ({CATEGORY_LABELS_SV[cid]!r}).",
            file=file,
            row=row,
            fix=f"Remove [{where}.{cid}] (built-in categories need no declaration).",
        )
    if not isinstance(v, Mapping):
        raise SchemaError(
            f"{row} must be a table with label_sv (and icon).",
            file=file,
            row=row,
            fix=f'Write {row} and below it label_sv = "...".',
        )
    unknown = sorted(set(v) - {"label_sv", "icon"})
    if unknown:
        raise SchemaError(
            f"Unknown key {unknown[0]!r} in {row}.",
            file=file,
            row=row,
            fix="Keys of a category: label_sv, icon.",
        )
    label = v.get("label_sv")
    if not isinstance(label, str) or not label.strip():
        raise SchemaError(
            f"{row} has no Swedish label.",
            file=file,
            row=row,
            fix=f'Add label_sv = "..." to {row} (shown on maps and in reports).',
        )
    icon = v.get("icon", DEFAULT_ICON)
    if not isinstance(icon, str) or not _ICON.match(icon):
        raise SchemaError(
            f"{row}: icon {icon!r} is not a Font Awesome icon name.",
            file=file,
            row=row,
            fix='Use a solid Font Awesome name such as icon = "cart-shopping".',
        )
    return Category(id=cid, label_sv=label.strip(), icon=icon)


def slug_id(value: object) -> str:
    """A category id for ``value`` in a did-you-mean (lower case, ``_`` for other characters).

    Examples
    --------
    >>> slug_id("Bus stop")
    'bus_stop'
    >>> slug_id("Hållplats")
    'hallplats'
    """
    text = str(value).strip().lower().translate(str.maketrans("åäöéü", "aaoeu"))
    text = re.sub(r"[^a-z0-9_]+", "_", text).strip("_")
    return text if text[:1].isalpha() else f"c_{text}"


def declare_categories(declared: Mapping[str, Category]) -> None:
    """Remember declared categories' labels for :func:`category_label` (process-wide)."""
    _DECLARED.update(declared)


def city_declared(city: Any) -> dict[str, Category]:
    """The categories ``city`` declares (``city.declared_categories``; ``{}`` if none)."""
    got = getattr(city, "declared_categories", None) or {}
    if isinstance(got, Mapping):
        return {str(k): v for k, v in got.items() if isinstance(v, Category)}
    return {}


def known_categories(city: Any = None) -> list[str]:
    """The categories valid for ``city``: built in (:data:`CATEGORIES`), then declared ones.

    Parameters
    ----------
    city
        A :class:`~proximity.sources.City` or None (built-in only).

    Returns
    -------
    list of str
    """
    declared = getattr(city, "declared_categories", None) or {}
    return list(dict.fromkeys([*CATEGORIES, *map(str, declared)]))


def category_label(category: str, city: Any = None) -> str:
    """The Swedish label of a category: built in, declared by ``city``, or declared earlier.

    Parameters
    ----------
    category
        The id.
    city
        The city whose declarations to use first (optional).

    Returns
    -------
    str
        The label; an undeclared id with ``_`` shown as spaces.

    Examples
    --------
    >>> category_label("library")
    'Bibliotek'
    >>> category_label("not_declared_anywhere")
    'not declared anywhere'
    """
    cat = str(category)
    if cat in CATEGORY_LABELS_SV:
        return CATEGORY_LABELS_SV[cat]
    found = city_declared(city).get(cat) or _DECLARED.get(cat)
    return found.label_sv if found is not None else cat.replace("_", " ")


def category_icon(category: str, city: Any = None) -> str:
    """The icon name of a category (built in, declared, else :data:`DEFAULT_ICON`)."""
    cat = str(category)
    if cat in CATEGORY_ICONS:
        return CATEGORY_ICONS[cat]
    found = city_declared(city).get(cat) or _DECLARED.get(cat)
    return found.icon if found is not None else DEFAULT_ICON
