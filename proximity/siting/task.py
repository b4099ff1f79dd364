"""The request of a siting run: :class:`SiteTask`, a frozen, validated parameter object.

Like r5py's ``RegionalTask``, a :class:`SiteTask` holds every option of
:func:`proximity.siting.site` and checks them once, when it is made;
:func:`proximity.siting.api.solve_site` then does the work for a city and a network.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np

from proximity.errors import ParameterError
from proximity.siting.models import MODELS
from proximity.siting.solvers import SOLVERS

#: Accepted values of ``one_per_area`` (see :mod:`proximity.siting.api`).
ONE_PER_AREA = (False, True, "at_most", "at_least", "exactly")
#: Accepted values of ``area_level``.
AREA_LEVELS = ("areas", "subareas")
#: Largest accepted walking threshold (minutes): a day's walk.
MAX_THRESHOLD_MIN = 1440.0


def p_median_cap_min(threshold_min: float) -> float:
    """The time cap of the capped p-median used by :func:`~proximity.siting.site`.

    Parameters
    ----------
    threshold_min
        The coverage threshold ``T`` in minutes.

    Returns
    -------
    float
        ``max(3 T, 30)`` minutes.
    """
    return max(3.0 * float(threshold_min), 30.0)


@dataclass(frozen=True)
class SiteTask:
    """Where ``k`` new offices should go: every option of a siting run, validated.

    Parameters
    ----------
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
        Area constraints (see :mod:`proximity.siting.api`).
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

    Raises
    ------
    ParameterError
        ``threshold_min`` not in (0, 1440], ``k`` not a positive integer, unknown model,
        solver, profile, area level or ``one_per_area``, ``candidates`` of an unknown type
        (checked in this order); then a category that is not a name, an unknown
        ``robustness_solver``, a non-positive ``time_limit_s`` or ``max_snap_m``, a
        ``detour_factor`` below 1, bad robustness thresholds, negative or non-integer area
        bounds, or a bare string for ``candidate_areas`` / ``fixed``. The category itself is
        checked against the city in :func:`~proximity.siting.api.solve_site`.
    """

    category: str = "district_office"
    k: int = 5
    threshold_min: float = 10.0
    profile: Any = "adult"
    candidates: Any = None
    one_per_area: Any = False
    min_per_area: Mapping[str, int] | None = None
    max_per_area: Mapping[str, int] | None = None
    candidate_areas: Sequence[str] | None = None
    area_level: str = "areas"
    model: str = "mclp"
    solver: str = "auto"
    time_limit_s: float = 60.0
    need_weighted: bool = False
    max_snap_m: float = 300.0
    detour_factor: float = 1.3
    robustness_profiles: Sequence[Any] | None = ("adult", "elderly", "winter")
    robustness_thresholds_min: Sequence[float] | None = None
    robustness_solver: str = "greedy"
    fixed: Sequence[str] = ()

    def __post_init__(self) -> None:
        from proximity.profiles import get_profile

        _check_threshold(self.threshold_min)
        _check_k(self.k)
        _check_name("model", self.model, MODELS)
        _check_name("solver", self.solver, SOLVERS)
        get_profile(self.profile)  # raises ParameterError for an unknown profile
        _check_name("area_level", self.area_level, AREA_LEVELS)
        if self.one_per_area not in ONE_PER_AREA:
            raise ParameterError(
                f"one_per_area must be one of {ONE_PER_AREA}, got {self.one_per_area!r}.",
                fix="Use one_per_area='at_most', 'at_least', 'exactly' or False.",
            )
        _check_candidates(self.candidates)
        if not isinstance(self.category, str) or not self.category.strip():
            raise ParameterError(
                f"category must be a service category name, got {self.category!r}.",
                fix="Use e.g. category='district_office'.",
            )
        _check_name("robustness_solver", self.robustness_solver, SOLVERS)
        _check_options(self)

    @property
    def threshold(self) -> float:
        """``threshold_min`` as a float (``T``)."""
        return float(self.threshold_min)

    @property
    def cap_min(self) -> float:
        """The p-median's time cap (:func:`p_median_cap_min` of ``T``)."""
        return p_median_cap_min(self.threshold_min)

    def bound_min(self, threshold_min: float) -> float:
        """The bound of the time matrix for a threshold: ``T`` (MCLP) or the p-median cap."""
        return threshold_min if self.model == "mclp" else p_median_cap_min(threshold_min)

    def robustness_thresholds(self) -> list[float]:
        """The robustness thresholds: as given, or ``T − 5, T, T + 5`` that are > 0."""
        if self.robustness_thresholds_min is None:
            T = self.threshold
            return [t for t in (T - 5, T, T + 5) if t > 0]
        return list(self.robustness_thresholds_min)


def _is_number(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, int | float | np.integer | np.floating)


def _check_threshold(threshold_min: Any, name: str = "threshold_min") -> None:
    if not (
        _is_number(threshold_min)
        and math.isfinite(threshold_min)
        and 0 < threshold_min <= MAX_THRESHOLD_MIN
    ):
        raise ParameterError(
            f"{name} must be a positive number of minutes (at most {MAX_THRESHOLD_MIN:g}, a "
            f"day's walk), got {threshold_min!r}.",
            fix=f"Use e.g. {name}=10.",
        )


def _check_k(k: Any) -> None:
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise ParameterError(
            f"k must be a positive integer (the number of new sites), got {k!r}.",
            fix="Use e.g. k=3.",
        )


def _check_name(name: str, value: Any, known: Sequence[str]) -> None:
    if isinstance(value, str) and value in known:
        return
    from proximity.siting.checks import did_you_mean

    raise ParameterError(
        f"Unknown {name} {value!r}.",
        fix=f"{did_you_mean(value, known)}Use one of: {', '.join(map(repr, known))}.",
    )


def _check_positive(name: str, value: Any, *, minimum: float = 0.0, example: str) -> None:
    """``value`` must be a finite number > ``minimum`` (or ≥ it, for a minimum of 1)."""
    ok = _is_number(value) and math.isfinite(value)
    ok = ok and (value >= minimum if minimum >= 1 else value > minimum)
    if not ok:
        bound = f">= {minimum:g}" if minimum >= 1 else f"> {minimum:g}"
        raise ParameterError(
            f"{name} must be a finite number {bound}, got {value!r}.", fix=f"Use e.g. {example}."
        )


def _check_options(task: SiteTask) -> None:
    """The numeric options, the robustness thresholds, area bounds, area and fixed ids."""
    _check_positive("time_limit_s", task.time_limit_s, example="time_limit_s=60")
    _check_positive("max_snap_m", task.max_snap_m, example="max_snap_m=300")
    _check_positive("detour_factor", task.detour_factor, minimum=1.0, example="detour_factor=1.3")
    for t in task.robustness_thresholds_min or ():
        _check_threshold(t, "robustness_thresholds_min")
    for name in ("min_per_area", "max_per_area"):
        bounds = getattr(task, name)
        if bounds is None:
            continue
        if not isinstance(bounds, Mapping):
            raise ParameterError(
                f"{name} must map area ids to numbers of sites, got {type(bounds).__name__}.",
                fix=f"Use e.g. {name}={{'A1': 1}}.",
            )
        for area, v in bounds.items():
            if isinstance(v, bool) or not isinstance(v, int | np.integer) or v < 0:
                raise ParameterError(
                    f"{name}[{area!r}] must be a whole number of sites >= 0, got {v!r}.",
                    fix=f"Use e.g. {name}={{{str(area)!r}: 1}}.",
                )
    for name in ("candidate_areas", "fixed"):
        ids = getattr(task, name)
        if isinstance(ids, str) or (ids is not None and not isinstance(ids, Sequence)):
            raise ParameterError(
                f"{name} must be a list of ids, got {ids!r}.",
                fix=f"Wrap a single id in a list: {name}=[{ids!r}].",
            )


def _check_candidates(candidates: Any) -> None:
    """Reject ``candidates`` of a type :func:`proximity.siting.api._build_candidates` never takes."""
    if candidates is None or isinstance(candidates, gpd.GeoDataFrame | str | Path | Sequence):
        return
    raise candidates_type_error(candidates)


def candidates_type_error(candidates: Any) -> ParameterError:
    """The error for ``candidates`` of an unknown type.

    Parameters
    ----------
    candidates
        The rejected value.

    Returns
    -------
    ParameterError
    """
    return ParameterError(
        "candidates must be None, categories, a GeoDataFrame or a file, "
        f"got {type(candidates).__name__}.",
        fix="Pass e.g. candidates=['library'], a GeoDataFrame of points, or a file path.",
    )
