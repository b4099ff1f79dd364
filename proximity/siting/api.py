"""High-level siting: :func:`site` turns a :class:`~proximity.sources.City` and a walking
network into a ranked list of new office sites.

Steps
-----
1. **Candidates**: ``candidates=None`` uses the city's public places of
   :data:`~proximity.siting.candidates.DEFAULT_CANDIDATE_CATEGORIES`; a list of categories,
   a GeoDataFrame, a file path or a ready candidate table are accepted too (see
   :mod:`proximity.siting.candidates`). Each gets the area it lies in.
2. **Existing offices**: the city's services of ``category`` (default ``"district_office"``)
   are open already: the residents they reach are covered before any new site is chosen.
3. **Walking times**: network mode snaps demand, candidates, existing offices and
   non-profits onto the network (:func:`proximity.snap.snap`) and computes the bounded
   candidate × demand matrix (:func:`proximity.routing.bounded_matrix`) with the profile's
   edge cost; ``network=None`` uses the straight line × ``detour_factor`` (1.3) and labels
   everything ``distance_method = "crowfly×1.3"`` (with a warning).
4. **Model and solver**: MCLP (default) or capped p-median (cap ``max(3 T, 30)`` minutes; see
   :mod:`proximity.siting.models`), solved by ``solver="auto"`` (greedy + interchange, then
   HiGHS with the heuristic as cutoff and a time limit; the heuristic answer is kept if HiGHS
   fails), ``"greedy"`` or ``"highs"``.
5. **Ranking and impact** (:mod:`proximity.siting.ranking`), **robustness** over a grid of
   walking profiles × thresholds (re-solved with ``robustness_solver``, default the fast
   heuristic), and **non-profits** within ``T`` minutes' walk of each site. A city without
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

import math
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely
from scipy.spatial import cKDTree

from proximity.errors import ParameterError
from proximity.siting import candidates as cands
from proximity.siting.models import MODELS, SitingProblem
from proximity.siting.ranking import SitingResult, impact_tables, rank_sites
from proximity.siting.solvers import SOLVERS, solve

if TYPE_CHECKING:  # pragma: no cover
    from proximity.network import WalkNetwork

ONE_PER_AREA = (False, True, "at_most", "at_least", "exactly")


def p_median_cap_min(threshold_min: float) -> float:
    """The time cap of the capped p-median used by :func:`site`: ``max(3 T, 30)`` minutes."""
    return max(3.0 * float(threshold_min), 30.0)


class _Distances:
    """Walking (cost-)distances between point sets, network or crow-fly, with snapping cached."""

    def __init__(
        self, network: WalkNetwork | None, max_snap_m: float, detour_factor: float
    ) -> None:
        self.network = network
        self.max_snap_m = max_snap_m
        self.detour = detour_factor
        self._snapped: dict[str, Any] = {}
        self.method = "network" if network is not None else f"crowfly×{detour_factor:g}"

    def snapped(self, key: str, xy: np.ndarray, ids: Sequence[str]) -> Any:
        if key not in self._snapped:
            from proximity.snap import snap

            self._snapped[key] = snap(
                self.network, xy, ids=list(ids), max_snap_m=self.max_snap_m, what=key
            )
        return self._snapped[key]

    def status(self, key: str) -> np.ndarray | None:
        s = self._snapped.get(key)
        return None if s is None else np.asarray(s.status).astype(str)

    def matrix(
        self,
        src: tuple[str, np.ndarray, Sequence[str]],
        tgt: tuple[str, np.ndarray, Sequence[str]],
        cutoff_m: float,
        edge_cost: np.ndarray | None,
    ) -> sp.csr_matrix:
        """Sparse (n_src × n_tgt) distances ≤ ``cutoff_m`` (explicit zeros kept)."""
        n_s, n_t = len(src[1]), len(tgt[1])
        if n_s == 0 or n_t == 0:
            return sp.csr_matrix((n_s, n_t))
        if self.network is None:
            d = cKDTree(src[1]).sparse_distance_matrix(
                cKDTree(tgt[1]), cutoff_m / self.detour, output_type="coo_matrix"
            )
            m = sp.csr_matrix((d.data * self.detour, (d.row, d.col)), shape=(n_s, n_t))
            m.sort_indices()
            return m
        from proximity.routing import bounded_matrix

        s = self.snapped(*src)
        t = self.snapped(*tgt)
        if not s.routable.any() or not t.routable.any():
            return sp.csr_matrix((n_s, n_t))
        m = bounded_matrix(self.network, s, t, cutoff_m, edge_cost=edge_cost)
        m = sp.csr_matrix(m)
        m.sort_indices()
        return m


def _xy(gdf: gpd.GeoDataFrame) -> np.ndarray:
    geom = _points(gdf.geometry).to_numpy()
    return np.column_stack([shapely.get_x(geom), shapely.get_y(geom)]).astype(float)


def _points(geom: gpd.GeoSeries) -> gpd.GeoSeries:
    arr = geom.to_numpy()
    is_pt = shapely.get_type_id(arr) == 0
    return gpd.GeoSeries(
        np.where(is_pt, arr, shapely.point_on_surface(arr)), index=geom.index, crs=geom.crs
    )


def _edge_cost(network: WalkNetwork | None, prof: Any) -> np.ndarray | None:
    if network is None or not prof.highway_factor:
        return None
    return np.asarray(prof.edge_cost(network), dtype=float)


def _area_layer(city: Any, area_level: str) -> tuple[gpd.GeoDataFrame, str, str, dict[str, str]]:
    """(polygons, polygon id column, demand column, names) for the area level."""
    if area_level == "areas":
        polys, pid, dcol = city.areas, "area_id", "area_id"
    elif area_level == "subareas":
        polys, pid, dcol = city.subareas, "subarea_id", "subarea_id"
        if polys is None or len(polys) == 0 or "subarea_id" not in city.demand.columns:
            raise ParameterError("This city has no subareas.", fix="Use area_level='areas'.")
    else:
        raise ParameterError(
            f"Unknown area_level {area_level!r}.", fix="Use 'areas' or 'subareas'."
        )
    names = dict(
        zip(
            polys[pid].astype(str),
            polys["name"].astype(str) if "name" in polys.columns else polys[pid].astype(str),
            strict=True,
        )
    )
    return polys, pid, dcol, names


def _build_candidates(
    city: Any, candidates: Any, polys: gpd.GeoDataFrame, pid: str
) -> gpd.GeoDataFrame:
    if candidates is None:
        tab = cands.from_services(city, cands.DEFAULT_CANDIDATE_CATEGORIES)
    elif isinstance(candidates, gpd.GeoDataFrame):
        if "candidate_id" in candidates.columns and "source" in candidates.columns:
            tab = cands.combine(candidates.to_crs(city.crs))
        else:
            tab = cands.from_file(candidates, city.crs)
    elif isinstance(candidates, str | Path) and (
        Path(candidates).suffix or Path(candidates).exists()
    ):
        tab = cands.from_file(candidates, city.crs)
    elif isinstance(candidates, str):
        tab = cands.from_services(city, [candidates])
    elif isinstance(candidates, Sequence):
        tab = cands.from_services(city, list(candidates))
    else:
        raise ParameterError(
            f"candidates must be None, categories, a GeoDataFrame or a file, got {type(candidates).__name__}."
        )
    tab = cands.assign_areas(tab, polys, id_col=pid)
    return tab


def _area_bounds(
    one_per_area: Any,
    area_ids: list[str],
    existing_per_area: Mapping[str, int],
    min_per_area: Mapping[str, int] | None,
    max_per_area: Mapping[str, int] | None,
) -> tuple[dict[str, int], dict[str, int]]:
    if one_per_area not in ONE_PER_AREA:
        raise ParameterError(f"one_per_area must be one of {ONE_PER_AREA}, got {one_per_area!r}.")
    mode = "at_most" if one_per_area is True else one_per_area
    lo: dict[str, int] = {}
    hi: dict[str, int] = {}
    if mode in ("at_most", "exactly"):
        hi = {a: max(0, 1 - int(existing_per_area.get(a, 0))) for a in area_ids}
    if mode in ("at_least", "exactly"):
        lo = {a: max(0, 1 - int(existing_per_area.get(a, 0))) for a in area_ids}
    lo.update({str(a): int(v) for a, v in (min_per_area or {}).items()})
    hi.update({str(a): int(v) for a, v in (max_per_area or {}).items()})
    return {a: v for a, v in lo.items() if v > 0}, hi


def _demand_weights(
    city: Any, demand: gpd.GeoDataFrame, need_weighted: bool
) -> tuple[np.ndarray, str]:
    pop = pd.to_numeric(demand["population"], errors="coerce").fillna(0.0).to_numpy(dtype=float)
    if not need_weighted:
        return pop, "population"
    stats = getattr(city, "area_stats", None)
    if stats is None or len(stats) == 0 or "employment_rate_pct" not in stats.columns:
        raise ParameterError(
            "need_weighted=True needs area statistics (employment_rate_pct), but this city has none.",
            fix="Use need_weighted=False or give the city an area_stats table.",
        )
    from proximity.equity import area_stat, need_weights

    emp = area_stat(city, "employment_rate_pct")
    area = demand["area_id"].astype(str)
    ids = sorted(set(area))
    apop = pd.Series(pop, index=area.to_numpy()).groupby(level=0).sum()
    nw = need_weights(ids, [emp.get(a, np.nan) for a in ids], [apop.get(a, 0.0) for a in ids])
    lookup = dict(zip(ids, nw, strict=True))
    return pop * area.map(lookup).to_numpy(
        dtype=float
    ), "need-weighted population (employment rate)"


def site(
    city: Any,
    network: WalkNetwork | None,
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
    """Rank where ``k`` new offices should go.

    Parameters
    ----------
    city
        The study area (:class:`proximity.sources.City`).
    network
        The walking network, or None for crow-fly distances × ``detour_factor`` (labelled).
    category
        Service category of the offices being sited; existing services of this category are
        treated as open (fixed).
    k
        Number of new sites (including ``fixed`` candidate ids).
    threshold_min
        Walking-time threshold ``T`` (minutes, > 0) for coverage.
    profile
        Walking profile name or :class:`~proximity.profiles.WalkingProfile`.
    candidates
        None (public places of the default categories), categories, a GeoDataFrame (a ready
        candidate table from :mod:`proximity.siting.candidates`, or any points), or a file.
    one_per_area, min_per_area, max_per_area
        Area constraints (see the module docstring).
    candidate_areas
        Keep only candidates in these areas.
    area_level
        ``"areas"`` or ``"subareas"``.
    model
        ``"mclp"`` or ``"p_median"``.
    solver
        ``"auto"``, ``"greedy"`` or ``"highs"``.
    time_limit_s
        Time limit of the exact solve.
    need_weighted
        Weight residents by the need weight of their area (:func:`proximity.equity.need_weights`
        on the employment rate).
    max_snap_m, detour_factor
        Snapping threshold (network mode) and crow-fly detour factor.
    robustness_profiles, robustness_thresholds_min
        The grid re-solved for robustness (default profiles adult/elderly/winter, names or
        :class:`~proximity.profiles.WalkingProfile` objects; a name equal to ``profile``'s
        uses ``profile`` itself, so a customised speed is kept; unknown names are skipped),
        thresholds ``T − 5, T, T + 5`` that are > 0; None or empty skips it.
    robustness_solver
        Solver of the robustness re-solves (default the heuristic, to keep it fast).
    fixed
        Candidate ids that must be opened (counted in ``k``).

    Returns
    -------
    SitingResult

    Raises
    ------
    ParameterError
        ``k`` < 1 or larger than the number of candidates, ``threshold_min`` ≤ 0, unknown
        model, solver, profile or area level.
    InfeasibleError
        Area constraints that cannot hold (named in the message).
    """
    from proximity.profiles import PROFILES, get_profile

    if (
        isinstance(threshold_min, bool)
        or not isinstance(threshold_min, int | float)
        or not (math.isfinite(threshold_min) and threshold_min > 0)
    ):
        raise ParameterError(
            f"threshold_min must be a positive number of minutes, got {threshold_min!r}.",
            fix="Use e.g. threshold_min=10.",
        )
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise ParameterError(f"k must be a positive integer, got {k!r}.")
    if model not in MODELS:
        raise ParameterError(f"Unknown model {model!r}.", fix=f"Use one of {MODELS}.")
    if solver not in SOLVERS:
        raise ParameterError(f"Unknown solver {solver!r}.", fix=f"Use one of {SOLVERS}.")
    prof = get_profile(profile)
    T = float(threshold_min)
    polys, pid, dcol, names = _area_layer(city, area_level)
    dist = _Distances(network, max_snap_m, detour_factor)
    if network is None:
        from proximity.coverage import CrowFlyWarning

        warnings.warn(
            f"No walking network given: siting uses straight lines × {detour_factor:g} "
            f"(distance_method = {dist.method!r}).",
            CrowFlyWarning,
            stacklevel=2,
        )

    # ---------------------------------------------------------------- demand
    demand = city.demand.reset_index(drop=True)
    dem_ids = demand["demand_id"].astype(str).tolist()
    dem_area = demand[dcol].fillna("__unassigned__").astype(str).to_numpy()
    weight, weight_label = _demand_weights(city, demand, need_weighted)
    dem_xy = _xy(demand)
    D = ("demand", dem_xy, dem_ids)

    # ---------------------------------------------------------------- candidates
    tab = _build_candidates(city, candidates, polys, pid)
    tab = cands.filter_by_area(tab, candidate_areas)
    existing = city.services.loc[city.services["category"].astype(str) == category].reset_index(
        drop=True
    )
    if len(existing) and len(tab):  # an existing office is not a candidate for a new one
        tab = tab.loc[~tab["candidate_id"].isin("svc:" + existing["service_id"].astype(str))]
        tab = tab.reset_index(drop=True)
    cand_xy = _xy(tab) if len(tab) else np.zeros((0, 2))
    dropped: list[str] = []
    if network is not None and len(tab):
        st = dist.snapped("candidates", cand_xy, tab["candidate_id"].tolist()).status
        bad = np.asarray(st).astype(str) == "too_far"
        dropped = tab.loc[bad, "candidate_id"].tolist()
        if bad.any():
            tab = tab.loc[~bad].reset_index(drop=True)
            cand_xy = cand_xy[~bad]
            dist._snapped.pop("candidates")
    if len(tab) == 0:
        raise ParameterError(
            "There are no candidate sites (after area filtering and snapping).",
            fix="Give candidates=..., e.g. a grid from proximity.siting.candidates.from_grid.",
        )
    if k > len(tab):
        raise ParameterError(
            f"k = {k} new sites asked for, but there are only {len(tab)} candidate sites.",
            fix="Lower k or add candidates (other categories, a file, or a grid).",
        )
    C = ("candidates", cand_xy, tab["candidate_id"].tolist())
    ex_tab = (
        cands.assign_areas(
            gpd.GeoDataFrame(
                {"candidate_id": existing["service_id"].astype(str), "area_id": ""},
                geometry=_points(existing.geometry),
                crs=existing.crs,
            ),
            polys,
            id_col=pid,
        )
        if len(existing)
        else None
    )
    E = (
        "existing",
        _xy(existing) if len(existing) else np.zeros((0, 2)),
        existing["service_id"].astype(str).tolist(),
    )
    existing_per_area = ex_tab["area_id"].value_counts().to_dict() if ex_tab is not None else {}
    area_ids = sorted(set(polys[pid].astype(str)))
    lo, hi = _area_bounds(one_per_area, area_ids, existing_per_area, min_per_area, max_per_area)

    # ---------------------------------------------------------------- scenario grid
    if robustness_thresholds_min is None:
        robustness_thresholds_min = [t for t in (T - 5, T, T + 5) if t > 0]
    r_profiles: list[Any] = []
    for p in robustness_profiles or ():
        if isinstance(p, str) and p not in PROFILES:
            continue  # unknown names are skipped (the grid is best effort)
        rp = get_profile(p)
        r_profiles.append(prof if rp.name == prof.name else rp)  # keep a customised profile
    r_grid = [(p, float(t)) for p in r_profiles for t in (robustness_thresholds_min or ())]
    need_min: dict[str, float] = {prof.name: T if model == "mclp" else p_median_cap_min(T)}
    for p, t in r_grid:
        m = t if model == "mclp" else p_median_cap_min(t)
        need_min[p.name] = max(need_min.get(p.name, 0.0), m)
    profs = {prof.name: prof, **{p.name: p for p, _ in r_grid}}
    times: dict[str, tuple[sp.csr_matrix, sp.csr_matrix]] = {}
    for name, p in profs.items():
        cost = _edge_cost(network, p)
        cutoff = need_min[name] * 60.0 * p.speed_m_s
        m_c = dist.matrix(C, D, cutoff, cost)
        m_e = dist.matrix(E, D, cutoff, cost)
        times[name] = (_to_min(m_c, p.speed_m_s), _to_min(m_e, p.speed_m_s))

    def problem_for(p: Any, t: float) -> SitingProblem:
        tc, te = times[p.name]
        cap = p_median_cap_min(t)
        bound = t if model == "mclp" else cap
        tc_b = _bounded(tc, bound)
        ex_t = _column_min(_bounded(te, bound))
        return SitingProblem(
            demand_weight=weight,
            demand_area=dem_area,
            demand_ids=np.array(dem_ids),
            candidate_ids=tab["candidate_id"].to_numpy(),
            candidate_area=tab["area_id"].to_numpy(),
            cover=_structure(_bounded(tc, t)),
            time_min=tc_b if model == "p_median" else None,
            time_cap_min=cap if model == "p_median" else np.inf,
            existing_covered=ex_t <= t,
            existing_time_min=ex_t,
            fixed=tuple(fixed),
            min_per_area=lo,
            max_per_area=hi,
            k=int(k),
            threshold_min=t,
            meta={"profile": p.name, "distance_method": dist.method},
        )

    problem = problem_for(prof, T)
    sol = solve(problem, model, solver, time_limit_s=time_limit_s)
    order, gains = rank_sites(problem, sol.chosen, model)

    # ---------------------------------------------------------------- impact
    extra_pop, unassigned_pop = _unlocated_population(city, dcol, area_ids)
    if need_weighted:
        # the demand weights are need-weighted persons: an area's unlocated residents get the
        # area's need weight (weight / population of its located residents); those known only
        # for the municipality keep weight 1 (the population-weighted mean need weight)
        pop_d = pd.to_numeric(demand["population"], errors="coerce").fillna(0.0).to_numpy(float)
        for a in list(extra_pop):
            m = dem_area == a
            p_a = float(pop_d[m].sum())
            extra_pop[a] *= float(weight[m].sum()) / p_a if p_a > 0 else 1.0
    per_site, per_site_area, per_area = impact_tables(
        problem,
        order,
        area_names=names,
        extra_population=extra_pop,
        unassigned_population=unassigned_pop,
    )

    # ---------------------------------------------------------------- robustness
    scen_rows = []
    for p, t in r_grid:
        try:
            s = solve(problem_for(p, t), model, robustness_solver, time_limit_s=time_limit_s)
            ids = sorted(problem.candidate_ids[s.chosen].tolist())
            scen_rows.append(
                {
                    "profile": p.name,
                    "threshold_min": t,
                    "chosen": ";".join(ids),
                    "objective": s.objective,
                    "solver": s.solver,
                    "status": s.status,
                }
            )
        except Exception as exc:  # an infeasible scenario is reported, not fatal
            scen_rows.append(
                {
                    "profile": p.name,
                    "threshold_min": t,
                    "chosen": "",
                    "objective": np.nan,
                    "solver": robustness_solver,
                    "status": f"error: {type(exc).__name__}: {exc}",
                }
            )
    scenarios = pd.DataFrame(
        scen_rows, columns=["profile", "threshold_min", "chosen", "objective", "solver", "status"]
    )
    counts: dict[str, int] = {}
    for ch in scenarios["chosen"]:
        for c in filter(None, str(ch).split(";")):
            counts[c] = counts.get(c, 0) + 1
    n_scen = int((scenarios["chosen"] != "").sum()) if len(scenarios) else 0
    chosen_ids = problem.candidate_ids[order].tolist()
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
    robustness = robustness.sort_values(
        ["times_chosen", "candidate_id"], ascending=[False, True]
    ).reset_index(drop=True)

    # ---------------------------------------------------------------- non-profits
    npo = getattr(city, "nonprofits", None)
    np_rows: list[dict[str, Any]] = []
    np_method = dist.method
    np_data = npo is not None and len(npo) > 0
    if np_data:
        npo = npo.reset_index(drop=True)
        N = ("nonprofits", _xy(npo), npo["org_id"].astype(str).tolist())
        sel = order
        S = ("candidates", cand_xy, tab["candidate_id"].tolist())
        m = _to_min(
            dist.matrix(S, N, T * 60.0 * prof.speed_m_s, _edge_cost(network, prof)), prof.speed_m_s
        )
        mcoo = m[sel].tocoo()
        for r, c, v in zip(mcoo.row, mcoo.col, mcoo.data, strict=True):
            np_rows.append(
                {
                    "candidate_id": chosen_ids[r],
                    "org_id": str(npo["org_id"].iloc[c]),
                    "name": str(npo["name"].iloc[c]) if pd.notna(npo["name"].iloc[c]) else "",
                    "kind": str(npo["kind"].iloc[c]) if "kind" in npo.columns else "",
                    "distance_m": float(v) * 60.0 * prof.speed_m_s,
                    "minutes": float(v),
                    "distance_method": np_method,
                }
            )
    nonprofits = (
        pd.DataFrame(
            np_rows,
            columns=[
                "candidate_id",
                "org_id",
                "name",
                "kind",
                "distance_m",
                "minutes",
                "distance_method",
            ],
        )
        .sort_values(["candidate_id", "minutes", "org_id"], kind="stable")
        .reset_index(drop=True)
    )

    # ---------------------------------------------------------------- per-site table
    info = tab.set_index("candidate_id")
    per_site.insert(2, "name", [str(info.at[c, "name"]) for c in chosen_ids])
    per_site.insert(3, "source", [str(info.at[c, "source"]) for c in chosen_ids])
    per_site.insert(4, "candidate_category", [str(info.at[c, "category"]) for c in chosen_ids])
    per_site.insert(6, "area_name", [names.get(a, a) for a in per_site["area_id"]])
    per_site["x"] = [float(info.at[c, "geometry"].x) for c in chosen_ids]
    per_site["y"] = [float(info.at[c, "geometry"].y) for c in chosen_ids]
    per_site["marginal_gain"] = gains
    per_site["fixed"] = [c in set(problem.fixed) for c in chosen_ids]
    grp = nonprofits.groupby("candidate_id")
    if np_data:
        np_counts = [len(grp.get_group(c)) if c in grp.groups else 0 for c in chosen_ids]
        per_site["nonprofits_n"] = np.array(np_counts, dtype=np.int64)
        per_site["nonprofits_names"] = [
            "; ".join(n for n in grp.get_group(c)["name"].tolist() if n) if c in grp.groups else ""
            for c in chosen_ids
        ]
        per_site["nonprofits_label"] = [
            f"{n} non-profit(s) within {T:g} min ({np_method})" for n in np_counts
        ]
        per_site["nonprofits_label_sv"] = [nonprofits_label_sv(n, T) for n in np_counts]
        per_site["nonprofits_label_en"] = [nonprofits_label_en(n, T) for n in np_counts]
        per_site["nonprofits_note"] = ""
    else:
        # no data is not "none nearby": NaN count and a note saying so
        per_site["nonprofits_n"] = np.full(len(chosen_ids), np.nan)
        per_site["nonprofits_names"] = ""
        per_site["nonprofits_label"] = NONPROFITS_NO_DATA_EN
        per_site["nonprofits_label_sv"] = NONPROFITS_NO_DATA_SV
        per_site["nonprofits_label_en"] = NONPROFITS_NO_DATA_EN
        per_site["nonprofits_note"] = NONPROFITS_NO_DATA_SV
    per_site["nonprofit_distance_method"] = np_method
    rob = robustness.set_index("candidate_id")
    per_site["robustness_share"] = [
        float(rob.at[c, "share"]) if c in rob.index else np.nan for c in chosen_ids
    ]
    per_site["distance_method"] = dist.method

    prov: dict[str, Any] = {
        "city": getattr(city, "name", ""),
        "distance_method": dist.method,
        "profile": prof.name,
        "speed_m_s": prof.speed_m_s,
        "threshold_min": T,
        "weight": weight_label,
        "model": model,
        "p_median_cap_min": p_median_cap_min(T) if model == "p_median" else None,
        "existing_offices": existing["service_id"].astype(str).tolist(),
        "n_candidates": len(tab),
        "candidates_unsnapped": dropped,
        "candidate_sources": tab["source"].value_counts().sort_index().to_dict(),
        "area_level": area_level,
        "one_per_area": one_per_area,
        "min_per_area": lo,
        "max_per_area": {a: v for a, v in hi.items()},
        "solver_info": dict(sol.info),
        "robustness_solver": robustness_solver,
        "max_snap_m": max_snap_m if network is not None else None,
        "nonprofit_data_available": bool(np_data),
        "unlocated_in_areas": float(sum(extra_pop.values())),
        "unlocated_municipality_only": float(unassigned_pop),
        "detour_factor": detour_factor if network is None else None,
    }
    if network is not None:
        prov["network"] = dict(getattr(network, "provenance", {}) or {})
        for key in ("demand", "existing", "nonprofits"):
            st = dist.status(key)
            if st is not None:
                prov[f"{key}_unsnapped"] = int((st == "too_far").sum())
    return SitingResult(
        chosen=chosen_ids,
        marginal_gain=[float(g) for g in gains],
        objective=sol.objective,
        bound=sol.bound,
        gap=sol.gap,
        solver=sol.solver,
        status=sol.status,
        model=model,
        per_site=per_site,
        per_site_area=per_site_area,
        per_area=per_area,
        robustness=robustness,
        scenarios=scenarios,
        nonprofits=nonprofits,
        distance_method=dist.method,
        threshold_min=T,
        profile=prof.name,
        k=int(k),
        category=category,
        candidates=tab,
        problem=problem,
        provenance=prov,
        timing={"solve_s": sol.time_s},
        population_unit=_population_unit(city),
        nonprofit_data_available=bool(np_data),
    )


NONPROFITS_NO_DATA_SV = "ingen data om ideella organisationer"
NONPROFITS_NO_DATA_EN = "no data on non-profits"


def nonprofits_label_sv(n: int, threshold_min: float) -> str:
    """Swedish map label for ``n`` non-profits within ``threshold_min`` minutes' walk (the
    city has non-profit data): ``"inga inom 10 min"``, ``"1 ideell organisation inom 10
    min"``, ``"3 ideella organisationer inom 10 min"``. No data at all is
    :data:`NONPROFITS_NO_DATA_SV` instead.
    """
    t = f"{float(threshold_min):g}"
    if n <= 0:
        return f"inga inom {t} min"
    if n == 1:
        return f"1 ideell organisation inom {t} min"
    return f"{int(n)} ideella organisationer inom {t} min"


def nonprofits_label_en(n: int, threshold_min: float) -> str:
    """English counterpart of :func:`nonprofits_label_sv` (``"none within 10 min"``,
    ``"1 non-profit within 10 min"``, ``"3 non-profits within 10 min"``).
    """
    t = f"{float(threshold_min):g}"
    if n <= 0:
        return f"none within {t} min"
    return f"{int(n)} non-profit{'s' if n != 1 else ''} within {t} min"


def _unlocated_population(
    city: Any, area_col: str, area_ids: Sequence[str]
) -> tuple[dict[str, float], float]:
    """The city's unlocated residents (never covered) as (per area of this level, the rest).

    As in :mod:`proximity.coverage`: rows of ``City.unlocated`` whose ``area_col`` value is
    one of ``area_ids`` count in that area's denominator; all others (``"__unassigned__"``,
    unknown ids, or every row when the table has no ``area_col``, e.g. at sub-area level)
    count in the municipality total only.
    """
    unl = getattr(city, "unlocated", None)
    if unl is None or len(unl) == 0 or "population" not in unl.columns:
        return {}, 0.0
    pop = pd.to_numeric(unl["population"], errors="coerce").fillna(0.0).to_numpy(float)
    total = float(pop.sum())
    if area_col not in unl.columns:
        return {}, total
    known = set(map(str, area_ids))
    keys = [str(a) if pd.notna(a) else "" for a in unl[area_col]]
    per_area: dict[str, float] = {}
    for a, v in zip(keys, pop, strict=True):
        if a in known:
            per_area[a] = per_area.get(a, 0.0) + float(v)
    return per_area, total - sum(per_area.values())


def _population_unit(city: Any) -> str:
    """``"persons"`` or the proxy unit of the city's demand (see coverage)."""
    from proximity.coverage import population_unit_info

    return str(population_unit_info(city)["unit"])


def _to_min(m: sp.csr_matrix, speed_m_s: float) -> sp.csr_matrix:
    out = sp.csr_matrix(m, dtype=float, copy=True)
    out.data = out.data / speed_m_s / 60.0
    return out


def _bounded(m: sp.csr_matrix, bound_min: float) -> sp.csr_matrix:
    """Entries ≤ bound, explicit zeros kept."""
    coo = m.tocoo()
    keep = coo.data <= bound_min + 1e-9
    out = sp.csr_matrix((coo.data[keep], (coo.row[keep], coo.col[keep])), shape=m.shape)
    out.sort_indices()
    return out


def _column_min(m: sp.csr_matrix) -> np.ndarray:
    """Per column: smallest stored value, ``inf`` where none."""
    best = np.full(m.shape[1], np.inf)
    coo = m.tocoo()
    np.minimum.at(best, coo.col, coo.data)
    return best


def _structure(m: sp.csr_matrix) -> sp.csr_matrix:
    """Bool matrix of the sparsity structure (explicit zeros become True)."""
    out = sp.csr_matrix(
        (np.ones(m.nnz, dtype=bool), m.indices.copy(), m.indptr.copy()), shape=m.shape
    )
    out.sort_indices()
    return out
