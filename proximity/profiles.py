"""Walking profiles: a walking speed plus optional per-``highway`` cost factors.

A :class:`WalkingProfile` turns network distances into times. Distances stay in metres inside
the toolkit; a profile's :meth:`~WalkingProfile.edge_cost` gives per-edge costs in
"equivalent metres" (``edge_length_m × factor(highway)``; a factor of ``inf`` makes an edge
impassable) and minutes are ``cost_m / speed_m_s / 60`` (:func:`to_minutes`).

The speeds are rounded values taken from the literature, chosen so that a planner can check
them:

``adult`` — 1.3 m/s
    Usual-pace *outdoor* walking speed of apparently healthy adults: 1.31 m/s (95 % CI
    1.27–1.35) in the meta-analysis of Murtagh, Mair, Aguiar, Tudor-Locke & Murphy (2021),
    "Outdoor walking speeds of apparently healthy adults: a systematic review and
    meta-analysis", *Sports Medicine* 51(1):125–141, doi:10.1007/s40279-020-01351-3.
    Rounded to 1.3 m/s (4.7 km/h).
``elderly`` — 1.0 m/s
    Bohannon & Williams Andrews (2011), "Normal walking speed: a descriptive meta-analysis",
    *Physiotherapy* 97(3):182–189, doi:10.1016/j.physio.2010.12.004: normal gait speed falls
    with age, to a mean of 0.94–0.97 m/s at ages 80–99 (the abstract reports 94.3 cm/s for
    women aged 80–99 as the slowest stratum). 1.0 m/s is a rounded planning value for older
    residents (65+) that leans towards the slower, older end; it is a choice, not a measured
    mean of the 65+ population. Willberg, Fink & Toivonen (2023), "The 15-minute city for
    all? – Measuring individual and temporal variations in walking accessibility", *Journal
    of Transport Geography* 106:103521, doi:10.1016/j.jtrangeo.2022.103521, measured walking
    speeds in the Helsinki region in the dry and winter seasons and show that older people's
    15-minute access falls sharply; their per-group speeds are not reproduced here because
    we could not check the exact figures.
``winter`` — 1.2 m/s
    Fossum & Ryeng (2021), "The walking speed of pedestrians on various pavement surface
    conditions during winter", *Transportation Research Part D* 97:102934,
    doi:10.1016/j.trd.2021.102934: on the best obtainable winter surface average travel
    times are about 1 min/km longer than on bare pavement (about 2 min/km on clean ice).
    1000 / (1000 / 1.3 + 60) = 1.206 m/s, rounded to 1.2 m/s.
``elderly_winter`` — 0.94 m/s
    The elderly speed with the same +1 min/km winter penalty: 1000 / (1000 / 1.0 + 60) =
    0.943 m/s. Willberg et al. (2023) find that season and age combined give the largest
    losses of access.
``step_free`` — 1.0 m/s, ``highway=steps`` impassable
    For wheelchair, rollator and pram users: the elderly speed, and steps (and elevators,
    whose opening hours and state OSM does not tell) cannot be used. The speed is the
    elderly value above; making steps impassable is a modelling rule, not a literature value.

Access legs (point → edge) are always counted at factor 1.

Metre thresholds (``compute_access(thresholds_m=...)``, scenario key ``thresholds_m``) compare
a profile's ``distance_m``: its cost in metres, i.e. the edge lengths times the highway
factors. For ``step_free`` every usable edge has factor 1 and steps and elevators are
impassable (infinite), so its metres are real walking metres along a route without steps:
a resident behind a staircase counts as covered only if a step-free route is short enough.
A custom profile with a finite factor above 1 (e.g. ``{"primary": 1.2}``) counts those edges
as longer in metres as in minutes. Speeds do not enter metre thresholds, so for every
profile ``m = min × speed × 60`` covers the same residents as ``min``.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING

import numpy as np

from proximity.errors import ParameterError

if TYPE_CHECKING:
    from proximity.network import WalkNetwork

__all__ = ["PROFILES", "WalkingProfile", "get_profile", "to_minutes"]


@dataclass(frozen=True)
class WalkingProfile:
    """A named walking profile.

    Parameters
    ----------
    name
        Short key, e.g. ``"adult"``.
    speed_m_s
        Walking speed in metres per second (> 0).
    label_sv
        Swedish label for reports and maps.
    reference
        Where the speed (and any factors) come from.
    highway_factor
        Cost multiplier per OSM ``highway`` value (default 1 for values not listed);
        ``float("inf")`` makes such edges impassable. Factors must be > 0 (normally ≥ 1; a
        factor below 1 would make an edge cheaper than its length).
    """

    name: str
    speed_m_s: float
    label_sv: str
    reference: str
    highway_factor: Mapping[str, float] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        speed = float(self.speed_m_s)
        if not np.isfinite(speed) or speed <= 0:
            raise ParameterError(
                f"Walking profile {self.name!r} has speed_m_s={self.speed_m_s!r}; "
                "it must be a positive number of metres per second.",
                fix="Use e.g. speed_m_s=1.3 (adult) or 1.0 (elderly).",
            )
        factors = {}
        for key, value in dict(self.highway_factor).items():
            f = float(value)
            if np.isnan(f) or f <= 0:
                raise ParameterError(
                    f"Walking profile {self.name!r}: factor for highway={key!r} is {value!r}; "
                    "it must be > 0 (use inf for impassable).",
                    fix="Use a positive factor such as 1.5, or float('inf') to forbid the way.",
                )
            factors[str(key)] = f
        object.__setattr__(self, "speed_m_s", speed)
        object.__setattr__(self, "highway_factor", MappingProxyType(factors))

    def factors(self, network: WalkNetwork) -> np.ndarray:
        """Per-edge cost factor (1.0 unless the edge's ``highway`` is listed)."""
        out = np.ones(network.n_edges, dtype=np.float64)
        hw = np.asarray(network.edge_highway).astype(str)
        for key, f in self.highway_factor.items():
            out[hw == key] = f
        return out

    def edge_cost(self, network: WalkNetwork) -> np.ndarray:
        """Per-edge cost in equivalent metres: ``edge_length_m × factor(highway)``.

        ``inf`` marks an impassable edge. With no factors this is ``edge_length_m`` (a copy).
        """
        length = np.asarray(network.edge_length_m, dtype=np.float64)
        if not self.highway_factor:
            return length.copy()
        return length * self.factors(network)

    def minutes(self, distance_m: np.ndarray | float) -> np.ndarray | float:
        """Walking time in minutes for a (cost-)distance in metres at this profile's speed."""
        return to_minutes(distance_m, self.speed_m_s)

    def metres(self, minutes: float) -> float:
        """The (cost-)distance in metres walked in ``minutes`` at this profile's speed."""
        minutes = float(minutes)
        if not np.isfinite(minutes) or minutes <= 0:
            raise ParameterError(
                f"A time threshold must be a positive number of minutes, got {minutes!r}.",
                fix="Use e.g. threshold_min=10.",
            )
        return minutes * 60.0 * self.speed_m_s


def to_minutes(distance_m: np.ndarray | float, speed_m_s: float) -> np.ndarray | float:
    """Minutes needed to walk ``distance_m`` metres at ``speed_m_s``; ``inf`` stays ``inf``.

    Parameters
    ----------
    distance_m
        Distance(s) in metres (scalar or array; ``inf`` = unreachable).
    speed_m_s
        Walking speed in metres per second (> 0).

    Returns
    -------
    float or numpy.ndarray
        ``distance_m / speed_m_s / 60``, same shape as ``distance_m``.
    """
    speed = float(speed_m_s)
    if not np.isfinite(speed) or speed <= 0:
        raise ParameterError(
            f"speed_m_s must be a positive number, got {speed_m_s!r}.",
            fix="Use a profile's speed, e.g. get_profile('adult').speed_m_s.",
        )
    if np.ndim(distance_m) == 0:
        return float(distance_m) / speed / 60.0
    return np.asarray(distance_m, dtype=np.float64) / speed / 60.0


_MURTAGH_2021 = (
    "Murtagh EM, Mair JL, Aguiar E, Tudor-Locke C, Murphy MH (2021). Outdoor walking speeds of "
    "apparently healthy adults: a systematic review and meta-analysis. Sports Medicine "
    "51(1):125-141. doi:10.1007/s40279-020-01351-3 (usual pace 1.31 m/s, rounded to 1.3)"
)
_BOHANNON_2011 = (
    "Bohannon RW, Williams Andrews A (2011). Normal walking speed: a descriptive "
    "meta-analysis. Physiotherapy 97(3):182-189. doi:10.1016/j.physio.2010.12.004 (means "
    "0.94-0.97 m/s at ages 80-99; 1.0 m/s is a rounded planning value); see also Willberg E, "
    "Fink C, Toivonen T (2023). The 15-minute city for all? Journal of Transport Geography "
    "106:103521. doi:10.1016/j.jtrangeo.2022.103521"
)
_FOSSUM_2021 = (
    "Fossum M, Ryeng EO (2021). The walking speed of pedestrians on various pavement surface "
    "conditions during winter. Transportation Research Part D 97:102934. "
    "doi:10.1016/j.trd.2021.102934 (+1 min/km on the best winter surface vs bare pavement)"
)

#: The built-in profiles, by name. See the module docstring for the derivation of each speed.
PROFILES: dict[str, WalkingProfile] = {
    p.name: p
    for p in (
        WalkingProfile("adult", 1.3, "Vuxen", _MURTAGH_2021),
        WalkingProfile("elderly", 1.0, "Äldre (65+)", _BOHANNON_2011),
        WalkingProfile(
            "winter",
            1.2,
            "Vinterväglag",
            _FOSSUM_2021 + "; adult 1.3 m/s + 1 min/km = 1.206 m/s, rounded to 1.2",
        ),
        WalkingProfile(
            "elderly_winter",
            0.94,
            "Äldre, vinterväglag",
            _FOSSUM_2021 + "; elderly 1.0 m/s + 1 min/km = 0.943 m/s; " + _BOHANNON_2011,
        ),
        WalkingProfile(
            "step_free",
            1.0,
            "Utan trappor (rullstol, rollator, barnvagn)",
            "Speed: " + _BOHANNON_2011 + ". Steps and elevators impassable: modelling rule.",
            {"steps": float("inf"), "elevator": float("inf")},
        ),
    )
}


def get_profile(name_or_profile: str | WalkingProfile) -> WalkingProfile:
    """Return a built-in profile by name, or the given :class:`WalkingProfile` unchanged.

    Raises
    ------
    ParameterError
        For an unknown name, with a "did you mean" suggestion and the list of known names.
    """
    if isinstance(name_or_profile, WalkingProfile):
        return name_or_profile
    if not isinstance(name_or_profile, str):
        raise ParameterError(
            f"A walking profile must be a name or a WalkingProfile, got {name_or_profile!r}.",
            fix=f"Use one of: {', '.join(PROFILES)}.",
        )
    key = name_or_profile.strip().lower()
    if key in PROFILES:
        return PROFILES[key]
    close = difflib.get_close_matches(key, list(PROFILES), n=1, cutoff=0.5)
    hint = f"Did you mean {close[0]!r}? " if close else ""
    raise ParameterError(
        f"Unknown walking profile {name_or_profile!r}.",
        fix=f"{hint}Known profiles: {', '.join(PROFILES)}.",
    )
