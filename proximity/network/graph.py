"""The walking-network container: :class:`WalkNetwork` and its CSR/component views.

A :class:`WalkNetwork` is an undirected graph whose edges are the straight segments between
consecutive OSM nodes of walkable ways (the network is *not* simplified, so every edge is a
straight line and snapping onto it is exact). Each undirected node pair appears at most once
(the shortest of parallel segments is kept), so the CSR adjacency built by
:meth:`WalkNetwork.csr` never sums parallel edges. No networkx graph is held;
:meth:`WalkNetwork.to_networkx` builds one on request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.sparse import csgraph

from proximity.errors import NetworkError

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
    timings
        Measured build times (keys end in ``_seconds``, e.g. ``parse_seconds``). Not saved
        and not provenance, so that outputs stay byte-identical from run to run; shown by
        :meth:`summary` (``run.json``, ``proximity network info``).
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
    timings: dict[str, float] = field(default_factory=dict, compare=False, repr=False)

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

        Parameters
        ----------
        edge_cost : numpy.ndarray, optional
            Per-edge weights, shape ``(n_edges,)``.

        Returns
        -------
        scipy.sparse.csr_matrix
            ``(n_nodes, n_nodes)``, symmetric.
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
        """An undirected ``networkx.Graph`` view of the network.

        Nodes are indices with attributes ``x``, ``y``, ``osm_id``; edges carry ``length``
        and ``weight`` (``edge_cost``, default the length).

        Parameters
        ----------
        edge_cost : numpy.ndarray, optional
            Per-edge weights.

        Returns
        -------
        networkx.Graph
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
        """Provenance, counts and build times: what ``proximity network info`` prints."""
        out = {**self.provenance, **self.timings}
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
        """Save as ``path`` (``.npz``) plus ``path.json`` (provenance), atomically.

        The ``.npz`` carries a content hash of both files, checked by :meth:`load`.

        Parameters
        ----------
        path : str or Path
            The ``.npz`` file (another suffix is replaced by ``.npz``).

        Returns
        -------
        Path
            The ``.npz`` file written.

        Raises
        ------
        OutputError
            When ``path`` (or its ``.json``) exists and is not a network saved by proximity,
            or cannot be written (see :func:`proximity.network.saved.check_save_target`).
        """
        from proximity.network.saved import save_npz

        return save_npz(self, path)

    @classmethod
    def load(cls, path: str | Path) -> WalkNetwork:
        """Load a network saved by :meth:`save` (no OSM parsing).

        Parameters
        ----------
        path : str or Path
            The ``.npz`` file (its ``.json`` sidecar must sit next to it).

        Returns
        -------
        WalkNetwork

        Raises
        ------
        InputFileError
            If the ``.npz`` is missing;
            :class:`~proximity.network.saved.NetworkFileError` (an InputFileError) if it is
            truncated, altered, lacks its sidecar or content hash, or is of another format.
        """
        from proximity.network.saved import read_npz

        return read_npz(cls, path)

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
