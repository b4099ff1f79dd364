"""Running a scenario: :func:`compute` (in memory) and :func:`run`.

:func:`run` computes, then writes every output into a staging folder and publishes it
atomically:

    city → interventions → network → coverage → siting → coverage with the new sites
    → tables, maps and report
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from proximity import config
from proximity._io import today_iso
from proximity.distance_method import DistanceMethod
from proximity.errors import ScenarioError
from proximity.scenario._common import StepReporter
from proximity.scenario.analysis import (
    candidate_arg,
    chosen_sites_as_services,
    coverage_categories,
    merge_after_siting,
    scenario_access,
    site_scenario,
)
from proximity.scenario.checks import check_against_city
from proximity.scenario.compare import read_run_tables
from proximity.scenario.equity_run import need_weight_sweep
from proximity.scenario.interventions import apply_interventions
from proximity.scenario.model import NetworkSpec, Scenario
from proximity.scenario.network import NetworkOrigin, network_provenance, resolve_network
from proximity.scenario.outputs import (
    check_maps_target,
    check_target,
    missing_folders,
    publish,
    remove_empty,
    stage_dir,
    stage_maps,
    write_outputs,
)
from proximity.scenario.parse import load_scenario
from proximity.scenario.tables import NO_DATA_STATUS, NO_SERVICE_STATUS, categories_table

if TYPE_CHECKING:
    import geopandas as gpd

    from proximity.coverage import Access
    from proximity.network import WalkNetwork
    from proximity.profiles import WalkingProfile
    from proximity.siting import SitingResult
    from proximity.sources.city import City

__all__ = ["CROWFLY_BANNER", "RunResult", "compute", "run"]

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


@dataclass
class RunResult:
    """What :func:`run` (or :func:`compute`) produced.

    Attributes
    ----------
    scenario
        The scenario that ran.
    out_dir
        The output folder (complete: it was renamed into place at the end).
    method
        The distance method: the walking network, or crow-fly × the detour factor.
    network_origin
        Where the network came from (or why crow-fly was used).
    city, network, access
        The city after the interventions, the walking network (None: crow-fly) and the
        final coverage.
    access_before_siting
        Coverage before the chosen sites were added (None when not applied).
    siting
        The siting result (None without a [siting] table).
    baseline
        The in-memory result of the baseline scenario (None without ``baseline``).
    network_provenance
        The network's summary for ``run.json`` (None in crow-fly mode).
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
    need_weight_sweep, need_weight_sites
        With ``[siting.need_weights]``: the class gap before any new site, for plain MCLP
        and each need weight, and the sites each run chose
        (:func:`proximity.scenario.equity_run.need_weight_sweep`); else None.
    warnings, log
        Loud warnings (crow-fly fallback, …) and the interventions applied.
    timings_s
        Seconds per step.
    """

    scenario: Scenario
    out_dir: Path
    method: DistanceMethod
    network_origin: NetworkOrigin
    city: City
    network: WalkNetwork | None
    access: Access
    access_before_siting: Access | None = None
    siting: SitingResult | None = None
    baseline: RunResult | None = None
    network_provenance: dict[str, object] | None = None
    tables: dict[str, Path] = field(default_factory=dict)
    maps: list[Path] = field(default_factory=list)
    report: Path | None = None
    published_maps: list[Path] = field(default_factory=list)
    area_profiles: list[Path] = field(default_factory=list)
    profiles: tuple[str | WalkingProfile, ...] = ()
    added_sites: gpd.GeoDataFrame | None = None
    need_weight_sweep: pd.DataFrame | None = None
    need_weight_sites: pd.DataFrame | None = None
    warnings: list[str] = field(default_factory=list)
    log: list[str] = field(default_factory=list)
    timings_s: dict[str, float] = field(default_factory=dict)

    @property
    def distance_method(self) -> str:
        """The distance method's label: ``"network"`` or e.g. ``"crowfly×1.3"``."""
        return self.method.label

    @property
    def crowfly(self) -> bool:
        """Whether the run used the crow-fly approximation."""
        return self.method.is_crowfly

    def areas(self) -> pd.DataFrame:
        """The per-area table as written (read back from ``tables/areas.csv``)."""
        return read_run_tables(self.out_dir)


# ============================================================================ step reporting
class _Steps:
    """Step messages and a step-level progress bar."""

    def __init__(self, total: int, *, quiet: bool) -> None:
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


class _Quiet:
    """A silent stand-in for :class:`_Steps` (in-memory runs, baselines)."""

    def say(self, msg: str) -> None:
        pass

    def step(self, name: str) -> None:
        pass


def _warn(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# ============================================================================ compute
@dataclass
class _Session:
    """What a scenario and its baselines share: the networks read, the baseline chain."""

    networks: dict[tuple[str, NetworkSpec], tuple[WalkNetwork | None, NetworkOrigin]] = field(
        default_factory=dict
    )
    chain: tuple[Path, ...] = ()


def _as_scenario(scenario: Scenario | str | os.PathLike[str]) -> Scenario:
    return scenario if isinstance(scenario, Scenario) else load_scenario(scenario)


def _load_city(scenario: Scenario) -> City:
    """The scenario's city, with the categories the scenario declares added to its own."""
    from proximity.sources import load_city
    from proximity.sources.categories import declare_categories

    city = load_city(scenario.city)
    if not scenario.declared_categories:
        return city
    declared = {c.id: c for c in scenario.declared_categories}
    declare_categories(declared)
    return dataclasses.replace(city, declared_categories={**city.declared_categories, **declared})


def _walking_network(
    scenario: Scenario, city: City, steps: StepReporter, session: _Session
) -> tuple[WalkNetwork | None, NetworkOrigin]:
    """The scenario's network, read once per city and network spec in a session."""
    key = (scenario.city, scenario.network)
    if key not in session.networks:
        session.networks[key] = resolve_network(scenario, city, say=steps.say)
    return session.networks[key]


def _network_warnings(
    scenario: Scenario, method: DistanceMethod, origin: NetworkOrigin, *, banner: bool
) -> list[str]:
    """The crow-fly warning (and the loud banner when it is a fallback)."""
    if not method.is_crowfly:
        return []
    if not origin.is_fallback:
        return [f"Crow-fly approximation {method.label} requested by the scenario."]
    if banner:
        _warn(
            CROWFLY_BANNER.format(
                factor=f"{scenario.detour_factor:g}",
                method=method.label,
                reason=str(origin.reason or ""),
            )
        )
    return [
        f"No walking network ({origin.reason}); crow-fly "
        f"approximation {method.label} used for every result."
    ]


def _apply_siting(res: RunResult, steps: StepReporter) -> None:
    """Site the new services; with ``apply``, recompute their category's coverage with them."""
    scenario = res.scenario
    s = scenario.siting
    assert s is not None
    steps.step(f"siting: {s.model}, k={s.k}")
    res.siting = site_scenario(scenario, res.city, res.network, res.profiles)
    if not s.apply:
        return
    rows = chosen_sites_as_services(scenario, res.city, res.siting)
    if rows is None or not len(rows):
        return
    res.added_sites = rows
    res.access_before_siting = res.access
    after = scenario_access(
        scenario, res.city, res.network, res.profiles, [s.category], extra_services=rows
    )
    res.access = merge_after_siting(res.access, after, s.category)
    res.log.append(
        f"siting applied: {len(rows)} new {s.category} sites added before the final coverage"
    )


def _category_warnings(res: RunResult, *, banner: bool) -> None:
    """One warning per category without any located service (and no proposed site)."""
    cats_table = categories_table(res.city, res.scenario, res.added_sites)
    if (cats_table["status"] == NO_DATA_STATUS).any():
        line = (
            f"No service of any kind in {res.city.name}: every category is computed with "
            "nobody covered (every resident counts as unreachable); see categories.csv."
        )
        if banner:
            _warn(f"warning: {line}")
        res.warnings.append(line)
    for r in cats_table[cats_table["status"] == NO_SERVICE_STATUS].itertuples():
        unlocated = (
            f" ({r.n_unlocated_services} named without a location)"
            if r.n_unlocated_services
            else ""
        )
        line = (
            f"Category {r.category} ({r.label_sv}): no located service{unlocated}"
            " – no coverage computed."
        )
        if banner:
            _warn(f"warning: {line}")
        res.warnings.append(line)


def _compute_baseline(scenario: Scenario, session: _Session) -> RunResult:
    """The baseline scenario, in memory and quietly (sharing the session's networks)."""
    assert scenario.baseline is not None
    here = scenario.path.resolve() if scenario.path else Path(scenario.name)
    chain = (*session.chain, here)
    if scenario.baseline.resolve() in chain:
        raise ScenarioError(
            "Baseline scenarios form a cycle.",
            file=scenario.path,
            fix="Let the baseline chain end in a scenario without baseline.",
        )
    baseline = load_scenario(scenario.baseline)
    return _compute(baseline, _Quiet(), banner=False, session=_Session(session.networks, chain))


def _compute(
    scenario: Scenario, steps: StepReporter, *, banner: bool, session: _Session
) -> RunResult:
    steps.step(f"loading city {Path(scenario.city).name}")
    city = _load_city(scenario)
    check_against_city(scenario, city)

    steps.step("applying interventions")
    city, profiles, log = apply_interventions(scenario, city)
    for line in log:
        steps.say("  " + line)

    steps.step("walking network")
    network, origin = _walking_network(scenario, city, steps, session)
    method = DistanceMethod.of(network, scenario.detour_factor)
    warnings = _network_warnings(scenario, method, origin, banner=banner)

    steps.step("coverage")
    res = RunResult(
        scenario=scenario,
        out_dir=scenario.output_dir(),
        method=method,
        network_origin=origin,
        network_provenance=None if network is None else network_provenance(network),
        city=city,
        network=network,
        access=scenario_access(
            scenario, city, network, profiles, coverage_categories(scenario, city)
        ),
        warnings=warnings,
        log=log,
        profiles=profiles,
    )
    if scenario.siting is not None:
        _apply_siting(res, steps)
        if scenario.siting.need_weights is not None:
            steps.step("need-weight sweep")
            res.need_weight_sweep, res.need_weight_sites = need_weight_sweep(
                scenario, city, network, candidate_arg(scenario, city, network)
            )
    _category_warnings(res, banner=banner)
    if scenario.baseline is not None:
        steps.step(f"baseline {scenario.baseline.name}")
        res.baseline = _compute_baseline(scenario, session)
    return res


def compute(
    scenario: Scenario | str | os.PathLike[str], *, quiet: bool = True, banner: bool = True
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

    Returns
    -------
    RunResult
    """
    scenario = _as_scenario(scenario)
    if quiet:
        return _compute(scenario, _Quiet(), banner=banner, session=_Session())
    steps = _Steps(5, quiet=False)
    try:
        return _compute(scenario, steps, banner=banner, session=_Session())
    finally:
        steps.close()


# ============================================================================ run
def _run_into(
    scenario: Scenario, staging: Path, target: Path, steps: _Steps, maps_target: Path | None
) -> RunResult:
    """:func:`compute`, then every output written into ``staging``."""
    res = _compute(scenario, steps, banner=True, session=_Session())
    res.out_dir = target
    date = today_iso()  # one run date for run.json and the tables' date column
    write_outputs(res, staging, date=date, steps=steps, maps_target=maps_target)
    return res


def _rebase(res: RunResult, staging: Path, target: Path) -> None:
    """Point the result's paths into ``target`` (the published staging folder)."""

    def rebase(p: Path) -> Path:
        return target / p.relative_to(staging)

    res.out_dir = target
    res.tables = {k: rebase(p) for k, p in res.tables.items()}
    res.maps = [rebase(p) for p in res.maps]
    res.report = None if res.report is None else rebase(res.report)
    res.area_profiles = [rebase(p) for p in res.area_profiles]


def _run_staged(
    scenario: Scenario, target: Path, maps_target: Path | None, steps: _Steps
) -> RunResult:
    """Compute and write into staging folders; publish them only when all is written."""
    staging: Path | None = None
    maps_staging: Path | None = None
    created = missing_folders(target, *([maps_target] if maps_target is not None else []))
    try:
        staging = stage_dir(target)  # fails fast on an unwritable output folder
        if maps_target is not None:
            check_maps_target(maps_target)  # … and on an unwritable maps folder
        res = _run_into(scenario, staging, target, steps, maps_target)
        steps.step("publishing outputs")
        if maps_target is not None and res.maps:
            maps_staging = stage_maps(res.maps, maps_target)
        if maps_staging is not None and maps_target is not None:
            check_target(maps_target, "maps")  # before the run folder is replaced
        publish(staging, target, "run")
        done, staging = staging, None
        if maps_staging is not None and maps_target is not None:
            publish(maps_staging, maps_target, "maps")
            maps_staging = None
            res.published_maps = [maps_target / p.name for p in res.maps]
        steps.close()
        res.timings_s = dict(steps.timings)
        _rebase(res, done, target)
        return res
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        if maps_staging is not None:
            shutil.rmtree(maps_staging, ignore_errors=True)
        remove_empty(created)  # a failed run leaves no new (empty) parent folders behind


def run(
    scenario: Scenario | str | os.PathLike[str],
    *,
    out_dir: str | os.PathLike[str] | None = None,
    maps_dir: str | os.PathLike[str] | None = None,
    quiet: bool = False,
    publish: bool = False,
) -> RunResult:
    """Run a scenario end to end and write its outputs.

    Steps: load the city → check and apply the interventions → walking network (by the
    scenario's policy; crow-fly fallback with a loud warning) → coverage → per-area Gini →
    siting (and coverage with the chosen sites) → tables, maps and report.

    Everything is written into a hidden staging folder next to the output folder and renamed
    into place at the end; an interrupted run (Ctrl-C) or an error removes the staging
    folder, leaving any previous output untouched and no half-written files (a killed run's
    staging folder is removed by the next run). An existing output folder is replaced only
    when its ``manifest.json`` vouches for every file in it: a folder holding anything else
    (a user's file, an edited table, an older output without a manifest) is refused, naming
    the files, before anything is computed.

    Output folder layout::

        manifest.json            every file written, with its sha256 (see proximity._manifest)
        run.json                 scenario, date, distance method, provenance, file hashes
        tables/areas.csv         per area × category × profile × threshold (+ gini_min)
        tables/sites.csv         ranked sites (with a siting request)
        tables/sites_per_area.csv
        tables/delta_vs_baseline.csv   (with a baseline)
        tables/categories.csv    per category: located/unlocated services, status
        data/                    coverage.write(): CSV + GeoParquet with provenance
        maps/*.html              self-contained offline maps
        report.md, report.html
        report_*.png             the report's map figure and charts
        report.pdf               the HTML report printed (outputs.pdf; WeasyPrint, else
                                 headless Chromium; no engine: a warning, no file)
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
        Shared maps folder to publish the maps to (as ``<maps_dir>/<name>/``). Default: none,
        unless ``publish`` or the scenario's ``outputs.publish`` asks for it (then
        ``outputs.maps_dir``, default ``"maps"``).
    publish
        Publish the maps (``--publish``): see ``maps_dir``.
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
    scenario = _as_scenario(scenario)
    target = scenario.output_dir(out_dir)
    o = scenario.outputs
    maps_target = (
        scenario.published_maps_dir(out_dir, maps_dir, publish=publish) if o.maps else None
    )
    total = 6 + sum(
        map(bool, (scenario.siting, scenario.baseline, o.maps, o.report, o.area_profiles))
    )
    steps = _Steps(total, quiet=quiet)
    with config.progress(False) if quiet else contextlib.nullcontext():
        try:
            res = _run_staged(scenario, target, maps_target, steps)
        finally:
            steps.bar.close()
    if not quiet:
        steps.say(f"done in {time.perf_counter() - steps.t0:.1f} s → {target}")
    return res
