"""The :func:`compute_access` entry point: check, route, tables, provenance."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from proximity.coverage._check import (
    CheckedInputs,
    check_city,
    check_inputs,
    check_options,
    check_thresholds,
    check_thresholds_m,
    resolve_profiles,
    unit_index,
)
from proximity.coverage._fit import (
    MAX_UNSNAPPED_SHARE,
    WARN_UNSNAPPED_SHARE,
    check_network_fits,
    check_share_limits,
    enforce_snap_quality,
    snap_quality,
)
from proximity.coverage._route import (
    STATUS_NAMES,
    Routes,
    route_crowfly,
    route_network,
    snap_all,
)
from proximity.coverage._tables import (
    UnitTable,
    area_table,
    declared_group_columns,
    group_columns,
    group_weights,
    points_table,
    unlocated_population,
)
from proximity.coverage.access import Access, CrowFlyWarning
from proximity.coverage.provenance import population_unit_info, provenance_record
from proximity.distance_method import DistanceMethod
from proximity.sources.city import total_area_label

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd

    from proximity.network import WalkNetwork
    from proximity.profiles import WalkingProfile

__all__ = ["compute_access"]


def compute_access(
    city: Any,
    network: WalkNetwork | None,
    *,
    categories: Sequence[str] | None = None,
    profiles: Sequence[str | WalkingProfile] = ("adult", "elderly", "winter"),
    thresholds_min: Sequence[float] = (5, 10, 15, 20),
    max_snap_m: float = 300.0,
    detour_factor: float = 1.3,
    area_level: str = "areas",
    areas: Sequence[str] | None = None,
    extra_services: gpd.GeoDataFrame | None = None,
    warn_unsnapped_share: float = WARN_UNSNAPPED_SHARE,
    max_unsnapped_share: float = MAX_UNSNAPPED_SHARE,
    thresholds_m: Sequence[float] = (),
) -> Access:
    """Walking access from every demand point to the nearest service of each category.

    Parameters
    ----------
    city
        A :class:`proximity.sources.City` (or any object with its ``crs``, ``areas``,
        ``subareas``, ``demand``, ``unlocated``, ``services`` and ``provenance``).
    network
        The walking network, or ``None`` for crow-fly mode (straight line ×
        ``detour_factor``, with a :class:`CrowFlyWarning`). It must be in the city's CRS
        and cover the study area (see Raises).
    categories
        Service categories; default: every category that has at least one service. A
        category is valid when it is built in (:data:`proximity.sources.CATEGORIES`),
        declared by the city, or present among the services. A valid category without any
        service (e.g. a new kind of office being sited) is computed: nobody is covered,
        every located resident counts as ``unreachable`` (``minutes`` = inf, ``mean_min``
        NaN) and ``provenance["notes"]`` says why. To see the effect of planned services,
        pass them as ``extra_services``; to rank sites for them, use :func:`proximity.site`.
        A category that is not built in needs declaring (city TOML ``[categories.X]``) or
        at least one row of it in ``extra_services``.
    profiles
        Walking profile names (see :data:`proximity.profiles.PROFILES`) or profile objects.
    thresholds_min
        Time thresholds in minutes (0 < t ≤ 24 × 60).
    max_snap_m
        Points farther than this from the network are ``unsnapped`` (network mode only).
    detour_factor
        Crow-fly detour factor (>= 1); ignored in network mode.
    area_level
        ``"areas"`` (``city.areas``) or ``"subareas"`` (``city.subareas``, via the demand's
        ``subarea_id``).
    areas
        Restrict the area rows to these ids (the municipality total row stays the whole
        municipality). Unknown ids raise :class:`ParameterError`.
    extra_services
        Services added to ``city.services``, e.g. proposed offices: a GeoDataFrame with
        ``service_id`` (new, unique ids), ``category`` and a point geometry (any CRS; it is
        converted to the city's), optionally ``name``. Example, one planned office::

            new = gpd.GeoDataFrame(
                {"service_id": ["plan:1"], "category": ["district_office"],
                 "name": ["Nytt kontor"]},
                geometry=gpd.points_from_xy([24.94], [60.17]), crs="EPSG:4326")
            access = compute_access(city, net, categories=["district_office"],
                                    extra_services=new)
    warn_unsnapped_share, max_unsnapped_share
        Network mode: when more than ``warn_unsnapped_share`` (default 5 %) of the
        population (demand weight), or of the services of a category, is unsnapped or on a
        network island, a :class:`SnapQualityWarning` is issued; above
        ``max_unsnapped_share`` (default 50 %) a :class:`NetworkError` is raised. The shares
        are recorded in ``provenance["snap_quality"]``. ``0 ≤ warn ≤ max ≤ 1``.

    thresholds_m
        Thresholds in walking metres along the network (e.g. ``(300, 600, 1000, 1500)``:
        SCB's distance bands and Trafikanalys's 1 km), computed beside the minutes: their
        rows have ``threshold_m`` set and ``threshold_min`` missing (see :class:`Access`).
        A resident is covered when the profile's ``distance_m`` is at most the threshold,
        whatever the speed; so ``m = min × speed × 60`` gives the same counts as ``min``.
        Crow-fly mode: the straight line × ``detour_factor``.

    Returns
    -------
    Access

    Raises
    ------
    ParameterError
        ``city`` is not a city; unknown profile, category or area; a threshold that is not
        a number of minutes in (0, 1440]; a bad ``max_snap_m``, ``detour_factor``,
        ``area_level`` or share limit.
    CRSError
        The network is not in the city's CRS.
    NetworkError
        The network's extent does not overlap the demand's (unless
        ``max_unsnapped_share=1``: everyone would be unsnapped), or more than
        ``max_unsnapped_share`` of the population or of a category's services is unsnapped
        or on network islands.
    SchemaError
        Missing columns, negative or missing population, a total population of zero.
    GeometryError
        Demand or service rows without a point geometry.
    """
    check_city(city)
    thresholds = check_thresholds(thresholds_min)
    check_options(
        network, max_snap_m=max_snap_m, area_level=area_level, detour_factor=detour_factor
    )
    limits = check_share_limits(warn_unsnapped_share, max_unsnapped_share)
    profs = resolve_profiles(profiles)
    method = DistanceMethod.of(network, detour_factor)
    inputs = check_inputs(
        city,
        network,
        method=method,
        profs=profs,
        thresholds=thresholds,
        categories=categories,
        extra_services=extra_services,
        area_level=area_level,
        areas=areas,
    )
    inputs.thresholds_m = check_thresholds_m(thresholds_m)
    if network is None:
        warnings.warn(
            f"No walking network given: distances are straight lines × {detour_factor:g} "
            f"(distance_method={method.label!r}). Results are approximate; load a network "
            "(proximity.load_network) for network distances.",
            CrowFlyWarning,
            stacklevel=2,
        )
    routes = _route(inputs, max_snap_m=max_snap_m, limits=limits)
    inputs.notes.extend(routes.notes)
    points, area_rows, groups = _tables(inputs, routes)
    prov = provenance_record(inputs, groups=groups, snap_info=routes.snap_info)
    if routes.snap_quality is not None:
        prov["snap_quality"] = routes.snap_quality
    pop_unit = population_unit_info(city)  # persons or a floor-area proxy
    prov["population"] = pop_unit
    demand = inputs.demand
    return Access(
        points=points,
        areas=area_rows,
        distance_method=method.label,
        provenance=prov,
        profiles=tuple(p.name for p in profs),
        categories=tuple(inputs.cats),
        thresholds_min=tuple(thresholds),
        thresholds_m=tuple(inputs.thresholds_m),
        groups=tuple(groups),
        area_level=area_level,
        demand_geometry=demand.set_index(demand["demand_id"].to_numpy()).geometry,
        population_unit=pop_unit["unit"],
    )


def _route(inputs: CheckedInputs, *, max_snap_m: float, limits: tuple[float, float]) -> Routes:
    """Crow-fly distances × the detour factor, or distances over the network.

    Network mode checks that the network fits (CRS; extent unless the max share is 1),
    snaps, and checks the snapping quality (warning or NetworkError, ``limits`` = warn and
    max share) before any routing.
    """
    factor = inputs.method.detour_factor
    if factor is not None:
        return route_crowfly(
            inputs.dxy,
            inputs.sxy,
            inputs.services,
            cats=inputs.cats,
            profs=inputs.profs,
            detour_factor=factor,
        )
    network, services = inputs.network, inputs.services
    city_crs = getattr(inputs.city, "crs", None) or getattr(inputs.demand, "crs", None)
    check_network_fits(network, city_crs, inputs.dxy, max_snap_m, extent=limits[1] < 1.0)
    snapped = snap_all(network, inputs.demand, services, max_snap_m)
    quality = snap_quality(
        network,
        (snapped[0], inputs.demand["population"].to_numpy(dtype=float)),
        (snapped[1], services["category"].astype(str).to_numpy()),
        cats=inputs.cats,
        limits=limits,
    )
    enforce_snap_quality(quality, city_name=getattr(inputs.city, "name", None))
    routes = route_network(
        network, snapped, services, cats=inputs.cats, profs=inputs.profs, max_snap_m=max_snap_m
    )
    routes.snap_quality = quality
    return routes


def _tables(inputs: CheckedInputs, routes: Routes) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """The per-point table, the per-area table and the population groups reported."""
    demand = inputs.demand
    groups, weights, age_note = group_weights(demand, declared_group_columns(inputs.city))
    if age_note:
        inputs.notes.append(age_note)
    status_names = np.array(STATUS_NAMES, dtype=object)[routes.status_codes]
    points = points_table(
        demand,
        routes.per_cat,
        cats=inputs.cats,
        profs=inputs.profs,
        service_ids=inputs.services["service_id"].to_numpy(),
        status_names=status_names,
        distance_method=inputs.method.label,
        group_cols=group_columns(demand, groups[1:]).values(),
    )
    unit_idx, unit_ids = unit_index(demand, inputs.unit_col, inputs.unit_names)
    unl_units, unl_total, unl_note = unlocated_population(
        inputs.city, inputs.unit_col, unit_ids, groups
    )
    if unl_note:
        inputs.notes.append(unl_note)
    units = UnitTable(
        idx=unit_idx,
        ids=unit_ids,
        names=inputs.unit_names,
        keep=inputs.keep_units,
        unlocated=unl_units,
        unlocated_total=unl_total,
        total_name=total_area_label(inputs.city),
    )
    area_rows = area_table(
        routes.per_cat,
        units,
        cats=inputs.cats,
        profs=inputs.profs,
        thresholds=inputs.thresholds,
        groups=groups,
        weights=weights,
        status_codes=routes.status_codes,
        distance_method=inputs.method.label,
        thresholds_m=inputs.thresholds_m,
    )
    return points, area_rows, groups
