"""Checks of the inputs of :func:`~proximity.coverage.compute_access`.

Parameters, profiles, demand, services, categories, reporting units and point geometries.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from proximity.errors import GeometryError, ParameterError, SchemaError
from proximity.sources.categories import known_categories
from proximity.sources.city import UNASSIGNED_AREA

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd

    from proximity.distance_method import DistanceMethod
    from proximity.network import WalkNetwork
    from proximity.profiles import WalkingProfile

#: Name of the reporting unit of demand points without one.
UNASSIGNED_NAME = "(utan område)"

#: Largest accepted time threshold (minutes): 24 hours. Longer "walks" are input mistakes.
MAX_THRESHOLD_MIN = 24 * 60

#: What a coverage computation needs of a city (see :class:`proximity.sources.City`).
CITY_ATTRIBUTES = ("demand", "services", "areas")


@dataclass
class CheckedInputs:
    """The checked inputs of one computation, in the CRS distances are measured in.

    ``notes`` collects the remarks of every step for the provenance.
    """

    city: Any
    network: WalkNetwork | None
    method: DistanceMethod
    profs: list[WalkingProfile]
    thresholds: list[float]
    area_level: str
    demand: gpd.GeoDataFrame
    services: gpd.GeoDataFrame
    cats: list[str]
    unit_col: str
    unit_names: pd.Series  # unit id -> name, sorted by id
    keep_units: list[str]  # the units whose rows are reported
    dxy: np.ndarray  # demand coordinates (n, 2)
    sxy: np.ndarray  # service coordinates (m, 2), services sorted by id
    notes: list[str]
    thresholds_m: list[float] = field(default_factory=list)  # walking metres (may be empty)


def check_inputs(
    city: Any,
    network: WalkNetwork | None,
    *,
    method: DistanceMethod,
    profs: list[WalkingProfile],
    thresholds: list[float],
    categories: Sequence[str] | None,
    extra_services: Any,
    area_level: str,
    areas: Sequence[str] | str | None,
) -> CheckedInputs:
    """Demand, services, categories and reporting units checked."""
    demand = check_demand(city)
    services = collect_services(city, extra_services)
    cats, notes = check_categories(categories, services, city)
    services = services[services["category"].isin(cats)].sort_values("service_id", kind="stable")
    services = services.reset_index(drop=True)
    unit_col, unit_names = units(city, demand, area_level)
    if areas is not None:
        wanted = [areas] if isinstance(areas, str) else list(areas)
        for a in wanted:
            check_known(a, list(unit_names.index), "area", unit_col)
        keep_units = sorted(set(wanted))
    else:
        keep_units = list(unit_names.index)
    return CheckedInputs(
        city=city,
        network=network,
        method=method,
        profs=profs,
        thresholds=thresholds,
        area_level=area_level,
        demand=demand,
        services=services,
        cats=cats,
        unit_col=unit_col,
        unit_names=unit_names,
        keep_units=keep_units,
        dxy=xy(demand, "demand", "demand_id"),
        sxy=xy(services, "services", "service_id"),
        notes=notes,
    )


def check_known(value: Any, known: Sequence[Any], what: str, column: str) -> None:
    if value in known:
        return
    lower = {str(k).lower(): str(k) for k in known}
    close = [lower[c] for c in difflib.get_close_matches(str(value).lower(), list(lower), n=3)]
    hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    raise ParameterError(
        f"Unknown {what} {value!r}.{hint}",
        fix=f"Use one of the {column} values: {', '.join(map(str, list(known)[:30]))}"
        + (" ..." if len(known) > 30 else ""),
    )


def check_thresholds(thresholds_min: Iterable[float] | float) -> list[float]:
    if isinstance(thresholds_min, int | float):
        thresholds_min = [thresholds_min]
    vals = list(thresholds_min)
    if not vals:
        raise ParameterError("No threshold given.", fix="Use e.g. thresholds_min=(5, 10, 15, 20).")
    out: list[float] = []
    for t in vals:
        try:
            f = float(t)
        except (TypeError, ValueError):
            f = float("nan")
        if not (math.isfinite(f) and f > 0):
            raise ParameterError(
                f"Thresholds must be positive numbers of minutes, got {t!r}.",
                fix="Use thresholds > 0, e.g. thresholds_min=(5, 10, 15, 20).",
            )
        if f > MAX_THRESHOLD_MIN:
            raise ParameterError(
                f"thresholds_min: {t!r} minutes is more than a day's walk "
                f"(at most {MAX_THRESHOLD_MIN} min = 24 h).",
                fix="Use walking times in minutes, e.g. thresholds_min=(5, 10, 15, 20).",
            )
        out.append(f)
    return sorted(set(out))


#: Longest metre threshold: 100 km of walking.
MAX_THRESHOLD_M = 100_000.0


def check_thresholds_m(thresholds_m: Iterable[float] | float | None) -> list[float]:
    """Metre thresholds (walking metres along the network), sorted; ``[]`` when none.

    Raises
    ------
    ParameterError
        A value that is not a number of metres in (0, 100 000].
    """
    if thresholds_m is None:
        return []
    if isinstance(thresholds_m, int | float):
        thresholds_m = [thresholds_m]
    out: list[float] = []
    for t in thresholds_m:
        try:
            f = float(t)
        except (TypeError, ValueError):
            f = float("nan")
        if not (math.isfinite(f) and 0 < f <= MAX_THRESHOLD_M):
            raise ParameterError(
                f"thresholds_m must be walking distances in metres in (0, 100 000], got {t!r}.",
                fix="Use e.g. thresholds_m=(300, 600, 1000, 1500).",
            )
        out.append(f)
    return sorted(set(out))


def check_options(
    network: WalkNetwork | None, *, max_snap_m: float, area_level: str, detour_factor: float
) -> None:
    """``max_snap_m`` > 0, a known ``area_level`` and, in crow-fly mode, ``detour_factor`` ≥ 1."""
    if not (isinstance(max_snap_m, int | float) and math.isfinite(max_snap_m) and max_snap_m > 0):
        raise ParameterError(
            f"max_snap_m must be a positive number of metres, got {max_snap_m!r}.",
            fix="Use e.g. max_snap_m=300.",
        )
    if area_level not in ("areas", "subareas"):
        raise ParameterError(
            f"Unknown area_level {area_level!r}.", fix="Use area_level='areas' or 'subareas'."
        )
    if network is None and not (math.isfinite(detour_factor) and detour_factor >= 1.0):
        raise ParameterError(
            f"detour_factor must be >= 1, got {detour_factor!r}.",
            fix="Use the documented default 1.3 (straight line × 1.3).",
        )


def resolve_profiles(profiles: Sequence[str | WalkingProfile] | str) -> list[WalkingProfile]:
    """The walking profiles by name or object, first occurrence of each name kept."""
    from proximity.profiles import get_profile

    if isinstance(profiles, str):
        profiles = (profiles,)
    profs: list[WalkingProfile] = []
    for p in profiles:
        prof = get_profile(p)
        if prof.name not in [q.name for q in profs]:
            profs.append(prof)
    if not profs:
        raise ParameterError("No walking profile given.", fix="Use e.g. profiles=('adult',).")
    return profs


def check_demand(city: Any) -> gpd.GeoDataFrame:
    demand = city.demand
    for col in ("demand_id", "area_id", "population"):
        if col not in demand.columns:
            raise SchemaError(
                f"The demand table has no {col!r} column.",
                fix="Load demand with proximity.sources.load_population (see the schema docs).",
            )
    if len(demand) == 0:
        raise SchemaError("The demand table is empty.", fix="Load population points for the city.")
    pop = pd.to_numeric(demand["population"], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(pop) | (pop < 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise SchemaError(
            f"Population must be a finite number >= 0; {int(bad.sum())} demand row(s) are not.",
            row=demand["demand_id"].iloc[i],
            fix="Correct or remove those rows in the population file.",
        )
    if pop.sum() <= 0:
        raise SchemaError(
            "The demand has zero total population, so no coverage share can be computed.",
            fix="Check the population column (rows with 0 are fine, but not all of them).",
        )
    ids = demand["demand_id"].astype(str)
    if ids.duplicated().any():
        raise SchemaError(
            "Duplicate demand_id values.",
            row=ids[ids.duplicated()].iloc[0],
            fix="Make demand ids unique.",
        )
    demand = demand.assign(demand_id=ids, population=pop)
    return demand.sort_values("demand_id", kind="stable").reset_index(drop=True)


def collect_services(city: Any, extra: Any) -> gpd.GeoDataFrame:
    import geopandas as gpd

    services = city.services
    if extra is not None and len(extra):
        missing = {"service_id", "category"} - set(extra.columns)
        if missing:
            raise SchemaError(
                f"extra_services lacks the column(s) {sorted(missing)}.",
                fix="Give extra services service_id, category and a point geometry.",
            )
        if (
            getattr(extra, "crs", None) is not None
            and services.crs is not None
            and (extra.crs != services.crs)
        ):
            extra = extra.to_crs(services.crs)
        services = gpd.GeoDataFrame(
            pd.concat([services, extra], ignore_index=True),
            geometry="geometry",
            crs=services.crs,
        )
    for col in ("service_id", "category"):
        if col not in services.columns:
            raise SchemaError(
                f"The services table has no {col!r} column.",
                fix="Load services with proximity.sources.load_services.",
            )
    services = services.assign(service_id=services["service_id"].astype(str))
    dup = services["service_id"].duplicated()
    if dup.any():
        raise SchemaError(
            "Duplicate service_id values (extra_services must use new ids).",
            row=services["service_id"][dup].iloc[0],
            fix="Give every service a unique id.",
        )
    return services


def check_city(city: Any) -> None:
    """``city`` has what a computation needs (else a ParameterError naming what is missing)."""
    missing = [a for a in CITY_ATTRIBUTES if getattr(city, a, None) is None]
    if missing:
        raise ParameterError(
            f"city must be a proximity.sources.City, got {type(city).__name__} "
            f"(no {', '.join(missing)}).",
            fix='Load one first, e.g. city = proximity.sources.load_city("helsingborg").',
        )


def declared_categories(city: Any) -> list[str]:
    """The categories valid for ``city``: the built-in ones plus any the city declares.

    Declared: ``city.declared_categories`` (``[categories.<id>]`` of the city TOML or the
    scenario; :func:`proximity.sources.categories.known_categories`), and
    ``city.provenance["categories_known"]`` (written by the file-based city builder).
    """
    prov = getattr(city, "provenance", None) or {}
    extra = known_categories(city)
    if isinstance(prov, dict):
        extra += [str(c) for c in prov.get("categories_known", None) or []]
    return list(dict.fromkeys(extra))


def check_categories(
    categories: Sequence[str] | None, services: Any, city: Any
) -> tuple[list[str], list[str]]:
    """The categories to compute, sorted, and notes on those without any service.

    A requested category is valid when it is built in, declared by the city
    (:func:`declared_categories`) or present among the services; a valid category without
    services is computed (nobody is covered) and noted. Anything else is a ParameterError
    with a did-you-mean.
    """
    present = sorted(pd.unique(services["category"].astype(str)))
    if categories is None:
        if not present:
            raise SchemaError(
                "The city has no services.", fix="Load services (proximity.sources.load_services)."
            )
        return present, []
    if isinstance(categories, str):
        categories = [categories]
    known = list(dict.fromkeys([*declared_categories(city), *present]))
    out: list[str] = []
    for c in categories:
        if c not in known:
            _unknown_category(c, known)
        if c not in out:
            out.append(c)
    if not out:
        raise ParameterError("No category given.", fix=f"Choose among: {', '.join(known)}.")
    name = getattr(city, "name", None) or "the city"
    notes = [NO_SERVICE_NOTE.format(category=c, city=name) for c in sorted(out) if c not in present]
    return sorted(out), notes


#: The provenance note of a category computed without any service (a new kind of office).
NO_SERVICE_NOTE = (
    "no services of category {category!r} in {city}: nobody is covered; every located "
    "resident counts as unreachable (minutes = inf, mean_min empty). To see the effect of "
    "new or planned offices, pass them as compute_access(extra_services=...) (columns "
    "service_id, category, name, point geometry), or rank sites with proximity.site(...)"
)


def _unknown_category(category: str, known: Sequence[str]) -> None:
    """Refuse a category that is neither built in, declared nor among the services."""
    try:
        check_known(category, known, "category", "category")
    except ParameterError as exc:
        known_fix = str(exc.fix or "")
        raise ParameterError(
            exc.message,
            fix=f"{known_fix}{'' if known_fix.endswith('.') else '.'} A new kind of service: declare it in the city TOML "
            f"([categories.{category}] label_sv = ...), or pass its planned sites as "
            f"extra_services with category = {category!r}.",
        ) from None


def units(city: Any, demand: Any, area_level: str) -> tuple[str, pd.Series]:
    """The reporting unit column of the demand and a Series id -> name (sorted by id)."""
    if area_level == "areas":
        tab, id_col = city.areas, "area_id"
    else:
        tab, id_col = getattr(city, "subareas", None), "subarea_id"
        if tab is None or len(tab) == 0 or "subarea_id" not in demand.columns:
            raise ParameterError(
                "This city has no subareas (or its demand has no subarea_id).",
                fix="Use area_level='areas'.",
            )
    names = pd.Series(
        tab["name"].astype(str).to_numpy() if "name" in tab.columns else tab[id_col].astype(str),
        index=tab[id_col].astype(str).to_numpy(),
    ).sort_index()
    return id_col, names


def unit_index(demand: Any, unit_col: str, unit_names: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Index of each demand point's unit in the unit list, and the unit ids.

    Units without an entry in the area table are added to ``unit_names`` (in place), with
    their id as name, so nobody is dropped.
    """
    vals = demand[unit_col]
    ids = np.where(vals.isna(), "", vals.astype(str)).astype(object)
    unit_ids = list(unit_names.index)
    extra = sorted(set(ids) - set(unit_ids))
    if extra:
        if "" in extra:
            extra.remove("")
            extra.append(UNASSIGNED_AREA)
        for e in extra:
            unit_names.loc[e] = UNASSIGNED_NAME if e == UNASSIGNED_AREA else e
        unit_names.sort_index(inplace=True)
        unit_ids = list(unit_names.index)
    ids = np.where(ids == "", UNASSIGNED_AREA, ids)
    pos = {u: i for i, u in enumerate(unit_ids)}
    return np.array([pos[u] for u in ids], dtype=np.int64), unit_ids


def xy(gdf: Any, what: str, id_col: str) -> np.ndarray:
    import shapely

    geom = gdf.geometry.to_numpy()
    bad = shapely.is_missing(geom) | shapely.is_empty(geom)
    types = shapely.get_type_id(geom)
    bad |= types != 0  # 0 = Point
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise GeometryError(
            f"{int(bad.sum())} {what} row(s) have no point geometry.",
            row=gdf[id_col].iloc[i],
            fix="Give every row a point (use centroids for polygons) or drop it.",
        )
    return np.column_stack([shapely.get_x(geom), shapely.get_y(geom)]).astype(np.float64)
