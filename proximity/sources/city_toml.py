"""Reading a city TOML (``data/<name>/city.toml``): syntax, schema version, renamed keys.

A city TOML may say which version of the format it is written in::

    schema = 1

at the top level. A file without ``schema`` is read as schema 1 (the files written before the
key existed); any other value is refused with a message naming the file and the fix. A key
that was renamed is refused with a message naming its new name (:data:`RENAMED_KEYS`), and
any other unknown section or key is refused with a "did you mean"
(:mod:`proximity.sources.city_keys`), so an old or hand-written file fails loudly instead of
having the key silently ignored.

The rest of the format (sections, keys, paths relative to the TOML) is described in
:mod:`proximity.sources.registry` and ``docs/notes/data.md``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from proximity._toml import read_toml
from proximity.errors import SchemaError
from proximity.sources.city_keys import check_keys, key_error

#: The city TOML format this version of proximity reads and writes.
SCHEMA_VERSION = 1

#: Keys with a new name, ``old -> new``, checked in every ``[section]`` except
#: ``[provenance]`` (free-form). The loaders' options were always ``*_col``; the long spellings
#: are refused with the right name instead of being ignored. (The one historical rename,
#: top-level ``kommun`` -> ``kommun_code``, is still accepted as an alias and is not here.)
RENAMED_KEYS: dict[str, str] = {
    "id_column": "id_col",
    "name_column": "name_col",
    "area_column": "area_col",
    "population_column": "population_col",
    "year_column": "year_col",
    "category_column": "category_col",
}

#: Sections whose keys are free-form (not checked against :data:`RENAMED_KEYS`).
FREE_FORM_SECTIONS = frozenset({"provenance"})


def read_city_toml(path: Path) -> dict[str, Any]:
    """Parse a city TOML and check its schema version, key names and value types.

    A UTF-8 byte order mark (as Windows editors write) is accepted.

    Parameters
    ----------
    path : Path
        The ``city.toml``.

    Returns
    -------
    dict
        The parsed TOML.

    Raises
    ------
    SchemaError
        Malformed TOML (with line and column), an unsupported ``schema``, a renamed key, an
        unknown section or key (:func:`~proximity.sources.city_keys.check_keys`), or a value
        of the wrong type.
    InputFileError
        The file cannot be read or is not UTF-8.
    """
    cfg = read_toml(
        path, error=SchemaError, fix="Fix the TOML syntax there (see data/helsingborg/city.toml)."
    )
    check_schema(cfg, path)
    check_renamed_keys(cfg, path)
    check_keys(cfg, path)
    return cfg


def check_schema(cfg: dict[str, Any], path: Path) -> int:
    """The file's ``schema`` (1 when absent); raise on any other value.

    Parameters
    ----------
    cfg : dict
        The parsed TOML.
    path : Path
        The file, for the message.

    Returns
    -------
    int
        :data:`SCHEMA_VERSION`.

    Raises
    ------
    SchemaError
        ``schema`` is not the whole number :data:`SCHEMA_VERSION`.
    """
    schema = cfg.get("schema", SCHEMA_VERSION)
    if type(schema) is not int or schema != SCHEMA_VERSION:
        raise SchemaError(
            f"Unsupported city TOML schema {schema!r}: this version of proximity reads "
            f"schema = {SCHEMA_VERSION}.",
            file=path,
            fix=f"Write schema = {SCHEMA_VERSION} (a whole number, no quotes) at the top of the "
            "file and use the keys of data/helsingborg/city.toml, or update proximity if the "
            "file was written for a newer version.",
        )
    return schema


def check_renamed_keys(cfg: dict[str, Any], path: Path) -> None:
    """Raise :class:`SchemaError` on the first key of :data:`RENAMED_KEYS` in a section.

    Parameters
    ----------
    cfg : dict
        The parsed TOML.
    path : Path
        The file, for the message.
    """
    for name, sec in cfg.items():
        if not isinstance(sec, dict) or name in FREE_FORM_SECTIONS:
            continue
        for key in sec:
            new = RENAMED_KEYS.get(key)
            if new is not None:
                raise key_error(
                    path,
                    f"Key {key!r} in [{name}] was renamed to {new!r}.",
                    section=name,
                    key=key,
                    fix=f"Write {new} = ... instead of {key} = ... in [{name}].",
                )


def section(cfg: dict[str, Any], key: str, path: Path, *, required: bool = True) -> dict[str, Any]:
    """The ``[key]`` section (a copy), which must have a ``path``; ``{}`` if absent and optional.

    Parameters
    ----------
    cfg : dict
        The parsed TOML.
    key : str
        The section's name, e.g. ``"areas"``.
    path : Path
        The TOML file, for messages.
    required : bool
        Raise when the section is absent.

    Returns
    -------
    dict

    Raises
    ------
    SchemaError
        A required section is absent, or a section has no ``path``.
    """
    sec = cfg.get(key)
    if sec is None:
        if required:
            raise SchemaError(
                f"City TOML has no [{key}] section.",
                file=path,
                fix=f"Add a [{key}] section with at least path = '...'.",
            )
        return {}
    if "path" not in sec:
        raise key_error(
            path,
            f"[{key}] has no 'path'.",
            section=key,
            key=None,
            fix=f"Add path = '...' to [{key}].",
        )
    return dict(sec)


def resolve_path(toml: Path, rel: str) -> Path:
    """``rel`` as written in the TOML: absolute, or relative to the TOML's folder.

    Parameters
    ----------
    toml : Path
        The TOML file.
    rel : str
        A path from it.

    Returns
    -------
    Path
    """
    p = Path(rel)
    return p if p.is_absolute() else (toml.parent / p)
