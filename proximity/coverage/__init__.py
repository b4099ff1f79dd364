"""Coverage: who can walk to which service, per resident, per area and per population group.

:func:`compute_access` measures, for every demand point (a group of residents at one
location) and every service category and walking profile, the walking distance and time to
the nearest service, and aggregates it, weighted by population, to areas (or subareas) and
to the whole municipality for a set of time thresholds.

Two distance methods
--------------------
``"network"`` (default, ``network`` given)
    Demand points and services are snapped once onto the walking network
    (:func:`proximity.snap.snap`, ``max_snap_m``). For each category and each *distinct* edge
    cost among the requested profiles, one multi-source nearest-service search is run
    (:func:`proximity.routing.nearest`). Profiles that share the same edge cost (they differ
    only in speed) share the distances: ``minutes = distance_m / speed_m_s / 60``.
    The network must fit the study area: same CRS as the city, an extent that meets the
    demand's, and at most ``max_unsnapped_share`` (50 %) of the population or of a
    category's services unsnapped or on network islands (else
    :class:`~proximity.errors.CRSError` / :class:`~proximity.errors.NetworkError`); above
    ``warn_unsnapped_share`` (5 %) a :class:`SnapQualityWarning`. The shares are in
    ``provenance["snap_quality"]``.
``"crowfly×F"`` (``network=None``)
    Straight-line distance multiplied by the detour factor ``F`` (default 1.3, a usual
    urban walking-detour ratio). A :class:`CrowFlyWarning` is always issued and every table,
    column and provenance record carries the label, e.g. ``"crowfly×1.3"``. Profiles only
    contribute their speed in this mode (highway penalties need a network).

Counting rules (every resident is counted exactly once)
-------------------------------------------------------
For an area, category, profile, threshold ``T`` and population group:

- ``covered``: located, snapped and reachable residents with ``minutes <= T``;
- ``uncovered``: located, snapped and reachable residents with ``minutes > T``;
- ``unsnapped``: located residents farther than ``max_snap_m`` from the network (never routed);
- ``unreachable``: snapped residents with no path to any service of the category
  (``minutes = inf``, e.g. on a disconnected island);
- ``unlocated``: residents known to live in the area but with no location
  (``City.unlocated``); never covered.

``covered + uncovered + unsnapped + unreachable + unlocated = population`` holds on every row,
and ``covered_share = covered / population`` (so every uncounted resident lowers it).
Unlocated residents without a known area (or, at subarea level, without a subarea) appear
only in the municipality total row (``area_id =`` :data:`TOTAL_AREA_ID`, ``area_name =``
:data:`TOTAL_AREA_NAME`).

``mean_min``, ``median_min`` and ``p90_min`` are population-weighted over the *reachable
located* residents only (covered + uncovered); they do not depend on ``T``. The weighted
quantile ``q`` is the smallest time ``m`` such that the residents with time ``<= m`` make up at
least the share ``q`` of that population (the "inverted CDF" definition; no interpolation).
They are ``NaN`` where nobody is reachable.

Population groups: every ``pop_<group>`` column of the demand is a group (``pop_0_19`` ->
``"0_19"``; a city bundle has ``0_19, 20_64, 65_79, 80_plus, 65_plus, 75_plus``, in that order
first), and so is every extra column a city TOML names in ``[demand] group_cols`` (a local
population file's ``men``, ``women``, ...). The area table has one row per group next to
``"all"``, weighting each point by that group's count; the per-point table carries the group
columns. Unlocated residents have no age
breakdown unless ``City.unlocated`` carries the same columns; otherwise they are counted in
``"all"`` only. Without age columns only ``"all"`` is reported and the provenance says
``"no age data"``; groups are never invented.

Coverage numbers always come from these points. The geometries of :func:`reached_edges` and
:func:`isochrone_polygons` are for display only.

Modules
-------
:mod:`~proximity.coverage.compute` (:func:`compute_access`: check, route, tables,
provenance), :mod:`~proximity.coverage.access` (the result, :class:`Access`),
:mod:`~proximity.coverage.provenance` (:func:`network_hash`, :func:`population_unit_info`),
``_fit`` (does the network fit the study area: CRS, extent, snap quality),
:mod:`~proximity.coverage.display` (:func:`reached_edges`, :func:`isochrone_polygons`).
"""

from __future__ import annotations

from proximity.coverage._output import CSV_FLOAT_FORMAT
from proximity.coverage.access import (
    AGE_GROUPS,
    COUNT_COLUMNS,
    TOTAL_AREA_ID,
    TOTAL_AREA_NAME,
    Access,
    CrowFlyWarning,
    SnapQualityWarning,
)
from proximity.coverage.compute import compute_access
from proximity.coverage.display import isochrone_polygons, reached_edges
from proximity.coverage.provenance import (
    POPULATION_UNIT_PERSONS,
    POPULATION_UNIT_PROXY,
    network_hash,
    population_unit_info,
)

__all__ = [
    "AGE_GROUPS",
    "COUNT_COLUMNS",
    "CSV_FLOAT_FORMAT",
    "POPULATION_UNIT_PERSONS",
    "POPULATION_UNIT_PROXY",
    "TOTAL_AREA_ID",
    "TOTAL_AREA_NAME",
    "Access",
    "CrowFlyWarning",
    "SnapQualityWarning",
    "compute_access",
    "isochrone_polygons",
    "network_hash",
    "population_unit_info",
    "reached_edges",
]
