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
``proximity batch SCENARIO --municipalities all|CODES --osm FILE --out DIR``
    One scenario for many municipalities on Dask (a local cluster or ``--scheduler
    tcp://HOST:8786``): national extract split, bundles, runs, national tables and report.
``proximity doctor``
    Versions, cache folder, Overpass reachability, Chromium and free disk space.

Every command takes ``--quiet`` (no progress bars or step messages) and ``--verbose``
(tracebacks on errors). Everything printed is made terminal-safe first (names and messages
from data cannot hold escape sequences), and numeric options are checked (finite, > 0;
``--buffer-m`` >= 0) before anything runs.

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
import sys
import traceback
from collections.abc import Sequence

from proximity import config
from proximity.cli._common import (
    EXIT_ERROR,
    EXIT_INPUT,
    EXIT_INTERRUPTED,
    EXIT_OK,
    err,
    safe_streams,
)
from proximity.cli._doctor import doctor_checks
from proximity.cli._parser import build_parser
from proximity.errors import ProximityError

__all__ = [
    "EXIT_ERROR",
    "EXIT_INPUT",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "build_parser",
    "doctor_checks",
    "main",
]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``proximity`` console script.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments (default ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit code (see the module docstring).
    """
    with safe_streams():
        parser = build_parser()
        try:
            args = parser.parse_args(argv)
        except SystemExit as exc:  # --help, --version (0) or a usage error (2)
            return int(exc.code) if isinstance(exc.code, int) else EXIT_INPUT
        return _dispatch(args)


def _dispatch(args: argparse.Namespace) -> int:
    """Run the command; turn errors into messages and exit codes."""
    quiet = bool(getattr(args, "quiet", False))
    verbose = bool(getattr(args, "verbose", False))
    with config.progress(False if quiet else config.progress_setting()):
        try:
            return int(args.func(args))
        except KeyboardInterrupt:
            err("\ninterrupted: no outputs were written (partial files removed).")
            return EXIT_INTERRUPTED
        except ProximityError as exc:
            if verbose:
                traceback.print_exc()
            err(f"error: {exc}")
            return EXIT_INPUT
        except BrokenPipeError:  # e.g. `proximity compare ... | head`
            with contextlib.suppress(OSError):
                sys.stderr.close()
            return EXIT_OK
        except Exception as exc:
            if verbose:
                traceback.print_exc()
            err(
                f"unexpected error: {type(exc).__name__}: {exc}\n"
                "This is a bug in proximity; re-run with --verbose for the traceback and "
                "report it."
            )
            return EXIT_ERROR
