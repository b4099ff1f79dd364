"""Interactive HTML maps for politicians: coverage, services and proposed sites.

:func:`make_map` builds a :class:`folium.Map` from a :class:`~proximity.sources.City`, an
:class:`~proximity.coverage.Access` and (optionally) a
:class:`~proximity.siting.SitingResult`; :func:`save_map` writes it as one self-contained
HTML file, atomically.

The package is split by job: :mod:`~proximity.maps.labels` (Swedish/English texts, number
formatting, distance method, population unit), :mod:`~proximity.maps.views` and
:mod:`~proximity.maps.site_views` (data views shared with :mod:`proximity.report`),
:mod:`~proximity.maps.assets` (offline assets), :mod:`~proximity.maps.elements`,
:mod:`~proximity.maps.draw` and :mod:`~proximity.maps.boxes` (the folium drawing, one step per
layer or box), :mod:`~proximity.maps.overlays` (title, headline, boundary, area names, walking
network), :mod:`~proximity.maps.privacy` (residents without access, only as counts per square
cell of at least 250 m, counts under 5 hidden) and :mod:`~proximity.maps.make`
(:func:`make_map`, :func:`render_html`, :func:`save_map`).

Offline by default
------------------
folium links Leaflet, jQuery, Bootstrap, Font Awesome and Leaflet.awesome-markers from
CDNs, so its default page is blank without internet (``L is undefined``). With
``offline=True`` (the default) this package

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

from proximity.maps.assets import external_asset_urls, offline_asset
from proximity.maps.elements import CATEGORY_STYLE, OSM_TILES, ProximityMap
from proximity.maps.labels import (
    GAP_TEXT,
    OSM_ATTRIBUTION,
    PROVENANCE_KEYS_SV,
    PROVENANCE_SV,
    PROXY_TEXT,
    QUALITY_SV,
    TEXT,
    category_label,
    distance_method,
    distance_method_text,
    fmt_int,
    fmt_num,
    fmt_pct,
    is_crowfly,
    is_municipality,
    is_population_proxy,
    population_unit,
    profile_label,
    provenance_note_sv,
    quality_detail_html,
    quality_detail_text,
    quality_label,
    site_labels,
    total_label,
    unit_text,
)
from proximity.maps.make import make_map, render_html, save_map
from proximity.maps.site_views import (
    nonprofit_absence_text,
    site_area_impact,
    site_gini,
    site_nonprofit_label,
    site_nonprofits,
    site_table,
    siting_area_effect,
)
from proximity.maps.views import (
    NO_DATA_COLOUR,
    PRECISE_QUALITY,
    SHARE_BREAKS,
    SHARE_COLOURS,
    area_geometries,
    available_values,
    categories_without_service,
    data_dates,
    municipality_total,
    quality_counts,
    select_coverage,
    unlocated_services,
)

__all__ = [
    "CATEGORY_STYLE",
    "GAP_TEXT",
    "NO_DATA_COLOUR",
    "OSM_ATTRIBUTION",
    "OSM_TILES",
    "PRECISE_QUALITY",
    "PROVENANCE_KEYS_SV",
    "PROVENANCE_SV",
    "PROXY_TEXT",
    "QUALITY_SV",
    "SHARE_BREAKS",
    "SHARE_COLOURS",
    "TEXT",
    "ProximityMap",
    "area_geometries",
    "available_values",
    "categories_without_service",
    "category_label",
    "data_dates",
    "distance_method",
    "distance_method_text",
    "external_asset_urls",
    "fmt_int",
    "fmt_num",
    "fmt_pct",
    "is_crowfly",
    "is_municipality",
    "is_population_proxy",
    "make_map",
    "municipality_total",
    "nonprofit_absence_text",
    "offline_asset",
    "population_unit",
    "profile_label",
    "provenance_note_sv",
    "quality_counts",
    "quality_detail_html",
    "quality_detail_text",
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
    "unit_text",
    "unlocated_services",
]
