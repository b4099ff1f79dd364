"""Private: ``proximity city build``."""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path
from typing import Any

from proximity.cli._common import EXIT_OK, err, info

_FILES = ("osm", "areas", "population", "services", "boundary", "deso", "municipalities")


def add_city(sub: Any) -> None:
    """Register ``proximity city build`` on the top-level subparsers."""
    c = sub.add_parser("city", help="build a city bundle for a Swedish municipality")
    csub = c.add_subparsers(dest="city_command", metavar="SUBCOMMAND")
    b = csub.add_parser(
        "build",
        help="a bundle (city.toml, GeoParquet, network, manifest.json) from open data or files",
        description="Build a city bundle that `proximity run` uses offline. Each source can "
        "be a local file; with --osm, --areas (or --deso) and --population no network is used.",
    )
    b.add_argument("municipality", help="municipality name or 4-digit code, e.g. Gävle or 2180")
    b.add_argument("--out", metavar="DIR", default=None, help="bundle folder (bundles/<name>)")
    b.add_argument("--osm", metavar="FILE.osm.pbf", help="local OSM extract (else Overpass)")
    b.add_argument("--areas", metavar="FILE", help="reporting area polygons (else DeSO)")
    b.add_argument("--areas-id", metavar="COL", default=None, help="id column of --areas")
    b.add_argument(
        "--population",
        metavar="FILE",
        help="population table: area id, population, optional group/age-band columns "
        "(else SCB's PxWebApi)",
    )
    b.add_argument("--population-id", metavar="COL", default=None, help="its id column")
    b.add_argument("--services", metavar="FILE", help="the city's service registry (wins)")
    b.add_argument("--boundary", metavar="FILE", help="municipal boundary polygon file")
    b.add_argument("--deso", metavar="FILE", help="DeSO polygons (desokod) carrying population")
    b.add_argument(
        "--regso",
        action="store_true",
        help="report by SCB's RegSO 2025 areas (named; from SCB's WFS), population per DeSO",
    )
    b.add_argument(
        "--municipalities",
        metavar="FILE",
        help="another municipality table (kommun_kod, kommun_namn, polygons)",
    )
    b.add_argument(
        "--housing-operator",
        action="append",
        default=[],
        metavar="NAME",
        help="the municipal housing company's name in OSM operator= (repeatable)",
    )
    b.add_argument("--buffer-m", type=float, default=500.0, help="network buffer (default 500)")
    b.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS)
    b.set_defaults(func=cmd_city_build)
    c.set_defaults(func=lambda a: (c.print_help(), 2)[1])


def cmd_city_build(args: argparse.Namespace) -> int:
    """Run ``proximity city build``."""
    from proximity.bundle import BuildOptions, build_bundle

    files = {k: Path(getattr(args, k)) for k in _FILES if getattr(args, k, None)}
    opts = BuildOptions(
        args.municipality,
        out=Path(args.out) if args.out else None,
        areas_id=args.areas_id,
        population_id=args.population_id,
        housing_operators=tuple(args.housing_operator),
        buffer_m=args.buffer_m,
        regso=args.regso,
        **files,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # printed below, once
        res = build_bundle(opts, say=lambda m: info(args, m))
    for w in res.warnings:
        err(f"warning: {w}")
    info(args, f"bundle: {res.out}  ({', '.join(f'{k} {v}' for k, v in res.counts.items())})")
    info(args, f'run it: a scenario with city = "{res.out}" (see README)')
    return EXIT_OK
