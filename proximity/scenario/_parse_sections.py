"""Private: a scenario file's tables → the model's dataclasses.

[network], [[interventions]], [siting] and [outputs]; used by :mod:`proximity.scenario.parse`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal, cast

from proximity.errors import did_you_mean
from proximity.scenario._parse_equity import parse_candidate_areas, parse_need_weights
from proximity.scenario._parse_fields import (
    ParseContext,
    Raw,
    check_keys,
    get_bool,
    get_num,
    get_str,
    get_strs,
    require_str,
    resolve_path,
    type_name,
)
from proximity.scenario.model import (
    MAX_THRESHOLD_MIN,
    AddService,
    CandidateSpec,
    CloseService,
    Intervention,
    NetworkSource,
    NetworkSpec,
    OutputSpec,
    SetSpeed,
    SitingSpec,
    SplitArea,
)

NETWORK_KEYS = ("source", "fallback", "place", "buffer_m", "probe_timeout_s")
SITING_KEYS = (
    "model",
    "k",
    "threshold_min",
    "profile",
    "category",
    "one_per_area",
    "candidates",
    "solver",
    "apply",
    "candidate_areas",
    "need_weights",
)
OUTPUT_KEYS = (
    "dir",
    "maps",
    "report",
    "tables",
    "map_categories",
    "map_threshold_min",
    "map_profile",
    "maps_dir",
    "publish",
    "area_profiles",
    "nonprofits_near",
    "nonprofits_threshold_min",
    "pdf",
    "privacy_cell_m",
    "privacy_min_count",
)
INTERVENTION_KEYS: dict[str, tuple[str, ...]] = {
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
NETWORK_MODES = ("auto", "required", "crowfly")
#: File suffixes taken as a network file even before checking that the file exists.
OSM_SUFFIXES = (".osm", ".pbf", ".bz2", ".npz", ".xml")


def _as_table(ctx: ParseContext, raw: Raw, key: str, fix: str) -> Mapping[str, Raw]:
    if not isinstance(raw, dict):
        raise ctx.error(f"'{key}' must be a table, got {type_name(raw)}.", key=key, fix=fix)
    return raw


# ============================================================================ [network]
def _network_source(
    ctx: ParseContext, src: str, place: str | None
) -> tuple[NetworkSource, Path | None, str | None]:
    """``source`` → (kind, path, place)."""
    section = "network"
    base = ctx.path.parent
    if src in NETWORK_MODES:
        return cast(NetworkSource, src), None, place
    if src.startswith("place:"):
        place = src.split(":", 1)[1].strip()
        if not place:
            raise ctx.error(
                "'source = \"place:\"' names no place.",
                key="source",
                section=section,
                fix='Write source = "place:Helsingborgs kommun".',
            )
        return "place", None, place
    if src.lower().endswith(OSM_SUFFIXES) or resolve_path(base, src).exists():
        path = resolve_path(base, src)
        if not path.exists():
            raise ctx.error(
                f"Network file not found: {path}",
                key="source",
                section=section,
                fix="Check the path (relative to the scenario file), or use "
                'source = "auto" to download or fall back to crow-fly.',
            )
        return "file", path, place
    hint = did_you_mean(src, NETWORK_MODES)
    raise ctx.error(
        f"network source {src!r} is neither a mode, a file nor a place.",
        key="source",
        section=section,
        fix=(f"Did you mean {hint!r}? " if hint else "")
        + 'Use "auto", "required", "crowfly", a path to .osm/.osm.pbf/.npz, '
        'or "place:<name>" to download a place.',
    )


def _check_fallback(ctx: ParseContext, kind: str, fallback: str | None) -> None:
    if kind == "required" and fallback == "crowfly":
        raise ctx.error(
            'source = "required" contradicts fallback = "crowfly".',
            key="fallback",
            section="network",
            fix='Drop fallback, or use source = "auto" to allow crow-fly.',
        )
    if kind == "crowfly" and fallback == "error":
        raise ctx.error(
            'source = "crowfly" contradicts fallback = "error".',
            key="fallback",
            section="network",
            fix="Drop fallback.",
        )


def parse_network(ctx: ParseContext, raw: Raw) -> NetworkSpec:
    """``network = "..."`` or the ``[network]`` table."""
    section = "network"
    if isinstance(raw, str):
        raw = {"source": raw}
    if not isinstance(raw, dict):
        raise ctx.error(
            f"'network' must be a string or a table, got {type_name(raw)}.",
            key="network",
            fix='Write network = "auto" or a [network] table.',
        )
    check_keys(ctx, raw, NETWORK_KEYS, section)
    src = get_str(ctx, raw, "source", section, "auto")
    fallback = get_str(ctx, raw, "fallback", section, None, choices=("crowfly", "error"))
    place = get_str(ctx, raw, "place", section, None)
    buffer_m = float(get_num(ctx, raw, "buffer_m", section, 500.0, lo=0, hi=50_000))
    probe = float(get_num(ctx, raw, "probe_timeout_s", section, 5.0, positive=True))
    kind, path, place = _network_source(ctx, src, place)
    _check_fallback(ctx, kind, fallback)
    fallback = fallback or ("error" if kind == "required" else "crowfly")
    return NetworkSpec(
        source=kind,
        fallback=cast(Literal["crowfly", "error"], fallback),
        path=path,
        place=place,
        buffer_m=buffer_m,
        probe_timeout_s=probe,
    )


# ============================================================================ [[interventions]]
def _parse_set_speed(
    ctx: ParseContext, raw: Mapping[str, Raw], section: str, line: int | None
) -> SetSpeed:
    speed = get_num(ctx, raw, "speed_m_s", section, None, positive=True)
    if speed is None:
        raise ctx.error(
            "Missing required key 'speed_m_s'.",
            section=section,
            fix="Add speed_m_s = 1.0 (metres per second).",
        )
    if speed > 5:
        raise ctx.error(
            f"speed_m_s = {float(speed)} is not a walking speed (> 5 m/s).",
            key="speed_m_s",
            section=section,
            fix="Give metres per second, e.g. 1.0 (3.6 km/h).",
        )
    return SetSpeed(require_str(ctx, raw, "profile", section), float(speed), line=line)


def _opt_float(v: float | None) -> float | None:
    return None if v is None else float(v)


def _parse_add_service(
    ctx: ParseContext, raw: Mapping[str, Raw], section: str, line: int | None
) -> AddService:
    cat = require_str(ctx, raw, "category", section)
    name = require_str(ctx, raw, "name", section)
    sid = get_str(ctx, raw, "service_id", section, None)
    x = get_num(ctx, raw, "x", section)
    y = get_num(ctx, raw, "y", section)
    lat = get_num(ctx, raw, "lat", section, lo=-90, hi=90)
    lon = get_num(ctx, raw, "lon", section, lo=-180, hi=180)
    cand = get_str(ctx, raw, "candidate_id", section, None)
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
        x=_opt_float(x),
        y=_opt_float(y),
        lat=_opt_float(lat),
        lon=_opt_float(lon),
        candidate_id=cand,
        line=line,
    )


def parse_intervention(ctx: ParseContext, raw: Raw, i: int) -> Intervention:
    """The ``i``-th ``[[interventions]]`` table."""
    section = f"interventions[{i}]"
    if not isinstance(raw, dict):
        raise ctx.error(
            f"Intervention {i + 1} must be a table, got {type_name(raw)}.",
            key="interventions",
            fix="Write each as a [[interventions]] table.",
        )
    typ = require_str(ctx, raw, "type", section, choices=tuple(INTERVENTION_KEYS))
    check_keys(ctx, raw, INTERVENTION_KEYS[typ], section)
    line = ctx.line_of("type", section)
    if typ == "close_service":
        return CloseService(require_str(ctx, raw, "service_id", section), line=line)
    if typ == "split_area":
        return SplitArea(require_str(ctx, raw, "area_id", section), line=line)
    if typ == "set_speed":
        return _parse_set_speed(ctx, raw, section, line)
    return _parse_add_service(ctx, raw, section, line)


def parse_interventions(ctx: ParseContext, raw: Raw) -> tuple[Intervention, ...]:
    """The ``[[interventions]]`` tables (a single table is a list of one), checked together."""
    if isinstance(raw, dict):
        raw = [raw]
    if not isinstance(raw, list):
        raise ctx.error(
            "'interventions' must be a list of tables.",
            key="interventions",
            fix="Write each intervention as an [[interventions]] table.",
        )
    interventions = tuple(parse_intervention(ctx, r, i) for i, r in enumerate(raw))
    check_static_contradictions(ctx, interventions)
    return interventions


def _once(
    ctx: ParseContext, seen: dict[str, int], value: str, i: int, *, key: str, message: str, fix: str
) -> None:
    """Raise ``message`` when ``value`` was ``seen`` in an earlier intervention."""
    if value in seen:
        raise ctx.error(
            message.format(value=value, first=seen[value] + 1, second=i + 1),
            key=key,
            section=f"interventions[{i}]",
            fix=fix,
        )
    seen[value] = i


def check_static_contradictions(ctx: ParseContext, interventions: Sequence[Intervention]) -> None:
    """Contradictions visible without the city: the same service closed twice, etc."""
    closed: dict[str, int] = {}
    split: dict[str, int] = {}
    speeds: dict[str, float] = {}
    added: dict[str, int] = {}
    one, unique = "Remove one of them.", "Give unique ids."
    for i, iv in enumerate(interventions):
        if isinstance(iv, CloseService):
            msg = "Service {value!r} is closed twice (interventions {first} and {second})."
            _once(ctx, closed, iv.service_id, i, key="service_id", message=msg, fix=one)
        elif isinstance(iv, SplitArea):
            msg = "Area {value!r} is split twice."
            _once(ctx, split, iv.area_id, i, key="area_id", message=msg, fix=one)
        elif isinstance(iv, SetSpeed):
            if iv.profile in speeds and speeds[iv.profile] != iv.speed_m_s:
                raise ctx.error(
                    f"Profile {iv.profile!r} gets two different speeds "
                    f"({speeds[iv.profile]} and {iv.speed_m_s} m/s).",
                    key="speed_m_s",
                    section=f"interventions[{i}]",
                    fix="Keep one of them.",
                )
            speeds[iv.profile] = iv.speed_m_s
        elif isinstance(iv, AddService) and iv.service_id:
            msg = "Two added services share the id {value!r}."
            _once(ctx, added, iv.service_id, i, key="service_id", message=msg, fix=unique)


# ============================================================================ [siting]
def parse_candidates(ctx: ParseContext, text: str) -> CandidateSpec:
    """``candidates = "services:a,b" | "grid:500" | "<file>"`` → :class:`CandidateSpec`."""
    section = "siting"
    kind, _, rest = text.partition(":")
    if kind == "services":
        cats = tuple(c.strip() for c in rest.split(",") if c.strip())
        if not cats:
            raise ctx.error(
                'candidates = "services:" names no category.',
                key="candidates",
                section=section,
                fix='Write e.g. candidates = "services:library,meeting_place".',
            )
        return CandidateSpec(kind="services", text=text, categories=cats)
    if kind == "grid":
        try:
            spacing = float(rest)
        except ValueError:
            spacing = -1.0
        if not (math.isfinite(spacing) and spacing > 0):
            raise ctx.error(
                f"candidates = {text!r}: the grid spacing must be metres > 0.",
                key="candidates",
                section=section,
                fix='Write e.g. candidates = "grid:500".',
            )
        return CandidateSpec(kind="grid", text=text, spacing_m=spacing)
    path = resolve_path(ctx.path.parent, text)
    if not path.exists():
        raise ctx.error(
            f"Candidate file not found: {path}",
            key="candidates",
            section=section,
            fix='Use "services:<categories>", "grid:<metres>" or an '
            "existing file (relative to the scenario file).",
        )
    return CandidateSpec(kind="file", text=text, path=path)


def parse_siting(ctx: ParseContext, raw: Raw) -> SitingSpec:
    """The ``[siting]`` table."""
    section = "siting"
    table = _as_table(ctx, raw, "siting", "Write a [siting] table.")
    check_keys(ctx, table, SITING_KEYS, section)
    cands = get_str(ctx, table, "candidates", section, None)
    candidates = None if cands is None else parse_candidates(ctx, cands)
    model = get_str(ctx, table, "model", section, "mclp", choices=("mclp", "p_median"))
    return SitingSpec(
        model=cast(Literal["mclp", "p_median"], model),
        k=int(get_num(ctx, table, "k", section, 5, integer=True, positive=True)),
        threshold_min=get_num(
            ctx, table, "threshold_min", section, 10, positive=True, hi=MAX_THRESHOLD_MIN
        ),
        profile=get_str(ctx, table, "profile", section, "adult"),
        category=get_str(ctx, table, "category", section, "district_office"),
        one_per_area=get_bool(ctx, table, "one_per_area", section, False),
        candidates=candidates,
        solver=get_str(ctx, table, "solver", section, None, choices=("auto", "greedy", "highs")),
        apply=get_bool(ctx, table, "apply", section, True),
        candidate_areas=(
            parse_candidate_areas(ctx, table["candidate_areas"])
            if "candidate_areas" in table
            else ()
        ),
        need_weights=(
            parse_need_weights(ctx, table["need_weights"]) if "need_weights" in table else None
        ),
    )


# ============================================================================ [outputs]
def parse_outputs(ctx: ParseContext, raw: Raw) -> OutputSpec:
    """The ``[outputs]`` table."""
    section = "outputs"
    table = _as_table(ctx, raw, "outputs", "Write an [outputs] table.")
    check_keys(ctx, table, OUTPUT_KEYS, section)
    return OutputSpec(
        dir=get_str(ctx, table, "dir", section, None),
        maps=get_bool(ctx, table, "maps", section, True),
        report=get_bool(ctx, table, "report", section, True),
        pdf=get_bool(ctx, table, "pdf", section, True),
        tables=get_bool(ctx, table, "tables", section, True),
        map_categories=get_strs(ctx, table, "map_categories", section),
        map_threshold_min=get_num(
            ctx, table, "map_threshold_min", section, None, positive=True, hi=MAX_THRESHOLD_MIN
        ),
        map_profile=get_str(ctx, table, "map_profile", section, None),
        maps_dir=get_str(ctx, table, "maps_dir", section, None),
        publish=get_bool(ctx, table, "publish", section, False),
        area_profiles=get_strs(ctx, table, "area_profiles", section) or (),
        nonprofits_near=get_str(ctx, table, "nonprofits_near", section, None),
        nonprofits_threshold_min=get_num(
            ctx,
            table,
            "nonprofits_threshold_min",
            section,
            None,
            positive=True,
            hi=MAX_THRESHOLD_MIN,
        ),
        privacy_cell_m=_privacy_num(ctx, table, "privacy_cell_m"),
        privacy_min_count=_privacy_num(ctx, table, "privacy_min_count"),
    )


def _privacy_num(ctx: ParseContext, table: Mapping[str, Raw], key: str) -> float | None:
    """``privacy_cell_m`` (>= 250 m) or ``privacy_min_count`` (>= 5): the map's resident cells.

    ``None`` when absent (the maps' defaults, the least values of
    :mod:`proximity.maps.privacy`); a smaller value is refused, naming the key and the fix.
    """
    v = get_num(ctx, table, key, "outputs", None)
    if v is None:
        return None
    from proximity.maps.privacy import PRIVACY_CELL_M, PRIVACY_MIN_COUNT  # folium: only if set

    least = PRIVACY_CELL_M if key == "privacy_cell_m" else PRIVACY_MIN_COUNT
    if v < least:
        what = "metres (square cells" if key == "privacy_cell_m" else "residents (smaller counts"
        raise ctx.error(
            f"'{key}' = {v!r} is below {least:g}: the map's residents layer needs at least "
            f"{least:g} {what} are never shown, so that no one can be located at a building).",
            key=key,
            section="outputs",
            fix=f"Set {key} to {least:g} or more, or leave it out (default {least:g}).",
        )
    return float(v)
