"""Input checks of :func:`proximity.snap.snap`: parameters, CRS, geometries, ids, plausibility."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from proximity.crs import same_crs
from proximity.errors import CRSError, GeometryError, ParameterError, SchemaError

if TYPE_CHECKING:
    from proximity.network import WalkNetwork


def check_nonneg(name: str, value: float, *, allow_inf: bool) -> float:
    """``value`` as a float ≥ 0 (``inf`` only if ``allow_inf``), else a ParameterError."""
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


def check_network_crs(network: WalkNetwork) -> None:
    """The network must have a valid, projected (metric) CRS."""
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


def coerce_points(
    network: WalkNetwork, points: Any, ids: Any, what: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Turn the accepted inputs into float x, y arrays and a str id array (with checks)."""
    import geopandas as gpd

    if isinstance(points, gpd.GeoDataFrame | gpd.GeoSeries):
        x, y, id_arr = _geo_points(network, points, ids, what)
    else:
        x, y, id_arr = _array_points(network, points, ids, what)
    bad_xy = ~(np.isfinite(x) & np.isfinite(y))
    if bad_xy.any():
        bad = int(np.flatnonzero(bad_xy)[0])
        raise GeometryError(
            f"{what.capitalize()} {id_arr[bad]!r} has non-finite coordinates ({x[bad]}, {y[bad]}).",
            row=id_arr[bad],
            fix="Fix or drop the rows with missing coordinates.",
        )
    return x, y, id_arr


def _geo_points(
    network: WalkNetwork, points: Any, ids: Any, what: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """x, y and ids of a GeoDataFrame/GeoSeries of points in the network CRS."""
    import geopandas as gpd

    net_crs = str(network.crs)
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
    if not same_crs(geoms.crs, net_crs):
        name = geoms.crs.to_string() if hasattr(geoms.crs, "to_string") else geoms.crs
        raise CRSError(
            f"The {what} are in {name} but the network is in {net_crs}.",
            fix=f'Project them first: points.to_crs("{net_crs}").',
        )
    arr = np.asarray(geoms.values, dtype=object)
    _check_point_geometries(arr, id_arr, what)
    return shapely.get_x(arr).astype(np.float64), shapely.get_y(arr).astype(np.float64), id_arr


def _check_point_geometries(arr: np.ndarray, id_arr: np.ndarray, what: str) -> None:
    """Every geometry present, non-empty and a Point (else a GeometryError naming it)."""
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


def _array_points(
    network: WalkNetwork, points: Any, ids: Any, what: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """x, y and ids of an ``(n, 2)`` array-like of coordinates in the network CRS."""
    net_crs = str(network.crs)
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
    return xy[:, 0].copy(), xy[:, 1].copy(), id_arr


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


def check_plausible(
    network: WalkNetwork,
    x: np.ndarray,
    y: np.ndarray,
    ids: np.ndarray,
    *,
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
