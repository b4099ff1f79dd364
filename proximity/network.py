"""The walking network: OpenStreetMap ways turned into compact arrays.

A :class:`WalkNetwork` is an undirected graph whose edges are the straight segments between
consecutive OSM nodes of walkable ways (the network is *not* simplified, so every edge is a
straight line and snapping onto it is exact). It holds:

- node coordinates ``node_x``, ``node_y`` in metres in ``crs`` (EPSG:3006 in Sweden, a local
  UTM zone elsewhere) and their OSM ids;
- edges ``edge_u``, ``edge_v`` (node indices, ``u < v``), ``edge_length_m`` (metres),
  ``edge_highway`` (the OSM ``highway`` value, for profile penalties) and ``edge_way_id``;
- provenance: source, content hash, OSM timestamp, profile version and summary counts.

Each undirected node pair appears at most once (the shortest of parallel segments is kept), so
the CSR adjacency built by :meth:`WalkNetwork.csr` never sums parallel edges.

No networkx graph is held; :meth:`WalkNetwork.to_networkx` builds one on request.

Loaders (below the class):

- :func:`load_network` reads ``.osm.pbf`` / ``.osm`` / ``.osm.bz2`` with pyosmium (ways that
  reference nodes missing from a clipped extract are split there, never fatal), a cached
  ``.npz``, or a place name / polygon online (osmnx + Overpass, cached by query hash);
  it filters with :data:`PEDESTRIAN_PROFILE`, clips to a boundary plus a buffer and projects
  to :func:`metric_crs_for` (EPSG:3006 in Sweden, local UTM elsewhere).
- Edge lengths are the Euclidean lengths of the projected straight segments. The projection's
  scale error is below 0.03 % in southern Sweden (−0.015 % at Helsingborg) and in UTM zones,
  and at most about 0.17 % at Sweden's eastern edge (Haparanda) in EPSG:3006.

See ``docs/notes/network.md`` for the profile's rules and the measured numbers.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.sparse import csgraph

from proximity import config
from proximity._io import atomic_path, file_sha256, text_sha256, today_iso, write_json_atomic
from proximity.errors import (
    CRSError,
    GeometryError,
    InputFileError,
    NetworkError,
    OfflineError,
    ParameterError,
)

#: Smallest edge weight handed to scipy's csgraph. csgraph drops explicit zeros from sparse
#: input, so zero-length segments (two OSM nodes at the same spot) are stored with this weight.
#: 1e-9 m is far below any reported precision (tests compare to 1e-6 m).
MIN_EDGE_WEIGHT_M = 1e-9


@dataclass(frozen=True, eq=False)
class WalkNetwork:
    """An undirected walking network stored as arrays.

    Attributes
    ----------
    crs
        The metric CRS of the coordinates, e.g. ``"EPSG:3006"``.
    node_osm_id, node_x, node_y
        Per node: OSM id (int64), x and y in metres.
    edge_u, edge_v
        Per edge: the two node indices (int64), with ``edge_u < edge_v``.
    edge_length_m
        Per edge: length in metres (float64, > 0 except for degenerate segments).
    edge_highway
        Per edge: the OSM ``highway`` value (str array), used by walking profiles.
    edge_way_id
        Per edge: the OSM way id (int64), for traceability.
    provenance
        Source description, content hash, OSM timestamp, profile version, counts.
    """

    crs: str
    node_osm_id: np.ndarray
    node_x: np.ndarray
    node_y: np.ndarray
    edge_u: np.ndarray
    edge_v: np.ndarray
    edge_length_m: np.ndarray
    edge_highway: np.ndarray
    edge_way_id: np.ndarray
    provenance: dict[str, Any] = field(default_factory=dict)

    # ------------------------------------------------------------------ sizes
    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return int(self.node_x.shape[0])

    @property
    def n_edges(self) -> int:
        """Number of (undirected) edges."""
        return int(self.edge_u.shape[0])

    # ------------------------------------------------------------------ graph views
    def csr(self, edge_cost: np.ndarray | None = None) -> sp.csr_matrix:
        """Symmetric CSR adjacency with ``edge_cost`` (default: ``edge_length_m``) as weights.

        Weights below :data:`MIN_EDGE_WEIGHT_M` are raised to it so that csgraph keeps them.
        The default-weight matrix is cached.
        """
        if edge_cost is None:
            return self._csr_length
        return self._build_csr(edge_cost)

    @cached_property
    def _csr_length(self) -> sp.csr_matrix:
        return self._build_csr(self.edge_length_m)

    def _build_csr(self, cost: np.ndarray) -> sp.csr_matrix:
        cost = np.asarray(cost, dtype=np.float64)
        if cost.shape != (self.n_edges,):
            raise ValueError(f"edge_cost must have shape ({self.n_edges},), got {cost.shape}")
        w = np.maximum(cost, MIN_EDGE_WEIGHT_M)
        rows = np.concatenate([self.edge_u, self.edge_v])
        cols = np.concatenate([self.edge_v, self.edge_u])
        data = np.concatenate([w, w])
        m = sp.csr_matrix((data, (rows, cols)), shape=(self.n_nodes, self.n_nodes))
        m.sort_indices()
        return m

    @cached_property
    def component_labels(self) -> np.ndarray:
        """Connected-component label per node (int64)."""
        _, labels = csgraph.connected_components(self._csr_length, directed=False)
        return labels.astype(np.int64)

    @cached_property
    def component_sizes(self) -> np.ndarray:
        """Number of nodes in each component, indexed by component label."""
        return np.bincount(self.component_labels, minlength=1)

    @property
    def largest_component_share(self) -> float:
        """Share of nodes in the largest connected component (0..1)."""
        if self.n_nodes == 0:
            return 0.0
        return float(self.component_sizes.max() / self.n_nodes)

    @property
    def edge_component(self) -> np.ndarray:
        """Component label per edge."""
        return self.component_labels[self.edge_u]

    def to_networkx(self, edge_cost: np.ndarray | None = None):  # -> nx.Graph
        """An undirected ``networkx.Graph`` (nodes = indices, attrs ``x``, ``y``, ``osm_id``;
        edge attrs ``length`` and ``weight`` = ``edge_cost`` or length).
        """
        import networkx as nx

        g = nx.Graph()
        for i in range(self.n_nodes):
            g.add_node(
                i, x=float(self.node_x[i]), y=float(self.node_y[i]), osm_id=int(self.node_osm_id[i])
            )
        cost = self.edge_length_m if edge_cost is None else np.asarray(edge_cost, float)
        for k in range(self.n_edges):
            g.add_edge(
                int(self.edge_u[k]),
                int(self.edge_v[k]),
                length=float(self.edge_length_m[k]),
                weight=float(cost[k]),
                key=k,
            )
        return g

    def edges_gdf(self):  # -> gpd.GeoDataFrame
        """Edges as a GeoDataFrame of straight LineStrings (for drawing)."""
        import geopandas as gpd
        import shapely

        coords = np.stack(
            [
                np.column_stack([self.node_x[self.edge_u], self.node_y[self.edge_u]]),
                np.column_stack([self.node_x[self.edge_v], self.node_y[self.edge_v]]),
            ],
            axis=1,
        )
        geom = shapely.linestrings(coords)
        return gpd.GeoDataFrame(
            {
                "edge": np.arange(self.n_edges),
                "u": self.edge_u,
                "v": self.edge_v,
                "length_m": self.edge_length_m,
                "highway": self.edge_highway,
                "way_id": self.edge_way_id,
            },
            geometry=geom,
            crs=self.crs,
        )

    def summary(self) -> dict[str, Any]:
        """Provenance plus counts: what ``proximity network info`` prints."""
        out = dict(self.provenance)
        out.update(
            crs=self.crs,
            n_nodes=self.n_nodes,
            n_edges=self.n_edges,
            largest_component_share=round(self.largest_component_share, 6),
            total_length_km=round(float(self.edge_length_m.sum()) / 1000.0, 3),
        )
        return out

    # ------------------------------------------------------------------ persistence
    def save(self, path: str | Path) -> Path:
        """Save as ``path`` (``.npz``) plus ``path.json`` (provenance), atomically."""
        path = Path(path)
        if path.suffix != ".npz":
            path = path.with_suffix(".npz")
        with atomic_path(path, suffix=".npz") as tmp:
            np.savez_compressed(
                tmp,
                node_osm_id=self.node_osm_id,
                node_x=self.node_x,
                node_y=self.node_y,
                edge_u=self.edge_u,
                edge_v=self.edge_v,
                edge_length_m=self.edge_length_m,
                edge_highway=self.edge_highway.astype(str),
                edge_way_id=self.edge_way_id,
            )
        write_json_atomic(
            path.with_suffix(".json"), {"crs": self.crs, "provenance": self.provenance}
        )
        return path

    @classmethod
    def load(cls, path: str | Path) -> WalkNetwork:
        """Load a network saved by :meth:`save` (no OSM parsing)."""
        path = Path(path)
        if path.suffix != ".npz":
            path = path.with_suffix(".npz")
        meta_path = path.with_suffix(".json")
        if not path.exists() or not meta_path.exists():
            raise InputFileError(
                "Cached network not found.",
                file=path,
                fix="Build it first (proximity network fetch ...) or point to an existing cache.",
            )
        try:
            with np.load(path, allow_pickle=False) as z:
                arrays = {k: z[k] for k in z.files}
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except (OSError, ValueError, KeyError) as exc:
            raise InputFileError(
                f"Cached network is unreadable: {exc}",
                file=path,
                fix="Delete the cache files and build the network again.",
            ) from exc
        return cls(crs=meta["crs"], provenance=meta.get("provenance", {}), **arrays)

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_arrays(
        cls,
        crs: str,
        node_x: np.ndarray,
        node_y: np.ndarray,
        edge_u: np.ndarray,
        edge_v: np.ndarray,
        *,
        node_osm_id: np.ndarray | None = None,
        edge_length_m: np.ndarray | None = None,
        edge_highway: np.ndarray | None = None,
        edge_way_id: np.ndarray | None = None,
        provenance: dict[str, Any] | None = None,
    ) -> WalkNetwork:
        """Build a network from raw arrays, normalising it.

        Self-loops are dropped, each edge is oriented ``u < v``, and of parallel edges between
        the same pair of nodes only the shortest is kept. Lengths default to the Euclidean
        segment length. Used by the OSM loaders and by tests (synthetic graphs).
        """
        node_x = np.asarray(node_x, dtype=np.float64)
        node_y = np.asarray(node_y, dtype=np.float64)
        n = node_x.shape[0]
        u = np.asarray(edge_u, dtype=np.int64)
        v = np.asarray(edge_v, dtype=np.int64)
        if u.shape != v.shape:
            raise ValueError("edge_u and edge_v must have the same shape")
        if u.size and (min(u.min(), v.min()) < 0 or max(u.max(), v.max()) >= n):
            raise ValueError("edge endpoints must be node indices in [0, n_nodes)")
        if edge_length_m is None:
            length = np.hypot(node_x[u] - node_x[v], node_y[u] - node_y[v])
        else:
            length = np.asarray(edge_length_m, dtype=np.float64)
        hw = (
            np.full(u.shape, "unknown", dtype=object)
            if edge_highway is None
            else np.asarray(edge_highway, dtype=object)
        )
        way = (
            np.zeros(u.shape, np.int64)
            if edge_way_id is None
            else np.asarray(edge_way_id, np.int64)
        )
        keep = u != v
        u, v, length, hw, way = u[keep], v[keep], length[keep], hw[keep], way[keep]
        lo, hi = np.minimum(u, v), np.maximum(u, v)
        # sort by (lo, hi, length) and keep the first of each pair: the shortest parallel edge
        order = np.lexsort((length, hi, lo))
        lo, hi, length, hw, way = lo[order], hi[order], length[order], hw[order], way[order]
        first = np.ones(lo.shape, bool)
        first[1:] = (lo[1:] != lo[:-1]) | (hi[1:] != hi[:-1])
        osm = (
            np.arange(n, dtype=np.int64)
            if node_osm_id is None
            else np.asarray(node_osm_id, np.int64)
        )
        if n == 0 or not first.any():
            raise NetworkError(
                "The walking network is empty.",
                fix="Check the area, the source file and the pedestrian profile's filter.",
            )
        return cls(
            crs=crs,
            node_osm_id=osm,
            node_x=node_x,
            node_y=node_y,
            edge_u=lo[first],
            edge_v=hi[first],
            edge_length_m=length[first],
            edge_highway=np.asarray(hw[first]).astype(str),
            edge_way_id=way[first],
            provenance=dict(provenance or {}),
        )


# ======================================================================================
# Pedestrian profile
# ======================================================================================

#: Values of ``foot=*`` that explicitly permit walking (override ``access=no|private``).
_FOOT_ALLOW = frozenset({"yes", "designated", "permissive", "destination", "official"})
#: Values of ``foot=*`` that forbid walking (``use_sidepath``: a parallel path must be used,
#: and that path is in the network itself).
_FOOT_DENY = frozenset({"no", "private", "use_sidepath"})
#: Values of ``access=*`` that forbid walking unless ``foot`` explicitly allows it.
_ACCESS_DENY = frozenset({"no", "private"})
#: ``sidewalk=*`` values meaning a sidewalk is part of the road (not mapped separately).
_SIDEWALK_PRESENT = frozenset({"both", "left", "right", "yes"})


@dataclass(frozen=True)
class PedestrianProfile:
    """A versioned OSM tag filter deciding which ways are walkable.

    The rules, applied in this order to a way's tags (see ``docs/notes/network.md``):

    1. No ``highway`` tag, or a lifecycle value (``proposed``, ``construction``, ...):
       not walkable.
    2. ``foot`` in ``no | private | use_sidepath``: not walkable.
    3. ``foot`` in ``yes | designated | permissive | destination | official``: walkable
       (an explicit permission overrides ``access`` and the road class).
    4. ``access`` in ``no | private``, or ``motorroad=yes`` (Swedish *motortrafikled*):
       not walkable.
    5. ``highway`` in :attr:`highways` (footway, path, steps, pedestrian, living street,
       residential, service, track, unclassified, tertiary/secondary/primary and links,
       corridor, bridleway, platform, elevator, road): walkable.
    6. ``highway=cycleway`` without a ``foot`` tag: walkable (Swedish *gång- och cykelväg*
       is usually tagged ``foot=designated`` and is caught by rule 3; an untagged cycle track
       may be used by pedestrians where there is no footway, and including it avoids false
       gaps).
    7. ``highway=trunk|trunk_link`` only with a sidewalk on the road (``sidewalk=both|left|
       right|yes`` or ``sidewalk:<side>=yes``).
    8. Anything else (motorway, busway, raceway, unknown values): not walkable.

    Attributes
    ----------
    version
        Recorded in every network's provenance; bump it when a rule changes.
    highways
        ``highway`` values walkable by default (rule 5).
    conditional
        ``highway`` values walkable only under rules 3, 6, 7 (fetched online, then filtered).
    """

    version: str
    highways: frozenset[str]
    conditional: frozenset[str]

    #: Tag keys the rules read (what an online query must keep on each way).
    tag_keys: tuple[str, ...] = (
        "highway",
        "foot",
        "access",
        "motorroad",
        "sidewalk",
        "sidewalk:both",
        "sidewalk:left",
        "sidewalk:right",
        "area",
    )

    def is_walkable(self, tags: Mapping[str, str]) -> bool:
        """Whether a way with these OSM tags belongs to the walking network."""
        hw = tags.get("highway")
        if not hw or (hw not in self.highways and hw not in self.conditional):
            return False
        foot = tags.get("foot")
        if foot in _FOOT_DENY:
            return False
        if foot in _FOOT_ALLOW:
            return True
        if tags.get("access") in _ACCESS_DENY or tags.get("motorroad") == "yes":
            return False
        if hw in self.highways:
            return True
        if hw == "cycleway":
            return foot is None
        if hw in ("trunk", "trunk_link"):
            return tags.get("sidewalk") in _SIDEWALK_PRESENT or any(
                tags.get(f"sidewalk:{side}") == "yes" for side in ("both", "left", "right")
            )
        return False

    def overpass_filter(self) -> str:
        """An Overpass way filter selecting a superset of the walkable ways.

        The exact rules are applied afterwards with :meth:`is_walkable`.
        """
        values = "|".join(sorted(self.highways | self.conditional))
        return f'["highway"~"^({values})$"]["foot"!~"^(no|private|use_sidepath)$"]'

    def describe(self) -> dict[str, Any]:
        """A JSON-able summary (for provenance and documentation)."""
        return {
            "version": self.version,
            "highways": sorted(self.highways),
            "conditional": sorted(self.conditional),
            "foot_allow": sorted(_FOOT_ALLOW),
            "foot_deny": sorted(_FOOT_DENY),
            "access_deny": sorted(_ACCESS_DENY),
        }


#: The pedestrian profile used by default (version ``proximity-walk-1``).
PEDESTRIAN_PROFILE = PedestrianProfile(
    version="proximity-walk-1",
    highways=frozenset(
        {
            "footway",
            "path",
            "steps",
            "pedestrian",
            "living_street",
            "residential",
            "service",
            "track",
            "unclassified",
            "road",
            "tertiary",
            "tertiary_link",
            "secondary",
            "secondary_link",
            "primary",
            "primary_link",
            "corridor",
            "bridleway",
            "platform",
            "elevator",
        }
    ),
    conditional=frozenset({"cycleway", "trunk", "trunk_link", "motorway", "motorway_link"}),
)


# ======================================================================================
# CRS
# ======================================================================================

#: Sweden's extent used to choose EPSG:3006 (the area of use of SWEREF 99 TM, rounded):
#: ``(lon_min, lat_min, lon_max, lat_max)``. Note that it also covers Oslo, Copenhagen and
#: south-west Finland; SWEREF 99 TM's scale error there is still below 0.4 %.
SWEDEN_BBOX = (10.0, 55.0, 24.2, 69.1)


def metric_crs_for(lon: float, lat: float) -> str:
    """The metric CRS for a study area centred at ``lon``, ``lat`` (degrees, EPSG:4326).

    ``"EPSG:3006"`` (SWEREF 99 TM) inside :data:`SWEDEN_BBOX`, else the WGS 84 UTM zone of the
    point (``"EPSG:326zz"`` north, ``"EPSG:327zz"`` south; standard 6° zones).

    Raises
    ------
    CRSError
        If the coordinates are not a valid lon/lat pair.
    """
    lon, lat = float(lon), float(lat)
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        raise CRSError(
            f"Not a longitude/latitude pair: ({lon}, {lat}).",
            fix="Pass degrees in EPSG:4326 (longitude first).",
        )
    x0, y0, x1, y1 = SWEDEN_BBOX
    if x0 <= lon <= x1 and y0 <= lat <= y1:
        return "EPSG:3006"
    zone = min(int((lon + 180.0) // 6.0) + 1, 60)
    return f"EPSG:{32600 + zone if lat >= 0 else 32700 + zone}"


# ======================================================================================
# Loading
# ======================================================================================

#: File name endings treated as paths (a missing one is a missing file, not a place name).
_PATH_SUFFIXES = (".pbf", ".osm", ".bz2", ".gz", ".xml", ".npz", ".o5m")

#: Default Overpass/Nominatim timeout in seconds (``ox.settings.requests_timeout``).
ONLINE_TIMEOUT_S = 180.0

_LOCAL_EXTRACT_FIX = (
    "Work offline from a local extract: download https://download.geofabrik.de/europe/"
    "sweden-latest.osm.pbf (or another .osm.pbf) and pass its path, e.g. "
    "load_network('sweden-latest.osm.pbf', boundary=<municipality polygon>) or "
    "`proximity network fetch --pbf sweden-latest.osm.pbf`."
)


def load_network(
    source: str | os.PathLike[str] | Any,
    *,
    boundary: Any = None,
    buffer_m: float = 500.0,
    crs: str | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    profile: PedestrianProfile = PEDESTRIAN_PROFILE,
    progress: bool | None = None,
    timeout_s: float | None = None,
) -> WalkNetwork:
    """Load the walking network from an OSM file, a cached network, or online.

    Parameters
    ----------
    source
        A path to ``.osm.pbf``, ``.osm``, ``.osm.bz2`` / ``.osm.gz`` (parsed with pyosmium), a
        cached ``.npz`` saved by :meth:`WalkNetwork.save`, or, online via osmnx + Overpass, a
        place name (a string that is not a path, e.g. ``"Helsingborgs kommun"``) or a shapely
        (Multi)Polygon in EPSG:4326.
    boundary
        Optional clip area: a shapely geometry in EPSG:4326, or a GeoDataFrame/GeoSeries with
        a CRS. Segments intersecting ``boundary`` buffered by ``buffer_m`` are kept.
    buffer_m
        Buffer in metres around ``boundary`` (and around an online query polygon), so that
        paths leaving and re-entering the area are kept.
    crs
        Target metric CRS; default :func:`metric_crs_for` the centre of the boundary (or of
        the data).
    cache_dir
        Network cache folder. Online results are always cached (default
        ``proximity.config.cache_dir() / "networks"``); file sources only when given.
    profile
        The pedestrian tag filter.
    progress
        Show a progress bar; default ``proximity.config.progress_enabled()``.
    timeout_s
        Online request timeout (default :data:`ONLINE_TIMEOUT_S`).

    Returns
    -------
    WalkNetwork
        With provenance: ``source``, ``source_kind`` (pbf/osm/online; a network read from a
        cache keeps its original kind and gains ``cache_file``), ``source_sha256``, ``osm_timestamp``, ``profile``, ``crs``, ``clip``, ``created``,
        ``n_nodes``, ``n_edges``, ``largest_component_share``.

    Raises
    ------
    InputFileError
        Missing file, or a file that is not OSM.
    NetworkError
        Nothing walkable is left after filtering and clipping.
    OfflineError
        Overpass (or Nominatim) cannot be reached; the message says how to use a local extract.
    """
    if buffer_m < 0 or not math.isfinite(buffer_m):
        raise ParameterError(
            f"buffer_m must be a finite number >= 0, got {buffer_m}.", fix="Use e.g. buffer_m=500."
        )
    show = config.progress_enabled() if progress is None else bool(progress)
    clip = _Clip.from_boundary(boundary, buffer_m)
    if _is_polygon(source):
        return _load_online(
            None,
            source,
            clip=clip,
            buffer_m=buffer_m,
            crs=crs,
            cache_dir=cache_dir,
            profile=profile,
            timeout_s=timeout_s,
        )
    if not isinstance(source, (str, os.PathLike)):
        raise InputFileError(
            f"Cannot load a network from {type(source).__name__}.",
            fix="Pass a path to an .osm.pbf/.osm/.osm.bz2/.npz file, a place name, or a "
            "shapely polygon in EPSG:4326.",
        )
    path = Path(source).expanduser()
    if not path.exists():
        text = str(source)
        if (
            isinstance(source, os.PathLike)
            or text.lower().endswith(_PATH_SUFFIXES)
            or (os.sep in text or "/" in text)
        ):
            raise InputFileError(
                "Network source file not found.",
                file=path,
                fix="Check the path. " + _LOCAL_EXTRACT_FIX,
            )
        return _load_online(
            text,
            None,
            clip=clip,
            buffer_m=buffer_m,
            crs=crs,
            cache_dir=cache_dir,
            profile=profile,
            timeout_s=timeout_s,
        )
    if path.is_dir():
        raise InputFileError(
            "Network source is a folder, not a file.",
            file=path,
            fix="Pass an .osm.pbf, .osm, .osm.bz2 or cached .npz file.",
        )
    if path.suffix.lower() == ".npz":  # saved arrays: boundary/buffer are not re-applied
        net = _load_cached(path)
        if crs is not None and _crs_key(crs) != _crs_key(net.crs):
            raise CRSError(
                f"The cached network is in {net.crs}, not in the requested {crs}.",
                file=path,
                fix="Rebuild it from the OSM extract with crs=..., or drop the crs argument.",
            )
        return net
    return _load_file(path, clip=clip, crs=crs, cache_dir=cache_dir, profile=profile, progress=show)


def cache_network(network: WalkNetwork, path: str | os.PathLike[str]) -> Path:
    """Save ``network`` to ``path`` (``.npz`` + ``.json``) so that ``load_network(path)``
    reloads it without parsing OSM. Returns the ``.npz`` path.
    """
    return network.save(Path(path))


def _crs_key(crs: Any) -> str:
    from pyproj import CRS

    c = CRS.from_user_input(crs)
    epsg = c.to_epsg()
    return f"EPSG:{epsg}" if epsg else c.to_wkt()


def _load_cached(path: Path) -> WalkNetwork:
    """Load a saved network; ``provenance["cache_file"]`` records where it came from (the
    other provenance keys, including ``source_kind``, describe the original source).
    """
    net = WalkNetwork.load(path)
    net.provenance["cache_file"] = str(Path(path).resolve())
    return net


# ------------------------------------------------------------------ clipping
@dataclass(frozen=True)
class _Clip:
    """A clip area: ``geom4326`` (shapely, EPSG:4326) or ``geom``+``geom_crs`` (any CRS)."""

    geom: Any
    geom_crs: str
    buffer_m: float

    @classmethod
    def from_boundary(cls, boundary: Any, buffer_m: float) -> _Clip | None:
        if boundary is None:
            return None
        import shapely
        from shapely.geometry.base import BaseGeometry

        if isinstance(boundary, BaseGeometry):
            geom, geom_crs = boundary, "EPSG:4326"
            if not geom.is_empty:
                x0, y0, x1, y1 = geom.bounds
                if min(x0, x1) < -180 or max(x0, x1) > 180 or min(y0, y1) < -90 or max(y0, y1) > 90:
                    raise CRSError(
                        "The boundary's coordinates are not longitude/latitude.",
                        fix="Pass a shapely geometry in EPSG:4326, or a GeoDataFrame/GeoSeries "
                        "that carries its CRS (e.g. gpd.GeoSeries([poly], crs='EPSG:3006')).",
                    )
        elif hasattr(boundary, "geometry") or hasattr(boundary, "union_all"):
            if getattr(boundary, "crs", None) is None:
                raise CRSError(
                    "The boundary GeoDataFrame/GeoSeries has no CRS.",
                    fix="Set it with gdf.set_crs('EPSG:...') before passing it.",
                )
            geom = boundary.union_all() if hasattr(boundary, "union_all") else boundary.geometry
            geom_crs = boundary.crs.to_string()
        else:
            raise CRSError(
                f"Unsupported boundary type {type(boundary).__name__}.",
                fix="Pass a shapely polygon in EPSG:4326 or a GeoDataFrame/GeoSeries with a CRS.",
            )
        if geom.is_empty:
            raise GeometryError(
                "The clip boundary is empty.", fix="Pass the municipality or study-area polygon."
            )
        if not geom.is_valid:
            geom = shapely.make_valid(geom)
        return cls(geom=geom, geom_crs=geom_crs, buffer_m=float(buffer_m))

    def lonlat_geom(self) -> Any:
        """The boundary in EPSG:4326 (unbuffered)."""
        if self.geom_crs == "EPSG:4326":
            return self.geom
        return _transform_geom(self.geom, self.geom_crs, "EPSG:4326")

    def in_crs(self, crs: str) -> Any:
        """The buffered boundary in the metric ``crs`` (prepared for fast predicates)."""
        import shapely

        g = self.geom if self.geom_crs == crs else _transform_geom(self.geom, self.geom_crs, crs)
        g = g.buffer(self.buffer_m) if self.buffer_m > 0 else g
        shapely.prepare(g)
        return g

    def lonlat_bbox(self) -> tuple[float, float, float, float]:
        """A generous lon/lat box around the buffered boundary (for cheap pre-filtering)."""
        x0, y0, x1, y1 = self.lonlat_geom().bounds
        dlat = self.buffer_m / 111_000.0 + 0.01
        dlon = dlat / max(math.cos(math.radians(max(abs(y0), abs(y1)))), 0.05)
        return (x0 - dlon, y0 - dlat, x1 + dlon, y1 + dlat)

    def describe(self) -> dict[str, Any]:
        import shapely

        x0, y0, x1, y1 = self.lonlat_geom().bounds
        return {
            "boundary_bbox_wkt": shapely.box(x0, y0, x1, y1).wkt,
            "boundary_sha256": text_sha256(shapely.to_wkb(self.geom, hex=True)),
            "boundary_crs": self.geom_crs,
            "buffer_m": self.buffer_m,
        }


def _transform_geom(geom: Any, src: str, dst: str) -> Any:
    import shapely
    from pyproj import Transformer

    tr = Transformer.from_crs(src, dst, always_xy=True)
    return shapely.transform(geom, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))


def _is_polygon(obj: Any) -> bool:
    try:
        from shapely.geometry import MultiPolygon, Polygon
    except ImportError:  # pragma: no cover
        return False
    return isinstance(obj, (Polygon, MultiPolygon))


# ------------------------------------------------------------------ segments → network
@dataclass
class _Segments:
    """Accumulates walkable segments (OSM node id pairs) and node coordinates (lon/lat)."""

    node_ids: list[np.ndarray] = field(default_factory=list)
    node_lon: list[np.ndarray] = field(default_factory=list)
    node_lat: list[np.ndarray] = field(default_factory=list)
    seg_u: list[np.ndarray] = field(default_factory=list)
    seg_v: list[np.ndarray] = field(default_factory=list)
    seg_highway: list[str] = field(default_factory=list)
    seg_count: list[int] = field(default_factory=list)
    seg_way: list[int] = field(default_factory=list)
    missing_refs: int = 0
    ways_split: int = 0
    ways: int = 0

    def add_way(
        self, way_id: int, highway: str, ids: np.ndarray, lon: np.ndarray, lat: np.ndarray
    ) -> None:
        """Add the consecutive-node segments of one way, splitting it at missing nodes."""
        ok = ~(np.isnan(lon) | np.isnan(lat))
        n_missing = int(ids.size - ok.sum())
        pair_ok = ok[:-1] & ok[1:]
        if n_missing:
            self.missing_refs += n_missing
            if pair_ok.any():
                self.ways_split += 1
        k = int(pair_ok.sum())
        if k == 0:
            return
        self.ways += 1
        self.node_ids.append(ids[ok])
        self.node_lon.append(lon[ok])
        self.node_lat.append(lat[ok])
        self.seg_u.append(ids[:-1][pair_ok])
        self.seg_v.append(ids[1:][pair_ok])
        self.seg_highway.append(highway)
        self.seg_count.append(k)
        self.seg_way.append(way_id)

    @property
    def empty(self) -> bool:
        return not self.seg_u


def _assemble(
    segs: _Segments,
    *,
    clip: _Clip | None,
    crs: str | None,
    provenance: dict[str, Any],
    describe_source: str,
    profile: PedestrianProfile,
) -> WalkNetwork:
    """Project, clip and normalise accumulated segments into a :class:`WalkNetwork`."""
    import shapely
    from pyproj import CRS, Transformer

    def _empty(why: str) -> NetworkError:
        return NetworkError(
            f"The walking network is empty after filtering ({why}) with pedestrian profile "
            f"{profile.version!r}.",
            file=describe_source,
            fix="Check that the source covers the study area and contains walkable ways "
            "(footway, path, residential, ...); if a boundary is given, check that it "
            "overlaps the data and is in EPSG:4326 (or carries its CRS).",
        )

    if segs.empty:
        raise _empty("no walkable way")
    all_ids = np.concatenate(segs.node_ids)
    uniq_all, first = np.unique(all_ids, return_index=True)
    lon_all = np.concatenate(segs.node_lon)[first]
    lat_all = np.concatenate(segs.node_lat)[first]
    seg_u = np.concatenate(segs.seg_u)
    seg_v = np.concatenate(segs.seg_v)
    counts = np.asarray(segs.seg_count)
    seg_hw = np.repeat(np.asarray(segs.seg_highway, dtype=object), counts)
    seg_way = np.repeat(np.asarray(segs.seg_way, dtype=np.int64), counts)

    if crs is None:
        if clip is not None:
            c = clip.lonlat_geom().centroid
            crs = metric_crs_for(c.x, c.y)
        else:
            crs = metric_crs_for(
                (lon_all.min() + lon_all.max()) / 2, (lat_all.min() + lat_all.max()) / 2
            )
    try:
        target = CRS.from_user_input(crs)
    except Exception as exc:  # pyproj.exceptions.CRSError
        raise CRSError(f"Unknown CRS {crs!r}.", fix="Pass e.g. crs='EPSG:3006'.") from exc
    if not target.is_projected or (
        target.axis_info and target.axis_info[0].unit_name not in ("metre", "meter")
    ):
        raise CRSError(
            f"The network CRS must be projected in metres, got {crs!r}.",
            fix="Pass a metric CRS such as 'EPSG:3006' (Sweden) or leave crs=None.",
        )
    tr = Transformer.from_crs("EPSG:4326", target, always_xy=True)
    x_all, y_all = tr.transform(lon_all, lat_all)
    x_all, y_all = np.asarray(x_all, float), np.asarray(y_all, float)

    iu = np.searchsorted(uniq_all, seg_u)
    iv = np.searchsorted(uniq_all, seg_v)
    if clip is not None:
        area = clip.in_crs(crs)
        lines = shapely.linestrings(
            np.stack(
                [np.column_stack([x_all[iu], y_all[iu]]), np.column_stack([x_all[iv], y_all[iv]])],
                axis=1,
            )
        )
        keep = shapely.intersects(area, lines)
        iu, iv, seg_hw, seg_way = iu[keep], iv[keep], seg_hw[keep], seg_way[keep]
        if iu.size == 0:
            raise _empty("nothing inside the boundary + buffer")
    used, inverse = np.unique(np.concatenate([iu, iv]), return_inverse=True)
    u_idx, v_idx = inverse[: iu.size], inverse[iu.size :]
    if not np.any(u_idx != v_idx):
        raise _empty("only degenerate segments")
    epsg = target.to_epsg()
    net = WalkNetwork.from_arrays(
        f"EPSG:{epsg}" if epsg else target.to_string(),
        x_all[used],
        y_all[used],
        u_idx,
        v_idx,
        node_osm_id=uniq_all[used],
        edge_highway=seg_hw,
        edge_way_id=seg_way,
    )
    prov = dict(provenance)
    prov.update(
        profile=profile.version,
        crs=net.crs,
        clip=None if clip is None else clip.describe(),
        created=today_iso(),
        n_nodes=net.n_nodes,
        n_edges=net.n_edges,
        largest_component_share=round(net.largest_component_share, 6),
        ways_used=segs.ways,
        missing_node_refs=segs.missing_refs,
        ways_split_at_missing_nodes=segs.ways_split,
    )
    net.provenance.update(prov)
    return net


# ------------------------------------------------------------------ file sources
def _load_file(
    path: Path,
    *,
    clip: _Clip | None,
    crs: str | None,
    cache_dir: str | os.PathLike[str] | None,
    profile: PedestrianProfile,
    progress: bool,
) -> WalkNetwork:
    from proximity import _osm

    fmt = _osm.detect_format(path)
    kind = "pbf" if fmt == "pbf" else "osm"
    sha = file_sha256(path)
    cache_path: Path | None = None
    if cache_dir is not None:
        key = text_sha256(
            json.dumps(
                {
                    "source_sha256": sha,
                    "profile": profile.version,
                    "clip": None if clip is None else clip.describe(),
                    "crs": crs,
                },
                sort_keys=True,
            )
        )
        stem = path.name.split(".")[0] or "network"
        cache_path = Path(cache_dir) / f"{stem}-{key[:16]}.npz"
        if cache_path.exists() and cache_path.with_suffix(".json").exists():
            return _load_cached(cache_path)

    t0 = time.perf_counter()
    segs, max_ts = _parse_osm_file(path, fmt, profile=profile, clip=clip, progress=progress)
    header_ts = _osm.osm_header_timestamp(path, fmt)
    provenance = {
        "source": str(path.resolve()),
        "source_kind": kind,
        "source_sha256": sha,
        "osm_timestamp": header_ts or (max_ts.strftime("%Y-%m-%dT%H:%M:%SZ") if max_ts else None),
        "osm_timestamp_kind": "header" if header_ts else ("max_way_timestamp" if max_ts else None),
    }
    net = _assemble(
        segs, clip=clip, crs=crs, provenance=provenance, describe_source=str(path), profile=profile
    )
    net.provenance["parse_seconds"] = round(time.perf_counter() - t0, 3)
    if cache_path is not None:
        net.save(cache_path)
    return net


def _parse_osm_file(
    path: Path,
    fmt: str,
    *,
    profile: PedestrianProfile,
    clip: _Clip | None,
    progress: bool,
) -> tuple[_Segments, Any]:
    """Read the walkable ways of an OSM file into :class:`_Segments` (pyosmium)."""
    from tqdm import tqdm

    from proximity import _osm

    segs = _Segments()
    box = clip.lonlat_bbox() if clip is not None else None
    max_ts = None
    with tqdm(
        desc=f"Reading {path.name}", unit=" walkable ways", disable=not progress, mininterval=0.5
    ) as bar:
        for way in _osm.iter_ways(path, keys=("highway",), where=profile.is_walkable, fmt=fmt):
            bar.update()
            if box is not None and not _touches_box(way.lon, way.lat, box):
                continue
            if way.timestamp is not None and (max_ts is None or way.timestamp > max_ts):
                max_ts = way.timestamp
            segs.add_way(way.id, way.tags["highway"], way.node_ids, way.lon, way.lat)
    return segs, max_ts


def _touches_box(lon: np.ndarray, lat: np.ndarray, box: tuple[float, float, float, float]) -> bool:
    with np.errstate(invalid="ignore"):
        inside = (lon >= box[0]) & (lon <= box[2]) & (lat >= box[1]) & (lat <= box[3])
    if inside.any():
        return True
    # a long segment may cross the box with both ends outside: test the way's own bbox
    ok = ~np.isnan(lon)
    if not ok.any():
        return False
    return not (
        lon[ok].max() < box[0]
        or lon[ok].min() > box[2]
        or lat[ok].max() < box[1]
        or lat[ok].min() > box[3]
    )


# ------------------------------------------------------------------ online (osmnx)
def _load_online(
    place: str | None,
    polygon: Any,
    *,
    clip: _Clip | None,
    buffer_m: float,
    crs: str | None,
    cache_dir: str | os.PathLike[str] | None,
    profile: PedestrianProfile,
    timeout_s: float | None,
) -> WalkNetwork:
    import shapely

    if polygon is not None:
        x0, y0, x1, y1 = polygon.bounds
        if min(x0, x1) < -180 or max(x0, x1) > 180 or min(y0, y1) < -90 or max(y0, y1) > 90:
            raise CRSError(
                "The query polygon's coordinates are not longitude/latitude.",
                fix="Pass the polygon in EPSG:4326 (e.g. gdf.to_crs(4326).union_all()).",
            )
        query = {"kind": "polygon", "wkt": shapely.to_wkt(polygon, rounding_precision=7)}
        source_text = f"polygon {shapely.box(x0, y0, x1, y1).wkt}"
    else:
        query = {"kind": "place", "query": place}
        source_text = str(place)
    key_obj = {
        **query,
        "buffer_m": buffer_m,
        "profile": profile.version,
        "filter": profile.overpass_filter(),
        "crs": crs,
        "clip": None if clip is None else clip.describe(),
    }
    qhash = text_sha256(json.dumps(key_obj, sort_keys=True))
    folder = Path(cache_dir) if cache_dir is not None else config.cache_dir() / "networks"
    cache_path = folder / f"online-{qhash[:16]}.npz"
    if cache_path.exists() and cache_path.with_suffix(".json").exists():
        return _load_cached(cache_path)

    import osmnx as ox

    timeout = float(timeout_s if timeout_s is not None else ONLINE_TIMEOUT_S)
    with _osmnx_settings(ox, timeout=timeout, tag_keys=profile.tag_keys):
        with _online_errors(source_text):
            _check_overpass_reachable(ox, timeout)
            if polygon is None:
                gdf = ox.geocode_to_gdf(place)
                polygon = gdf.union_all()
                if not _is_polygon(polygon):
                    raise NetworkError(
                        f"The place {place!r} did not resolve to an area (got a "
                        f"{polygon.geom_type}).",
                        fix="Use the full name of an administrative area, e.g. "
                        "'Helsingborgs kommun', or pass its polygon.",
                    )
            query_poly = _buffer_lonlat(polygon, buffer_m)
            graph = ox.graph_from_polygon(
                query_poly,
                custom_filter=profile.overpass_filter(),
                simplify=False,
                retain_all=True,
                truncate_by_edge=True,
            )
    segs = _segments_from_graph(graph, profile)
    if clip is None:
        clip = _Clip(geom=polygon, geom_crs="EPSG:4326", buffer_m=float(buffer_m))
    provenance = {
        "source": source_text,
        "source_kind": "online",
        "source_sha256": qhash,
        "osm_timestamp": None,  # osmnx drops Overpass's osm3s.timestamp_osm_base
        "osm_timestamp_kind": None,
        "overpass_url": ox.settings.overpass_url,
    }
    net = _assemble(
        segs,
        clip=clip,
        crs=crs,
        provenance=provenance,
        describe_source=source_text,
        profile=profile,
    )
    net.save(cache_path)
    return net


def _buffer_lonlat(polygon: Any, buffer_m: float) -> Any:
    """Buffer a lon/lat polygon by metres (in its local metric CRS); simplify to ~5 m."""
    if buffer_m <= 0:
        return polygon
    c = polygon.centroid
    crs = metric_crs_for(c.x, c.y)
    metric = _transform_geom(polygon, "EPSG:4326", crs).buffer(buffer_m).simplify(5.0)
    return _transform_geom(metric, crs, "EPSG:4326")


def _segments_from_graph(graph: Any, profile: PedestrianProfile) -> _Segments:
    """Turn an unsimplified osmnx graph into :class:`_Segments`, applying the profile."""
    segs = _Segments()
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


def _check_overpass_reachable(ox: Any, timeout: float) -> None:
    """Fail fast when Overpass is unreachable (osmnx would otherwise pause 60 s first)."""
    import requests

    url = ox.settings.overpass_url.rstrip("/") + "/status"
    requests.get(url, timeout=min(timeout, 15.0), **ox.settings.requests_kwargs)


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
            fix=_LOCAL_EXTRACT_FIX,
        ) from exc
    except InsufficientResponseError as exc:
        raise NetworkError(
            f"OpenStreetMap returned no usable data for {source_text!r}: {exc}",
            fix="Check the place name (e.g. 'Helsingborgs kommun') or the polygon (EPSG:4326, "
            "lon/lat order). " + _LOCAL_EXTRACT_FIX,
        ) from exc
    except (TypeError, ValueError) as exc:
        if "Polygon" not in str(exc) and "polygon" not in str(exc):
            raise
        raise NetworkError(
            f"The online query for {source_text!r} did not give a usable area: {exc}",
            fix="Use the name of an administrative area or pass a valid polygon.",
        ) from exc
