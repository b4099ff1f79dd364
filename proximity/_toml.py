"""Private: read a TOML file, with or without a byte order mark, naming line and column."""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Any

from proximity._io import read_input_bytes
from proximity.errors import InputFileError, ProximityError


def read_toml(
    path: str | os.PathLike[str],
    *,
    error: type[ProximityError] = InputFileError,
    fix: str = "Fix the TOML syntax at that place.",
) -> dict[str, Any]:
    """Parse a TOML file; a UTF-8 BOM (as Windows editors write) is accepted.

    Parameters
    ----------
    path : path-like
        The file.
    error : type
        The :class:`~proximity.errors.ProximityError` subclass raised on malformed TOML.
    fix : str
        The fix named in that error.

    Returns
    -------
    dict

    Raises
    ------
    InputFileError
        When the file cannot be read or is not UTF-8.
    ProximityError
        ``error`` with ``row = "line L, column C"`` when the TOML is malformed.
    """
    p = Path(path)
    try:
        text = read_input_bytes(p).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputFileError(
            f"The file is not UTF-8 text (byte {exc.object[exc.start]:#x} at offset {exc.start}).",
            file=p,
            fix="Save it as UTF-8 (TOML files must be UTF-8).",
        ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = re.search(r"\(at line (\d+), column (\d+)\)", msg)
        row = (
            f"line {m.group(1)}, column {m.group(2)}"
            if m
            else ("end of file" if "end of document" in msg else None)
        )
        what = re.sub(r" ?\(at [^)]*\)", "", msg)  # the place is in the row
        raise error(f"Malformed TOML: {what}.", file=p, row=row, fix=fix) from None
