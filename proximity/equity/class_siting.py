"""Need-weighted siting by socio-economic class, and the class gap before and after.

For Göteborg's Hisingen question: site ``k`` new offices within one part of the city (the
stadsområde Hisingen), once with plain MCLP (every resident counts 1) and once per need
weight, where residents of the areas with the most challenges count more; then report how the
chosen sites and the gap in covered share between the classes change.

Weights: for a weight ``w``, residents of rank-1 areas ("stora socioekonomiska utmaningar")
count ``w`` and those of rank-2 areas ("socioekonomiska utmaningar") ``1 + (w - 1) / 2``
(``w = 2`` gives the pair 2.0 / 1.5); every other resident counts 1. ``w = 1`` is plain MCLP.
The weights only steer the choice of sites; coverage and gaps are always counted in persons.
In a scenario: ``[siting] candidate_areas`` and ``[siting.need_weights]``
(:mod:`proximity.scenario.equity_run` calls :func:`need_weight_sweep`).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import replace
from types import SimpleNamespace
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from proximity.distance_method import DistanceMethod
from proximity.equity.group_tables import SOCIOEK_CLASS, GroupSpec, group_equity
from proximity.errors import ParameterError
from proximity.sources.city import TOTAL_AREA_ID

__all__ = [
    "class_weighted_sweep",
    "class_weights",
    "need_weight_sweep",
    "value_weighted_city",
    "weighted_city",
]


def class_weights(w: float) -> dict[int, float]:
    """Weight per socio-economic rank for the need weight ``w`` (see the module docstring).

    Parameters
    ----------
    w : float
        Weight of rank 1 (>= 1).

    Returns
    -------
    dict
        ``{1: w, 2: 1 + (w - 1) / 2}``; other ranks count 1.
    """
    if not w >= 1:
        raise ParameterError(f"Need weight {w} < 1.", fix="Use weights >= 1 (1 = plain MCLP).")
    return {1: float(w), 2: 1.0 + (float(w) - 1.0) / 2.0}


def weighted_city(
    city: Any, weights: dict[int, float], *, rank_column: str = "socioek_rank"
) -> Any:
    """A copy of ``city`` whose demand population is multiplied by its area's class weight.

    Parameters
    ----------
    city : proximity.sources.City
    weights : dict
        Rank -> weight; ranks not named (and unranked areas) count 1.
    rank_column : str
        Column of ``city.areas`` with the rank.

    Returns
    -------
    proximity.sources.City
        Same areas and services; ``demand.population`` weighted.
    """
    rank = pd.to_numeric(city.areas.set_index("area_id")[rank_column], errors="coerce")
    factor = rank.map(lambda r: weights.get(int(r), 1.0) if pd.notna(r) else 1.0)
    demand = city.demand.copy()
    demand["population"] = demand["population"] * demand["area_id"].map(factor).fillna(1.0)
    return replace(city, demand=demand)


def _sites_as_services(res: Any, category: str) -> gpd.GeoDataFrame:
    """The chosen candidates as service rows of ``category`` (hypothetical, labelled)."""
    cand = res.candidates.set_index("candidate_id").loc[list(res.chosen)].reset_index()
    return gpd.GeoDataFrame(
        {
            "service_id": "new:" + cand["candidate_id"].astype(str),
            "name": "Ny plats " + cand["candidate_id"].astype(str),
            "category": category,
            "location_quality": "hypothetical site (siting candidate)",
            "source": "proximity.equity.class_siting (" + cand["source"].astype(str) + ")",
        },
        geometry=cand.geometry.values,
        crs=res.candidates.crs,
    )


def _part(access: Any, city: Any, area_ids: set[str]) -> tuple[Any, Any]:
    """Access and city restricted to ``area_ids`` (points, areas and unlocated)."""
    pts = access.points[access.points["area_id"].astype(str).isin(area_ids)]
    sub_access = SimpleNamespace(
        points=pts,
        categories=access.categories,
        profiles=access.profiles,
        distance_method=access.distance_method,
    )
    unl = city.unlocated[city.unlocated["area_id"].astype(str).isin(area_ids)]
    areas = city.areas[city.areas["area_id"].astype(str).isin(area_ids)]
    return sub_access, SimpleNamespace(areas=areas, unlocated=unl)


def _nobody_covered(city: Any, category: str, profile: str, method: str) -> Any:
    """An access-like table for a category without any service: every time is ``inf``."""
    d = city.demand
    pts = pd.DataFrame(
        {
            "area_id": d["area_id"].astype(str),
            "category": category,
            "profile": profile,
            "minutes": np.inf,
            "population": d["population"].astype(float),
        }
    )
    return SimpleNamespace(
        points=pts, categories=(category,), profiles=(profile,), distance_method=method
    )


def _coverage(city: Any, network: Any, sites: gpd.GeoDataFrame | None, opts: dict) -> Any:
    """Coverage of ``opts["category"]`` with ``sites`` added (crow-fly warning silenced)."""
    from proximity.coverage import compute_access

    cat, prof = opts["category"], opts["profile"]
    has = (city.services["category"] == cat).any() or (sites is not None and len(sites))
    if not has:
        method = DistanceMethod.of(network, opts["detour_factor"]).label
        return _nobody_covered(city, cat, prof, method)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return compute_access(
            city,
            network,
            categories=[cat],
            profiles=[prof],
            thresholds_min=[opts["threshold_min"]],
            detour_factor=opts["detour_factor"],
            max_snap_m=opts.get("max_snap_m", 300.0),
            extra_services=sites,
        )


def _gap_row(access: Any, city: Any, area_ids: set[str], spec: GroupSpec, opts: dict) -> dict:
    """Class shares, gap and Erreygers index inside ``area_ids``."""
    sub_access, sub_city = _part(access, city, area_ids)
    r = group_equity(
        sub_access,
        sub_city,
        spec,
        category=opts["category"],
        profile=opts["profile"],
        threshold_min=opts["threshold_min"],
    )
    t = r.table
    shares = {f"share[{g}]": s for g, s in zip(t["group"], t["covered_share"], strict=True)}
    keep = (
        "population",
        "covered_share",
        "least_favoured",
        "most_favoured",
        "class_gap_pp",
        "range_pp",
        "ci_erreygers",
        "distance_method",
    )
    out = {k: r.summary.get(k, np.nan) for k in keep}
    out["covered"] = float(t.iloc[-1]["covered"])
    return {**out, **shares}


def value_weighted_city(city: Any, column: str, weights: Mapping[str, float]) -> Any:
    """A copy of ``city`` whose demand population is multiplied by its area's weight.

    Parameters
    ----------
    city : proximity.sources.City
    column : str
        Area attribute (column of ``city.areas``) whose value (as text) is weighted.
    weights : mapping of str to float
        Value -> weight; other values (and areas without one) count 1.

    Returns
    -------
    proximity.sources.City
        Same areas and services; ``demand.population`` weighted.
    """
    value = city.areas.set_index("area_id")[column].astype(str)
    factor = value.map(lambda v: float(weights.get(v, 1.0)))
    factor.index = factor.index.astype(str)
    demand = city.demand.copy()
    scale = demand["area_id"].astype(str).map(factor).fillna(1.0)
    demand["population"] = demand["population"] * scale
    return replace(city, demand=demand)


def _weights_text(weights: Mapping[str, float]) -> str:
    return "; ".join(f"{v}={w:g}" for v, w in weights.items() if w != 1.0) or "alla 1"


#: Columns of the chosen-sites table of :func:`need_weight_sweep`.
SITE_COLUMNS = ["run", "rank", "candidate_id", "area_id", "area_name", "x", "y"]


def _chosen_rows(res: Any, names: pd.Series, run: str) -> list[dict]:
    """One row per chosen site: run, rank, candidate id, area, x/y (city CRS)."""
    cand = res.candidates.set_index("candidate_id")
    rows = []
    for rank, cid in enumerate(res.chosen, start=1):
        c = cand.loc[cid]
        rows.append(
            dict(
                run=run,
                rank=rank,
                candidate_id=str(cid),
                area_id=str(c["area_id"]),
                area_name=str(names.get(c["area_id"], c["area_id"])),
                x=float(c.geometry.x),
                y=float(c.geometry.y),
            )
        )
    return rows


def need_weight_sweep(
    city: Any,
    network: Any,
    *,
    column: str,
    runs: Sequence[tuple[float, Mapping[str, float]]],
    area_ids: set[str],
    spec: GroupSpec,
    opts: dict,
    site_options: dict | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Sites and gaps for each need weighting (the engine of :func:`class_weighted_sweep`).

    Parameters
    ----------
    city : proximity.sources.City
    network : WalkNetwork or None
        None = crow-fly × ``opts["detour_factor"]`` (labelled in ``distance_method``).
    column : str
        Area attribute whose values the weights name.
    runs : sequence of (float, mapping)
        ``(scale, {value: weight})`` per run; scale 1 with no weight above 1 is plain MCLP.
    area_ids : set of str
        Where the candidates may lie and where the gaps are measured.
    spec : GroupSpec
        The (ranked) grouping the gaps are measured over.
    opts : dict
        ``category, profile, threshold_min, detour_factor, k`` and ``candidates``.
    site_options : dict, optional
        More keywords of :func:`proximity.siting.site` (model, solver, one_per_area, ...).

    Returns
    -------
    (pandas.DataFrame, pandas.DataFrame)
        The sweep (row ``"before"``, then one per run: ``run, weight, weights, chosen,
        chosen_areas`` and the gap columns of the grouping inside ``area_ids``) and the
        chosen sites (``run, rank, candidate_id, area_id, area_name, x, y``).
    """
    from proximity.siting import site

    names = city.areas.assign(area_id=city.areas["area_id"].astype(str)).set_index("area_id")[
        "name"
    ]
    before = _coverage(city, network, None, opts)
    rows = [dict(run="before", **_gap_row(before, city, area_ids, spec, opts))]
    sites_rows: list[dict] = []
    for scale, weights in runs:
        plain = all(w == 1.0 for w in weights.values())
        run = "plain MCLP" if plain else f"need weight {scale:g}"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = site(
                value_weighted_city(city, column, weights),
                network,
                category=opts["category"],
                k=opts["k"],
                threshold_min=opts["threshold_min"],
                profile=opts["profile"],
                candidates=opts["candidates"],
                candidate_areas=sorted(area_ids),
                detour_factor=opts["detour_factor"],
                robustness_profiles=None,
                **(site_options or {}),
            )
        chosen = _chosen_rows(res, names, run)
        sites_rows += chosen
        cov = _coverage(city, network, _sites_as_services(res, opts["category"]), opts)
        rows.append(
            dict(
                run=run,
                weight=float(scale),
                weights=_weights_text(weights),
                chosen=";".join(map(str, res.chosen)),
                chosen_areas=";".join(r["area_name"] for r in chosen),
                **_gap_row(cov, city, area_ids, spec, opts),
            )
        )
    df = pd.DataFrame(rows).drop(columns=[f"share[{TOTAL_AREA_ID}]"], errors="ignore")
    head = ["run", "weight", "weights", "chosen", "chosen_areas"]
    df = df[head + [c for c in df.columns if c not in head]]
    return df, pd.DataFrame(sites_rows, columns=SITE_COLUMNS)


def class_weighted_sweep(
    city: Any,
    network: Any = None,
    *,
    weights: Sequence[float] = (1.0, 1.5, 2.0, 3.0),
    k: int = 3,
    within: tuple[str, str] = ("stadsomrade", "Hisingen"),
    category: str = "district_office",
    threshold_min: float = 10.0,
    profile: str = "adult",
    candidates: Any = None,
    detour_factor: float = 1.3,
    spec: GroupSpec = SOCIOEK_CLASS,
) -> pd.DataFrame:
    """Sites and class gaps inside one part of the city, for plain MCLP and each need weight.

    Parameters
    ----------
    city : proximity.sources.City
        With the rank column of ``spec`` on its areas.
    network : WalkNetwork, optional
        None = crow-fly × ``detour_factor`` (labelled in ``distance_method``).
    weights : sequence of float
        Need weights (see :func:`class_weights`); 1 = plain MCLP.
    k : int
        New sites per run.
    within : (str, str)
        ``(area column, value)``: the part of the city where sites go and gaps are measured.
    category, threshold_min, profile, detour_factor
        As in :func:`proximity.siting.site`.
    candidates : optional
        Candidate sites (default: a 500 m grid, :func:`proximity.siting.candidates.from_grid`).
    spec : GroupSpec
        The ranked grouping (default :data:`~proximity.equity.group_tables.SOCIOEK_CLASS`).

    Returns
    -------
    pandas.DataFrame
        One row ``"before"`` (no new site) and one per weight: ``run, weight, weights,
        chosen, chosen_areas, covered_share, class_gap_pp, range_pp, ci_erreygers,
        distance_method`` and ``share[<class>]`` per class, all inside ``within``.
    """
    from proximity.siting.candidates import from_grid

    col, value = within
    area_ids = set(city.areas.loc[city.areas[col] == value, "area_id"].astype(str))
    if not area_ids:
        raise ParameterError(f"No area has {col} == {value!r}.", fix="Check `within`.")
    rank_col = spec.rank_column or "socioek_rank"
    runs = [(float(w), {str(r): v for r, v in class_weights(w).items()}) for w in weights]
    opts = dict(
        category=category,
        profile=profile,
        threshold_min=threshold_min,
        detour_factor=detour_factor,
        k=k,
        candidates=from_grid(city, spacing_m=500) if candidates is None else candidates,
    )
    sweep, _sites = need_weight_sweep(
        city, network, column=rank_col, runs=runs, area_ids=area_ids, spec=spec, opts=opts
    )
    return sweep
