"""The run's documents: the HTML maps, the report and the area profiles."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from proximity.scenario._common import fmt_float, no_crowfly_warning
from proximity.scenario.analysis import merge_after_siting, scenario_access
from proximity.scenario.model import Scenario

if TYPE_CHECKING:
    import geopandas as gpd

    from proximity.coverage import Access
    from proximity.profiles import WalkingProfile
    from proximity.scenario.pipeline import RunResult

__all__ = ["map_isochrones", "map_settings", "privacy_settings"]


def map_settings(scenario: Scenario, access: Access) -> tuple[tuple[str, ...], float, str]:
    """Categories, threshold and profile shown in the maps and the report.

    Parameters
    ----------
    scenario
        The scenario (its ``[outputs]`` and ``[siting]``).
    access
        The coverage result (its categories).

    Returns
    -------
    categories, threshold_min, profile
    """
    cats = scenario.outputs.map_categories or (
        (scenario.siting.category,) if scenario.siting else tuple(access.categories)
    )
    cats = tuple(c for c in cats if c in tuple(access.categories)) or tuple(access.categories)
    thr = scenario.outputs.map_threshold_min or (
        scenario.siting.threshold_min
        if scenario.siting
        else (10 if 10 in scenario.thresholds_min else scenario.thresholds_min[0])
    )
    prof = scenario.outputs.map_profile or (
        scenario.siting.profile if scenario.siting else str(scenario.profiles[0])
    )
    return cats, thr, prof


def privacy_settings(scenario: Scenario) -> dict[str, float]:
    """The ``make_map`` privacy arguments the scenario sets (``[outputs] privacy_*``)."""
    out = scenario.outputs
    got = {"privacy_cell_m": out.privacy_cell_m, "privacy_min_count": out.privacy_min_count}
    return {k: float(v) for k, v in got.items() if v is not None}


def _candidates_of(res: RunResult) -> gpd.GeoDataFrame | None:
    return res.siting.candidates if res.siting is not None else None


def _profile_obj(res: RunResult, name: str) -> str | WalkingProfile:
    """The profile ``name`` as used by the run (a speed changed by ``set_speed`` included)."""
    for p in res.profiles:
        if getattr(p, "name", None) == name:
            return p
    return name


def _services_of(res: RunResult, category: str) -> gpd.GeoDataFrame:
    """The services of ``category`` after the interventions, with the applied new sites."""
    import geopandas as gpd

    services = res.city.services
    svc = services[services["category"].astype(str) == category]
    extra = res.added_sites
    if extra is not None and len(extra):
        extra = extra[extra["category"].astype(str) == category]
        if len(extra):
            svc = pd.concat([svc, extra.to_crs(svc.crs)], ignore_index=True)
    return gpd.GeoDataFrame(svc, geometry="geometry", crs=services.crs)


def map_isochrones(
    res: RunResult, categories: Sequence[str], threshold_min: float, profile: str
) -> gpd.GeoDataFrame | None:
    """Reached-network polygons around the services of each category, for the maps.

    :func:`proximity.coverage.isochrone_polygons`; None in crow-fly mode (there is no
    network to reach along, so the crow-fly maps have no such layer).

    The services are the city's after the interventions plus, for the siting category, the
    chosen sites when they were applied, so the layer matches the coverage shown.

    Parameters
    ----------
    res
        The run.
    categories
        The mapped categories.
    threshold_min
        The mapped threshold.
    profile
        The mapped walking profile.

    Returns
    -------
    geopandas.GeoDataFrame or None
        ``category, threshold_min, profile, buffer_m, geometry`` (network CRS).
    """
    network = res.network
    if network is None:
        return None
    import geopandas as gpd

    from proximity.coverage import isochrone_polygons
    from proximity.snap import snap

    prof = _profile_obj(res, profile)
    frames = []
    for cat in categories:
        svc = _services_of(res, cat)
        if len(svc) == 0:
            continue
        if str(svc.crs) != str(network.crs):
            svc = svc.to_crs(network.crs)
        sn = snap(
            network,
            svc,
            ids=svc["service_id"].astype(str).to_numpy(),
            max_snap_m=res.scenario.max_snap_m,
            what="services",
        )
        if not bool(np.any(sn.routable)):
            continue
        iso = isochrone_polygons(network, sn, [float(threshold_min)], prof)
        frames.append(iso.assign(category=cat))
    if not frames:
        return None
    return gpd.GeoDataFrame(
        pd.concat(frames, ignore_index=True), geometry="geometry", crs=network.crs
    )


def _baseline_of(baseline_access: Access | None, category: str) -> Access | None:
    """The baseline for ``category``: None when the baseline has no coverage of it.

    E.g. a siting scenario whose new category has no service in the baseline city: its map
    and report then show no baseline instead of failing.
    """
    if baseline_access is None or category not in tuple(baseline_access.categories):
        return None
    return baseline_access


def write_maps(
    scenario: Scenario, res: RunResult, folder: Path, baseline_access: Access | None = None
) -> list[Path]:
    """One self-contained HTML map per mapped category, into ``folder``."""
    from proximity.maps import make_map, save_map

    cats, thr, prof = map_settings(scenario, res.access)
    folder.mkdir(parents=True, exist_ok=True)
    iso = map_isochrones(res, cats, float(thr), prof)
    paths = []
    for cat in cats:
        m = make_map(
            res.city,
            res.access,
            siting=res.siting,
            category=cat,
            threshold_min=thr,
            profile=prof,
            baseline=_baseline_of(baseline_access, cat),
            offline=True,
            lang="sv",
            candidates=_candidates_of(res),
            title=scenario.title or None,
            isochrones=None if iso is None else iso[iso["category"] == cat],
            show_residents=True,
            **privacy_settings(scenario),
            network=res.network,  # a light street layer (network mode); None: not drawn
        )
        p = folder / f"{scenario.name}-{cat}-{fmt_float(float(thr))}min-{prof}.html"
        save_map(m, p)
        paths.append(p)
    return paths


def write_report(
    scenario: Scenario, res: RunResult, folder: Path, baseline_access: Access | None = None
) -> Path | None:
    """``report.md`` and ``report.html`` into ``folder``; the Markdown file's path."""
    from proximity.report import write_report as write

    cats, thr, prof = map_settings(scenario, res.access)
    out = write(
        folder,
        res.city,
        res.access,
        res.siting,
        category=cats[0],
        threshold_min=thr,
        profile=prof,
        title=scenario.title or None,
        baseline=_baseline_of(baseline_access, cats[0]),
        candidates=_candidates_of(res),
    )
    md_path = out.get("report.md") if isinstance(out, dict) else None
    return Path(md_path) if md_path else None


def _subarea_access(scenario: Scenario, res: RunResult) -> Access:
    """The run's coverage at subarea (stadsdel) level, with the applied sites.

    For area profiles of subareas.
    """
    access = scenario_access(
        scenario, res.city, res.network, res.profiles, scenario.categories, area_level="subareas"
    )
    if res.added_sites is not None and scenario.siting is not None:
        after = scenario_access(
            scenario,
            res.city,
            res.network,
            res.profiles,
            [scenario.siting.category],
            extra_services=res.added_sites,
            area_level="subareas",
        )
        access = merge_after_siting(access, after, scenario.siting.category)
    return access


def write_area_profiles(scenario: Scenario, res: RunResult, folder: Path) -> list[Path]:
    """``omrade_<id>.md``/``.html`` for every id of ``outputs.area_profiles``.

    :func:`proximity.report.area_profile`, at the map profile and threshold.
    """
    from proximity.report import area_profile

    _cats, thr, prof = map_settings(scenario, res.access)
    area_ids = set(res.access.areas["area_id"].astype(str))
    sub_access = None
    paths: list[Path] = []
    for aid in scenario.outputs.area_profiles:
        access = res.access
        if aid not in area_ids:
            if sub_access is None:
                sub_access = _subarea_access(scenario, res)
            access = sub_access
        with no_crowfly_warning():
            out = area_profile(
                folder,
                res.city,
                access,
                aid,
                res.siting,
                candidates=_candidates_of(res),
                profile=prof,
                threshold_min=float(thr),
            )
        paths += [Path(v) for _k, v in sorted(out.items())]
    return paths
