"""Checks of values: population (with limits), age groups and service categories.

Each raises a :class:`~proximity.errors.SchemaError` that names the file, the row
(:func:`~proximity.sources.rows.row_label`) and the fix.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from proximity.errors import SchemaError
from proximity.sources.categories import slug_id, suggest_category
from proximity.sources.rows import first_true as _first
from proximity.sources.rows import row_label as _row
from proximity.sources.rows import value_text

#: Optional age-group columns of a population table (counts >= 0).
AGE_COLUMNS = ("pop_0_19", "pop_20_64", "pop_65_plus")

#: Largest population of one row (one point, one area's unlocated count), in persons. A
#: larger value is a typing or unit error (Sweden's biggest DeSO has a few thousand people,
#: Stockholm municipality under 10**6); the loaders refuse it, naming the row.
MAX_POPULATION_PER_ROW = 10**6

#: Largest population of a whole table (and of a city, located plus unlocated), in persons:
#: more than ten times Sweden. The loaders refuse it, naming the row where the running total
#: passes the limit.
MAX_POPULATION_TOTAL = 10**8


def check_population(
    gdf: pd.DataFrame,
    column: str,
    file: Path,
    ids: pd.Series,
    *,
    start_total: float = 0.0,
    table: str | None = None,
) -> pd.Series:
    """The population column as numbers; raise on a bad value or an absurd total.

    Refused: an empty cell, a non-number, a non-finite or negative value, a value above
    :data:`MAX_POPULATION_PER_ROW`, and a table whose running total (from ``start_total``)
    passes :data:`MAX_POPULATION_TOTAL`.

    Parameters
    ----------
    gdf
        The rows.
    column
        The population column.
    file
        The file they were read from.
    ids
        Their ids (:func:`check_ids`; they name the rows in messages).
    start_total
        Population counted before this table (the located population, for the unlocated
        table), for the total limit.
    table
        The table's name for messages (``"the unlocated table"``).

    Returns
    -------
    Series
        The population, numeric (finite, >= 0).

    Raises
    ------
    SchemaError
        Naming the first bad row.
    """
    try:
        return _check_population(gdf, column, file, ids, start_total=start_total)
    except SchemaError as exc:
        if table is None:
            raise
        raise SchemaError(
            f"Bad population in {table}: {exc.message[0].lower()}{exc.message[1:]}",
            file=exc.file,
            row=exc.row,
            fix=exc.fix,
        ) from None


def _check_population(
    gdf: pd.DataFrame, column: str, file: Path, ids: pd.Series, *, start_total: float
) -> pd.Series:
    raw = gdf[column]
    pop = pd.to_numeric(_without_thousands(raw), errors="coerce").astype(float)
    bad = pop.isna()
    if bad.any():
        i = _first(bad)
        v = raw.iloc[i]
        what = (
            "Missing population (the cell is empty)"
            if value_text(v) == "empty"
            else f"Non-numeric population {value_text(v)}"
        )
        raise SchemaError(
            f"{what} in column {column!r} ({int(bad.sum())} row(s) empty or non-numeric).",
            file=file,
            row=_row(ids, i),
            fix="Give a number of people (0 is allowed)"
            + (
                "; write 1.5, not 1,5 (decimal commas are read only in a semicolon-separated "
                "file, Excel's 'CSV (semikolonavgränsad)')"
                if _decimal_comma(v)
                else ""
            )
            + "; put population without a location in the 'unlocated' table instead.",
        )
    _check_population_range(pop, column, file, ids, start_total=start_total)
    return pop


_THOUSANDS = re.compile(r"^\s*[-+]?\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:\.\d+)?\s*$")


def _without_thousands(raw: pd.Series) -> pd.Series:
    """Drop Swedish thousands separators (``1 234``, Excel's no-break space) from text."""
    if raw.dtype != object and not pd.api.types.is_string_dtype(raw):
        return raw
    return raw.map(
        lambda v: (
            re.sub(r"[ \u00a0\u202f]", "", v) if isinstance(v, str) and _THOUSANDS.match(v) else v
        )
    )


def _decimal_comma(v: Any) -> bool:
    text = str(v).strip().replace("\u00a0", "").replace(" ", "")
    return text.count(",") == 1 and text.replace(",", "").lstrip("+-").isdigit()


def _check_population_range(
    pop: pd.Series, column: str, file: Path, ids: pd.Series, *, start_total: float
) -> None:
    """Raise on a non-finite, negative or too large value, or a too large running total."""
    values = pop.to_numpy(dtype=float)
    checks = (
        (~np.isfinite(values), "Population {v} in column {c!r} is not a finite number.", ""),
        (values < 0, "Negative population {v} in column {c!r}.", ""),
        (
            values > MAX_POPULATION_PER_ROW,
            "Population {v} in column {c!r} is above the limit of "
            f"{MAX_POPULATION_PER_ROW} persons for one row.",
            " (a unit or typing error?); split it over several points if it is real",
        ),
    )
    for mask, message, why in checks:
        if mask.any():
            i = _first(mask)
            raise SchemaError(
                message.format(v=value_text(values[i]), c=column),
                file=file,
                row=_row(ids, i),
                fix=f"Population must be a number of people >= 0; check the value{why}.",
            )
    over = start_total + np.cumsum(values) > MAX_POPULATION_TOTAL
    if over.any():
        i = _first(over)
        raise SchemaError(
            f"The population total passes {MAX_POPULATION_TOTAL} persons (more than ten times "
            f"Sweden) at this row: the column {column!r} cannot hold numbers of people.",
            file=file,
            row=_row(ids, i),
            fix="Check the column and the unit (persons, not e.g. square metres or SEK).",
        )


def check_age_columns(gdf: pd.DataFrame, file: Path, ids: pd.Series) -> None:
    """Raise :class:`SchemaError` on a missing, negative or non-finite age-group count.

    Parameters
    ----------
    gdf
        The rows; only the :data:`AGE_COLUMNS` present are checked.
    file
        The file they were read from.
    ids
        Their ids.
    """
    for c in AGE_COLUMNS:
        if c in gdf.columns:
            v = pd.to_numeric(gdf[c], errors="coerce").to_numpy(dtype=float)
            bad = ~np.isfinite(v) | (v < 0) | (v > MAX_POPULATION_PER_ROW)
            if bad.any():
                i = _first(bad)
                raise SchemaError(
                    f"Missing or negative value in age column {c!r}: {value_text(gdf[c].iloc[i])}.",
                    file=file,
                    row=_row(ids, i),
                    fix="Age group counts must be numbers >= 0 (at most "
                    f"{MAX_POPULATION_PER_ROW}).",
                )


def check_categories(
    raw: pd.Series,
    file: Path,
    ids: pd.Series,
    *,
    category_map: Mapping[str, str] | None,
    categories: Sequence[str],
) -> pd.Series:
    """The service categories after ``category_map``; raise on one not in ``categories``.

    Parameters
    ----------
    raw
        The file's category column.
    file
        The file it was read from.
    ids
        The rows' ids.
    category_map
        The file's own values -> known categories (values already known pass through).
    categories
        The known categories.

    Returns
    -------
    Series
        The known category of every row.

    Raises
    ------
    SchemaError
        Naming the first unknown value, the closest known one, all unknown values and the
        known categories.
    """
    raw = raw.astype(object)
    cmap = {str(k): str(v) for k, v in (category_map or {}).items()}
    cat = raw.map(lambda v: cmap.get(str(v).strip(), str(v).strip()) if pd.notna(v) else "")
    empty = cat == ""
    if empty.any():
        i = _first(empty)
        raise SchemaError(
            f"The category is empty ({int(empty.sum())} row(s) without a category).",
            file=file,
            row=_row(ids, i),
            fix=f"Fill in a category ({', '.join(categories)}) or remove the row.",
        )
    bad = ~cat.isin(set(categories))
    if bad.any():
        i = _first(bad)
        v = raw.iloc[i]
        sug = suggest_category(str(v), list(categories))
        hint = f" Did you mean {sug!r}?" if sug else ""
        unknown = sorted({x.strip() if isinstance(x, str) else value_text(x) for x in raw[bad]})
        raise SchemaError(
            f"Unknown category {value_text(v)}.{hint} Unknown values: {', '.join(unknown)}. "
            f"Known categories: {', '.join(categories)}.",
            file=file,
            row=_row(ids, i),
            fix="Use a known category in the file, pass category_map={'your value': "
            "'known_category', ...} to the loader, or declare a new category in the city TOML: "
            f'[categories.{slug_id(v)}] label_sv = "..." (icon = "...").',
        )
    return cat


def check_years(raw: pd.Series, file: Path, ids: pd.Series) -> pd.Series:
    """The population years as numbers (NaN where empty); raise on any other non-year.

    Parameters
    ----------
    raw
        The file's year column.
    file
        The file it was read from.
    ids
        The rows' ids.

    Returns
    -------
    Series
        Numeric years, NaN where the cell is empty.

    Raises
    ------
    SchemaError
        Naming the first value that is not a whole number from 1000 to 3000.
    """
    years = pd.to_numeric(raw, errors="coerce")
    given = raw.notna() & (raw.astype(str).str.strip() != "")
    v = years.to_numpy(dtype=float)
    bad = given.to_numpy() & ~(np.isfinite(v) & (np.mod(v, 1) == 0) & (v >= 1000) & (v <= 3000))
    if bad.any():
        i = _first(bad)
        raise SchemaError(
            f"Population year {value_text(raw.iloc[i])} is not a year.",
            file=file,
            row=_row(ids, i),
            fix="Write the year as a whole number, e.g. 2024 (or leave the cell empty).",
        )
    return years
