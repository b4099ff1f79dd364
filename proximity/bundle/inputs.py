"""Local inputs of a bundle build: boundary, areas, the city's service registry, OSM coverage."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import geopandas as gpd
import shapely

from proximity._io import file_sha256
from proximity.bundle.tags import EXTRA_CATEGORIES
from proximity.errors import SchemaError
from proximity.sources.categories import CATEGORIES
from proximity.sources.loaders import load_services
from proximity.sources.osm_features import OSM_ATTRIBUTION
from proximity.sources.read import read_geo

CRS = "EPSG:3006"
AREA_COLUMNS = ["area_id", "name", "boundary_quality", "source", "geometry"]


def read_boundary(path: Path) -> Any:
    """The union of a polygon file's features, in EPSG:3006."""
    g = read_geo(path)
    if g.empty:
        raise SchemaError("The boundary file has no feature.", file=path)
    return g.to_crs(CRS).geometry.union_all()


def read_areas(
    path: Path, *, boundary: Any, id_col: str | None = None, name_col: str | None = None
) -> gpd.GeoDataFrame:
    """Reporting (or population) areas from a polygon file, clipped to ``boundary``.

    The id column is ``id_col``, else the first of ``area_id``, ``desokod``, ``regsokod``,
    ``id``; the name column ``name_col``, else ``name``, ``regsonamn``, else the id.

    Returns
    -------
    GeoDataFrame
        :data:`AREA_COLUMNS` in EPSG:3006.
    """
    g = read_geo(path, str_cols=[c for c in (id_col,) if c])
    idc = id_col or next((c for c in ("area_id", "desokod", "regsokod", "id") if c in g), None)
    if idc is None or idc not in g.columns:
        raise SchemaError(
            "The areas file has no id column.",
            file=path,
            fix="Name it area_id (or desokod), or pass --areas-id COL.",
        )
    namec = name_col or next((c for c in ("name", "regsonamn", "namn") if c in g), idc)
    g = g.to_crs(CRS)
    geom = g.geometry.intersection(boundary)
    out = gpd.GeoDataFrame(
        dict(
            area_id=g[idc].astype(str).str.strip().to_numpy(),
            name=g[namec].astype(str).to_numpy(),
            boundary_quality="as supplied, clipped to the municipality",
            source=f"file {path.name}",
        ),
        geometry=geom.to_numpy(),
        crs=CRS,
    )
    return out.loc[~out.geometry.is_empty & (out.geometry.area > 1.0)].reset_index(drop=True)


def read_registry(path: Path, *, boundary: Any) -> gpd.GeoDataFrame:
    """The city's own service registry (``--services FILE``), categories checked."""
    s = load_services(
        path,
        categories=(*CATEGORIES, *EXTRA_CATEGORIES),
        target_crs=CRS,
        boundary=boundary,
        boundary_crs=CRS,
        outside="drop",
    )
    s["service_id"] = "reg_" + s["service_id"].astype(str)
    return s


def osm_header(path: Path) -> dict[str, Any]:
    """Bounding box (lon/lat) and replication timestamp of an OSM file's header."""
    import osmium

    h = osmium.io.Reader(str(path), osmium.osm.osm_entity_bits.NOTHING).header()
    box = h.box()
    bbox = None
    if box.valid():
        bbox = (box.bottom_left.lon, box.bottom_left.lat, box.top_right.lon, box.top_right.lat)
    ts = h.get("osmosis_replication_timestamp") or h.get("timestamp") or None
    return dict(bbox=bbox, replication_timestamp=ts)


def extract_coverage(
    bbox: tuple[float, ...] | None, features: gpd.GeoDataFrame, boundary: Any
) -> float:
    """The share of ``boundary``'s area inside the extract (its header box, else its data)."""
    if bbox is not None:
        box = gpd.GeoSeries([shapely.box(*bbox)], crs="EPSG:4326").to_crs(CRS).iloc[0]
    elif len(features):
        box = features.to_crs(CRS).geometry.union_all().convex_hull
    else:
        return 0.0
    return float(boundary.intersection(box).area / boundary.area) if boundary.area else 0.0


def file_source(name: str, path: Path, *, licence: str = "", **extra: Any) -> dict[str, Any]:
    """A manifest ``sources`` record of a local file."""
    st = path.stat()
    rec = dict(
        name=name,
        file=path.name,
        retrieved=dt.datetime.fromtimestamp(st.st_mtime, dt.UTC).isoformat(timespec="seconds"),
        bytes=st.st_size,
        sha256=file_sha256(path),
        licence=licence,
    )
    rec.update(extra)
    return rec


OSM_LICENCE = OSM_ATTRIBUTION
