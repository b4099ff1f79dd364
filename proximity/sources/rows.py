"""How messages name rows and show values: ``id <id> (data row n), line l`` and ``empty``.

Every check of :mod:`proximity.sources.validate` and :mod:`proximity.sources.values` names
the first bad row with :func:`row_label` and shows cells with :func:`value_text` (plain
numbers, ``empty`` for a blank cell, never a numpy repr such as ``np.float64(nan)``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


def value_text(v: Any) -> str:
    """A cell as messages show it: ``empty``, a plain number (``1.5``, ``12``) or ``'text'``.

    Never a numpy repr such as ``np.float64(nan)``.

    Parameters
    ----------
    v
        A cell or any value.

    Returns
    -------
    str
    """
    if v is None or (not isinstance(v, (str, bytes)) and np.ndim(v) == 0 and pd.isna(v)):
        return "empty"
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        f = float(v)
        return str(int(f)) if f.is_integer() and abs(f) < 1e16 else repr(f)
    text = str(v)
    return repr(text) if text.strip() else "empty"


def row_label(ids: pd.Series, i: int) -> str:
    """How messages name row ``i``: ``"id <id> (data row <i + 1>)"`` (+ ``", line <l>"``).

    The line is the row's line in a CSV file, from ``ids.attrs["csv_lines"]`` (set by
    :func:`check_ids`).

    Parameters
    ----------
    ids
        The rows' ids.
    i
        The row's position.

    Returns
    -------
    str
    """
    lines = ids.attrs.get("csv_lines")
    line = f", line {int(lines[i])}" if lines is not None and i < len(lines) else ""
    label = ids.attrs.get("label", "id")
    if label == "feature":  # ids are the features' numbers in the file
        return f"feature {ids.iloc[i]}{line}"
    return f"{label} {ids.iloc[i]} (data row {i + 1}){line}"


def coord_text(v: float) -> str:
    """A coordinate for a message: one decimal, or 3 significant digits when huge."""
    return f"{v:.1f}" if abs(v) < 1e9 else f"{v:.3g}"


def first_true(mask: Any) -> int:
    """Position of the first True in a boolean Series or array."""
    return int(np.flatnonzero(np.asarray(mask))[0])
