"""The scenario model: one frozen dataclass per part of a scenario TOML file.

:func:`proximity.scenario.parse.load_scenario` builds these from a file; everything else in
:mod:`proximity.scenario` reads them. See :mod:`proximity.scenario` for the TOML layout.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from proximity.sources.categories import Category

__all__ = [
    "DEFAULT_PROFILES",
    "DEFAULT_THRESHOLDS_MIN",
    "MAX_THRESHOLD_MIN",
    "AddService",
    "CandidateSpec",
    "CloseService",
    "EquitySpec",
    "Intervention",
    "NamedGroup",
    "NeedWeights",
    "NetworkSource",
    "NetworkSpec",
    "OutputSpec",
    "Scenario",
    "SetSpeed",
    "SitingSpec",
    "SplitArea",
]

#: Default walking profiles and thresholds (as in :func:`proximity.coverage.compute_access`).
DEFAULT_PROFILES = ("adult", "elderly", "winter")
DEFAULT_THRESHOLDS_MIN = (5, 10, 15, 20)
#: The longest walking-time threshold a scenario may ask for: a day, in minutes.
MAX_THRESHOLD_MIN = 24 * 60

NetworkSource = Literal["auto", "required", "crowfly", "file", "place"]

#: A JSON value as written into ``run.json``.
JSONValue = str | int | float | bool | None | list["JSONValue"] | dict[str, "JSONValue"]


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
class CandidateSpec:
    """The siting candidates, as the scenario's ``candidates`` string names them.

    Parsed once when the scenario is loaded (:func:`proximity.scenario.load_scenario`).

    Attributes
    ----------
    kind
        ``"services"``: existing places of ``categories``; ``"grid"``: a square grid with
        ``spacing_m`` metres between points; ``"file"``: the candidate points in ``path``.
    text
        The string as written in the scenario (kept for ``run.json``).
    categories
        The service categories (``kind == "services"``).
    spacing_m
        The grid spacing in metres (``kind == "grid"``).
    path
        The candidate file, resolved against the scenario's folder (``kind == "file"``).
    """

    kind: Literal["services", "grid", "file"]
    text: str
    categories: tuple[str, ...] = ()
    spacing_m: float | None = None
    path: Path | None = None


@dataclass(frozen=True)
class NeedWeights:
    """``[siting.need_weights]``: residents of some area classes count more in the siting.

    Attributes
    ----------
    column
        The area attribute whose values are weighted (e.g. ``"socioek_klass"``).
    weights
        ``(value, weight)`` pairs, each weight >= 1 and at least one > 1; every other value
        (and an area without a value) counts 1.
    sweep
        The scales of the sweep: for a scale ``s`` the value with the largest stated weight
        ``m`` counts ``s`` and every other weighted value ``1 + (s - 1)(w - 1)/(m - 1)``
        (so ``s = m`` gives the stated weights and ``s = 1`` plain MCLP). The run always
        includes plain MCLP and the stated weights.
    """

    column: str
    weights: tuple[tuple[str, float], ...]
    sweep: tuple[float, ...] = ()

    def scaled(self, s: float) -> dict[str, float]:
        """The weight per value at the sweep scale ``s`` (see :attr:`sweep`)."""
        m = max(w for _v, w in self.weights)
        return {v: 1.0 + (float(s) - 1.0) * (w - 1.0) / (m - 1.0) for v, w in self.weights}

    @property
    def scales(self) -> tuple[float, ...]:
        """Plain MCLP (1), the stated weights (their maximum) and the sweep, sorted, unique."""
        m = max(w for _v, w in self.weights)
        return tuple(sorted({1.0, float(m), *map(float, self.sweep)}))


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
        The parsed ``candidates`` string: ``"services:cat1,cat2"`` (existing places of those
        categories), ``"grid:SPACING_M"`` or a path to a file of candidate points; None = the
        siting layer's default.
    solver
        Passed to :func:`proximity.siting.site` when given (e.g. ``"greedy"``, ``"highs"``).
    apply
        Add the chosen sites to the services and recompute coverage of ``category``, so that
        the scenario's tables show coverage *with* the new sites.
    candidate_areas
        ``(area attribute, values)`` pairs: only candidates in areas whose attribute has one
        of the values (every pair must hold), e.g. ``(("stadsomrade", ("Hisingen",)),)``.
        Empty: candidates anywhere.
    need_weights
        The need-weight sweep (:class:`NeedWeights`); the scenario's own siting stays plain
        (every resident counts 1) so that its tables are in persons.
    """

    model: Literal["mclp", "p_median"] = "mclp"
    k: int = 5
    threshold_min: float = 10
    profile: str = "adult"
    category: str = "district_office"
    one_per_area: bool = False
    candidates: CandidateSpec | None = None
    solver: str | None = None
    apply: bool = True
    candidate_areas: tuple[tuple[str, tuple[str, ...]], ...] = ()
    need_weights: NeedWeights | None = None


@dataclass(frozen=True)
class NamedGroup:
    """``[equity.named_groups.<name>]``: a named group of areas against the rest.

    Attributes
    ----------
    name
        The grouping's name in the tables (the TOML table name, e.g. ``"norra_hisingen"``).
    column
        The area attribute the group selects on (e.g. ``"mellanomrade"``).
    values
        The attribute values of the group's areas.
    label
        The group's label (default: ``name`` with spaces for ``_``, capitalised).
    rest
        The label of every other area (default ``"Övriga"``).
    """

    name: str
    column: str
    values: tuple[str, ...]
    label: str
    rest: str = "Övriga"


@dataclass(frozen=True)
class EquitySpec:
    """``[equity]``: group equity tables written by the run (``tables/equity_groups*.csv``).

    Attributes
    ----------
    groups
        Area attributes to group by (each value a group), e.g. ``("socioek_klass",)``.
    rank_columns
        ``(attribute, rank column)`` pairs: a numeric rank per area (1 = least favoured)
        for the gap between classes and the concentration index.
    named_groups
        Named groups against the rest (:class:`NamedGroup`).
    """

    groups: tuple[str, ...] = ()
    rank_columns: tuple[tuple[str, str], ...] = ()
    named_groups: tuple[NamedGroup, ...] = ()


@dataclass(frozen=True)
class OutputSpec:
    """What to write, and where.

    Attributes
    ----------
    dir
        Output folder (relative to the current folder); default ``out/<name>``.
    maps, report, tables
        Whether to write the HTML maps (into ``<dir>/maps/``), the report and the tables.
    pdf
        Whether to print the report to ``report.pdf`` beside ``report.html`` (default true;
        :mod:`proximity.report.pdf`: WeasyPrint, else headless Chromium, else a warning).
    map_categories
        Categories to draw a map of; default the siting category, else every category.
    map_threshold_min, map_profile
        Threshold and profile shown in the maps (default: the siting's, else 10 and adult).
    maps_dir
        A shared maps folder (relative to the current folder, like ``dir``), e.g. ``"maps"``:
        at the end of a successful run the map HTML files are also published, atomically, to
        ``<maps_dir>/<name>/`` with a ``manifest.json`` (the previous maps of the scenario
        are replaced as a whole when the manifest vouches for every file there, else the run
        is refused; nothing is published when the run fails). Only when asked: with
        ``publish = true``, ``run(publish=True)`` / ``--publish``, or an explicit
        ``maps_dir=`` / ``--maps-dir``; never as a side effect of an ordinary run.
    publish
        Publish the maps to ``<maps_dir>/<name>/`` (``maps_dir`` default ``"maps"``) at the
        end of every run of this scenario. Default false.
    area_profiles
        Area or subarea (stadsdel) ids to write an area profile of
        (:func:`proximity.report.area_profile`): ``omrade_<id>.md`` and ``.html`` in the
        output folder. A subarea id gets a profile computed at subarea level.
    privacy_cell_m, privacy_min_count
        The maps' "Invånare utan tillgång" layer: residents summed in square cells of
        ``privacy_cell_m`` metres (at least 250), cells under ``privacy_min_count``
        residents (at least 5) left out (:mod:`proximity.maps.privacy`). ``None``: the
        maps' defaults (the least values).
    """

    dir: str | None = None
    maps: bool = True
    report: bool = True
    tables: bool = True
    map_categories: tuple[str, ...] | None = None
    map_threshold_min: float | None = None
    map_profile: str | None = None
    maps_dir: str | None = None
    publish: bool = False
    area_profiles: tuple[str, ...] = ()
    nonprofits_near: str | None = None
    nonprofits_threshold_min: float | None = None
    pdf: bool = True
    privacy_cell_m: float | None = None
    privacy_min_count: float | None = None


@dataclass(frozen=True)
class Scenario:
    """A validated scenario (see :mod:`proximity.scenario` for the TOML layout)."""

    name: str
    city: str
    title: str = ""
    description: str = ""
    network: NetworkSpec = field(default_factory=NetworkSpec)
    categories: tuple[str, ...] | None = None
    thresholds_min: tuple[float, ...] = DEFAULT_THRESHOLDS_MIN
    thresholds_m: tuple[float, ...] = ()
    profiles: tuple[str, ...] = DEFAULT_PROFILES
    max_snap_m: float = 300.0
    detour_factor: float = 1.3
    interventions: tuple[Intervention, ...] = ()
    siting: SitingSpec | None = None
    outputs: OutputSpec = field(default_factory=OutputSpec)
    baseline: Path | None = None
    path: Path | None = field(default=None, compare=False)
    declared_categories: tuple[Category, ...] = ()
    areas: tuple[str, ...] | None = None
    equity: EquitySpec | None = None

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
        *,
        publish: bool = False,
    ) -> Path | None:
        """Where :func:`~proximity.scenario.run` publishes the maps: ``<maps_dir>/<name>/``.

        Maps are published only when asked: an explicit ``maps_dir`` (``--maps-dir``), or
        ``publish`` (``--publish``) / the scenario's ``outputs.publish``, into
        ``outputs.maps_dir`` (default ``"maps"``). None: the maps are not published, so an
        ordinary run never rewrites the shared (committed) maps folder. ``out_dir`` is
        accepted for symmetry with :meth:`output_dir` and does not change the answer.
        """
        del out_dir
        if maps_dir is not None:
            return Path(maps_dir) / self.name
        if publish or self.outputs.publish:
            return Path(self.outputs.maps_dir or "maps") / self.name
        return None

    def to_dict(self) -> dict[str, JSONValue]:
        """A JSON-friendly summary (for ``run.json``)."""
        out = _jsonable(self)
        assert isinstance(out, dict)
        for key in ("declared_categories", "thresholds_m", "areas", "equity"):  # only when given
            if not getattr(self, key):
                out.pop(key, None)
        sit = out.get("siting")
        if isinstance(sit, dict):  # the siting keys of issue 14, recorded only when given
            for key in ("candidate_areas", "need_weights"):
                if not sit.get(key):
                    sit.pop(key, None)
        outs = out.get("outputs")
        if isinstance(outs, dict) and not self.outputs.nonprofits_near:
            outs.pop("nonprofits_near", None)
            outs.pop("nonprofits_threshold_min", None)
        out["file"] = None if self.path is None else self.path.name
        return out


def _jsonable(v: object) -> JSONValue:
    """``v`` as JSON values: dataclasses as tables (interventions with their ``type``)."""
    if isinstance(v, CandidateSpec):
        return v.text
    if dataclasses.is_dataclass(v) and not isinstance(v, type):
        d: dict[str, JSONValue] = {
            f.name: _jsonable(getattr(v, f.name))
            for f in dataclasses.fields(v)
            if f.name not in ("line", "path")
        }
        if isinstance(v, SitingSpec):
            path = None if v.candidates is None else v.candidates.path
            d["candidates_path"] = None if path is None else path.as_posix()
        kind = getattr(v, "kind", None)
        if isinstance(kind, str):
            d = {"type": kind, **d}
        return d
    if isinstance(v, tuple | list):
        return [_jsonable(x) for x in v]
    if isinstance(v, Path):
        return v.as_posix()
    if v is None or isinstance(v, str | int | float | bool):
        return v
    return str(v)  # as json.dumps(default=str) would
