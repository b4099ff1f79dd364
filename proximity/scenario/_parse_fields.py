"""Private: reading typed values out of a scenario TOML table, with errors that point at a line.

Used by :mod:`proximity.scenario.parse` and :mod:`proximity.scenario._parse_sections`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TypeVar

from proximity.errors import ScenarioError, did_you_mean

#: A raw TOML value.
Raw = object
T = TypeVar("T")


class ParseContext:
    """The file being read: its path and text (to point errors at a line), and its key renames.

    Parameters
    ----------
    path
        The scenario file.
    text
        Its text.
    renamed
        Section (``""`` for the top level) → old key → its new name
        (:data:`proximity.scenario.parse.RENAMED_KEYS`).
    """

    def __init__(
        self, path: Path, text: str, renamed: Mapping[str, Mapping[str, str]] | None = None
    ) -> None:
        self.path = path
        self.lines = text.splitlines()
        self.renamed = renamed or {}

    def renamed_to(self, key: str, section: str) -> str | None:
        """The new name of ``key`` if it was renamed in ``section`` (``interventions[i]`` too)."""
        table = self.renamed.get(re.sub(r"\[\d+\]$", "", section), {})
        return table.get(key)

    # -- locating keys ---------------------------------------------------------------------
    def _array_table_start(self, name: str, idx: int) -> int:
        hits = [
            i
            for i, ln in enumerate(self.lines)
            if re.match(rf"\s*\[\[\s*{re.escape(name)}\s*\]\]", ln)
        ]
        if idx < len(hits):
            return hits[idx]
        # inline array of tables: interventions = [{...}, {...}] – best effort
        for i, ln in enumerate(self.lines):
            if re.match(rf"\s*{re.escape(name)}\s*=", ln):
                return i
        return 0

    def _section_start(self, section: str) -> int:
        if not section:
            return 0
        m = re.fullmatch(r"(\w+)\[(\d+)\]", section)
        if m:
            return self._array_table_start(m.group(1), int(m.group(2)))
        for i, ln in enumerate(self.lines):
            if re.match(rf"\s*\[\s*{re.escape(section)}\s*\]", ln) or re.match(
                rf"\s*{re.escape(section)}\s*=", ln
            ):
                return i
        return 0

    def line_of(self, key: str | None, section: str = "") -> int | None:
        """1-based line of ``key`` inside ``section`` (best effort; None if not found)."""
        start = self._section_start(section)
        if key is None:
            return start + 1 if section else None
        pat = re.compile(rf"(^|[\s{{,]){re.escape(key)}\s*=|(^|[\s{{,])\"{re.escape(key)}\"\s*=")
        for i in range(start, len(self.lines)):
            ln = self.lines[i]
            if i > start and re.match(r"\s*\[", ln) and section:
                break  # next table header
            if pat.search(ln.split("#", 1)[0]):
                return i + 1
        return start + 1 if section else None

    def error(
        self, message: str, *, key: str | None = None, section: str = "", fix: str | None = None
    ) -> ScenarioError:
        """A :class:`ScenarioError` naming the file, the line and the key."""
        line = self.line_of(key, section)
        where = f"{section}.{key}" if section and key else (key or section or None)
        row = None
        if line is not None and where:
            row = f"line {line}, key '{where}'"
        elif line is not None:
            row = f"line {line}"
        elif where:
            row = f"key '{where}'"
        return ScenarioError(message, file=self.path, row=row, fix=fix)


def check_keys(
    ctx: ParseContext, d: Mapping[str, Raw], allowed: Sequence[str], section: str
) -> None:
    """Raise on the first key of ``d`` not in ``allowed``: its new name, or a close match."""
    for key in d:
        if key in allowed:
            continue
        table = f"[{section}]" if section else "the top level"
        new = ctx.renamed_to(key, section)
        if new is not None:
            raise ctx.error(
                f"Unknown key '{key}' in {table}: it was renamed to '{new}'.",
                key=key,
                section=section,
                fix=f"Did you mean '{new}'? Rename {key} to {new} (same value).",
            )
        hint = did_you_mean(key, allowed)
        fix = (f"Did you mean '{hint}'? " if hint else "") + (
            f"Allowed keys in {table}: {', '.join(allowed)}."
        )
        raise ctx.error(f"Unknown key '{key}' in {table}.", key=key, section=section, fix=fix)


def type_name(v: Raw) -> str:
    """``"a string"``, ``"an integer"``, … for error messages."""
    return {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "a table",
    }.get(type(v), type(v).__name__)


def get_str(
    ctx: ParseContext,
    d: Mapping[str, Raw],
    key: str,
    section: str,
    default: T = None,
    *,
    required: bool = False,
    choices: Sequence[str] | None = None,
) -> str | T:
    """``d[key]`` as a non-empty string (one of ``choices``), else ``default``."""
    if key not in d:
        if required:
            raise ctx.error(
                f"Missing required key '{key}'.",
                key=None,
                section=section,
                fix=f'Add `{key} = "..."`' + (f" in [{section}]." if section else "."),
            )
        return default
    v = d[key]
    if not isinstance(v, str) or not v.strip():
        raise ctx.error(
            f"'{key}' must be a non-empty string, got {type_name(v)} {v!r}.",
            key=key,
            section=section,
            fix=f'Write it in quotes: {key} = "...".',
        )
    if choices is not None and v not in choices:
        hint = did_you_mean(v, choices)
        raise ctx.error(
            f"'{key}' = {v!r} is not one of {', '.join(map(repr, choices))}.",
            key=key,
            section=section,
            fix=(f"Did you mean {hint!r}? " if hint else "") + f"Use one of: {', '.join(choices)}.",
        )
    return v


def require_str(
    ctx: ParseContext,
    d: Mapping[str, Raw],
    key: str,
    section: str,
    *,
    choices: Sequence[str] | None = None,
) -> str:
    """``d[key]`` as a non-empty string; a missing key is an error."""
    v = get_str(ctx, d, key, section, required=True, choices=choices)
    assert v is not None
    return v


def _check_range(
    ctx: ParseContext,
    key: str,
    section: str,
    v: float,
    *,
    positive: bool,
    lo: float | None,
    hi: float | None,
) -> None:
    if positive and v <= 0:
        raise ctx.error(
            f"'{key}' must be > 0, got {v!r}.",
            key=key,
            section=section,
            fix="Use a positive value.",
        )
    if (lo is not None and v < lo) or (hi is not None and v > hi):
        if lo is None:
            what, fix = f"must be at most {hi:g}", f"Use a value up to {hi:g}."
        elif hi is None:
            what, fix = f"must be at least {lo:g}", f"Use a value of {lo:g} or more."
        else:
            what, fix = f"is outside [{lo}, {hi}]", f"Use a value between {lo} and {hi}."
        raise ctx.error(f"'{key}' = {v!r} {what}.", key=key, section=section, fix=fix)


def get_num(
    ctx: ParseContext,
    d: Mapping[str, Raw],
    key: str,
    section: str,
    default: T = None,
    *,
    positive: bool = False,
    integer: bool = False,
    lo: float | None = None,
    hi: float | None = None,
) -> int | float | T:
    """``d[key]`` as a finite number (an integer with ``integer``), checked; else ``default``."""
    if key not in d:
        return default
    v = d[key]
    ok = isinstance(v, int) if integer else isinstance(v, int | float)
    if isinstance(v, bool) or not ok or (isinstance(v, float) and not math.isfinite(v)):
        want = "an integer" if integer else "a number"
        raise ctx.error(
            f"'{key}' must be {want}, got {type_name(v)} {v!r}.",
            key=key,
            section=section,
            fix=f"Write it without quotes, e.g. {key} = {'5' if integer else '1.2'}.",
        )
    assert isinstance(v, int | float)
    _check_range(ctx, key, section, v, positive=positive, lo=lo, hi=hi)
    return v


def get_bool(
    ctx: ParseContext, d: Mapping[str, Raw], key: str, section: str, default: bool
) -> bool:
    """``d[key]`` as a boolean, else ``default``."""
    if key not in d:
        return default
    v = d[key]
    if not isinstance(v, bool):
        raise ctx.error(
            f"'{key}' must be true or false, got {type_name(v)} {v!r}.",
            key=key,
            section=section,
            fix=f"Write {key} = true or {key} = false (no quotes).",
        )
    return v


def _check_item(
    ctx: ParseContext, x: Raw, key: str, section: str, *, kind: type, positive: bool
) -> None:
    good = (
        (isinstance(x, int | float) and not isinstance(x, bool))
        if kind is float
        else isinstance(x, str) and x.strip() != ""
    )
    if not good:
        raise ctx.error(
            f"'{key}' holds {type_name(x)} {x!r}; every item must be "
            f"{'a number' if kind is float else 'a non-empty string'}.",
            key=key,
            section=section,
            fix="Fix or remove that item.",
        )
    if kind is float:
        assert isinstance(x, int | float)
        if not math.isfinite(x) or (positive and x <= 0):
            raise ctx.error(
                f"'{key}' holds {x!r}; every item must be a finite number > 0.",
                key=key,
                section=section,
                fix="Use thresholds in minutes, e.g. 10.",
            )


def get_list(
    ctx: ParseContext,
    d: Mapping[str, Raw],
    key: str,
    section: str,
    kind: type,
    *,
    positive: bool = False,
) -> tuple[Raw, ...] | None:
    """``d[key]`` as a non-empty tuple of unique ``kind`` items (``str`` or ``float``).

    A single item is taken as a list of one. None when the key is absent.
    """
    if key not in d:
        return None
    v = d[key]
    if isinstance(v, kind) and not isinstance(v, bool):
        v = [v]
    if not isinstance(v, list) or not v:
        raise ctx.error(
            f"'{key}' must be a non-empty list, got {type_name(v)} {v!r}.",
            key=key,
            section=section,
            fix=f"Write e.g. {key} = {'[5, 10, 15]' if kind is not str else '[...]'}.",
        )
    for x in v:
        _check_item(ctx, x, key, section, kind=kind, positive=positive)
    if len(set(v)) != len(v):
        dup = next(x for x in v if v.count(x) > 1)
        raise ctx.error(
            f"'{key}' lists {dup!r} twice.", key=key, section=section, fix="Remove the duplicate."
        )
    return tuple(v)


def get_strs(
    ctx: ParseContext, d: Mapping[str, Raw], key: str, section: str
) -> tuple[str, ...] | None:
    """``d[key]`` as a non-empty tuple of unique non-empty strings (None when absent)."""
    v = get_list(ctx, d, key, section, str)
    return None if v is None else tuple(str(x) for x in v)


def resolve_path(base: Path, value: str) -> Path:
    """``value`` (``~`` expanded) relative to ``base`` unless absolute."""
    p = Path(value).expanduser()
    return p if p.is_absolute() else (base / p)
