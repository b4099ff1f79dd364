"""The analysis steps of a scenario: coverage and siting.

Coverage by :func:`proximity.coverage.compute_access`; siting: the candidates,
:func:`proximity.siting.site`, the chosen sites as new services and the coverage with them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd

from proximity.errors import ScenarioError
from proximity.scenario._common import no_crowfly_warning
from proximity.scenario.model import Scenario

if TYPE_CHECKING:
    import geopandas as gpd

    from proximity.coverage import Access
    from proximity.network import WalkNetwork
    from proximity.profiles import WalkingProfile
    from proximity.siting import SitingResult
    from proximity.sources.city import City

    #: A walking profile by name, or the profile object where a speed was changed.
    ProfileArg = str | WalkingProfile

__all__ = ["candidate_table"]


def no_service_at_all(scenario: Scenario | None, city: City) -> bool:
    """Whether the city holds no located service of any kind and the scenario names none.

    A sparse municipality (or a small tile) whose data hold no service: the run computes every
    category the city knows with nobody covered (:func:`coverage_categories`) instead of
    refusing, and ``categories.csv`` says so (``NO_DATA_STATUS``).
    """
    services = getattr(city, "services", None)
    unnamed = scenario is None or scenario.categories is None
    return unnamed and (services is None or len(services) == 0)


def coverage_categories(scenario: Scenario, city: City) -> list[str] | None:
    """The categories the coverage computes.

    The scenario's; None (those with services) when it names none; every category the city
    knows when it has no service at all (:func:`no_service_at_all`).
    """
    from proximity.sources.categories import known_categories

    if no_service_at_all(scenario, city):
        return list(known_categories(city))
    return None if scenario.categories is None else list(scenario.categories)


def scenario_access(
    scenario: Scenario,
    city: City,
    network: WalkNetwork | None,
    profiles: Sequence[ProfileArg],
    categories: Sequence[str] | None = None,
    *,
    extra_services: gpd.GeoDataFrame | None = None,
    area_level: str = "areas",
) -> Access:
    """:func:`proximity.coverage.compute_access` with the scenario's thresholds and settings."""
    from proximity.coverage import compute_access

    kwargs: dict[str, object] = {}
    if extra_services is not None:
        kwargs["extra_services"] = extra_services
    if area_level != "areas":
        kwargs["area_level"] = area_level
    if scenario.thresholds_m:
        kwargs["thresholds_m"] = tuple(scenario.thresholds_m)
    if scenario.areas and area_level == "areas":
        from proximity.scenario.districts import resolve_areas

        kwargs["areas"] = resolve_areas(scenario, city)
    with no_crowfly_warning():
        return compute_access(
            city,
            network,
            categories=list(categories) if categories else None,
            profiles=tuple(profiles),
            thresholds_min=tuple(scenario.thresholds_min),
            max_snap_m=scenario.max_snap_m,
            detour_factor=scenario.detour_factor,
            **kwargs,
        )


def candidate_arg(
    scenario: Scenario, city: City, network: WalkNetwork | None
) -> str | list[str] | gpd.GeoDataFrame | None:
    """The ``candidates`` argument of :func:`proximity.siting.site` for the scenario.

    A file path, a list of service categories, a grid of points, or None (the siting
    layer's default).
    """
    s = scenario.siting
    if s is None or s.candidates is None:
        return None
    spec = s.candidates
    if spec.kind == "file":
        assert spec.path is not None
        return str(spec.path)
    if spec.kind == "services":
        return list(spec.categories)
    from proximity.siting.candidates import from_grid

    assert spec.spacing_m is not None
    return from_grid(city, spec.spacing_m, network=network)


def candidate_table(
    scenario: Scenario, city: City, network: WalkNetwork | None = None
) -> gpd.GeoDataFrame:
    """The siting candidates of the scenario as a GeoDataFrame (``candidate_id``, …).

    Used to resolve ``add_service`` interventions given by ``candidate_id``. Without a
    [siting] table: the siting layer's default public places.

    Parameters
    ----------
    scenario
        The scenario.
    city
        Its city (after the interventions).
    network
        The walking network (grid candidates are snapped to it), or None.

    Returns
    -------
    geopandas.GeoDataFrame
    """
    from proximity.siting import candidates as cmod

    arg = candidate_arg(scenario, city, network)
    if arg is None:
        return cmod.from_services(city)
    if isinstance(arg, list):
        return cmod.from_services(city, arg)
    if isinstance(arg, str):
        return cmod.from_file(arg, city.crs)
    return arg


def site_scenario(
    scenario: Scenario,
    city: City,
    network: WalkNetwork | None,
    profiles: Sequence[ProfileArg],
) -> SitingResult:
    """Run :func:`proximity.siting.site` with the scenario's [siting] request."""
    from proximity.coverage import population_unit_info
    from proximity.siting import site

    s = scenario.siting
    assert s is not None
    prof: ProfileArg = s.profile
    for p in profiles:
        if getattr(p, "name", None) == s.profile:
            prof = p  # a profile whose speed the scenario changed
    extra: dict[str, object] = {"solver": s.solver} if s.solver else {}
    if s.candidate_areas:
        from proximity.scenario.equity_run import candidate_area_ids

        extra["candidate_areas"] = candidate_area_ids(s, city.areas)
    with no_crowfly_warning():
        result = site(
            city,
            network,
            category=s.category,
            k=s.k,
            threshold_min=s.threshold_min,
            profile=prof,
            one_per_area=s.one_per_area,
            model=s.model,
            max_snap_m=scenario.max_snap_m,
            detour_factor=scenario.detour_factor,
            robustness_profiles=tuple(p if isinstance(p, str) else p.name for p in profiles),
            candidates=candidate_arg(scenario, city, network),
            **extra,
        )
    # gains are in the demand's unit (persons or m² of floor area)
    result.population_unit = population_unit_info(city)["unit"]
    return result


def _chosen_geometries(city: City, result: SitingResult) -> dict[str, object]:
    """Candidate id → point, from the result's candidate table (or ``per_site``'s x/y)."""
    import geopandas as gpd

    geoms: dict[str, object] = {}
    cands = result.candidates
    if cands is not None and "geometry" in getattr(cands, "columns", []):
        cgdf = cands if isinstance(cands, gpd.GeoDataFrame) else gpd.GeoDataFrame(cands)
        if cgdf.crs is not None and str(cgdf.crs) != str(city.crs):
            cgdf = cgdf.to_crs(city.crs)
        idcol = "candidate_id" if "candidate_id" in cgdf.columns else cgdf.columns[0]
        geoms = dict(zip(cgdf[idcol].astype(str), cgdf.geometry, strict=False))
    per_site = result.per_site
    if len(geoms) == 0 and per_site is not None and {"x", "y"} <= set(per_site.columns):
        import shapely

        geoms = {str(r.candidate_id): shapely.Point(r.x, r.y) for r in per_site.itertuples()}
    return geoms


def chosen_sites_as_services(
    scenario: Scenario, city: City, result: SitingResult
) -> gpd.GeoDataFrame | None:
    """The chosen sites as new service rows of the siting category (for the final coverage).

    None when nothing was chosen.
    """
    import geopandas as gpd

    assert scenario.siting is not None
    chosen = [str(c) for c in result.chosen]
    if not chosen:
        return None
    geoms = _chosen_geometries(city, result)
    missing = [c for c in chosen if c not in geoms]
    if missing:
        raise ScenarioError(  # pragma: no cover - the siting layer always gives geometries
            f"The siting result has no location for the chosen sites {missing}.",
            file=scenario.path,
            fix="Set [siting] apply = false to skip the final coverage.",
        )
    label = (
        "Föreslaget stadsdelskontor"
        if scenario.siting.category == "district_office"
        else "Föreslagen plats"
    )
    return gpd.GeoDataFrame(
        {
            "service_id": [f"new:{c}" for c in chosen],
            "name": [f"{label} nr {r}" for r in range(1, len(chosen) + 1)],
            "category": scenario.siting.category,
            "location_quality": "proposed site",
            "source": f"scenario {scenario.name}: siting rank",
        },
        geometry=[geoms[c] for c in chosen],
        crs=city.crs,
    )


def merge_after_siting(before: Access, after: Access, category: str) -> Access:
    """An ``Access`` with ``category`` from ``after`` and every other category from ``before``."""
    import dataclasses

    changes: dict[str, object] = {}
    for attr in ("areas", "points"):
        b = getattr(before, attr)
        a = getattr(after, attr)
        changes[attr] = pd.concat(
            [b[b["category"] != category], a[a["category"] == category]], ignore_index=True
        )
    prov = dict(before.provenance or {})
    prov["siting_applied"] = {
        "category": category,
        "note": "coverage of this category includes the new sites",
    }
    changes["provenance"] = prov
    cats = tuple(before.categories)
    if category not in cats:
        changes["categories"] = (*cats, category)
    return dataclasses.replace(before, **changes)
