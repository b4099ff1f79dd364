"""The values every layer of a map needs, validated once by :func:`proximity.maps.make_map`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from proximity.maps.labels import threshold_text

__all__ = ["MapContext"]


@dataclass(frozen=True)
class MapContext:
    """Inputs, wording and options of one map (see :func:`proximity.maps.make_map`).

    Attributes
    ----------
    city, access, siting
        The duck-typed inputs (``siting`` may be ``None``).
    category, threshold_min, profile
        The coverage the areas are coloured by (``threshold_min`` as a float).
    lang, tx, proxy
        Language, its texts (:func:`~proximity.maps.labels.unit_text`) and whether the
        population is a floor-area proxy.
    rows, base_rows
        The coverage rows of the areas (:func:`~proximity.maps.views.select_coverage`) and
        the baseline's rows indexed by ``area_id`` (or ``None``).
    areas, area_names, crs
        The area polygons in EPSG:4326 (``area_id`` as text), their names, the city's CRS.
    measure, cat_label, page_title
        "Andel invånare inom 10 minuters gång", the category label and the map's title
        ("Andel som når ett bibliotek inom 15 minuters promenad (vuxen)").
    subtitle, headline
        The line under the title (scenario title or city name) and the answer in one line
        ("35 % av invånarna (52 337 personer) når …, i dag 2 %").
    offline, tiles, show_residents, privacy_cell_m, privacy_min_count, isochrones,
    candidates, cluster_services,
    service_categories, all_services
        The options of :func:`~proximity.maps.make_map`.
    """

    city: Any
    access: Any
    siting: Any
    category: str
    threshold_min: float
    profile: str
    lang: str
    tx: Mapping[str, str]
    proxy: bool
    rows: pd.DataFrame
    base_rows: pd.DataFrame | None
    areas: Any
    area_names: Mapping[str, str]
    crs: Any
    measure: str
    cat_label: str
    page_title: str
    subtitle: str = ""
    headline: str = ""
    offline: bool = True
    tiles: bool = True
    show_residents: bool = False
    privacy_cell_m: float = 250.0
    privacy_min_count: float = 5
    isochrones: Any = None
    candidates: Any = None
    cluster_services: bool = False
    service_categories: Iterable[str] | None = None
    all_services: bool = False

    @property
    def threshold_text(self) -> str:
        """The threshold as shown: ``10`` or ``7,5``."""
        return threshold_text(self.threshold_min)
