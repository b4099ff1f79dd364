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
only in the municipality total row (``area_id = "__total__"``, ``area_name = "Hela
kommunen"``).

``mean_min``, ``median_min`` and ``p90_min`` are population-weighted over the *reachable
located* residents only (covered + uncovered); they do not depend on ``T``. The weighted
quantile ``q`` is the smallest time ``m`` such that the residents with time ``<= m`` make up at
least the share ``q`` of that population (the "inverted CDF" definition; no interpolation).
They are ``NaN`` where nobody is reachable.

Age groups: if the demand has the columns ``pop_0_19``, ``pop_20_64`` and ``pop_65_plus``, the
area table has one row per group (``group`` = ``"0_19"``, ``"20_64"``, ``"65_plus"``) next to
``"all"``, weighting each point by that group's count. Unlocated residents have no age
breakdown unless ``City.unlocated`` carries the same columns; otherwise they are counted in
``"all"`` only. Without age columns only ``"all"`` is reported and the provenance says
``"no age data"``; groups are never invented.

Coverage numbers always come from these points. The geometries of :func:`reached_edges` and
:func:`isochrone_polygons` are for display only.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import math
import warnings
import weakref
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from proximity._io import atomic_path, ensure_writable_dir, today_iso, write_json_atomic
from proximity.errors import GeometryError, ParameterError, SchemaError

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd

    from proximity.network import WalkNetwork
    from proximity.profiles import WalkingProfile
    from proximity.snap import Snapped

__all__ = [
    "AGE_GROUPS",
    "TOTAL_AREA_ID",
    "TOTAL_AREA_NAME",
    "Access",
    "CrowFlyWarning",
    "compute_access",
    "isochrone_polygons",
    "reached_edges",
]

#: Area id and name of the municipality total row.
TOTAL_AREA_ID = "__total__"
TOTAL_AREA_NAME = "Hela kommunen"

#: Age groups reported when the demand has these population columns: group -> column.
AGE_GROUPS: dict[str, str] = {"0_19": "pop_0_19", "20_64": "pop_20_64", "65_plus": "pop_65_plus"}

#: Float format of the CSV outputs (fixed, so re-runs are byte-identical).
CSV_FLOAT_FORMAT = "%.6f"

#: The population counts of an area row: covered + uncovered + unsnapped + unreachable +
#: unlocated = population (the conservation rule every table keeps).
COUNT_COLUMNS = ("population", "covered", "uncovered", "unsnapped", "unreachable", "unlocated")

_AREA_COLUMNS = [
    "area_id",
    "area_name",
    "category",
    "profile",
    "threshold_min",
    "group",
    *COUNT_COLUMNS,
    "covered_share",
    "mean_min",
    "median_min",
    "p90_min",
    "distance_method",
]


class CrowFlyWarning(UserWarning):
    """Issued whenever distances are straight lines × a detour factor instead of network paths."""


# ---------------------------------------------------------------------------- result object
@dataclass(frozen=True, eq=False)
class Access:
    """Walking access of every resident to every requested service category.

    Attributes
    ----------
    points
        Long table, one row per demand point × category × profile: ``demand_id, area_id,
        subarea_id, category, profile, service_id, distance_m, minutes, snap_status,
        population`` (+ ``pop_0_19, pop_20_64, pop_65_plus`` if present) and
        ``distance_method``. ``distance_m`` is in cost-metres of the profile (plain metres
        when the profile has no highway penalties); ``inf`` = unreachable or unsnapped;
        ``service_id`` is ``""`` then. Sorted by ``demand_id, category, profile``. String
        columns are pandas Categoricals (fast for ~1M rows; compare with ``==`` as usual).
    areas
        One row per area × category × profile × threshold × group plus the municipality
        total rows (``area_id = "__total__"``, last): ``area_id, area_name, category,
        profile, threshold_min, group, population, covered, uncovered, unsnapped,
        unreachable, unlocated, covered_share, mean_min, median_min, p90_min,
        distance_method``.
    distance_method
        ``"network"`` or ``"crowfly×F"``.
    provenance
        Network hash and summary, data sources, profiles (speeds, references), snapping
        counts, parameters, notes and the date (``YYYY-MM-DD``).
    profiles, categories, thresholds_min, groups
        What was computed, in output order.
    area_level
        ``"areas"`` or ``"subareas"``.
    demand_geometry
        Demand point geometries (index ``demand_id``, CRS of the city), for GeoParquet output.
    population_unit
        What ``population`` (and every count derived from it) measures: ``"persons"``, or
        ``"floor_area_m2 (proxy)"`` when the demand is residential floor area in m² used as
        a relative population proxy (``population_is_proxy``, e.g. the Helsinki demo); see
        :func:`population_unit_info` and ``provenance["population"]``. Shares are valid
        either way; counts are then m², not people.
    """

    points: pd.DataFrame
    areas: pd.DataFrame
    distance_method: str
    provenance: dict[str, Any]
    profiles: tuple[str, ...]
    categories: tuple[str, ...]
    thresholds_min: tuple[float, ...]
    groups: tuple[str, ...] = ("all",)
    area_level: str = "areas"
    demand_geometry: Any = field(default=None, repr=False)
    population_unit: str = "persons"

    # ------------------------------------------------------------------ selection
    def area_table(
        self,
        area_id: str | Sequence[str] | None = None,
        *,
        category: str | None = None,
        profile: str | None = None,
        threshold_min: float | None = None,
        group: str | None = "all",
    ) -> pd.DataFrame:
        """Rows of :attr:`areas`, filtered; ``None`` keeps all values of a column.

        Raises
        ------
        ParameterError
            If an area, category, profile, threshold or group was not computed.
        """
        df = self.areas
        known_areas = [a for a in pd.unique(df["area_id"])]
        if area_id is not None:
            wanted = [area_id] if isinstance(area_id, str) else list(area_id)
            for a in wanted:
                _check_known(a, known_areas, "area", "area_id")
            df = df[df["area_id"].isin(wanted)]
        for col, val, known in (
            ("category", category, self.categories),
            ("profile", profile, self.profiles),
            ("group", group, self.groups),
        ):
            if val is not None:
                _check_known(val, list(known), col, col)
                df = df[df[col] == val]
        if threshold_min is not None:
            if not any(math.isclose(float(threshold_min), t) for t in self.thresholds_min):
                raise ParameterError(
                    f"Threshold {threshold_min} min was not computed.",
                    fix=f"Use one of {list(self.thresholds_min)} or compute it "
                    "(compute_access(..., thresholds_min=...)).",
                )
            df = df[np.isclose(df["threshold_min"].to_numpy(float), float(threshold_min))]
        return df.reset_index(drop=True)

    def point_table(
        self, *, category: str | None = None, profile: str | None = None
    ) -> pd.DataFrame:
        """Rows of :attr:`points` for one category and/or profile."""
        df = self.points
        if category is not None:
            _check_known(category, list(self.categories), "category", "category")
            df = df[df["category"] == category]
        if profile is not None:
            _check_known(profile, list(self.profiles), "profile", "profile")
            df = df[df["profile"] == profile]
        return df.reset_index(drop=True)

    # ------------------------------------------------------------------ output
    def write(self, folder: str | Path, *, geoparquet: bool = True) -> dict[str, Path]:
        """Write the results to ``folder`` atomically; return the written paths.

        Files: ``access_areas.csv``, ``access_points.csv``, ``access_points.parquet``
        (GeoParquet, demand point geometry, provenance JSON in the file metadata under the key
        ``proximity``) and ``access_provenance.json``. Every table carries the provenance
        columns ``network_hash``, ``distance_method``, ``profile`` and ``date``. Rows are
        sorted and floats written with a fixed format, so a re-run on the same day with the
        same inputs gives byte-identical files.
        """
        out = ensure_writable_dir(folder)
        prov = self.provenance
        extra = {"network_hash": prov.get("network_hash", ""), "date": prov.get("date", "")}
        areas = self.areas.assign(**extra)
        points = self.points.assign(**extra)
        paths = {
            "areas_csv": out / "access_areas.csv",
            "points_csv": out / "access_points.csv",
            "provenance": out / "access_provenance.json",
        }
        _write_csv(areas, paths["areas_csv"])
        _write_csv(points, paths["points_csv"])
        if geoparquet:
            paths["points_parquet"] = out / "access_points.parquet"
            self._write_geoparquet(points, paths["points_parquet"])
        write_json_atomic(paths["provenance"], _jsonable(prov))
        return paths

    def _write_geoparquet(self, points: pd.DataFrame, path: Path) -> None:
        import geopandas as gpd
        import pyarrow.parquet as pq

        geom = self.demand_geometry
        if geom is None:
            raise SchemaError(
                "This Access has no demand geometry, so no GeoParquet can be written.",
                fix="Call write(folder, geoparquet=False) or recompute with compute_access().",
            )
        ids = points["demand_id"]
        if isinstance(ids.dtype, pd.CategoricalDtype) and list(ids.cat.categories) == list(
            geom.index
        ):
            g = geom.to_numpy()[ids.cat.codes.to_numpy()]
        else:
            g = geom.reindex(ids.astype(str).to_numpy()).to_numpy()
        gdf = gpd.GeoDataFrame(points.reset_index(drop=True), geometry=g, crs=geom.crs)
        meta = json.dumps(_jsonable(self.provenance), sort_keys=True, ensure_ascii=False)
        try:
            from geopandas.io.arrow import _geopandas_to_arrow

            table = _geopandas_to_arrow(gdf, index=False)
            md = dict(table.schema.metadata or {})
            md[b"proximity"] = meta.encode("utf-8")
            table = table.replace_schema_metadata(md)
            with atomic_path(path, suffix=".parquet") as tmp:
                pq.write_table(table, tmp)
        except ImportError:  # pragma: no cover - older/newer geopandas layouts
            with atomic_path(path, suffix=".parquet") as tmp:
                gdf.to_parquet(tmp, index=False)


# ---------------------------------------------------------------------------- main entry
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
) -> Access:
    """Walking access from every demand point to the nearest service of each category.

    Parameters
    ----------
    city
        A :class:`proximity.sources.City` (or any object with its ``crs``, ``areas``,
        ``subareas``, ``demand``, ``unlocated``, ``services`` and ``provenance``).
    network
        The walking network, or ``None`` for crow-fly mode (straight line ×
        ``detour_factor``, with a :class:`CrowFlyWarning`).
    categories
        Service categories; default: every category that has at least one service.
    profiles
        Walking profile names (see :data:`proximity.profiles.PROFILES`) or profile objects.
    thresholds_min
        Time thresholds in minutes (> 0).
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
        Services added to ``city.services`` (same columns), e.g. proposed offices.

    Returns
    -------
    Access

    Raises
    ------
    ParameterError
        Unknown profile, category or area; a category without services; a threshold <= 0;
        a bad ``max_snap_m``, ``detour_factor`` or ``area_level``.
    SchemaError
        Missing columns, negative or missing population, a total population of zero.
    GeometryError
        Demand or service rows without a point geometry.
    """
    from proximity.profiles import get_profile

    # ---------------------------------------------------------------- parameters
    thresholds = _check_thresholds(thresholds_min)
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
    if isinstance(profiles, str):
        profiles = (profiles,)
    profs: list[WalkingProfile] = []
    for p in profiles:
        prof = get_profile(p)
        if prof.name not in [q.name for q in profs]:
            profs.append(prof)
    if not profs:
        raise ParameterError("No walking profile given.", fix="Use e.g. profiles=('adult',).")
    distance_method = "network" if network is not None else f"crowfly×{detour_factor:g}"

    # ---------------------------------------------------------------- inputs
    demand = _check_demand(city)
    services = _collect_services(city, extra_services)
    cats = _check_categories(categories, services, city)
    services = services[services["category"].isin(cats)].sort_values("service_id", kind="stable")
    services = services.reset_index(drop=True)
    unit_col, unit_names = _units(city, demand, area_level)
    if areas is not None:
        wanted = [areas] if isinstance(areas, str) else list(areas)
        for a in wanted:
            _check_known(a, list(unit_names.index), "area", unit_col)
        keep_units = sorted(set(wanted))
    else:
        keep_units = list(unit_names.index)

    crs = getattr(city, "crs", None)
    notes: list[str] = []
    target_crs = network.crs if network is not None else crs
    if crs is not None and target_crs is not None and not _same_crs(crs, target_crs):
        demand = demand.to_crs(target_crs)
        services = services.to_crs(target_crs)
        notes.append(f"demand and services reprojected from {crs} to the network CRS {target_crs}")
    dxy = _xy(demand, "demand", "demand_id")
    sxy = _xy(services, "services", "service_id")
    n = len(demand)

    # ---------------------------------------------------------------- distances
    status_codes: np.ndarray  # 0 ok, 1 island, 2 too_far, 3 crowfly
    snap_info: dict[str, Any] = {}
    per_cat: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}
    if network is not None:
        from proximity.routing import nearest
        from proximity.snap import snap

        dsn = snap(
            network,
            demand.geometry,
            ids=demand["demand_id"].tolist(),
            max_snap_m=max_snap_m,
            what="demand points",
        )
        ssn = snap(
            network,
            services.geometry,
            ids=services["service_id"].tolist(),
            max_snap_m=max_snap_m,
            what="services",
        )
        dstatus = np.asarray(dsn.status).astype(str)
        sstatus = np.asarray(ssn.status).astype(str)
        status_codes = np.select([dstatus == "ok", dstatus == "island"], [0, 1], 2)
        snap_info = {
            "demand": _value_counts(dstatus),
            "services": _value_counts(sstatus),
            "services_unsnapped": sorted(services["service_id"][sstatus == "too_far"].tolist()),
            "max_snap_m": float(max_snap_m),
        }
        cost_groups = _cost_groups(network, profs)
        snap_info["routing_runs_per_category"] = len(cost_groups)
        svc_cat = services["category"].to_numpy()
        for cat in cats:
            mask = svc_cat == cat
            sub = ssn.subset(mask)
            glob = np.flatnonzero(mask)
            if not np.any(sstatus[mask] != "too_far"):
                notes.append(
                    f"all services of category {cat!r} are farther than max_snap_m="
                    f"{max_snap_m:g} m from the network: every resident is unreachable"
                )
            for cost, members in cost_groups:
                if np.any(sstatus[mask] != "too_far"):
                    res = nearest(network, sub, dsn, edge_cost=cost, what=f"{cat} services")
                    dist = np.asarray(res.distance_m, dtype=np.float64).copy()
                    src = np.asarray(res.source, dtype=np.int64)
                else:
                    dist = np.full(n, np.inf)
                    src = np.full(n, -1, dtype=np.int64)
                dist[status_codes == 2] = np.inf
                sidx = np.where((src >= 0) & np.isfinite(dist), glob[np.clip(src, 0, None)], -1)
                for prof in members:
                    per_cat[(cat, prof.name)] = (dist, sidx)
    else:
        warnings.warn(
            f"No walking network given: distances are straight lines × {detour_factor:g} "
            f"(distance_method={distance_method!r}). Results are approximate; load a network "
            "(proximity.load_network) for network distances.",
            CrowFlyWarning,
            stacklevel=2,
        )
        status_codes = np.full(n, 3, dtype=np.int64)
        svc_cat = services["category"].to_numpy()
        for cat in cats:
            glob = np.flatnonzero(svc_cat == cat)  # services are sorted by id
            dist, local = _crowfly_nearest(sxy[glob], dxy)
            dist = dist * detour_factor
            sidx = np.where(local >= 0, glob[np.clip(local, 0, None)], -1)
            for prof in profs:
                per_cat[(cat, prof.name)] = (dist, sidx)
        notes.append(
            f"crow-fly mode: straight-line distance × detour factor {detour_factor:g}; "
            "profile highway penalties are not applied, only speeds"
        )

    # ---------------------------------------------------------------- tables
    groups, weights, age_note = _group_weights(demand)
    if age_note:
        notes.append(age_note)
    status_names = np.array(["ok", "island", "too_far", "crowfly"], dtype=object)[status_codes]
    points = _points_table(
        demand,
        cats,
        profs,
        per_cat,
        services["service_id"].to_numpy(),
        status_names,
        distance_method,
    )
    unit_idx, unit_ids = _unit_index(demand, unit_col, unit_names)
    unlocated_units, unlocated_total, unl_note = _unlocated(city, unit_col, unit_ids, groups)
    if unl_note:
        notes.append(unl_note)
    area_rows = _area_table(
        cats=cats,
        profs=profs,
        per_cat=per_cat,
        thresholds=thresholds,
        groups=groups,
        weights=weights,
        status_codes=status_codes,
        unit_idx=unit_idx,
        unit_ids=unit_ids,
        unit_names=unit_names,
        unlocated_units=unlocated_units,
        unlocated_total=unlocated_total,
        keep_units=keep_units,
        distance_method=distance_method,
    )

    # ---------------------------------------------------------------- provenance
    geom = demand.set_index(demand["demand_id"].to_numpy()).geometry
    prov = _provenance(
        city=city,
        network=network,
        distance_method=distance_method,
        detour_factor=detour_factor,
        profs=profs,
        cats=cats,
        thresholds=thresholds,
        groups=groups,
        services=services,
        demand=demand,
        snap_info=snap_info,
        notes=notes,
        area_level=area_level,
    )
    pop_unit = population_unit_info(city)  # persons or a floor-area proxy (see below)
    prov["population"] = pop_unit
    return Access(
        points=points,
        areas=area_rows,
        distance_method=distance_method,
        provenance=prov,
        profiles=tuple(p.name for p in profs),
        categories=tuple(cats),
        thresholds_min=tuple(thresholds),
        groups=tuple(groups),
        area_level=area_level,
        demand_geometry=geom,
        population_unit=pop_unit["unit"],
    )


# ---------------------------------------------------------------------------- validation
def _check_known(value: Any, known: Sequence[Any], what: str, column: str) -> None:
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


def _check_thresholds(thresholds_min: Iterable[float] | float) -> list[float]:
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
        out.append(f)
    return sorted(set(out))


def _check_demand(city: Any) -> gpd.GeoDataFrame:
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


def _collect_services(city: Any, extra: Any) -> gpd.GeoDataFrame:
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


def _check_categories(categories: Sequence[str] | None, services: Any, city: Any) -> list[str]:
    present = sorted(pd.unique(services["category"].astype(str)))
    if categories is None:
        if not present:
            raise SchemaError(
                "The city has no services.", fix="Load services (proximity.sources.load_services)."
            )
        return present
    if isinstance(categories, str):
        categories = [categories]
    try:
        from proximity.sources import CATEGORIES as known_all  # type: ignore[attr-defined]
    except ImportError:  # pragma: no cover - before sources exist
        known_all = ()
    known = sorted(set(known_all) | set(present))
    out: list[str] = []
    for c in categories:
        if c not in known:
            _check_known(c, known, "category", "category")
        if c not in present:
            raise ParameterError(
                f"There are no services of category {c!r} in {getattr(city, 'name', 'the city')}, "
                "so access to it cannot be computed.",
                fix=f"Add services of that category or choose among: {', '.join(present)}.",
            )
        if c not in out:
            out.append(c)
    if not out:
        raise ParameterError("No category given.", fix=f"Choose among: {', '.join(present)}.")
    return sorted(out)


def _units(city: Any, demand: Any, area_level: str) -> tuple[str, pd.Series]:
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


def _unit_index(demand: Any, unit_col: str, unit_names: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Index of each demand point's unit in the unit list (units without an entry in the
    area table are added, with their id as name, so nobody is dropped).
    """
    vals = demand[unit_col]
    ids = np.where(vals.isna(), "", vals.astype(str)).astype(object)
    unit_ids = list(unit_names.index)
    extra = sorted(set(ids) - set(unit_ids))
    if extra:
        if "" in extra:
            extra.remove("")
            extra.append("__unassigned__")
        for e in extra:
            unit_names.loc[e] = "(utan område)" if e == "__unassigned__" else e
        unit_names.sort_index(inplace=True)
        unit_ids = list(unit_names.index)
    ids = np.where(ids == "", "__unassigned__", ids)
    pos = {u: i for i, u in enumerate(unit_ids)}
    return np.array([pos[u] for u in ids], dtype=np.int64), unit_ids


def _xy(gdf: Any, what: str, id_col: str) -> np.ndarray:
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


def _same_crs(a: Any, b: Any) -> bool:
    from pyproj import CRS

    try:
        return bool(CRS.from_user_input(a).equals(CRS.from_user_input(b), ignore_axis_order=True))
    except Exception:
        return str(a) == str(b)


def _value_counts(arr: np.ndarray) -> dict[str, int]:
    vals, counts = np.unique(arr, return_counts=True)
    return {str(v): int(c) for v, c in zip(vals, counts, strict=True)}


# ---------------------------------------------------------------------------- distances
def _cost_groups(
    network: WalkNetwork, profs: Sequence[WalkingProfile]
) -> list[tuple[np.ndarray | None, list[WalkingProfile]]]:
    """Group profiles by identical edge cost; plain-length costs map to ``None``."""
    groups: list[tuple[np.ndarray | None, list[WalkingProfile]]] = []
    length = network.edge_length_m
    for prof in profs:
        cost = np.asarray(prof.edge_cost(network), dtype=np.float64)
        key: np.ndarray | None = None if np.array_equal(cost, length) else cost
        for gcost, members in groups:
            same = (gcost is None and key is None) or (
                gcost is not None and key is not None and np.array_equal(gcost, key)
            )
            if same:
                members.append(prof)
                break
        else:
            groups.append((key, [prof]))
    return groups


def _crowfly_nearest(sxy: np.ndarray, dxy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Straight-line distance to the nearest service and its index (services sorted by id;
    exact ties go to the lower index, i.e. the smaller id).
    """
    n = dxy.shape[0]
    if sxy.shape[0] == 0:
        return np.full(n, np.inf), np.full(n, -1, dtype=np.int64)
    k = min(2, sxy.shape[0])
    d, i = cKDTree(sxy).query(dxy, k=k)
    if k == 1:
        return d.astype(float), i.astype(np.int64)
    tie = d[:, 1] == d[:, 0]
    best = np.where(tie, np.minimum(i[:, 0], i[:, 1]), i[:, 0])
    return d[:, 0].astype(float), best.astype(np.int64)


# ---------------------------------------------------------------------------- tables
def _group_weights(demand: Any) -> tuple[list[str], np.ndarray, str | None]:
    pop = demand["population"].to_numpy(dtype=float)
    cols = [c for c in AGE_GROUPS.values() if c in demand.columns]
    if len(cols) < len(AGE_GROUPS):
        return ["all"], pop[:, None], "no age data: only the group 'all' is reported"
    w = [pop]
    note = None
    for col in AGE_GROUPS.values():
        v = pd.to_numeric(demand[col], errors="coerce").to_numpy(dtype=float)
        if (v < 0).any():
            raise SchemaError(
                f"Negative values in age column {col!r}.",
                row=demand["demand_id"].iloc[int(np.flatnonzero(v < 0)[0])],
                fix="Correct the population by age.",
            )
        missing = ~np.isfinite(v)
        if missing.any():
            note = (
                f"age data missing for {int(missing.sum())} demand rows: counted as 0 in the "
                "age groups (they are in 'all')"
            )
            v = np.where(missing, 0.0, v)
        w.append(v)
    return ["all", *AGE_GROUPS], np.column_stack(w), note


def _repeat_categorical(values: Any, m: int) -> pd.Categorical:
    """``np.repeat(values, m)`` as a Categorical (fast to build and to write)."""
    cat = pd.Categorical(np.asarray(values, dtype=object))
    return pd.Categorical.from_codes(np.repeat(cat.codes, m), categories=cat.categories)


def _points_table(
    demand: Any,
    cats: Sequence[str],
    profs: Sequence[WalkingProfile],
    per_cat: Mapping[tuple[str, str], tuple[np.ndarray, np.ndarray]],
    service_ids: np.ndarray,
    status_names: np.ndarray,
    distance_method: str,
) -> pd.DataFrame:
    """Long per-point table sorted by demand_id, category, profile.

    String columns are pandas Categoricals (900k rows build in milliseconds); ``service_id``
    is ``""`` where no service is reachable.
    """
    n = len(demand)
    prof_names = sorted(p.name for p in profs)
    speed = {p.name: float(p.speed_m_s) for p in profs}
    combos = [(c, p) for c in sorted(cats) for p in prof_names]
    m = len(combos)
    dist = np.empty((n, m))
    sidx = np.empty((n, m), dtype=np.int64)
    mins = np.empty((n, m))
    for j, (c, p) in enumerate(combos):
        d, si = per_cat[(c, p)]
        dist[:, j] = d
        sidx[:, j] = si
        mins[:, j] = d / speed[p] / 60.0
    sub = demand["subarea_id"] if "subarea_id" in demand.columns else pd.Series([None] * n)
    svc_cats = ["", *[str(x) for x in service_ids]]
    data: dict[str, Any] = {
        "demand_id": pd.Categorical.from_codes(
            np.repeat(np.arange(n), m), categories=demand["demand_id"].astype(str).tolist()
        ),
        "area_id": _repeat_categorical(demand["area_id"].astype(object), m),
        "subarea_id": _repeat_categorical(sub.astype(object), m),
        "category": pd.Categorical.from_codes(
            np.tile(np.arange(m) // len(prof_names), n), categories=sorted(cats)
        ),
        "profile": pd.Categorical.from_codes(
            np.tile(np.arange(m) % len(prof_names), n), categories=prof_names
        ),
        "service_id": pd.Categorical.from_codes(sidx.ravel() + 1, categories=svc_cats),
        "distance_m": dist.ravel(),
        "minutes": mins.ravel(),
        "snap_status": _repeat_categorical(status_names, m),
        "population": np.repeat(demand["population"].to_numpy(dtype=float), m),
    }
    for col in AGE_GROUPS.values():
        if col in demand.columns:
            data[col] = np.repeat(pd.to_numeric(demand[col], errors="coerce").to_numpy(float), m)
    data["distance_method"] = pd.Categorical.from_codes(
        np.zeros(n * m, dtype=np.int64), categories=[distance_method]
    )
    # the columns are fresh arrays: no copy, and no consolidation into 2-D blocks (~10 ms)
    return pd.DataFrame(data, copy=False)


def _unlocated(
    city: Any, unit_col: str, unit_ids: Sequence[str], groups: Sequence[str]
) -> tuple[np.ndarray, np.ndarray, str | None]:
    """Unlocated population per unit and group (units × groups) and in total (groups)."""
    per_unit = np.zeros((len(unit_ids), len(groups)))
    total = np.zeros(len(groups))
    tab = getattr(city, "unlocated", None)
    if tab is None or len(tab) == 0:
        return per_unit, total, None
    pop = pd.to_numeric(tab["population"], errors="coerce").to_numpy(dtype=float)
    if (~np.isfinite(pop) | (pop < 0)).any():
        raise SchemaError(
            "City.unlocated has missing or negative population.",
            fix="Correct the unlocated population table.",
        )
    cols = [pop]
    for g in groups[1:]:
        col = AGE_GROUPS[g]
        cols.append(
            pd.to_numeric(tab[col], errors="coerce").fillna(0.0).to_numpy(float)
            if col in tab.columns
            else np.zeros(len(tab))
        )
    w = np.column_stack(cols)
    total[:] = w.sum(axis=0)
    key = unit_col if unit_col in tab.columns else None
    note = None
    if key is None:
        note = f"unlocated population has no {unit_col}: counted in the municipality total only"
        return per_unit, total, note
    pos = {u: i for i, u in enumerate(unit_ids)}
    ids = tab[key]
    idx = np.array([pos.get(str(u), -1) if pd.notna(u) else -1 for u in ids], dtype=np.int64)
    ok = idx >= 0
    np.add.at(per_unit, idx[ok], w[ok])
    if (~ok).any():
        note = (
            f"{w[~ok, 0].sum():.0f} unlocated residents have no known {unit_col}: "
            "counted in the municipality total only"
        )
    return per_unit, total, note


def _weighted_stats(
    minutes: np.ndarray, w: np.ndarray, idx: np.ndarray, n_units: int, order: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Population-weighted mean, median and p90 per unit over finite minutes.

    ``order`` sorts the points by (unit, minutes). Quantile ``q`` of a unit is the smallest
    time whose cumulative weight reaches ``q`` of the unit's weight (inverted CDF).
    """
    mean = np.full(n_units, np.nan)
    med = np.full(n_units, np.nan)
    p90 = np.full(n_units, np.nan)
    m, ww, ii = minutes[order], w[order], idx[order]
    ok = np.isfinite(m) & (ww > 0)
    if not ok.any():
        return mean, med, p90
    m, ww, ii = m[ok], ww[ok], ii[ok]
    tot = np.bincount(ii, weights=ww, minlength=n_units)
    sm = np.bincount(ii, weights=ww * m, minlength=n_units)
    has = tot > 0
    mean[has] = sm[has] / tot[has]
    cum = np.cumsum(ww)
    units = np.arange(n_units)
    starts = np.searchsorted(ii, units, side="left")
    ends = np.searchsorted(ii, units, side="right")
    base = np.where(starts > 0, cum[np.maximum(starts - 1, 0)], 0.0)
    for q, out in ((0.5, med), (0.9, p90)):
        target = base + q * tot
        # small relative tolerance against cumulative rounding
        pos = np.searchsorted(cum, target - 1e-9 * np.maximum(tot, 1.0), side="left")
        pos = np.clip(pos, starts, np.maximum(ends - 1, starts))
        out[has] = m[pos[has]]
    return mean, med, p90


def _area_table(
    *,
    cats: Sequence[str],
    profs: Sequence[WalkingProfile],
    per_cat: Mapping[tuple[str, str], tuple[np.ndarray, np.ndarray]],
    thresholds: Sequence[float],
    groups: Sequence[str],
    weights: np.ndarray,
    status_codes: np.ndarray,
    unit_idx: np.ndarray,
    unit_ids: Sequence[str],
    unit_names: pd.Series,
    unlocated_units: np.ndarray,
    unlocated_total: np.ndarray,
    keep_units: Sequence[str],
    distance_method: str,
) -> pd.DataFrame:
    """Per unit (and total) × category × profile × threshold × group counts and statistics.

    Rows come out sorted: units by id then the total row; within, category, profile,
    threshold, group (in ``groups`` order).
    """
    nu = len(unit_ids)
    n_scope = nu + 1  # the last "unit" is the municipality total
    unsnapped_mask = status_codes == 2
    speed = {p.name: float(p.speed_m_s) for p in profs}
    thr = np.asarray(thresholds, dtype=float)
    n_t, n_g = thr.size, len(groups)
    total_idx = np.full(unit_idx.shape[0], nu, dtype=np.int64)
    combos = [(c, p) for c in sorted(cats) for p in sorted(speed)]
    n_c = len(combos)
    # result arrays indexed [scope, combo, threshold, group]
    shape = (n_scope, n_c, n_t, n_g)
    res = {
        k: np.zeros(shape)
        for k in ("population", "covered", "uncovered", "unsnapped", "unreachable", "unlocated")
    }
    stats = {k: np.full(shape, np.nan) for k in ("mean_min", "median_min", "p90_min")}
    unl = np.vstack([unlocated_units, unlocated_total[None, :]])  # (n_scope, n_g)
    orders: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # profiles sharing distances
    fixed: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}
    unreached: dict[tuple[int, int, int], np.ndarray] = {}
    for ci, (cat, pname) in enumerate(combos):
        dist, _ = per_cat[(cat, pname)]
        minutes = dist / speed[pname] / 60.0
        finite = np.isfinite(minutes)
        unreach_mask = ~finite & ~unsnapped_mask
        if id(dist) not in orders:  # minutes are dist / speed: the same order
            by_min = np.argsort(dist, kind="stable")
            units = unit_idx[by_min]
            if nu < 2**15:  # small ints: numpy's stable sort is then a radix sort
                units = units.astype(np.int16)
            orders[id(dist)] = (by_min, by_min[np.argsort(units, kind="stable")])
        by_min, by_unit = orders[id(dist)]
        cov_masks = [finite & (minutes <= t) for t in thr]
        for gi in range(n_g):
            w = weights[:, gi]
            for scope_idx, n_bins, order, sl in (
                (unit_idx, nu, by_unit, slice(0, nu)),
                (total_idx, n_scope, by_min, slice(nu, nu + 1)),
            ):
                # counts that do not depend on the speed: once per group / distances
                key = (gi, n_bins)
                if key not in fixed:
                    fixed[key] = (
                        np.bincount(scope_idx, weights=w, minlength=n_bins)[sl],
                        np.bincount(scope_idx, weights=w * unsnapped_mask, minlength=n_bins)[sl],
                    )
                located, unsn = fixed[key]
                key_d = (id(dist), gi, n_bins)
                if key_d not in unreached:
                    unreached[key_d] = np.bincount(
                        scope_idx, weights=w * unreach_mask, minlength=n_bins
                    )[sl]
                unre = unreached[key_d]
                reach = located - unsn - unre
                mean, med, p90 = _weighted_stats(minutes, w, scope_idx, n_bins, order)
                for ti in range(n_t):
                    cov = np.bincount(scope_idx, weights=w * cov_masks[ti], minlength=n_bins)[sl]
                    res["covered"][sl, ci, ti, gi] = cov
                    res["uncovered"][sl, ci, ti, gi] = np.maximum(reach - cov, 0.0)
                    res["unsnapped"][sl, ci, ti, gi] = unsn
                    res["unreachable"][sl, ci, ti, gi] = unre
                    res["unlocated"][sl, ci, ti, gi] = unl[sl, gi]
                    res["population"][sl, ci, ti, gi] = located + unl[sl, gi]
                    stats["mean_min"][sl, ci, ti, gi] = mean[sl]
                    stats["median_min"][sl, ci, ti, gi] = med[sl]
                    stats["p90_min"][sl, ci, ti, gi] = p90[sl]
    ids = np.array([*unit_ids, TOTAL_AREA_ID], dtype=object)
    names = np.array(
        [*unit_names.reindex(list(unit_ids)).astype(str), TOTAL_AREA_NAME], dtype=object
    )
    s_i, c_i, t_i, g_i = (a.ravel() for a in np.indices(shape))
    int_thr = all(float(t).is_integer() for t in thresholds)
    thr_vals = thr.astype(np.int64) if int_thr else thr
    pop = res["population"].ravel()
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(pop > 0, res["covered"].ravel() / np.where(pop > 0, pop, 1.0), np.nan)
    df = pd.DataFrame(
        {
            "area_id": ids[s_i],
            "area_name": names[s_i],
            "category": np.array([c for c, _ in combos], dtype=object)[c_i],
            "profile": np.array([p for _, p in combos], dtype=object)[c_i],
            "threshold_min": thr_vals[t_i],
            "group": np.array(list(groups), dtype=object)[g_i],
            "population": pop,
            "covered": res["covered"].ravel(),
            "uncovered": res["uncovered"].ravel(),
            "unsnapped": res["unsnapped"].ravel(),
            "unreachable": res["unreachable"].ravel(),
            "unlocated": res["unlocated"].ravel(),
            "covered_share": share,
            "mean_min": stats["mean_min"].ravel(),
            "median_min": stats["median_min"].ravel(),
            "p90_min": stats["p90_min"].ravel(),
            "distance_method": distance_method,
        }
    )
    keep = (s_i == nu) | np.isin(ids[s_i], np.asarray(list(keep_units), dtype=object))
    return df[keep].reset_index(drop=True)


# ---------------------------------------------------------------------------- provenance
_HASHES: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()


def network_hash(network: WalkNetwork) -> str:
    """SHA-256 of the network's arrays and CRS (identifies the graph the results came from).

    Cached per network object (networks are treated as immutable).
    """
    cached = _HASHES.get(network)
    if cached is None:
        cached = _HASHES[network] = _network_hash(network)
    return cached


def _network_hash(network: WalkNetwork) -> str:
    h = hashlib.sha256()
    h.update(str(network.crs).encode())
    for arr in (
        network.node_x,
        network.node_y,
        network.edge_u,
        network.edge_v,
        network.edge_length_m,
    ):
        h.update(np.ascontiguousarray(arr).tobytes())
    h.update("\x00".join(np.asarray(network.edge_highway).astype(str).tolist()).encode())
    return h.hexdigest()


def _provenance(
    *,
    city: Any,
    network: WalkNetwork | None,
    distance_method: str,
    detour_factor: float,
    profs: Sequence[WalkingProfile],
    cats: Sequence[str],
    thresholds: Sequence[float],
    groups: Sequence[str],
    services: Any,
    demand: Any,
    snap_info: dict[str, Any],
    notes: list[str],
    area_level: str,
) -> dict[str, Any]:
    sources: set[str] = set()
    for tab in (demand, services, getattr(city, "unlocated", None)):
        if tab is not None and len(tab) and "source" in tab.columns:
            sources.update(str(s) for s in pd.unique(tab["source"].dropna()))
    prov: dict[str, Any] = {
        "tool": "proximity.coverage.compute_access",
        "date": today_iso(),
        "distance_method": distance_method,
        "city": getattr(city, "name", None),
        "crs": str(network.crs if network is not None else getattr(city, "crs", "")),
        "area_level": area_level,
        "categories": list(cats),
        "thresholds_min": [float(t) for t in thresholds],
        "groups": list(groups),
        "age_groups": list(groups[1:]) if len(groups) > 1 else "no age data",
        "profiles": {
            p.name: {
                "speed_m_s": float(p.speed_m_s),
                "label_sv": getattr(p, "label_sv", ""),
                "reference": getattr(p, "reference", ""),
                "highway_factor": dict(
                    sorted(dict(getattr(p, "highway_factor", {}) or {}).items())
                ),
            }
            for p in profs
        },
        "data_sources": sorted(sources),
        "n_demand_points": len(demand),
        "n_services": {c: int((services["category"] == c).sum()) for c in cats},
        "population_definition": (
            "covered + uncovered + unsnapped + unreachable + unlocated = population; "
            "covered = minutes <= threshold; mean/median/p90 are population-weighted over "
            "reachable located residents (inverted-CDF quantiles)"
        ),
        "notes": sorted(notes),
        "city_provenance": _jsonable(getattr(city, "provenance", {}) or {}),
    }
    if network is not None:
        prov["network_hash"] = network_hash(network)
        # run-time measurements (e.g. parse_seconds) would break byte-identical re-runs
        prov["network"] = _jsonable(
            {k: v for k, v in network.summary().items() if "seconds" not in str(k)}
        )
        prov["snap"] = snap_info
    else:
        prov["network_hash"] = "none (crow-fly)"
        prov["network"] = None
        prov["detour_factor"] = float(detour_factor)
        prov["warning"] = (
            f"crow-fly distances (straight line × {detour_factor:g}); no walking network used"
        )
    return prov


def _jsonable(obj: Any) -> Any:
    """Plain JSON types (sorted dicts, lists, str/float/int/None)."""
    if isinstance(obj, Mapping):
        return {str(k): _jsonable(v) for k, v in sorted(obj.items(), key=lambda kv: str(kv[0]))}
    if isinstance(obj, list | tuple | set | frozenset):
        items = [_jsonable(v) for v in obj]
        return sorted(items, key=str) if isinstance(obj, set | frozenset) else items
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating | float):
        f = float(obj)
        return f if math.isfinite(f) else str(f)
    if isinstance(obj, np.ndarray):
        return _jsonable(obj.tolist())
    if obj is None or isinstance(obj, str | int | bool):
        return obj
    return str(obj)


def _format_floats(values: np.ndarray) -> np.ndarray:
    """Floats as fixed-format strings (:data:`CSV_FLOAT_FORMAT`); NaN as "", inf as "inf".

    Each distinct value is formatted once (population and distances repeat a lot).
    """
    uniq, inv = np.unique(values, return_inverse=True)
    fmt = CSV_FLOAT_FORMAT.__mod__
    text = np.array([fmt(v) for v in uniq.tolist()], dtype=object)
    text[np.isnan(uniq)] = ""
    return text[inv.ravel()]


def _csv_quote(text: str) -> str:
    """Minimal CSV quoting (RFC 4180): quote fields with a comma, quote or line break."""
    if any(ch in text for ch in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _column_text(col: pd.Series) -> np.ndarray:
    """One CSV column as quoted strings (missing values as ""); distinct values formatted once."""
    if pd.api.types.is_float_dtype(col.dtype):
        return _format_floats(col.to_numpy(dtype=float))
    if isinstance(col.dtype, pd.CategoricalDtype):
        codes, uniq = col.cat.codes.to_numpy(), list(col.cat.categories)
    else:
        codes, uniq = pd.factorize(col, use_na_sentinel=True)
        uniq = list(uniq)
    text = np.array([_csv_quote("" if pd.isna(u) else str(u)) for u in uniq] + [""], dtype=object)
    return text[codes]  # code -1 (missing) -> the trailing ""


def _write_csv(df: pd.DataFrame, path: Path) -> None:
    """CSV (UTF-8, "\\n" line ends, minimal quoting) with fixed float formatting, atomically.

    Columns are formatted vectorised (distinct values once), which is many times faster than
    ``DataFrame.to_csv(float_format=...)`` on the ~1M-row point table.
    """
    header = ",".join(_csv_quote(str(c)) for c in df.columns)
    cols = [_column_text(df[c]).tolist() for c in df.columns]
    body = "\n".join(map(",".join, zip(*cols, strict=True)))
    with (
        atomic_path(path, suffix=".csv") as tmp,
        open(tmp, "w", encoding="utf-8", newline="") as fh,
    ):
        fh.write(header + "\n")
        if body:
            fh.write(body + "\n")


# ---------------------------------------------------------------------------- display geometry
def reached_edges(
    network: WalkNetwork,
    services_snapped: Snapped,
    threshold_min: float,
    profile: str | WalkingProfile = "adult",
) -> gpd.GeoDataFrame:
    """The network within ``threshold_min`` minutes of the nearest service, as lines.

    For display only: coverage numbers always come from the demand points
    (:func:`compute_access`), never from these lines or the polygons built from them.

    Each edge is reached from its end nodes (``budget - d(node)`` along the edge) and from any
    service snapped onto it (``budget - access`` both ways from the service); partly reached
    edges are cut at the reached fraction. The budget is ``threshold_min × 60 × speed_m_s``
    cost-metres of the profile; edges of infinite cost are never reached.

    Returns
    -------
    GeoDataFrame
        ``edge, highway, length_m, from_frac, to_frac, reached_m, threshold_min, profile,
        geometry`` (straight LineStrings, network CRS), sorted by ``edge, from_frac``.
    """
    import geopandas as gpd
    import shapely

    from proximity.profiles import get_profile
    from proximity.routing import node_distances

    (threshold,) = _check_thresholds([threshold_min])
    prof = get_profile(profile)
    cost = np.asarray(prof.edge_cost(network), dtype=float)
    budget = threshold * 60.0 * float(prof.speed_m_s)
    d, _ = node_distances(network, services_snapped, edge_cost=cost, limit_m=budget)
    u, v = network.edge_u, network.edge_v
    ok = np.asarray(services_snapped.status).astype(str) != "too_far"
    se = np.asarray(services_snapped.edge, dtype=np.int64)[ok]
    seg = np.hypot(network.node_x[v] - network.node_x[u], network.node_y[v] - network.node_y[u])
    with np.errstate(divide="ignore", invalid="ignore"):
        sfrac = np.where(seg[se] > 0, np.asarray(services_snapped.offset_m)[ok] / seg[se], 0.0)
    sfrac = np.clip(np.nan_to_num(sfrac), 0.0, 1.0)
    sacc = np.asarray(services_snapped.access_m, dtype=float)[ok]
    passable = np.isfinite(cost)
    c = np.where(cost > 0, cost, 1e-12)
    with np.errstate(invalid="ignore"):
        ru = np.where(passable & np.isfinite(d[u]), (budget - d[u]) / c, -1.0)
        rv = np.where(passable & np.isfinite(d[v]), (budget - d[v]) / c, -1.0)
    intervals: dict[int, list[tuple[float, float]]] = {}
    for k in np.flatnonzero((ru > 0) | (rv > 0)):
        iv = []
        if ru[k] > 0:
            iv.append((0.0, min(1.0, float(ru[k]))))
        if rv[k] > 0:
            iv.append((max(0.0, 1.0 - float(rv[k])), 1.0))
        intervals[int(k)] = iv
    for e, f, a in zip(se, sfrac, sacc, strict=True):
        r = (budget - a) / c[e] if passable[e] else -1.0
        if r > 0:
            intervals.setdefault(int(e), []).append((max(0.0, f - r), min(1.0, f + r)))
    rows: list[tuple[int, float, float]] = []
    for k in sorted(intervals):
        for a0, a1 in _merge_intervals(intervals[k]):
            if a1 > a0:
                rows.append((k, a0, a1))
    edge = np.array([r[0] for r in rows], dtype=np.int64)
    f0 = np.array([r[1] for r in rows], dtype=float)
    f1 = np.array([r[2] for r in rows], dtype=float)
    x0, y0 = network.node_x[u[edge]], network.node_y[u[edge]]
    dx, dy = network.node_x[v[edge]] - x0, network.node_y[v[edge]] - y0
    coords = np.stack(
        [
            np.column_stack([x0 + f0 * dx, y0 + f0 * dy]),
            np.column_stack([x0 + f1 * dx, y0 + f1 * dy]),
        ],
        axis=1,
    ).reshape(-1, 2, 2)
    geom = shapely.linestrings(coords) if len(rows) else np.array([], dtype=object)
    return gpd.GeoDataFrame(
        {
            "edge": edge,
            "highway": network.edge_highway[edge],
            "length_m": network.edge_length_m[edge],
            "from_frac": f0,
            "to_frac": f1,
            "reached_m": (f1 - f0) * network.edge_length_m[edge],
            "threshold_min": threshold,
            "profile": prof.name,
        },
        geometry=geom,
        crs=network.crs,
    )


def _merge_intervals(iv: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for a, b in sorted(iv):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def isochrone_polygons(
    network: WalkNetwork,
    services_snapped: Snapped,
    thresholds_min: float | Sequence[float],
    profile: str | WalkingProfile = "adult",
    *,
    buffer_m: float = 40.0,
) -> gpd.GeoDataFrame:
    """Walking-time areas around services: reached edges buffered by ``buffer_m`` metres.

    The polygon is the union of the buffered reached network (not a convex hull), so it
    follows streets and leaves unreachable blocks, water and barriers out. For display only:
    coverage numbers always come from the demand points, never from these polygons.

    Returns
    -------
    GeoDataFrame
        One row per threshold: ``threshold_min, profile, buffer_m, geometry`` (network CRS),
        sorted by threshold.
    """
    import geopandas as gpd
    import shapely

    if not (math.isfinite(buffer_m) and buffer_m > 0):
        raise ParameterError(f"buffer_m must be > 0, got {buffer_m!r}.", fix="Use e.g. 40.")
    ts = _check_thresholds(thresholds_min)
    rows = []
    name = ""
    for t in ts:
        lines = reached_edges(network, services_snapped, t, profile)
        name = (
            str(lines["profile"].iloc[0]) if len(lines) else str(getattr(profile, "name", profile))
        )
        geom = (
            shapely.union_all(shapely.buffer(lines.geometry.to_numpy(), buffer_m))
            if len(lines)
            else shapely.Polygon()
        )
        rows.append(
            {"threshold_min": t, "profile": name, "buffer_m": float(buffer_m), "geometry": geom}
        )
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=network.crs)


# ---------------------------------------------------------------------------- population unit
#: ``Access.population_unit`` when ``population`` counts people.
POPULATION_UNIT_PERSONS = "persons"
#: ``Access.population_unit`` when ``population`` is residential floor area (m²) as a proxy.
POPULATION_UNIT_PROXY = "floor_area_m2 (proxy)"


def population_unit_info(city: Any) -> dict[str, Any]:
    """What the city's demand ``population`` measures (for ``Access.population_unit``).

    Returns ``{"unit", "is_proxy", "n_proxy_points", "n_points", "method", "note"}``.
    ``unit`` is ``"persons"`` unless demand rows are flagged ``population_is_proxy`` (or,
    without that column, the city provenance says ``population_is_proxy``): then
    ``"floor_area_m2 (proxy)"`` (residential floor area, footprint × levels, in m² — a
    relative weight, not a number of people), or ``"mixed: persons + floor_area_m2 (proxy)"``
    when only some rows are proxies. No persons-per-m² factor is assumed.
    """
    demand = getattr(city, "demand", None)
    cprov = getattr(city, "provenance", None) or {}
    n = 0 if demand is None else len(demand)
    cols = getattr(demand, "columns", ())
    if "population_is_proxy" in cols:
        flags = pd.Series(demand["population_is_proxy"]).astype("boolean").fillna(False)
        n_proxy = int(flags.astype(bool).sum())
    else:
        n_proxy = n if isinstance(cprov, Mapping) and cprov.get("population_is_proxy") else 0
    methods: list[str] = []
    if "population_method" in cols:
        methods = sorted({str(v) for v in pd.Series(demand["population_method"]).dropna()})
    if n_proxy == 0:
        unit, note = POPULATION_UNIT_PERSONS, "population counts persons"
    elif n_proxy >= n:
        unit = POPULATION_UNIT_PROXY
        note = (
            "population is residential floor area in m2 from OSM buildings (footprint x "
            "levels), a relative proxy, not a number of persons; shares are meaningful, "
            "counts are m2"
        )
    else:
        unit = f"mixed: {POPULATION_UNIT_PERSONS} + {POPULATION_UNIT_PROXY}"
        note = (
            f"{n_proxy} of {n} demand points carry floor area in m2 (proxy) instead of "
            "persons; counts mix both units"
        )
    return {
        "unit": unit,
        "is_proxy": n_proxy > 0,
        "n_proxy_points": n_proxy,
        "n_points": n,
        "method": "; ".join(methods),
        "note": note,
    }
