"""The result of :func:`~proximity.coverage.compute_access`: :class:`Access`, its constants."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from proximity._io import atomic_path, ensure_writable_dir, write_json_atomic
from proximity.coverage._check import check_known
from proximity.coverage._output import jsonable, write_csv
from proximity.distance_method import DistanceMethod
from proximity.errors import ParameterError, SchemaError
from proximity.sources.city import TOTAL_AREA_ID, TOTAL_LABELS_SV

__all__ = [
    "AGE_GROUPS",
    "COUNT_COLUMNS",
    "GROUP_ORDER",
    "TOTAL_AREA_ID",
    "TOTAL_AREA_NAME",
    "Access",
    "CrowFlyWarning",
    "SnapQualityWarning",
]

#: Name of the total row (``area_id = TOTAL_AREA_ID``) in :attr:`Access.areas`: always the
#: municipality label; printouts, maps and reports name it per city with
#: :func:`proximity.sources.city.total_area_label`.
TOTAL_AREA_NAME = TOTAL_LABELS_SV["municipality"]

#: Age groups reported when the demand has these population columns: group -> column.
AGE_GROUPS: dict[str, str] = {"0_19": "pop_0_19", "20_64": "pop_20_64", "65_plus": "pop_65_plus"}

#: Order of the known age groups in the area tables (any ``pop_<group>`` column of the demand
#: is a group; these first): SCB's bands summed as in city bundles, 65+ and 75+ as sums.
GROUP_ORDER: tuple[str, ...] = ("0_19", "20_64", "65_79", "80_plus", "65_plus", "75_plus")

#: The population counts of an area row: covered + uncovered + unsnapped + unreachable +
#: unlocated = population (the conservation rule every table keeps).
COUNT_COLUMNS = ("population", "covered", "uncovered", "unsnapped", "unreachable", "unlocated")


class CrowFlyWarning(UserWarning):
    """Issued whenever distances are straight lines × a detour factor instead of network paths."""


class SnapQualityWarning(UserWarning):
    """Issued when the walking network does not reach enough of the study area.

    That is, when more than ``warn_unsnapped_share`` of the population (or of a category's
    services) is farther than ``max_snap_m`` from the network or on a network island. The
    numbers are in ``Access.provenance["snap_quality"]``.
    """


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
        distance_method``. With metre thresholds (:attr:`thresholds_m`) a ``threshold_m``
        column follows ``threshold_min``: the minute rows come first (``threshold_m``
        missing), then the metre rows (``threshold_min`` missing); both columns are then
        nullable integers (or floats when a threshold is not whole).
    distance_method
        ``"network"`` or ``"crowfly×F"`` (the label of :attr:`method`).
    provenance
        Network hash and summary, data sources, profiles (speeds, references), snapping
        counts, parameters, notes and the date (``YYYY-MM-DD``). In network mode,
        ``provenance["snap_quality"]`` says how well the network fits the study area:
        ``demand_unsnapped_share`` and ``demand_island_share`` (of the population),
        per-category service shares (``services``), ``largest_component_share``, ``warn``
        (above ``warn_unsnapped_share``) and one-line ``message_sv`` / ``message_en`` texts
        for reports and maps (absent in crow-fly mode).
    profiles, categories, thresholds_min, groups
        What was computed, in output order.
    thresholds_m
        Metre thresholds computed (walking metres along the network, ``distance_m`` of the
        profile); ``()`` when none.
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
    thresholds_m: tuple[float, ...] = ()

    @property
    def method(self) -> DistanceMethod:
        """The typed distance method (:attr:`distance_method` is its label)."""
        return DistanceMethod.parse(self.distance_method)

    # ------------------------------------------------------------------ selection
    def area_table(
        self,
        area_id: str | Sequence[str] | None = None,
        *,
        category: str | None = None,
        profile: str | None = None,
        threshold_min: float | None = None,
        group: str | None = "all",
        threshold_m: float | None = None,
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
                check_known(a, known_areas, "area", "area_id")
            df = df[df["area_id"].isin(wanted)]
        for col, val, known in (
            ("category", category, self.categories),
            ("profile", profile, self.profiles),
            ("group", group, self.groups),
        ):
            if val is not None:
                check_known(val, list(known), col, col)
                df = df[df[col] == val]
        if threshold_min is not None:
            if not any(math.isclose(float(threshold_min), t) for t in self.thresholds_min):
                raise ParameterError(
                    f"Threshold {threshold_min} min was not computed.",
                    fix=f"Use one of {list(self.thresholds_min)} or compute it "
                    "(compute_access(..., thresholds_min=...)).",
                )
            df = df[np.isclose(df["threshold_min"].to_numpy(float), float(threshold_min))]
        if threshold_m is not None:
            if not any(math.isclose(float(threshold_m), t) for t in self.thresholds_m):
                raise ParameterError(
                    f"Threshold {threshold_m} m was not computed.",
                    fix=f"Use one of {list(self.thresholds_m)} or compute it "
                    "(compute_access(..., thresholds_m=...)).",
                )
            df = df[np.isclose(df["threshold_m"].to_numpy(float), float(threshold_m))]
        return df.reset_index(drop=True)

    def point_table(
        self, *, category: str | None = None, profile: str | None = None
    ) -> pd.DataFrame:
        """Rows of :attr:`points` for one category and/or profile."""
        df = self.points
        if category is not None:
            check_known(category, list(self.categories), "category", "category")
            df = df[df["category"] == category]
        if profile is not None:
            check_known(profile, list(self.profiles), "profile", "profile")
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
        write_csv(areas, paths["areas_csv"])
        write_csv(points, paths["points_csv"])
        if geoparquet:
            paths["points_parquet"] = out / "access_points.parquet"
            self._write_geoparquet(points, paths["points_parquet"])
        write_json_atomic(paths["provenance"], jsonable(prov))
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
        meta = json.dumps(jsonable(self.provenance), sort_keys=True, ensure_ascii=False)
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
