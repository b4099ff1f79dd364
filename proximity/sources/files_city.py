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
from proximity.crs import check_metric_crs
from proximity.errors import SchemaError
from proximity.sources.boundaries import read_boundary
from proximity.sources.categories import (
    Category,
    declare_categories,
    known_categories,
    parse_declared,
    suggest_category,
)
from proximity.sources.city import (
    AREA_STATS_COLUMNS,
    NONPROFIT_COLUMNS,
    SERVICE_COLUMNS,
    SUBAREA_COLUMNS,
    UNASSIGNED_AREA,
    UNLOCATED_COLUMNS,
    City,
    empty_gdf,
    kind_from_config,
)
from proximity.sources.city_keys import (
    AREAS_OPTIONS,
    DEMAND_OPTIONS,
    SERVICES_OPTIONS,
    SUBAREAS_OPTIONS,
    key_where,
)
from proximity.sources.city_toml import resolve_path, section
from proximity.sources.loaders import (
    area_id_of,
    load_areas,
    load_population,
    load_services,
    load_subareas,
)
from proximity.sources.read import load_table, load_table_rows, read_geo
from proximity.sources.validate import check_population, row_label, value_text

SERVICES_UNLOCATED_COLUMNS = ["service_id", "name", "category", "reason", "source"]


@dataclass
class _Build:
    """What the steps share: the TOML, the city's CRS and study area, the files read."""

    cfg: dict[str, Any]
    path: Path
    crs: str
    boundary: Any = None
    files: dict[str, str] = field(default_factory=dict)
    declared_categories: dict[str, Category] = field(default_factory=dict)
    group_cols: list[str] = field(default_factory=list)

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
    what = f"the city {cfg.get('name', path.parent.name)!r}"
    check_metric_crs(crs, None, what=what, file=path, row=key_where(path, "", "crs"))
    b = _Build(cfg=cfg, path=path, crs=crs)
    b.declared_categories = parse_declared(cfg.get("categories", {}), file=path)
    declare_categories(b.declared_categories)
    sec, p = b.file("boundary")
    b.boundary, bounds = read_boundary(p, sec, crs=crs, toml=path)
    check_metric_crs(crs, bounds, what=what, file=path, row=key_where(path, "", "crs"))
    areas = _read_areas(b)
    subareas = _read_subareas(b, areas)
    demand = _read_demand(b, areas)
    unlocated = _read_unlocated(b, areas, float(demand["population"].sum()))
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
        declared_categories=b.declared_categories,
    )


def _read_areas(b: _Build) -> gpd.GeoDataFrame:
    sec, p = b.file("areas")
    return load_areas(p, **b.study_area(), **_options(sec, AREAS_OPTIONS))


def _read_subareas(b: _Build, areas: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    sec, p = b.file("subareas", required=False)
    if p is None:
        return empty_gdf(SUBAREA_COLUMNS, b.crs)
    subareas = load_subareas(p, **b.study_area(), **_options(sec, SUBAREAS_OPTIONS))
    ids = subareas["subarea_id"].astype(str)
    _check_area_refs(subareas["area_id"], areas, p, ids, col=sec.get("area_col", "area_id"))
    return subareas


def _check_area_refs(
    refs: pd.Series,
    areas: gpd.GeoDataFrame,
    p: Path,
    ids: pd.Series,
    *,
    col: str,
    also: tuple[str, ...] = (),
) -> None:
    """Raise :class:`SchemaError` on the first value of ``refs`` that is not an area id."""
    known = [str(a) for a in areas["area_id"]]
    bad = ~refs.astype(str).isin({*known, *also})
    if bad.any():
        i = int(bad.to_numpy().nonzero()[0][0])
        v = value_text(refs.iloc[i])
        sug = suggest_category(str(refs.iloc[i]), known) if v != "empty" else None
        v = "(empty)" if v == "empty" else v
        raise SchemaError(
            f"Unknown area {v} in column {col!r} ({int(bad.sum())} row(s)): the areas file has "
            "no such area_id." + (f" Did you mean {sug!r}?" if sug else ""),
            file=p,
            row=row_label(ids, i),
            fix=f"Use an area id of the areas file ({', '.join(known[:10])}"
            + (", ..." if len(known) > 10 else "")
            + (f", or {', '.join(also)}" if also else "")
            + ").",
        )


def _read_demand(b: _Build, areas: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    sec, p = b.file("demand")
    demand = load_population(p, **b.study_area(), areas=areas, **_options(sec, DEMAND_OPTIONS))
    b.group_cols = _group_cols(demand, sec.get("group_cols") or [], p)
    return demand


def _group_cols(demand: gpd.GeoDataFrame, cols: list[Any], p: Path) -> list[str]:
    """``[demand] group_cols``: extra population-group columns, checked (numbers >= 0).

    ``pop_<group>`` columns are groups without being named here (coverage.group_columns).
    """
    out: list[str] = []
    for c in cols:
        if not isinstance(c, str) or c not in demand.columns:
            raise SchemaError(
                f"[demand] group_cols names {c!r}, which the population file does not have.",
                file=p,
                fix=f"Use column names of the file: {', '.join(map(str, demand.columns[:20]))}.",
            )
        v = pd.to_numeric(demand[c], errors="coerce")
        if v.isna().any() or (v < 0).any():
            raise SchemaError(
                f"Group column {c!r} must hold numbers >= 0 on every row.",
                file=p,
                fix="Correct the column, or leave it out of group_cols.",
            )
        demand[c] = v.astype(float)
        out.append(c)
    return out


def _read_unlocated(b: _Build, areas: gpd.GeoDataFrame, located: float) -> pd.DataFrame:
    """Population without a location, checked (areas, numbers, limits with ``located``)."""
    _, p = b.file("unlocated", required=False)
    if p is None:
        return pd.DataFrame(columns=UNLOCATED_COLUMNS)
    unlocated, lines = load_table_rows(
        p, required=UNLOCATED_COLUMNS, what="unlocated population", str_cols=("area_id",)
    )
    ids = unlocated["area_id"].astype(object).fillna("").astype(str)
    ids.attrs.update(csv_lines=lines, label="area")
    check_population(
        unlocated, "population", p, ids, start_total=located, table="the unlocated table"
    )
    _check_area_refs(unlocated["area_id"], areas, p, ids, col="area_id", also=(UNASSIGNED_AREA,))
    return unlocated


def _read_services(b: _Build) -> gpd.GeoDataFrame:
    """``[services]``, read with :func:`~proximity.sources.loaders.load_services`.

    ``allow_empty = true`` accepts a file without rows (a city bundle of a municipality whose
    OSM data hold no service: every resident is then without one).
    """
    sec, p = b.file("services")
    if (
        sec.get("allow_empty") is True
        and len(read_geo(p, crs=sec.get("crs"), layer=sec.get("layer"))) == 0
    ):
        return empty_gdf(SERVICE_COLUMNS, b.crs)
    return load_services(
        p,
        **b.study_area(),
        category_map=sec.get("category_map"),
        categories=known_categories(b),
        **_options(sec, SERVICES_OPTIONS),
    )


def _read_services_unlocated(b: _Build) -> pd.DataFrame | None:
    _, p = b.file("services_unlocated", required=False)
    if p is None:
        return None
    return load_table(
        p, required=SERVICES_UNLOCATED_COLUMNS, what="unlocated services", str_cols=("service_id",)
    )


def _read_nonprofits(b: _Build) -> gpd.GeoDataFrame:
    sec, p = b.file("nonprofits", required=False)
    if p is None:
        return empty_gdf(NONPROFIT_COLUMNS, b.crs)
    g = read_geo(p, crs=sec.get("crs"), layer=sec.get("layer")).to_crs(b.crs)
    return gpd.GeoDataFrame(g, geometry="geometry", crs=b.crs)


def _read_area_stats(b: _Build) -> pd.DataFrame:
    _, p = b.file("area_stats", required=False)
    if p is None:
        return pd.DataFrame(columns=AREA_STATS_COLUMNS)
    return load_table(p, required=AREA_STATS_COLUMNS, what="area statistics", str_cols=("area_id",))


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
        categories_known=known_categories(b),
    )
    if b.group_cols:
        prov["group_columns"] = list(b.group_cols)
    return prov
