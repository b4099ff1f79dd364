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
        ``threshold_min`` ≤ 0, ``k`` < 1, unknown model, solver, profile, area level or
        ``one_per_area``, or ``candidates`` of an unknown type (checked in this order).
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
        k = self.k
        if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
            raise ParameterError(f"k must be a positive integer, got {k!r}.")
        if self.model not in MODELS:
            raise ParameterError(f"Unknown model {self.model!r}.", fix=f"Use one of {MODELS}.")
        if self.solver not in SOLVERS:
            raise ParameterError(f"Unknown solver {self.solver!r}.", fix=f"Use one of {SOLVERS}.")
        get_profile(self.profile)  # raises ParameterError for an unknown profile
        if self.area_level not in AREA_LEVELS:
            raise ParameterError(
                f"Unknown area_level {self.area_level!r}.", fix="Use 'areas' or 'subareas'."
            )
        if self.one_per_area not in ONE_PER_AREA:
            raise ParameterError(
                f"one_per_area must be one of {ONE_PER_AREA}, got {self.one_per_area!r}."
            )
        _check_candidates(self.candidates)

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


def _check_threshold(threshold_min: Any) -> None:
    if (
        isinstance(threshold_min, bool)
        or not isinstance(threshold_min, int | float)
        or not (math.isfinite(threshold_min) and threshold_min > 0)
    ):
        raise ParameterError(
            f"threshold_min must be a positive number of minutes, got {threshold_min!r}.",
            fix="Use e.g. threshold_min=10.",
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
        f"got {type(candidates).__name__}."
    )
