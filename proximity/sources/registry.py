"""``load_city``: build a :class:`City` from a city TOML (``data/<name>/city.toml``).

A city TOML names the files of a city and how to read them; paths are relative to the TOML.
Two kinds exist:

- ``builder = "files"`` (default): areas, sub-areas, demand, unlocated, services, area
  statistics from files (see ``data/helsingborg/city.toml`` and ``docs/notes/data.md``);
- ``builder = "osm_pbf"``: everything from one OSM extract (see ``data/helsinki-demo/city.toml``).

The TOML is read by :mod:`proximity.sources.city_toml` (syntax, ``schema = 1``, renamed keys);
the two builders are :mod:`proximity.sources.files_city` and :mod:`proximity.sources.osm_city`.

Built-in names (``"helsingborg"``, ``"helsinki-demo"``) are looked up in the repository's
``data/`` folder, found relative to this package (an editable install, ``pip install -e .``, is
assumed, as in the README) or in ``$PROXIMITY_DATA_DIR``.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import os
from pathlib import Path

import pandas as pd

from proximity.errors import InputFileError, ParameterError, SchemaError
from proximity.sources.categories import suggest_category
from proximity.sources.city import City
from proximity.sources.city_toml import read_city_toml
from proximity.sources.files_city import city_from_files_config

BUILTIN_CITIES = ("helsingborg", "helsinki-demo")
_CACHE: dict[tuple[str, float], City] = {}


def data_dir() -> Path:
    """The folder holding the built-in city folders (``$PROXIMITY_DATA_DIR`` or ``<repo>/data``)."""
    env = os.environ.get("PROXIMITY_DATA_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "data"


def builtin_cities() -> list[str]:
    """Names of the built-in cities: :data:`BUILTIN_CITIES` and every ``data/*/city.toml``."""
    names = set(BUILTIN_CITIES)
    with contextlib.suppress(OSError):
        names |= {d.name for d in data_dir().glob("*") if (d / "city.toml").exists()}
    return sorted(names)


def city_config_path(name_or_path: str | os.PathLike[str]) -> Path:
    """Resolve a built-in city name, a city folder or a TOML path to the TOML file."""
    s = str(name_or_path)
    p = Path(s)
    if s in BUILTIN_CITIES or (not p.suffix and not p.exists() and "/" not in s):
        cand = data_dir() / s / "city.toml"
        if cand.exists():
            return cand
        known = sorted(d.name for d in data_dir().glob("*") if (d / "city.toml").exists())
        sug = suggest_category(s, known) if known else None
        raise ParameterError(
            f"Unknown city {s!r}." + (f" Did you mean {sug!r}?" if sug else ""),
            file=cand,
            fix=f"Use one of {', '.join(known) or BUILTIN_CITIES} or a path to a city.toml "
            "(data/ is found next to the package: install with pip install -e .).",
        )
    if p.is_dir():
        p = p / "city.toml"
    if not p.exists():
        raise InputFileError(
            "City configuration not found.",
            file=p,
            fix="Give a path to a city.toml or a built-in city name.",
        )
    return p


def load_city(name_or_path: str | os.PathLike[str], *, cache: bool = True) -> City:
    """Load a city: ``"helsingborg"``, ``"helsinki-demo"`` or a path to a ``city.toml``.

    Parameters
    ----------
    name_or_path
        Built-in name, city folder or TOML path.
    cache
        Re-use an already loaded city in this process (a deep copy is returned, so callers may
        modify it freely).

    Returns
    -------
    City

    Raises
    ------
    ParameterError, InputFileError, SchemaError, GeometryError, CRSError
    """
    path = city_config_path(name_or_path)
    # the key changes when the TOML or any file next to it changes (e.g. after build.py)
    stamp = max(f.stat().st_mtime for f in path.parent.iterdir() if f.is_file())
    key = (str(path.resolve()), stamp)
    if cache and key in _CACHE:
        return _copy_city(_CACHE[key])
    cfg = read_city_toml(path)
    builder = cfg.get("builder", "files")
    if builder == "files":
        city = city_from_files_config(cfg, path)
    elif builder == "osm_pbf":
        from proximity.sources.osm_city import city_from_pbf_config

        city = city_from_pbf_config(cfg, path)
    else:
        raise SchemaError(
            f"Unknown builder {builder!r}.", file=path, fix="Use builder = 'files' or 'osm_pbf'."
        )
    if cache:
        _CACHE[key] = city
        return _copy_city(city)
    return city


def _copy_city(c: City) -> City:
    fields = {}
    for f in dataclasses.fields(c):
        v = getattr(c, f.name)
        fields[f.name] = v.copy() if isinstance(v, pd.DataFrame) else copy.deepcopy(v)
    return City(**fields)
