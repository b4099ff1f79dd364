"""Candidate sites for new offices.

Three kinds of sources, combinable with :func:`combine`:

- :func:`from_services`: existing public places of chosen categories in ``City.services``
  (libraries, meeting places / community centres, housing-company offices, ...);
- :func:`from_places`: any GeoDataFrame of public places (e.g. OSM schools or shopping
  centres fetched elsewhere), polygons reduced to a representative point;
- :func:`from_file`: a user file (GeoJSON, GPKG, GeoParquet, or CSV with ``x, y`` in the city
  CRS or ``lon, lat`` in WGS84);
- :func:`from_grid`: a regular grid (``spacing_m``) inside the study area; with a network the
  grid points are snapped onto it and those farther than ``max_snap_m`` are dropped, and the
  candidate sits at the snapped point.

Every candidate table has the columns :data:`CANDIDATE_COLUMNS`: ``candidate_id`` (str,
stable: derived from the source id or the grid cell, never from row order), ``area_id``,
``source``, ``name``, ``category`` and a point ``geometry`` in the city CRS.
:func:`assign_areas` labels candidates with the area (or sub-area) they lie in;
:func:`filter_by_area` keeps the candidates of some areas.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from proximity.errors import CRSError, GeometryError, InputFileError, ParameterError, SchemaError

if TYPE_CHECKING:  # pragma: no cover
    from proximity.network import WalkNetwork

CANDIDATE_COLUMNS: list[str] = ["candidate_id", "area_id", "source", "name", "category"]

#: Categories of ``City.services`` used as candidate sites by default: public places where a
#: district office could be co-located.
DEFAULT_CANDIDATE_CATEGORIES: tuple[str, ...] = (
    "library",
    "meeting_place",
    "housing_company_office",
    "citizen_service",
    "youth_centre",
)


def _empty(crs: Any) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {c: pd.Series(dtype=object) for c in CANDIDATE_COLUMNS},
        geometry=gpd.GeoSeries([], crs=crs),
        crs=crs,
    )


def _points(geom: gpd.GeoSeries) -> gpd.GeoSeries:
    """Points as they are; other geometries reduced to a representative point."""
    out = geom.to_numpy().copy()
    other = shapely.get_type_id(out) != 0  # not a point (a polygon, or missing)
    out[other] = shapely.point_on_surface(out[other])
    return gpd.GeoSeries(out, index=geom.index, crs=geom.crs)


def _finish(df: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    df = df.copy()
    for c in CANDIDATE_COLUMNS:
        if c not in df.columns:
            df[c] = ""
        df[c] = df[c].fillna("").astype(str)
    extra = [c for c in df.columns if c not in (*CANDIDATE_COLUMNS, "geometry")]
    df = df[[*CANDIDATE_COLUMNS, *extra, "geometry"]]
    dup = df["candidate_id"].duplicated()
    if dup.any():
        raise SchemaError(
            f"Duplicate candidate ids: {sorted(df.loc[dup, 'candidate_id'].unique())[:5]}",
            fix="Give every candidate its own id.",
        )
    return df.sort_values("candidate_id", kind="stable").reset_index(drop=True)


def check_points(
    table: gpd.GeoDataFrame, *, id_col: str = "candidate_id", what: str = "candidate"
) -> None:
    """Raise :class:`GeometryError` for rows without a usable location.

    A usable location is a non-empty geometry with finite coordinates (a NaN or infinite
    coordinate would make GEOS fail, or place the row nowhere).

    Parameters
    ----------
    table
        The rows (``id_col`` names them in the message).
    id_col
        The id column.
    what
        What a row is, for the message (``"candidate"``, ``"existing office"``).

    Raises
    ------
    GeometryError
        Naming up to five offending ids and why.
    """
    geom = table.geometry.to_numpy()
    missing = shapely.is_missing(geom)
    empty = ~missing & shapely.is_empty(geom)
    bad_xy = ~(missing | empty) & ~np.isfinite(shapely.bounds(geom)).all(axis=1)
    bad = missing | empty | bad_xy
    if not bad.any():
        return
    ids = table[id_col].astype(str).to_numpy() if id_col in table.columns else table.index
    why = np.where(missing, "no geometry", np.where(empty, "empty geometry", "NaN/inf coordinates"))
    shown = [f"{ids[i]!r} ({why[i]})" for i in np.flatnonzero(bad)[:5]]
    more = f" and {int(bad.sum()) - 5} more" if bad.sum() > 5 else ""
    raise GeometryError(
        f"{int(bad.sum())} {what}(s) have no usable location: {', '.join(shown)}{more}.",
        row=str(ids[np.flatnonzero(bad)[0]]),
        fix=f"Give every {what} a point with finite x, y in the city's CRS ({table.crs}), "
        "or drop those rows.",
    )


def from_services(
    city: Any, categories: Sequence[str] = DEFAULT_CANDIDATE_CATEGORIES
) -> gpd.GeoDataFrame:
    """Candidates at the city's existing services of ``categories``.

    ``candidate_id = "svc:" + service_id``, ``source = "service:<category>"``.

    Raises
    ------
    ParameterError
        If a category is unknown to the city's data (with the categories present).
    """
    svc = city.services
    cats = [str(c) for c in ([categories] if isinstance(categories, str) else categories)]
    present = set(svc["category"].astype(str))
    try:
        from proximity.sources import CATEGORIES as known
    except Exception:  # pragma: no cover - sources not importable
        known = tuple(present)
    unknown = [c for c in cats if c not in present and c not in known]
    if unknown:
        raise ParameterError(
            f"Unknown candidate categor{'y' if len(unknown) == 1 else 'ies'}: {unknown}.",
            fix=f"Use categories among: {', '.join(sorted(present))}.",
        )
    sel = svc.loc[svc["category"].astype(str).isin(cats)]
    if sel.empty:
        return _empty(city.crs)
    out = gpd.GeoDataFrame(
        {
            "candidate_id": "svc:" + sel["service_id"].astype(str),
            "area_id": sel["area_id"].astype(str) if "area_id" in sel.columns else "",
            "source": "service:" + sel["category"].astype(str),
            "name": sel["name"].fillna("").astype(str),
            "category": sel["category"].astype(str),
            "data_source": sel["source"].astype(str) if "source" in sel.columns else "",
        },
        geometry=_points(sel.geometry),
        crs=sel.crs,
    )
    return _finish(out)


def from_places(
    places: gpd.GeoDataFrame,
    *,
    id_col: str | None = None,
    name_col: str = "name",
    source: str = "osm",
    category: str = "",
    crs: Any | None = None,
    _raw: bool = False,
) -> gpd.GeoDataFrame:
    """Candidates from a GeoDataFrame of public places (e.g. OSM schools, shopping centres).

    ``candidate_id = f"{source}:{id}"`` with ``id`` from ``id_col`` (or the index).
    Reprojected to ``crs`` if given.
    """
    if places.crs is None:
        raise CRSError("The places GeoDataFrame has no CRS.", fix="Set it with gdf.set_crs(...).")
    gdf = places.to_crs(crs) if crs is not None else places
    ids = gdf[id_col].astype(str) if id_col else pd.Series(gdf.index.astype(str), index=gdf.index)
    names = gdf[name_col].fillna("").astype(str) if name_col in gdf.columns else ""
    out = gpd.GeoDataFrame(
        {
            "candidate_id": f"{source}:" + ids,
            "area_id": gdf["area_id"].astype(str) if "area_id" in gdf.columns else "",
            "source": source,
            "name": names,
            "category": gdf["category"].astype(str) if "category" in gdf.columns else category,
        },
        geometry=_points(gdf.geometry),
        crs=gdf.crs,
    )
    return out if _raw else _finish(out)


def from_file(path: str | os.PathLike[str] | gpd.GeoDataFrame, crs: Any) -> gpd.GeoDataFrame:
    """Candidates from a user file or GeoDataFrame.

    Accepted: GeoJSON, GPKG, GeoParquet (any CRS, reprojected to ``crs``) and CSV with either
    ``x, y`` (in ``crs``) or ``lon, lat`` (WGS84) columns. An ``id`` / ``candidate_id`` column
    gives the ids (else ``"file:<row>"``), ``name`` the names.

    Raises
    ------
    InputFileError
        Missing or unreadable file.
    SchemaError
        No coordinate columns in a CSV.
    """
    if isinstance(path, gpd.GeoDataFrame):
        gdf, label = path, "user"
    else:
        p = Path(path)
        if not p.exists():
            raise InputFileError("Candidate file not found.", file=p, fix="Check the path.")
        label = f"file:{p.name}"
        try:
            if p.suffix.lower() == ".csv":
                df = pd.read_csv(p)
                cols = {c.lower(): c for c in df.columns}
                if "x" in cols and "y" in cols:
                    geom = gpd.points_from_xy(df[cols["x"]], df[cols["y"]], crs=crs)
                elif "lon" in cols and "lat" in cols:
                    geom = gpd.points_from_xy(df[cols["lon"]], df[cols["lat"]], crs="EPSG:4326")
                else:
                    raise SchemaError(
                        "Candidate CSV has neither x, y nor lon, lat columns.",
                        file=p,
                        fix="Add x, y (metres in the city CRS) or lon, lat (WGS84) columns.",
                    )
                gdf = gpd.GeoDataFrame(df, geometry=geom)
            elif p.suffix.lower() == ".parquet":
                gdf = gpd.read_parquet(p)
            else:
                gdf = gpd.read_file(p)
        except (SchemaError, InputFileError):
            raise
        except Exception as exc:
            raise InputFileError(
                f"Cannot read candidate file: {exc}",
                file=p,
                fix="Use GeoJSON, GPKG, GeoParquet or CSV with x/y or lon/lat columns.",
            ) from exc
    if gdf.crs is None:
        raise CRSError("Candidate data has no CRS.", fix="Set it, e.g. gdf.set_crs('EPSG:3006').")
    gdf = gdf.to_crs(crs)
    id_col = next((c for c in ("candidate_id", "id") if c in gdf.columns), None)
    if id_col is None:
        gdf = gdf.assign(_id=[f"file:{i}" for i in range(len(gdf))])
        id_col = "_id"
    out = from_places(gdf, id_col=id_col, source="file", crs=None, _raw=True)
    # user ids are kept as given; generated ones are "file:<row>"
    out["candidate_id"] = gdf[id_col].astype(str).to_numpy()
    out["source"] = label
    return _finish(out)


def from_grid(
    city: Any,
    spacing_m: float,
    *,
    network: WalkNetwork | None = None,
    max_snap_m: float = 100.0,
) -> gpd.GeoDataFrame:
    """A regular grid of candidates inside the study area (``city.boundary``).

    Grid points lie at multiples of ``spacing_m`` (so ids are stable:
    ``"grid<spacing>:<ix>:<iy>"`` from the integer cell coordinates). With a ``network`` every
    point is snapped onto it; points farther than ``max_snap_m`` from every edge (or on a small
    island) are dropped, and the candidate is placed at its snapped position.
    """
    spacing_m = float(spacing_m)
    if not np.isfinite(spacing_m) or spacing_m <= 0:
        raise ParameterError(f"spacing_m must be > 0, got {spacing_m}.", fix="Use e.g. 500.")
    boundary = city.boundary
    x0, y0, x1, y1 = boundary.bounds
    ix = np.arange(np.floor(x0 / spacing_m), np.ceil(x1 / spacing_m) + 1).astype(np.int64)
    iy = np.arange(np.floor(y0 / spacing_m), np.ceil(y1 / spacing_m) + 1).astype(np.int64)
    gx, gy = np.meshgrid(ix, iy, indexing="ij")
    gx, gy = gx.ravel(), gy.ravel()
    if gx.size > 2_000_000:
        raise ParameterError(
            f"A {spacing_m:g} m grid gives {gx.size:,} points.", fix="Use a larger spacing_m."
        )
    x, y = gx * spacing_m, gy * spacing_m
    inside = shapely.contains_xy(boundary, x, y)
    gx, gy, x, y = gx[inside], gy[inside], x[inside], y[inside]
    tag = f"grid{spacing_m:g}"
    ids = np.array(
        [f"{tag}:{a}:{b}" for a, b in zip(gx.tolist(), gy.tolist(), strict=True)], dtype=object
    )
    source = f"grid {spacing_m:g} m"
    if network is not None and x.size:
        from proximity.snap import snap

        sn = snap(
            network, np.column_stack([x, y]), ids=ids, max_snap_m=max_snap_m, what="grid candidates"
        )
        keep = np.asarray(sn.status) == "ok"
        ids, x, y = ids[keep], np.asarray(sn.snap_x)[keep], np.asarray(sn.snap_y)[keep]
        source = f"grid {spacing_m:g} m, snapped ≤ {max_snap_m:g} m"
    out = gpd.GeoDataFrame(
        {"candidate_id": ids, "area_id": "", "source": source, "name": "", "category": "grid"},
        geometry=gpd.points_from_xy(x, y, crs=city.crs),
        crs=city.crs,
    )
    return _finish(out)


def assign_areas(
    candidates: gpd.GeoDataFrame,
    areas: gpd.GeoDataFrame,
    *,
    id_col: str = "area_id",
    max_outside_m: float = 1000.0,
) -> gpd.GeoDataFrame:
    """Set ``area_id`` from the polygon each candidate lies in.

    Candidates just outside every polygon (coastline, approximate boundaries) take the nearest
    area within ``max_outside_m``; farther ones get ``area_id = ""`` (see
    :func:`filter_by_area` to drop them).
    """
    if candidates.empty:
        return candidates
    check_points(candidates, what="point")
    cand = candidates.reset_index(drop=True)
    polys = areas[[id_col, "geometry"]].to_crs(cand.crs).reset_index(drop=True)
    tree = shapely.STRtree(polys.geometry.to_numpy())
    pts = cand.geometry.to_numpy()
    pi, ai = tree.query(pts, predicate="within")
    area = np.full(len(cand), "", dtype=object)
    aid = polys[id_col].astype(str).to_numpy()
    # several hits (overlaps): the smallest area id wins, deterministically
    order = np.lexsort((aid[ai], pi))
    pi, ai = pi[order], ai[order]
    first = np.ones(pi.size, dtype=bool)
    first[1:] = pi[1:] != pi[:-1]
    area[pi[first]] = aid[ai[first]]
    miss = np.flatnonzero(area == "")
    if miss.size:
        ni, _nd = tree.query_nearest(pts[miss], max_distance=max_outside_m, return_distance=True)
        # query_nearest returns (input idx, tree idx) pairs
        inp, tri = ni
        order = np.lexsort((aid[tri], inp))
        inp, tri = inp[order], tri[order]
        first = np.ones(inp.size, dtype=bool)
        first[1:] = inp[1:] != inp[:-1]
        area[miss[inp[first]]] = aid[tri[first]]
    out = cand.copy()
    out["area_id"] = area.astype(str)
    return out


def filter_by_area(
    candidates: gpd.GeoDataFrame, area_ids: Iterable[str] | None
) -> gpd.GeoDataFrame:
    """Keep the candidates whose ``area_id`` is in ``area_ids`` (None keeps those with any area)."""
    if area_ids is None:
        keep = candidates["area_id"].astype(str) != ""
    else:
        keep = candidates["area_id"].astype(str).isin([str(a) for a in area_ids])
    return candidates.loc[keep].reset_index(drop=True)


def combine(*tables: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Concatenate candidate tables; an id seen again is dropped (first occurrence wins)."""
    tabs = [t for t in tables if t is not None and len(t)]
    if not tabs:
        return _empty(tables[0].crs if tables else None)
    crs = tabs[0].crs
    df = pd.concat([t.to_crs(crs) for t in tabs], ignore_index=True)
    df = df.drop_duplicates("candidate_id", keep="first")
    return _finish(gpd.GeoDataFrame(df, geometry="geometry", crs=crs))
