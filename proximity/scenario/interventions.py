"""Apply a scenario's interventions to a city.

Walking speeds, split areas, closed and added services.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd

from proximity._io import slug
from proximity.scenario._common import close_list, scenario_error
from proximity.scenario.analysis import candidate_table
from proximity.scenario.model import AddService, CloseService, Scenario, SetSpeed, SplitArea

if TYPE_CHECKING:
    import geopandas as gpd

    from proximity.profiles import WalkingProfile
    from proximity.sources.city import City

__all__ = ["apply_interventions"]


def _candidate_point(
    candidates: gpd.GeoDataFrame | None, candidate_id: str
) -> tuple[float, float] | None:
    if candidates is None or not len(candidates):
        return None
    idcol = "candidate_id" if "candidate_id" in candidates.columns else candidates.columns[0]
    hit = candidates[candidates[idcol].astype(str) == candidate_id]
    if not len(hit):
        return None
    g = hit.geometry.iloc[0]
    return float(g.x), float(g.y)


def _point_in_city_crs(
    scenario: Scenario, city: City, iv: AddService, candidates: gpd.GeoDataFrame | None
) -> tuple[float, float]:
    """Where ``iv`` opens, in metres in the city's CRS (x/y, lat/lon or a candidate's point)."""
    if iv.x is not None and iv.y is not None:
        return iv.x, iv.y
    if iv.lat is not None and iv.lon is not None:
        from pyproj import Transformer

        tr = Transformer.from_crs("EPSG:4326", city.crs, always_xy=True)
        x, y = tr.transform(iv.lon, iv.lat)
        return float(x), float(y)
    assert iv.candidate_id is not None
    hit = _candidate_point(candidates, iv.candidate_id)
    if hit is not None:
        return hit
    svc = city.services[city.services["service_id"].astype(str) == iv.candidate_id]
    if len(svc):
        g = svc.geometry.iloc[0]
        return float(g.x), float(g.y)
    pool: list[str] = list(map(str, city.services["service_id"]))
    if candidates is not None and len(candidates):
        idcol = "candidate_id" if "candidate_id" in candidates.columns else candidates.columns[0]
        pool += list(map(str, candidates[idcol]))
    close = close_list(iv.candidate_id, pool)
    raise scenario_error(
        scenario,
        f"add_service: unknown candidate_id {iv.candidate_id!r}.",
        item=iv,
        fix=("Close matches: " + ", ".join(close) + ". " if close else "")
        + "Use a candidate id of the siting candidates or an existing service id, or give "
        "lat/lon.",
        key="candidate_id",
    )


def _profiles(scenario: Scenario, log: list[str]) -> tuple[str | WalkingProfile, ...]:
    """The scenario's profiles: names, or profile objects where ``set_speed`` changed one."""
    from proximity.profiles import get_profile

    speeds = {iv.profile: iv.speed_m_s for iv in scenario.interventions if isinstance(iv, SetSpeed)}
    profiles: list[str | WalkingProfile] = [
        dataclasses.replace(get_profile(name), speed_m_s=speeds[name]) if name in speeds else name
        for name in scenario.profiles
    ]
    for prof, v in speeds.items():
        log.append(f"set_speed: profile {prof} walks at {v:g} m/s")
    return tuple(profiles)


def _new_service_row(
    scenario: Scenario,
    city: City,
    iv: AddService,
    n: int,
    candidates: gpd.GeoDataFrame | None,
) -> tuple[dict[str, object], float, float]:
    """The service row of the ``n``-th added service (checked to lie in the study area), x, y."""
    import shapely

    x, y = _point_in_city_crs(scenario, city, iv, candidates)
    pt = shapely.Point(x, y)
    boundary = getattr(city, "boundary", None)
    if boundary is not None and not boundary.buffer(2000).contains(pt):
        raise scenario_error(
            scenario,
            f"add_service {iv.name!r} lies outside the study area of "
            f"{city.name!r} (x={x:.0f}, y={y:.0f} in {city.crs}).",
            item=iv,
            fix="Check the coordinates: lat/lon in degrees (WGS84), x/y in metres in "
            f"{city.crs}; lat and lon may be swapped.",
            key="type",
        )
    row = {
        "service_id": iv.service_id or f"scenario-{n}-{slug(iv.name)}",
        "name": iv.name,
        "category": iv.category,
        "location_quality": "scenario",
        "source": f"scenario {scenario.name}",
        "geometry": pt,
    }
    return row, x, y


def _with_added(
    services: gpd.GeoDataFrame, rows: Sequence[dict[str, object]], crs: object
) -> gpd.GeoDataFrame:
    """``services`` and the new ``rows`` (only the columns ``services`` has)."""
    import geopandas as gpd

    new = gpd.GeoDataFrame(rows, geometry="geometry", crs=services.crs)
    services = pd.concat(
        [services, new[[c for c in new.columns if c in services.columns or c == "geometry"]]],
        ignore_index=True,
    )
    return gpd.GeoDataFrame(services, geometry="geometry", crs=crs)


def _close_and_add(
    scenario: Scenario, city: City, candidates: gpd.GeoDataFrame | None, log: list[str]
) -> City:
    """The city without the closed services and with the added ones."""
    closed = [iv.service_id for iv in scenario.interventions if isinstance(iv, CloseService)]
    adds = [iv for iv in scenario.interventions if isinstance(iv, AddService)]
    if not (closed or adds):
        return city
    services = city.services
    if closed:
        services = services[~services["service_id"].astype(str).isin(closed)]
        log += [f"close_service: {sid}" for sid in closed]
    rows = []
    for n, iv in enumerate(adds, start=1):
        row, x, y = _new_service_row(scenario, city, iv, n, candidates)
        log.append(
            f"add_service: {row['service_id']} ({iv.category}) '{iv.name}' at x={x:.1f}, y={y:.1f}"
        )
        rows.append(row)
    if rows:
        services = _with_added(services, rows, city.services.crs)
    return dataclasses.replace(city, services=services.reset_index(drop=True))


def apply_interventions(
    scenario: Scenario, city: City, *, candidates: gpd.GeoDataFrame | None = None
) -> tuple[City, tuple[str | WalkingProfile, ...], list[str]]:
    """Apply the scenario's interventions to ``city``.

    Parameters
    ----------
    scenario
        The scenario (already checked with :func:`~proximity.scenario.check_against_city`).
    city
        The loaded :class:`proximity.sources.City`; it is not modified.
    candidates
        Optional GeoDataFrame of siting candidates, to resolve ``candidate_id``.

    Returns
    -------
    city, profiles, log
        The changed city, the walking profiles to use (names, or profile objects where a
        speed was changed) and one human-readable line per intervention.
    """
    log: list[str] = []
    profiles = _profiles(scenario, log)
    if candidates is None and any(
        isinstance(iv, AddService) and iv.candidate_id for iv in scenario.interventions
    ):
        candidates = candidate_table(scenario, city)
    for iv in scenario.interventions:
        if isinstance(iv, SplitArea):
            city = city.split_area(iv.area_id)
            log.append(f"split_area: {iv.area_id} replaced by its subareas")
    city = _close_and_add(scenario, city, candidates, log)
    return city, profiles, log
