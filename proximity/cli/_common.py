"""Private: exit codes and the output helpers shared by the commands.

Everything the CLI prints passes through :func:`proximity._text.terminal_safe`: names, paths
and messages come from users' files and OpenStreetMap, and must not move the cursor, retitle
or clear the terminal. :func:`out`, :func:`err` and :func:`info` sanitise what they print;
:func:`safe_streams` also wraps ``sys.stdout``/``sys.stderr`` while a command runs, so that
step messages and warnings printed by the library are sanitised too.
"""

from __future__ import annotations

import argparse
import contextlib
import re
import sys
from collections.abc import Iterator
from typing import Any, TextIO

from proximity._text import terminal_safe

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_INPUT = 2
EXIT_INTERRUPTED = 130

#: What tqdm writes between bars: newlines and cursor-up moves only.
_PROGRESS_MOVES = re.compile(r"(?:\n|\x1b\[A)*")


class SafeStream:
    """A text stream that strips terminal control sequences from what is written to it.

    Parameters
    ----------
    stream : TextIO
        The stream written to.
    progress : bool
        Keep what tqdm's progress bars need on a terminal: leading carriage returns, and
        writes made only of newlines and cursor-up moves (never text from data).
    """

    def __init__(self, stream: TextIO, *, progress: bool = False) -> None:
        self._stream = stream
        self._progress = progress

    def write(self, s: str) -> int:
        """Write ``s`` without control sequences; return ``len(s)``."""
        if self._progress:
            if _PROGRESS_MOVES.fullmatch(s):
                self._stream.write(s)
                return len(s)
            head = len(s) - len(s.lstrip("\r"))
            self._stream.write(s[:head] + terminal_safe(s[head:]))
            return len(s)
        self._stream.write(terminal_safe(s))
        return len(s)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextlib.contextmanager
def safe_streams() -> Iterator[None]:
    """Within the block, ``sys.stdout`` and ``sys.stderr`` are :class:`SafeStream` s."""
    saved = sys.stdout, sys.stderr
    sys.stdout = SafeStream(sys.stdout)  # type: ignore[assignment]
    sys.stderr = SafeStream(sys.stderr, progress=True)  # type: ignore[assignment]
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved


def out(msg: object = "") -> None:
    """Print ``msg`` (terminal-safe) to stdout."""
    print(terminal_safe(msg))


def err(msg: object) -> None:
    """Print ``msg`` (terminal-safe) to stderr (always, also with ``--quiet``)."""
    print(terminal_safe(msg), file=sys.stderr, flush=True)


def info(args: argparse.Namespace, msg: object) -> None:
    """Print a step message (terminal-safe) to stderr unless ``--quiet``."""
    if not getattr(args, "quiet", False):
        print(terminal_safe(msg), file=sys.stderr, flush=True)


def fmt(v: Any, nd: int = 1) -> str:
    """``v`` with ``nd`` decimals; ``–`` for NaN; ``str(v)`` for non-numbers."""
    try:
        f = float(v)
    except (TypeError, ValueError):
        return str(v)
    if f != f:  # nan
        return "–"
    return f"{f:.{nd}f}"
