"""Checks of a scenario against the loaded city: ids, categories, profiles, area profiles."""

from __future__ import annotations

from typing import TYPE_CHECKING

from proximity._io import slug
from proximity.errors import ScenarioError, did_you_mean
from proximity.scenario._check_equity import check_equity_keys
from proximity.scenario._common import close_list, scenario_error
from proximity.scenario.model import (
    AddService,
    CloseService,
    Intervention,
    Scenario,
    SetSpeed,
    SplitArea,
)
from proximity.sources.categories import known_categories, slug_id

if TYPE_CHECKING:
    from proximity.sources.city import City

__all__ = ["check_against_city", "list_services_command"]


def check_against_city(scenario: Scenario, city: City) -> None:
    """Check the scenario against the loaded city (ids, categories, profiles).

    Parameters
    ----------
    scenario
        The scenario (from :func:`~proximity.scenario.load_scenario`).
    city
        The loaded city it names.

    Raises
    ------
    ScenarioError
        Closing a service that does not exist (naming the id and listing close matches),
        splitting an unknown area or one without subareas, an unknown category or profile,
        or a new service outside the study area.
    """
    _check_names(scenario, city)
    for iv in scenario.interventions:
        _check_intervention(scenario, city, iv)
    _check_area_profiles(scenario, city)
    _check_categories_left(scenario, city)
    _check_districts(scenario, city)
    check_equity_keys(scenario, city)


def _bad_category(
    scenario: Scenario, city: City, cat: str, item: Intervention | None, key: str
) -> ScenarioError:
    known = sorted(known_categories(city))
    hint = did_you_mean(cat, known)
    return scenario_error(
        scenario,
        f"Unknown service category {cat!r}.",
        item=item,
        fix=(f"Did you mean {hint!r}? " if hint else "")
        + f"Categories: {', '.join(known)}; or declare a new one in the scenario or the city "
        f'TOML: [categories.{slug_id(cat)}] label_sv = "...".',
        key=key,
    )


def _check_profile(scenario: Scenario, prof: str, item: Intervention | None, key: str) -> None:
    from proximity.profiles import PROFILES

    if prof not in PROFILES:
        hint = did_you_mean(prof, sorted(PROFILES))
        raise scenario_error(
            scenario,
            f"Unknown walking profile {prof!r}.",
            item=item,
            fix=(f"Did you mean {hint!r}? " if hint else "")
            + f"Profiles: {', '.join(sorted(PROFILES))}.",
            key=key,
        )


def _check_names(scenario: Scenario, city: City) -> None:
    """The scenario's categories and profiles must be known ones (built in or declared)."""
    known = known_categories(city)
    for cat in scenario.categories or ():
        if cat not in known:
            raise _bad_category(scenario, city, cat, None, "categories")
    if scenario.siting and scenario.siting.category not in known:
        raise _bad_category(scenario, city, scenario.siting.category, None, "siting.category")
    for prof in (*scenario.profiles, *([scenario.siting.profile] if scenario.siting else [])):
        _check_profile(scenario, prof, None, "profiles")


def _check_intervention(scenario: Scenario, city: City, iv: Intervention) -> None:
    if isinstance(iv, CloseService):
        _check_close(scenario, city, iv)
    elif isinstance(iv, SplitArea):
        _check_split(scenario, city, iv)
    elif isinstance(iv, SetSpeed):
        _check_profile(scenario, iv.profile, iv, "profile")
    elif isinstance(iv, AddService):
        _check_add(scenario, city, iv)


def _check_close(scenario: Scenario, city: City, iv: CloseService) -> None:
    service_ids = set(map(str, city.services["service_id"]))
    if iv.service_id not in service_ids:
        close = close_list(iv.service_id, service_ids)
        raise scenario_error(
            scenario,
            f"Cannot close service {iv.service_id!r}: the city {city.name!r} has no "
            "service with that id.",
            item=iv,
            fix=("Close matches: " + ", ".join(close) + ". " if close else "")
            + "List every service id of the city with: "
            + list_services_command(scenario.city),
            key="service_id",
        )


def list_services_command(city: str) -> str:
    """A shell command that prints every service id of ``city`` (a built-in name or a path).

    It names the city the way the scenario does (``"helsingborg"``, not its display name
    ``"Helsingborg"``, which :func:`proximity.load_city` does not know).
    """
    return (
        f'python -c "import proximity; print(proximity.load_city({city!r})'
        ".services[['service_id', 'category', 'name']].to_string())\""
    )


def _check_split(scenario: Scenario, city: City, iv: SplitArea) -> None:
    area_ids = set(map(str, city.areas["area_id"]))
    if iv.area_id not in area_ids:
        close = close_list(iv.area_id, area_ids)
        raise scenario_error(
            scenario,
            f"Cannot split area {iv.area_id!r}: no such area in {city.name!r}.",
            item=iv,
            fix=("Close matches: " + ", ".join(close) + ". " if close else "")
            + f"Areas: {', '.join(sorted(area_ids))}.",
            key="area_id",
        )
    subs = getattr(city, "subareas", None)
    if subs is None or len(subs) == 0 or not (subs["area_id"].astype(str) == iv.area_id).any():
        raise scenario_error(
            scenario,
            f"Cannot split area {iv.area_id!r}: it has no subareas.",
            item=iv,
            fix="Add its stadsdelar to the city's subareas, or drop the split.",
            key="area_id",
        )


def _check_add(scenario: Scenario, city: City, iv: AddService) -> None:
    if iv.category not in known_categories(city):
        raise _bad_category(scenario, city, iv.category, iv, "category")
    if iv.service_id and iv.service_id in set(map(str, city.services["service_id"])):
        raise scenario_error(
            scenario,
            f"add_service id {iv.service_id!r} already exists in the city.",
            item=iv,
            fix="Choose a new id, or drop service_id to get one generated.",
            key="service_id",
        )


def _check_categories_left(scenario: Scenario, city: City) -> None:
    """A category the scenario asks about must keep at least one service."""
    closed_ids = [iv.service_id for iv in scenario.interventions if isinstance(iv, CloseService)]
    services = city.services
    remaining = services[~services["service_id"].astype(str).isin(closed_ids)]
    left = set(map(str, remaining["category"])) | {
        iv.category for iv in scenario.interventions if isinstance(iv, AddService)
    }
    city_cats = set(map(str, services["category"]))
    for cat in scenario.categories or ():
        if cat in left:
            continue
        of_cat = set(map(str, services.loc[services["category"] == cat, "service_id"]))
        closing = [
            iv
            for iv in scenario.interventions
            if isinstance(iv, CloseService) and iv.service_id in of_cat
        ]
        if closing:
            raise scenario_error(
                scenario,
                f"Closing {', '.join(iv.service_id for iv in closing)} leaves "
                f"no service of category {cat!r}, which the scenario's categories list.",
                item=closing[0],
                fix=f"Remove {cat!r} from categories, or add another {cat} service (add_service).",
                key="service_id",
            )
        if cat not in city_cats:
            raise scenario_error(
                scenario,
                f"The city {city.name!r} has no service of category {cat!r}.",
                fix=f"Remove it from categories, or add one with add_service. Present: "
                f"{', '.join(sorted(city_cats))}.",
                key="categories",
            )


def _area_choices(city: City) -> dict[str, str]:
    """Area and subarea ids of ``city`` → display names (for area profiles)."""
    out: dict[str, str] = {}
    for table, idcol in (("subareas", "subarea_id"), ("areas", "area_id")):
        df = getattr(city, table, None)
        if df is not None and len(df) and idcol in df.columns:
            names = df["name"] if "name" in df.columns else df[idcol]
            out.update(zip(df[idcol].astype(str), names.astype(str), strict=True))
    return out


def _area_hint(aid: str, choices: dict[str, str]) -> str | None:
    """The id meant by ``aid``: matching ids and names ("Drottninghög", "drottninghog" → B022)."""
    by_name = {slug(n): i for i, n in choices.items()}
    hint = by_name.get(slug(aid)) or did_you_mean(aid, choices)
    if hint is None:
        name_hit = did_you_mean(slug(aid), by_name)
        hint = by_name.get(name_hit) if name_hit else None
    return hint


def _check_area_profiles(scenario: Scenario, city: City) -> None:
    """``outputs.area_profiles``: every id must be an area or subarea of the city.

    An area the scenario splits away is not one any more: its subareas are.
    """
    if not scenario.outputs.area_profiles:
        return
    choices = _area_choices(city)
    split = {iv.area_id for iv in scenario.interventions if isinstance(iv, SplitArea)}
    for aid in scenario.outputs.area_profiles:
        if aid in split:
            subs = city.subareas[city.subareas["area_id"].astype(str) == aid]
            raise scenario_error(
                scenario,
                f"area_profiles: {aid!r} is split into its subareas by this scenario.",
                fix="Name one of its subareas instead: "
                + ", ".join(f"{r.subarea_id} ({r.name})" for r in subs.itertuples())
                + ".",
                key="outputs.area_profiles",
            )
        if aid in choices:
            continue
        hint = _area_hint(aid, choices)
        shown = ", ".join(f"{i} ({n})" for i, n in sorted(choices.items())[:60])
        raise scenario_error(
            scenario,
            f"area_profiles: unknown area or subarea id {aid!r} in {city.name!r}.",
            fix=(f"Did you mean {hint!r} ({choices[hint]})? " if hint else "")
            + f"Ids (areas and subareas): {shown}.",
            key="outputs.area_profiles",
        )


def _check_districts(scenario: Scenario, city: City) -> None:
    """``areas`` (ids or names) and ``outputs.nonprofits_near`` (a known category)."""
    from proximity.scenario.districts import resolve_areas

    resolve_areas(scenario, city)
    cat = scenario.outputs.nonprofits_near
    if cat is not None and cat not in known_categories(city):
        raise _bad_category(scenario, city, cat, None, "outputs.nonprofits_near")
