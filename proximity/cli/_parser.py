"""Private: the argparse parser of ``proximity``, one builder per command."""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable
from typing import IO, Any

from proximity import __version__
from proximity._text import terminal_safe
from proximity.cli._batch import add_batch
from proximity.cli._city import add_city
from proximity.cli._common import EXIT_INPUT
from proximity.cli._compare import cmd_compare
from proximity.cli._doctor import cmd_doctor
from proximity.cli._network import cmd_network_fetch, cmd_network_info
from proximity.cli._run import cmd_check, cmd_run

_Subparsers = Any  # argparse._SubParsersAction, private in argparse


class SafeParser(argparse.ArgumentParser):
    """An argument parser whose help, usage and error messages are terminal-safe.

    Its errors echo what was typed (an option value, an unknown argument), which may hold
    terminal control sequences. Sub-parsers are of the same class.
    """

    def _print_message(self, message: str, file: IO[str] | None = None) -> None:
        if message:
            super()._print_message(terminal_safe(message), file)


def number(
    option: str,
    *,
    unit: str,
    example: str,
    positive: bool = True,
    maximum: float | None = None,
) -> Callable[[str], float]:
    """An argparse ``type`` for a finite number (> 0, or >= 0 with ``positive=False``).

    Parameters
    ----------
    option : str
        The option, for the message (e.g. ``"--timeout"``).
    unit : str
        What the number counts (e.g. ``"seconds"``).
    example : str
        A good value, for the fix.
    positive : bool
        Whether 0 is refused too.
    maximum : float, optional
        The largest value accepted.

    Returns
    -------
    callable
        Parses the text; raises :class:`argparse.ArgumentTypeError` naming the rule and a
        good value (argparse exits with code 2).
    """
    rule = f"a number of {unit} {'>' if positive else '>='} 0"
    if maximum is not None:
        rule += f" and <= {maximum:g}"

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        bad = not math.isfinite(value) or value < 0 or (positive and value == 0)
        if bad or (maximum is not None and value > maximum):
            raise argparse.ArgumentTypeError(
                f"must be {rule}, got {text!r}. Fix: e.g. {option} {example}"
            )
        return value

    parse.__name__ = f"{option} value"
    return parse


def npz_file(text: str) -> str:
    """An argparse ``type`` for ``network fetch --out``: a path ending in ``.npz``."""
    if not text.endswith(".npz") or text.endswith(("/.npz", "\\.npz")) or text == ".npz":
        raise argparse.ArgumentTypeError(
            f"must name a .npz file, got {text!r}: the network is saved as FILE.npz plus "
            "its sidecar FILE.json. Fix: e.g. --out helsingborg-walk.npz"
        )
    return text


_TIMEOUT = number("--timeout", unit="seconds", example="5", maximum=3600)


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


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return EXIT_INPUT


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser of ``proximity``.

    Returns
    -------
    argparse.ArgumentParser
        Each command's parser sets ``func``, the function that runs it and returns the exit
        code.
    """
    p = SafeParser(
        prog="proximity",
        description="Walking access to public services, and where the next neighbourhood "
        "service office should go.",
        epilog="Exit codes: 0 ok, 1 unexpected error, 2 usage or input problem, "
        "130 interrupted. Docs: docs/notes/scenarios.md",
    )
    p.add_argument("--version", action="version", version=f"proximity {__version__}")
    _common(p, top=True)
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    _add_run(sub)
    _add_check(sub)
    _add_compare(sub)
    _add_network(sub)
    add_city(sub)
    add_batch(sub)
    _add_doctor(sub)
    p.set_defaults(func=lambda a: _usage(p))
    return p


def _add_run(sub: _Subparsers) -> None:
    r = sub.add_parser("run", help="run a scenario (network, coverage, siting, maps, report)")
    r.add_argument("scenario", help="scenario TOML, e.g. scenarios/helsingborg-baseline.toml")
    r.add_argument(
        "--out",
        metavar="DIR",
        default=None,
        help="output folder (default: the scenario's outputs.dir or out/<name>)",
    )
    r.add_argument(
        "--publish",
        action="store_true",
        help="also publish the maps to the scenario's outputs.maps_dir (default maps/)/<name>/; "
        "without it a run never writes into maps/",
    )
    r.add_argument(
        "--maps-dir",
        metavar="DIR",
        default=None,
        help="publish the maps to DIR/<name>/ (implies --publish)",
    )
    _common(r)
    r.set_defaults(func=cmd_run)


def _add_check(sub: _Subparsers) -> None:
    c = sub.add_parser("check", help="validate a scenario against its city without running it")
    c.add_argument("scenario")
    _common(c)
    c.set_defaults(func=cmd_check)


def _add_compare(sub: _Subparsers) -> None:
    cmp_ = sub.add_parser(
        "compare",
        help="per-area difference B − A of two runs, written as CSV, Markdown and HTML",
        description="Compare two runs per area (B − A). Writes compare.csv (every category, "
        "profile and threshold), compare.md and compare.html (one slice, in Swedish) to "
        "--out DIR, default out/compare-<A>-vs-<B>/, prints the table and every path "
        "written. A scenario TOML is run first, into DIR/runs/; its maps are published "
        "only with --publish.",
    )
    cmp_.add_argument("a", help="scenario TOML (run first) or output folder of a finished run")
    cmp_.add_argument("b", help="scenario TOML (run first) or output folder of a finished run")
    cmp_.add_argument(
        "--out",
        metavar="DIR",
        default=None,
        help="folder for compare.csv, compare.md, compare.html and the runs of TOMLs "
        "(default: out/compare-<A>-vs-<B>/)",
    )
    cmp_.add_argument(
        "--category",
        default=None,
        help="category shown (default: B's siting category, else its first map category, "
        "else the same of A, else district_office)",
    )
    cmp_.add_argument(
        "--profile",
        default=None,
        help="walking profile shown (default: B's siting or map profile, else A's, else adult)",
    )
    cmp_.add_argument(
        "--threshold",
        type=number("--threshold", unit="minutes", example="15", maximum=1440),
        default=None,
        metavar="MIN",
        help="threshold in minutes shown (default: B's siting threshold, else its map "
        "threshold, else A's, else 10 if computed, else the smallest; the CSV holds them all)",
    )
    cmp_.add_argument(
        "--publish",
        action="store_true",
        help="also publish the maps of scenario TOMLs to their outputs.maps_dir "
        "(default maps/)/<name>/, like run --publish; without it compare never writes there",
    )
    _common(cmp_)
    cmp_.set_defaults(func=cmd_compare)


def _add_network(sub: _Subparsers) -> None:
    n = sub.add_parser("network", help="download, build or inspect walking networks")
    nsub = n.add_subparsers(dest="network_command", metavar="SUBCOMMAND")
    _add_network_fetch(nsub)
    i = nsub.add_parser("info", help="provenance and size of a cached network or OSM file")
    i.add_argument("path")
    i.add_argument("--json", action="store_true", help="print JSON")
    _common(i)
    i.set_defaults(func=cmd_network_info)
    n.set_defaults(func=lambda a: _usage(n))


def _add_network_fetch(nsub: _Subparsers) -> None:
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
    f.add_argument(
        "--buffer-m",
        type=number("--buffer-m", unit="metres", example="500", positive=False, maximum=100_000),
        default=500.0,
        help="buffer in metres around the boundary (default 500)",
    )
    f.add_argument(
        "--out",
        type=npz_file,
        default=None,
        metavar="FILE.npz",
        help="where to save (default: the cache, where scenarios look)",
    )
    f.add_argument(
        "--timeout",
        type=_TIMEOUT,
        default=5.0,
        help="seconds to wait for Overpass before giving up (default 5)",
    )
    _common(f)
    f.set_defaults(func=cmd_network_fetch)


def _add_doctor(sub: _Subparsers) -> None:
    d = sub.add_parser("doctor", help="check the installation, cache, internet and disk")
    d.add_argument(
        "--timeout", type=_TIMEOUT, default=3.0, help="seconds to wait for Overpass (default 3)"
    )
    _common(d)
    d.set_defaults(func=cmd_doctor)
