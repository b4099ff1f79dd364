"""Private: ``proximity network fetch`` and ``proximity network info``.

``network fetch`` checks where it will save before it builds anything: the ``.npz`` (and its
``.json`` sidecar) may only replace a network proximity saved, and the folder must be
writable (:func:`proximity.network.cache.check_save_target`).
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

from proximity import _overpass, config
from proximity._io import slug
from proximity.cli._common import EXIT_OK, info, out
from proximity.errors import InputFileError, OfflineError, ParameterError

#: Endings that make a ``network fetch`` source a local file rather than a place name.
_FILE_SUFFIXES = (".pbf", ".osm", ".bz2", ".gz", ".xml", ".npz")

#: How to choose another output file of ``network fetch``.
_CHOOSE_OUT = "Choose another file with --out FILE.npz."

_BOUNDARY_KINDS = (
    "a built-in city name ({cities}), a city TOML, a GeoJSON/GPKG polygon file, or a "
    "lon/lat box minlon,minlat,maxlon,maxlat"
)


def _city_names() -> str:
    from proximity.sources.registry import builtin_cities

    return ", ".join(sorted(builtin_cities())) or "none"


def _boundary_help() -> str:
    return _BOUNDARY_KINDS.format(cities=_city_names())


def _lonlat_box(value: str) -> Any:
    """``--boundary minlon,minlat,maxlon,maxlat`` as a shapely box; None if not 4 numbers."""
    parts = value.split(",")
    if len(parts) != 4:
        return None
    try:
        x0, y0, x1, y1 = (float(p) for p in parts)
    except ValueError:
        return None
    ok = all(math.isfinite(v) for v in (x0, y0, x1, y1))
    ok = ok and -180 <= x0 < x1 <= 180 and -90 <= y0 < y1 <= 90
    if not ok:
        raise ParameterError(
            f"--boundary {value!r} is not a lon/lat box: it must be minlon,minlat,maxlon,maxlat "
            "in degrees, with min < max, longitudes in [-180, 180] and latitudes in [-90, 90].",
            fix="Give e.g. --boundary 12.65,56.00,12.80,56.10 (longitude first).",
        )
    import shapely

    return shapely.box(x0, y0, x1, y1)


def _boundary_from_arg(value: str | None) -> tuple[Any, str | None]:
    """``--boundary``: a city name or city TOML, a vector file, or a lon/lat bbox."""
    if not value:
        return None, None
    box = _lonlat_box(value)
    if box is not None:
        return box, None
    p = Path(value)
    if p.suffix.lower() == ".toml" or (not p.exists() and "/" not in value and not p.suffix):
        return _city_boundary(value)
    if not p.exists():
        raise InputFileError(
            "Boundary file not found (--boundary).",
            file=p,
            fix=f"Check the path, or give --boundary as {_boundary_help()}.",
        )
    if p.is_dir():
        raise InputFileError(
            "The boundary is a folder, not a file (--boundary).",
            file=p,
            fix=f"Give --boundary as {_boundary_help()}.",
        )
    from proximity.sources import read_geo

    gdf = read_geo(p)
    _check_boundary_frame(gdf, p)
    return gdf, None


def _city_boundary(value: str) -> tuple[Any, str]:
    """The boundary and CRS of the city ``--boundary`` names."""
    import geopandas as gpd

    from proximity.errors import ProximityError
    from proximity.sources import load_city

    try:
        city = load_city(value)
    except ProximityError as exc:
        raise type(exc)(
            f"--boundary {value!r}: {exc.message}",
            file=exc.file,
            row=exc.row,
            fix=f"{exc.fix or 'Check the name.'} Or give --boundary as {_boundary_help()}.",
        ) from exc
    return gpd.GeoSeries([city.boundary], crs=city.crs), city.crs


def _check_boundary_frame(gdf: Any, path: Path) -> None:
    """A boundary file must hold polygons and say its CRS."""
    fix = "Give a file holding the area's polygon(s), or " + _boundary_help() + "."
    if len(gdf) == 0:
        raise InputFileError(
            "The boundary file holds no features (--boundary).", file=path, fix=fix
        )
    geoms = gdf.geometry
    missing = geoms.isna() | geoms.is_empty
    if bool(missing.all()):
        raise InputFileError(
            "The boundary file's features have no geometry (--boundary).", file=path, fix=fix
        )
    kinds = set(geoms[~missing].geom_type)
    if not kinds <= {"Polygon", "MultiPolygon"}:
        other = sorted(kinds - {"Polygon", "MultiPolygon"})
        row = geoms[~missing & geoms.geom_type.isin(other)].index[0]
        raise InputFileError(
            f"The boundary file holds {', '.join(other)} geometries, not only polygons "
            "(--boundary).",
            file=path,
            row=row,
            fix=fix,
        )
    if gdf.crs is None:
        raise InputFileError(
            "The boundary file does not say its CRS (--boundary).",
            file=path,
            fix="Save it with its CRS (e.g. as GeoJSON in EPSG:4326, or a GeoPackage), or "
            "give a lon/lat box minlon,minlat,maxlon,maxlat.",
        )


def _city_name(value: str) -> str | None:
    """``value`` if it names a built-in city (``data/<name>/city.toml``) or a city TOML."""
    if value.endswith(".toml") and Path(value).exists():
        return value
    if "/" in value or " " in value or "," in value or Path(value).suffix:
        return None
    from proximity.sources.registry import builtin_cities

    return value if value in builtin_cities() else None


def _city_source(city_name: str, boundary: Any, crs: str | None) -> tuple[str, Any, str | None]:
    """A city's own network query (or extract) and, unless given, its boundary and CRS."""
    import geopandas as gpd

    from proximity.sources import load_city

    city = load_city(city_name)
    ns = city.network_source or {}
    if boundary is None:
        boundary, crs = gpd.GeoSeries([city.boundary], crs=city.crs), city.crs
    if ns.get("query"):
        return str(ns["query"]), boundary, crs
    if ns.get("path"):
        return str(ns["path"]), boundary, crs
    raise ParameterError(
        f"The city {city.name!r} names no network source.",
        fix="Give a place name or a local .osm.pbf file instead.",
    )


def _file_out(args: argparse.Namespace, path: Path) -> Path:
    """Where a network built from a local file is saved: ``--out``, else the cache."""
    if args.out:
        return Path(args.out)
    name = slug(path.name.split(".")[0])
    suffix = "-" + slug(args.boundary) if args.boundary else ""
    return config.network_cache_dir() / f"{name}{suffix}.npz"


def _place_out(args: argparse.Namespace, source: str) -> Path:
    """Where a downloaded place is saved: ``--out``, else where ``network = "auto"`` looks."""
    from proximity.scenario import network_cache_path

    return Path(args.out) if args.out else network_cache_path(source)


def _require_overpass(timeout: float) -> None:
    """Fail fast, with the local-extract route, when Overpass cannot be reached."""
    if not _overpass.reachable(timeout):
        raise OfflineError(
            f"Overpass ({_overpass.OVERPASS_HOST}) is not reachable within {timeout:g} s.",
            fix="Check the internet connection, or build the network from a local OSM "
            "extract clipped to the area: proximity network fetch EXTRACT.osm.pbf "
            f"--boundary AREA, where EXTRACT is e.g. Geofabrik's sweden-latest.osm.pbf and "
            f"AREA is {_boundary_help()}.",
        )


def _fetch_source(args: argparse.Namespace) -> str:
    if args.pbf and args.source:
        raise ParameterError(
            f"Two sources given: {args.source!r} and --pbf {args.pbf!r}.",
            fix="Give the source once: as SOURCE or with --pbf.",
        )
    source = args.pbf or args.source
    if not source:
        raise ParameterError(
            "Nothing to fetch.",
            fix=f"Give a built-in city ({_city_names()}), a place name (online), or a local "
            ".osm/.osm.pbf file (SOURCE or --pbf).",
        )
    return str(source)


def cmd_network_fetch(args: argparse.Namespace) -> int:
    """``proximity network fetch``: download a place or build from an extract, and save it."""
    from proximity.network import load_network
    from proximity.network.saved import check_save_target

    source = _fetch_source(args)
    boundary, crs = _boundary_from_arg(args.boundary)
    city_name = _city_name(source) if not args.pbf else None
    if city_name is not None:
        # `proximity network fetch helsingborg`: the city's own query (or extract) and boundary,
        # saved where `network = "auto"` looks for it
        source, boundary, crs = _city_source(city_name, boundary, crs)
    path = Path(source)
    is_file = path.exists() or source.lower().endswith(_FILE_SUFFIXES)
    target = _file_out(args, path) if is_file else _place_out(args, source)
    target = check_save_target(target, fix=_CHOOSE_OUT)  # before minutes of work
    if not is_file:
        _require_overpass(args.timeout)
    info(args, f"building the walking network from {source} …")
    net = load_network(source, boundary=boundary, buffer_m=args.buffer_m, crs=crs)
    saved = net.save(target)
    _print_summary(net.summary(), as_json=False)
    out(f"\nsaved: {saved}")
    if not is_file:
        out('scenarios with [network] source = "auto" and this place now use it offline.')
    return EXIT_OK


def _print_summary(summary: dict[str, Any], *, as_json: bool) -> None:
    if as_json:
        out(json.dumps(summary, indent=2, sort_keys=True, ensure_ascii=False, default=str))
        return
    width = max((len(k) for k in summary), default=0)
    for k in sorted(summary):
        v = summary[k]
        if isinstance(v, dict | list):
            v = json.dumps(v, ensure_ascii=False, default=str)
        out(f"{k:<{width}s}  {v}")


def cmd_network_info(args: argparse.Namespace) -> int:
    """``proximity network info PATH``: provenance and size of a network."""
    from proximity.network import WalkNetwork, load_network

    p = Path(args.path)
    if p.suffix in (".npz", ".json"):
        net = WalkNetwork.load(p.with_suffix(".npz"))
    else:
        net = load_network(p)
    _print_summary(net.summary(), as_json=args.json)
    return EXIT_OK
