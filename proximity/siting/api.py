"""High-level siting: :func:`site` ranks new office sites for a city and a walking network.

:func:`site` turns a :class:`~proximity.sources.City` and a walking network into a ranked list
of new office sites. It is a thin keyword wrapper: the options become a frozen, validated
:class:`~proximity.siting.task.SiteTask`, and :func:`solve_site` does the work in named steps
(prepare inputs and walking times, build the problem, solve, rank, impact, robustness,
non-profits, assemble the result).

Steps
-----
1. **Candidates**: ``candidates=None`` uses the city's public places of
   :data:`~proximity.siting.candidates.DEFAULT_CANDIDATE_CATEGORIES`; a list of categories,
   a GeoDataFrame, a file path or a ready candidate table are accepted too (see
   :mod:`proximity.siting.candidates`). Each gets the area it lies in
   (:mod:`proximity.siting.inputs`).
2. **Existing offices**: the city's services of ``category`` (default ``"district_office"``)
   are open already: the residents they reach are covered before any new site is chosen.
3. **Walking times**: network mode snaps demand, candidates, existing offices and
   non-profits onto the network (:func:`proximity.snap.snap`) and computes the bounded
   candidate × demand matrix (:func:`proximity.routing.bounded_matrix`) with the profile's
   edge cost; ``network=None`` uses the straight line × ``detour_factor`` (1.3) and labels
   everything ``distance_method = "crowfly×1.3"`` (with a warning;
   :mod:`proximity.siting.distances`).
4. **Model and solver**: MCLP (default) or capped p-median (cap ``max(3 T, 30)`` minutes; see
   :mod:`proximity.siting.models`), solved by ``solver="auto"`` (greedy + interchange, then
   HiGHS with the heuristic as cutoff and a time limit; the heuristic answer is kept if HiGHS
   fails), ``"greedy"`` or ``"highs"``.
5. **Ranking and impact** (:mod:`proximity.siting.ranking`), **robustness** over a grid of
   walking profiles × thresholds (re-solved with ``robustness_solver``, default the fast
   heuristic), and **non-profits** within ``T`` minutes' walk of each site
   (:mod:`proximity.siting.nonprofits`). A city without
   any non-profit data gets ``nonprofits_n = NaN`` and ``nonprofits_label_sv = "ingen data om
   ideella organisationer"`` (never "0"); with data and none in reach, 0 and ``"inga inom T
   min"``. ``per_area`` uses coverage's denominators (unlocated residents included; those
   known only for the whole municipality in the ``__total__`` row only).

"One per area"
--------------
``one_per_area`` expresses the motion's proximity principle; existing offices of
``category`` count as the area's office:

- ``False``: no area constraint;
- ``True`` or ``"at_most"``: at most one office per area: an area gets at most
  ``1 − (existing offices in it)`` new sites (so at most one, none where one exists);
- ``"at_least"``: every area must end up with an office: areas without one need a new site
  (an area without candidates, or more such areas than ``k``, raise
  :class:`~proximity.errors.InfeasibleError` naming them);
- ``"exactly"``: both.

``min_per_area`` / ``max_per_area`` mappings (area id → number of *new* sites) override these.
Areas may be the city's areas, or its sub-areas (``area_level="subareas"``), or a city where
:meth:`City.split_area` turned an area into its stadsdelar.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from proximity.siting.checks import check_request
from proximity.siting.distances import (
    _bounded,
    _column_min,
    _Distances,
    _edge_cost,
    _structure,
    _to_min,
)
from proximity.siting.inputs import _Inputs, _population_unit, prepare_inputs, uncovered_population
from proximity.siting.models import SitingProblem, Solution
from proximity.siting.nonprofits import (
    NONPROFITS_NO_DATA_EN,
    NONPROFITS_NO_DATA_SV,
    add_nonprofit_columns,
    nonprofits_label_en,
    nonprofits_label_sv,
    nonprofits_near,
)
from proximity.siting.ranking import SitingResult, impact_tables, rank_sites
from proximity.siting.solvers import solve
from proximity.siting.task import ONE_PER_AREA, SiteTask, p_median_cap_min
from proximity.sources.city import total_area_label

if TYPE_CHECKING:  # pragma: no cover
    from proximity.network import WalkNetwork

__all__ = [
    "NONPROFITS_NO_DATA_EN",
    "NONPROFITS_NO_DATA_SV",
    "ONE_PER_AREA",
    "SiteTask",
    "nonprofits_label_en",
    "nonprofits_label_sv",
    "p_median_cap_min",
    "site",
    "solve_site",
]

#: (candidate × demand, existing × demand) walking minutes per profile name.
_Times = dict[str, tuple[sp.csr_matrix, sp.csr_matrix]]


def site(
    city: Any,
    network: WalkNetwork | None = None,
    *,
    category: str = "district_office",
    k: int = 5,
    threshold_min: float = 10.0,
    profile: Any = "adult",
    candidates: Any = None,
    one_per_area: Any = False,
    min_per_area: Mapping[str, int] | None = None,
    max_per_area: Mapping[str, int] | None = None,
    candidate_areas: Sequence[str] | None = None,
    area_level: str = "areas",
    model: str = "mclp",
    solver: str = "auto",
    time_limit_s: float = 60.0,
    need_weighted: bool = False,
    max_snap_m: float = 300.0,
    detour_factor: float = 1.3,
    robustness_profiles: Sequence[Any] | None = ("adult", "elderly", "winter"),
    robustness_thresholds_min: Sequence[float] | None = None,
    robustness_solver: str = "greedy",
    fixed: Sequence[str] = (),
) -> SitingResult:
    """Rank where ``k`` new offices should go (keyword wrapper of :func:`solve_site`).

    Parameters
    ----------
    city
        The study area (:class:`proximity.sources.City`).
    network
        The walking network, or None for crow-fly distances × ``detour_factor`` (labelled).
    category, k, threshold_min, profile, candidates, one_per_area, min_per_area, max_per_area, candidate_areas, area_level, model, solver, time_limit_s, need_weighted, max_snap_m, detour_factor, robustness_profiles, robustness_thresholds_min, robustness_solver, fixed
        The options of :class:`~proximity.siting.task.SiteTask` (see there): ``k`` new sites
        of ``category`` within ``threshold_min`` minutes' walk with ``profile``, chosen
        among ``candidates`` under the area constraints, by ``model`` (``"mclp"`` or
        ``"p_median"``) and ``solver`` (``"auto"``, ``"greedy"`` or ``"highs"``).

    Returns
    -------
    SitingResult

    Raises
    ------
    ParameterError
        ``city`` not a :class:`~proximity.sources.City`, a category neither built in nor in
        the city's data, ``k`` < 1 or larger than the number of candidates, ``threshold_min``
        not in (0, 1440], unknown model, solver, profile or area level, area ids the city
        does not have (see :class:`~proximity.siting.task.SiteTask` for every option).
    GeometryError
        Candidates with a missing, empty or non-finite point, or (candidates you give) lying
        outside the study area.
    SchemaError
        Duplicate candidate ids.
    CRSError
        A network in another CRS than the city's.
    NetworkError
        A network that does not overlap the city's areas.
    InfeasibleError
        Area constraints that cannot hold (named in the message).
    """
    task = SiteTask(
        category=category,
        k=k,
        threshold_min=threshold_min,
        profile=profile,
        candidates=candidates,
        one_per_area=one_per_area,
        min_per_area=min_per_area,
        max_per_area=max_per_area,
        candidate_areas=candidate_areas,
        area_level=area_level,
        model=model,
        solver=solver,
        time_limit_s=time_limit_s,
        need_weighted=need_weighted,
        max_snap_m=max_snap_m,
        detour_factor=detour_factor,
        robustness_profiles=robustness_profiles,
        robustness_thresholds_min=robustness_thresholds_min,
        robustness_solver=robustness_solver,
        fixed=fixed,
    )
    return _solve_site(task, city, network, stacklevel=3)


def solve_site(task: SiteTask, city: Any, network: WalkNetwork | None = None) -> SitingResult:
    """Rank where ``task.k`` new offices should go in ``city``.

    Parameters
    ----------
    task
        The request (:class:`~proximity.siting.task.SiteTask`, validated when made).
    city
        The study area (:class:`proximity.sources.City`).
    network
        The walking network, or None for crow-fly distances × ``task.detour_factor``
        (labelled, with a :class:`~proximity.coverage.CrowFlyWarning`).

    Returns
    -------
    SitingResult

    Raises
    ------
    ParameterError
        ``city`` not a City, unknown category, ``k`` larger than the number of candidates,
        no candidates, unknown area ids, no sub-areas for ``area_level="subareas"``, need
        weights without area statistics.
    GeometryError, SchemaError, CRSError, NetworkError
        Bad candidates, a network in another CRS or place (see :func:`site`).
    InfeasibleError
        Area constraints that cannot hold (named in the message).
    """
    return _solve_site(task, city, network, stacklevel=3)


@dataclass(frozen=True, eq=False)
class _Run:
    """What the steps of a siting run share: request, place, distances and inputs."""

    task: SiteTask
    city: Any
    network: WalkNetwork | None
    dist: _Distances
    profile: Any
    inputs: _Inputs

    @property
    def T(self) -> float:
        return self.task.threshold


def _solve_site(
    task: SiteTask, city: Any, network: WalkNetwork | None, *, stacklevel: int
) -> SitingResult:
    """The steps of :func:`solve_site` (``stacklevel`` points the warning at the caller)."""
    from proximity.profiles import get_profile

    check_request(task, city, network)
    prof = get_profile(task.profile)
    dist = _Distances(network, task.max_snap_m, task.detour_factor)
    if network is None:
        _warn_crowfly(dist, stacklevel=stacklevel + 1)
    run = _Run(task, city, network, dist, prof, prepare_inputs(task, city, dist))
    grid = _robustness_grid(task, prof)
    times = _travel_times(run, grid)
    problem = _problem_for(run, times, prof, run.T)
    sol = solve(problem, task.model, task.solver, time_limit_s=task.time_limit_s)
    order, gains = rank_sites(problem, sol.chosen, task.model)
    extra_pop, unassigned_pop = uncovered_population(task, city, run.inputs)
    per_site, per_site_area, per_area = impact_tables(
        problem,
        order,
        area_names=run.inputs.names,
        extra_population=extra_pop,
        unassigned_population=unassigned_pop,
        total_name=total_area_label(city),
    )
    chosen_ids = problem.candidate_ids[order].tolist()
    scenarios, robustness = _robustness(run, times, grid, problem, chosen_ids)
    nonprofits, np_data = nonprofits_near(
        city, network, dist, run.inputs.C, order, profile=prof, threshold_min=run.T
    )
    _add_site_columns(run, per_site, chosen_ids, gains=gains, fixed=set(problem.fixed))
    add_nonprofit_columns(
        per_site, nonprofits, available=np_data, threshold_min=run.T, method=dist.method
    )
    rob = robustness.set_index("candidate_id")
    per_site["robustness_share"] = [
        float(rob.at[c, "share"]) if c in rob.index else np.nan for c in chosen_ids
    ]
    per_site["distance_method"] = dist.method
    prov = _provenance(run, sol, np_data=np_data, uncovered=(extra_pop, unassigned_pop))
    return SitingResult(
        chosen=chosen_ids,
        marginal_gain=[float(g) for g in gains],
        objective=sol.objective,
        bound=sol.bound,
        gap=sol.gap,
        solver=sol.solver,
        status=sol.status,
        model=task.model,
        per_site=per_site,
        per_site_area=per_site_area,
        per_area=per_area,
        robustness=robustness,
        scenarios=scenarios,
        nonprofits=nonprofits,
        distance_method=dist.method,
        threshold_min=run.T,
        profile=prof.name,
        k=int(task.k),
        category=task.category,
        candidates=run.inputs.tab,
        problem=problem,
        provenance=prov,
        timing={"solve_s": sol.time_s},
        population_unit=_population_unit(city),
        nonprofit_data_available=bool(np_data),
    )


def _warn_crowfly(dist: _Distances, *, stacklevel: int) -> None:
    """Say that siting uses straight lines × the detour factor (no walking network)."""
    from proximity.coverage import CrowFlyWarning

    warnings.warn(
        f"No walking network given: siting uses straight lines × "
        f"{dist.distance_method.detour_factor:g} (distance_method = {dist.method!r}).",
        CrowFlyWarning,
        stacklevel=stacklevel,
    )


def _robustness_grid(task: SiteTask, prof: Any) -> list[tuple[Any, float]]:
    """The (profile, threshold) scenarios re-solved for robustness."""
    from proximity.profiles import PROFILES, get_profile

    r_profiles: list[Any] = []
    for p in task.robustness_profiles or ():
        if isinstance(p, str) and p not in PROFILES:
            continue  # unknown names are skipped (the grid is best effort)
        rp = get_profile(p)
        r_profiles.append(prof if rp.name == prof.name else rp)  # keep a customised profile
    return [(p, float(t)) for p in r_profiles for t in task.robustness_thresholds()]


def _travel_times(run: _Run, grid: list[tuple[Any, float]]) -> _Times:
    """Walking minutes per profile (the task's and the grid's), each computed once.

    Each profile's matrices are bounded by the largest threshold (MCLP) or p-median cap any
    of its scenarios needs.
    """
    task, prof, inp = run.task, run.profile, run.inputs
    need_min: dict[str, float] = {prof.name: task.bound_min(run.T)}
    for p, t in grid:
        need_min[p.name] = max(need_min.get(p.name, 0.0), task.bound_min(t))
    profs = {prof.name: prof, **{p.name: p for p, _ in grid}}
    times: _Times = {}
    for name, p in profs.items():
        cost = _edge_cost(run.network, p)
        cutoff = need_min[name] * 60.0 * p.speed_m_s
        m_c = run.dist.matrix(inp.C, inp.D, cutoff, cost)
        m_e = run.dist.matrix(inp.E, inp.D, cutoff, cost)
        times[name] = (_to_min(m_c, p.speed_m_s), _to_min(m_e, p.speed_m_s))
    return times


def _problem_for(run: _Run, times: _Times, p: Any, t: float) -> SitingProblem:
    """The array-level problem for walking profile ``p`` and threshold ``t``."""
    task, inp = run.task, run.inputs
    tc, te = times[p.name]
    cap = p_median_cap_min(t)
    p_median = task.model == "p_median"
    ex_t = _column_min(_bounded(te, task.bound_min(t)))
    return SitingProblem(
        demand_weight=inp.weight,
        demand_area=inp.demand_area,
        demand_ids=np.array(inp.D[2]),
        candidate_ids=inp.tab["candidate_id"].to_numpy(),
        candidate_area=inp.tab["area_id"].to_numpy(),
        cover=_structure(_bounded(tc, t)),
        time_min=_bounded(tc, task.bound_min(t)) if p_median else None,
        time_cap_min=cap if p_median else np.inf,
        existing_covered=ex_t <= t,
        existing_time_min=ex_t,
        fixed=tuple(task.fixed),
        min_per_area=inp.lo,
        max_per_area=inp.hi,
        k=int(task.k),
        threshold_min=t,
        meta={"profile": p.name, "distance_method": run.dist.method},
    )


_SCENARIO_COLUMNS = ["profile", "threshold_min", "chosen", "objective", "solver", "status"]


def _robustness(
    run: _Run,
    times: _Times,
    grid: list[tuple[Any, float]],
    problem: SitingProblem,
    chosen_ids: list[str],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(scenarios, robustness): every grid scenario re-solved, and how often each site won."""
    task = run.task
    rows = []
    for p, t in grid:
        try:
            s = solve(
                _problem_for(run, times, p, t),
                task.model,
                task.robustness_solver,
                time_limit_s=task.time_limit_s,
            )
            ids = sorted(problem.candidate_ids[s.chosen].tolist())
            rows.append((p.name, t, ";".join(ids), s.objective, s.solver, s.status))
        except Exception as exc:  # an infeasible scenario is reported, not fatal
            status = f"error: {type(exc).__name__}: {exc}"
            rows.append((p.name, t, "", np.nan, task.robustness_solver, status))
    scenarios = pd.DataFrame(
        [dict(zip(_SCENARIO_COLUMNS, r, strict=True)) for r in rows], columns=_SCENARIO_COLUMNS
    )
    return scenarios, _robustness_table(scenarios, chosen_ids)


def _robustness_table(scenarios: pd.DataFrame, chosen_ids: list[str]) -> pd.DataFrame:
    """Per candidate chosen anywhere: times chosen, scenarios, in the solution, share."""
    counts: dict[str, int] = {}
    for ch in scenarios["chosen"]:
        for c in filter(None, str(ch).split(";")):
            counts[c] = counts.get(c, 0) + 1
    n_scen = int((scenarios["chosen"] != "").sum()) if len(scenarios) else 0
    rob_ids = sorted(set(counts) | set(chosen_ids))
    robustness = pd.DataFrame(
        {
            "candidate_id": rob_ids,
            "times_chosen": [counts.get(c, 0) for c in rob_ids],
            "n_scenarios": n_scen,
            "in_solution": [c in chosen_ids for c in rob_ids],
        }
    )
    robustness["share"] = robustness["times_chosen"] / n_scen if n_scen else np.nan
    return robustness.sort_values(
        ["times_chosen", "candidate_id"], ascending=[False, True]
    ).reset_index(drop=True)


def _add_site_columns(
    run: _Run,
    per_site: pd.DataFrame,
    chosen_ids: list[str],
    *,
    gains: np.ndarray,
    fixed: set[str],
) -> None:
    """Name, source, category, area name, coordinates, gain and ``fixed`` (in place)."""
    info = run.inputs.tab.set_index("candidate_id")
    names = run.inputs.names
    per_site.insert(2, "name", [str(info.at[c, "name"]) for c in chosen_ids])
    per_site.insert(3, "source", [str(info.at[c, "source"]) for c in chosen_ids])
    per_site.insert(4, "candidate_category", [str(info.at[c, "category"]) for c in chosen_ids])
    per_site.insert(6, "area_name", [names.get(a, a) for a in per_site["area_id"]])
    per_site["x"] = [float(info.at[c, "geometry"].x) for c in chosen_ids]
    per_site["y"] = [float(info.at[c, "geometry"].y) for c in chosen_ids]
    per_site["marginal_gain"] = gains
    per_site["fixed"] = [c in fixed for c in chosen_ids]


def _provenance(
    run: _Run,
    sol: Solution,
    *,
    np_data: bool,
    uncovered: tuple[dict[str, float], float],
) -> dict[str, Any]:
    """Inputs, options, snapping counts and solver details (written to ``siting.json``)."""
    task, inp, network, dist = run.task, run.inputs, run.network, run.dist
    prov: dict[str, Any] = {
        "city": getattr(run.city, "name", ""),
        "distance_method": dist.method,
        "profile": run.profile.name,
        "speed_m_s": run.profile.speed_m_s,
        "threshold_min": run.T,
        "weight": inp.weight_label,
        "model": task.model,
        "p_median_cap_min": task.cap_min if task.model == "p_median" else None,
        "existing_offices": inp.existing["service_id"].astype(str).tolist(),
        "n_candidates": len(inp.tab),
        "candidates_unsnapped": inp.dropped,
        "candidate_sources": inp.tab["source"].value_counts().sort_index().to_dict(),
        "area_level": task.area_level,
        "one_per_area": task.one_per_area,
        "min_per_area": inp.lo,
        "max_per_area": dict(inp.hi),
        "solver_info": dict(sol.info),
        "robustness_solver": task.robustness_solver,
        "max_snap_m": task.max_snap_m if network is not None else None,
        "nonprofit_data_available": bool(np_data),
        "unlocated_in_areas": float(sum(uncovered[0].values())),
        "unlocated_municipality_only": float(uncovered[1]),
        "detour_factor": task.detour_factor if network is None else None,
    }
    if network is not None:
        prov["network"] = dict(getattr(network, "provenance", {}) or {})
        for key in ("demand", "existing", "nonprofits"):
            st = dist.status(key)
            if st is not None:
                prov[f"{key}_unsnapped"] = int((st == "too_far").sum())
    return prov
