"""Clip areas: the study-area boundary plus a buffer, and the geometry helpers around it."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from proximity._io import text_sha256
from proximity.errors import CRSError, GeometryError


def is_lonlat_box(bounds: tuple[float, float, float, float]) -> bool:
    """Whether ``(x0, y0, x1, y1)`` can be longitude/latitude degrees.

    Parameters
    ----------
    bounds : tuple of float
        A geometry's bounds.

    Returns
    -------
    bool
    """
    x0, y0, x1, y1 = bounds
    return not (min(x0, x1) < -180 or max(x0, x1) > 180 or min(y0, y1) < -90 or max(y0, y1) > 90)


@dataclass(frozen=True)
class Clip:
    """A clip area: ``geom`` in ``geom_crs`` (EPSG:4326 for a bare shapely geometry).

    Attributes
    ----------
    geom
        The boundary (shapely), unbuffered.
    geom_crs
        Its CRS, e.g. ``"EPSG:4326"``.
    buffer_m
        The buffer in metres applied in the network's metric CRS.
    """

    geom: Any
    geom_crs: str
    buffer_m: float

    @classmethod
    def from_boundary(cls, boundary: Any, buffer_m: float) -> Clip | None:
        """The clip area of a ``load_network(boundary=..., buffer_m=...)`` call.

        Parameters
        ----------
        boundary
            None, a shapely geometry in EPSG:4326, or a GeoDataFrame/GeoSeries with a CRS.
        buffer_m : float
            Buffer in metres.

        Returns
        -------
        Clip or None
            None when ``boundary`` is None.

        Raises
        ------
        CRSError
            A bare geometry that is not lon/lat, a GeoDataFrame without CRS, or another type.
        GeometryError
            An empty boundary.
        """
        if boundary is None:
            return None
        import shapely

        geom, geom_crs = _boundary_geometry(boundary)
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
        return transform_geom(self.geom, self.geom_crs, "EPSG:4326")

    def in_crs(self, crs: str) -> Any:
        """The buffered boundary in the metric ``crs`` (prepared for fast predicates)."""
        import shapely

        g = self.geom if self.geom_crs == crs else transform_geom(self.geom, self.geom_crs, crs)
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
        """A JSON-able description for provenance and cache keys."""
        import shapely

        x0, y0, x1, y1 = self.lonlat_geom().bounds
        return {
            "boundary_bbox_wkt": shapely.box(x0, y0, x1, y1).wkt,
            "boundary_sha256": text_sha256(shapely.to_wkb(self.geom, hex=True)),
            "boundary_crs": self.geom_crs,
            "buffer_m": self.buffer_m,
        }


def _boundary_geometry(boundary: Any) -> tuple[Any, str]:
    """The shapely geometry and CRS of a boundary argument (see :meth:`Clip.from_boundary`)."""
    from shapely.geometry.base import BaseGeometry

    if isinstance(boundary, BaseGeometry):
        if not boundary.is_empty and not is_lonlat_box(boundary.bounds):
            raise CRSError(
                "The boundary's coordinates are not longitude/latitude.",
                fix="Pass a shapely geometry in EPSG:4326, or a GeoDataFrame/GeoSeries "
                "that carries its CRS (e.g. gpd.GeoSeries([poly], crs='EPSG:3006')).",
            )
        return boundary, "EPSG:4326"
    if hasattr(boundary, "geometry") or hasattr(boundary, "union_all"):
        if getattr(boundary, "crs", None) is None:
            raise CRSError(
                "The boundary GeoDataFrame/GeoSeries has no CRS.",
                fix="Set it with gdf.set_crs('EPSG:...') before passing it.",
            )
        geom = boundary.union_all() if hasattr(boundary, "union_all") else boundary.geometry
        return geom, boundary.crs.to_string()
    raise CRSError(
        f"Unsupported boundary type {type(boundary).__name__}.",
        fix="Pass a shapely polygon in EPSG:4326 or a GeoDataFrame/GeoSeries with a CRS.",
    )


def transform_geom(geom: Any, src: str, dst: str) -> Any:
    """Reproject a shapely geometry from ``src`` to ``dst`` (lon/lat order for EPSG:4326).

    Parameters
    ----------
    geom
        A shapely geometry.
    src, dst : str
        CRS strings, e.g. ``"EPSG:4326"``, ``"EPSG:3006"``.

    Returns
    -------
    shapely geometry
    """
    import shapely
    from pyproj import Transformer

    tr = Transformer.from_crs(src, dst, always_xy=True)
    return shapely.transform(geom, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))


def is_polygon(obj: Any) -> bool:
    """Whether ``obj`` is a shapely Polygon or MultiPolygon."""
    from shapely.geometry import MultiPolygon, Polygon

    return isinstance(obj, (Polygon, MultiPolygon))


def touches_box(lon: np.ndarray, lat: np.ndarray, box: tuple[float, float, float, float]) -> bool:
    """Whether a way (its node coordinates, NaN where missing) may touch a lon/lat box.

    Parameters
    ----------
    lon, lat : numpy.ndarray
        The way's node coordinates in degrees.
    box : tuple of float
        ``(lon_min, lat_min, lon_max, lat_max)``.

    Returns
    -------
    bool
        True if a node lies in the box or the way's own bounding box overlaps it.
    """
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
