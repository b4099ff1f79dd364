"""Reporting areas by name, and the non-profits near a category's services (district networks).

A scenario may name its reporting areas by id or by name (``areas = ["Andersberg", "Bomhus"]``,
e.g. SCB's RegSO areas of a city bundle built with ``--regso``): only their rows (and the
municipality total) are reported. ``[outputs] nonprofits_near = "meeting_place"`` writes
``tables/nonprofits_near.csv``: for every service of that category in the reported areas, the
non-profit organisations (the bundle's ``nonprofits``: associations, NGOs, clubs, ...) within
``nonprofits_threshold_min`` minutes' walk (default 10) for the scenario's first profile (or
``map_profile``), over the walking network (crow-fly × the detour factor without one).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from proximity.errors import did_you_mean
from proximity.scenario._common import scenario_error

if TYPE_CHECKING:
    from proximity.scenario.model import Scenario
    from proximity.sources.city import City

__all__ = ["NONPROFITS_NEAR_COLUMNS", "nonprofits_near_table", "resolve_areas"]

#: Columns of ``tables/nonprofits_near.csv``.
NONPROFITS_NEAR_COLUMNS = [
    "area_id",
    "area_name",
    "service_id",
    "service_name",
    "org_id",
    "name",
    "kind",
    "distance_m",
    "minutes",
    "threshold_min",
    "profile",
    "distance_method",
]


def resolve_areas(scenario: Scenario, city: City) -> list[str] | None:
    """The area ids of ``scenario.areas`` (ids or names, case-insensitive names); None = all.

    Raises
    ------
    ScenarioError
        A value that is neither an area id nor the name of exactly one area (did-you-mean).
    """
    if not scenario.areas:
        return None
    ids = [str(a) for a in city.areas["area_id"]]
    names = [str(n) for n in city.areas["name"]] if "name" in city.areas else ids
    out: list[str] = []
    for value in scenario.areas:
        if value in ids:
            out.append(value)
            continue
        hits = [i for i, n in zip(ids, names, strict=True) if n.casefold() == value.casefold()]
        if len(hits) != 1:
            hint = did_you_mean(value, names + ids)
            shown = ", ".join(f"{n} ({i})" for i, n in zip(ids, names, strict=True))
            what = "names several areas" if hits else "is neither an area id nor an area name"
            raise scenario_error(
                scenario,
                f"areas: {value!r} {what} of {city.name!r}.",
                fix=(f"Did you mean {hint!r}? " if hint else "") + f"Areas: {shown[:1500]}.",
                key="areas",
            )
        out.append(hits[0])
    return list(dict.fromkeys(out))


def nonprofits_near_table(
    scenario: Scenario, city: City, network: Any, profiles: Any
) -> pd.DataFrame:
    """Non-profits within walking distance of each service of ``outputs.nonprofits_near``.

    Parameters
    ----------
    scenario
        The scenario (``outputs.nonprofits_near``, ``nonprofits_threshold_min``, ``areas``).
    city
        The city after the interventions.
    network
        The walking network, or None (crow-fly × ``detour_factor``).
    profiles
        The resolved walking profiles of the run (the first, or ``map_profile``, is used).

    Returns
    -------
    pandas.DataFrame
        :data:`NONPROFITS_NEAR_COLUMNS`, one row per service × organisation in reach, sorted
        by area, service and minutes. A service with none in reach has one row without an
        organisation (``org_id`` empty), so every meeting place is listed.
    """
    from proximity.siting.distances import Distances, point_xy
    from proximity.siting.nonprofits import nonprofits_near

    out = scenario.outputs
    cat = str(out.nonprofits_near)
    threshold = float(out.nonprofits_threshold_min or 10.0)
    prof = _profile(profiles, out.map_profile)
    services = city.services[city.services["category"].astype(str) == cat].reset_index(drop=True)
    wanted = resolve_areas(scenario, city)
    if wanted is not None:
        services = services[services["area_id"].astype(str).isin(wanted)].reset_index(drop=True)
    names = dict(
        zip(city.areas["area_id"].astype(str), city.areas["name"].astype(str), strict=True)
    )
    dist = Distances(network, scenario.max_snap_m, scenario.detour_factor)
    ids = services["service_id"].astype(str).tolist()
    near = pd.DataFrame(columns=["candidate_id", "org_id", "name", "kind", "distance_m", "minutes"])
    if len(services):
        sites = ("nonprofits_near_services", point_xy(services), ids)
        order = np.arange(len(services))
        near, _ = nonprofits_near(
            city, network, dist, sites, order, profile=prof, threshold_min=threshold
        )
    base = pd.DataFrame(
        {
            "candidate_id": ids,
            "area_id": services["area_id"].astype(str),
            "service_name": services["name"].astype(str),
        }
    )
    table = base.merge(near, on="candidate_id", how="left").rename(
        columns={"candidate_id": "service_id"}
    )
    table["area_name"] = table["area_id"].map(names).fillna("")
    table["org_id"] = table["org_id"].fillna("")
    table[["name", "kind"]] = table[["name", "kind"]].fillna("")
    table = table.assign(threshold_min=threshold, profile=prof.name, distance_method=dist.method)
    return (
        table[NONPROFITS_NEAR_COLUMNS]
        .sort_values(["area_id", "service_id", "minutes", "org_id"], kind="stable")
        .reset_index(drop=True)
    )


def _profile(profiles: Any, name: str | None) -> Any:
    from proximity.profiles import get_profile

    profs = [get_profile(p) for p in profiles]
    for p in profs:
        if name is not None and p.name == name:
            return p
    return profs[0]
