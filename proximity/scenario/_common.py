"""Private helpers shared by the modules of :mod:`proximity.scenario`."""

from __future__ import annotations

import contextlib
import difflib
import math
import warnings
from collections.abc import Iterable, Iterator
from typing import Protocol

from proximity.errors import ScenarioError
from proximity.scenario.model import Intervention, Scenario


class StepReporter(Protocol):
    """Reports a run's steps (a progress bar and messages, or nothing)."""

    def say(self, msg: str) -> None:
        """Print a message (unless quiet)."""

    def step(self, name: str) -> None:
        """Start the step ``name`` (the previous one is done)."""


def close_list(word: str, options: Iterable[str], n: int = 5) -> list[str]:
    """Up to ``n`` options close to ``word``, else those containing it (or contained in it)."""
    opts = sorted(set(map(str, options)))
    close = difflib.get_close_matches(word, opts, n=n, cutoff=0.5)
    if not close:  # substring matches, e.g. "bibliotek" → all library ids
        close = [o for o in opts if word.lower() in o.lower() or o.lower() in word.lower()][:n]
    return close


def scenario_error(
    scenario: Scenario,
    message: str,
    *,
    item: Intervention | None = None,
    fix: str | None = None,
    key: str | None = None,
) -> ScenarioError:
    """A :class:`ScenarioError` pointing at the scenario file (and ``item``'s line, ``key``)."""
    line = None if item is None else item.line
    row = None
    if line is not None:
        row = f"line {line}" + (f", key '{key}'" if key else "")
    elif key:
        row = f"key '{key}'"
    return ScenarioError(message, file=scenario.path, row=row, fix=fix)


def fmt_float(v: float | None) -> str:
    """A float with at most 6 decimals, trailing zeros stripped; ``""`` for None/NaN."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    s = f"{v:.6f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


@contextlib.contextmanager
def no_crowfly_warning() -> Iterator[None]:
    """Silence the layers' CrowFlyWarning.

    A run announces crow-fly once (the banner), and every table, map and report carries the
    label.
    """
    from proximity.coverage import CrowFlyWarning

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*[Cc]row.?fly.*")
        warnings.simplefilter("ignore", CrowFlyWarning)
        yield
