"""The "Metod och data" list and the "Kända luckor i data" (known data gaps) of the report."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from proximity.maps.labels import (
    GAP_TEXT,
    OSM_ATTRIBUTION,
    category_label,
    distance_method_text,
    fmt_int,
    fmt_num,
    is_crowfly,
    profile_label,
    provenance_note_sv,
    quality_detail_text,
)
from proximity.maps.views import (
    area_geometries,
    categories_without_service,
    data_dates,
    quality_counts,
    unlocated_services,
)
from proximity.report.sources import source_items
from proximity.report.wording import PROXY_FLAG_SV, WORDS, words

__all__ = ["gap_items", "has_no_age_data", "method_items"]


def _profile_line(access: Any, profile: str, threshold_min: float) -> str:
    """The profile line, e.g. "Gångprofil: Vuxen, 1,33 m/s (4,8 km/h); tröskel 10 minuter."."""
    prov = getattr(access, "provenance", None) or {}
    speed = None
    profs = prov.get("profiles") if isinstance(prov, Mapping) else None
    if isinstance(profs, Mapping) and isinstance(profs.get(profile), Mapping):
        speed = profs[profile].get("speed_m_s")
    line = f"Gångprofil: {profile_label(profile)}"
    if speed:
        line += f", {fmt_num(float(speed), 2)} m/s ({fmt_num(float(speed) * 3.6, 1)} km/h)"
    return line + f"; tröskel {fmt_num(float(threshold_min), 0)} minuter."


def _date_items(city: Any, access: Any, w: Mapping[str, str]) -> list[str]:
    """Computation date, population year, OSM date, data sources and network hash."""
    prov = getattr(access, "provenance", None) or {}
    dates = data_dates(city, access)
    items = [f"Beräknad: {dates['date']}."]
    if "population_year" in dates:
        items.append(f"{w['population_year']}: {dates['population_year']}.")
    if "osm_date" in dates:
        items.append(f"OSM-data (gångnätverk) från: {dates['osm_date']}.")
    if isinstance(prov, Mapping):
        if prov.get("data_sources"):
            items += source_items(prov["data_sources"])
        net = str(prov.get("network_hash") or "")
        if net.startswith("none"):
            items.append("Gångnätverk: inget (fågelvägsavstånd × omvägsfaktor).")
        elif net:
            items.append(f"Gångnätverk (kontrollsumma): {net}.")
    return items


def _quality_items(city: Any, access: Any, w: Mapping[str, str]) -> list[str]:
    """How many boundaries, service locations and demand points are approximate.

    And the population without a known location.
    """
    items = []
    for frame, column, label in (
        (area_geometries(city, access), "boundary_quality", "Områdesgränser"),
        (getattr(city, "services", None), "location_quality", "Tjänsternas lägen"),
        (getattr(city, "demand", None), "location_quality", w["demand_points"]),
    ):
        na, nt, counts = quality_counts(frame, column)
        if nt:
            items.append(
                f"{label}: {na} av {nt} ungefärliga"
                + (f" ({quality_detail_text(counts)})." if counts else ".")
            )
    unloc = getattr(city, "unlocated", None)
    if unloc is not None and len(unloc) and "population" in unloc:
        n = float(pd.to_numeric(unloc["population"], errors="coerce").sum())
        if n > 0:
            items.append(w["unlocated"].format(n=fmt_int(n)))
    return items


def method_items(city: Any, access: Any, profile: str, threshold_min: float) -> list[str]:
    """The "Metod och data" list.

    Distance method, profile, counting rule, dates, sources, approximate inputs, known data
    gaps (compact) and the city's provenance notes.
    """
    w = words(access, city)
    items = [f"Avståndsmetod: {distance_method_text(access)}."]
    if w is WORDS["proxy"]:
        items.append(f"⚠ {PROXY_FLAG_SV}")
    if is_crowfly(access):
        items.append(
            "Fågelvägsavstånd är en uppskattning: avståndet i rak linje multipliceras med en "
            "omvägsfaktor; verkliga gångvägar (broar, barriärer, trappor) ingår inte."
        )
    items.append(_profile_line(access, profile, threshold_min))
    items.append(w["count_rule"])
    items += _date_items(city, access, w)
    items += _quality_items(city, access, w)
    items.extend(gap_items(city, access, compact=True))
    cprov = getattr(city, "provenance", None)
    if isinstance(cprov, Mapping):
        for key in ("purpose", "population_total_note", "population_note", "licences"):
            if cprov.get(key):
                items.append(f"Underlag – {provenance_note_sv(key, cprov[key])}.")
    items.append(f"Kartdata {OSM_ATTRIBUTION['sv']}.")
    return items


def has_no_age_data(access: Any) -> bool:
    """Whether ``Access.provenance`` says there is no age data.

    That is ``"no age data"`` in any value, e.g. ``age_groups = "no age data"``.
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


#: The data gap of a city without any located service (a sparse municipality, a small tile).
NO_SERVICE_AT_ALL_SV = (
    "Inga tjänster av något slag i underlaget (t.ex. en gles kommun eller ett litet "
    "OSM-utdrag): varje kategori är beräknad utan tjänst, så alla invånare räknas som utan "
    "tjänst inom gångavstånd (0 %)."
)


def gap_items(city: Any, access: Any, *, compact: bool) -> list[str]:
    """Known data gaps as sentences.

    Unlocated services per category, categories with no located service, missing age data
    and missing non-profit data. ``compact``: counts and at most three names per category
    (for "Metod och data"); else every name.
    """
    gt = GAP_TEXT["sv"]
    unloc = unlocated_services(city)
    missing = categories_without_service(city)
    items = []
    services = getattr(city, "services", None)
    if services is not None and len(services) == 0:
        items.append(NO_SERVICE_AT_ALL_SV)
        missing = []  # every category computed, nobody covered: not "no coverage computed"
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
