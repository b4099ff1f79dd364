"""The walking network: OpenStreetMap ways turned into compact arrays.

A :class:`WalkNetwork` is an undirected graph whose edges are the straight segments between
consecutive OSM nodes of walkable ways (the network is *not* simplified, so every edge is a
straight line and snapping onto it is exact). It holds:

- node coordinates ``node_x``, ``node_y`` in metres in ``crs`` (EPSG:3006 in Sweden, a local
  UTM zone elsewhere) and their OSM ids;
- edges ``edge_u``, ``edge_v`` (node indices, ``u < v``), ``edge_length_m`` (metres),
  ``edge_highway`` (the OSM ``highway`` value, for profile penalties) and ``edge_way_id``;
- provenance: source, content hash, OSM timestamp, profile version and summary counts.

The package, by job:

- :mod:`~proximity.network.graph`: the :class:`WalkNetwork` container, CSR and components;
- :mod:`~proximity.network.profile`: :data:`PEDESTRIAN_PROFILE`, the walkable-way tag filter;
- :mod:`~proximity.network.load`: :func:`load_network`, which reads ``.osm.pbf`` / ``.osm`` /
  ``.osm.bz2`` with pyosmium (:mod:`~proximity.network.pbf`), a saved ``.npz``
  (:mod:`~proximity.network.saved`: the format and its content hash, checked on load;
  :mod:`~proximity.network.cache`: cache keys, and the rebuild of bad entries), or a place
  name / polygon online (osmnx + Overpass, cached by query hash); it filters with :data:`PEDESTRIAN_PROFILE`, clips to a boundary plus
  a buffer (:mod:`~proximity.network.clip`) and projects to :func:`metric_crs_for`
  (EPSG:3006 in Sweden, local UTM elsewhere; :mod:`~proximity.network.assemble`).

See ``docs/notes/network.md`` for the profile's rules and the measured numbers.
"""

from __future__ import annotations

from proximity.crs import metric_crs_for
from proximity.network._online import ONLINE_TIMEOUT_S
from proximity.network.cache import cache_network
from proximity.network.graph import MIN_EDGE_WEIGHT_M, WalkNetwork
from proximity.network.load import load_network
from proximity.network.profile import PEDESTRIAN_PROFILE, PedestrianProfile

__all__ = [
    "MIN_EDGE_WEIGHT_M",
    "ONLINE_TIMEOUT_S",
    "PEDESTRIAN_PROFILE",
    "PedestrianProfile",
    "WalkNetwork",
    "cache_network",
    "load_network",
    "metric_crs_for",
]
