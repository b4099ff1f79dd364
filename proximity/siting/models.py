r"""Siting problems at array level: the MCLP and the (capped) p-median.

A :class:`SitingProblem` holds everything a solver needs and nothing geographic: demand
weights and areas, candidate ids and areas, the sparse candidate × demand coverage and time
matrices, what the already-open offices give, and the constraints (budget ``k``, fixed
candidates, per-area minimum and maximum).

Notation used in the formulations below
---------------------------------------
- :math:`I` demand points with weight :math:`w_i` (population, or need-weighted population);
- :math:`J` candidate sites, :math:`x_j \in \{0, 1\}` = 1 if site :math:`j` is opened;
- :math:`N_i = \{j : t_{ij} \le T\}` the candidates within the threshold of demand
  :math:`i` (the sparsity structure of ``cover``);
- :math:`e_i \in \{0, 1\}` = 1 if demand :math:`i` is already covered by an existing office
  (``existing_covered``);
- :math:`A` the areas, :math:`J_a` the candidates in area :math:`a`, with bounds
  :math:`m_a \le \sum_{j \in J_a} x_j \le M_a` (``min_per_area``, ``max_per_area``);
- :math:`F \subseteq J` the fixed candidates (forced open, counted in ``k``).

**MCLP** (maximal covering location problem; Church & ReVelle 1974)::

    maximise    Σ_i w_i e_i + Σ_{i: e_i = 0} w_i y_i
    subject to  y_i ≤ Σ_{j ∈ N_i} x_j          for every i with e_i = 0
                Σ_j x_j = k
                m_a ≤ Σ_{j ∈ J_a} x_j ≤ M_a    for every constrained area a
                x_j = 1                         for j ∈ F
                x_j ∈ {0, 1},  0 ≤ y_i ≤ 1

``y`` may be continuous: for binary ``x`` an optimal ``y_i`` is ``min(1, Σ x_j)`` ∈ {0, 1}.
Because weights are non-negative, ``Σ x_j = k`` and ``Σ x_j ≤ k`` give the same optimum
whenever ``k`` sites can be placed at all.

**p-median** (Hakimi 1964; ReVelle & Swain 1970), *capped*::

    minimise    Σ_i w_i ( c_i z_i0 + Σ_{j ∈ N'_i} t_ij z_ij )
    subject to  z_i0 + Σ_{j ∈ N'_i} z_ij = 1   for every i
                z_ij ≤ x_j                      for every i, j ∈ N'_i
                Σ_j x_j = k,  area bounds,  x_j = 1 for j ∈ F
                x_j ∈ {0, 1},  z ≥ 0

where ``c_i = min(cap, existing_time_min_i)`` is the time to the nearest *existing* office,
capped at ``cap`` = :attr:`SitingProblem.time_cap_min` (the bound the time matrix was computed
with), and ``N'_i = {j : t_ij < c_i}``: the "always open" assignment ``z_i0`` stands for the
existing offices and for the cap. Network times are only known up to the bound of the sparse
matrix, so a resident farther than ``cap`` from every open office counts as ``cap`` minutes.
**This is honest only as a capped objective**: it equals the true population-weighted time for
everyone within ``cap`` of their nearest office and under-states it for the rest. Choose a cap
well above the coverage threshold (:func:`proximity.siting.site` uses ``max(3 T, 30)`` min) and
read :attr:`SitingResult.capped_share` to see how much weight sits at the cap.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

import numpy as np
import scipy.sparse as sp

from proximity.errors import InfeasibleError, ParameterError

Model = Literal["mclp", "p_median"]
MODELS: tuple[str, ...] = ("mclp", "p_median")


@dataclass(frozen=True, eq=False)
class SitingProblem:
    """A siting instance at array level.

    Parameters
    ----------
    demand_weight
        ``(n_demand,)`` non-negative weight per demand point (population or need-weighted).
    demand_area
        ``(n_demand,)`` area id (str) per demand point.
    candidate_ids
        ``(n_cand,)`` unique candidate ids (str).
    candidate_area
        ``(n_cand,)`` area id (str) per candidate.
    cover
        ``(n_cand, n_demand)`` bool matrix (sparse or dense): ``cover[j, i]`` is True if demand
        ``i`` is within the threshold of candidate ``j`` (a 0-minute pair included: build it
        from the time matrix's structure, not from its non-zero values).
    k
        Number of sites to open, *including* the fixed candidates.
    demand_ids
        ``(n_demand,)`` demand ids (str); defaults to ``"0", "1", ...``.
    time_min
        ``(n_cand, n_demand)`` walking times in minutes, bounded at ``time_cap_min``: a sparse
        matrix (explicit zeros mean 0 minutes; a missing entry means "more than the cap") or
        a dense array (every finite entry is kept, zeros included; ``inf`` = unreachable).
        Stored by :func:`time_matrix`. Needed by the p-median; if None the p-median is
        unavailable.
    time_cap_min
        The bound of ``time_min`` (see the module docstring); ``inf`` is not allowed for the
        p-median.
    existing_covered
        ``(n_demand,)`` bool: already covered by an existing (fixed, not a candidate) office.
    existing_time_min
        ``(n_demand,)`` minutes to the nearest existing office (``inf`` if none/unreachable).
    fixed
        Candidate ids that are already decided open; they count towards ``k``.
    min_per_area, max_per_area
        Per-area bounds on the number of *candidates* opened in each area.
    threshold_min
        The coverage threshold ``T`` the ``cover`` matrix stands for (metadata).
    meta
        Free-form metadata (distance method, profile, ...), copied into results.
    """

    demand_weight: np.ndarray
    demand_area: np.ndarray
    candidate_ids: np.ndarray
    candidate_area: np.ndarray
    cover: sp.csr_matrix
    k: int
    demand_ids: np.ndarray | None = None
    time_min: sp.csr_matrix | None = None
    time_cap_min: float = np.inf
    existing_covered: np.ndarray | None = None
    existing_time_min: np.ndarray | None = None
    fixed: tuple[str, ...] = ()
    min_per_area: Mapping[str, int] = field(default_factory=dict)
    max_per_area: Mapping[str, int] = field(default_factory=dict)
    threshold_min: float = np.nan
    meta: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        w = np.asarray(self.demand_weight, dtype=np.float64)
        n_dem = w.shape[0]
        cid = np.asarray(self.candidate_ids).astype(str)
        n_cand = cid.shape[0]
        if w.ndim != 1 or not np.all(np.isfinite(w)) or np.any(w < 0):
            raise ParameterError(
                "demand_weight must be a 1-D array of finite, non-negative numbers.",
                fix="Drop or fix demand points with missing or negative population.",
            )
        if len(np.unique(cid)) != n_cand:
            dup = sorted({c for c in cid.tolist() if (cid == c).sum() > 1})[:5]
            raise ParameterError(
                f"candidate_ids are not unique: {dup}", fix="Give every candidate its own id."
            )
        object.__setattr__(self, "demand_weight", w)
        object.__setattr__(self, "candidate_ids", cid)
        object.__setattr__(self, "demand_area", _str_array(self.demand_area, n_dem, "demand_area"))
        object.__setattr__(
            self, "candidate_area", _str_array(self.candidate_area, n_cand, "candidate_area")
        )
        dids = (
            np.arange(n_dem).astype(str)
            if self.demand_ids is None
            else _str_array(self.demand_ids, n_dem, "demand_ids")
        )
        object.__setattr__(self, "demand_ids", dids)
        object.__setattr__(self, "cover", cover_matrix(self.cover, (n_cand, n_dem)))
        if self.time_min is not None:
            object.__setattr__(self, "time_min", time_matrix(self.time_min, (n_cand, n_dem)))
        ec = (
            np.zeros(n_dem, dtype=bool)
            if self.existing_covered is None
            else np.asarray(self.existing_covered, dtype=bool)
        )
        et = (
            np.full(n_dem, np.inf)
            if self.existing_time_min is None
            else np.asarray(self.existing_time_min, dtype=np.float64)
        )
        if ec.shape != (n_dem,) or et.shape != (n_dem,):
            raise ParameterError(
                "existing_covered / existing_time_min must have one value per demand point.",
                fix=f"Give {n_dem} values, in the order of demand_weight.",
            )
        if np.isnan(et).any() or (et < 0).any():
            raise ParameterError(
                "existing_time_min has NaN or negative minutes.",
                fix="Use inf where no existing office is in reach, else minutes >= 0.",
            )
        object.__setattr__(self, "existing_covered", ec)
        object.__setattr__(self, "existing_time_min", et)
        object.__setattr__(self, "fixed", tuple(sorted(str(f) for f in self.fixed)))
        unknown = [f for f in self.fixed if f not in set(cid.tolist())]
        if unknown:
            raise ParameterError(
                f"fixed candidates not among candidate_ids: {unknown[:5]}",
                fix="Name fixed sites by their candidate id.",
            )
        object.__setattr__(
            self, "min_per_area", {str(a): int(v) for a, v in dict(self.min_per_area).items()}
        )
        object.__setattr__(
            self, "max_per_area", {str(a): int(v) for a, v in dict(self.max_per_area).items()}
        )
        k = _positive_int(self.k)
        object.__setattr__(self, "k", k)
        if k > n_cand:
            raise ParameterError(
                f"k = {k} sites asked for, but there are only {n_cand} candidates.",
                fix="Lower k or add candidates (e.g. a grid of candidates on the network).",
            )
        if len(self.fixed) > k:
            raise ParameterError(f"{len(self.fixed)} fixed candidates but k = {k}.", fix="Raise k.")
        if not np.isnan(self.threshold_min) and self.threshold_min <= 0:
            raise ParameterError(
                f"threshold_min must be > 0, got {self.threshold_min}.",
                fix="Give the coverage threshold T in minutes, e.g. 10.",
            )

    # ------------------------------------------------------------------ sizes
    @property
    def n_demand(self) -> int:
        """Number of demand points."""
        return int(self.demand_weight.shape[0])

    @property
    def n_candidates(self) -> int:
        """Number of candidate sites."""
        return int(self.candidate_ids.shape[0])

    @cached_property
    def cover_f(self) -> sp.csr_matrix:
        """``cover`` as a float64 CSR matrix (cached; used by the solvers' sparse products)."""
        return self.cover.astype(np.float64)

    @cached_property
    def cover_fT(self) -> sp.csr_matrix:
        """The transpose of :attr:`cover_f` as CSR (n_demand × n_cand), cached."""
        return self.cover_f.T.tocsr()

    @property
    def fixed_index(self) -> np.ndarray:
        """Indices of the fixed candidates."""
        pos = {c: i for i, c in enumerate(self.candidate_ids.tolist())}
        return np.array([pos[f] for f in self.fixed], dtype=np.int64)

    @property
    def id_order(self) -> np.ndarray:
        """Candidate indices sorted by id (the tie-break order)."""
        return np.argsort(self.candidate_ids, kind="stable")

    @property
    def pmedian_base_min(self) -> np.ndarray:
        """``c_i = min(cap, existing_time_min_i)``: per-demand time with no new site."""
        return np.minimum(self.existing_time_min, self.time_cap_min)

    # ------------------------------------------------------------------ constraints
    def area_bounds(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Area codes per candidate and the per-area lower and upper bounds.

        Returns
        -------
        codes, lo, hi
            ``codes[j]`` indexes into ``lo``/``hi`` (sorted unique candidate areas); ``hi`` is
            ``k`` where an area has no maximum.
        """
        areas, codes = np.unique(self.candidate_area, return_inverse=True)
        lo = np.array([self.min_per_area.get(a, 0) for a in areas.tolist()], dtype=np.int64)
        hi = np.array([self.max_per_area.get(a, self.k) for a in areas.tolist()], dtype=np.int64)
        return codes.astype(np.int64), lo, hi

    def check_feasible(self) -> None:
        """Check the constraints before solving; raise :class:`InfeasibleError` naming the cause.

        Checks, in order: areas that require a site but have no candidate; areas whose minimum
        exceeds their maximum or their number of candidates; fixed candidates beyond an area's
        maximum; the sum of minimums above ``k``; the capacity (sum of maximums) below ``k``.
        """
        cand_areas = set(self.candidate_area.tolist())
        missing = sorted(a for a, m in self.min_per_area.items() if m > 0 and a not in cand_areas)
        if missing:
            raise InfeasibleError(
                f"Area(s) {', '.join(map(repr, missing))} require at least one new site but have "
                "no candidate site.",
                fix="Add candidates in those areas (e.g. a grid), or drop the per-area requirement.",
            )
        codes, lo, hi = self.area_bounds()
        areas = np.unique(self.candidate_area)
        n_in = np.bincount(codes, minlength=len(areas))
        fixed_in = (
            np.bincount(codes[self.fixed_index], minlength=len(areas))
            if self.fixed
            else np.zeros(len(areas), int)
        )
        for a, m, M, n, f in zip(areas.tolist(), lo, hi, n_in, fixed_in, strict=True):
            if m > M:
                raise InfeasibleError(
                    f"Area {a!r}: minimum {m} sites exceeds its maximum {M}.",
                    fix="Lower that area's minimum or raise its maximum.",
                )
            if m > n:
                raise InfeasibleError(
                    f"Area {a!r} requires {m} new site(s) but has only {n} candidate(s).",
                    fix="Add candidates in that area or lower its minimum.",
                )
            if f > M:
                raise InfeasibleError(
                    f"Area {a!r} has {f} fixed candidates but a maximum of {M}.",
                    fix="Fix fewer sites in that area or raise its maximum.",
                )
        need = int(np.maximum(lo, fixed_in).sum())
        if need > self.k:
            req = [a for a, m in zip(areas.tolist(), lo, strict=True) if m > 0]
            raise InfeasibleError(
                f"The area constraints need at least {need} new sites "
                f"({len(req)} area(s) require one or more) but k = {self.k}.",
                fix=f"Raise k to at least {need}, or relax the one-per-area requirement "
                "(e.g. 'at most one per area').",
            )
        cap = int(np.minimum(hi, n_in).sum())
        if cap < self.k:
            raise InfeasibleError(
                f"Only {cap} site(s) can be placed under the per-area maximums and the available "
                f"candidates, but k = {self.k}.",
                fix="Lower k, add candidates in more areas, or relax the per-area maximum.",
            )

    # ------------------------------------------------------------------ evaluation
    def objective(self, chosen: np.ndarray | list[int], model: str = "mclp") -> float:
        """Objective of a set of candidate indices (including the existing offices' part).

        MCLP: covered weight (existing + new). p-median: Σ w_i min(c_i, min_{j∈S} t_ij).
        """
        idx = np.asarray(chosen, dtype=np.int64)
        if model == "mclp":
            return float(self.demand_weight[self.covered_by(idx)].sum())
        if model == "p_median":
            return float(np.einsum("i,i->", self.demand_weight, self.best_time(idx)))
        raise ParameterError(f"Unknown model {model!r}.", fix=f"Use one of {MODELS}.")

    def covered_by(self, chosen: np.ndarray | list[int]) -> np.ndarray:
        """Bool per demand: covered by the existing offices or by one of ``chosen``."""
        idx = np.asarray(chosen, dtype=np.int64)
        cov = self.existing_covered.copy()
        if idx.size:
            cov |= np.asarray(self.cover[idx].sum(axis=0)).ravel() > 0
        return cov

    def best_time(self, chosen: np.ndarray | list[int]) -> np.ndarray:
        """Per demand: capped time to the nearest open office (existing or chosen)."""
        t = self._require_time()
        idx = np.asarray(chosen, dtype=np.int64)
        best = self.pmedian_base_min.copy()
        if idx.size:
            sub = t[idx].tocoo()
            np.minimum.at(best, sub.col, sub.data)
        return best

    def _require_time(self) -> sp.csr_matrix:
        if self.time_min is None:
            raise ParameterError(
                "This problem has no time_min matrix; the p-median needs one.",
                fix="Pass time_min (candidate × demand minutes) or use model='mclp'.",
            )
        if not np.isfinite(self.time_cap_min):
            raise ParameterError(
                "The p-median needs a finite time_cap_min (the bound of the time matrix).",
                fix="Pass time_cap_min, e.g. proximity.siting.p_median_cap_min(T).",
            )
        return self.time_min


@dataclass(frozen=True)
class Solution:
    """A solved siting instance.

    Attributes
    ----------
    chosen
        Indices of the open candidates, sorted by candidate id.
    objective
        MCLP: covered weight including the existing offices' part. p-median: Σ w_i × capped
        minutes to the nearest open office (divide by Σ w for the mean).
    bound
        Best proven bound on the optimum (upper for the MCLP, lower for the p-median); ``nan``
        for the pure heuristic.
    gap
        Relative gap ``|bound − objective| / |bound|`` (MCLP) or ``/ |objective|`` (p-median);
        0 when optimality is proven, ``nan`` without a bound.
    solver
        ``"greedy+interchange"``, ``"highs"`` or ``"greedy+interchange (highs bound)"`` when the
        exact solve found nothing better than the heuristic within the time limit.
    status
        ``"heuristic"``, ``"optimal"``, ``"time_limit"``.
    model
        ``"mclp"`` or ``"p_median"``.
    """

    chosen: np.ndarray
    objective: float
    bound: float
    gap: float
    solver: str
    status: str
    model: str
    time_s: float = 0.0
    info: dict[str, Any] = field(default_factory=dict)


def _str_array(values: Any, n: int, name: str) -> np.ndarray:
    arr = np.asarray(values).astype(str)
    if arr.shape != (n,):
        raise ParameterError(
            f"{name} must have {n} values, got shape {arr.shape}.",
            fix=f"Give one {name} value per row, in order.",
        )
    return arr


def _positive_int(k: Any) -> int:
    """``k`` as an int; raise :class:`ParameterError` unless it is a whole number >= 1."""
    ok = not isinstance(k, bool) and isinstance(k, int | np.integer | float | np.floating)
    if not ok or not np.isfinite(k) or int(k) != k or k < 1:
        raise ParameterError(
            f"k must be a whole number of sites >= 1, got {k!r}.",
            fix="Pass k as a positive integer, e.g. k=3.",
        )
    return int(k)


def time_matrix(time_min: Any, shape: tuple[int, int]) -> sp.csr_matrix:
    """``time_min`` as a sorted float64 CSR matrix that keeps its 0-minute entries.

    ``sp.csr_matrix(dense)`` drops zeros, and a dropped entry means "more than the cap", so a
    demand point standing on a candidate would count at the cap. Here a dense array keeps every
    finite entry (zeros stored explicitly; ``inf`` = unreachable, not stored) and a sparse
    matrix keeps its stored entries, explicit zeros included; duplicate entries of a COO
    matrix keep their minimum (never their sum).

    Parameters
    ----------
    time_min
        Dense array-like or scipy sparse matrix of minutes, ``shape`` = (n_cand, n_demand).
    shape
        The expected shape.

    Returns
    -------
    scipy.sparse.csr_matrix

    Raises
    ------
    ParameterError
        Wrong shape, NaN or negative minutes.
    """
    row, col, data, got = _entries(time_min)
    if got != tuple(shape):
        raise ParameterError(
            f"time_min has shape {got}, expected (n_candidates, n_demand) = {tuple(shape)}.",
            fix="Give one row per candidate and one column per demand point.",
        )
    _check_minutes(data)
    keep = np.isfinite(data)  # +inf = unreachable = not stored
    row, col, data = row[keep], col[keep], data[keep]
    order = np.lexsort((data, col, row))  # by row, column, then smallest time first
    row, col, data = row[order], col[order], data[order]
    first = np.ones(row.size, dtype=bool)
    first[1:] = (row[1:] != row[:-1]) | (col[1:] != col[:-1])
    row, col, data = row[first], col[first], data[first]
    indptr = np.zeros(shape[0] + 1, dtype=np.int64)
    np.cumsum(np.bincount(row, minlength=shape[0]), out=indptr[1:])
    return sp.csr_matrix((data, col, indptr), shape=shape)


def _entries(time_min: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[int, ...]]:
    """(rows, columns, minutes, shape) of the stored entries; a dense matrix stores all but +inf."""
    if sp.issparse(time_min):
        coo = sp.coo_matrix(time_min)  # keeps explicit zeros and duplicates
        return (
            coo.row.astype(np.int64),
            coo.col.astype(np.int64),
            coo.data.astype(np.float64),
            tuple(coo.shape),
        )
    dense = np.asarray(time_min, dtype=np.float64)
    if dense.ndim != 2:
        raise ParameterError(
            f"time_min must be a 2-D matrix, got {dense.ndim} dimension(s).",
            fix="Pass an (n_candidates, n_demand) array or scipy sparse matrix of minutes.",
        )
    row, col = np.nonzero(~np.isposinf(dense))
    return row.astype(np.int64), col.astype(np.int64), dense[row, col], dense.shape


def _check_minutes(data: np.ndarray) -> None:
    if np.isnan(data).any():
        raise ParameterError(
            f"time_min has {int(np.isnan(data).sum())} NaN entr(ies).",
            fix="Use inf (or leave the entry out of a sparse matrix) for an unreachable pair.",
        )
    if (data < 0).any():
        raise ParameterError(
            f"time_min has negative minutes (smallest {float(data.min()):g}).",
            fix="Walking times are >= 0 minutes; check how the matrix was computed.",
        )


def cover_matrix(cover: Any, shape: tuple[int, int]) -> sp.csr_matrix:
    """``cover`` as a sorted bool CSR matrix without stored False entries.

    Parameters
    ----------
    cover
        Dense array-like or scipy sparse matrix; a true (non-zero) entry means covered.
    shape
        The expected shape (n_cand, n_demand).

    Returns
    -------
    scipy.sparse.csr_matrix

    Raises
    ------
    ParameterError
        Wrong shape.
    """
    out = sp.csr_matrix(cover if sp.issparse(cover) else np.asarray(cover), dtype=bool)
    if out.shape != tuple(shape):
        raise ParameterError(
            f"cover has shape {out.shape}, expected (n_candidates, n_demand) = {shape}.",
            fix="Give one row per candidate and one column per demand point.",
        )
    out.eliminate_zeros()  # stored False entries (a bool cover's zeros mean "not covered")
    out.sort_indices()
    return out
