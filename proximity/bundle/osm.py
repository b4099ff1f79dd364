"""OSM features for a bundle: one scan of a local extract, then services, non-profits, buildings.

A *feature* is one tagged OSM node or area (closed way or multipolygon relation) as a row
``osm_type, osm_id, tags, geometry`` (EPSG:4326). The same rows come from a local
``.osm.pbf`` (:func:`scan_features`, pyosmium) or from an Overpass reply
(:func:`proximity.bundle.online.overpass_features`), so everything after the scan is shared:

- :func:`services_from` maps features through :mod:`proximity.bundle.tags` and merges
  duplicates of one category within :data:`MERGE_DISTANCE_M`;
- :func:`nonprofits_from`: associations, NGOs, clubs, social centres;
- :func:`buildings_from`: residential buildings (typed) and untyped ``building=yes`` with
  their floor area (footprint × levels).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from proximity.bundle.tags import nonprofit_kind, service_category
from proximity.errors import InputFileError
from proximity.sources.osm_features import (
    NON_RESIDENTIAL_USE_KEYS,
    OSM_ATTRIBUTION,
    RESIDENTIAL_BUILDINGS,
    parse_levels,
)

#: Services of one category closer than this are one service (the first by id is kept).
MERGE_DISTANCE_M = 25.0
#: Keys that make a feature worth keeping from the scan.
KEYS = frozenset(
    {
        "building",
        "amenity",
        "shop",
        "office",
        "healthcare",
        "leisure",
        "community_centre",
        "government",
        "club",
        "company",
    }
)
FEATURE_COLUMNS = ["osm_type", "osm_id", "tags", "geometry"]
_TYPES = {"n": "node", "w": "way", "r": "relation"}


def _row(kind: str, oid: int, tags: dict[str, str], geom: Any) -> dict[str, Any]:
    return dict(osm_type=_TYPES[kind], osm_id=int(oid), tags=tags, geometry=geom)


def scan_features(path: str | Path) -> gpd.GeoDataFrame:
    """Every tagged node and area of a local OSM file with a key of :data:`KEYS`.

    Parameters
    ----------
    path : path-like
        ``.osm.pbf``, ``.osm`` or ``.osm.bz2``.

    Returns
    -------
    GeoDataFrame
        ``osm_type, osm_id, tags, geometry`` in EPSG:4326 (areas as polygons).

    Raises
    ------
    InputFileError
        Missing or unreadable file.
    """
    import osmium
    from osmium.geom import WKBFactory

    p = Path(path)
    if not p.exists():
        raise InputFileError("OSM file not found.", file=p, fix="Check the --osm path.")
    wkb = WKBFactory()
    rows: list[dict[str, Any]] = []
    try:
        for o in osmium.FileProcessor(str(p)).with_locations().with_areas():
            if not (o.is_node() or o.is_area()) or not any(k in o.tags for k in KEYS):
                continue
            tags = dict(o.tags)
            try:
                if o.is_node():
                    rows.append(
                        _row("n", o.id, tags, shapely.Point(o.location.lon, o.location.lat))
                    )
                else:
                    geom = shapely.from_wkb(wkb.create_multipolygon(o))
                    rows.append(_row("w" if o.from_way() else "r", o.orig_id(), tags, geom))
            except Exception:  # invalid location or an area osmium cannot assemble
                continue
    except (RuntimeError, OSError) as exc:
        raise InputFileError(f"Cannot read the OSM file: {exc}", file=p) from exc
    return features_frame(rows)


def features_frame(rows: list[dict[str, Any]]) -> gpd.GeoDataFrame:
    """Feature rows as a GeoDataFrame in EPSG:4326 (empty with the columns when none)."""
    if not rows:
        return gpd.GeoDataFrame({c: [] for c in FEATURE_COLUMNS[:-1]}, geometry=[], crs="EPSG:4326")
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")


def _ref(f: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Ids ``osm_n123`` and sources ``© OpenStreetMap contributors, ODbL 1.0: node/123``."""
    t = f["osm_type"].astype(str)
    oid = f["osm_id"].astype("int64").astype(str)
    ids = "osm_" + t.str[0] + oid
    return ids, f"{OSM_ATTRIBUTION}: " + t + "/" + oid


def _points(f: gpd.GeoDataFrame, crs: str) -> gpd.GeoSeries:
    g = f.geometry.to_crs(crs)
    return g.where(g.geom_type == "Point", g.representative_point())


def _inside(g: gpd.GeoDataFrame, boundary: Any) -> gpd.GeoDataFrame:
    if boundary is None or g.empty:
        return g
    return g.loc[shapely.intersects(boundary, g.geometry.to_numpy())]


def services_from(
    features: gpd.GeoDataFrame,
    *,
    crs: str,
    boundary: Any = None,
    housing_operators: Iterable[str] = (),
) -> gpd.GeoDataFrame:
    """Service points of the Swedish mapping, duplicates within 25 m merged.

    Parameters
    ----------
    features : GeoDataFrame
        Output of :func:`scan_features` (or an Overpass reply).
    crs : str
        Metric output CRS.
    boundary : shapely geometry, optional
        Keep points in it (in ``crs``).
    housing_operators : iterable of str
        The municipal housing company's names.

    Returns
    -------
    GeoDataFrame
        ``service_id, name, category, location_quality, source, osm_tags, merged_ids,
        geometry``.
    """
    ops = tuple(housing_operators)
    cats = features["tags"].map(lambda t: service_category(t, housing_operators=ops))
    f = features.loc[cats.notna()]
    ids, src = _ref(f)
    out = gpd.GeoDataFrame(
        dict(
            service_id=ids.to_numpy(),
            name=f["tags"].map(lambda t: t.get("name", "")).to_numpy(),
            category=cats.loc[f.index].to_numpy(),
            location_quality=np.where(
                f["osm_type"] == "node", "exact (OSM node)", "OSM area (representative point)"
            ),
            source=src.to_numpy(),
            osm_tags=f["tags"].map(_tagstr).to_numpy(),
        ),
        geometry=_points(f, crs).to_numpy(),
        crs=crs,
    )
    out = _inside(out, boundary).sort_values("service_id").reset_index(drop=True)
    return merge_duplicates(out, MERGE_DISTANCE_M)


def _tagstr(tags: dict[str, str]) -> str:
    keys = sorted(k for k in tags if k in KEYS or k in ("operator", "social_facility"))
    return ";".join(f"{k}={tags[k]}" for k in keys if k != "building")


def merge_duplicates(services: gpd.GeoDataFrame, distance_m: float) -> gpd.GeoDataFrame:
    """One row per cluster of same-category services within ``distance_m`` (first row kept).

    The kept row's ``merged_ids`` lists the ids merged into it (``""`` when none); rows
    earlier in the table win, so a registry placed first wins over OSM.

    Parameters
    ----------
    services : GeoDataFrame
        Points in a metric CRS with ``service_id`` and ``category``.
    distance_m : float
        Merge distance.

    Returns
    -------
    GeoDataFrame
    """
    s = services.reset_index(drop=True)
    merged = [""] * len(s)
    drop: set[int] = set()
    for _, grp in s.groupby("category", sort=False):
        idx = grp.index.to_numpy()
        tree = shapely.STRtree(grp.geometry.to_numpy())
        for i, pos in enumerate(idx):
            if pos in drop:
                continue
            near = tree.query(grp.geometry.iloc[i], predicate="dwithin", distance=distance_m)
            dup = [int(idx[j]) for j in sorted(near) if idx[j] > pos and idx[j] not in drop]
            drop.update(dup)
            merged[pos] = ";".join(str(s.at[d, "service_id"]) for d in dup)
    s["merged_ids"] = merged
    return s.drop(index=sorted(drop)).reset_index(drop=True)


def nonprofits_from(
    features: gpd.GeoDataFrame, *, crs: str, boundary: Any = None
) -> gpd.GeoDataFrame:
    """Non-profits (``org_id, name, kind, source, geometry``) inside ``boundary``."""
    kinds = features["tags"].map(nonprofit_kind)
    f = features.loc[kinds.notna()]
    ids, src = _ref(f)
    out = gpd.GeoDataFrame(
        dict(
            org_id=ids.to_numpy(),
            name=f["tags"].map(lambda t: t.get("name", "")).to_numpy(),
            kind=kinds.loc[f.index].to_numpy(),
            source=src.to_numpy(),
        ),
        geometry=_points(f, crs).to_numpy(),
        crs=crs,
    )
    return _inside(out, boundary).sort_values("org_id").reset_index(drop=True)


def buildings_from(
    features: gpd.GeoDataFrame, *, crs: str, boundary: Any = None
) -> gpd.GeoDataFrame:
    """Residential (typed) and untyped ``building=yes`` footprints with their floor area.

    Levels are ``building:levels`` where tagged, else the median of the tagged kept buildings
    (1 when none is tagged); ``levels_source`` says which.

    Returns
    -------
    GeoDataFrame
        ``building_id, building, residential, untyped, levels, levels_source, floor_area_m2,
        source, geometry`` (polygons in ``crs``).
    """
    tags = features["tags"]
    b = tags.map(lambda t: t.get("building", "no"))
    poly = features.geometry.geom_type.isin(["Polygon", "MultiPolygon"])
    typed = b.isin(RESIDENTIAL_BUILDINGS)
    untyped = (b == "yes") & ~tags.map(lambda t: any(k in t for k in NON_RESIDENTIAL_USE_KEYS))
    f = features.loc[poly & (typed | untyped)]
    ids, src = _ref(f)
    g = gpd.GeoDataFrame(
        dict(
            building_id=ids.to_numpy(),
            building=b.loc[f.index].to_numpy(),
            residential=typed.loc[f.index].to_numpy(),
            untyped=untyped.loc[f.index].to_numpy(),
            source=src.to_numpy(),
            levels_tag=f["tags"].map(lambda t: parse_levels(t.get("building:levels"))).to_numpy(),
        ),
        geometry=f.geometry.to_crs(crs).to_numpy(),
        crs=crs,
    )
    g = _inside(g, boundary).reset_index(drop=True)
    lv = pd.to_numeric(g.pop("levels_tag"), errors="coerce")
    default = float(lv.dropna().median()) if lv.notna().any() else 1.0
    g["levels"] = lv.fillna(default).to_numpy(float)
    g["levels_source"] = np.where(lv.notna(), "building:levels", f"default {default:g} (median)")
    g["floor_area_m2"] = g.geometry.area * g["levels"]
    return g.sort_values("building_id").reset_index(drop=True)
