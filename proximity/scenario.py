"""Scenarios: one typed, validated object per TOML file, and the pipeline that runs it.

A scenario names the city (or its input files), the walking network and its fallback policy,
the categories, thresholds and walking profiles, a list of interventions (add or close a
service, change a walking speed, split an area into its stadsdelar), an optional siting
request and the outputs. :func:`load_scenario` reads and checks a file; :func:`run` executes

    city → interventions → network → coverage → equity → siting → coverage with the new sites
    → tables, maps and report

into a staging folder next to the output folder and renames it into place only at the end, so
an interrupted run (Ctrl-C, crash) never leaves half-written outputs.

TOML layout (every key is optional except ``name`` and ``city``)::

    name = "helsingborg-motion"           # slug: folder name of the outputs
    title = "Motionen: nya stadsdelskontor"
    city = "helsingborg"                   # a built-in city or a path to a city TOML
    categories = ["district_office", "library"]   # default: every category of the city
    thresholds_min = [5, 10, 15, 20]
    profiles = ["adult", "elderly", "winter"]
    baseline = "helsingborg-baseline.toml" # optional: deltas against another scenario

    [network]
    source = "auto"        # "auto" | "required" | "crowfly" | a file (.osm/.osm.pbf/.npz)
                           # | "place:<name>"
    fallback = "crowfly"   # what "auto" does when no network can be had: "crowfly" | "error"

    [[interventions]]
    type = "split_area"
    area_id = "..."

    [siting]
    model = "mclp"         # "mclp" | "p_median"
    k = 5
    threshold_min = 10
    category = "district_office"
    one_per_area = true
    candidates = "services:library,meeting_place"   # | "grid:500" | a file

    [outputs]
    dir = "out/helsingborg-motion"   # relative to the current folder
    maps_dir = "maps"                # also publish the maps to maps/<name>/ (current folder)
    area_profiles = ["B022"]         # omrade_<id>.md/.html: area or subarea (stadsdel) ids

Relative file paths inside a scenario (``city``, network files, candidate files, ``baseline``)
are resolved against the scenario file's folder; the output folder and ``maps_dir`` against
the current folder (like ``--out``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import difflib
import json
import math
import os
import re
import shutil
import socket
import sys
import tempfile
import threading
import time
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from proximity import config
from proximity._io import file_sha256, today_iso, write_json_atomic, write_text_atomic
from proximity.coverage import COUNT_COLUMNS
from proximity.errors import (
    NetworkError,
    OfflineError,
    OutputError,
    ProximityError,
    ScenarioError,
)
from proximity.sources.city import is_municipality

__all__ = [
    "CROWFLY_BANNER",
    "AddService",
    "CloseService",
    "CompareResult",
    "Intervention",
    "NetworkSpec",
    "OutputSpec",
    "RunResult",
    "Scenario",
    "SetSpeed",
    "SitingSpec",
    "SplitArea",
    "apply_interventions",
    "areas_table",
    "candidate_table",
    "canonical_table",
    "categories_table",
    "check_against_city",
    "compare",
    "compare_tables",
    "compute",
    "is_municipality",
    "load_scenario",
    "map_isochrones",
    "map_settings",
    "network_cache_path",
    "overpass_reachable",
    "read_run_tables",
    "resolve_network",
    "run",
    "total_area_label",
    "write_table",
]

#: Built-in city names accepted by ``city = "..."`` (anything else is a path).
BUILTIN_CITIES = ("helsingborg", "helsinki-demo")
#: Default walking profiles and thresholds (as in :func:`proximity.coverage.compute_access`).
DEFAULT_PROFILES = ("adult", "elderly", "winter")
DEFAULT_THRESHOLDS_MIN = (5, 10, 15, 20)
#: Host probed before any Overpass download, so that an offline machine fails fast.
OVERPASS_HOST = "overpass-api.de"

NetworkSource = Literal["auto", "required", "crowfly", "file", "place"]

CROWFLY_BANNER = """
==========================================================================================
!! WARNING: NO WALKING NETWORK - CROW-FLY APPROXIMATION ({method})
!! Distances are straight lines x {factor} (a detour factor), not walks along streets.
!! Every table, map and report of this run is labelled distance_method = "{method}".
!! Why: {reason}
!! For real walking times: run `proximity network fetch "<place>"` once when online, or
!! point the scenario at a local OSM extract: [network] source = "extract.osm.pbf".
==========================================================================================
"""


# ============================================================================ the model
@dataclass(frozen=True)
class NetworkSpec:
    """Where the walking network comes from.

    Attributes
    ----------
    source
        ``"auto"``: the city's local extract if it has one, else the cache, else a download
        (osmnx/Overpass); if that fails, ``fallback``. ``"required"``: the same, but failing
        is an error. ``"crowfly"``: no network, straight lines × ``detour_factor``.
        ``"file"``: the local file ``path``. ``"place"``: download ``place`` (then as auto).
    fallback
        ``"crowfly"`` (default) or ``"error"``: what ``"auto"`` does when no network can be had.
    path
        The local ``.osm``/``.osm.bz2``/``.osm.pbf``/``.npz`` file when ``source == "file"``.
    place
        A place name for the online download (overrides the city's own query).
    buffer_m
        Buffer around the city boundary when clipping the network.
    probe_timeout_s
        How long to wait for Overpass before declaring the machine offline.
    """

    source: NetworkSource = "auto"
    fallback: Literal["crowfly", "error"] = "crowfly"
    path: Path | None = None
    place: str | None = None
    buffer_m: float = 500.0
    probe_timeout_s: float = 5.0


@dataclass(frozen=True)
class AddService:
    """Open a service: at ``x, y`` (metres, city CRS), ``lat, lon`` or a candidate id."""

    category: str
    name: str
    service_id: str | None = None
    x: float | None = None
    y: float | None = None
    lat: float | None = None
    lon: float | None = None
    candidate_id: str | None = None
    line: int | None = field(default=None, compare=False, repr=False)

    kind = "add_service"


@dataclass(frozen=True)
class CloseService:
    """Close (remove) an existing service by its id."""

    service_id: str
    line: int | None = field(default=None, compare=False, repr=False)

    kind = "close_service"


@dataclass(frozen=True)
class SetSpeed:
    """Change the walking speed of a profile (metres per second)."""

    profile: str
    speed_m_s: float
    line: int | None = field(default=None, compare=False, repr=False)

    kind = "set_speed"


@dataclass(frozen=True)
class SplitArea:
    """Replace an area by its subareas (stadsdelar), e.g. Planteringen out of Södra staden."""

    area_id: str
    line: int | None = field(default=None, compare=False, repr=False)

    kind = "split_area"


Intervention = AddService | CloseService | SetSpeed | SplitArea


@dataclass(frozen=True)
class SitingSpec:
    """The siting request: rank ``k`` new sites of ``category``.

    Attributes
    ----------
    model
        ``"mclp"`` (maximise people within ``threshold_min``) or ``"p_median"``.
    k
        Number of new sites.
    threshold_min
        Walking-time threshold T in minutes.
    profile
        Walking profile used for the siting.
    category
        Category of the new sites (existing services of it count as already open).
    one_per_area
        At most one new site per area (the motion's proximity principle).
    candidates
        ``"services:cat1,cat2"`` (existing places of those categories), ``"grid:SPACING_M"``
        or a path to a file of candidate points; None = the siting layer's default.
    solver
        Passed to :func:`proximity.siting.site` when given (e.g. ``"greedy"``, ``"highs"``).
    apply
        Add the chosen sites to the services and recompute coverage of ``category``, so that
        the scenario's tables show coverage *with* the new sites.
    """

    model: Literal["mclp", "p_median"] = "mclp"
    k: int = 5
    threshold_min: float = 10
    profile: str = "adult"
    category: str = "district_office"
    one_per_area: bool = False
    candidates: str | None = None
    candidates_path: Path | None = None
    solver: str | None = None
    apply: bool = True


@dataclass(frozen=True)
class OutputSpec:
    """What to write, and where.

    Attributes
    ----------
    dir
        Output folder (relative to the current folder); default ``out/<name>``.
    maps, report, tables
        Whether to write the HTML maps (into ``<dir>/maps/``), the report and the tables.
    map_categories
        Categories to draw a map of; default the siting category, else every category.
    map_threshold_min, map_profile
        Threshold and profile shown in the maps (default: the siting's, else 10 and adult).
    maps_dir
        A shared maps folder (relative to the current folder, like ``dir``), e.g. ``"maps"``:
        at the end of a successful run the map HTML files are also published, atomically, to
        ``<maps_dir>/<name>/`` (the previous maps of the scenario are replaced as a whole;
        nothing is published when the run fails). ``run(out_dir=...)`` / ``--out`` skip it
        unless ``maps_dir=`` / ``--maps-dir`` is given explicitly.
    area_profiles
        Area or subarea (stadsdel) ids to write an area profile of
        (:func:`proximity.report.area_profile`): ``omrade_<id>.md`` and ``.html`` in the
        output folder. A subarea id gets a profile computed at subarea level.
    """

    dir: str | None = None
    maps: bool = True
    report: bool = True
    tables: bool = True
    map_categories: tuple[str, ...] | None = None
    map_threshold_min: float | None = None
    map_profile: str | None = None
    maps_dir: str | None = None
    area_profiles: tuple[str, ...] = ()


@dataclass(frozen=True)
class Scenario:
    """A validated scenario (see the module docstring for the TOML layout)."""

    name: str
    city: str
    title: str = ""
    description: str = ""
    network: NetworkSpec = field(default_factory=NetworkSpec)
    categories: tuple[str, ...] | None = None
    thresholds_min: tuple[float, ...] = DEFAULT_THRESHOLDS_MIN
    profiles: tuple[str, ...] = DEFAULT_PROFILES
    max_snap_m: float = 300.0
    detour_factor: float = 1.3
    interventions: tuple[Intervention, ...] = ()
    siting: SitingSpec | None = None
    outputs: OutputSpec = field(default_factory=OutputSpec)
    baseline: Path | None = None
    path: Path | None = field(default=None, compare=False)

    @property
    def city_is_path(self) -> bool:
        """Whether ``city`` is a file rather than a built-in city name."""
        return self.city.endswith(".toml")

    def output_dir(self, out_dir: str | os.PathLike[str] | None = None) -> Path:
        """The output folder: ``out_dir`` if given, else ``outputs.dir``, else ``out/<name>``."""
        if out_dir is not None:
            return Path(out_dir)
        return Path(self.outputs.dir) if self.outputs.dir else Path("out") / self.name

    def published_maps_dir(
        self,
        out_dir: str | os.PathLike[str] | None = None,
        maps_dir: str | os.PathLike[str] | None = None,
    ) -> Path | None:
        """Where :func:`run` publishes the maps: ``<maps_dir>/<name>/``, or None.

        ``maps_dir`` (``--maps-dir``) wins; else ``outputs.maps_dir``, but only when no
        explicit ``out_dir`` (``--out``) is given, so that runs into a chosen folder (tests,
        notebooks) never write into the shared maps folder unless asked to.
        """
        if maps_dir is not None:
            return Path(maps_dir) / self.name
        if out_dir is None and self.outputs.maps_dir:
            return Path(self.outputs.maps_dir) / self.name
        return None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-friendly summary (for ``run.json``)."""

        def conv(v: Any) -> Any:
            if dataclasses.is_dataclass(v) and not isinstance(v, type):
                d = {
                    f.name: conv(getattr(v, f.name))
                    for f in dataclasses.fields(v)
                    if f.name not in ("line", "path")
                }
                if hasattr(v, "kind"):
                    d = {"type": v.kind, **d}
                return d
            if isinstance(v, tuple | list):
                return [conv(x) for x in v]
            if isinstance(v, Path):
                return v.as_posix()
            return v

        out = conv(self)
        out["file"] = None if self.path is None else self.path.name
        return out


# ============================================================================ TOML → Scenario
class _Ctx:
    """The file being read: its path and text, to point errors at a line."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines = text.splitlines()

    # -- locating keys ---------------------------------------------------------------------
    def _section_start(self, section: str) -> int:
        if not section:
            return 0
        m = re.fullmatch(r"(\w+)\[(\d+)\]", section)
        if m:
            name, idx = m.group(1), int(m.group(2))
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


_TOP_KEYS = (
    "name",
    "title",
    "description",
    "city",
    "network",
    "categories",
    "thresholds_min",
    "profiles",
    "max_snap_m",
    "detour_factor",
    "interventions",
    "siting",
    "outputs",
    "baseline",
)
_NETWORK_KEYS = ("source", "fallback", "place", "buffer_m", "probe_timeout_s")
_SITING_KEYS = (
    "model",
    "k",
    "threshold_min",
    "profile",
    "category",
    "one_per_area",
    "candidates",
    "solver",
    "apply",
)
_OUTPUT_KEYS = (
    "dir",
    "maps",
    "report",
    "tables",
    "map_categories",
    "map_threshold_min",
    "map_profile",
    "maps_dir",
    "area_profiles",
)
_INTERVENTION_KEYS: dict[str, tuple[str, ...]] = {
    "add_service": (
        "type",
        "category",
        "name",
        "service_id",
        "x",
        "y",
        "lat",
        "lon",
        "candidate_id",
    ),
    "close_service": ("type", "service_id"),
    "set_speed": ("type", "profile", "speed_m_s"),
    "split_area": ("type", "area_id"),
}
_NAME_RE = re.compile(r"[a-z0-9][a-z0-9_.-]*")


def _did_you_mean(word: str, options: Iterable[str]) -> str | None:
    opts = list(options)
    close = difflib.get_close_matches(word, opts, n=1, cutoff=0.6)
    if not close:
        close = [o for o in opts if o.lower() == word.lower()]
    return close[0] if close else None


def _check_keys(ctx: _Ctx, d: Mapping[str, Any], allowed: Sequence[str], section: str) -> None:
    for key in d:
        if key in allowed:
            continue
        hint = _did_you_mean(key, allowed)
        table = f"[{section}]" if section else "the top level"
        fix = (f"Did you mean '{hint}'? " if hint else "") + (
            f"Allowed keys in {table}: {', '.join(allowed)}."
        )
        raise ctx.error(f"Unknown key '{key}' in {table}.", key=key, section=section, fix=fix)


def _type_name(v: Any) -> str:
    return {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "a table",
    }.get(type(v), type(v).__name__)


def _get_str(
    ctx: _Ctx,
    d: Mapping[str, Any],
    key: str,
    section: str,
    default: Any = None,
    *,
    required: bool = False,
    choices: Sequence[str] | None = None,
) -> Any:
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
            f"'{key}' must be a non-empty string, got {_type_name(v)} {v!r}.",
            key=key,
            section=section,
            fix=f'Write it in quotes: {key} = "...".',
        )
    if choices is not None and v not in choices:
        hint = _did_you_mean(v, choices)
        raise ctx.error(
            f"'{key}' = {v!r} is not one of {', '.join(map(repr, choices))}.",
            key=key,
            section=section,
            fix=(f"Did you mean {hint!r}? " if hint else "") + f"Use one of: {', '.join(choices)}.",
        )
    return v


def _get_num(
    ctx: _Ctx,
    d: Mapping[str, Any],
    key: str,
    section: str,
    default: Any = None,
    *,
    positive: bool = False,
    integer: bool = False,
    lo: float | None = None,
    hi: float | None = None,
) -> Any:
    if key not in d:
        return default
    v = d[key]
    ok = isinstance(v, int) if integer else isinstance(v, int | float)
    if isinstance(v, bool) or not ok or (isinstance(v, float) and not math.isfinite(v)):
        want = "an integer" if integer else "a number"
        raise ctx.error(
            f"'{key}' must be {want}, got {_type_name(v)} {v!r}.",
            key=key,
            section=section,
            fix=f"Write it without quotes, e.g. {key} = {'5' if integer else '1.2'}.",
        )
    if positive and v <= 0:
        raise ctx.error(
            f"'{key}' must be > 0, got {v!r}.",
            key=key,
            section=section,
            fix="Use a positive value.",
        )
    if (lo is not None and v < lo) or (hi is not None and v > hi):
        raise ctx.error(
            f"'{key}' = {v!r} is outside [{lo}, {hi}].",
            key=key,
            section=section,
            fix=f"Use a value between {lo} and {hi}.",
        )
    return v


def _get_bool(ctx: _Ctx, d: Mapping[str, Any], key: str, section: str, default: bool) -> bool:
    if key not in d:
        return default
    v = d[key]
    if not isinstance(v, bool):
        raise ctx.error(
            f"'{key}' must be true or false, got {_type_name(v)} {v!r}.",
            key=key,
            section=section,
            fix=f"Write {key} = true or {key} = false (no quotes).",
        )
    return v


def _get_list(
    ctx: _Ctx, d: Mapping[str, Any], key: str, section: str, kind: type, *, positive: bool = False
) -> tuple[Any, ...] | None:
    if key not in d:
        return None
    v = d[key]
    if isinstance(v, kind) and not isinstance(v, bool):
        v = [v]
    if not isinstance(v, list) or not v:
        raise ctx.error(
            f"'{key}' must be a non-empty list, got {_type_name(v)} {v!r}.",
            key=key,
            section=section,
            fix=f"Write e.g. {key} = {'[5, 10, 15]' if kind is not str else '[...]'}.",
        )
    out = []
    for x in v:
        good = (
            (isinstance(x, int | float) and not isinstance(x, bool))
            if kind is float
            else isinstance(x, str) and x.strip() != ""
        )
        if not good:
            raise ctx.error(
                f"'{key}' holds {_type_name(x)} {x!r}; every item must be "
                f"{'a number' if kind is float else 'a non-empty string'}.",
                key=key,
                section=section,
                fix="Fix or remove that item.",
            )
        if kind is float and (not math.isfinite(x) or (positive and x <= 0)):
            raise ctx.error(
                f"'{key}' holds {x!r}; every item must be a finite number > 0.",
                key=key,
                section=section,
                fix="Use thresholds in minutes, e.g. 10.",
            )
        out.append(x)
    if len(set(out)) != len(out):
        dup = next(x for x in out if out.count(x) > 1)
        raise ctx.error(
            f"'{key}' lists {dup!r} twice.", key=key, section=section, fix="Remove the duplicate."
        )
    return tuple(out)


def _resolve(base: Path, value: str) -> Path:
    p = Path(value).expanduser()
    return p if p.is_absolute() else (base / p)


_OSM_SUFFIXES = (".osm", ".pbf", ".bz2", ".npz", ".xml")


def _parse_network(ctx: _Ctx, raw: Any) -> NetworkSpec:
    section = "network"
    if isinstance(raw, str):
        raw = {"source": raw}
    if not isinstance(raw, dict):
        raise ctx.error(
            f"'network' must be a string or a table, got {_type_name(raw)}.",
            key="network",
            fix='Write network = "auto" or a [network] table.',
        )
    _check_keys(ctx, raw, _NETWORK_KEYS, section)
    src = _get_str(ctx, raw, "source", section, "auto")
    fallback = _get_str(ctx, raw, "fallback", section, None, choices=("crowfly", "error"))
    place = _get_str(ctx, raw, "place", section, None)
    buffer_m = float(_get_num(ctx, raw, "buffer_m", section, 500.0, lo=0, hi=50_000))
    probe = float(_get_num(ctx, raw, "probe_timeout_s", section, 5.0, positive=True))
    path: Path | None = None
    base = ctx.path.parent
    kind: str
    if src in ("auto", "required", "crowfly"):
        kind = src
    elif src.startswith("place:"):
        kind, place = "place", src.split(":", 1)[1].strip()
        if not place:
            raise ctx.error(
                "'source = \"place:\"' names no place.",
                key="source",
                section=section,
                fix='Write source = "place:Helsingborgs kommun".',
            )
    elif src.lower().endswith(_OSM_SUFFIXES) or _resolve(base, src).exists():
        kind, path = "file", _resolve(base, src)
        if not path.exists():
            raise ctx.error(
                f"Network file not found: {path}",
                key="source",
                section=section,
                fix="Check the path (relative to the scenario file), or use "
                'source = "auto" to download or fall back to crow-fly.',
            )
    else:
        hint = _did_you_mean(src, ("auto", "required", "crowfly"))
        raise ctx.error(
            f"network source {src!r} is neither a mode, a file nor a place.",
            key="source",
            section=section,
            fix=(f"Did you mean {hint!r}? " if hint else "")
            + 'Use "auto", "required", "crowfly", a path to .osm/.osm.pbf/.npz, '
            'or "place:<name>" to download a place.',
        )
    if kind == "required" and fallback == "crowfly":
        raise ctx.error(
            'source = "required" contradicts fallback = "crowfly".',
            key="fallback",
            section=section,
            fix='Drop fallback, or use source = "auto" to allow crow-fly.',
        )
    if kind == "crowfly" and fallback == "error":
        raise ctx.error(
            'source = "crowfly" contradicts fallback = "error".',
            key="fallback",
            section=section,
            fix="Drop fallback.",
        )
    return NetworkSpec(
        source=kind,
        fallback=fallback or ("error" if kind == "required" else "crowfly"),
        path=path,
        place=place,
        buffer_m=buffer_m,
        probe_timeout_s=probe,
    )


def _parse_intervention(ctx: _Ctx, raw: Any, i: int) -> Intervention:
    section = f"interventions[{i}]"
    if not isinstance(raw, dict):
        raise ctx.error(
            f"Intervention {i + 1} must be a table, got {_type_name(raw)}.",
            key="interventions",
            fix="Write each as a [[interventions]] table.",
        )
    kinds = tuple(_INTERVENTION_KEYS)
    typ = _get_str(ctx, raw, "type", section, required=True, choices=kinds)
    _check_keys(ctx, raw, _INTERVENTION_KEYS[typ], section)
    line = ctx.line_of("type", section)
    if typ == "close_service":
        return CloseService(_get_str(ctx, raw, "service_id", section, required=True), line=line)
    if typ == "split_area":
        return SplitArea(_get_str(ctx, raw, "area_id", section, required=True), line=line)
    if typ == "set_speed":
        speed = float(_get_num(ctx, raw, "speed_m_s", section, None, positive=True))
        if "speed_m_s" not in raw:
            raise ctx.error(
                "Missing required key 'speed_m_s'.",
                section=section,
                fix="Add speed_m_s = 1.0 (metres per second).",
            )
        if speed > 5:
            raise ctx.error(
                f"speed_m_s = {speed} is not a walking speed (> 5 m/s).",
                key="speed_m_s",
                section=section,
                fix="Give metres per second, e.g. 1.0 (3.6 km/h).",
            )
        return SetSpeed(_get_str(ctx, raw, "profile", section, required=True), speed, line=line)
    # add_service
    cat = _get_str(ctx, raw, "category", section, required=True)
    name = _get_str(ctx, raw, "name", section, required=True)
    sid = _get_str(ctx, raw, "service_id", section, None)
    x = _get_num(ctx, raw, "x", section)
    y = _get_num(ctx, raw, "y", section)
    lat = _get_num(ctx, raw, "lat", section, lo=-90, hi=90)
    lon = _get_num(ctx, raw, "lon", section, lo=-180, hi=180)
    cand = _get_str(ctx, raw, "candidate_id", section, None)
    given = [
        n
        for n, ok in (
            ("x/y", x is not None or y is not None),
            ("lat/lon", lat is not None or lon is not None),
            ("candidate_id", cand is not None),
        )
        if ok
    ]
    if len(given) != 1:
        raise ctx.error(
            "add_service needs exactly one location: x and y, lat and lon, or candidate_id"
            + (f" (got {' and '.join(given)})." if given else " (got none)."),
            key="type",
            section=section,
            fix="Give x = ..., y = ... (metres in the city's CRS), or lat = ..., lon = ..., "
            'or candidate_id = "...".',
        )
    if (x is None) != (y is None) or (lat is None) != (lon is None):
        raise ctx.error(
            "add_service needs both coordinates of a pair (x and y, lat and lon).",
            key="type",
            section=section,
            fix="Add the missing coordinate.",
        )
    return AddService(
        category=cat,
        name=name,
        service_id=sid,
        x=None if x is None else float(x),
        y=None if y is None else float(y),
        lat=None if lat is None else float(lat),
        lon=None if lon is None else float(lon),
        candidate_id=cand,
        line=line,
    )


def _parse_siting(ctx: _Ctx, raw: Any) -> SitingSpec:
    section = "siting"
    if not isinstance(raw, dict):
        raise ctx.error(
            f"'siting' must be a table, got {_type_name(raw)}.",
            key="siting",
            fix="Write a [siting] table.",
        )
    _check_keys(ctx, raw, _SITING_KEYS, section)
    cands = _get_str(ctx, raw, "candidates", section, None)
    cpath = None
    if cands is not None:
        if cands.startswith("services:"):
            cats = [c.strip() for c in cands.split(":", 1)[1].split(",") if c.strip()]
            if not cats:
                raise ctx.error(
                    'candidates = "services:" names no category.',
                    key="candidates",
                    section=section,
                    fix='Write e.g. candidates = "services:library,meeting_place".',
                )
        elif cands.startswith("grid:"):
            try:
                spacing = float(cands.split(":", 1)[1])
            except ValueError:
                spacing = -1.0
            if not (math.isfinite(spacing) and spacing > 0):
                raise ctx.error(
                    f"candidates = {cands!r}: the grid spacing must be metres > 0.",
                    key="candidates",
                    section=section,
                    fix='Write e.g. candidates = "grid:500".',
                )
        else:
            cpath = _resolve(ctx.path.parent, cands)
            if not cpath.exists():
                raise ctx.error(
                    f"Candidate file not found: {cpath}",
                    key="candidates",
                    section=section,
                    fix='Use "services:<categories>", "grid:<metres>" or an '
                    "existing file (relative to the scenario file).",
                )
    return SitingSpec(
        model=_get_str(ctx, raw, "model", section, "mclp", choices=("mclp", "p_median")),
        k=int(_get_num(ctx, raw, "k", section, 5, integer=True, positive=True)),
        threshold_min=_get_num(ctx, raw, "threshold_min", section, 10, positive=True),
        profile=_get_str(ctx, raw, "profile", section, "adult"),
        category=_get_str(ctx, raw, "category", section, "district_office"),
        one_per_area=_get_bool(ctx, raw, "one_per_area", section, False),
        candidates=cands,
        candidates_path=cpath,
        solver=_get_str(ctx, raw, "solver", section, None, choices=("auto", "greedy", "highs")),
        apply=_get_bool(ctx, raw, "apply", section, True),
    )


def _parse_outputs(ctx: _Ctx, raw: Any) -> OutputSpec:
    section = "outputs"
    if not isinstance(raw, dict):
        raise ctx.error(
            f"'outputs' must be a table, got {_type_name(raw)}.",
            key="outputs",
            fix="Write an [outputs] table.",
        )
    _check_keys(ctx, raw, _OUTPUT_KEYS, section)
    return OutputSpec(
        dir=_get_str(ctx, raw, "dir", section, None),
        maps=_get_bool(ctx, raw, "maps", section, True),
        report=_get_bool(ctx, raw, "report", section, True),
        tables=_get_bool(ctx, raw, "tables", section, True),
        map_categories=_get_list(ctx, raw, "map_categories", section, str),
        map_threshold_min=_get_num(ctx, raw, "map_threshold_min", section, None, positive=True),
        map_profile=_get_str(ctx, raw, "map_profile", section, None),
        maps_dir=_get_str(ctx, raw, "maps_dir", section, None),
        area_profiles=_get_list(ctx, raw, "area_profiles", section, str) or (),
    )


def _available_scenarios(folder: Path) -> list[str]:
    try:
        return sorted(p.name for p in folder.glob("*.toml"))
    except OSError:
        return []


def load_scenario(path: str | os.PathLike[str]) -> Scenario:
    """Read and validate a scenario TOML file.

    Parameters
    ----------
    path
        The scenario file.

    Returns
    -------
    Scenario
        The validated, immutable scenario. Interventions are checked against the city only
        when it is loaded (:func:`check_against_city`, done by :func:`run`).

    Raises
    ------
    ScenarioError
        Missing or unreadable file, malformed TOML (with tomllib's line and column), an
        unknown key (with a "did you mean" hint), a wrong type or value, or a contradiction.
    """
    p = Path(path)
    if not p.exists():
        here = _available_scenarios(p.parent if str(p.parent) else Path("."))
        shipped = _available_scenarios(Path("scenarios"))
        fix = "Check the path."
        if here or shipped:
            fix += (
                " Scenarios found: "
                + ", ".join(
                    [str(p.parent / n) for n in here] or [f"scenarios/{n}" for n in shipped]
                )
                + "."
            )
        raise ScenarioError("Scenario file not found.", file=p, fix=fix)
    if p.is_dir():
        raise ScenarioError(
            "Expected a scenario .toml file, got a folder.",
            file=p,
            fix="Name the .toml file inside it.",
        )
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(
            f"Cannot read the scenario file: {exc}",
            file=p,
            fix="Check that it is a UTF-8 text file you can read.",
        ) from exc
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = re.search(r"\(at line (\d+), column (\d+)\)", msg)
        row = (
            f"line {m.group(1)}, column {m.group(2)}"
            if m
            else ("end of file" if "end of document" in msg else None)
        )
        what = re.sub(r" ?\(at [^)]*\)", "", msg)
        raise ScenarioError(
            f"Malformed TOML: {what}.",
            file=p,
            row=row,
            fix="Fix the syntax there: strings need quotes, tables are [name], lists are "
            "[a, b], one key per line. See scenarios/helsingborg-baseline.toml.",
        ) from exc
    ctx = _Ctx(p, text)
    _check_keys(ctx, raw, _TOP_KEYS, "")

    name = _get_str(ctx, raw, "name", "", required=True)
    if not _NAME_RE.fullmatch(name):
        raise ctx.error(
            f"name {name!r} must be a lower-case slug (letters, digits, - _ .).",
            key="name",
            fix=f"Write e.g. name = {_slug(name)!r}.",
        )
    city = _get_str(ctx, raw, "city", "", required=True)
    city = _resolve_city(ctx, city)

    net = _parse_network(ctx, raw.get("network", {}))
    cats = None
    if "categories" in raw and raw["categories"] != "all":
        cats = _get_list(ctx, raw, "categories", "", str)
    thresholds = _get_list(ctx, raw, "thresholds_min", "", float, positive=True)
    profiles = _get_list(ctx, raw, "profiles", "", str)
    inter_raw = raw.get("interventions", [])
    if isinstance(inter_raw, dict):
        inter_raw = [inter_raw]
    if not isinstance(inter_raw, list):
        raise ctx.error(
            "'interventions' must be a list of tables.",
            key="interventions",
            fix="Write each intervention as an [[interventions]] table.",
        )
    interventions = tuple(_parse_intervention(ctx, r, i) for i, r in enumerate(inter_raw))
    _check_static_contradictions(ctx, interventions)
    siting = _parse_siting(ctx, raw["siting"]) if "siting" in raw else None
    outputs = _parse_outputs(ctx, raw.get("outputs", {}))
    baseline = None
    if "baseline" in raw:
        b = _get_str(ctx, raw, "baseline", "")
        baseline = _resolve(p.parent, b)
        if not baseline.exists():
            raise ctx.error(
                f"Baseline scenario not found: {baseline}",
                key="baseline",
                fix="Give the path of another scenario TOML, relative to this "
                'file, e.g. baseline = "helsingborg-baseline.toml".',
            )
        if baseline.resolve() == p.resolve():
            raise ctx.error(
                "A scenario cannot be its own baseline.",
                key="baseline",
                fix="Name another scenario file.",
            )
    if siting and profiles and siting.profile not in profiles:
        raise ctx.error(
            f"siting.profile {siting.profile!r} is not among profiles {list(profiles)}.",
            key="profile",
            section="siting",
            fix="Add it to profiles, or choose one of them.",
        )
    if siting and cats is not None and siting.category not in cats:
        raise ctx.error(
            f"siting.category {siting.category!r} is not among categories {list(cats)}.",
            key="category",
            section="siting",
            fix="Add it to categories.",
        )

    return Scenario(
        name=name,
        city=city,
        title=_get_str(ctx, raw, "title", "", "") or "",
        description=_get_str(ctx, raw, "description", "", "") or "",
        network=net,
        categories=cats,
        thresholds_min=thresholds or DEFAULT_THRESHOLDS_MIN,
        profiles=profiles or DEFAULT_PROFILES,
        max_snap_m=float(_get_num(ctx, raw, "max_snap_m", "", 300.0, positive=True)),
        detour_factor=float(_get_num(ctx, raw, "detour_factor", "", 1.3, lo=1.0, hi=5.0)),
        interventions=interventions,
        siting=siting,
        outputs=outputs,
        baseline=baseline,
        path=p,
    )


def _builtin_cities() -> list[str]:
    """Names of the cities under ``data/`` (each with a ``city.toml``)."""
    names = set(BUILTIN_CITIES)
    with contextlib.suppress(Exception):
        from proximity.sources.registry import data_dir

        names |= {d.name for d in data_dir().glob("*") if (d / "city.toml").exists()}
    return sorted(names)


def _resolve_city(ctx: _Ctx, city: str) -> str:
    """A built-in city name stays a name; anything else is a path (relative to the file) to a
    city TOML or a folder holding ``city.toml``.
    """
    looks_like_path = city.endswith(".toml") or "/" in city or "\\" in city
    if not looks_like_path and city in _builtin_cities():
        return city
    cpath = _resolve(ctx.path.parent, city)
    if cpath.is_dir() and (cpath / "city.toml").exists():
        cpath = cpath / "city.toml"
    if cpath.is_file():
        return str(cpath)
    known = _builtin_cities()
    hint = _did_you_mean(city, known)
    raise ctx.error(
        f"city {city!r} is neither a built-in city nor an existing city file.",
        key="city",
        fix=(f"Did you mean {hint!r}? " if hint else "")
        + f"Use one of {', '.join(known)}, or a path to a city TOML (relative to the scenario "
        "file; see data/helsingborg/city.toml for the format).",
    )


def _check_static_contradictions(ctx: _Ctx, interventions: Sequence[Intervention]) -> None:
    """Contradictions visible without the city: the same service closed twice, etc."""
    closed: dict[str, int] = {}
    split: set[str] = set()
    speeds: dict[str, float] = {}
    added: set[str] = set()
    for i, iv in enumerate(interventions):
        section = f"interventions[{i}]"
        if isinstance(iv, CloseService):
            if iv.service_id in closed:
                raise ctx.error(
                    f"Service {iv.service_id!r} is closed twice (interventions "
                    f"{closed[iv.service_id] + 1} and {i + 1}).",
                    key="service_id",
                    section=section,
                    fix="Remove one of them.",
                )
            closed[iv.service_id] = i
        elif isinstance(iv, SplitArea):
            if iv.area_id in split:
                raise ctx.error(
                    f"Area {iv.area_id!r} is split twice.",
                    key="area_id",
                    section=section,
                    fix="Remove one of them.",
                )
            split.add(iv.area_id)
        elif isinstance(iv, SetSpeed):
            if iv.profile in speeds and speeds[iv.profile] != iv.speed_m_s:
                raise ctx.error(
                    f"Profile {iv.profile!r} gets two different speeds "
                    f"({speeds[iv.profile]} and {iv.speed_m_s} m/s).",
                    key="speed_m_s",
                    section=section,
                    fix="Keep one of them.",
                )
            speeds[iv.profile] = iv.speed_m_s
        elif isinstance(iv, AddService) and iv.service_id:
            if iv.service_id in added:
                raise ctx.error(
                    f"Two added services share the id {iv.service_id!r}.",
                    key="service_id",
                    section=section,
                    fix="Give unique ids.",
                )
            added.add(iv.service_id)


def _slug(text: str) -> str:
    table = str.maketrans("åäöÅÄÖéüÉÜ", "aaoAAOeuEU")
    s = re.sub(r"[^a-z0-9]+", "-", text.translate(table).lower()).strip("-")
    return s or "scenario"


# ============================================================================ checks vs city
def _scenario_error(
    scenario: Scenario, message: str, iv: Any = None, fix: str | None = None, key: str | None = None
) -> ScenarioError:
    line = getattr(iv, "line", None)
    row = None
    if line is not None:
        row = f"line {line}" + (f", key '{key}'" if key else "")
    elif key:
        row = f"key '{key}'"
    return ScenarioError(message, file=scenario.path, row=row, fix=fix)


def _close_list(word: str, options: Iterable[str], n: int = 5) -> list[str]:
    opts = sorted(set(map(str, options)))
    close = difflib.get_close_matches(word, opts, n=n, cutoff=0.5)
    if not close:  # substring matches, e.g. "bibliotek" → all library ids
        close = [o for o in opts if word.lower() in o.lower() or o.lower() in word.lower()][:n]
    return close


def check_against_city(scenario: Scenario, city: Any) -> None:
    """Check the scenario against the loaded city (ids, categories, profiles).

    Raises
    ------
    ScenarioError
        Closing a service that does not exist (naming the id and listing close matches),
        splitting an unknown area or one without subareas, an unknown category or profile,
        or a new service outside the study area.
    """
    from proximity.sources import CATEGORIES

    service_ids = set(map(str, city.services["service_id"]))
    area_ids = set(map(str, city.areas["area_id"]))
    known_cats = set(CATEGORIES)
    city_cats = set(map(str, city.services["category"]))

    def bad_category(cat: str, iv: Any, key: str) -> ScenarioError:
        hint = _did_you_mean(cat, sorted(known_cats))
        return _scenario_error(
            scenario,
            f"Unknown service category {cat!r}.",
            iv,
            (f"Did you mean {hint!r}? " if hint else "")
            + f"Categories: {', '.join(sorted(known_cats))}.",
            key,
        )

    for cat in scenario.categories or ():
        if cat not in known_cats:
            raise bad_category(cat, None, "categories")
    if scenario.siting and scenario.siting.category not in known_cats:
        raise bad_category(scenario.siting.category, None, "siting.category")
    for prof in (*scenario.profiles, *([scenario.siting.profile] if scenario.siting else [])):
        _check_profile(scenario, prof, None, "profiles")

    for iv in scenario.interventions:
        if isinstance(iv, CloseService):
            if iv.service_id not in service_ids:
                close = _close_list(iv.service_id, service_ids)
                raise _scenario_error(
                    scenario,
                    f"Cannot close service {iv.service_id!r}: the city {city.name!r} has no "
                    "service with that id.",
                    iv,
                    ("Close matches: " + ", ".join(close) + ". " if close else "")
                    + 'List the ids with: python -c "import proximity; print(proximity.'
                    f"load_city('{city.name}').services[['service_id', 'name']])\"",
                    "service_id",
                )
        elif isinstance(iv, SplitArea):
            if iv.area_id not in area_ids:
                close = _close_list(iv.area_id, area_ids)
                raise _scenario_error(
                    scenario,
                    f"Cannot split area {iv.area_id!r}: no such area in {city.name!r}.",
                    iv,
                    ("Close matches: " + ", ".join(close) + ". " if close else "")
                    + f"Areas: {', '.join(sorted(area_ids))}.",
                    "area_id",
                )
            subs = getattr(city, "subareas", None)
            if (
                subs is None
                or len(subs) == 0
                or not (subs["area_id"].astype(str) == iv.area_id).any()
            ):
                raise _scenario_error(
                    scenario,
                    f"Cannot split area {iv.area_id!r}: it has no subareas.",
                    iv,
                    "Add its stadsdelar to the city's subareas, or drop the split.",
                    "area_id",
                )
        elif isinstance(iv, SetSpeed):
            _check_profile(scenario, iv.profile, iv, "profile")
        elif isinstance(iv, AddService):
            if iv.category not in known_cats:
                raise bad_category(iv.category, iv, "category")
            if iv.service_id and iv.service_id in service_ids:
                raise _scenario_error(
                    scenario,
                    f"add_service id {iv.service_id!r} already exists in the city.",
                    iv,
                    "Choose a new id, or drop service_id to get one generated.",
                    "service_id",
                )
    _check_area_profiles(scenario, city)
    # a category the scenario asks about must keep at least one service
    remaining = city.services[
        ~city.services["service_id"]
        .astype(str)
        .isin([iv.service_id for iv in scenario.interventions if isinstance(iv, CloseService)])
    ]
    left = set(map(str, remaining["category"])) | {
        iv.category for iv in scenario.interventions if isinstance(iv, AddService)
    }
    for cat in scenario.categories or ():
        if cat not in left:
            closing = [
                iv
                for iv in scenario.interventions
                if isinstance(iv, CloseService)
                and iv.service_id
                in set(map(str, city.services.loc[city.services["category"] == cat, "service_id"]))
            ]
            if closing:
                raise _scenario_error(
                    scenario,
                    f"Closing {', '.join(iv.service_id for iv in closing)} leaves "
                    f"no service of category {cat!r}, which the scenario's categories list.",
                    closing[0],
                    f"Remove {cat!r} from categories, or add another {cat} service (add_service).",
                    "service_id",
                )
            if cat not in city_cats:
                raise _scenario_error(
                    scenario,
                    f"The city {city.name!r} has no service of category {cat!r}.",
                    None,
                    f"Remove it from categories, or add one with add_service. Present: "
                    f"{', '.join(sorted(city_cats))}.",
                    "categories",
                )


def _area_choices(city: Any) -> dict[str, str]:
    """Area and subarea ids of ``city`` → display names (for area profiles)."""
    out: dict[str, str] = {}
    for table, idcol in (("subareas", "subarea_id"), ("areas", "area_id")):
        df = getattr(city, table, None)
        if df is not None and len(df) and idcol in df.columns:
            names = df["name"] if "name" in df.columns else df[idcol]
            out.update(zip(df[idcol].astype(str), names.astype(str), strict=True))
    return out


def _check_area_profiles(scenario: Scenario, city: Any) -> None:
    """``outputs.area_profiles``: every id must be an area or subarea of the city (and not an
    area the scenario splits away).
    """
    if not scenario.outputs.area_profiles:
        return
    choices = _area_choices(city)
    split = {iv.area_id for iv in scenario.interventions if isinstance(iv, SplitArea)}
    for aid in scenario.outputs.area_profiles:
        if aid in split:
            subs = city.subareas[city.subareas["area_id"].astype(str) == aid]
            raise _scenario_error(
                scenario,
                f"area_profiles: {aid!r} is split into its subareas by this scenario.",
                None,
                "Name one of its subareas instead: "
                + ", ".join(f"{r.subarea_id} ({r.name})" for r in subs.itertuples())
                + ".",
                "outputs.area_profiles",
            )
        if aid in choices:
            continue
        # match ids and names ("Drottninghög", "drottninghog" → B022)
        by_name = {_slug(n): i for i, n in choices.items()}
        hint = by_name.get(_slug(aid)) or _did_you_mean(aid, choices)
        if hint is None:
            name_hit = _did_you_mean(_slug(aid), by_name)
            hint = by_name.get(name_hit) if name_hit else None
        shown = ", ".join(f"{i} ({n})" for i, n in sorted(choices.items())[:60])
        raise _scenario_error(
            scenario,
            f"area_profiles: unknown area or subarea id {aid!r} in {city.name!r}.",
            None,
            (f"Did you mean {hint!r} ({choices[hint]})? " if hint else "")
            + f"Ids (areas and subareas): {shown}.",
            "outputs.area_profiles",
        )


def _check_profile(scenario: Scenario, prof: str, iv: Any, key: str) -> None:
    from proximity.profiles import PROFILES

    if prof not in PROFILES:
        hint = _did_you_mean(prof, sorted(PROFILES))
        raise _scenario_error(
            scenario,
            f"Unknown walking profile {prof!r}.",
            iv,
            (f"Did you mean {hint!r}? " if hint else "")
            + f"Profiles: {', '.join(sorted(PROFILES))}.",
            key,
        )


# ============================================================================ interventions
def _point_in_city_crs(
    scenario: Scenario, city: Any, iv: AddService, candidates: Any = None
) -> tuple[float, float]:
    if iv.x is not None and iv.y is not None:
        return iv.x, iv.y
    if iv.lat is not None and iv.lon is not None:
        from pyproj import Transformer

        tr = Transformer.from_crs("EPSG:4326", city.crs, always_xy=True)
        x, y = tr.transform(iv.lon, iv.lat)
        return float(x), float(y)
    assert iv.candidate_id is not None
    if candidates is not None and len(candidates):
        idcol = "candidate_id" if "candidate_id" in candidates.columns else candidates.columns[0]
        hit = candidates[candidates[idcol].astype(str) == iv.candidate_id]
        if len(hit):
            g = hit.geometry.iloc[0]
            return float(g.x), float(g.y)
    svc = city.services[city.services["service_id"].astype(str) == iv.candidate_id]
    if len(svc):
        g = svc.geometry.iloc[0]
        return float(g.x), float(g.y)
    pool: list[str] = list(map(str, city.services["service_id"]))
    if candidates is not None and len(candidates):
        idcol = "candidate_id" if "candidate_id" in candidates.columns else candidates.columns[0]
        pool += list(map(str, candidates[idcol]))
    close = _close_list(iv.candidate_id, pool)
    raise _scenario_error(
        scenario,
        f"add_service: unknown candidate_id {iv.candidate_id!r}.",
        iv,
        ("Close matches: " + ", ".join(close) + ". " if close else "")
        + "Use a candidate id of the siting candidates or an existing service id, or give "
        "lat/lon.",
        "candidate_id",
    )


def apply_interventions(
    scenario: Scenario, city: Any, *, candidates: Any = None
) -> tuple[Any, tuple[Any, ...], list[str]]:
    """Apply the scenario's interventions to ``city``.

    Parameters
    ----------
    scenario
        The scenario (already checked with :func:`check_against_city`).
    city
        The loaded :class:`proximity.sources.City`; it is not modified.
    candidates
        Optional GeoDataFrame of siting candidates, to resolve ``candidate_id``.

    Returns
    -------
    city, profiles, log
        The changed city, the walking profiles to use (names, or profile objects where a
        speed was changed) and one human-readable line per intervention.
    """
    import geopandas as gpd
    import shapely

    from proximity.profiles import get_profile

    log: list[str] = []
    speeds = {iv.profile: iv.speed_m_s for iv in scenario.interventions if isinstance(iv, SetSpeed)}
    profiles: list[Any] = []
    for name in scenario.profiles:
        if name in speeds:
            profiles.append(dataclasses.replace(get_profile(name), speed_m_s=speeds[name]))
        else:
            profiles.append(name)
    for prof, v in speeds.items():
        log.append(f"set_speed: profile {prof} walks at {v:g} m/s")

    if candidates is None and any(
        isinstance(iv, AddService) and iv.candidate_id for iv in scenario.interventions
    ):
        candidates = candidate_table(scenario, city)
    for iv in scenario.interventions:
        if isinstance(iv, SplitArea):
            city = city.split_area(iv.area_id)
            log.append(f"split_area: {iv.area_id} replaced by its subareas")

    closed = [iv.service_id for iv in scenario.interventions if isinstance(iv, CloseService)]
    adds = [iv for iv in scenario.interventions if isinstance(iv, AddService)]
    if closed or adds:
        services = city.services
        if closed:
            services = services[~services["service_id"].astype(str).isin(closed)]
            log += [f"close_service: {sid}" for sid in closed]
        rows = []
        boundary = getattr(city, "boundary", None)
        for n, iv in enumerate(adds, start=1):
            x, y = _point_in_city_crs(scenario, city, iv, candidates)
            pt = shapely.Point(x, y)
            if boundary is not None and not boundary.buffer(2000).contains(pt):
                raise _scenario_error(
                    scenario,
                    f"add_service {iv.name!r} lies outside the study area of "
                    f"{city.name!r} (x={x:.0f}, y={y:.0f} in {city.crs}).",
                    iv,
                    "Check the coordinates: lat/lon in degrees (WGS84), x/y in metres in "
                    f"{city.crs}; lat and lon may be swapped.",
                    "type",
                )
            sid = iv.service_id or f"scenario-{n}-{_slug(iv.name)}"
            rows.append(
                {
                    "service_id": sid,
                    "name": iv.name,
                    "category": iv.category,
                    "location_quality": "scenario",
                    "source": f"scenario {scenario.name}",
                    "geometry": pt,
                }
            )
            log.append(f"add_service: {sid} ({iv.category}) '{iv.name}' at x={x:.1f}, y={y:.1f}")
        if rows:
            new = gpd.GeoDataFrame(rows, geometry="geometry", crs=services.crs)
            services = pd.concat(
                [
                    services,
                    new[[c for c in new.columns if c in services.columns or c == "geometry"]],
                ],
                ignore_index=True,
            )
            services = gpd.GeoDataFrame(services, geometry="geometry", crs=city.services.crs)
        city = dataclasses.replace(city, services=services.reset_index(drop=True))
    return city, tuple(profiles), log


# ============================================================================ network policy
def network_cache_path(place: str) -> Path:
    """Where ``proximity network fetch PLACE`` stores a downloaded network, and where
    ``network = "auto"`` looks for it: ``<cache>/networks/<slug>.npz``.
    """
    return config.cache_dir() / "networks" / f"{_slug(place)}.npz"


def overpass_reachable(timeout_s: float = 5.0, host: str = OVERPASS_HOST, port: int = 443) -> bool:
    """Whether a TCP connection to Overpass can be opened within ``timeout_s`` seconds.

    The probe runs in a daemon thread so that a hanging DNS lookup cannot block longer than
    the timeout. ``PROXIMITY_OFFLINE=1`` in the environment makes it return False at once.
    """
    if os.environ.get("PROXIMITY_OFFLINE", "").strip() not in ("", "0"):
        return False
    result: list[bool] = []

    def probe() -> None:
        try:
            with socket.create_connection((host, port), timeout=timeout_s):
                result.append(True)
        except OSError:
            result.append(False)

    t = threading.Thread(target=probe, daemon=True)
    t.start()
    t.join(timeout_s)
    return bool(result and result[0])


def _boundary_series(city: Any) -> Any:
    import geopandas as gpd

    b = getattr(city, "boundary", None)
    if b is None:
        return None
    return gpd.GeoSeries([b], crs=city.crs)


def _network_provenance(net: Any) -> dict[str, Any]:
    try:
        return dict(net.summary())
    except Exception:  # pragma: no cover - defensive
        return dict(getattr(net, "provenance", {}))


def resolve_network(
    scenario: Scenario, city: Any, *, say: Callable[[str], None] = print
) -> tuple[Any, dict[str, Any]]:
    """Get the walking network by the scenario's policy.

    Returns
    -------
    network, info
        The :class:`~proximity.network.WalkNetwork`, or None for crow-fly; ``info`` says
        where it came from (``mode``, ``origin``, ``reason``).

    Raises
    ------
    NetworkError
        When no network can be had and the policy forbids the crow-fly fallback; the
        message names the local-extract option.
    """
    from proximity.network import WalkNetwork, load_network

    spec = scenario.network
    if spec.source == "crowfly":
        return None, {
            "mode": "crowfly",
            "origin": "scenario",
            "reason": 'the scenario asks for crow-fly (network source = "crowfly")',
        }
    boundary = _boundary_series(city)
    if spec.source == "file":
        assert spec.path is not None
        say(f"network: loading {spec.path}")
        if spec.path.suffix == ".npz":
            net = WalkNetwork.load(spec.path)
        else:
            net = load_network(spec.path, boundary=boundary, buffer_m=spec.buffer_m, crs=city.crs)
        return net, {"mode": "network", "origin": str(spec.path)}

    ns = getattr(city, "network_source", None) or {}
    file_cache = config.cache_dir() / "networks"
    try:
        # 1. the city's own local extract (e.g. the Helsinki demo's bundled PBF)
        if ns.get("path") and spec.source != "place":
            src = Path(ns["path"])
            say(f"network: loading the city's extract {src}")
            net = load_network(
                src, boundary=boundary, buffer_m=spec.buffer_m, crs=city.crs, cache_dir=file_cache
            )
            return net, {"mode": "network", "origin": str(src)}
        place = spec.place or ns.get("query")
        if not place:
            raise OfflineError(
                f"The city {city.name!r} has no local walking network and the scenario names "
                "no place to download.",
                fix='Set [network] place = "..." or source = "path/to/extract.osm.pbf".',
            )
        # 2. the cache written by `proximity network fetch` and by earlier online runs
        cached = network_cache_path(place)
        if cached.exists():
            say(f"network: using the cached download {cached}")
            return WalkNetwork.load(cached), {"mode": "network", "origin": str(cached)}
        # 3. download, after a short probe so that an offline machine fails in seconds
        #    (osmnx would otherwise wait for its own timeouts)
        if not overpass_reachable(spec.probe_timeout_s):
            raise OfflineError(
                f"Overpass ({OVERPASS_HOST}) is not reachable within "
                f"{spec.probe_timeout_s:g} s, and no downloaded network is cached for "
                f"{place!r} ({cached}).",
                fix=f'Run `proximity network fetch "{place}"` once when online, or use a '
                'local OSM extract: [network] source = "path/to/extract.osm.pbf".',
            )
        say(
            f"network: downloading {place!r} from OpenStreetMap (osmnx/Overpass); "
            "this can take minutes"
        )
        net = load_network(place, boundary=boundary, buffer_m=spec.buffer_m, crs=city.crs)
        with contextlib.suppress(OSError, ProximityError):
            net.save(cached)
        return net, {"mode": "network", "origin": f"place:{place}"}
    except NetworkError as exc:
        if spec.source in ("required", "place") or spec.fallback == "error":
            raise NetworkError(
                f"No walking network could be had, and the scenario requires one: {exc.message}",
                file=scenario.path,
                fix="Use a local OSM extract (offline): [network] source = "
                '"path/to/extract.osm.pbf" (e.g. a Geofabrik extract of Sweden clipped with '
                "osmium), or run `proximity network fetch PLACE` once when online; or allow "
                'the crow-fly fallback with source = "auto".',
            ) from exc
        return None, {"mode": "crowfly", "origin": "fallback", "reason": exc.message}


# ============================================================================ tables
_INT_COLUMNS = {
    *COUNT_COLUMNS,
    "rank",
    "k",
    "n_points",
    "population_a",
    "population_b",
    "covered_a",
    "covered_b",
    "delta_covered",
    "delta_population",
}


def _fmt_float(v: float) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    s = f"{v:.6f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def _sort_key(s: pd.Series) -> pd.Series:
    """Sort key: the municipality total row ``__total__`` after the areas."""
    if s.name == "area_id":
        return s.astype(str).map(lambda v: (v == "__total__", v))
    return s


def canonical_table(df: pd.DataFrame, sort_by: Sequence[str] | None = None) -> pd.DataFrame:
    """A copy of ``df`` with every value as a fixed-format string, rows sorted.

    Floats get at most 6 decimals (trailing zeros stripped), integral counts are written as
    integers, NaN as empty, infinities as ``inf``; rows are sorted by ``sort_by`` (default:
    the key-like leading string columns) so that re-runs give byte-identical files.
    """
    out = df.copy()
    if sort_by:
        keys = [c for c in sort_by if c in out.columns]
        if keys:
            out = out.sort_values(keys, kind="mergesort", key=_sort_key).reset_index(drop=True)
    for col in out.columns:
        s = out[col]
        if pd.api.types.is_bool_dtype(s):
            out[col] = s.map(lambda v: "true" if v else "false")
        elif pd.api.types.is_integer_dtype(s):
            out[col] = (
                s.astype("int64").astype(str)
                if not s.isna().any()
                else s.map(lambda v: "" if pd.isna(v) else str(int(v)))
            )
        elif pd.api.types.is_float_dtype(s):
            vals = s.to_numpy(dtype=float)
            fin = vals[np.isfinite(vals)]
            if col in _INT_COLUMNS and fin.size and np.allclose(fin, np.round(fin), atol=1e-6):
                out[col] = [
                    ("" if math.isnan(v) else _fmt_float(v) if math.isinf(v) else str(round(v)))
                    for v in vals
                ]
            else:
                out[col] = [_fmt_float(v) for v in vals]
        else:
            out[col] = s.map(
                lambda v: "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)
            )
    return out


def write_table(
    df: pd.DataFrame, path: str | os.PathLike[str], sort_by: Sequence[str] | None = None
) -> Path:
    """Write ``df`` as a canonical CSV (see :func:`canonical_table`), atomically."""
    text = canonical_table(df, sort_by).to_csv(index=False, lineterminator="\n")
    return write_text_atomic(path, text)


def _md_table(df: pd.DataFrame) -> str:
    cols = list(df.columns)
    lines = [
        "| " + " | ".join(cols) + " |",
        "| "
        + " | ".join("---:" if pd.api.types.is_numeric_dtype(df[c]) else "---" for c in cols)
        + " |",
    ]
    for row in canonical_table(df).itertuples(index=False):
        lines.append("| " + " | ".join(str(v) for v in row) + " |")
    return "\n".join(lines) + "\n"


# ============================================================================ equity per area
def _gini(values: np.ndarray, weights: np.ndarray) -> float:
    """Population-weighted Gini (:func:`proximity.equity.gini`)."""
    from proximity.equity import gini

    return float(gini(values, weights))


def area_gini_table(access: Any) -> pd.DataFrame:
    """Population-weighted Gini of walking minutes per area × category × profile.

    Residents with a finite walking time enter with their population as weight; unsnapped
    and unreachable residents (``inf``) are excluded from the Gini and counted in the
    coverage table instead. The municipality row has ``area_id = "__total__"``.
    """
    pts = access.points
    pts = pts[
        np.isfinite(pts["minutes"].to_numpy(dtype=float))
        & (pts["population"].to_numpy(dtype=float) > 0)
    ]
    rows = []
    for (cat, prof), g in pts.groupby(["category", "profile"], sort=True):
        groups = [("__total__", g), *((str(a), ga) for a, ga in g.groupby("area_id", sort=True))]
        for area, ga in groups:
            rows.append(
                {
                    "area_id": area,
                    "category": cat,
                    "profile": str(prof),
                    "gini_min": _gini(
                        ga["minutes"].to_numpy(float), ga["population"].to_numpy(float)
                    ),
                }
            )
    return pd.DataFrame(rows, columns=["area_id", "category", "profile", "gini_min"])


AREA_KEYS = ("category", "profile", "threshold_min", "group", "area_id")


def population_unit(access: Any, city: Any = None) -> str:
    """What the coverage counts measure: ``"persons"`` or ``"floor_area_m2 (proxy)"``
    (:func:`proximity.maps.population_unit`).
    """
    from proximity.maps import population_unit as unit_of

    return unit_of(access, city)


#: Label of the total row (``area_id = "__total__"``) for a municipality / another study area.
TOTAL_LABEL_MUNICIPALITY = "Hela kommunen"
TOTAL_LABEL_STUDY_AREA = "Hela studieområdet"


def total_area_label(city: Any) -> str:
    """``"Hela kommunen"`` for a municipality, else ``"Hela studieområdet"``
    (:func:`is_municipality`).
    """
    return TOTAL_LABEL_MUNICIPALITY if is_municipality(city) else TOTAL_LABEL_STUDY_AREA


def areas_table(access: Any, city: Any = None, *, date: str | None = None) -> pd.DataFrame:
    """The per-area coverage table with the Gini column, as written to ``areas.csv``.

    Provenance columns: ``network_hash`` (of the walking network, ``"none (crow-fly)"``
    without one; from ``Access.provenance``) and ``date`` (``date``, default the access
    result's date, else today: the run date, as in ``run.json``). With ``city``, the total
    row is named by :func:`total_area_label` (``"Hela studieområdet"`` when the city is not
    a municipality, e.g. the Helsinki demo's grid).

    ``population_unit`` says what ``population``, ``covered``, … count: ``"persons"``, or
    ``"floor_area_m2 (proxy)"`` when the demand is residential floor area (m²) used as a
    relative population proxy; shares are meaningful either way.

    With ``city``, a ``parent_area_id`` column names the area a split subarea came from
    (its own id otherwise), so that :func:`compare_tables` can sum split areas back up.
    """
    areas = access.areas.copy()
    areas["area_id"] = areas["area_id"].astype(str)
    areas["profile"] = areas["profile"].astype(str)
    if "group" not in areas.columns:
        areas["group"] = "all"
    gini = area_gini_table(access).assign(group="all")
    out = areas.merge(gini, on=["area_id", "category", "profile", "group"], how="left")
    if "distance_method" not in out.columns:
        out["distance_method"] = getattr(access, "distance_method", "")
    # what population/covered/... count: "persons" or "floor_area_m2 (proxy)" (Helsinki demo)
    out["population_unit"] = population_unit(access, city)
    prov = dict(getattr(access, "provenance", None) or {})
    out["network_hash"] = str(prov.get("network_hash", ""))
    out["date"] = str(date or prov.get("date") or today_iso())
    if city is not None and "area_name" in out.columns:
        out.loc[out["area_id"] == "__total__", "area_name"] = total_area_label(city)
    ca = getattr(city, "areas", None)
    if ca is not None and "parent_area_id" in ca.columns:
        parent = dict(
            zip(ca["area_id"].astype(str), ca["parent_area_id"].astype(str), strict=False)
        )
        out["parent_area_id"] = out["area_id"].map(lambda a: parent.get(a, a))
    return out


# ============================================================================ run
@dataclass
class RunResult:
    """What :func:`run` produced.

    Attributes
    ----------
    scenario
        The scenario that ran.
    out_dir
        The output folder (complete: it was renamed into place at the end).
    distance_method
        ``"network"`` or the crow-fly label, e.g. ``"crowfly×1.3"``.
    network_info
        Where the network came from (or why crow-fly was used).
    city, network, access, siting
        The in-memory results (``siting`` is None without a [siting] table).
    baseline
        The in-memory result of the baseline scenario (None without ``baseline``).
    access_before_siting
        Coverage before the chosen sites were added (None when not applied).
    tables, maps
        Paths of the written tables and maps; ``report`` of the report (or None).
    published_maps
        The maps also published to the shared maps folder (``outputs.maps_dir``).
    area_profiles
        Paths of the written area profiles (``omrade_<id>.md``/``.html``).
    profiles
        The walking profiles used (names, or profile objects where a speed was changed).
    added_sites
        The chosen sites added as services before the final coverage (or None).
    warnings, log
        Loud warnings (crow-fly fallback, …) and the interventions applied.
    timings_s
        Seconds per step.
    """

    scenario: Scenario
    out_dir: Path
    distance_method: str
    network_info: dict[str, Any]
    city: Any = None
    network: Any = None
    access: Any = None
    access_before_siting: Any = None
    siting: Any = None
    baseline: RunResult | None = None
    tables: dict[str, Path] = field(default_factory=dict)
    maps: list[Path] = field(default_factory=list)
    report: Path | None = None
    published_maps: list[Path] = field(default_factory=list)
    area_profiles: list[Path] = field(default_factory=list)
    profiles: tuple[Any, ...] = ()
    added_sites: Any = None
    warnings: list[str] = field(default_factory=list)
    log: list[str] = field(default_factory=list)
    timings_s: dict[str, float] = field(default_factory=dict)

    @property
    def crowfly(self) -> bool:
        """Whether the run used the crow-fly approximation."""
        return not self.distance_method.startswith("network")

    def areas(self) -> pd.DataFrame:
        """The per-area table as written (read back from ``tables/areas.csv``)."""
        return read_run_tables(self.out_dir)


def _load_city(scenario: Scenario) -> Any:
    from proximity.sources import load_city

    return load_city(scenario.city)


@contextlib.contextmanager
def _no_crowfly_warning() -> Any:
    """Silence the layers' CrowFlyWarning: run() announces crow-fly once (the banner) and
    every table, map and report carries the label.
    """
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*[Cc]row.?fly.*")
        with contextlib.suppress(ImportError):
            from proximity.coverage import CrowFlyWarning

            warnings.simplefilter("ignore", CrowFlyWarning)
        yield


def _compute_access(
    scenario: Scenario,
    city: Any,
    network: Any,
    profiles: Sequence[Any],
    categories: Sequence[str] | None = None,
    extra_services: Any = None,
    area_level: str = "areas",
) -> Any:
    from proximity.coverage import compute_access

    kwargs: dict[str, Any] = {}
    if extra_services is not None:
        kwargs["extra_services"] = extra_services
    if area_level != "areas":
        kwargs["area_level"] = area_level
    with _no_crowfly_warning():
        return compute_access(
            city,
            network,
            categories=list(categories) if categories else None,
            profiles=tuple(profiles),
            thresholds_min=tuple(scenario.thresholds_min),
            max_snap_m=scenario.max_snap_m,
            detour_factor=scenario.detour_factor,
            **kwargs,
        )


def _candidate_arg(scenario: Scenario, city: Any, network: Any) -> Any:
    """The ``candidates`` argument of :func:`proximity.siting.site` for the scenario."""
    s = scenario.siting
    if s is None or s.candidates is None:
        return None
    if s.candidates_path is not None:
        return str(s.candidates_path)
    kind, _, rest = s.candidates.partition(":")
    if kind == "services":
        return [c.strip() for c in rest.split(",") if c.strip()]
    from proximity.siting.candidates import from_grid

    return from_grid(city, float(rest), network=network)


def candidate_table(scenario: Scenario, city: Any, network: Any = None) -> Any:
    """The siting candidates of the scenario as a GeoDataFrame (``candidate_id``, …).

    Used to resolve ``add_service`` interventions given by ``candidate_id``. Without a
    [siting] table: the siting layer's default public places.
    """
    from proximity.siting import candidates as cmod

    arg = _candidate_arg(scenario, city, network)
    if arg is None:
        return cmod.from_services(city)
    if isinstance(arg, list):
        return cmod.from_services(city, arg)
    if isinstance(arg, str):
        return cmod.from_file(arg, city.crs)
    return arg


def _site(scenario: Scenario, city: Any, network: Any, profiles: Sequence[Any]) -> Any:
    from proximity.siting import site

    s = scenario.siting
    assert s is not None
    prof: Any = s.profile
    for p in profiles:
        if getattr(p, "name", None) == s.profile:
            prof = p  # a profile whose speed the scenario changed
    kwargs: dict[str, Any] = dict(
        category=s.category,
        k=s.k,
        threshold_min=s.threshold_min,
        profile=prof,
        one_per_area=s.one_per_area,
        model=s.model,
        max_snap_m=scenario.max_snap_m,
        detour_factor=scenario.detour_factor,
        robustness_profiles=tuple(str(p) if isinstance(p, str) else p.name for p in profiles),
        candidates=_candidate_arg(scenario, city, network),
    )
    if s.solver:
        kwargs["solver"] = s.solver
    with _no_crowfly_warning():
        result = site(city, network, **kwargs)
    if hasattr(result, "population_unit"):  # gains are in the demand's unit (persons or m²)
        from proximity.coverage import population_unit_info

        result.population_unit = population_unit_info(city)["unit"]
    return result


def _flat(df: pd.DataFrame) -> pd.DataFrame:
    df = df.drop(columns=[c for c in ("geometry",) if c in df.columns])
    return df.map(lambda v: ";".join(map(str, v)) if isinstance(v, list | tuple) else v)


def _siting_tables(
    result: Any, distance_method: str, population_unit: str = "persons"
) -> dict[str, pd.DataFrame]:
    """The ranked sites, their per-area impact and the per-area before/after, as tables
    labelled with the distance method and the population unit (``"persons"`` or
    ``"floor_area_m2 (proxy)"``: ``marginal_gain``, ``newly_covered``, ``population`` … are
    then m² of residential floor area; ``gain_unit`` on the sites table).
    """
    out: dict[str, pd.DataFrame] = {}
    if hasattr(result, "to_frame"):
        sites = result.to_frame()
    elif getattr(result, "per_site", None) is not None:
        sites = result.per_site.copy()
    else:
        chosen = list(getattr(result, "chosen", []))
        sites = pd.DataFrame(
            {
                "rank": np.arange(1, len(chosen) + 1),
                "candidate_id": chosen,
                "marginal_gain": list(getattr(result, "marginal_gain", [])),
            }
        )
    if "rank" not in sites.columns:
        sites.insert(0, "rank", np.arange(1, len(sites) + 1))
    out["sites"] = _flat(sites)
    for attr, name in (("per_site_area", "sites_per_area"), ("per_area", "siting_areas")):
        df = getattr(result, attr, None)
        if df is not None and len(df):
            out[name] = _flat(df.copy())
    unit = str(getattr(result, "population_unit", None) or population_unit)
    for df in out.values():
        df["distance_method"] = distance_method
        df["population_unit"] = unit
    if "gain_unit" not in out["sites"].columns:
        out["sites"]["gain_unit"] = (
            f"{unit} × minutes" if getattr(result, "model", "mclp") == "p_median" else unit
        )
    return out


def _chosen_sites_as_services(scenario: Scenario, city: Any, result: Any) -> Any:
    """The chosen sites as new service rows of the siting category (for the final coverage).

    Geometries come from the result's candidate table (or ``x``/``y`` columns of
    ``per_site``).
    """
    import geopandas as gpd

    assert scenario.siting is not None
    chosen = [str(c) for c in getattr(result, "chosen", [])]
    if not chosen:
        return None
    geoms: dict[str, Any] = {}
    cands = getattr(result, "candidates", None)
    if cands is not None and "geometry" in getattr(cands, "columns", []):
        cgdf = cands if isinstance(cands, gpd.GeoDataFrame) else gpd.GeoDataFrame(cands)
        if cgdf.crs is not None and str(cgdf.crs) != str(city.crs):
            cgdf = cgdf.to_crs(city.crs)
        idcol = "candidate_id" if "candidate_id" in cgdf.columns else cgdf.columns[0]
        geoms = dict(zip(cgdf[idcol].astype(str), cgdf.geometry, strict=False))
    per_site = getattr(result, "per_site", None)
    if len(geoms) == 0 and per_site is not None and {"x", "y"} <= set(per_site.columns):
        import shapely

        geoms = {str(r.candidate_id): shapely.Point(r.x, r.y) for r in per_site.itertuples()}
    missing = [c for c in chosen if c not in geoms]
    if missing:
        raise ScenarioError(  # pragma: no cover - the siting layer always gives geometries
            f"The siting result has no location for the chosen sites {missing}.",
            file=scenario.path,
            fix="Set [siting] apply = false to skip the final coverage.",
        )
    label = (
        "Föreslaget stadsdelskontor"
        if scenario.siting.category == "district_office"
        else "Föreslagen plats"
    )
    return gpd.GeoDataFrame(
        {
            "service_id": [f"new:{c}" for c in chosen],
            "name": [f"{label} nr {r}" for r in range(1, len(chosen) + 1)],
            "category": scenario.siting.category,
            "location_quality": "proposed site",
            "source": f"scenario {scenario.name}: siting rank",
        },
        geometry=[geoms[c] for c in chosen],
        crs=city.crs,
    )


NO_SERVICE_STATUS = "no located service – no coverage computed"


def categories_table(
    city: Any, scenario: Scenario | None = None, added_sites: Any = None
) -> pd.DataFrame:
    """One row per category of :data:`proximity.sources.CATEGORIES` (as ``categories.csv``).

    Columns: ``category, label_sv, n_located_services`` (after the interventions),
    ``n_unlocated_services`` (named in the sources but without a location,
    ``City.services_unlocated``: never routed), ``n_proposed_sites`` (chosen by the siting
    and added before the final coverage) and ``status``: ``"ok"``, ``"no located service –
    no coverage computed"``, or ``"not in the scenario's categories"``.
    """
    from proximity.sources import CATEGORIES, CATEGORY_LABELS_SV

    svc = getattr(city, "services", None)
    located = (
        svc["category"].astype(str).value_counts() if svc is not None and len(svc) else pd.Series()
    )
    unl = getattr(city, "services_unlocated", None)
    unlocated = (
        unl["category"].astype(str).value_counts()
        if unl is not None and len(unl) and "category" in unl.columns
        else pd.Series(dtype="int64")
    )
    proposed = (
        added_sites["category"].astype(str).value_counts()
        if added_sites is not None and len(added_sites)
        else pd.Series(dtype="int64")
    )
    wanted = None if scenario is None or scenario.categories is None else set(scenario.categories)
    rows = []
    for cat in CATEGORIES:
        n_loc = int(located.get(cat, 0))
        n_new = int(proposed.get(cat, 0))
        if wanted is not None and cat not in wanted and cat not in proposed.index:
            status = "not in the scenario's categories"
        elif n_loc + n_new > 0:
            status = "ok"
        else:
            status = NO_SERVICE_STATUS
        rows.append(
            {
                "category": cat,
                "label_sv": CATEGORY_LABELS_SV.get(cat, cat),
                "n_located_services": n_loc,
                "n_unlocated_services": int(unlocated.get(cat, 0)),
                "n_proposed_sites": n_new,
                "status": status,
            }
        )
    return pd.DataFrame(rows)


def _equity(access: Any, city: Any) -> pd.DataFrame | None:
    """Municipality-level equity measures (:func:`proximity.equity.equity_table`)."""
    from proximity.equity import equity_table

    eq = equity_table(access, city)
    if "distance_method" not in eq.columns:
        eq["distance_method"] = getattr(access, "distance_method", "")
    return eq


def _merge_after_siting(before: Any, after: Any, category: str) -> Any:
    """An ``Access`` with ``category`` from ``after`` and every other category from ``before``."""
    changes: dict[str, Any] = {}
    for attr in ("areas", "points"):
        b = getattr(before, attr)
        a = getattr(after, attr)
        changes[attr] = pd.concat(
            [b[b["category"] != category], a[a["category"] == category]], ignore_index=True
        )
    if dataclasses.is_dataclass(before):
        prov = dict(getattr(before, "provenance", {}) or {})
        prov["siting_applied"] = {
            "category": category,
            "note": "coverage of this category includes the new sites",
        }
        changes["provenance"] = prov
        cats = tuple(getattr(before, "categories", ()))
        if category not in cats:
            changes["categories"] = (*cats, category)
        return dataclasses.replace(before, **changes)
    return after  # pragma: no cover - duck-typed Access


def map_settings(scenario: Scenario, access: Any) -> tuple[tuple[str, ...], float, str]:
    """Categories, threshold and profile shown in the maps and the report."""
    cats = scenario.outputs.map_categories or (
        (scenario.siting.category,) if scenario.siting else tuple(access.categories)
    )
    cats = tuple(c for c in cats if c in tuple(access.categories)) or tuple(access.categories)
    thr = scenario.outputs.map_threshold_min or (
        scenario.siting.threshold_min
        if scenario.siting
        else (10 if 10 in scenario.thresholds_min else scenario.thresholds_min[0])
    )
    prof = scenario.outputs.map_profile or (
        scenario.siting.profile if scenario.siting else str(scenario.profiles[0])
    )
    return cats, thr, prof


def _candidates_of(res: RunResult) -> Any:
    return getattr(res.siting, "candidates", None) if res.siting is not None else None


def _profile_obj(res: RunResult, name: str) -> Any:
    """The profile ``name`` as used by the run (a speed changed by ``set_speed`` included)."""
    for p in res.profiles:
        if getattr(p, "name", None) == name:
            return p
    return name


def map_isochrones(
    res: RunResult, categories: Sequence[str], threshold_min: float, profile: str
) -> Any:
    """Reached-network polygons (:func:`proximity.coverage.isochrone_polygons`) around the
    services of each category, for the maps; None in crow-fly mode (there is no network to
    reach along, so the crow-fly maps have no such layer).

    The services are the city's after the interventions plus, for the siting category, the
    chosen sites when they were applied, so the layer matches the coverage shown. Returns a
    GeoDataFrame ``category, threshold_min, profile, buffer_m, geometry`` (network CRS).
    """
    if res.network is None:
        return None
    import geopandas as gpd

    from proximity.coverage import isochrone_polygons
    from proximity.snap import snap

    prof = _profile_obj(res, profile)
    frames = []
    for cat in categories:
        svc = res.city.services[res.city.services["category"].astype(str) == cat]
        extra = res.added_sites
        if extra is not None and len(extra):
            extra = extra[extra["category"].astype(str) == cat]
            if len(extra):
                svc = pd.concat([svc, extra.to_crs(svc.crs)], ignore_index=True)
        if len(svc) == 0:
            continue
        svc = gpd.GeoDataFrame(svc, geometry="geometry", crs=res.city.services.crs)
        if str(svc.crs) != str(res.network.crs):
            svc = svc.to_crs(res.network.crs)
        sn = snap(
            res.network,
            svc,
            ids=svc["service_id"].astype(str).to_numpy(),
            max_snap_m=res.scenario.max_snap_m,
            what="services",
        )
        if not bool(np.any(sn.routable)):
            continue
        iso = isochrone_polygons(res.network, sn, [float(threshold_min)], prof)
        frames.append(iso.assign(category=cat))
    if not frames:
        return None
    return gpd.GeoDataFrame(
        pd.concat(frames, ignore_index=True), geometry="geometry", crs=res.network.crs
    )


def _write_maps(
    scenario: Scenario, res: RunResult, folder: Path, baseline_access: Any = None
) -> list[Path]:
    from proximity.maps import make_map, save_map

    cats, thr, prof = map_settings(scenario, res.access)
    folder.mkdir(parents=True, exist_ok=True)
    iso = map_isochrones(res, cats, float(thr), prof)
    paths = []
    for cat in cats:
        m = make_map(
            res.city,
            res.access,
            siting=res.siting,
            category=cat,
            threshold_min=thr,
            profile=prof,
            baseline=baseline_access,
            offline=True,
            lang="sv",
            candidates=_candidates_of(res),
            title=scenario.title or None,
            isochrones=None if iso is None else iso[iso["category"] == cat],
            show_residents=True,
        )
        p = folder / f"{scenario.name}-{cat}-{_fmt_float(float(thr))}min-{prof}.html"
        save_map(m, p)
        paths.append(p)
    return paths


def _write_report(
    scenario: Scenario, res: RunResult, folder: Path, baseline_access: Any = None
) -> Path | None:
    from proximity.report import write_report

    cats, thr, prof = map_settings(scenario, res.access)
    out = write_report(
        folder,
        res.city,
        res.access,
        res.siting,
        category=cats[0],
        threshold_min=thr,
        profile=prof,
        title=scenario.title or None,
        baseline=baseline_access,
        candidates=_candidates_of(res),
    )
    md_path = out.get("report.md") if isinstance(out, dict) else None
    return Path(md_path) if md_path else None


def _subarea_access(scenario: Scenario, res: RunResult) -> Any:
    """The run's coverage at subarea (stadsdel) level, with the applied sites, for area
    profiles of subareas.
    """
    access = _compute_access(
        scenario, res.city, res.network, res.profiles, scenario.categories, area_level="subareas"
    )
    if res.added_sites is not None and scenario.siting is not None:
        after = _compute_access(
            scenario,
            res.city,
            res.network,
            res.profiles,
            [scenario.siting.category],
            extra_services=res.added_sites,
            area_level="subareas",
        )
        access = _merge_after_siting(access, after, scenario.siting.category)
    return access


def _write_area_profiles(scenario: Scenario, res: RunResult, folder: Path) -> list[Path]:
    """``omrade_<id>.md``/``.html`` for every id of ``outputs.area_profiles``
    (:func:`proximity.report.area_profile`, at the map profile and threshold).
    """
    from proximity.report import area_profile

    _cats, thr, prof = map_settings(scenario, res.access)
    area_ids = set(res.access.areas["area_id"].astype(str))
    sub_access = None
    paths: list[Path] = []
    for aid in scenario.outputs.area_profiles:
        access = res.access
        if aid not in area_ids:
            if sub_access is None:
                sub_access = _subarea_access(scenario, res)
            access = sub_access
        with _no_crowfly_warning():
            out = area_profile(
                folder,
                res.city,
                access,
                aid,
                res.siting,
                _candidates_of(res),
                profile=prof,
                threshold_min=float(thr),
            )
        paths += [Path(v) for _k, v in sorted(out.items())]
    return paths


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _open_up(folder: Path) -> None:
    """Give a staging folder (``mkdtemp``: 0700) the mode a normal ``mkdir`` would have
    (``0o777 & ~umask``), so that published outputs and maps can be shared.
    """
    os.chmod(folder, 0o777 & ~_current_umask())


def _check_maps_target(target: Path) -> None:
    """Fail fast if ``<maps_dir>/<name>`` cannot be (re)published: it must be absent, or a
    folder holding only ``.html`` files (an earlier publication); its parent writable.
    """
    try:
        if target.exists():
            if not target.is_dir():
                raise OutputError(
                    "The maps path exists and is not a folder.",
                    file=target,
                    fix="Remove it, or choose another maps folder (--maps-dir).",
                )
            foreign = [p.name for p in target.iterdir() if p.suffix != ".html" or p.is_dir()]
            if foreign:
                raise OutputError(
                    "The maps folder holds files that are not maps "
                    f"({', '.join(sorted(foreign)[:5])}); refusing to replace it.",
                    file=target,
                    fix="Move those files away, or choose another maps folder (--maps-dir).",
                )
        from proximity._io import ensure_writable_dir

        ensure_writable_dir(target.parent)
    except OutputError:
        raise
    except ProximityError as exc:
        raise OutputError(
            f"Cannot write the maps folder: {exc.message}",
            file=target.parent,
            fix="Choose a folder you can write to (--maps-dir), or drop outputs.maps_dir.",
        ) from exc
    except OSError as exc:
        raise OutputError(
            f"Cannot write the maps folder: {exc.strerror or exc}",
            file=target.parent,
            fix="Choose a folder you can write to (--maps-dir), or drop outputs.maps_dir.",
        ) from exc


def _stage_maps(maps: Sequence[Path], target: Path) -> Path:
    """Copy the run's maps into a staging folder next to ``target`` (published later)."""
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.staging-", dir=target.parent))
    try:
        for m in maps:
            shutil.copyfile(m, staging / m.name)
        _open_up(staging)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return staging


def _stage_dir(target: Path) -> Path:
    parent = target.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        if target.exists() and not target.is_dir():
            raise OutputError(
                "The output path exists and is not a folder.",
                file=target,
                fix="Choose another --out folder.",
            )
        if target.exists() and any(target.iterdir()) and not (target / "run.json").exists():
            raise OutputError(
                "The output folder exists, is not empty and is not a proximity output; "
                "refusing to replace it.",
                file=target,
                fix="Choose an empty or new folder with --out, or remove it.",
            )
        return Path(tempfile.mkdtemp(prefix=f".{target.name}.staging-", dir=parent))
    except OutputError:
        raise
    except OSError as exc:
        raise OutputError(
            f"Cannot write the output folder: {exc.strerror or exc}",
            file=target,
            fix="Choose a folder you can write to (--out DIR).",
        ) from exc


def _publish(staging: Path, target: Path) -> None:
    """Rename the staging folder over ``target`` (the previous output is replaced)."""
    old = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
        old.rmdir()
        os.replace(target, old)
    try:
        os.replace(staging, target)
    except BaseException:
        if old is not None and not target.exists():
            os.replace(old, target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


class _Steps:
    """Step messages and a step-level progress bar."""

    def __init__(self, total: int, quiet: bool) -> None:
        from tqdm.auto import tqdm

        self.quiet = quiet
        self.t0 = time.perf_counter()
        self.timings: dict[str, float] = {}
        self.bar = tqdm(
            total=total,
            desc="proximity run",
            unit="step",
            leave=False,
            disable=quiet or not config.progress_enabled(),
        )
        self._name: str | None = None
        self._start = 0.0

    def say(self, msg: str) -> None:
        if not self.quiet:
            if self.bar.disable:
                print(msg, file=sys.stderr, flush=True)
            else:
                self.bar.write(msg, file=sys.stderr)

    def step(self, name: str) -> None:
        self.done()
        self._name, self._start = name, time.perf_counter()
        self.bar.set_postfix_str(name)
        self.say(f"[{time.perf_counter() - self.t0:6.1f}s] {name} …")

    def done(self) -> None:
        if self._name is not None:
            self.timings[self._name] = round(time.perf_counter() - self._start, 3)
            self.bar.update(1)
            self._name = None

    def close(self) -> None:
        self.done()
        self.bar.close()


def _warn(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def run(
    scenario: Scenario | str | os.PathLike[str],
    *,
    out_dir: str | os.PathLike[str] | None = None,
    maps_dir: str | os.PathLike[str] | None = None,
    quiet: bool = False,
) -> RunResult:
    """Run a scenario end to end and write its outputs.

    Steps: load the city → check and apply the interventions → walking network (by the
    scenario's policy; crow-fly fallback with a loud warning) → coverage → per-area Gini →
    siting (and coverage with the chosen sites) → tables, maps and report.

    Everything is written into a hidden staging folder next to the output folder and renamed
    into place at the end; an interrupted run (Ctrl-C) or an error removes the staging
    folder, leaving any previous output untouched and no half-written files.

    Output folder layout::

        run.json                 scenario, date, distance method, provenance, file hashes
        tables/areas.csv         per area × category × profile × threshold (+ gini_min)
        tables/sites.csv         ranked sites (with a siting request)
        tables/sites_per_area.csv
        tables/delta_vs_baseline.csv   (with a baseline)
        tables/categories.csv    per category: located/unlocated services, status
        data/                    coverage.write(): CSV + GeoParquet with provenance
        maps/*.html              self-contained offline maps
        report.md, report.html
        omrade_<id>.md/.html     area profiles (outputs.area_profiles)

    The output folder gets the mode of a normal ``mkdir`` (``0o777 & ~umask``), not the
    staging folder's 0700. With a shared maps folder (``outputs.maps_dir`` or ``maps_dir``)
    the maps are also published to ``<maps_dir>/<name>/``, atomically and only when the
    whole run succeeded.

    Parameters
    ----------
    scenario
        A :class:`Scenario` or the path of a scenario TOML.
    out_dir
        Output folder (default: the scenario's ``outputs.dir`` or ``out/<name>``).
    maps_dir
        Shared maps folder to publish the maps to (as ``<maps_dir>/<name>/``). Default: the
        scenario's ``outputs.maps_dir`` when ``out_dir`` is not given, else none.
    quiet
        No step messages or progress bars (warnings are still printed).

    Returns
    -------
    RunResult

    Raises
    ------
    ProximityError
        Any input problem (``ScenarioError``, ``NetworkError``, ``OutputError``, …).
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    target = scenario.output_dir(out_dir)
    o = scenario.outputs
    maps_target = scenario.published_maps_dir(out_dir, maps_dir) if o.maps else None
    total = 6 + sum(
        map(bool, (scenario.siting, scenario.baseline, o.maps, o.report, o.area_profiles))
    )
    steps = _Steps(total, quiet)
    prev_progress = config._progress_override
    if quiet:
        config.set_progress(False)
    staging: Path | None = None
    maps_staging: Path | None = None
    try:
        staging = _stage_dir(target)  # fails fast on an unwritable output folder
        if maps_target is not None:
            _check_maps_target(maps_target)  # … and on an unwritable maps folder
        res = _run_into(scenario, staging, target, steps, maps_target)
        steps.step("publishing outputs")
        if maps_target is not None and res.maps:
            maps_staging = _stage_maps(res.maps, maps_target)
        _open_up(staging)
        _publish(staging, target)
        done, staging = staging, None
        if maps_staging is not None and maps_target is not None:
            _publish(maps_staging, maps_target)
            maps_staging = None
            res.published_maps = [maps_target / p.name for p in res.maps]
        steps.close()

        def rebase(p: Path) -> Path:
            return target / p.relative_to(done)

        res.timings_s = dict(steps.timings)
        res.out_dir = target
        res.tables = {k: rebase(p) for k, p in res.tables.items()}
        res.maps = [rebase(p) for p in res.maps]
        res.report = None if res.report is None else rebase(res.report)
        res.area_profiles = [rebase(p) for p in res.area_profiles]
        if not quiet:
            steps.say(f"done in {time.perf_counter() - steps.t0:.1f} s → {target}")
        return res
    finally:
        steps.bar.close()
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        if maps_staging is not None:
            shutil.rmtree(maps_staging, ignore_errors=True)
        if quiet:
            config.set_progress(prev_progress)


class _Quiet:
    """A silent stand-in for :class:`_Steps` (in-memory runs, baselines)."""

    quiet = True

    def say(self, msg: str) -> None:
        pass

    def step(self, name: str) -> None:
        pass


def compute(
    scenario: Scenario | str | os.PathLike[str],
    *,
    quiet: bool = True,
    banner: bool = True,
    _steps: Any = None,
    _chain: tuple[Path, ...] = (),
    _networks: dict[Any, Any] | None = None,
) -> RunResult:
    """Run the analysis of a scenario in memory, writing nothing.

    The same steps as :func:`run` up to the final coverage (city, interventions, network,
    coverage, siting and coverage with the chosen sites); for notebooks and baselines.
    ``RunResult.out_dir`` is the folder :func:`run` would write to.

    Parameters
    ----------
    scenario
        A :class:`Scenario` or a scenario TOML path.
    quiet
        No step messages.
    banner
        Print the loud crow-fly warning when the network falls back to crow-fly.
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    steps = _steps if _steps is not None else (_Quiet() if quiet else _Steps(5, False))
    networks = {} if _networks is None else _networks
    steps.step(f"loading city {Path(scenario.city).name}")
    city = _load_city(scenario)
    check_against_city(scenario, city)

    steps.step("applying interventions")
    city, profiles, log = apply_interventions(scenario, city)
    for line in log:
        steps.say("  " + line)

    steps.step("walking network")
    key = (scenario.city, scenario.network)
    if key in networks:
        network, info = networks[key]
        info = dict(info)
    else:
        network, info = resolve_network(scenario, city, say=steps.say)
        networks[key] = (network, dict(info))
    warnings: list[str] = []
    if network is None:
        method = f"crowfly×{scenario.detour_factor:g}"
        if info.get("origin") == "fallback":
            if banner:
                _warn(
                    CROWFLY_BANNER.format(
                        factor=f"{scenario.detour_factor:g}",
                        method=method,
                        reason=str(info.get("reason", "")),
                    )
                )
            warnings.append(
                f"No walking network ({info.get('reason')}); crow-fly "
                f"approximation {method} used for every result."
            )
        else:
            warnings.append(f"Crow-fly approximation {method} requested by the scenario.")
    else:
        info["provenance"] = _network_provenance(network)
    steps.step("coverage")
    access = _compute_access(scenario, city, network, profiles, scenario.categories)
    method = str(getattr(access, "distance_method", "network" if network else "crowfly"))
    res = RunResult(
        scenario=scenario,
        out_dir=scenario.output_dir(),
        distance_method=method,
        network_info=info,
        city=city,
        network=network,
        access=access,
        warnings=warnings,
        log=log,
        profiles=tuple(profiles),
    )

    if scenario.siting is not None:
        steps.step(f"siting: {scenario.siting.model}, k={scenario.siting.k}")
        res.siting = _site(scenario, city, network, profiles)
        if scenario.siting.apply:
            rows = _chosen_sites_as_services(scenario, city, res.siting)
            if rows is not None and len(rows):
                res.added_sites = rows
                res.access_before_siting = access
                after = _compute_access(
                    scenario,
                    city,
                    network,
                    profiles,
                    [scenario.siting.category],
                    extra_services=rows,
                )
                res.access = _merge_after_siting(access, after, scenario.siting.category)
                res.log.append(
                    f"siting applied: {len(rows)} new {scenario.siting.category} "
                    "sites added before the final coverage"
                )

    # categories without any located service (and no proposed site): no coverage at all
    cats_table = categories_table(city, scenario, res.added_sites)
    for r in cats_table[cats_table["status"] == NO_SERVICE_STATUS].itertuples():
        line = (
            f"Category {r.category} ({r.label_sv}): no located service"
            + (
                f" ({r.n_unlocated_services} named without a location)"
                if r.n_unlocated_services
                else ""
            )
            + " – no coverage computed."
        )
        if banner:
            _warn(f"warning: {line}")
        res.warnings.append(line)

    if scenario.baseline is not None:
        steps.step(f"baseline {scenario.baseline.name}")
        here = scenario.path.resolve() if scenario.path else Path(scenario.name)
        chain = (*_chain, here)
        if scenario.baseline.resolve() in chain:
            raise ScenarioError(
                "Baseline scenarios form a cycle.",
                file=scenario.path,
                fix="Let the baseline chain end in a scenario without baseline.",
            )
        res.baseline = compute(
            scenario.baseline, quiet=True, banner=False, _chain=chain, _networks=networks
        )
    return res


def _run_into(
    scenario: Scenario,
    staging: Path,
    target: Path,
    steps: _Steps,
    maps_target: Path | None = None,
) -> RunResult:
    """:func:`compute`, then every output written into ``staging``."""
    res = compute(scenario, _steps=steps)
    res.out_dir = target
    date = today_iso()  # one run date for run.json and the tables' date column
    city, method = res.city, res.distance_method
    baseline_access = res.baseline.access if res.baseline is not None else None
    baseline_areas = (
        areas_table(baseline_access, res.baseline.city) if res.baseline is not None else None
    )
    info = res.network_info

    steps.step("writing tables")
    tables_dir = staging / "tables"
    tables_dir.mkdir()
    areas = areas_table(res.access, city, date=date)
    if scenario.outputs.tables:
        res.tables["areas"] = write_table(areas, tables_dir / "areas.csv", AREA_KEYS)
        res.tables["categories"] = write_table(
            categories_table(city, scenario, res.added_sites), tables_dir / "categories.csv"
        )
        eq = _equity(res.access, city)
        if eq is not None:
            res.tables["equity"] = write_table(
                eq, tables_dir / "equity.csv", ["category", "profile", "threshold_min"]
            )
        if res.access_before_siting is not None:
            res.tables["areas_before_siting"] = write_table(
                areas_table(res.access_before_siting, city, date=date),
                tables_dir / "areas_before_siting.csv",
                AREA_KEYS,
            )
        if res.siting is not None:
            for key, df in _siting_tables(
                res.siting, method, population_unit(res.access, city)
            ).items():
                res.tables[key] = write_table(
                    df,
                    tables_dir / f"{key}.csv",
                    [c for c in ("rank", "area_id", "candidate_id") if c in df.columns],
                )
            with contextlib.suppress(AttributeError):
                res.siting.write(staging / "data" / "siting")
        if baseline_areas is not None:
            diff = compare_tables(baseline_areas, areas)
            res.tables["delta_vs_baseline"] = write_table(
                diff, tables_dir / "delta_vs_baseline.csv", AREA_KEYS
            )
        with contextlib.suppress(AttributeError):
            res.access.write(staging / "data")
    else:
        write_table(areas, tables_dir / "areas.csv", AREA_KEYS)  # compare needs it

    if scenario.outputs.maps:
        steps.step("maps")
        res.maps = _write_maps(scenario, res, staging / "maps", baseline_access)
    if scenario.outputs.report:
        steps.step("report")
        res.report = _write_report(scenario, res, staging, baseline_access)
    if scenario.outputs.area_profiles:
        steps.step("area profiles")
        res.area_profiles = _write_area_profiles(scenario, res, staging)

    manifest = {
        "proximity_run": 1,
        "scenario": scenario.to_dict(),
        "date": date,
        "distance_method": method,
        "crowfly": not method.startswith("network"),
        "population_unit": population_unit(res.access, city),
        "network": {k: v for k, v in info.items() if k != "provenance"},
        "network_provenance": info.get("provenance"),
        "city": {
            "name": getattr(city, "name", None),
            "provenance": getattr(city, "provenance", None),
        },
        "interventions": res.log,
        "warnings": res.warnings,
        "tables": {
            k: {"file": p.relative_to(staging).as_posix(), "sha256": file_sha256(p)}
            for k, p in sorted(res.tables.items())
        },
        "maps": [p.relative_to(staging).as_posix() for p in res.maps],
        "maps_isochrones": (
            "reached network (isochrone polygons) of the mapped categories"
            if res.network is not None
            else "none: crow-fly mode has no network to reach along"
        ),
        "published_maps": (
            [(maps_target / p.name).as_posix() for p in res.maps] if maps_target else []
        ),
        "area_profiles": [p.relative_to(staging).as_posix() for p in res.area_profiles],
    }
    write_json_atomic(staging / "run.json", manifest)
    return res


# ============================================================================ compare
COMPARE_METRICS = (
    ("covered", "delta_covered"),
    ("covered_share", "delta_covered_share"),
    ("mean_min", "delta_mean_min"),
    ("gini_min", "delta_gini"),
)


def read_run_tables(folder: str | os.PathLike[str]) -> pd.DataFrame:
    """Read ``tables/areas.csv`` of a finished run.

    Raises
    ------
    InputFileError
        If the folder is not the output of a finished ``proximity run``.
    """
    from proximity.errors import InputFileError

    f = Path(folder)
    path = f / "tables" / "areas.csv"
    if not path.exists():
        raise InputFileError(
            "Not the output folder of a finished run (tables/areas.csv is missing).",
            file=f,
            fix="Give a scenario .toml, or the output folder of `proximity run` (default "
            "out/<name>).",
        )
    df = pd.read_csv(
        path,
        dtype={
            "area_id": str,
            "area_name": str,
            "category": str,
            "profile": str,
            "distance_method": str,
        },
        keep_default_na=False,
        na_values=[""],
    )
    return df


def _rollup_split(df: pd.DataFrame, other: pd.DataFrame) -> pd.DataFrame:
    """Add to ``df`` one summed row per area that ``df`` split into subareas and ``other``
    has whole (``parent_area_id``), so that the split area can be compared.

    Counts are summed; ``covered_share = covered / population``; ``mean_min`` is weighted by
    the reachable residents (covered + uncovered), as in :mod:`proximity.coverage`; medians,
    percentiles and the Gini cannot be summed and are left empty. The row's ``area_name``
    says which subareas it sums.
    """
    if "parent_area_id" not in df.columns or not len(df):
        return df
    ids = set(df["area_id"].astype(str))
    wanted = set(other["area_id"].astype(str)) - ids
    split = df[
        df["parent_area_id"].astype(str).isin(wanted)
        & (df["parent_area_id"].astype(str) != df["area_id"].astype(str))
    ]
    if split.empty:
        return df
    rows = []
    keys = [k for k in AREA_KEYS if k != "area_id" and k in df.columns]
    counts = [
        c
        for c in ("population", "covered", "uncovered", "unsnapped", "unreachable", "unlocated")
        if c in df.columns
    ]
    for (parent, *kv), g in split.groupby(["parent_area_id", *keys], sort=True, dropna=False):
        row: dict[str, Any] = dict(zip(keys, kv, strict=True))
        row.update({c: float(g[c].astype(float).sum()) for c in counts})
        row["area_id"] = str(parent)
        row["parent_area_id"] = str(parent)
        row["area_name"] = "Σ " + " + ".join(g["area_name"].astype(str))
        pop = row.get("population", 0.0)
        row["covered_share"] = row["covered"] / pop if pop else float("nan")
        if {"mean_min", "covered", "uncovered"} <= set(g.columns):
            w = g["covered"].astype(float) + g["uncovered"].astype(float)
            mm = g["mean_min"].astype(float)
            ok = (w > 0) & np.isfinite(mm)
            row["mean_min"] = (
                float((mm[ok] * w[ok]).sum() / w[ok].sum()) if ok.any() else float("nan")
            )
        if "distance_method" in g.columns:
            row["distance_method"] = str(g["distance_method"].iloc[0])
        if "population_unit" in g.columns:
            row["population_unit"] = str(g["population_unit"].iloc[0])
        rows.append(row)
    return pd.concat([df, pd.DataFrame(rows)], ignore_index=True)


def compare_tables(
    a: pd.DataFrame,
    b: pd.DataFrame,
    *,
    category: str | None = None,
    profile: str | None = None,
    threshold_min: float | None = None,
) -> pd.DataFrame:
    """Per-area difference B − A of two ``areas.csv`` tables.

    Rows are matched on ``category, profile, threshold_min, area_id`` (outer join: an area
    present in only one run, e.g. after a split, gets empty deltas and ``present`` =
    ``"a"`` or ``"b"``).

    Returns
    -------
    DataFrame
        ``category, profile, threshold_min, area_id, area_name, present, population_a,
        population_b, covered_a, covered_b, delta_covered, covered_share_a, covered_share_b,
        delta_covered_share, mean_min_a, mean_min_b, delta_mean_min, gini_a, gini_b,
        delta_gini, distance_method_a, distance_method_b``.
    """
    keys = list(AREA_KEYS)

    def prep(df: pd.DataFrame) -> pd.DataFrame:
        df = df.copy()
        for c in ("area_id", "category", "profile"):
            df[c] = df[c].astype(str)
        df["threshold_min"] = df["threshold_min"].astype(float)
        if category is not None:
            df = df[df["category"] == category]
        if profile is not None:
            df = df[df["profile"] == profile]
        if threshold_min is not None:
            df = df[np.isclose(df["threshold_min"], float(threshold_min))]
        if "gini_min" not in df.columns:
            df["gini_min"] = np.nan
        cols = [
            *keys,
            "area_name",
            "population",
            "covered",
            "covered_share",
            "mean_min",
            "gini_min",
            "distance_method",
            "population_unit",
        ]
        return df[[c for c in cols if c in df.columns]]

    a, b = _rollup_split(a, b), _rollup_split(b, a)
    m = prep(a).merge(prep(b), on=keys, how="outer", suffixes=("_a", "_b"), indicator=True)
    m["area_name"] = m["area_name_b"].fillna(m["area_name_a"])
    m["present"] = (
        m["_merge"].map({"both": "both", "left_only": "a", "right_only": "b"}).astype(str)
    )
    for col, dcol in COMPARE_METRICS:
        m[dcol] = m[f"{col}_b"].astype(float) - m[f"{col}_a"].astype(float)
    m = m.rename(columns={"gini_min_a": "gini_a", "gini_min_b": "gini_b"})
    cols = [
        *keys,
        "area_name",
        "present",
        "population_a",
        "population_b",
        "covered_a",
        "covered_b",
        "delta_covered",
        "covered_share_a",
        "covered_share_b",
        "delta_covered_share",
        "mean_min_a",
        "mean_min_b",
        "delta_mean_min",
        "gini_a",
        "gini_b",
        "delta_gini",
        "distance_method_a",
        "distance_method_b",
        "population_unit_a",
        "population_unit_b",
    ]
    m = m[[c for c in cols if c in m.columns]]
    m = m.sort_values(keys, key=_sort_key, kind="mergesort")
    return m.reset_index(drop=True)


def _pick(values: Iterable[Any], preferred: Sequence[Any]) -> Any:
    vals = list(values)
    for p in preferred:
        if p in vals:
            return p
    return sorted(vals)[0] if vals else None


#: ``present`` (compare.csv) → the Swedish wording of compare.md's "finns i" column.
PRESENT_SV = {"both": "båda", "a": "bara A", "b": "bara B"}


def _compare_markdown(
    diff: pd.DataFrame, a_name: str, b_name: str, category: str, profile: str, threshold: float
) -> str:
    view = diff[
        [
            "area_id",
            "area_name",
            "present",
            "covered_a",
            "covered_b",
            "delta_covered",
            "covered_share_a",
            "covered_share_b",
            "delta_covered_share",
            "mean_min_b",
            "delta_mean_min",
            "gini_b",
            "delta_gini",
        ]
    ].copy()
    for c in ("covered_share_a", "covered_share_b", "delta_covered_share"):
        view[c] = view[c] * 100.0
    # the CSV keeps the machine-readable present = both|a|b; the human table is Swedish
    view["present"] = view["present"].map(PRESENT_SV).fillna(view["present"])
    view = view.rename(
        columns={
            "area_id": "area",
            "area_name": "namn",
            "present": "finns i",
            "covered_a": "täckta A",
            "covered_b": "täckta B",
            "delta_covered": "Δ täckta",
            "covered_share_a": "andel A %",
            "covered_share_b": "andel B %",
            "delta_covered_share": "Δ andel (p.e.)",
            "mean_min_b": "medel min B",
            "delta_mean_min": "Δ medel min",
            "gini_b": "Gini B",
            "delta_gini": "Δ Gini",
        }
    )
    for c in view.columns:
        if view[c].dtype.kind == "f":
            view[c] = view[c].round(3 if "Gini" in c else 1)
    methods = sorted(
        {str(x) for x in pd.concat([diff["distance_method_a"], diff["distance_method_b"]]).dropna()}
    )
    head = (
        f"### {b_name} − {a_name}: {category}, {profile}, "
        f"{_fmt_float(float(threshold))} min\n\n"
        f"Avståndsmetod: {', '.join(methods) or 'okänd'}"
        + (
            " — **fågelvägsapproximation, inte gångnät**"
            if any(m.startswith("crowfly") for m in methods)
            else ""
        )
        + "\n\n"
    )
    units = sorted(
        {
            str(x)
            for c in ("population_unit_a", "population_unit_b")
            if c in diff.columns
            for x in diff[c].dropna()
        }
    )
    if any(u != "persons" for u in units):
        head += (
            f"Enhet: {', '.join(units)} — **täckta = m² bostadsyta (proxy för befolkning), "
            "inte antal personer**; jämför andelarna\n\n"
        )
        view = view.rename(
            columns={"täckta A": "täckt m² A", "täckta B": "täckt m² B", "Δ täckta": "Δ täckt m²"}
        )
    return head + _md_table(view)


def _resolve_run(
    arg: str | os.PathLike[str], out_root: Path | None, label: str, quiet: bool
) -> tuple[Path, str]:
    p = Path(arg)
    if p.is_dir():
        name = p.name
        with contextlib.suppress(OSError, ValueError, KeyError):
            name = json.loads((p / "run.json").read_text("utf-8"))["scenario"]["name"]
        return p, name
    if p.suffix == ".toml" or not p.exists():
        sc = load_scenario(p)
        out = (out_root / "runs" / f"{label}-{sc.name}") if out_root else None
        r = run(sc, out_dir=out, quiet=quiet)
        return r.out_dir, sc.name
    raise ScenarioError(
        "Expected a scenario .toml or the output folder of a run.",
        file=p,
        fix="Give a .toml file or a folder written by `proximity run`.",
    )


@dataclass
class CompareResult:
    """What :func:`compare` produced: the full diff, the shown slice and the files."""

    diff: pd.DataFrame
    view: pd.DataFrame
    markdown: str
    csv_path: Path | None
    md_path: Path | None
    a_dir: Path
    b_dir: Path


def compare(
    a: str | os.PathLike[str],
    b: str | os.PathLike[str],
    *,
    out_dir: str | os.PathLike[str] | None = None,
    category: str | None = None,
    profile: str | None = None,
    threshold_min: float | None = None,
    quiet: bool = False,
) -> CompareResult:
    """Compare two runs per area (B − A).

    ``a`` and ``b`` are each either the output folder of a finished run, or a scenario TOML,
    which is run first (into ``<out_dir>/runs/`` when ``out_dir`` is given, else into its own
    output folder).

    The CSV holds every category × profile × threshold; the Markdown (and the printed table)
    one slice: ``category`` (default: B's siting category, else ``district_office`` if
    present, else the first), ``profile`` (default ``adult``) and ``threshold_min`` (default
    10 or the first).

    Writes ``compare.csv`` and ``compare.md`` into ``out_dir`` when given.
    """
    out_root = Path(out_dir) if out_dir is not None else None
    if out_root is not None:
        # fail before running anything if the folder cannot be written
        from proximity._io import ensure_writable_dir

        ensure_writable_dir(out_root)
    a_dir, a_name = _resolve_run(a, out_root, "a", quiet)
    b_dir, b_name = _resolve_run(b, out_root, "b", quiet)
    ta, tb = read_run_tables(a_dir), read_run_tables(b_dir)
    diff = compare_tables(ta, tb)
    pref: dict[str, Any] = {}
    for d in (a_dir, b_dir):  # B's choices win: its siting, else its map settings
        with contextlib.suppress(OSError, ValueError, KeyError, TypeError, AttributeError):
            sc = json.loads((d / "run.json").read_text("utf-8"))["scenario"]
            outs = sc.get("outputs") or {}
            sit = sc.get("siting") or {}
            cats = outs.get("map_categories") or []
            pref.update(
                {
                    k: v
                    for k, v in (
                        ("category", sit.get("category") or (cats[0] if cats else None)),
                        ("profile", sit.get("profile") or outs.get("map_profile")),
                        (
                            "threshold_min",
                            sit.get("threshold_min") or outs.get("map_threshold_min"),
                        ),
                    )
                    if v is not None
                }
            )
    both = diff[diff["present"] == "both"]
    cat = category or _pick(both["category"].unique(), [pref.get("category"), "district_office"])
    prof = profile or _pick(both["profile"].unique(), [pref.get("profile"), "adult"])
    thr_pref = [float(pref["threshold_min"])] if "threshold_min" in pref else []
    thr = (
        threshold_min
        if threshold_min is not None
        else _pick(both["threshold_min"].unique(), [*thr_pref, 10.0])
    )
    if cat is None:
        raise ScenarioError(
            "The two runs have no category × profile × threshold in common.",
            file=b_dir,
            fix="Compare runs of the same city and categories.",
        )
    view = diff[
        (diff["category"] == cat)
        & (diff["profile"] == prof)
        & np.isclose(diff["threshold_min"], float(thr))
    ]
    md = _compare_markdown(view, a_name, b_name, cat, prof, thr)
    csv_path = md_path = None
    if out_root is not None:
        csv_path = write_table(diff, out_root / "compare.csv", AREA_KEYS)
        md_path = write_text_atomic(out_root / "compare.md", md)
    return CompareResult(
        diff=diff,
        view=view.reset_index(drop=True),
        markdown=md,
        csv_path=csv_path,
        md_path=md_path,
        a_dir=a_dir,
        b_dir=b_dir,
    )
