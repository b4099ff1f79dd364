"""Snapping points (residents, services, candidate sites) onto the walking network.

Every point is snapped onto its nearest *edge* (a straight segment between two OSM nodes),
not its nearest node: the point is projected perpendicularly onto the segment, and routing
later splits the edge at that projection. Per point we keep

- ``edge`` — the edge id (index into the network's edge arrays), ``-1`` if unsnapped;
- ``offset_m`` — distance along the segment from its ``edge_u`` end to the projection
  (``0 ≤ offset_m ≤`` segment length, metres in the network CRS);
- ``access_m`` — the straight "access leg" from the point to the projection (always
  computed, also for unsnapped points); routing adds it to every distance;
- ``status`` — ``"ok"``, ``"too_far"`` (``access_m > max_snap_m``: reported, never moved and
  never routed) or ``"island"`` (snapped onto a small disconnected component: routed, but
  flagged, because such a point usually reaches nothing).

**Nearest edge.** A KD-tree over sample points along every segment proposes candidate
segments; exact point–segment distances (GEOS's formula, bit-identical to
``shapely.distance``) decide, and a distance bound certifies per point that no other segment
can be as close (else a wider ball search runs). Among equidistant segments the lowest edge id
wins, so results are deterministic and equal to a brute-force scan of all segments. The
projection itself is vectorised numpy.

**Island rule.** A component is small when it has fewer nodes than
``max(min_component_share × n_nodes, min_component_nodes or 0)``. The largest component is
never an island.

**Geometry rule.** Only points are accepted. Polygons and lines raise
:class:`~proximity.errors.GeometryError`: turning a building into a point (centroid,
representative point, entrance) is a decision the data loader must make and record, not
something snapping should do silently.

**Input checks.** GeoDataFrames/GeoSeries must carry ``network.crs``; arrays are taken to be
in ``network.crs`` and are checked for lon/lat degrees and for swapped x/y (lat/lon).
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import shapely

from proximity.errors import CRSError, GeometryError, ParameterError, SchemaError

if TYPE_CHECKING:
    from proximity.network import WalkNetwork

__all__ = ["STATUSES", "Snapped", "snap"]

#: The possible values of :attr:`Snapped.status`.
STATUSES = ("ok", "too_far", "island")

_QA_COLUMNS = [
    "id",
    "x",
    "y",
    "snap_x",
    "snap_y",
    "access_m",
    "edge",
    "offset_m",
    "component",
    "status",
]


@dataclass(frozen=True, eq=False)
class Snapped:
    """Points snapped onto a :class:`~proximity.network.WalkNetwork` (one entry per point).

    Attributes
    ----------
    ids
        Point ids (object array of ``str``), in input order.
    x, y
        Input coordinates (metres, network CRS).
    edge
        Edge id (int64), ``-1`` if unsnapped (``too_far``).
    offset_m
        Distance along the edge from ``edge_u`` to the projection (``nan`` if unsnapped).
    access_m
        Point → edge distance in metres (always computed).
    snap_x, snap_y
        The projection on the edge (``nan`` if unsnapped).
    component
        Connected-component label of the edge (int64), ``-1`` if unsnapped.
    status
        ``"ok"``, ``"too_far"`` or ``"island"`` (object array of ``str``).
    crs
        The network CRS the points were snapped in.
    n_network_edges
        Edge count of the network they were snapped to (a guard against mixing networks).
    max_snap_m
        The snapping threshold used.
    """

    ids: np.ndarray
    x: np.ndarray
    y: np.ndarray
    edge: np.ndarray
    offset_m: np.ndarray
    access_m: np.ndarray
    snap_x: np.ndarray
    snap_y: np.ndarray
    component: np.ndarray
    status: np.ndarray
    crs: str = ""
    n_network_edges: int = -1
    max_snap_m: float = float("nan")

    def __len__(self) -> int:
        return int(self.ids.shape[0])

    @property
    def routable(self) -> np.ndarray:
        """Boolean mask: points that take part in routing (status is not ``"too_far"``)."""
        return self.status != "too_far"

    @property
    def counts(self) -> dict[str, int]:
        """Number of points per status (all statuses present, possibly 0)."""
        return {s: int(np.count_nonzero(self.status == s)) for s in STATUSES}

    def subset(self, mask: np.ndarray | Sequence[int] | Sequence[bool]) -> Snapped:
        """A new :class:`Snapped` with the points selected by a boolean mask or indices."""
        sel = np.asarray(mask)
        if sel.dtype == bool and sel.shape != (len(self),):
            raise ParameterError(
                f"Boolean mask has shape {sel.shape}, expected ({len(self)},).",
                fix="Pass one boolean per snapped point, or integer indices.",
            )
        if sel.dtype != bool:
            sel = sel.astype(np.int64)
        return Snapped(
            ids=self.ids[sel],
            x=self.x[sel],
            y=self.y[sel],
            edge=self.edge[sel],
            offset_m=self.offset_m[sel],
            access_m=self.access_m[sel],
            snap_x=self.snap_x[sel],
            snap_y=self.snap_y[sel],
            component=self.component[sel],
            status=self.status[sel],
            crs=self.crs,
            n_network_edges=self.n_network_edges,
            max_snap_m=self.max_snap_m,
        )

    def qa_table(self) -> pd.DataFrame:
        """One row per point: ``id, x, y, snap_x, snap_y, access_m, edge, offset_m,
        component, status``.
        """
        return pd.DataFrame(
            {
                "id": self.ids.astype(str),
                "x": self.x,
                "y": self.y,
                "snap_x": self.snap_x,
                "snap_y": self.snap_y,
                "access_m": self.access_m,
                "edge": self.edge,
                "offset_m": self.offset_m,
                "component": self.component,
                "status": self.status.astype(str),
            },
            columns=_QA_COLUMNS,
        )


# --------------------------------------------------------------------------- public API
def snap(
    network: WalkNetwork,
    points: Any,
    *,
    ids: Sequence[Any] | np.ndarray | None = None,
    max_snap_m: float = 300.0,
    min_component_share: float = 0.01,
    min_component_nodes: int | None = None,
    what: str = "points",
) -> Snapped:
    """Snap points onto the nearest edge of ``network``.

    Parameters
    ----------
    network
        The walking network (metric CRS).
    points
        A GeoDataFrame or GeoSeries of Point geometries in ``network.crs``, or an ``(n, 2)``
        array-like of x, y in ``network.crs``.
    ids
        Point ids (made strings). Default: the GeoDataFrame/GeoSeries index, or ``0..n-1``.
        Must be unique.
    max_snap_m
        Points farther than this from every edge get status ``"too_far"`` (≥ 0, may be inf).
    min_component_share, min_component_nodes
        A component with fewer nodes than ``max(min_component_share × n_nodes,
        min_component_nodes or 0)`` is an island (the largest component never is).
    what
        What the points are (``"services"``, ``"demand points"``...), used in error messages.

    Returns
    -------
    Snapped

    Raises
    ------
    CRSError
        Missing or mismatched CRS; coordinates that look like lon/lat degrees or swapped x/y.
    GeometryError
        Empty, missing, non-finite or non-point geometries (naming the point id).
    SchemaError
        Duplicate ids.
    ParameterError
        Bad parameters (negative ``max_snap_m``, a share outside 0..1, wrong shapes).
    """
    max_snap_m = _check_nonneg("max_snap_m", max_snap_m, allow_inf=True)
    share = float(min_component_share)
    if not 0.0 <= share <= 1.0:
        raise ParameterError(
            f"min_component_share must be between 0 and 1, got {min_component_share!r}.",
            fix="Use e.g. min_component_share=0.01 (1 % of the network's nodes).",
        )
    min_nodes = 0 if min_component_nodes is None else int(min_component_nodes)
    if min_nodes < 0:
        raise ParameterError(
            f"min_component_nodes must be ≥ 0, got {min_component_nodes!r}.",
            fix="Use e.g. min_component_nodes=50, or None.",
        )
    _check_network_crs(network)

    x, y, id_arr = _coerce_points(network, points, ids, what)
    n = x.shape[0]
    _check_plausible(network, x, y, id_arr, max_snap_m, what)

    edge = np.full(n, -1, dtype=np.int64)
    offset = np.full(n, np.nan)
    access = np.full(n, np.nan)
    sx = np.full(n, np.nan)
    sy = np.full(n, np.nan)
    comp = np.full(n, -1, dtype=np.int64)
    status = np.full(n, "ok", dtype=object)
    if n:
        near = _nearest_edge(network, x, y)
        t, px, py, acc = _project(network, near, x, y)
        seg_len = _segment_length(network)[near]
        access[:] = acc
        ok = acc <= max_snap_m
        status[~ok] = "too_far"
        edge[ok] = near[ok]
        offset[ok] = np.minimum(t[ok] * seg_len[ok], seg_len[ok])
        sx[ok], sy[ok] = px[ok], py[ok]
        comp[ok] = network.edge_component[near[ok]]
        sizes = network.component_sizes
        threshold = max(share * network.n_nodes, float(min_nodes))
        largest = int(np.argmax(sizes))
        small = (sizes < threshold) & (np.arange(sizes.shape[0]) != largest)
        status[ok & small[np.where(ok, comp, 0)]] = "island"
    return Snapped(
        ids=id_arr,
        x=x,
        y=y,
        edge=edge,
        offset_m=offset,
        access_m=access,
        snap_x=sx,
        snap_y=sy,
        component=comp,
        status=status,
        crs=str(network.crs),
        n_network_edges=network.n_edges,
        max_snap_m=max_snap_m,
    )


# --------------------------------------------------------------------------- geometry core
#: Spacing (metres) of the sample points along segments in the nearest-edge index.
_SAMPLE_SPACING_M = 10.0
#: Nearest samples fetched per point in the first (certified) pass.
_FIRST_K = 10
#: Points per block in the first pass.
_BLOCK = 8192

_INDEX: weakref.WeakKeyDictionary[Any, _SegmentIndex] = weakref.WeakKeyDictionary()
_SEG_LEN: weakref.WeakKeyDictionary[Any, np.ndarray] = weakref.WeakKeyDictionary()


@dataclass(frozen=True, eq=False)
class _SegmentIndex:
    """KD-tree over sample points along every segment (cached per network object).

    Each segment of length ``L`` is cut into ``m = max(1, ceil(L / spacing))`` equal pieces;
    the sample of a piece is its midpoint, so every point of the segment lies within
    ``half`` (half the longest piece) of one of the segment's samples. Hence for any point
    ``q`` and any segment ``e``: ``dist(q, e) ≥ min over e's samples |q − s| − half``.
    """

    tree: Any  # scipy.spatial.cKDTree
    sample_edge: np.ndarray  # sample -> edge id
    half: float  # largest piece half-length (metres)
    tol: float  # floating-point slack for the bound
    ax: np.ndarray
    ay: np.ndarray
    bx: np.ndarray
    by: np.ndarray


def _segment_index(network: WalkNetwork) -> _SegmentIndex:
    idx = _INDEX.get(network)
    if idx is None:
        from scipy.spatial import cKDTree

        ax = np.ascontiguousarray(network.node_x[network.edge_u], dtype=np.float64)
        ay = np.ascontiguousarray(network.node_y[network.edge_u], dtype=np.float64)
        bx = np.ascontiguousarray(network.node_x[network.edge_v], dtype=np.float64)
        by = np.ascontiguousarray(network.node_y[network.edge_v], dtype=np.float64)
        length = _segment_length(network)
        pieces = np.maximum(1, np.ceil(length / _SAMPLE_SPACING_M)).astype(np.int64)
        sample_edge = np.repeat(np.arange(network.n_edges, dtype=np.int64), pieces)
        start = np.repeat(np.cumsum(pieces) - pieces, pieces)
        j = np.arange(sample_edge.shape[0], dtype=np.int64) - start
        t = (j + 0.5) / pieces[sample_edge]
        sx = ax[sample_edge] + t * (bx - ax)[sample_edge]
        sy = ay[sample_edge] + t * (by - ay)[sample_edge]
        half = float((length / pieces).max(initial=0.0)) / 2.0 if network.n_edges else 0.0
        scale = float(
            max(np.abs(network.node_x).max(initial=0.0), np.abs(network.node_y).max(initial=0.0))
        )
        # rounding of sample positions and of distances at this coordinate scale
        tol = 1e-6 + 64.0 * np.finfo(np.float64).eps * (scale + half)
        tree = cKDTree(np.column_stack([sx, sy]), balanced_tree=False, compact_nodes=False)
        idx = _SegmentIndex(tree, sample_edge, half * (1.0 + 1e-12), tol, ax, ay, bx, by)
        _INDEX[network] = idx
    return idx


def _segment_length(network: WalkNetwork) -> np.ndarray:
    """Euclidean length of each edge segment in CRS metres (cached per network object)."""
    out = _SEG_LEN.get(network)
    if out is None:
        out = np.hypot(
            network.node_x[network.edge_v] - network.node_x[network.edge_u],
            network.node_y[network.edge_v] - network.node_y[network.edge_u],
        )
        _SEG_LEN[network] = out
    return out


def _segment_distance(
    px: np.ndarray,
    py: np.ndarray,
    ax: np.ndarray,
    ay: np.ndarray,
    bx: np.ndarray,
    by: np.ndarray,
) -> np.ndarray:
    """Point–segment distance with GEOS's formula (``Distance::pointToSegment``), so the
    values are bit-identical to ``shapely.distance`` and ties are decided the same way.
    """
    dx = bx - ax
    dy = by - ay
    len2 = dx * dx + dy * dy
    with np.errstate(divide="ignore", invalid="ignore"):
        r = ((px - ax) * dx + (py - ay) * dy) / len2
        s = ((ay - py) * dx - (ax - px) * dy) / len2
        inner = np.abs(s) * np.sqrt(len2)
    ex, ey = px - ax, py - ay
    fx, fy = px - bx, py - by
    d_a = np.sqrt(ex * ex + ey * ey)
    d_b = np.sqrt(fx * fx + fy * fy)
    # GEOS tests A == B; a length² that underflows to 0 (subnormal extents) would give NaN
    # there, so such segments are measured to A as well (the old fallback did the same)
    degenerate = len2 == 0.0
    out = np.where(degenerate | (r <= 0.0), d_a, np.where(r >= 1.0, d_b, inner))
    return np.where(np.isnan(out), np.inf, out)


def _nearest_edge(network: WalkNetwork, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Exact nearest segment per point; ties → lowest edge id.

    Candidates come from a KD-tree over sample points along the segments
    (:class:`_SegmentIndex`); exact GEOS-formula distances are taken to the candidate
    segments. Completeness is certified per point: with ``d_K`` the distance to the K-th
    nearest sample, every segment that is not a candidate is at least ``d_K − half`` away,
    so if the best candidate distance ``d* < d_K − half`` nothing else can be as close (ties
    included). Points that fail the certificate get every segment with a sample within
    ``d* + half`` (a superset of all segments at distance ≤ ``d*``). The result equals a
    brute-force scan of all segments (tested).
    """
    n = x.shape[0]
    out = np.full(n, -1, dtype=np.int64)
    if n == 0 or network.n_edges == 0:
        return out
    idx = _segment_index(network)
    n_samples = idx.sample_edge.shape[0]
    k = min(_FIRST_K, n_samples)
    # query in Z-order of the points (cache-friendly tree walks), in blocks that keep the
    # (block × k) work arrays in cache
    cell = 4.0 * _SAMPLE_SPACING_M
    zx = np.clip((x - x.min()) // cell, 0, 2**21 - 1).astype(np.int64)
    zy = np.clip((y - y.min()) // cell, 0, 2**21 - 1).astype(np.int64)
    zorder = np.argsort(_morton(zx, zy), kind="stable")
    big = np.iinfo(np.int64).max
    rest_parts = []
    best_parts = []
    for a in range(0, n, _BLOCK):
        sel = zorder[a : a + _BLOCK]
        bx_, by_ = x[sel], y[sel]
        d_k, s_k = idx.tree.query(np.column_stack([bx_, by_]), k=k)
        d_k = d_k.reshape(sel.size, k)
        cand = idx.sample_edge[s_k.reshape(sel.size, k)]
        dist = _segment_distance(
            bx_[:, None], by_[:, None], idx.ax[cand], idx.ay[cand], idx.bx[cand], idx.by[cand]
        )
        best_d = dist.min(axis=1)
        best_e = np.where(dist == best_d[:, None], cand, big).min(axis=1)
        if k == n_samples:  # every segment is a candidate
            ok = np.isfinite(best_d)
        else:
            ok = best_d < d_k[:, -1] - idx.half - idx.tol
        out[sel[ok]] = best_e[ok]
        rest_parts.append(sel[~ok])
        best_parts.append(best_d[~ok])
    rest = np.concatenate(rest_parts)
    if rest.size and k < n_samples:
        out[rest] = _nearest_edge_ball(idx, x[rest], y[rest], np.concatenate(best_parts))
    miss = np.flatnonzero(out < 0)
    if miss.size:
        out[miss] = _nearest_edge_fallback(network, x[miss], y[miss])
    return out


def _morton(ix: np.ndarray, iy: np.ndarray) -> np.ndarray:
    """Interleave the low 21 bits of two non-negative int arrays (Z-order key)."""

    def spread(v: np.ndarray) -> np.ndarray:
        v = v.astype(np.uint64) & np.uint64(0x1FFFFF)
        v = (v | (v << np.uint64(32))) & np.uint64(0x1F00000000FFFF)
        v = (v | (v << np.uint64(16))) & np.uint64(0x1F0000FF0000FF)
        v = (v | (v << np.uint64(8))) & np.uint64(0x100F00F00F00F00F)
        v = (v | (v << np.uint64(4))) & np.uint64(0x10C30C30C30C30C3)
        v = (v | (v << np.uint64(2))) & np.uint64(0x1249249249249249)
        return v

    return spread(ix) | (spread(iy) << np.uint64(1))


def _nearest_edge_ball(
    idx: _SegmentIndex, x: np.ndarray, y: np.ndarray, upper: np.ndarray
) -> np.ndarray:
    """Nearest segment (ties → lowest id) among all segments with a sample within
    ``upper + half`` of the point, ``upper`` being an upper bound on the nearest distance.
    """
    import itertools

    radius = np.where(np.isfinite(upper), upper, np.inf) + idx.half + idx.tol
    lists = idx.tree.query_ball_point(np.column_stack([x, y]), radius, return_sorted=False)
    counts = np.fromiter((len(v) for v in lists), dtype=np.int64, count=len(lists))
    flat = np.fromiter(
        itertools.chain.from_iterable(lists), dtype=np.int64, count=int(counts.sum())
    )
    pt = np.repeat(np.arange(x.shape[0]), counts)
    cand = idx.sample_edge[flat]
    dist = _segment_distance(x[pt], y[pt], idx.ax[cand], idx.ay[cand], idx.bx[cand], idx.by[cand])
    order = np.lexsort((cand, dist, pt))
    first = np.ones(order.shape, dtype=bool)
    first[1:] = pt[order][1:] != pt[order][:-1]
    out = np.full(x.shape[0], -1, dtype=np.int64)
    out[pt[order][first]] = cand[order][first]
    return out


def _nearest_edge_fallback(network: WalkNetwork, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Last resort for points no distance could be computed for (overflowing coordinates):
    the projection distance over every edge, lowest edge id on ties.
    """
    edges = np.arange(network.n_edges)
    out = np.empty(x.shape[0], dtype=np.int64)
    for i in range(x.shape[0]):
        _, _, _, d = _project(network, edges, x[i], y[i])
        out[i] = int(np.argmin(np.where(np.isnan(d), np.inf, d)))
    return out


def _project(
    network: WalkNetwork, edge: np.ndarray, x: np.ndarray, y: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Perpendicular projection of points onto their edges.

    Returns the fraction ``t`` in [0, 1] along the edge from ``edge_u``, the projected
    x, y and the point → projection distance.
    """
    ax = network.node_x[network.edge_u[edge]]
    ay = network.node_y[network.edge_u[edge]]
    dx = network.node_x[network.edge_v[edge]] - ax
    dy = network.node_y[network.edge_v[edge]] - ay
    l2 = dx * dx + dy * dy
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(l2 > 0, ((x - ax) * dx + (y - ay) * dy) / l2, 0.0)
    t = np.clip(t, 0.0, 1.0)
    px = ax + t * dx
    py = ay + t * dy
    return t, px, py, np.hypot(x - px, y - py)


# --------------------------------------------------------------------------- input checks
def _check_nonneg(name: str, value: float, *, allow_inf: bool) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        v = float("nan")
    if np.isnan(v) or v < 0 or (np.isinf(v) and not allow_inf):
        raise ParameterError(
            f"{name} must be a number ≥ 0, got {value!r}.",
            fix=f"Use e.g. {name}=300.",
        )
    return v


def _check_network_crs(network: WalkNetwork) -> None:
    from pyproj import CRS

    try:
        crs = CRS.from_user_input(network.crs)
    except Exception as exc:
        raise CRSError(
            f"The network's CRS {network.crs!r} is not a valid CRS: {exc}",
            fix="Rebuild the network with a metric CRS such as EPSG:3006.",
        ) from exc
    if crs.is_geographic:
        raise CRSError(
            f"The network is in a geographic CRS ({network.crs}); distances need metres.",
            fix="Build the network in a metric CRS (EPSG:3006 in Sweden, local UTM elsewhere).",
        )


def _same_crs(a: Any, b: Any) -> bool:
    from pyproj import CRS

    try:
        return CRS.from_user_input(a).equals(CRS.from_user_input(b), ignore_axis_order=True)
    except Exception:
        return False


def _coerce_points(
    network: WalkNetwork, points: Any, ids: Any, what: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Turn the accepted inputs into float x, y arrays and a str id array (with checks)."""
    import geopandas as gpd

    net_crs = str(network.crs)
    if isinstance(points, gpd.GeoDataFrame | gpd.GeoSeries):
        geoms = points.geometry if isinstance(points, gpd.GeoDataFrame) else points
        id_arr = _make_ids(ids, len(geoms), default=points.index, what=what)
        if geoms.crs is None:
            raise CRSError(
                f"The {what} have no CRS; the network is in {net_crs}.",
                fix=(
                    f"Set the CRS the coordinates are in and project, e.g. "
                    f'points.set_crs("EPSG:4326").to_crs("{net_crs}").'
                ),
            )
        if not _same_crs(geoms.crs, net_crs):
            name = geoms.crs.to_string() if hasattr(geoms.crs, "to_string") else geoms.crs
            raise CRSError(
                f"The {what} are in {name} but the network is in {net_crs}.",
                fix=f'Project them first: points.to_crs("{net_crs}").',
            )
        arr = np.asarray(geoms.values, dtype=object)
        missing = shapely.is_missing(arr)
        if missing.any():
            bad = int(np.flatnonzero(missing)[0])
            raise GeometryError(
                f"{what.capitalize()} {id_arr[bad]!r} has no geometry.",
                row=id_arr[bad],
                fix="Give every row a point geometry, or drop the rows without one.",
            )
        empty = shapely.is_empty(arr)
        if empty.any():
            bad = int(np.flatnonzero(empty)[0])
            raise GeometryError(
                f"{what.capitalize()} {id_arr[bad]!r} has an empty geometry.",
                row=id_arr[bad],
                fix="Give every row a point geometry, or drop the rows with empty ones.",
            )
        types = shapely.get_type_id(arr)
        not_point = types != 0
        if not_point.any():
            bad = int(np.flatnonzero(not_point)[0])
            raise GeometryError(
                f"{what.capitalize()} {id_arr[bad]!r} is a "
                f"{arr[bad].geom_type}, not a Point; "
                "only points can be snapped.",
                row=id_arr[bad],
                fix=(
                    "Convert to points first and record how, e.g. "
                    "gdf.set_geometry(gdf.representative_point())."
                ),
            )
        x = shapely.get_x(arr).astype(np.float64)
        y = shapely.get_y(arr).astype(np.float64)
    else:
        try:
            xy = np.asarray(points, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise ParameterError(
                f"The {what} must be a GeoDataFrame/GeoSeries or an (n, 2) array of x, y: {exc}",
                fix=f"Pass a GeoDataFrame in {net_crs}, or an (n, 2) float array.",
            ) from exc
        if xy.ndim == 1 and xy.size == 0:
            xy = xy.reshape(0, 2)
        if xy.ndim != 2 or xy.shape[1] != 2:
            raise ParameterError(
                f"The {what} array has shape {xy.shape}; expected (n, 2) columns x, y.",
                fix=f"Pass an (n, 2) array of x, y in {net_crs}.",
            )
        id_arr = _make_ids(ids, xy.shape[0], default=None, what=what)
        x, y = xy[:, 0].copy(), xy[:, 1].copy()
    bad_xy = ~(np.isfinite(x) & np.isfinite(y))
    if bad_xy.any():
        bad = int(np.flatnonzero(bad_xy)[0])
        raise GeometryError(
            f"{what.capitalize()} {id_arr[bad]!r} has non-finite coordinates ({x[bad]}, {y[bad]}).",
            row=id_arr[bad],
            fix="Fix or drop the rows with missing coordinates.",
        )
    return x, y, id_arr


def _make_ids(ids: Any, n: int, *, default: Any, what: str) -> np.ndarray:
    if ids is None:
        raw = np.arange(n) if default is None else np.asarray(default)
    else:
        raw = np.asarray(ids)
        if raw.shape != (n,):
            raise ParameterError(
                f"Got {raw.size} ids for {n} {what}.",
                fix="Pass exactly one id per point.",
            )
    out = np.array([str(v) for v in raw.tolist()], dtype=object)
    if n:
        uniq, first_idx, counts = np.unique(out.astype(str), return_index=True, return_counts=True)
        if (counts > 1).any():
            dup = uniq[counts > 1]
            first = dup[np.argmin(first_idx[counts > 1])]
            raise SchemaError(
                f"The {what} have duplicate ids, e.g. {first!r} "
                f"({int((counts > 1).sum())} ids occur more than once).",
                row=str(first),
                fix="Give every point a unique id (pass ids=... or reset the index).",
            )
    return out


def _check_plausible(
    network: WalkNetwork,
    x: np.ndarray,
    y: np.ndarray,
    ids: np.ndarray,
    max_snap_m: float,
    what: str,
) -> None:
    """Catch lon/lat degrees and swapped x/y before they become silent ``too_far`` points.

    A point "looks like degrees" when ``|x| ≤ 180`` and ``|y| ≤ 180`` while the network's
    extent (plus a margin) lies entirely outside that box. A point "looks swapped" when it
    lies outside the network's extent plus a margin but ``(y, x)`` lies inside it. The margin
    is ``max(max_snap_m, 1000 m)`` (capped at 100 km).
    """
    if x.size == 0:
        return
    net_crs = str(network.crs)
    margin = min(max(max_snap_m if np.isfinite(max_snap_m) else 0.0, 1000.0), 100_000.0)
    x0 = float(network.node_x.min()) - margin
    x1 = float(network.node_x.max()) + margin
    y0 = float(network.node_y.min()) - margin
    y1 = float(network.node_y.max()) + margin
    net_far_from_degrees = x0 > 180 or x1 < -180 or y0 > 180 or y1 < -180
    if net_far_from_degrees:
        deg = (np.abs(x) <= 180) & (np.abs(y) <= 180)
        if deg.any():
            i = int(np.flatnonzero(deg)[0])
            raise CRSError(
                f"{what.capitalize()} {ids[i]!r} has coordinates ({x[i]:g}, {y[i]:g}) that look "
                f"like lon/lat (or lat/lon) degrees, but the network is in {net_crs} (metres); "
                f"{int(deg.sum())} of {x.size} {what} look like this.",
                row=ids[i],
                fix=(
                    f"Project the points to the network CRS first, e.g. "
                    f'geopandas.GeoSeries.from_xy(lon, lat, crs="EPSG:4326")'
                    f'.to_crs("{net_crs}"), or gdf.to_crs("{net_crs}").'
                ),
            )
    inside = (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)
    swapped_inside = (y >= x0) & (y <= x1) & (x >= y0) & (x <= y1)
    swapped = ~inside & swapped_inside
    if swapped.any():
        i = int(np.flatnonzero(swapped)[0])
        raise CRSError(
            f"{what.capitalize()} {ids[i]!r} at ({x[i]:.1f}, {y[i]:.1f}) lies far outside the "
            f"network, but with x and y swapped it would lie inside: x/y (or lat/lon) look "
            f"swapped; {int(swapped.sum())} of {x.size} {what} look like this.",
            row=ids[i],
            fix=(
                "Swap the coordinate columns (x = easting, y = northing; for lon/lat, "
                "longitude first), then project to " + net_crs + "."
            ),
        )
