"""The one rule for choosing a metric CRS: EPSG:3006 in Sweden, local UTM elsewhere.

Metric work (snapping, routing, buffers, areas) happens in a projected CRS. In Sweden that
is SWEREF 99 TM (EPSG:3006); the test of "in Sweden" is EPSG:3006's own area of use as
published in the EPSG registry (read through pyproj), not a hand-typed box.
"""

from __future__ import annotations

import math
from functools import lru_cache

from proximity.errors import CRSError

#: The metric CRS used in Sweden.
SWEDEN_CRS = "EPSG:3006"


@lru_cache(maxsize=1)
def sweden_area_of_use() -> tuple[float, float, float, float]:
    """EPSG:3006's area of use as ``(lon_min, lat_min, lon_max, lat_max)`` in degrees.

    Returns
    -------
    tuple of float
        The bounds from the EPSG registry, e.g. ``(10.03, 54.96, 24.17, 69.07)``.
    """
    import pyproj

    aou = pyproj.CRS(SWEDEN_CRS).area_of_use
    if aou is None:  # pragma: no cover - the EPSG registry always has it
        raise CRSError("pyproj has no area of use for EPSG:3006", fix="Update pyproj/PROJ.")
    return (aou.west, aou.south, aou.east, aou.north)


def utm_crs_for(lon: float, lat: float) -> str:
    """The WGS 84 UTM zone of a point: ``"EPSG:326zz"`` north, ``"EPSG:327zz"`` south.

    Parameters
    ----------
    lon, lat : float
        Degrees in EPSG:4326.

    Returns
    -------
    str
        The EPSG code of the standard 6° zone.
    """
    zone = min(int((float(lon) + 180.0) // 6.0) + 1, 60)
    return f"EPSG:{32600 + zone if lat >= 0 else 32700 + zone}"


def metric_crs_for(lon: float, lat: float) -> str:
    """The metric CRS for a study area centred at ``lon``, ``lat`` (degrees, EPSG:4326).

    Parameters
    ----------
    lon, lat : float
        The study area's centre in degrees (EPSG:4326, longitude first).

    Returns
    -------
    str
        ``"EPSG:3006"`` inside EPSG:3006's area of use (:func:`sweden_area_of_use`), else
        the local UTM zone (:func:`utm_crs_for`).

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
    x0, y0, x1, y1 = sweden_area_of_use()
    if x0 <= lon <= x1 and y0 <= lat <= y1:
        return SWEDEN_CRS
    return utm_crs_for(lon, lat)
