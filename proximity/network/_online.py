"""Private: the online path, a place name or polygon fetched with osmnx from Overpass.

Results are cached by query hash (:func:`proximity.network.cache.online_cache_path`). Before
osmnx is called, :func:`proximity._overpass.reachable` probes Overpass so that an offline
machine fails in seconds with the local-extract fix (osmnx would otherwise pause and retry).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlparse

import numpy as np

from proximity import _overpass
from proximity.crs import metric_crs_for
from proximity.errors import CRSError, NetworkError, OfflineError
from proximity.network.assemble import Segments, assemble
from proximity.network.cache import cache_key, load_cache_entry, mark_cached, online_cache_path
from proximity.network.clip import Clip, is_lonlat_box, is_polygon, transform_geom
from proximity.network.graph import WalkNetwork
from proximity.network.profile import PedestrianProfile
from proximity.network.saved import save_npz

#: Default Overpass/Nominatim timeout in seconds (``ox.settings.requests_timeout``).
ONLINE_TIMEOUT_S = 180.0

#: The longest the reachability probe waits, whatever the request timeout.
_PROBE_TIMEOUT_MAX_S = 15.0

LOCAL_EXTRACT_FIX = (
    "Work offline from a local extract: download https://download.geofabrik.de/europe/"
    "sweden-latest.osm.pbf (or another .osm.pbf) and pass its path, e.g. "
    "load_network('sweden-latest.osm.pbf', boundary=<municipality polygon>) or "
    "`proximity network fetch --pbf sweden-latest.osm.pbf`."
)


def load_online(
    place: str | None,
    polygon: Any,
    *,
    clip: Clip | None,
    buffer_m: float,
    crs: str | None,
    cache_dir: str | os.PathLike[str] | None,
    profile: PedestrianProfile,
    timeout_s: float | None,
) -> WalkNetwork:
    """The walking network of a place name (geocoded) or a lon/lat polygon, from Overpass."""
    query, source_text = _query(place, polygon)
    qhash = cache_key(
        {
            **query,
            "buffer_m": buffer_m,
            "profile": profile.version,
            "filter": profile.overpass_filter(),
            "crs": crs,
            "clip": None if clip is None else clip.describe(),
        }
    )
    cache_path = online_cache_path(qhash, cache_dir)
    cached = load_cache_entry(cache_path, source=source_text)
    if cached is not None:
        return cached

    import osmnx as ox

    timeout = float(timeout_s if timeout_s is not None else ONLINE_TIMEOUT_S)
    with _osmnx_settings(ox, timeout=timeout, tag_keys=profile.tag_keys):
        _require_overpass(ox.settings.overpass_url, timeout=timeout, source_text=source_text)
        with _online_errors(source_text):
            if polygon is None:
                polygon = _geocode(ox, place)
            graph = ox.graph_from_polygon(
                _buffer_lonlat(polygon, buffer_m),
                custom_filter=profile.overpass_filter(),
                simplify=False,
                retain_all=True,
                truncate_by_edge=True,
            )
    segs = _segments_from_graph(graph, profile)
    if clip is None:
        clip = Clip(geom=polygon, geom_crs="EPSG:4326", buffer_m=float(buffer_m))
    provenance = {
        "source": source_text,
        "source_kind": "online",
        "source_sha256": qhash,
        "osm_timestamp": None,  # osmnx drops Overpass's osm3s.timestamp_osm_base
        "osm_timestamp_kind": None,
        "overpass_url": ox.settings.overpass_url,
    }
    net = assemble(
        segs,
        clip=clip,
        crs=crs,
        provenance=provenance,
        describe_source=source_text,
        profile=profile,
    )
    save_npz(net, cache_path, replace_invalid=True)
    mark_cached(net, cache_path)
    return net


def _query(place: str | None, polygon: Any) -> tuple[dict[str, Any], str]:
    """The query's cache-key part and its description in messages and provenance."""
    import shapely

    if polygon is None:
        return {"kind": "place", "query": place}, str(place)
    if not is_lonlat_box(polygon.bounds):
        raise CRSError(
            "The query polygon's coordinates are not longitude/latitude.",
            fix="Pass the polygon in EPSG:4326 (e.g. gdf.to_crs(4326).union_all()).",
        )
    query = {"kind": "polygon", "wkt": shapely.to_wkt(polygon, rounding_precision=7)}
    return query, f"polygon {shapely.box(*polygon.bounds).wkt}"


def _require_overpass(url: str, *, timeout: float, source_text: str) -> None:
    """Raise :class:`OfflineError` unless the Overpass server of ``url`` accepts connections."""
    parts = urlparse(url)
    host = parts.hostname or _overpass.OVERPASS_HOST
    port = parts.port or (80 if parts.scheme == "http" else 443)
    probe_s = min(timeout, _PROBE_TIMEOUT_MAX_S)
    if not _overpass.reachable(probe_s, host=host, port=port):
        raise OfflineError(
            f"Cannot reach the OpenStreetMap online services: Overpass ({host}) is not "
            f"reachable within {probe_s:g} s, needed for {source_text!r}.",
            fix=LOCAL_EXTRACT_FIX,
        )


def _geocode(ox: Any, place: str | None) -> Any:
    """The area of a place name (Nominatim), which must be a (multi)polygon."""
    polygon = ox.geocode_to_gdf(place).union_all()
    if not is_polygon(polygon):
        raise NetworkError(
            f"The place {place!r} did not resolve to an area (got a {polygon.geom_type}).",
            fix="Use the full name of an administrative area, e.g. "
            "'Helsingborgs kommun', or pass its polygon.",
        )
    return polygon


def _buffer_lonlat(polygon: Any, buffer_m: float) -> Any:
    """Buffer a lon/lat polygon by metres (in its local metric CRS); simplify to ~5 m."""
    if buffer_m <= 0:
        return polygon
    c = polygon.centroid
    crs = metric_crs_for(c.x, c.y)
    metric = transform_geom(polygon, "EPSG:4326", crs).buffer(buffer_m).simplify(5.0)
    return transform_geom(metric, crs, "EPSG:4326")


def _segments_from_graph(graph: Any, profile: PedestrianProfile) -> Segments:
    """Turn an unsimplified osmnx graph into :class:`Segments`, applying the profile."""
    segs = Segments()
    nodes = graph.nodes
    seen: set[tuple[int, int]] = set()
    for u, v, data in graph.edges(data=True):
        a, b = (u, v) if u < v else (v, u)
        if (a, b) in seen:
            continue
        tags = {k: str(data[k]) for k in profile.tag_keys if k in data and data[k] is not None}
        if not profile.is_walkable(tags):
            continue
        seen.add((a, b))
        way = data.get("osmid", 0)
        way = int(way[0] if isinstance(way, list) else way)
        ids = np.array([u, v], np.int64)
        segs.add_way(
            way,
            tags["highway"],
            ids,
            np.array([nodes[u]["x"], nodes[v]["x"]], float),
            np.array([nodes[u]["y"], nodes[v]["y"]], float),
        )
    return segs


@contextlib.contextmanager
def _osmnx_settings(ox: Any, *, timeout: float, tag_keys: tuple[str, ...]) -> Iterator[None]:
    """Temporarily set osmnx's timeout and keep the tags the profile needs on edges."""
    s = ox.settings
    saved = (s.requests_timeout, list(s.useful_tags_way))
    s.requests_timeout = timeout
    s.useful_tags_way = sorted(set(s.useful_tags_way) | set(tag_keys))
    try:
        yield
    finally:
        s.requests_timeout, s.useful_tags_way = saved


@contextlib.contextmanager
def _online_errors(source_text: str) -> Iterator[None]:
    """Translate network failures into :class:`OfflineError` with a local-extract fix."""
    import requests

    try:
        from osmnx._errors import InsufficientResponseError, ResponseStatusCodeError
    except ImportError:  # pragma: no cover - osmnx layout changed
        InsufficientResponseError = ResponseStatusCodeError = RuntimeError

    try:
        yield
    except (requests.exceptions.RequestException, ResponseStatusCodeError) as exc:
        raise OfflineError(
            f"Cannot reach the OpenStreetMap online services (Overpass/Nominatim) for "
            f"{source_text!r}: {type(exc).__name__}: {exc}",
            fix=LOCAL_EXTRACT_FIX,
        ) from exc
    except InsufficientResponseError as exc:
        raise NetworkError(
            f"OpenStreetMap returned no usable data for {source_text!r}: {exc}",
            fix="Check the place name (e.g. 'Helsingborgs kommun') or the polygon (EPSG:4326, "
            "lon/lat order). " + LOCAL_EXTRACT_FIX,
        ) from exc
    except (TypeError, ValueError) as exc:
        if "Polygon" not in str(exc) and "polygon" not in str(exc):
            raise
        raise NetworkError(
            f"The online query for {source_text!r} did not give a usable area: {exc}",
            fix="Use the name of an administrative area or pass a valid polygon.",
        ) from exc
