"""Swedish wording of the report.

The population words (persons or the floor-area proxy), the units of the siting gain, and
small text helpers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import pandas as pd

from proximity.maps.labels import (
    category_label,
    fmt_num,
    is_population_proxy,
)
from proximity.maps.site_views import nonprofit_absence_text, site_nonprofit_label
from proximity.maps.views import area_geometries

__all__ = [
    "PROXY_FLAG_SV",
    "WORDS",
    "area_names",
    "join_sv",
    "nonprofit_cell",
    "objective_unit",
    "safe_name",
    "site_unit",
    "siting_scope",
    "words",
]

# ------------------------------------------------------------------------------ wording
#: Population wording of the report: ``"persons"`` (residents) or ``"proxy"`` (the demand is
#: residential floor area in m², a relative population proxy, e.g. the Helsinki demo; counts
#: are then labelled as floor area, shares lead, and a flag line is shown).
WORDS: dict[str, dict[str, str]] = {
    "persons": {
        "of_whom": "invånare",
        "measure": "Andel invånare",
        "population": "Befolkning",
        "covered": "Täckta",
        "uncovered": "Ej täckta",
        "suffix": "",
        "lorenz_x": "Andel invånare, kortast gångtid först (%)",
        "lorenz_of": "de {n} invånare",
        "count_rule": "Räkneregel: täckta + ej täckta + ej anslutna till gångnätet + ej nåbara "
        "+ utan känt läge = befolkning; andel täckta = täckta / befolkning.",
        "demand_points": "Befolkningspunkter",
        "population_year": "Befolkningsår",
        "unlocated": "Invånare utan känt läge (räknas som ej täckta): {n}.",
        "nearest_header": "Närmaste service för flest invånare",
        "nearest_n": "{n} inv.",
    },
    "proxy": {
        "of_whom": "m² bostadsyta",
        "measure": "Andel bostadsyta (proxy för befolkning)",
        "population": "Bostadsyta (m², proxy för befolkning)",
        "covered": "Täckt bostadsyta (m²)",
        "uncovered": "Ej täckt bostadsyta (m²)",
        "suffix": "\u00a0m²",
        "lorenz_x": "Andel bostadsyta (proxy för befolkning), kortast gångtid först (%)",
        "lorenz_of": "de {n} m² bostadsyta (proxy för befolkning)",
        "count_rule": "Räkneregel (i m² bostadsyta): täckt + ej täckt + ej anslutet till "
        "gångnätet + ej nåbart + utan känt läge = all bostadsyta; andel täckt = täckt / all bostadsyta.",
        "demand_points": "Bostadspunkter (byggnader)",
        "population_year": "Underlagsår",
        "unlocated": "Bostadsyta utan känt läge (räknas som ej täckt): {n} m².",
        "nearest_header": "Närmaste service för mest bostadsyta",
        "nearest_n": "{n} m²",
    },
}

#: The flag line shown when the population is a floor-area proxy.
PROXY_FLAG_SV = (
    "Befolkningen är uppskattad från bostadsyta i OSM (m²), inte antal personer. "
    "Alla antal i rapporten är m² bostadsyta (byggnadens fotavtryck × antal våningar), en "
    "relativ vikt. Andelarna och jämförelserna mellan områden är meningsfulla; antalen ska "
    "inte läsas som personer."
)


def words(access: Any, city: Any) -> dict[str, str]:
    """The :data:`WORDS` of the population unit of ``access`` (and ``city``)."""
    return WORDS["proxy" if is_population_proxy(access, city) else "persons"]


def area_names(city: Any, access: Any, rows: pd.DataFrame) -> dict[str, str]:
    """``{area_id: name}`` from the area polygons, else the rows' ``area_name``."""
    names: dict[str, str] = {}
    geo = area_geometries(city, access)
    if geo is not None and len(geo) and "name" in geo:
        names.update(dict(zip(geo["area_id"].astype(str), geo["name"].astype(str), strict=True)))
    if "area_name" in rows:
        for a, n in zip(rows["area_id"], rows["area_name"], strict=True):
            if pd.notna(n) and str(n):
                names.setdefault(str(a), str(n))
    return names


def site_unit(siting: Any, proxy: bool = False) -> tuple[str, str]:
    """``(column header, paragraph phrase)`` of the marginal gain for the siting model.

    In m² residential floor area when the population is a floor-area proxy.
    """
    model = str(getattr(siting, "model", "mclp"))
    if proxy:
        if model == "p_median":
            return (
                "Minskad gångtid (m² bostadsyta × minuter, proxy)",
                "minska den sammanlagda gångtiden med {n} m²-minuter (bostadsyta × minuter)",
            )
        return (
            "Ny täckt bostadsyta (m², proxy för befolkning)",
            "ge {n} m² ny täckt bostadsyta",
        )
    if model == "p_median":
        return (
            "Minskad gångtid (personminuter)",
            "minska den sammanlagda gångtiden med {n} personminuter",
        )
    return "Nya täckta invånare", "ge {n} nya täckta invånare"


def objective_unit(siting: Any) -> str:
    """Unit of the siting objective when the population is a floor-area proxy."""
    if str(getattr(siting, "model", "mclp")) == "p_median":
        return "m² bostadsyta × minuter, proxy"
    return "m² bostadsyta, proxy för befolkning"


def siting_scope(siting: Any) -> str:
    """`` (stadsdelskontor inom 10 minuters gång)`` from the result's category/threshold."""
    cat = getattr(siting, "category", None)
    thr = getattr(siting, "threshold_min", None)
    if not cat or thr is None:
        return ""
    return f" ({category_label(str(cat)).lower()} inom {fmt_num(float(thr), 0)} minuters gång)"


def join_sv(items: Sequence[str]) -> str:
    """``a``, ``a och b``, ``a, b och c``."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " och " + items[-1]


def safe_name(text: str) -> str:
    """``text`` as a safe file-name part (``omrade`` when nothing is left)."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", str(text)).strip("_") or "omrade"


def nonprofit_cell(siting: Any, city: Any, site_id: str, orgs: Sequence[Any]) -> str:
    """Report cell for a site's non-profits.

    Their names, else the siting result's label or a wording that does not claim an
    absence the data cannot support.
    """
    if orgs:
        names = ", ".join(str(n) for n, _, _ in orgs)
        label = site_nonprofit_label(siting, city, site_id)
        return f"{label}: {names}" if label else names
    return nonprofit_absence_text(siting, city, site_id)
