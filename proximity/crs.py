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


#: Largest scale error (|k − 1|) a metric CRS may have anywhere in the study area.
MAX_SCALE_ERROR = 0.01


def same_crs(a: object, b: object) -> bool:
    """Whether two CRS inputs (EPSG strings, ``pyproj.CRS``, WKT, codes) are the same CRS.

    Axis order is ignored. When either cannot be parsed, the two are compared as text.

    Parameters
    ----------
    a, b : str, int or pyproj.CRS
        The CRSs to compare.

    Returns
    -------
    bool
    """
    from pyproj import CRS
    from pyproj.exceptions import CRSError as PyprojCRSError

    try:
        return bool(CRS.from_user_input(a).equals(CRS.from_user_input(b), ignore_axis_order=True))
    except (PyprojCRSError, TypeError, ValueError):
        return str(a) == str(b)


def check_metric_crs(
    crs: object,
    bounds_lonlat: tuple[float, float, float, float] | None = None,
    *,
    max_scale_error: float = MAX_SCALE_ERROR,
    what: str = "the study area",
    file: object = None,
    row: object = None,
) -> None:
    """Refuse a CRS whose distances are not metres within ``max_scale_error``.

    A geographic CRS (degrees, e.g. EPSG:4326) is always refused. A projected CRS is
    checked with pyproj's ``Proj.get_factors`` at the corners and centre of
    ``bounds_lonlat``: Web Mercator (EPSG:3857), for one, stretches distances about 1.8×
    at Swedish latitudes and fails.

    Parameters
    ----------
    crs : str or pyproj.CRS
        The CRS to check.
    bounds_lonlat : tuple of float, optional
        ``(lon_min, lat_min, lon_max, lat_max)`` of the study area in degrees. Without it
        only the geographic/unit checks are made.
    max_scale_error : float
        The largest accepted ``|scale factor − 1|`` (default 1 %).
    what : str
        What the CRS belongs to, for the message.
    file : path-like, optional
        The file that set the CRS, for the message.
    row : str, optional
        Where in that file (e.g. ``"key crs"``), for the message.

    Raises
    ------
    CRSError
        Naming the CRS, the scale error found and the fix (EPSG:3006 in Sweden, else the
        local UTM zone).
    """
    import numpy as np
    import pyproj

    try:
        c = pyproj.CRS.from_user_input(crs)
    except (pyproj.exceptions.CRSError, TypeError, ValueError) as exc:
        raise CRSError(
            f"Unknown CRS {crs!r} for {what}: {exc}",
            file=file,
            row=row,
            fix='Use e.g. crs = "EPSG:3006" (SWEREF 99 TM).',
        ) from None
    fix = _fix_for(bounds_lonlat)
    if c.is_geographic:
        raise CRSError(
            f"The CRS {c.to_string()} of {what} is geographic (degrees), not metric: distances "
            "in it are not metres.",
            file=file,
            row=row,
            fix=fix,
        )
    units = {ax.unit_name for ax in c.axis_info}
    if not units <= {"metre", "meter"}:
        raise CRSError(
            f"The CRS {c.to_string()} of {what} is not in metres ({', '.join(sorted(units))}).",
            file=file,
            row=row,
            fix=fix,
        )
    if bounds_lonlat is None:
        return
    x0, y0, x1, y1 = (float(v) for v in bounds_lonlat)
    lons = np.array([x0, x0, x1, x1, (x0 + x1) / 2])
    lats = np.array([y0, y1, y0, y1, (y0 + y1) / 2])
    f = pyproj.Proj(c).get_factors(lons, lats, errcheck=False)
    err = float(np.nanmax(np.abs(np.concatenate([f.meridional_scale, f.parallel_scale]) - 1.0)))
    if not np.isfinite(err) or err > max_scale_error:
        raise CRSError(
            f"The CRS {c.to_string()} of {what} distorts distances by {err:.1%} within the study "
            f"area (limit {max_scale_error:.0%}), so every walking distance would be wrong.",
            file=file,
            row=row,
            fix=fix,
        )


def _fix_for(bounds_lonlat: tuple[float, float, float, float] | None) -> str:
    if bounds_lonlat is None:
        return 'Use a metric CRS: "EPSG:3006" (SWEREF 99 TM) in Sweden, else the local UTM zone.'
    lon = (bounds_lonlat[0] + bounds_lonlat[2]) / 2
    lat = (bounds_lonlat[1] + bounds_lonlat[3]) / 2
    good = metric_crs_for(lon, lat)
    return f'Use crs = "{good}" ({"SWEREF 99 TM, Sweden" if good == SWEDEN_CRS else "the local UTM zone"}).'
