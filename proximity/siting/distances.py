"""Walking times for siting: network or crow-fly distances between point sets, as sparse matrices.

:class:`_Distances` measures (cost-)distances between point sets, over the walking network
(snapping cached per point set) or as straight lines × the detour factor; its
:attr:`~_Distances.method` is the :class:`~proximity.distance_method.DistanceMethod` label.
The helpers turn metres into minutes and bound, reduce and binarise the sparse matrices.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import scipy.sparse as sp
import shapely
from scipy.spatial import cKDTree

from proximity.distance_method import DistanceMethod

if TYPE_CHECKING:  # pragma: no cover
    from proximity.network import WalkNetwork


class _Distances:
    """Walking (cost-)distances between point sets, network or crow-fly, with snapping cached."""

    def __init__(
        self, network: WalkNetwork | None, max_snap_m: float, detour_factor: float
    ) -> None:
        self.network = network
        self.max_snap_m = max_snap_m
        self.distance_method = DistanceMethod.of(network, detour_factor)
        self.method = self.distance_method.label
        self._snapped: dict[str, Any] = {}

    def snapped(self, key: str, xy: np.ndarray, ids: Sequence[str]) -> Any:
        if key not in self._snapped:
            from proximity.snap import snap

            self._snapped[key] = snap(
                self.network, xy, ids=list(ids), max_snap_m=self.max_snap_m, what=key
            )
        return self._snapped[key]

    def forget(self, key: str) -> None:
        """Drop the cached snapping of ``key`` (its point set changed)."""
        self._snapped.pop(key)

    def status(self, key: str) -> np.ndarray | None:
        s = self._snapped.get(key)
        return None if s is None else np.asarray(s.status).astype(str)

    def matrix(
        self,
        src: tuple[str, np.ndarray, Sequence[str]],
        tgt: tuple[str, np.ndarray, Sequence[str]],
        cutoff_m: float,
        edge_cost: np.ndarray | None,
    ) -> sp.csr_matrix:
        """Sparse (n_src × n_tgt) distances ≤ ``cutoff_m`` (explicit zeros kept)."""
        n_s, n_t = len(src[1]), len(tgt[1])
        if n_s == 0 or n_t == 0:
            return sp.csr_matrix((n_s, n_t))
        if self.network is None:  # crow-fly: the method carries the detour factor
            detour = float(self.distance_method.detour_factor or 1.0)
            d = cKDTree(src[1]).sparse_distance_matrix(
                cKDTree(tgt[1]), cutoff_m / detour, output_type="coo_matrix"
            )
            m = sp.csr_matrix((d.data * detour, (d.row, d.col)), shape=(n_s, n_t))
            m.sort_indices()
            return m
        from proximity.routing import bounded_matrix

        s = self.snapped(*src)
        t = self.snapped(*tgt)
        if not s.routable.any() or not t.routable.any():
            return sp.csr_matrix((n_s, n_t))
        m = bounded_matrix(self.network, s, t, cutoff_m, edge_cost=edge_cost)
        m = sp.csr_matrix(m)
        m.sort_indices()
        return m


def _xy(gdf: gpd.GeoDataFrame) -> np.ndarray:
    geom = _points(gdf.geometry).to_numpy()
    return np.column_stack([shapely.get_x(geom), shapely.get_y(geom)]).astype(float)


#: Public names for other packages (the scenario's non-profits table uses them).
Distances = _Distances
point_xy = _xy


def _points(geom: gpd.GeoSeries) -> gpd.GeoSeries:
    out = geom.to_numpy().copy()
    other = shapely.get_type_id(out) != 0  # not a point (a polygon, or missing)
    out[other] = shapely.point_on_surface(out[other])
    return gpd.GeoSeries(out, index=geom.index, crs=geom.crs)


def _edge_cost(network: WalkNetwork | None, prof: Any) -> np.ndarray | None:
    if network is None or not prof.highway_factor:
        return None
    return np.asarray(prof.edge_cost(network), dtype=float)


def _to_min(m: sp.csr_matrix, speed_m_s: float) -> sp.csr_matrix:
    out = sp.csr_matrix(m, dtype=float, copy=True)
    out.data = out.data / speed_m_s / 60.0
    return out


def _bounded(m: sp.csr_matrix, bound_min: float) -> sp.csr_matrix:
    """Entries ≤ bound, explicit zeros kept."""
    coo = m.tocoo()
    keep = coo.data <= bound_min + 1e-9
    out = sp.csr_matrix((coo.data[keep], (coo.row[keep], coo.col[keep])), shape=m.shape)
    out.sort_indices()
    return out


def _column_min(m: sp.csr_matrix) -> np.ndarray:
    """Per column: smallest stored value, ``inf`` where none."""
    best = np.full(m.shape[1], np.inf)
    coo = m.tocoo()
    np.minimum.at(best, coo.col, coo.data)
    return best


def _structure(m: sp.csr_matrix) -> sp.csr_matrix:
    """Bool matrix of the sparsity structure (explicit zeros become True)."""
    out = sp.csr_matrix(
        (np.ones(m.nnz, dtype=bool), m.indices.copy(), m.indptr.copy()), shape=m.shape
    )
    out.sort_indices()
    return out
