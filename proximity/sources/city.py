"""The :class:`City`: one study area with its areas, population, services and provenance."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import pandas as pd

from proximity.errors import ParameterError, SchemaError
from proximity.sources.categories import (
    CATEGORIES,
    Category,
    known_categories,
    suggest_category,
)

AREA_COLUMNS = ["area_id", "name", "boundary_quality", "source"]
SUBAREA_COLUMNS = ["subarea_id", "name", "area_id", "boundary_quality", "source"]
DEMAND_COLUMNS = [
    "demand_id",
    "area_id",
    "subarea_id",
    "population",
    "population_year",
    "location_quality",
    "source",
]
UNLOCATED_COLUMNS = ["area_id", "population", "population_year", "reason", "source"]
SERVICE_COLUMNS = ["service_id", "name", "category", "location_quality", "source"]
NONPROFIT_COLUMNS = ["org_id", "name", "kind", "source"]
AREA_STATS_COLUMNS = [
    "area_id",
    "edition",
    "employment_rate_pct",
    "mean_income_sek",
    "cars_per_1000",
    "source",
]
#: ``unlocated.area_id`` of population known only for the whole municipality.
UNASSIGNED_AREA = "__unassigned__"
#: Values of :attr:`City.kind`.
CITY_KINDS = ("municipality", "study_area")
#: Swedish label of the whole-city total row for each :attr:`City.kind`.
TOTAL_LABELS_SV = {"municipality": "Hela kommunen", "study_area": "Hela studieområdet"}
#: ``area_id`` of the whole-city total row in every per-area table.
TOTAL_AREA_ID = "__total__"


def kind_from_config(cfg: dict[str, Any], path: Any = None) -> tuple[str, str | None]:
    """``(kind, kommun_code)`` of a city TOML (see :attr:`City.kind`).

    ``kind = "municipality" | "study_area"`` is taken as given; without it, a
    ``kommun_code`` (alias ``kommun``) means ``"municipality"`` and its absence
    ``"study_area"``. ``kommun_code`` must be SCB's four-digit code as a string (``"0114"``).

    Raises
    ------
    SchemaError
        On an unknown kind or a malformed municipality code.
    """
    code = cfg.get("kommun_code", cfg.get("kommun"))
    if code is not None:
        code = f"{code:04d}" if isinstance(code, int) and not isinstance(code, bool) else code
        if not (isinstance(code, str) and len(code) == 4 and code.isdigit()):
            raise SchemaError(
                f"kommun_code {code!r} is not a four-digit municipality code.",
                file=path,
                fix='Write it as a quoted string, e.g. kommun_code = "1283".',
            )
    kind = cfg.get("kind")
    if kind is None:
        kind = "municipality" if code is not None else "study_area"
    if kind not in CITY_KINDS:
        raise SchemaError(
            f"Unknown city kind {kind!r}.",
            file=path,
            fix='Use kind = "municipality" (a whole kommun) or kind = "study_area".',
        )
    return str(kind), code


def empty_gdf(columns: list[str], crs: str) -> gpd.GeoDataFrame:
    """An empty GeoDataFrame with ``columns`` + geometry in ``crs``."""
    return gpd.GeoDataFrame(
        {c: pd.Series(dtype=object) for c in columns}, geometry=gpd.GeoSeries([], crs=crs), crs=crs
    )


@dataclass
class City:
    """A study area: areas, sub-areas, demand points, services and their provenance.

    All geometries are in the metric ``crs`` (``EPSG:3006`` in Sweden, local UTM elsewhere).

    Attributes
    ----------
    name
        Display name, e.g. ``"Helsingborg"``.
    crs
        Metric CRS of every geometry.
    boundary
        The study area (shapely Polygon/MultiPolygon in ``crs``).
    areas
        ``area_id, name, boundary_quality, source, geometry`` (polygons).
    subareas
        ``subarea_id, name, area_id, boundary_quality, source, geometry`` (may be empty).
    demand
        Points: ``demand_id, area_id, subarea_id, population, population_year,
        location_quality, source, geometry`` (optional age columns ``pop_0_19``,
        ``pop_20_64``, ``pop_65_plus``; ``population_is_proxy`` when from buildings).
    unlocated
        ``area_id, population, population_year, reason, source``: known population without a
        location (counted, never covered). ``area_id == "__unassigned__"`` = known only for the
        municipality as a whole.
    services
        Points: ``service_id, name, category, location_quality, source, geometry``.
    nonprofits
        Points: ``org_id, name, kind, source, geometry`` (may be empty).
    area_stats
        ``area_id, edition, employment_rate_pct, mean_income_sek, cars_per_1000, source``
        (may be empty).
    network_source
        ``{"kind": "pbf", "path": ...}``, ``{"kind": "place", "query": ...}`` or None.
    provenance
        Free-form: config file, data folder, file hashes, licences, notes.
    services_unlocated
        Services named in the sources that cannot be placed (``reason``).
    kind
        ``"municipality"`` when the study area is a whole municipality (totals may be called
        "Hela kommunen"), ``"study_area"`` otherwise (a part of a city, an OSM extract:
        "Hela studieområdet"). City TOML: ``kind = ...``; a ``kommun_code`` (or ``kommun``)
        without ``kind`` means ``"municipality"``; neither means ``"study_area"``.
    kommun_code
        Swedish municipality code (``"1283"`` for Helsingborg) or None.
    declared_categories
        Categories beyond the built-in ones, by id (:class:`~proximity.sources.categories.Category`,
        from ``[categories.<id>]`` of the city TOML or of a scenario).
    """

    name: str
    crs: str
    boundary: Any
    areas: gpd.GeoDataFrame
    subareas: gpd.GeoDataFrame
    demand: gpd.GeoDataFrame
    unlocated: pd.DataFrame
    services: gpd.GeoDataFrame
    nonprofits: gpd.GeoDataFrame = None  # type: ignore[assignment]
    area_stats: pd.DataFrame = None  # type: ignore[assignment]
    network_source: dict[str, Any] | None = None
    provenance: dict[str, Any] = field(default_factory=dict)
    services_unlocated: pd.DataFrame = None  # type: ignore[assignment]
    kind: str = "study_area"
    kommun_code: str | None = None
    declared_categories: dict[str, Category] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in CITY_KINDS:
            raise ParameterError(
                f"Unknown city kind {self.kind!r}.",
                fix=f"Use one of: {', '.join(CITY_KINDS)}.",
            )
        if self.nonprofits is None:
            self.nonprofits = empty_gdf(NONPROFIT_COLUMNS, self.crs)
        if self.area_stats is None:
            self.area_stats = pd.DataFrame(columns=AREA_STATS_COLUMNS)
        if self.services_unlocated is None:
            self.services_unlocated = pd.DataFrame(
                columns=["service_id", "name", "category", "reason", "source"]
            )
        if self.subareas is None:
            self.subareas = empty_gdf(SUBAREA_COLUMNS, self.crs)
        if self.unlocated is None:
            self.unlocated = pd.DataFrame(columns=UNLOCATED_COLUMNS)

    # ------------------------------------------------------------------ views
    @property
    def area_ids(self) -> list[str]:
        """Area ids in table order."""
        return [str(a) for a in self.areas["area_id"]]

    @property
    def categories(self) -> list[str]:
        """Service categories present, in :data:`CATEGORIES` order (then any others)."""
        present = set(self.services["category"].astype(str))
        known = [c for c in CATEGORIES if c in present]
        return known + sorted(present - set(known))

    @property
    def is_municipality(self) -> bool:
        """True when the study area is a whole municipality (``kind == "municipality"``)."""
        return self.kind == "municipality"

    @property
    def total_label_sv(self) -> str:
        """``"Hela kommunen"`` for a municipality, ``"Hela studieområdet"`` otherwise."""
        return TOTAL_LABELS_SV[self.kind]

    @property
    def total_population(self) -> float:
        """Located plus unlocated population."""
        return float(self.demand["population"].sum()) + float(
            pd.to_numeric(self.unlocated["population"]).sum() if len(self.unlocated) else 0.0
        )

    def area_name(self, area_id: str) -> str:
        """The display name of ``area_id``."""
        row = self.areas.loc[self.areas["area_id"] == area_id]
        if row.empty:
            raise self._unknown_area(area_id)
        return str(row["name"].iloc[0])

    def validate(self) -> list[str]:
        """Consistency checks across the tables; returns the problems found (empty = fine).

        Checks: required columns, unique ids, polygons/points of the right type in ``crs``,
        demand and services inside the boundary (1 m tolerance), demand ``area_id`` known,
        population >= 0, known categories, a non-empty ``source`` on every row.
        """
        problems: list[str] = []
        tables = {
            "areas": (self.areas, AREA_COLUMNS, "area_id", ("Polygon", "MultiPolygon")),
            "subareas": (self.subareas, SUBAREA_COLUMNS, "subarea_id", ("Polygon", "MultiPolygon")),
            "demand": (self.demand, DEMAND_COLUMNS, "demand_id", ("Point",)),
            "services": (self.services, SERVICE_COLUMNS, "service_id", ("Point",)),
        }
        for name, (df, cols, id_col, types) in tables.items():
            problems += self._table_problems(name, df, cols, id_col, types)
        return problems + self._value_problems()

    def _table_problems(
        self, name: str, df: gpd.GeoDataFrame, cols: list[str], id_col: str, types: tuple[str, ...]
    ) -> list[str]:
        """Columns, ids, CRS, geometry types, sources (and boundary for points) of one table."""
        missing = [c for c in cols if c not in df.columns]
        if missing:
            return [f"{name}: missing column(s) {', '.join(missing)}"]
        if len(df) == 0:
            return []
        problems: list[str] = []
        if df[id_col].duplicated().any():
            problems.append(
                f"{name}: duplicate {id_col} {df[id_col][df[id_col].duplicated()].iloc[0]!r}"
            )
        if str(df.crs) != str(self.crs) and df.crs is not None and df.crs != self.crs:
            problems.append(f"{name}: CRS {df.crs} differs from the city's {self.crs}")
        bad = ~df.geometry.geom_type.isin(types)
        if bad.any():
            problems.append(f"{name}: {int(bad.sum())} geometries are not {'/'.join(types)}")
        src = df["source"].fillna("").astype(str).str.strip()
        if (src == "").any():
            problems.append(f"{name}: {int((src == '').sum())} row(s) without a source")
        if name in ("demand", "services"):
            outside = ~df.geometry.within(self.boundary.buffer(1.0))
            if outside.any():
                problems.append(f"{name}: {int(outside.sum())} point(s) outside the boundary")
        return problems

    def _value_problems(self) -> list[str]:
        """Demand areas and population, service categories, sources of the plain tables."""
        problems: list[str] = []
        if len(self.demand):
            unknown = ~self.demand["area_id"].isin(self.area_ids)
            if unknown.any():
                problems.append(f"demand: {int(unknown.sum())} point(s) with an unknown area_id")
            pop = pd.to_numeric(self.demand["population"], errors="coerce")
            if (pop.isna() | (pop < 0)).any():
                problems.append("demand: missing or negative population")
        if len(self.services):
            cats = ~self.services["category"].isin(known_categories(self))
            if cats.any():
                problems.append(
                    f"services: unknown categories {sorted(set(self.services['category'][cats]))}"
                )
        for name in ("unlocated", "area_stats"):
            df = getattr(self, name)
            if len(df) and df["source"].fillna("").astype(str).str.strip().eq("").any():
                problems.append(f"{name}: row(s) without a source")
        return problems

    def summary(self) -> dict[str, Any]:
        """Counts for printing: areas, demand, population, services per category."""
        return dict(
            name=self.name,
            crs=self.crs,
            kind=self.kind,
            kommun_code=self.kommun_code,
            n_areas=len(self.areas),
            n_subareas=len(self.subareas),
            n_demand=len(self.demand),
            population_located=float(self.demand["population"].sum()),
            population_total=self.total_population,
            n_services=len(self.services),
            services_by_category=self.services["category"].value_counts().sort_index().to_dict(),
            n_nonprofits=len(self.nonprofits),
        )

    # ------------------------------------------------------------------ editing
    def _unknown_area(self, area_id: str) -> ParameterError:
        sug = suggest_category(area_id, self.area_ids)
        hint = f" Did you mean {sug!r}?" if sug else ""
        return ParameterError(
            f"Unknown area {area_id!r}.{hint}",
            fix=f"Use one of: {', '.join(self.area_ids)}",
        )

    def split_area(self, area_id: str) -> City:
        """A new City in which ``area_id`` is replaced by its sub-areas.

        The sub-areas become areas (``area_id`` = the sub-area id, ``name`` = sub-area name,
        ``parent_area_id`` = ``area_id``); demand points and services inside are re-labelled;
        ``unlocated`` rows of the area and ``area_stats`` rows are kept under the parent id
        (statistics are not available per sub-area). Other areas are unchanged.

        Raises
        ------
        ParameterError
            If ``area_id`` is unknown or has no sub-areas.
        """
        if area_id not in self.area_ids:
            raise self._unknown_area(area_id)
        subs = self.subareas.loc[self.subareas["area_id"] == area_id]
        if subs.empty:
            raise ParameterError(
                f"Area {area_id!r} has no sub-areas to split into.",
                fix="Give the city a subareas file with an area_id column.",
            )
        new_rows = subs.rename(columns={"subarea_id": "_sid"}).copy()
        new_rows["parent_area_id"] = area_id
        new_rows["area_id"] = new_rows["_sid"].astype(str)
        new_rows = new_rows.drop(columns=["_sid"])
        keep = self.areas.loc[self.areas["area_id"] != area_id].copy()
        if "parent_area_id" not in keep.columns:
            keep["parent_area_id"] = keep["area_id"]
        cols = list(
            dict.fromkeys([*keep.columns, *[c for c in new_rows.columns if c in keep.columns]])
        )
        pos = self.area_ids.index(area_id)
        parts = [keep.iloc[:pos], new_rows.reindex(columns=cols), keep.iloc[pos:]]
        areas = gpd.GeoDataFrame(
            pd.concat(parts, ignore_index=True), geometry="geometry", crs=self.crs
        )
        demand = self.demand.copy()
        m = demand["area_id"] == area_id
        if m.any():
            demand.loc[m, "area_id"] = demand.loc[m, "subarea_id"].astype(str)
            bad = m & ~demand["area_id"].isin(new_rows["area_id"])
            if bad.any():  # no subarea id: locate by polygon
                joined = gpd.sjoin(
                    demand.loc[bad, ["geometry"]],
                    new_rows[["area_id", "geometry"]],
                    predicate="within",
                    how="left",
                )
                demand.loc[bad, "area_id"] = joined["area_id"].groupby(level=0).first()
        services = self.services.copy()
        if "area_id" in services.columns:
            sm = services["area_id"] == area_id
            if sm.any():
                j = gpd.sjoin(
                    services.loc[sm, ["geometry"]],
                    new_rows[["area_id", "geometry"]],
                    predicate="within",
                    how="left",
                )
                services.loc[sm, "area_id"] = j["area_id"].groupby(level=0).first()
        subareas = self.subareas.copy()
        subareas.loc[subareas["area_id"] == area_id, "area_id"] = subareas.loc[
            subareas["area_id"] == area_id, "subarea_id"
        ].astype(str)
        prov = dict(self.provenance)
        prov["split_areas"] = [*prov.get("split_areas", []), area_id]
        return dataclasses.replace(
            self, areas=areas, demand=demand, services=services, subareas=subareas, provenance=prov
        )


_MUNICIPALITY_KINDS = frozenset({"municipality", "kommun"})
_MUNICIPALITY_CODE_KEYS = ("kommun", "kommun_code", "kommunkod", "municipality_code")


def is_municipality(city: Any) -> bool:
    """Whether a (duck-typed) city's study area is a whole municipality (kommun).

    The one rule used by the printout, ``areas.csv``, the maps and the report to name the
    total row ("Hela kommunen" / "Hela studieområdet"):

    1. ``city.kind`` (``"municipality"`` | ``"study_area"``) when the object has it;
    2. else ``city.provenance``: an explicit ``kind`` or ``study_area_kind`` wins; a
       municipality code (``kommun``, ``kommun_code``, ...) means True; a city built from an
       OSM extract (``pbf``) or with grid areas (``areas_method = "grid"``) is a study area;
       any other city is a municipality.
    """
    kind_attr = getattr(city, "kind", None)
    if isinstance(kind_attr, str) and kind_attr.strip():
        return kind_attr.strip().lower() in _MUNICIPALITY_KINDS
    prov = getattr(city, "provenance", None)
    prov = prov if isinstance(prov, Mapping) else {}
    kind = str(prov.get("kind") or prov.get("study_area_kind") or "").strip().lower()
    if kind:
        return kind in _MUNICIPALITY_KINDS
    if any(prov.get(k) for k in _MUNICIPALITY_CODE_KEYS):
        return True
    return not (prov.get("pbf") or str(prov.get("areas_method", "")).lower() == "grid")


def total_area_label(city: Any) -> str:
    """Swedish label of the total row (``area_id = TOTAL_AREA_ID``) for a (duck-typed) city.

    ``"Hela kommunen"`` when :func:`is_municipality`, else ``"Hela studieområdet"``; the one
    rule for every table, printout, map and report.
    """
    return TOTAL_LABELS_SV["municipality" if is_municipality(city) else "study_area"]
