"""A :class:`City` built from a city's own files (``builder = "files"`` in a city TOML).

Each section names a file and how to read it (paths relative to the TOML); see
``data/helsingborg/city.toml`` and ``docs/notes/data.md``:

- ``[boundary]`` (required): the study area, optionally filtered with ``where = {...}``;
- ``[areas]``, ``[demand]``, ``[services]`` (required), ``[subareas]`` (optional): read with
  :func:`~proximity.sources.loaders.load_areas`, :func:`~proximity.sources.loaders.load_population`,
  :func:`~proximity.sources.loaders.load_services`, :func:`~proximity.sources.loaders.load_subareas`
  and the options the section gives (``id_col``, ``name_col``, ``crs``, ...);
- ``[unlocated]``, ``[services_unlocated]``, ``[nonprofits]``, ``[area_stats]`` (optional);
- ``[network]`` (optional): where the walking network comes from.

Every file read is recorded with its SHA-256 in ``City.provenance``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from proximity._io import file_sha256
from proximity.errors import SchemaError
from proximity.sources.categories import CATEGORIES
from proximity.sources.city import (
    AREA_STATS_COLUMNS,
    NONPROFIT_COLUMNS,
    SUBAREA_COLUMNS,
    UNLOCATED_COLUMNS,
    City,
    empty_gdf,
    kind_from_config,
)
from proximity.sources.city_toml import resolve_path, section
from proximity.sources.loaders import (
    area_id_of,
    load_areas,
    load_population,
    load_services,
    load_subareas,
)
from proximity.sources.read import load_table, read_geo

#: Loader options each section may give (passed on when present).
AREAS_OPTIONS = ("id_col", "name_col", "crs", "layer", "repair")
SUBAREAS_OPTIONS = ("id_col", "name_col", "area_col", "crs", "layer")
DEMAND_OPTIONS = (
    "id_col",
    "population_col",
    "area_col",
    "year_col",
    "crs",
    "layer",
    "outside",
    "year",
)
SERVICES_OPTIONS = (
    "id_col",
    "name_col",
    "category_col",
    "crs",
    "layer",
    "outside",
    "outside_tolerance_m",
)
SERVICES_UNLOCATED_COLUMNS = ["service_id", "name", "category", "reason", "source"]


@dataclass
class _Build:
    """What the steps share: the TOML, the city's CRS and study area, the files read."""

    cfg: dict[str, Any]
    path: Path
    crs: str
    boundary: Any = None
    files: dict[str, str] = field(default_factory=dict)

    def file(self, key: str, *, required: bool = True) -> tuple[dict[str, Any], Path | None]:
        """The ``[key]`` section and its file (recorded in :attr:`files`); ``({}, None)``."""
        sec = section(self.cfg, key, self.path, required=required)
        if not sec:
            return sec, None
        p = resolve_path(self.path, sec["path"])
        self.files[key] = str(p)
        return sec, p

    def study_area(self) -> dict[str, Any]:
        """Loader options that place rows in the study area and the city's CRS."""
        return dict(target_crs=self.crs, boundary=self.boundary, boundary_crs=self.crs)


def _options(sec: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {k: sec[k] for k in keys if k in sec}


def city_from_files_config(cfg: dict[str, Any], path: Path) -> City:
    """Build a City from a ``files`` city TOML (see the module docstring).

    Parameters
    ----------
    cfg : dict
        The parsed TOML (:func:`~proximity.sources.city_toml.read_city_toml`).
    path : Path
        The TOML file (paths in it are relative to its folder).

    Returns
    -------
    City

    Raises
    ------
    SchemaError, InputFileError, GeometryError, CRSError
        From the TOML or any file it names.
    """
    kind, kommun_code = kind_from_config(cfg, path)
    crs = cfg.get("crs")
    if crs is None:
        raise SchemaError(
            "City TOML has no 'crs'.",
            file=path,
            fix="Add crs = 'EPSG:3006' (Sweden) or the local UTM zone.",
        )
    b = _Build(cfg=cfg, path=path, crs=crs)
    b.boundary = _read_boundary(b)
    areas = _read_areas(b)
    subareas = _read_subareas(b)
    demand = _read_demand(b, areas)
    unlocated = _read_unlocated(b)
    services = _read_services(b)
    services["area_id"] = area_id_of(services, areas)
    services_unlocated = _read_services_unlocated(b)
    nonprofits = _read_nonprofits(b)
    area_stats = _read_area_stats(b)
    for df in (demand, services):
        _blank_missing_text(df)
    return City(
        name=cfg.get("name", path.parent.name),
        crs=crs,
        boundary=b.boundary,
        areas=areas,
        subareas=subareas,
        demand=demand,
        unlocated=unlocated,
        services=services,
        nonprofits=nonprofits,
        area_stats=area_stats,
        network_source=_network_source(cfg, path),
        provenance=_provenance(b),
        services_unlocated=services_unlocated,
        kind=kind,
        kommun_code=kommun_code,
    )


def _read_boundary(b: _Build) -> Any:
    """The study area: the union of the boundary file's features matching ``where``."""
    sec, p = b.file("boundary")
    gdf = read_geo(p, crs=sec.get("crs"))
    for k, v in sec.get("where", {}).items():
        gdf = gdf.loc[gdf[k] == v]
    if gdf.empty:
        raise SchemaError(
            "The boundary file has no matching feature.",
            file=p,
            fix="Check the [boundary] where = {...} filter.",
        )
    return gdf.to_crs(b.crs).geometry.union_all()


def _read_areas(b: _Build) -> gpd.GeoDataFrame:
    sec, p = b.file("areas")
    return load_areas(p, **b.study_area(), **_options(sec, AREAS_OPTIONS))


def _read_subareas(b: _Build) -> gpd.GeoDataFrame:
    sec, p = b.file("subareas", required=False)
    if p is None:
        return empty_gdf(SUBAREA_COLUMNS, b.crs)
    return load_subareas(p, **b.study_area(), **_options(sec, SUBAREAS_OPTIONS))


def _read_demand(b: _Build, areas: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    sec, p = b.file("demand")
    return load_population(p, **b.study_area(), areas=areas, **_options(sec, DEMAND_OPTIONS))


def _read_unlocated(b: _Build) -> pd.DataFrame:
    """Population without a location; its ``population`` must be numbers >= 0."""
    _, p = b.file("unlocated", required=False)
    if p is None:
        return pd.DataFrame(columns=UNLOCATED_COLUMNS)
    unlocated = load_table(p, required=UNLOCATED_COLUMNS, what="unlocated population")
    pop = pd.to_numeric(unlocated["population"], errors="coerce")
    bad = pop.isna() | (pop < 0)
    if bad.any():
        i = int(bad.to_numpy().nonzero()[0][0])
        raise SchemaError(
            "Missing or negative population in the unlocated table.",
            file=p,
            row=f"data row {i + 1}",
            fix="Use numbers >= 0.",
        )
    return unlocated


def _read_services(b: _Build) -> gpd.GeoDataFrame:
    sec, p = b.file("services")
    return load_services(
        p,
        **b.study_area(),
        category_map=sec.get("category_map"),
        **_options(sec, SERVICES_OPTIONS),
    )


def _read_services_unlocated(b: _Build) -> pd.DataFrame | None:
    _, p = b.file("services_unlocated", required=False)
    if p is None:
        return None
    return load_table(p, required=SERVICES_UNLOCATED_COLUMNS, what="unlocated services")


def _read_nonprofits(b: _Build) -> gpd.GeoDataFrame:
    sec, p = b.file("nonprofits", required=False)
    if p is None:
        return empty_gdf(NONPROFIT_COLUMNS, b.crs)
    g = read_geo(p, crs=sec.get("crs")).to_crs(b.crs)
    return gpd.GeoDataFrame(g, geometry="geometry", crs=b.crs)


def _read_area_stats(b: _Build) -> pd.DataFrame:
    _, p = b.file("area_stats", required=False)
    if p is None:
        return pd.DataFrame(columns=AREA_STATS_COLUMNS)
    return load_table(p, required=AREA_STATS_COLUMNS, what="area statistics")


def _network_source(cfg: dict[str, Any], path: Path) -> dict[str, Any] | None:
    """``[network]`` as given, with a ``pbf`` path resolved against the TOML."""
    net = cfg.get("network")
    if not net:
        return None
    network_source = dict(net)
    if network_source.get("kind") in ("pbf", "npz") and "path" in network_source:
        network_source["path"] = str(resolve_path(path, network_source["path"]))
    return network_source


def _blank_missing_text(df: pd.DataFrame) -> None:
    """Missing values of text columns become ``""`` (in place)."""
    for c in df.columns:
        if c != "geometry" and df[c].dtype == object:
            df[c] = df[c].fillna("")


def _provenance(b: _Build) -> dict[str, Any]:
    """``[provenance]`` plus the config path, the files read and their SHA-256."""
    prov: dict[str, Any] = dict(b.cfg.get("provenance", {}))
    prov.update(
        config=str(b.path),
        files=b.files,
        sha256={k: file_sha256(v) for k, v in b.files.items()},
        categories_known=list(CATEGORIES),
    )
    return prov
