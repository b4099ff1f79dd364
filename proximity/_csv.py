"""Private: read CSV files as people have them, including Swedish Excel exports.

Swedish Excel writes "CSV (semikolonavgränsad)" as semicolon-separated text with decimal
commas in Windows-1252, and "CSV UTF-8" as comma- or semicolon-separated UTF-8 with a byte
order mark. :func:`read_csv` reads all of these: it strips a BOM, decodes UTF-8 and falls
back to Windows-1252, takes the separator from the header line, and reads decimal commas
when the separator is a semicolon.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from proximity._io import read_input_bytes
from proximity.errors import InputFileError


@dataclass(frozen=True)
class CsvDialect:
    """How a CSV file was read: its text encoding, separator and decimal mark."""

    encoding: str
    sep: str
    decimal: str


def _decode(raw: bytes, path: Path) -> tuple[str, str]:
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16"), "utf-16"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as exc:  # a byte cp1252 leaves undefined (0x81, 0x8d, …)
        raise InputFileError(
            f"The file is neither UTF-8 nor Windows-1252 text (byte {raw[exc.start]:#x} at "
            f"offset {exc.start}).",
            file=path,
            fix="Save it from Excel as 'CSV UTF-8' or 'CSV (semikolonavgränsad)'.",
        ) from None


def _separator(header: str) -> str:
    counts = {sep: 0 for sep in (";", ",", "\t")}
    in_quotes = False
    for ch in header:
        if ch == '"':
            in_quotes = not in_quotes
        elif not in_quotes and ch in counts:
            counts[ch] += 1
    best = max(counts, key=lambda s: (counts[s], s == ","))
    return best if counts[best] else ","


def sniff(path: str | os.PathLike[str]) -> tuple[str, CsvDialect]:
    """Decode a CSV file and find its dialect.

    Parameters
    ----------
    path : path-like
        The CSV file.

    Returns
    -------
    text : str
        The decoded text, without a BOM.
    dialect : CsvDialect
    """
    p = Path(path)
    raw = read_input_bytes(p)
    text, encoding = _decode(raw, p)
    header = text.split("\n", 1)[0]
    sep = _separator(header)
    return text, CsvDialect(encoding, sep, "," if sep == ";" else ".")


def _check_rows(text: str, dialect: CsvDialect, path: Path) -> np.ndarray:
    """Raise on duplicate header names and ragged rows; the file line of every data row.

    Blank lines are skipped (as pandas does), so the returned line numbers are those a
    spreadsheet or text editor shows (the header is line 1).
    """
    reader = csv.reader(io.StringIO(text), delimiter=dialect.sep)
    header = next(reader, [])
    _check_header(header, path)
    lines: list[int] = []
    start = reader.line_num + 1
    for row in reader:
        line, start = start, reader.line_num + 1
        if not row:
            continue
        if len(row) != len(header):
            raise InputFileError(
                f"Line {line} has {len(row)} fields but the header has {len(header)} "
                f"(separator {dialect.sep!r}, {dialect.encoding}).",
                file=path,
                row=f"line {line}",
                fix="Give every row as many fields as the header line; quote texts that hold "
                f"the separator {dialect.sep!r}"
                + (
                    " (a decimal comma such as 1,5 in a comma-separated file splits the "
                    "number: write 1.5, or save as 'CSV (semikolonavgränsad)')."
                    if dialect.sep == ","
                    else "."
                ),
            )
        lines.append(line)
    return np.asarray(lines, dtype=np.int64)


def _check_header(header: list[str], path: Path) -> None:
    """Raise on a column name given twice (pandas would silently rename one ``name.1``)."""
    seen: dict[str, int] = {}
    for i, name in enumerate(header, start=1):
        key = name.strip()
        if not key:
            continue
        if key in seen:
            raise InputFileError(
                f"Column {key!r} appears twice in the header (columns {seen[key]} and {i}).",
                file=path,
                row="line 1",
                fix="Give every column a distinct name (rename or delete one of the two).",
            )
        seen[key] = i


_GROUPS = r"[-+]?(?:\d{1,3}(?:[ \u00a0\u202f]\d{3})+|\d+)"
#: A number as Swedish Excel writes it: ``1 234,5`` (no-break-space groups, decimal comma).
_COMMA_NUMBER = re.compile(_GROUPS + r"(?:,\d+)?")
#: A number with thousands groups and a decimal point: ``1 234.5``.
_POINT_NUMBER = re.compile(_GROUPS + r"(?:\.\d+)?")
_SPACES = re.compile(r"[ \u00a0\u202f]")


def _swedish_numbers(df: pd.DataFrame, dialect: CsvDialect, *, skip: set[str]) -> None:
    """Make text columns of Swedish numbers (``1 234``, ``1 234,5``) numeric, in place.

    A column is converted when every value is such a number: with thousands groups, or, in
    a file with decimal commas, mixed ``12,5`` / ``1 234`` values.

    pandas leaves such a column as text when one value has a no-break space, as Excel writes
    thousands in a "Tal" cell. A decimal comma in a comma-separated file is never read as
    one: it stays text (and the loaders say why).
    """
    pattern = _COMMA_NUMBER if dialect.decimal == "," else _POINT_NUMBER
    for c in df.columns:
        col = df[c]
        if c in skip or not (col.dtype == object or pd.api.types.is_string_dtype(col)):
            continue
        text = col.dropna().astype(str).str.strip()
        text = text[text != ""]
        if text.empty or not text.head(1000).str.fullmatch(pattern).all():
            continue
        if not text.str.fullmatch(pattern).all():
            continue
        plain = text.str.replace(_SPACES, "", regex=True).str.replace(",", ".", regex=False)
        df[c] = pd.to_numeric(plain, errors="coerce").reindex(col.index)


def read_csv(path: str | os.PathLike[str], *, str_cols: Iterable[str] = ()) -> pd.DataFrame:
    """Read a CSV file in any of the usual encodings and separators.

    Parameters
    ----------
    path : path-like
        The CSV file.
    str_cols : iterable of str
        Columns read as text (ids keep their leading zeros).

    Returns
    -------
    pandas.DataFrame
        With ``attrs["csv_dialect"]`` holding the :class:`CsvDialect` used.

    Raises
    ------
    InputFileError
        When the file cannot be read, decoded or parsed, has a column name twice or a row
        with too many or too few fields; the message names the line.
    """
    return read_csv_lines(path, str_cols=str_cols)[0]


def read_csv_lines(
    path: str | os.PathLike[str], *, str_cols: Iterable[str] = ()
) -> tuple[pd.DataFrame, np.ndarray]:
    """Like :func:`read_csv`, also returning the file line of every row (header = line 1).

    Parameters
    ----------
    path : path-like
        The CSV file.
    str_cols : iterable of str
        Columns read as text.

    Returns
    -------
    df : pandas.DataFrame
        As :func:`read_csv`.
    lines : numpy.ndarray
        ``lines[i]`` is the line of row ``i`` in the file, for messages.
    """
    p = Path(path)
    text, dialect = sniff(p)
    if not text.strip():
        raise InputFileError(
            "The file is empty.", file=p, fix="Add a header line and at least one row."
        )
    lines = _check_rows(text, dialect, p)
    try:
        df = pd.read_csv(
            io.StringIO(text),
            sep=dialect.sep,
            decimal=dialect.decimal,
            dtype={c: str for c in str_cols},
            skipinitialspace=True,
        )
    except (pd.errors.ParserError, csv.Error, ValueError) as exc:
        raise InputFileError(
            f"Cannot parse the CSV file ({dialect.encoding}, separator {dialect.sep!r}): {exc}",
            file=p,
            fix="Check that every row has as many fields as the header line.",
        ) from None
    df.columns = [str(c).strip() for c in df.columns]
    _swedish_numbers(df, dialect, skip=set(str_cols))
    df.attrs["csv_dialect"] = dialect
    if len(lines) != len(df):  # a quoted field over several lines: count rows instead
        lines = np.arange(2, len(df) + 2, dtype=np.int64)
    return df, lines
