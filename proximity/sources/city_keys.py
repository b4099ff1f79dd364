"""The keys a city TOML may hold, per builder and section, and the check that refuses others.

A key that no reader reads would be silently ignored (a typo such as ``idcol`` or
``[servics_unlocated]`` drops data), so :func:`check_keys` refuses every unknown section and
key with a "did you mean", naming the file, the line and the key (``section.key``), as scenario
files do. It also checks each value's type (``path = 5``, ``where = "kind"``), the choices of
the few keys that have them (``outside``, ``method``, ``[network] kind``, ``builder``) and the
range of numbers (``grid_size_m > 0``).

The tables ``[provenance]``, ``[boundary] where = {...}`` and ``[services.category_map]`` are
free-form: their keys are the user's own (column names, category labels, notes).
``[categories.<id>]`` (declared categories: ``label_sv``, ``icon``) is checked by
:func:`proximity.sources.categories.parse_declared`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from proximity.errors import SchemaError, did_you_mean


@dataclass(frozen=True)
class Key:
    """What a key's value must be: its types, a name for messages, choices, a lower bound."""

    types: tuple[type, ...]
    label: str
    choices: tuple[str, ...] = ()
    above: float | None = None  # numbers must be > this
    at_least: float | None = None  # numbers must be >= this
    at_most: float | None = None
    values: tuple[type, ...] = ()  # a table's values must be of these types
    example: str = '"..."'


TEXT = Key((str,), "a text in quotes")
CRS_KEY = Key((str,), "a CRS in quotes", example='"EPSG:3006"')
WHERE = Key((dict,), "a table", values=(str, int, float, bool), example='{ kind = "study_area" }')
CATEGORY_MAP = Key((dict,), "a table", values=(str,), example='{ "Bibliotek" = "library" }')
BOOL = Key((bool,), "true or false", example="true")
YEAR = Key((int,), "a year (a whole number)", at_least=1000, at_most=3000, example="2024")
CODE = Key((str, int), "a four-digit code in quotes", example='"1283"')
OUTSIDE = Key((str,), "a text in quotes", choices=("error", "drop", "keep"))
NETWORK = {
    "kind": Key((str,), "a text in quotes", choices=("pbf", "npz", "place")),
    "path": TEXT,
    "query": TEXT,
}

#: Loader options each section of a ``files`` city may give (passed on when present).
AREAS_OPTIONS = ("id_col", "name_col", "crs", "layer", "repair")
SUBAREAS_OPTIONS = ("id_col", "name_col", "area_col", "crs", "layer")
DEMAND_OPTIONS = (
    "id_col",
    "population_col",
    "area_col",
    "year_col",
    "crs",
    "layer",
    "outside",
    "year",
)
SERVICES_OPTIONS = (
    "id_col",
    "name_col",
    "category_col",
    "crs",
    "layer",
    "outside",
    "outside_tolerance_m",
)
_SPECIAL = {
    "crs": CRS_KEY,
    "repair": BOOL,
    "year": YEAR,
    "outside": OUTSIDE,
    "outside_tolerance_m": Key((int, float), "a number of metres", at_least=0, example="25"),
}


def _options(*names: str) -> dict[str, Key]:
    return {"path": TEXT, **{n: _SPECIAL.get(n, TEXT) for n in names}}


#: Top-level keys (not sections) of both builders.
TOP_KEYS: dict[str, Key] = {
    "schema": Key((int,), "a whole number", example="1"),
    "name": TEXT,
    "crs": CRS_KEY,
    "kind": TEXT,  # its values are checked by city.kind_from_config
    "kommun_code": CODE,
    "kommun": CODE,
    "builder": TEXT,  # its values are checked by registry.load_city
}

#: Sections of a ``builder = "files"`` city and their keys (``None``: free-form).
FILES_SECTIONS: dict[str, dict[str, Key] | None] = {
    "boundary": {"path": TEXT, "crs": CRS_KEY, "layer": TEXT, "where": WHERE, "repair": BOOL},
    "areas": _options(*AREAS_OPTIONS),
    "subareas": _options(*SUBAREAS_OPTIONS),
    "demand": {
        **_options(*DEMAND_OPTIONS),
        "group_cols": Key((list,), "a list of column names", example='["men", "women"]'),
    },
    "unlocated": _options(),
    "services": {**_options(*SERVICES_OPTIONS), "category_map": CATEGORY_MAP, "allow_empty": BOOL},
    "services_unlocated": _options(),
    "nonprofits": _options("crs", "layer"),
    "area_stats": _options(),
    "network": NETWORK,
    "provenance": None,
    "categories": None,  # [categories.<id>]: checked by categories.parse_declared
}

#: Sections of a ``builder = "osm_pbf"`` city and their keys (``None``: free-form).
OSM_SECTIONS: dict[str, dict[str, Key] | None] = {
    "osm": {"pbf": TEXT},
    "boundary": {"bbox": Key((list,), "a list", example="[min_lon, min_lat, max_lon, max_lat]")},
    "areas": {
        "method": Key((str,), "a text in quotes", choices=("auto", "admin", "grid")),
        "admin_level": Key((str, int), "an OSM admin_level", example='"10"'),
        "min_admin_cover": Key((int, float), "a share", at_least=0, at_most=1, example="0.95"),
        "grid_size_m": Key((int, float), "a number of metres", above=0, example="500"),
    },
    "demand": {
        "include_untyped": BOOL,
        "default_levels": Key(
            (str, int, float), '"median" or a number', ("median",), above=0, example='"median"'
        ),
    },
    "network": NETWORK,
    "provenance": None,
}

#: Sections each builder requires.
REQUIRED_SECTIONS = {
    "files": ("boundary", "areas", "demand", "services"),
    "osm_pbf": ("osm",),
}
_SECTIONS = {"files": FILES_SECTIONS, "osm_pbf": OSM_SECTIONS}


class _Toml:
    """The file being checked: its path and lines, to name the line of a key."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.lines = path.read_bytes().decode("utf-8-sig").splitlines()
        except (OSError, UnicodeDecodeError):
            self.lines = []

    def line_of(self, section: str, key: str | None) -> int | None:
        """The line of ``[section]`` (``key`` None) or of ``key = ...`` in it (1-based)."""
        current = ""
        pattern = re.compile(rf"""^\s*["']?{re.escape(key)}["']?\s*=""") if key else None
        for n, line in enumerate(self.lines, start=1):
            head = re.match(r"^\s*\[\s*([^\[\]]+?)\s*\]", line)
            if head:
                current = head.group(1).replace('"', "").replace(" ", "")
                if key is None and current == section:
                    return n
            elif pattern is not None and current == section and pattern.match(line):
                return n
        return None

    def error(self, message: str, *, section: str, key: str | None, fix: str) -> SchemaError:
        """A :class:`SchemaError` naming the file, the line and ``section.key``."""
        line = self.line_of(section, key)
        name = f"[{section}]" if key is None else (f"{section}.{key}" if section else key)
        what = "section" if key is None else "key"
        row = f"{what} {name}" if line is None else f"line {line}, {what} {name}"
        return SchemaError(message, file=self.path, row=row, fix=fix)


def key_where(path: Path, section: str, key: str) -> str:
    """How messages name a key of the city TOML: ``"line 3, key crs"`` (``section.key``).

    Parameters
    ----------
    path : Path
        The city TOML.
    section : str
        The section (``""`` for the top level).
    key : str
        The key.

    Returns
    -------
    str
    """
    line = _Toml(path).line_of(section, key)
    name = f"{section}.{key}" if section else key
    return f"key {name}" if line is None else f"line {line}, key {name}"


def key_error(path: Path, message: str, *, section: str, key: str | None, fix: str) -> SchemaError:
    """A :class:`SchemaError` naming ``path``, the line and ``section.key`` (or ``[section]``).

    Parameters
    ----------
    path : Path
        The city TOML.
    message, fix : str
        What is wrong and what to do.
    section : str
        The section (``""`` for the top level).
    key : str, optional
        The key; None names the section itself.

    Returns
    -------
    SchemaError
    """
    return _Toml(path).error(message, section=section, key=key, fix=fix)


def check_keys(cfg: Mapping[str, Any], path: Path) -> None:
    """Refuse unknown sections and keys, values of the wrong type, choice or range.

    Parameters
    ----------
    cfg : dict
        The parsed city TOML (``schema`` and renamed keys already checked).
    path : Path
        The file, for messages.

    Raises
    ------
    SchemaError
        Naming the file, the line, the key (``section.key``) and the fix (with a "did you
        mean" for an unknown name).
    """
    toml = _Toml(path)
    builder = cfg.get("builder", "files")
    if builder not in _SECTIONS:
        return  # load_city names the known builders
    sections = _SECTIONS[builder]
    for name, value in cfg.items():
        if name in TOP_KEYS:
            _check_value(toml, "", name, value, TOP_KEYS[name])
        elif name in sections:
            _check_section(toml, name, value, sections[name])
        else:
            raise _unknown_top(toml, cfg, name, value, builder)


def _unknown_top(
    toml: _Toml, cfg: Mapping[str, Any], name: str, value: Any, builder: str
) -> SchemaError:
    sections = _SECTIONS[builder]
    other = "osm_pbf" if builder == "files" else "files"
    if isinstance(value, dict):
        hint = did_you_mean(name, list(sections))
        if name in _SECTIONS[other]:
            fix = f'[{name}] is read only by builder = "{other}"; remove it, or set the builder.'
        else:
            fix = (f"Did you mean [{hint}]? " if hint else "") + (
                f"Sections of a {builder!r} city: {', '.join(f'[{s}]' for s in sections)}."
            )
        if hint is not None and hint not in cfg and hint in REQUIRED_SECTIONS[builder]:
            message = f"City TOML has no [{hint}] section but an unknown section [{name}]."
        else:
            message = f"Unknown section [{name}] in the city TOML (it would be ignored)."
        return toml.error(message, section=name, key=None, fix=fix)
    hint = did_you_mean(name, [*TOP_KEYS, *sections])
    fix = (f"Did you mean {hint!r}? " if hint else "") + (
        f"Top-level keys: {', '.join(TOP_KEYS)}; sections: {', '.join(f'[{s}]' for s in sections)}."
    )
    return toml.error(
        f"Unknown key {name!r} at the top of the city TOML (it would be ignored).",
        section="",
        key=name,
        fix=fix,
    )


def _check_section(toml: _Toml, name: str, value: Any, keys: dict[str, Key] | None) -> None:
    if not isinstance(value, dict):
        kind = "an array of tables [[...]]" if isinstance(value, list) else "a plain value"
        raise toml.error(
            f"{name!r} is {kind}, but it must be one section [{name}].",
            section="",
            key=name,
            fix=f'Write it as a section:\n    [{name}]\n    path = "..."',
        )
    if keys is None:
        return
    for key, v in value.items():
        if key not in keys:
            hint = did_you_mean(key, list(keys))
            raise toml.error(
                f"Unknown key {key!r} in [{name}] (it would be ignored).",
                section=name,
                key=key,
                fix=(f"Did you mean {hint!r}? " if hint else "")
                + f"Keys of [{name}]: {', '.join(keys)}.",
            )
        _check_value(toml, name, key, v, keys[key])


def _check_value(toml: _Toml, section: str, key: str, v: Any, spec: Key) -> None:
    where = f"{section}.{key}" if section else key
    ok_type = isinstance(v, spec.types) and not (isinstance(v, bool) and bool not in spec.types)
    if not ok_type:
        raise toml.error(
            f"{where} must be {spec.label}, not {_type_name(v)}.",
            section=section,
            key=key,
            fix=f"Write {key} = {_example(spec)} ({spec.label}).",
        )
    for k, item in v.items() if spec.values else ():
        if not isinstance(item, spec.values) or isinstance(item, dict):
            raise toml.error(
                f"{where}.{k} must be {' or '.join(_TYPE_WORDS[t] for t in spec.values)}, not "
                f"{_type_name(item)}.",
                section=section,
                key=key,
                fix=f"Write {key} = {spec.example}.",
            )
    if spec is CRS_KEY:
        _check_crs(toml, section, key, v)
    if isinstance(v, str) and spec.choices and v not in spec.choices:
        hint = did_you_mean(v, list(spec.choices))
        raise toml.error(
            f"{where} = {v!r} is not one of: {', '.join(spec.choices)}.",
            section=section,
            key=key,
            fix=(f"Did you mean {hint!r}? " if hint else "")
            + f"Use one of: {', '.join(spec.choices)}.",
        )
    if isinstance(v, (int, float)) and not isinstance(v, bool) and not _in_range(v, spec):
        raise toml.error(
            f"{where} = {v!r} is out of range ({_range_text(spec)}).",
            section=section,
            key=key,
            fix=f"Give {key} a value {_range_text(spec)}.",
        )


def _check_crs(toml: _Toml, section: str, key: str, v: str) -> None:
    import pyproj

    try:
        pyproj.CRS.from_user_input(v)
    except pyproj.exceptions.CRSError as exc:
        where = f"{section}.{key}" if section else key
        raise toml.error(
            f"{where} = {v!r} is not a CRS pyproj knows: {exc}",
            section=section,
            key=key,
            fix='Write an EPSG code in quotes, e.g. "EPSG:3006" (SWEREF 99 TM) or "EPSG:4326" '
            "(WGS 84 longitude/latitude, for a file's own coordinates).",
        ) from None


_TYPE_WORDS = {str: "a text", int: "a whole number", float: "a number", bool: "true/false"}


def _in_range(v: float, spec: Key) -> bool:
    return (
        v == v  # not NaN
        and (spec.above is None or v > spec.above)
        and (spec.at_least is None or v >= spec.at_least)
        and (spec.at_most is None or v <= spec.at_most)
    )


def _range_text(spec: Key) -> str:
    parts = []
    if spec.above is not None:
        parts.append(f"> {spec.above:g}")
    if spec.at_least is not None:
        parts.append(f">= {spec.at_least:g}")
    if spec.at_most is not None:
        parts.append(f"<= {spec.at_most:g}")
    return " and ".join(parts) or "a finite number"


def _type_name(v: Any) -> str:
    if isinstance(v, bool):
        return f"the boolean {str(v).lower()}"
    if isinstance(v, int):
        return f"the whole number {v}"
    if isinstance(v, float):
        return f"the number {v!r}"
    if isinstance(v, str):
        return f"the text {v!r}"
    if isinstance(v, dict):
        return "a table"
    if isinstance(v, list):
        return "a list"
    return type(v).__name__


def _example(spec: Key) -> str:
    return f'"{spec.choices[0]}"' if spec.choices and spec.types == (str,) else spec.example
