"""Private: ``proximity network fetch`` and ``proximity network info``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from proximity import _overpass, config
from proximity._io import slug
from proximity.cli._common import EXIT_OK, info

#: Endings that make a ``network fetch`` source a local file rather than a place name.
_FILE_SUFFIXES = (".pbf", ".osm", ".bz2", ".gz", ".xml", ".npz")


def _boundary_from_arg(value: str | None) -> tuple[Any, str | None]:
    """``--boundary``: a city name or city TOML, a vector file, or a lon/lat bbox."""
    if not value:
        return None, None
    from proximity.errors import InputFileError

    parts = value.split(",")
    if len(parts) == 4:
        try:
            import shapely

            x0, y0, x1, y1 = (float(p) for p in parts)
            return shapely.box(x0, y0, x1, y1), None
        except ValueError:
            pass
    p = Path(value)
    from proximity.sources import load_city

    if p.suffix.lower() == ".toml" or (not p.exists() and "/" not in value):
        import geopandas as gpd

        city = load_city(value)
        return gpd.GeoSeries([city.boundary], crs=city.crs), city.crs
    if not p.exists():
        raise InputFileError(
            "Boundary file not found.",
            file=p,
            fix="Give a city name (helsingborg), a city TOML, a GeoJSON/GPKG "
            "polygon file, or a lon/lat box 'minlon,minlat,maxlon,maxlat'.",
        )
    from proximity.sources import read_geo

    gdf = read_geo(p)
    return gdf, None


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

    from proximity.errors import ParameterError
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
    """Where a downloaded place is saved, after making sure Overpass can be reached.

    That is ``--out``, else where ``network = "auto"`` looks for it.
    """
    from proximity.errors import OfflineError
    from proximity.scenario import network_cache_path

    out = Path(args.out) if args.out else network_cache_path(source)
    if not _overpass.reachable(args.timeout):
        raise OfflineError(
            f"Overpass ({_overpass.OVERPASS_HOST}) is not reachable within {args.timeout:g} s.",
            fix="Check the internet connection, or build the network from a local "
            "extract: proximity network fetch sweden-latest.osm.pbf --boundary helsingborg "
            "(Geofabrik's Sweden extract).",
        )
    return out


def cmd_network_fetch(args: argparse.Namespace) -> int:
    """``proximity network fetch``: download a place or build from an extract, and save it."""
    from proximity.errors import ParameterError
    from proximity.network import load_network

    source = args.pbf or args.source
    if not source:
        raise ParameterError(
            "Nothing to fetch.",
            fix="Give a city (helsingborg), a place name (online), or a local .osm/.osm.pbf "
            "file (positional or --pbf).",
        )
    boundary, crs = _boundary_from_arg(args.boundary)
    city_name = _city_name(source) if not args.pbf else None
    if city_name is not None:
        # `proximity network fetch helsingborg`: the city's own query (or extract) and boundary,
        # saved where `network = "auto"` looks for it
        source, boundary, crs = _city_source(city_name, boundary, crs)
    path = Path(source)
    is_file = path.exists() or source.lower().endswith(_FILE_SUFFIXES)
    out = _file_out(args, path) if is_file else _place_out(args, source)
    info(args, f"building the walking network from {source} …")
    net = load_network(source, boundary=boundary, buffer_m=args.buffer_m, crs=crs)
    saved = net.save(out)
    _print_summary(net.summary(), as_json=False)
    print(f"\nsaved: {saved}")
    if not is_file:
        print('scenarios with [network] source = "auto" and this place now use it offline.')
    return EXIT_OK


def _print_summary(summary: dict[str, Any], *, as_json: bool) -> None:
    if as_json:
        print(json.dumps(summary, indent=2, sort_keys=True, ensure_ascii=False, default=str))
        return
    width = max((len(k) for k in summary), default=0)
    for k in sorted(summary):
        v = summary[k]
        if isinstance(v, dict | list):
            v = json.dumps(v, ensure_ascii=False, default=str)
        print(f"{k:<{width}s}  {v}")


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
