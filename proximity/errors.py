"""Error types of proximity.

Every error the toolkit raises on bad input is a subclass of :class:`ProximityError` and
carries, where known, the file, the row and a suggested fix, so that a planner can act on the
message without reading a stack trace.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class ProximityError(Exception):
    """Base class of all proximity errors.

    Parameters
    ----------
    message
        What went wrong, in one sentence.
    file
        The file involved, if any.
    row
        The row (0-based index label or id) involved, if any.
    fix
        What the user can do about it.
    """

    def __init__(
        self,
        message: str,
        *,
        file: object | None = None,
        row: object | None = None,
        fix: str | None = None,
    ) -> None:
        self.message = message
        self.file = None if file is None else str(file)
        self.row = row
        self.fix = fix
        super().__init__(self._render())

    def _render(self) -> str:
        parts = [self.message]
        if self.file is not None:
            parts.append(f"File: {self.file}")
        if self.row is not None:
            parts.append(f"Row: {self.row}")
        if self.fix:
            parts.append(f"Fix: {self.fix}")
        return "\n  ".join(parts)


class InputFileError(ProximityError):
    """A file is missing, unreadable or of the wrong format."""


class SchemaError(ProximityError):
    """A table lacks a column, has duplicate ids, bad values or unknown categories."""


class GeometryError(ProximityError):
    """A geometry is invalid, empty, or lies where it cannot (outside the study area)."""


class CRSError(ProximityError):
    """A coordinate reference system is missing, not metric where it must be, or mismatched.

    Also raised when coordinates look like lon/lat (or swapped lat/lon) where metres are
    expected.
    """


class NetworkError(ProximityError):
    """The walking network cannot be built or fetched, or is empty after filtering."""


class OfflineError(NetworkError):
    """An online source (Overpass, Nominatim, SCB) could not be reached."""


class ParameterError(ProximityError, ValueError):
    """A parameter is out of range: a threshold <= 0, an unknown profile, k too large, ..."""


class InfeasibleError(ProximityError):
    """A siting model's constraints cannot be satisfied."""


class ScenarioError(ProximityError):
    """A scenario file is malformed, has unknown keys, or asks for a contradictory change."""


class OutputError(ProximityError):
    """An output cannot be written (for example the folder is not writable)."""


def did_you_mean(word: str, options: Iterable[str]) -> str | None:
    """The option closest to ``word`` (a typo), or one equal up to case; None if none is.

    The one "did you mean" rule for keys, sections and choices in scenario and city files
    (difflib, cutoff 0.6).

    Parameters
    ----------
    word : str
        What the user wrote.
    options : iterable of str
        What is accepted.

    Returns
    -------
    str or None
    """
    opts = list(options)
    close = difflib.get_close_matches(word, opts, n=1, cutoff=0.6)
    if not close:
        close = [o for o in opts if o.lower() == word.lower()]
    return close[0] if close else None
