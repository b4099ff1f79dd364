"""Private: exit codes and the small output helpers shared by the commands."""

from __future__ import annotations

import argparse
import sys
from typing import Any

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_INPUT = 2
EXIT_INTERRUPTED = 130


def err(msg: str) -> None:
    """Print ``msg`` to stderr (always, also with ``--quiet``)."""
    print(msg, file=sys.stderr, flush=True)


def info(args: argparse.Namespace, msg: str) -> None:
    """Print a step message to stderr unless ``--quiet``."""
    if not getattr(args, "quiet", False):
        print(msg, file=sys.stderr, flush=True)


def fmt(v: Any, nd: int = 1) -> str:
    """``v`` with ``nd`` decimals; ``–`` for NaN; ``str(v)`` for non-numbers."""
    try:
        f = float(v)
    except (TypeError, ValueError):
        return str(v)
    if f != f:  # nan
        return "–"
    return f"{f:.{nd}f}"
