"""Scenario TOML file → :class:`~proximity.scenario.model.Scenario`.

Errors name the file, the line, the key and the fix.

A file may start with ``schema = 1`` (the only version so far; a file without it is read as
version 1). A key that was renamed gets an error naming its new name (:data:`RENAMED_KEYS`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import cast

from proximity._io import slug
from proximity._toml import read_toml
from proximity.coverage._check import MAX_THRESHOLD_M
from proximity.errors import ScenarioError, SchemaError, did_you_mean
from proximity.scenario._parse_equity import parse_equity
from proximity.scenario._parse_fields import (
    ParseContext,
    Raw,
    check_keys,
    get_list,
    get_num,
    get_str,
    get_strs,
    require_str,
    resolve_path,
)
from proximity.scenario._parse_sections import (
    parse_interventions,
    parse_network,
    parse_outputs,
    parse_siting,
)
from proximity.scenario.model import (
    DEFAULT_PROFILES,
    DEFAULT_THRESHOLDS_MIN,
    MAX_THRESHOLD_MIN,
    Scenario,
    SitingSpec,
)
from proximity.sources.categories import Category, parse_declared
from proximity.sources.registry import builtin_cities

__all__ = ["RENAMED_KEYS", "SCHEMA_VERSION", "TOP_KEYS", "load_scenario"]

#: The scenario file format version this code reads (``schema = 1``; absent means 1).
SCHEMA_VERSION = 1

TOP_KEYS = (
    "schema",
    "name",
    "title",
    "description",
    "city",
    "network",
    "categories",
    "thresholds_min",
    "thresholds_m",
    "profiles",
    "max_snap_m",
    "detour_factor",
    "interventions",
    "siting",
    "outputs",
    "baseline",
    "areas",
    "equity",
)

#: Keys that were renamed: section (``""`` = top level, ``"interventions"`` = every
#: ``[[interventions]]`` table) → old name → new name. An old name is an error that names the
#: new one.
RENAMED_KEYS: dict[str, dict[str, str]] = {
    "": {"threshold_min": "thresholds_min", "threshold": "thresholds_min"},
}

_NAME_RE = re.compile(r"[a-z0-9][a-z0-9_.-]*")


def _available_scenarios(folder: Path) -> list[str]:
    try:
        return sorted(p.name for p in folder.glob("*.toml"))
    except OSError:
        return []


def _read_text(p: Path) -> str:
    """The file's text; a missing file names the scenarios nearby."""
    if not p.exists():
        here = _available_scenarios(p.parent if str(p.parent) else Path("."))
        shipped = _available_scenarios(Path("scenarios"))
        fix = "Check the path."
        if here or shipped:
            found = [str(p.parent / n) for n in here] or [f"scenarios/{n}" for n in shipped]
            fix += " Scenarios found: " + ", ".join(found) + "."
        raise ScenarioError("Scenario file not found.", file=p, fix=fix)
    if p.is_dir():
        raise ScenarioError(
            "Expected a scenario .toml file, got a folder.",
            file=p,
            fix="Name the .toml file inside it.",
        )
    try:
        return p.read_bytes().decode("utf-8-sig")  # a byte order mark is allowed
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(
            f"Cannot read the scenario file: {exc}",
            file=p,
            fix="Check that it is a UTF-8 text file you can read.",
        ) from exc


_TOML_FIX = (
    "Fix the syntax there: strings need quotes, tables are [name], lists are [a, b], one key "
    "per line. See scenarios/helsingborg-baseline.toml."
)


def _check_schema(ctx: ParseContext, raw: Mapping[str, Raw]) -> None:
    """``schema`` must be :data:`SCHEMA_VERSION` (absent: an older file, read as version 1)."""
    if "schema" not in raw:
        return
    v = raw["schema"]
    if type(v) is not int or v != SCHEMA_VERSION:
        shown = str(v).lower() if isinstance(v, bool) else repr(v)
        raise ctx.error(
            f"Unsupported scenario schema {shown}: this version of proximity reads "
            f"schema = {SCHEMA_VERSION} (an integer).",
            key="schema",
            fix=f"Write schema = {SCHEMA_VERSION} (or drop the line) and check the file "
            "against scenarios/helsingborg-baseline.toml, or upgrade proximity.",
        )


def _parse_name(ctx: ParseContext, raw: Mapping[str, Raw]) -> str:
    name = require_str(ctx, raw, "name", "")
    if not _NAME_RE.fullmatch(name):
        raise ctx.error(
            f"name {name!r} must be a lower-case slug (letters, digits, - _ .).",
            key="name",
            fix=f"Write e.g. name = {slug(name)!r}.",
        )
    return name


def _resolve_city(ctx: ParseContext, city: str) -> str:
    """A built-in city name stays a name; anything else is a path to a city TOML.

    The path is relative to the scenario file and may name a folder holding ``city.toml``.
    """
    looks_like_path = city.endswith(".toml") or "/" in city or "\\" in city
    if not looks_like_path and city in builtin_cities():
        return city
    cpath = resolve_path(ctx.path.parent, city)
    if cpath.is_dir() and (cpath / "city.toml").exists():
        cpath = cpath / "city.toml"
    if cpath.is_file():
        return str(cpath)
    if looks_like_path and not city.endswith(".toml"):
        raise _missing_bundle(ctx, city, cpath)
    known = builtin_cities()
    hint = did_you_mean(city, known)
    raise ctx.error(
        f"city {city!r} is neither a built-in city nor an existing city file.",
        key="city",
        fix=(f"Did you mean {hint!r}? " if hint else "")
        + f"Use one of {', '.join(known)}, or a path to a city TOML (relative to the scenario "
        "file; see data/helsingborg/city.toml for the format).",
    )


def _missing_bundle(ctx: ParseContext, city: str, folder: Path) -> ScenarioError:
    """A city bundle folder that is missing (or has no city.toml): the build command as fix."""
    rel = os.path.normpath(os.path.relpath(folder))
    shown = rel if not rel.startswith("..") else os.path.normpath(folder.absolute())
    what = "has no city.toml" if folder.is_dir() else "does not exist"
    return ctx.error(
        f"city {city!r} names a city bundle folder that {what} ({shown}).",
        key="city",
        fix=f"Build the bundle first (online, once; then it runs offline): "
        f"proximity city build {folder.name} --out {shown} (other sources, e.g. --areas "
        "for your own reporting areas: proximity city build --help).",
    )


def _parse_baseline(ctx: ParseContext, raw: Mapping[str, Raw]) -> Path | None:
    if "baseline" not in raw:
        return None
    b = require_str(ctx, raw, "baseline", "")
    baseline = resolve_path(ctx.path.parent, b)
    if not baseline.exists():
        raise ctx.error(
            f"Baseline scenario not found: {baseline}",
            key="baseline",
            fix="Give the path of another scenario TOML, relative to this "
            'file, e.g. baseline = "helsingborg-baseline.toml".',
        )
    if baseline.resolve() == ctx.path.resolve():
        raise ctx.error(
            "A scenario cannot be its own baseline.",
            key="baseline",
            fix="Name another scenario file.",
        )
    return baseline


def _check_siting_in_lists(
    ctx: ParseContext,
    siting: SitingSpec | None,
    profiles: tuple[str, ...] | None,
    cats: tuple[str, ...] | None,
) -> None:
    """The siting's profile and category must be among the scenario's (when listed)."""
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


def _parse_thresholds(ctx: ParseContext, raw: Mapping[str, Raw]) -> tuple[float, ...] | None:
    """``thresholds_min`` as written (integers stay integers, as in ``run.json``)."""
    v = cast(
        "tuple[float, ...] | None", get_list(ctx, raw, "thresholds_min", "", float, positive=True)
    )
    for t in v or ():
        if t > MAX_THRESHOLD_MIN:
            raise ctx.error(
                f"'thresholds_min' holds {t!r}: a walking-time threshold must be at most "
                f"{MAX_THRESHOLD_MIN} minutes (24 hours).",
                key="thresholds_min",
                fix="Give thresholds in minutes, e.g. thresholds_min = [5, 10, 15, 20].",
            )
    return v


def _parse_categories(
    ctx: ParseContext, raw: Mapping[str, Raw]
) -> tuple[tuple[str, ...] | None, tuple[Category, ...]]:
    """``categories``: a list, ``"all"``, or a table of declarations with optional ``compute``.

    ``[categories.grocery] label_sv = "Livsmedelsbutik"`` declares a category (as a city TOML
    may); ``[categories] compute = [...]`` then lists those to compute (default: all).
    """
    value = raw.get("categories", "all")
    if not isinstance(value, Mapping):
        return (None if value == "all" else get_strs(ctx, raw, "categories", "")), ()
    tables = {k: v for k, v in value.items() if k != "compute"}
    try:
        declared = parse_declared(tables, file=ctx.path)
    except SchemaError as exc:
        first = next(iter(tables), None)
        raise ctx.error(exc.message, section="categories", key=first, fix=exc.fix) from None
    compute = value.get("compute", "all")
    cats = None if compute == "all" else get_strs(ctx, value, "compute", "categories")
    return cats, tuple(declared.values())


def _parse_thresholds_m(ctx: ParseContext, raw: Mapping[str, Raw]) -> tuple[float, ...] | None:
    """``thresholds_m``: walking metres along the network, computed beside the minutes."""
    v = cast(
        "tuple[float, ...] | None", get_list(ctx, raw, "thresholds_m", "", float, positive=True)
    )
    for t in v or ():
        if t > MAX_THRESHOLD_M:
            raise ctx.error(
                f"'thresholds_m' holds {t!r}: a walking-distance threshold must be at most "
                f"{MAX_THRESHOLD_M:g} metres.",
                key="thresholds_m",
                fix="Give thresholds in metres, e.g. thresholds_m = [300, 600, 1000, 1500].",
            )
    return v


def _parse(ctx: ParseContext, raw: Mapping[str, Raw]) -> Scenario:
    """The validated scenario of a parsed TOML file."""
    _check_schema(ctx, raw)  # first: a newer file's keys are not "unknown", it is too new
    check_keys(ctx, raw, TOP_KEYS, "")
    name = _parse_name(ctx, raw)
    city = _resolve_city(ctx, require_str(ctx, raw, "city", ""))
    net = parse_network(ctx, raw.get("network", {}))
    cats, declared = _parse_categories(ctx, raw)
    thresholds = _parse_thresholds(ctx, raw)
    thresholds_m = _parse_thresholds_m(ctx, raw)
    profiles = get_strs(ctx, raw, "profiles", "")
    interventions = parse_interventions(ctx, raw.get("interventions", []))
    siting = parse_siting(ctx, raw["siting"]) if "siting" in raw else None
    outputs = parse_outputs(ctx, raw.get("outputs", {}))
    baseline = _parse_baseline(ctx, raw)
    _check_siting_in_lists(ctx, siting, profiles, cats)
    return Scenario(
        name=name,
        city=city,
        title=get_str(ctx, raw, "title", "", "") or "",
        description=get_str(ctx, raw, "description", "", "") or "",
        network=net,
        categories=cats,
        declared_categories=declared,
        areas=get_strs(ctx, raw, "areas", ""),
        thresholds_min=thresholds or DEFAULT_THRESHOLDS_MIN,
        thresholds_m=thresholds_m or (),
        profiles=profiles or DEFAULT_PROFILES,
        max_snap_m=float(get_num(ctx, raw, "max_snap_m", "", 300.0, positive=True)),
        detour_factor=float(get_num(ctx, raw, "detour_factor", "", 1.3, lo=1.0, hi=5.0)),
        interventions=interventions,
        siting=siting,
        outputs=outputs,
        baseline=baseline,
        path=ctx.path,
        equity=parse_equity(ctx, raw["equity"]) if "equity" in raw else None,
    )


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
        when it is loaded (:func:`~proximity.scenario.check_against_city`, done by
        :func:`~proximity.scenario.run`).

    Raises
    ------
    ScenarioError
        Missing or unreadable file, malformed TOML (with tomllib's line and column), an
        unsupported ``schema``, an unknown key (with a "did you mean" hint, or the new name
        of a renamed key), a wrong type or value, or a contradiction.
    """
    p = Path(path)
    text = _read_text(p)
    raw = read_toml(p, error=ScenarioError, fix=_TOML_FIX)
    return _parse(ParseContext(p, text, RENAMED_KEYS), raw)
