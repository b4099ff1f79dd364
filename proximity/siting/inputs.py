"""The geographic inputs of a siting run: areas, demand, candidates and existing offices.

:func:`prepare_inputs` gathers, for a :class:`~proximity.siting.task.SiteTask`, a city and a
distance measure, everything the array-level problem is built from (:class:`_Inputs`):

1. the area layer (areas or sub-areas) and its names;
2. the demand points and their weights (population, or need-weighted population);
3. the candidates (see :mod:`proximity.siting.candidates`), each with its area, without the
   existing offices and (network mode) without those too far from the network;
4. the existing offices of the task's category and the per-area bounds they imply.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from proximity.errors import GeometryError, ParameterError
from proximity.siting import candidates as cands
from proximity.siting.distances import _Distances, _points, _xy
from proximity.siting.task import candidates_type_error
from proximity.sources.city import UNASSIGNED_AREA

if TYPE_CHECKING:  # pragma: no cover
    from proximity.siting.task import SiteTask

#: A point set for :class:`~proximity.siting.distances._Distances`: (key, xy, ids).
PointSet = tuple[str, np.ndarray, list[str]]


@dataclass(frozen=True, eq=False)
class _Inputs:
    """Everything geographic a siting run needs, prepared once.

    Attributes
    ----------
    polys, pid, dcol, names
        Area polygons, their id column, the demand's area column, area names.
    area_ids
        Sorted area ids of the level.
    demand
        The demand points (index reset).
    demand_area, weight, weight_label
        Area per demand point, its weight and what the weight is.
    D, C, E
        Demand, candidates and existing offices as point sets ``(key, xy, ids)``.
    tab
        The candidate table (``candidate_id``, ``area_id``, ``source``, ``name``, …).
    dropped
        Candidate ids dropped as too far from the network.
    existing
        The existing offices of the task's category.
    lo, hi
        Per-area minimum and maximum of new sites.
    """

    polys: gpd.GeoDataFrame
    pid: str
    dcol: str
    names: dict[str, str]
    area_ids: list[str]
    demand: gpd.GeoDataFrame
    demand_area: np.ndarray
    weight: np.ndarray
    weight_label: str
    D: PointSet
    tab: gpd.GeoDataFrame
    C: PointSet
    dropped: list[str]
    existing: gpd.GeoDataFrame
    E: PointSet
    lo: dict[str, int]
    hi: dict[str, int]


def prepare_inputs(task: SiteTask, city: Any, dist: _Distances) -> _Inputs:
    """The :class:`_Inputs` of ``task`` for ``city`` (distances measured by ``dist``).

    Parameters
    ----------
    task
        The validated request.
    city
        The study area (:class:`proximity.sources.City`).
    dist
        The distance measure (its snapping drops unsnappable candidates in network mode).

    Returns
    -------
    _Inputs

    Raises
    ------
    ParameterError
        No sub-areas at ``area_level="subareas"``, need weights without area statistics, no
        candidates left, or ``k`` above the number of candidates.
    """
    polys, pid, dcol, names = _area_layer(city, task.area_level)
    area_ids = sorted(set(polys[pid].astype(str)))
    _check_area_ids(task, area_ids)
    demand = city.demand.reset_index(drop=True)
    weight, weight_label = _demand_weights(city, demand, task.need_weighted)
    existing = city.services.loc[
        city.services["category"].astype(str) == task.category
    ].reset_index(drop=True)
    tab, cand_xy, dropped = _candidate_table(task, city, dist, existing, (polys, pid))
    lo, hi = _area_bounds(
        task.one_per_area,
        area_ids,
        _existing_per_area(existing, polys, pid),
        task.min_per_area,
        task.max_per_area,
    )
    return _Inputs(
        polys=polys,
        pid=pid,
        dcol=dcol,
        names=names,
        area_ids=area_ids,
        demand=demand,
        demand_area=demand[dcol].fillna(UNASSIGNED_AREA).astype(str).to_numpy(),
        weight=weight,
        weight_label=weight_label,
        D=("demand", _xy(demand), demand["demand_id"].astype(str).tolist()),
        tab=tab,
        C=("candidates", cand_xy, tab["candidate_id"].tolist()),
        dropped=dropped,
        existing=existing,
        E=(
            "existing",
            _xy(existing) if len(existing) else np.zeros((0, 2)),
            existing["service_id"].astype(str).tolist(),
        ),
        lo=lo,
        hi=hi,
    )


def _area_layer(city: Any, area_level: str) -> tuple[gpd.GeoDataFrame, str, str, dict[str, str]]:
    """(polygons, polygon id column, demand column, names) for the area level."""
    if area_level == "subareas":
        polys, pid, dcol = city.subareas, "subarea_id", "subarea_id"
        if polys is None or len(polys) == 0 or "subarea_id" not in city.demand.columns:
            raise ParameterError("This city has no subareas.", fix="Use area_level='areas'.")
    else:  # "areas" (SiteTask checked the level)
        polys, pid, dcol = city.areas, "area_id", "area_id"
    names = dict(
        zip(
            polys[pid].astype(str),
            polys["name"].astype(str) if "name" in polys.columns else polys[pid].astype(str),
            strict=True,
        )
    )
    return polys, pid, dcol, names


def _candidate_table(
    task: SiteTask,
    city: Any,
    dist: _Distances,
    existing: gpd.GeoDataFrame,
    layer: tuple[gpd.GeoDataFrame, str],
) -> tuple[gpd.GeoDataFrame, np.ndarray, list[str]]:
    """(candidates, their xy, ids dropped as unsnappable), checked against ``k``."""
    tab = _build_candidates(city, task.candidates, *layer)
    _check_inside(tab, city)
    tab = cands.filter_by_area(tab, task.candidate_areas)
    if len(existing) and len(tab):  # an existing office is not a candidate for a new one
        tab = tab.loc[~tab["candidate_id"].isin("svc:" + existing["service_id"].astype(str))]
        tab = tab.reset_index(drop=True)
    cand_xy = _xy(tab) if len(tab) else np.zeros((0, 2))
    dropped: list[str] = []
    if dist.network is not None and len(tab):
        st = dist.snapped("candidates", cand_xy, tab["candidate_id"].tolist()).status
        bad = np.asarray(st).astype(str) == "too_far"
        dropped = tab.loc[bad, "candidate_id"].tolist()
        if bad.any():
            tab = tab.loc[~bad].reset_index(drop=True)
            cand_xy = cand_xy[~bad]
            dist.forget("candidates")
    if len(tab) == 0:
        raise ParameterError(
            "There are no candidate sites (after area filtering and snapping).",
            fix="Give candidates=..., e.g. a grid from proximity.siting.candidates.from_grid.",
        )
    if task.k > len(tab):
        raise ParameterError(
            f"k = {task.k} new sites asked for, but there are only {len(tab)} candidate sites.",
            fix="Lower k or add candidates (other categories, a file, or a grid).",
        )
    return tab, cand_xy, dropped


def _build_candidates(
    city: Any, candidates: Any, polys: gpd.GeoDataFrame, pid: str
) -> gpd.GeoDataFrame:
    """The candidate table for the ``candidates`` argument, each with its area."""
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
    else:  # e.g. a Path without suffix that does not exist
        raise candidates_type_error(candidates)
    cands.check_points(tab, what="candidate")
    return cands.assign_areas(tab, polys, id_col=pid)


#: Candidate sources the toolkit derives from the city (a grid inside its boundary, its own
#: services): those farther than 1 km from every area are dropped, as before. Candidates
#: from anywhere else (a file, your GeoDataFrame) must lie in the study area.
_DERIVED_SOURCES = ("grid", "service:")


def _check_inside(tab: gpd.GeoDataFrame, city: Any) -> None:
    """Raise :class:`GeometryError` for given candidates outside every area (beyond 1 km)."""
    if not len(tab):
        return
    src = tab["source"].astype(str)
    outside = (tab["area_id"].astype(str) == "") & ~src.str.startswith(_DERIVED_SOURCES)
    if not outside.any():
        return
    ids = tab.loc[outside, "candidate_id"].astype(str).tolist()
    more = f" and {len(ids) - 5} more" if len(ids) > 5 else ""
    raise GeometryError(
        f"{len(ids)} candidate(s) lie outside the study area (more than 1 km from every "
        f"area): {ids[:5]}{more}.",
        row=ids[0],
        fix=f"Drop them, or check their coordinates: x, y in the city's CRS ({city.crs}), "
        "or lon, lat in WGS84 (a CSV with lon, lat columns).",
    )


def _check_area_ids(task: SiteTask, area_ids: list[str]) -> None:
    """Raise :class:`ParameterError` for ids in the area options that the level lacks."""
    from proximity.siting.checks import did_you_mean

    known = set(area_ids)
    for name in ("min_per_area", "max_per_area", "candidate_areas"):
        given = getattr(task, name)
        unknown = sorted({str(a) for a in (given or ())} - known)
        if unknown:
            raise ParameterError(
                f"{name} names area id(s) that the {task.area_level} of this city lack: "
                f"{unknown[:5]}.",
                fix=f"{did_you_mean(unknown[0], area_ids)}Area ids: {', '.join(area_ids[:20])}"
                f"{' ...' if len(area_ids) > 20 else ''}.",
            )


def _existing_per_area(
    existing: gpd.GeoDataFrame, polys: gpd.GeoDataFrame, pid: str
) -> dict[str, int]:
    """Number of existing offices per area."""
    if not len(existing):
        return {}
    cands.check_points(existing, id_col="service_id", what="existing office")
    ex_tab = cands.assign_areas(
        gpd.GeoDataFrame(
            {"candidate_id": existing["service_id"].astype(str), "area_id": ""},
            geometry=_points(existing.geometry),
            crs=existing.crs,
        ),
        polys,
        id_col=pid,
    )
    return ex_tab["area_id"].value_counts().to_dict()


def _area_bounds(
    one_per_area: Any,
    area_ids: list[str],
    existing_per_area: Mapping[str, int],
    min_per_area: Mapping[str, int] | None,
    max_per_area: Mapping[str, int] | None,
) -> tuple[dict[str, int], dict[str, int]]:
    """Per-area (minimum, maximum) of new sites (``one_per_area`` checked by SiteTask)."""
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
    """(weight per demand point, what it is): population, or need-weighted population."""
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


def uncovered_population(task: SiteTask, city: Any, inp: _Inputs) -> tuple[dict[str, float], float]:
    """Residents in the denominators who can never be covered: (per area, municipality only).

    The city's unlocated residents (:func:`_unlocated_population`). With need weights, an
    area's unlocated residents get the area's need weight (weight / population of its located
    residents); those known only for the municipality keep weight 1 (the population-weighted
    mean need weight).

    Parameters
    ----------
    task, city, inp
        The request, the study area and its prepared inputs.

    Returns
    -------
    per_area, unassigned
        Weight per area id, and the weight known only for the whole municipality.
    """
    extra_pop, unassigned_pop = _unlocated_population(city, inp.dcol, inp.area_ids)
    if task.need_weighted:
        pop_d = pd.to_numeric(inp.demand["population"], errors="coerce").fillna(0.0).to_numpy(float)
        for a in list(extra_pop):
            m = inp.demand_area == a
            p_a = float(pop_d[m].sum())
            extra_pop[a] *= float(inp.weight[m].sum()) / p_a if p_a > 0 else 1.0
    return extra_pop, unassigned_pop
