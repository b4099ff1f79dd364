r"""Ranking and impact of a chosen set of sites, and the :class:`SitingResult`.

Order
    The chosen sites are ordered greedily *within the solution*: starting from the existing
    offices (and fixed candidates, which come first and are flagged), repeatedly take the
    chosen site that adds the most (MCLP: weight newly covered within ``T``; p-median:
    weighted minutes saved), ties by id. ``marginal_gain[r]`` is that increment; the gains sum
    to the objective minus the existing offices' part.

Per-site impact
    For each site in rank order: the areas whose residents are within ``T`` of it
    (``areas_served``), the residents it newly covers per area, and the change this causes in
    each area's covered share and in the Gini of covered shares across areas.

Denominators (same as :mod:`proximity.coverage`)
    An area's population is its located demand plus the city's unlocated residents known to
    live in it (``City.unlocated`` rows with that ``area_id``). Unlocated residents whose area
    is unknown (``area_id == "__unassigned__"``, or any id that is not an area of the chosen
    level, e.g. all of them at sub-area level) are in the municipality row ``__total__`` only,
    so its population is the city's full population and its ``share_before`` equals the
    ``covered_share`` of coverage's ``__total__`` row. Unlocated residents are never covered.

Gini of covered shares (``gini_coverage_share_*``)
    *Not* the Gini of walking times reported by :mod:`proximity.equity` (``gini_min``) and by
    ``compare`` (``delta_gini``): this one measures how unevenly the *covered share* is spread
    across areas. With areas ``a`` (population > 0; the municipality-only unlocated residents
    are not an area and are left out), population ``P_a`` (located + unlocated of the area),
    ``P = Σ_a P_a`` and covered share ``s_a``,
    :math:`G = \sum_a \sum_b P_a P_b |s_a - s_b| / (2 P^2 \bar s)` with
    :math:`\bar s = \sum_a P_a s_a / P` (:func:`proximity.equity.gini` with values ``s_a``
    and weights ``P_a``). 0 = every area has the same share; near 1 = the covered residents
    are concentrated in a small part of the population; it falls when new sites even out
    access between areas.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from proximity._io import atomic_path, ensure_writable_dir, write_json_atomic
from proximity.equity import gini
from proximity.errors import ParameterError
from proximity.siting.models import SitingProblem
from proximity.sources.city import TOTAL_AREA_ID, TOTAL_LABELS_SV


def rank_sites(
    problem: SitingProblem, chosen: np.ndarray, model: str = "mclp"
) -> tuple[np.ndarray, np.ndarray]:
    """Order ``chosen`` by marginal gain given the existing offices (fixed sites first).

    Returns
    -------
    order, gains
        Candidate indices in rank order and the marginal gain of each (MCLP: newly covered
        weight; p-median: weighted minutes saved).
    """
    chosen = [int(j) for j in chosen]
    rank = np.empty(problem.n_candidates, dtype=np.int64)
    rank[problem.id_order] = np.arange(problem.n_candidates)
    fixed = [j for j in problem.fixed_index.tolist() if j in chosen]
    rest = sorted((j for j in chosen if j not in fixed), key=lambda j: rank[j])
    order: list[int] = []
    gains: list[float] = []
    cur = problem.objective(np.array([], dtype=np.int64), model)
    sign = 1.0 if model == "mclp" else -1.0
    for j in fixed:
        order.append(j)
        new = problem.objective(np.array(order), model)
        gains.append(sign * (new - cur))
        cur = new
    while rest:
        vals = [sign * (problem.objective(np.array([*order, j]), model) - cur) for j in rest]
        best = max(vals)
        tol = 1e-9 * max(1.0, abs(best))
        pick = next(j for j, v in zip(rest, vals, strict=True) if v >= best - tol)
        new = problem.objective(np.array([*order, pick]), model)
        gains.append(sign * (new - cur))
        cur = new
        order.append(pick)
        rest.remove(pick)
    return np.array(order, dtype=np.int64), np.array(gains, dtype=float)


def impact_tables(
    problem: SitingProblem,
    order: np.ndarray,
    *,
    area_names: dict[str, str] | None = None,
    extra_population: dict[str, float] | None = None,
    unassigned_population: float = 0.0,
    total_name: str = TOTAL_LABELS_SV["municipality"],
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Per-site, per-site × area and per-area impact of opening ``order`` in turn.

    Parameters
    ----------
    problem
        The instance (its ``cover`` and ``existing_covered`` define coverage).
    order
        Candidate indices in rank order.
    area_names
        Display names per area id.
    extra_population
        Population per area that is in the denominators but can never be covered (e.g. the
        city's unlocated residents with a known area), so shares agree with
        :mod:`proximity.coverage`.
    unassigned_population
        Population known only for the municipality as a whole (unlocated residents without a
        known area, ``"__unassigned__"``): in the ``__total__`` row's denominator only, never
        covered, not an area of its own.
    total_name
        Name of the ``__total__`` row: :func:`proximity.sources.city.total_area_label` of the
        city ("Hela kommunen" for a municipality, "Hela studieområdet" for a study area).

    Returns
    -------
    per_site, per_site_area, per_area
        ``per_site``: ``rank, candidate_id, area_id, within_T, newly_covered, areas_served,
        newly_covered_by_area, gini_coverage_share_before, gini_coverage_share_after,
        gini_coverage_share_change`` (Gini of the areas' covered shares, see the module
        docstring; not the Gini of walking times); ``per_site_area``: ``rank, candidate_id,
        area_id, within_T, newly_covered, share_before, share_after, delta_share`` (areas the
        site reaches); ``per_area``: ``area_id, area_name, population, covered_before,
        covered_after, share_before, share_after, delta_share, new_sites`` plus the
        ``__total__`` row (population incl. ``unassigned_population``).
    """
    unassigned = _check_unassigned(unassigned_population)
    idx = _AreaIndex.of(problem, area_names or {}, extra_population or {})
    covered = problem.existing_covered.copy()
    c0, s0 = idx.shares(covered)
    site_rows: list[dict[str, Any]] = []
    sa_rows: list[dict[str, Any]] = []
    for r, j in enumerate(order.tolist(), start=1):
        site_row, rows = _open_site(problem, idx, covered, rank=r, j=j)
        site_rows.append(site_row)
        sa_rows.extend(rows)
    c1, s1 = idx.shares(covered)
    n_new = (
        np.bincount([idx.apos[problem.candidate_area[j]] for j in order.tolist()], minlength=idx.n)
        if len(order)
        else np.zeros(idx.n, int)
    )
    per_area = _per_area_table(idx, (c0, s0), (c1, s1), n_new, (unassigned, total_name))
    return pd.DataFrame(site_rows), pd.DataFrame(sa_rows, columns=_SITE_AREA_COLUMNS), per_area


_SITE_AREA_COLUMNS = [
    "rank",
    "candidate_id",
    "area_id",
    "area_name",
    "within_T",
    "newly_covered",
    "share_before",
    "share_after",
    "delta_share",
]


def _check_unassigned(unassigned_population: float) -> float:
    """``unassigned_population`` as a float, or a :class:`ParameterError`."""
    unassigned = float(unassigned_population or 0.0)
    if not (math.isfinite(unassigned) and unassigned >= 0):
        raise ParameterError(
            f"unassigned_population must be a finite number >= 0, got {unassigned_population!r}.",
            fix="Pass the residents known only for the whole municipality (0 if none).",
        )
    return unassigned


@dataclass(frozen=True)
class _AreaIndex:
    """The areas of an impact table: ids, demand → area codes, population per area."""

    areas: list[str]
    apos: dict[str, int]
    dcode: np.ndarray
    weight: np.ndarray
    pop: np.ndarray
    names: dict[str, str]

    @classmethod
    def of(
        cls, problem: SitingProblem, names: dict[str, str], extra: dict[str, float]
    ) -> _AreaIndex:
        areas = sorted(
            set(problem.demand_area.tolist()) | set(problem.candidate_area.tolist()) | set(extra)
        )
        apos = {a: i for i, a in enumerate(areas)}
        dcode = np.array([apos[a] for a in problem.demand_area.tolist()], dtype=np.int64)
        w = problem.demand_weight
        pop = np.bincount(dcode, weights=w, minlength=len(areas)) + np.array(
            [extra.get(a, 0.0) for a in areas]
        )
        return cls(areas, apos, dcode, w, pop, names)

    @property
    def n(self) -> int:
        return len(self.areas)

    def name(self, area_id: str) -> str:
        return self.names.get(area_id, area_id)

    def per_area(self, cols: np.ndarray) -> np.ndarray:
        """Weight per area of the demand points ``cols``."""
        return np.bincount(self.dcode[cols], weights=self.weight[cols], minlength=self.n)

    def shares(self, cov: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(covered weight, covered share) per area."""
        c = self.per_area(cov)
        with np.errstate(invalid="ignore", divide="ignore"):
            return c, np.where(self.pop > 0, c / self.pop, np.nan)

    def share_gini(self, shares: np.ndarray) -> float:
        """Gini of the covered shares over the areas with population."""
        ok = self.pop > 0
        return float(gini(shares[ok], self.pop[ok]))


def _open_site(
    problem: SitingProblem, idx: _AreaIndex, covered: np.ndarray, *, rank: int, j: int
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Open candidate ``j`` (updating ``covered`` in place): its per-site and site × area rows."""
    cover = problem.cover
    cols = cover.indices[cover.indptr[j] : cover.indptr[j + 1]]
    _, s_before = idx.shares(covered)
    g_before = idx.share_gini(s_before)
    new = cols[~covered[cols]]
    within = idx.per_area(cols)
    newly = idx.per_area(new)
    covered[new] = True
    _, s_after = idx.shares(covered)
    g_after = idx.share_gini(s_after)
    served = [idx.areas[i] for i in np.flatnonzero(within > 0)]
    cid = str(problem.candidate_ids[j])
    site_row = {
        "rank": rank,
        "candidate_id": cid,
        "area_id": str(problem.candidate_area[j]),
        "within_T": float(within.sum()),
        "newly_covered": float(newly.sum()),
        "areas_served": ";".join(served),
        "newly_covered_by_area": ";".join(
            f"{idx.areas[i]}:{newly[i]:.0f}" for i in np.flatnonzero(newly > 0)
        ),
        "gini_coverage_share_before": g_before,
        "gini_coverage_share_after": g_after,
        "gini_coverage_share_change": g_after - g_before,
    }
    area_rows = [
        {
            "rank": rank,
            "candidate_id": cid,
            "area_id": idx.areas[i],
            "area_name": idx.name(idx.areas[i]),
            "within_T": float(within[i]),
            "newly_covered": float(newly[i]),
            "share_before": float(s_before[i]),
            "share_after": float(s_after[i]),
            "delta_share": float(s_after[i] - s_before[i]),
        }
        for i in np.flatnonzero(within > 0)
    ]
    return site_row, area_rows


def _per_area_table(
    idx: _AreaIndex,
    before: tuple[np.ndarray, np.ndarray],
    after: tuple[np.ndarray, np.ndarray],
    n_new: np.ndarray,
    total_row: tuple[float, str],
) -> pd.DataFrame:
    """One row per area plus the total row (``total_row``: unassigned population, name)."""
    (c0, s0), (c1, s1) = before, after
    unassigned, total_name = total_row
    per_area = pd.DataFrame(
        {
            "area_id": idx.areas,
            "area_name": [idx.name(a) for a in idx.areas],
            "population": idx.pop,
            "covered_before": c0,
            "covered_after": c1,
            "share_before": s0,
            "share_after": s1,
            "delta_share": s1 - s0,
            "new_sites": n_new.astype(int),
        }
    )
    # total row: every area plus the residents known only for the whole municipality (never
    # covered), the same denominator as coverage's TOTAL_AREA_ID row, named as coverage names it.
    p_tot = float(idx.pop.sum()) + unassigned
    total = {
        "area_id": TOTAL_AREA_ID,
        "area_name": total_name,
        "population": p_tot,
        "covered_before": float(c0.sum()),
        "covered_after": float(c1.sum()),
        "share_before": float(c0.sum() / p_tot) if p_tot > 0 else np.nan,
        "share_after": float(c1.sum() / p_tot) if p_tot > 0 else np.nan,
        "new_sites": int(n_new.sum()),
    }
    total["delta_share"] = total["share_after"] - total["share_before"]
    return pd.concat([per_area, pd.DataFrame([total])], ignore_index=True)


@dataclass
class SitingResult:
    """The answer of :func:`proximity.siting.site`: a ranked list of new sites with quality.

    Attributes
    ----------
    chosen
        Candidate ids in rank order (marginal gain, given the existing offices).
    marginal_gain
        Per chosen site: residents (or need-weighted residents) newly covered within ``T``
        (MCLP), or weighted minutes saved (p-median).
    objective, bound, gap
        Objective of the chosen set, best proven bound, relative gap (see
        :class:`proximity.siting.solvers.Solution`).
    solver, status, model
        Which solver produced the set, its status, ``"mclp"`` / ``"p_median"``.
    per_site
        One row per chosen site in rank order: id, name, source, area, coordinates, marginal
        gain, newly covered, areas served, newly covered by area, Gini of the areas' covered
        shares before / after / change (``gini_coverage_share_before``, ``…_after``,
        ``…_change``; not the Gini of walking times), non-profits nearby
        (``nonprofits_n``: count, ``NaN`` when the city has no non-profit data;
        ``nonprofits_names``; ``nonprofits_label`` (English, with the distance method);
        ``nonprofits_label_sv`` (Swedish, for maps: "3 ideella organisationer inom 10 min",
        "inga inom 10 min" or "ingen data om ideella organisationer") and
        ``nonprofits_label_en`` ("3 non-profits within 10 min", "none within 10 min", "no
        data on non-profits"); ``nonprofits_note`` ("ingen data om ideella organisationer"
        when there is no data, else ""); ``nonprofit_distance_method``), robustness share,
        distance method.
    per_site_area
        Site × area rows: newly covered residents and the change of the area's covered share.
    per_area
        Per area: covered share before and after, number of new sites; population = located
        + unlocated of the area (as in coverage); the ``__total__`` row also holds the
        unlocated residents without an area, so its shares equal coverage's total row.
    robustness
        Per candidate chosen in any scenario: how often it is chosen across the (profile,
        threshold) grid; ``scenarios`` has one row per scenario with the chosen ids.
    nonprofits
        Site × organisation rows within walking distance ``T``: ``candidate_id, org_id, name,
        kind, distance_m, minutes, distance_method``. Empty both when none is within reach and
        when there is no data: see :attr:`nonprofit_data_available`.
    nonprofit_data_available
        ``False`` when the city has no non-profit data at all (``city.nonprofits`` empty or
        missing): then ``per_site["nonprofits_n"]`` is ``NaN``, not 0.
    scenarios
        One row per robustness re-solve: ``profile, threshold_min, chosen, objective, solver,
        status``.
    distance_method
        ``"network"`` or ``"crowfly×1.3"``.
    threshold_min, profile, k, category
        The request.
    candidates
        The candidate table used (GeoDataFrame with ``candidate_id``, area, source, geometry).
    problem
        The array-level :class:`~proximity.siting.models.SitingProblem` that was solved.
    provenance
        Inputs, options, snapping counts and solver details (written to ``siting.json``).
    timing
        Wall times in seconds (not written, so outputs are reproducible).
    population_unit
        What the demand weights count: ``"persons"`` or ``"floor_area_m2 (proxy)"``
        (residential floor area in m² as a relative population proxy, e.g. the Helsinki
        demo; see :func:`proximity.coverage.population_unit_info`). Marginal gains, newly
        covered counts and the objective are in this unit (see :attr:`gain_unit`).
    """

    chosen: list[str]
    marginal_gain: list[float]
    objective: float
    bound: float
    gap: float
    solver: str
    status: str
    model: str
    per_site: pd.DataFrame
    per_site_area: pd.DataFrame
    per_area: pd.DataFrame
    robustness: pd.DataFrame
    scenarios: pd.DataFrame
    nonprofits: pd.DataFrame
    distance_method: str
    threshold_min: float
    profile: str
    k: int
    category: str
    candidates: pd.DataFrame | None = None
    problem: SitingProblem | None = None
    provenance: dict[str, Any] = field(default_factory=dict)
    timing: dict[str, float] = field(default_factory=dict)
    population_unit: str = "persons"
    nonprofit_data_available: bool = True

    @property
    def gain_unit(self) -> str:
        """Unit of :attr:`marginal_gain` and the objective.

        The population unit (MCLP, with ``"need-weighted "`` in front when need-weighted) or
        that unit × minutes saved (p-median).
        """
        unit = str(self.population_unit or "persons")
        if "need" in str((self.provenance or {}).get("weight", "")):
            unit = f"need-weighted {unit}"
        return f"{unit} × minutes" if self.model == "p_median" else unit

    def summary(self) -> dict[str, Any]:
        """The scalar facts of the result (JSON-friendly)."""
        return {
            "chosen": list(self.chosen),
            "marginal_gain": [float(g) for g in self.marginal_gain],
            "objective": float(self.objective),
            "bound": None if not math.isfinite(self.bound) else float(self.bound),
            "gap": None if not math.isfinite(self.gap) else float(self.gap),
            "solver": self.solver,
            "status": self.status,
            "model": self.model,
            "distance_method": self.distance_method,
            "threshold_min": float(self.threshold_min),
            "profile": self.profile,
            "k": int(self.k),
            "category": self.category,
            "population_unit": self.population_unit,
            "gain_unit": self.gain_unit,
            "nonprofit_data_available": bool(self.nonprofit_data_available),
        }

    def to_frame(self) -> pd.DataFrame:
        """The ranked list: :attr:`per_site` plus model, solver, gap, distance method, unit.

        ``gain_unit`` is the unit of ``marginal_gain``, ``newly_covered`` and ``objective``.
        """
        df = self.per_site.copy()
        df["model"] = self.model
        df["solver"] = self.solver
        df["objective"] = self.objective
        df["bound"] = self.bound
        df["gap"] = self.gap
        df["threshold_min"] = self.threshold_min
        df["profile"] = self.profile
        df["gain_unit"] = self.gain_unit
        return df

    def write(self, folder: str | Path) -> dict[str, Path]:
        """Write CSV tables and ``siting.json`` (summary + provenance) atomically.

        Timings (:attr:`timing`) are not written, so re-runs give byte-identical files.

        Returns
        -------
        dict
            Table name → path.
        """
        out = ensure_writable_dir(folder)
        paths: dict[str, Path] = {}
        tables = {
            "siting_sites": self.to_frame(),
            "siting_site_areas": self.per_site_area,
            "siting_areas": self.per_area,
            "siting_robustness": self.robustness,
            "siting_scenarios": self.scenarios,
            "siting_nonprofits": self.nonprofits,
        }
        for name, df in tables.items():
            p = out / f"{name}.csv"
            with atomic_path(p) as tmp:
                df.to_csv(tmp, index=False, float_format="%.6f")
            paths[name] = p
        meta = {**self.summary(), "provenance": _jsonable(self.provenance)}
        paths["siting_json"] = write_json_atomic(out / "siting.json", meta)
        return paths


def _jsonable(obj: Any) -> Any:
    try:
        json.dumps(obj, default=str)
        return obj
    except (TypeError, ValueError):  # pragma: no cover
        return str(obj)
