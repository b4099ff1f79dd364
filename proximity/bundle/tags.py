"""The Swedish OSM tag mapping of city bundles (versioned; documented in docs/notes/tag-mapping.md).

It extends the motion's categories of :data:`proximity.sources.categories.OSM_CATEGORY_TAGS`
(checked first, unchanged) with the service set of SCB's and Tillväxtverket's PiPoS
analyses and the issue's everyday services: groceries, pharmacies, schools and playgrounds.
A municipal housing company's offices are found by operator (or name, or brand):
``office=*`` whose ``operator`` is one of the municipality's housing companies
(:data:`HOUSING_OPERATORS`, or ``--housing-operator NAME``).

Categories outside :data:`proximity.sources.CATEGORIES` (:data:`EXTRA_CATEGORIES`) are declared
in the bundle's ``city.toml`` (``[categories.<id>]`` with ``label_sv`` and ``icon``), so they are
ordinary categories of the bundle's ``services.parquet``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from proximity.sources.categories import (
    CATEGORY_LABELS_SV,
    NONPROFIT_TAGS,
    OSM_CATEGORY_TAGS,
    osm_category,
)

#: Version of the mapping; recorded in every bundle's manifest and city.toml.
TAG_MAPPING_VERSION = "se-1 (2025-12)"

#: Categories beyond :data:`proximity.sources.CATEGORIES`, with their Swedish labels.
EXTRA_CATEGORIES: dict[str, str] = {
    "grocery": "Livsmedelsbutik",
    "pharmacy": "Apotek",
    "school": "Skola",
    "playground": "Lekplats",
}

#: Font Awesome (solid) icons of :data:`EXTRA_CATEGORIES`.
EXTRA_ICONS: dict[str, str] = {
    "grocery": "cart-shopping",
    "pharmacy": "prescription-bottle-medical",
    "school": "school",
    "playground": "children",
}

#: Extra rules ``(key, value, category)``, checked after the motion's rules.
EXTRA_TAGS: tuple[tuple[str, str, str], ...] = (
    # Tag:shop=supermarket, shop=convenience, shop=grocery (PiPoS: dagligvarubutik)
    ("shop", "supermarket", "grocery"),
    ("shop", "convenience", "grocery"),
    ("shop", "grocery", "grocery"),
    # Tag:amenity=pharmacy, healthcare=pharmacy (PiPoS: apotek)
    ("amenity", "pharmacy", "pharmacy"),
    ("healthcare", "pharmacy", "pharmacy"),
    # Tag:amenity=school (grundskola, gymnasium)
    ("amenity", "school", "school"),
    # Tag:leisure=playground
    ("leisure", "playground", "playground"),
)

#: Municipal housing companies by municipality code (the operator their offices carry in OSM).
HOUSING_OPERATORS: dict[str, tuple[str, ...]] = {
    "1283": ("Helsingborgshem",),
    "2180": ("Gavlegårdarna", "AB Gavlegårdarna"),
}

#: Non-profit rules beyond :data:`proximity.sources.categories.NONPROFIT_TAGS`.
EXTRA_NONPROFIT_TAGS: tuple[tuple[str, str, str], ...] = (
    ("amenity", "social_centre", "social_centre"),
    ("office", "charity", "charity"),
    ("club", "*", "club"),
)


def service_category(
    tags: Mapping[str, str], *, housing_operators: Iterable[str] = ()
) -> str | None:
    """The bundle category of an OSM feature, or None.

    Parameters
    ----------
    tags : mapping
        The feature's tags.
    housing_operators : iterable of str
        The municipal housing company's names (case-insensitive match of ``operator``,
        ``name`` or ``brand`` of an ``office=*``).

    Returns
    -------
    str or None

    Examples
    --------
    >>> service_category({"shop": "supermarket"})
    'grocery'
    >>> service_category({"office": "company", "operator": "Gavlegårdarna"},
    ...                  housing_operators=["Gavlegårdarna"])
    'housing_company_office'
    """
    ops = {o.strip().lower() for o in housing_operators}
    if ops and "office" in tags:
        who = {str(tags.get(k, "")).strip().lower() for k in ("operator", "name", "brand")}
        if who & ops:
            return "housing_company_office"
    cat = osm_category(tags)
    if cat is not None:
        return cat
    for key, value, c in EXTRA_TAGS:
        v = tags.get(key)
        if v is not None and value in str(v).split(";"):
            return c
    return None


def nonprofit_kind(tags: Mapping[str, str]) -> str | None:
    """The non-profit kind (association, ngo, club:sport, social_centre, ...), or None."""
    for key, value, kind in (*NONPROFIT_TAGS, *EXTRA_NONPROFIT_TAGS):
        v = tags.get(key)
        if v is None or v in ("no", ""):
            continue
        if value == "*":
            return f"{kind}:{v}"
        if v == value:
            return kind
    return None


def label_sv(category: str) -> str:
    """The Swedish label of a category (the motion's or :data:`EXTRA_CATEGORIES`)."""
    return CATEGORY_LABELS_SV.get(category) or EXTRA_CATEGORIES.get(category, category)


def mapping_rows() -> list[tuple[str, str, str]]:
    """``(category, Swedish label, OSM tags)`` in rule order, one row per category."""
    rules: dict[str, list[str]] = {}
    for key, value, cat in (*OSM_CATEGORY_TAGS, *EXTRA_TAGS):
        rules.setdefault(cat, []).append(f"{key}={value}")
    rules["housing_company_office"].insert(0, "office=* with operator/name/brand = the company")
    return [(c, label_sv(c), ", ".join(t)) for c, t in rules.items()]


def mapping_markdown() -> str:
    """The mapping as a Markdown table (the one in docs/notes/tag-mapping.md)."""
    lines = ["| category | Swedish label | OSM tags |", "|---|---|---|"]
    lines += [f"| `{c}` | {lab} | `{t}` |" for c, lab, t in mapping_rows()]
    nonprofit = [f"{k}={v}" for k, v, _ in (*NONPROFIT_TAGS, *EXTRA_NONPROFIT_TAGS)]
    lines.append(
        f"| non-profits (separate table) | Ideella organisationer | `{', '.join(dict.fromkeys(nonprofit))}` |"
    )
    return "\n".join(lines) + "\n"
