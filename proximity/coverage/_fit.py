"""Does the walking network fit the study area? CRS, extent and snapping quality.

Checked by :func:`~proximity.coverage.compute_access` in network mode, so that another city's
network, a network that covers only part of the study area or a too small ``max_snap_m``
cannot pass silently as "distance method: network" with (near) zero coverage:

- :func:`check_network_fits` — the network is in the city's CRS and its extent overlaps the
  demand's (else :class:`~proximity.errors.CRSError` / :class:`~proximity.errors.NetworkError`);
- :func:`snap_quality` — the share of the population (demand weight) that is unsnapped
  (``too_far``) or on a network island, and the same share of the services of each
  category, with a one-line message in Swedish and English;
- :func:`enforce_snap_quality` — a :class:`~proximity.coverage.SnapQualityWarning` above
  ``warn_unsnapped_share``, a :class:`~proximity.errors.NetworkError` above
  ``max_unsnapped_share``.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from proximity.coverage.access import SnapQualityWarning
from proximity.crs import same_crs
from proximity.errors import CRSError, NetworkError, ParameterError

if TYPE_CHECKING:  # pragma: no cover
    from proximity.network import WalkNetwork
    from proximity.snap import Snapped

#: Default of ``compute_access(warn_unsnapped_share=...)``: warn above 5 %.
WARN_UNSNAPPED_SHARE = 0.05
#: Default of ``compute_access(max_unsnapped_share=...)``: refuse above 50 %.
MAX_UNSNAPPED_SHARE = 0.5

_LOAD_NETWORK = (
    "Load the walking network for this city (proximity.load_network for the city's area "
    "with crs=city.crs, or the scenario's [network] source)"
)
_FIX_NETWORK = _LOAD_NETWORK + ", or raise max_snap_m if the points lie just beyond it"


def check_share_limits(warn_share: Any, max_share: Any) -> tuple[float, float]:
    """``0 ≤ warn_unsnapped_share ≤ max_unsnapped_share ≤ 1`` as floats, else ParameterError."""
    vals = []
    for name, v in (("warn_unsnapped_share", warn_share), ("max_unsnapped_share", max_share)):
        try:
            f = float(v)
        except (TypeError, ValueError):
            f = float("nan")
        if isinstance(v, bool) or not (math.isfinite(f) and 0.0 <= f <= 1.0):
            raise ParameterError(
                f"{name} must be a share between 0 and 1, got {v!r}.",
                fix=f"Use e.g. warn_unsnapped_share={WARN_UNSNAPPED_SHARE}, "
                f"max_unsnapped_share={MAX_UNSNAPPED_SHARE}.",
            )
        vals.append(f)
    if vals[0] > vals[1]:
        raise ParameterError(
            f"warn_unsnapped_share={warn_share!r} is above max_unsnapped_share={max_share!r}.",
            fix="Warn at a share no larger than the one that stops the run "
            f"(defaults {WARN_UNSNAPPED_SHARE} and {MAX_UNSNAPPED_SHARE}).",
        )
    return vals[0], vals[1]


def check_network_fits(
    network: WalkNetwork, city_crs: Any, dxy: np.ndarray, max_snap_m: float, *, extent: bool
) -> None:
    """The network is in the city's CRS and (if ``extent``) overlaps the demand's extent.

    ``dxy`` are the demand coordinates ``(n, 2)``. Overlap: their bounding box meets the
    network nodes' bounding box grown by ``max_snap_m``; without it every demand point
    would be unsnapped.
    """
    if city_crs is not None and not same_crs(city_crs, network.crs):
        raise CRSError(
            f"The walking network is in {network.crs} but the city is in {city_crs}: "
            "the network was built for another area or another projection.",
            fix=f"Load the network for this city in its CRS, e.g. "
            f'proximity.load_network(<the city\'s extract or place>, crs="{city_crs}").',
        )
    if network.n_nodes == 0:
        raise NetworkError("The walking network is empty.", fix=_FIX_NETWORK + ".")
    if not extent:
        return
    net_box = _box(network.node_x, network.node_y)
    dem_box = _box(dxy[:, 0], dxy[:, 1])
    m = float(max_snap_m)
    overlap = (
        dem_box[0] <= net_box[2] + m
        and dem_box[2] >= net_box[0] - m
        and dem_box[1] <= net_box[3] + m
        and dem_box[3] >= net_box[1] - m
    )
    if not overlap:
        raise NetworkError(
            f"The walking network does not cover the study area: the network spans "
            f"{_fmt_box(net_box)} but the demand points span {_fmt_box(dem_box)} "
            f"({network.crs}); they do not overlap, not even within max_snap_m = {m:g} m.",
            fix=_LOAD_NETWORK + ".",
        )


def _box(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float, float]:
    return float(np.min(x)), float(np.min(y)), float(np.max(x)), float(np.max(y))


def _fmt_box(b: tuple[float, float, float, float]) -> str:
    return f"x {b[0]:.0f}…{b[2]:.0f}, y {b[1]:.0f}…{b[3]:.0f}"


def snap_quality(
    network: WalkNetwork,
    demand: tuple[Snapped, np.ndarray],
    services: tuple[Snapped, np.ndarray],
    *,
    cats: Sequence[str],
    limits: tuple[float, float],
) -> dict[str, Any]:
    """The ``Access.provenance["snap_quality"]`` record of one computation.

    ``demand`` is the snapped demand and its weights (population), ``services`` the snapped
    services and their categories; ``limits`` = (warn share, max share). Keys:
    ``demand_unsnapped_share``, ``demand_island_share`` (of the demand weight),
    ``demand_off_island`` (points moved from a small component to the main network),
    ``services`` (per category: ``n``, ``unsnapped``, ``island``, ``share``),
    ``largest_component_share``, ``max_snap_m``, the two limits, ``warn``, ``refuse``,
    ``message_sv`` and ``message_en``.
    """
    dsn, weight = demand
    ssn, svc_cat = services
    total = float(weight.sum())
    dstatus = np.asarray(dsn.status).astype(str)
    shares = {
        s: (float(weight[dstatus == s].sum()) / total if total > 0 else 0.0)
        for s in ("too_far", "island")
    }
    sstatus = np.asarray(ssn.status).astype(str)
    per_cat: dict[str, dict[str, Any]] = {}
    for cat in cats:
        st = sstatus[svc_cat == cat]
        n_bad = int(np.count_nonzero(st != "ok"))
        per_cat[cat] = {
            "n": int(st.size),
            "unsnapped": int(np.count_nonzero(st == "too_far")),
            "island": int(np.count_nonzero(st == "island")),
            "share": n_bad / st.size if st.size else 0.0,
        }
    demand_bad = shares["too_far"] + shares["island"]
    worst = max([demand_bad, *(v["share"] for v in per_cat.values())])
    rec: dict[str, Any] = {
        "demand_unsnapped_share": shares["too_far"],
        "demand_island_share": shares["island"],
        "demand_unsnapped_points": int(np.count_nonzero(dstatus == "too_far")),
        "demand_island_points": int(np.count_nonzero(dstatus == "island")),
        "demand_off_island": int(np.count_nonzero(dsn.off_island)),
        "services_off_island": int(np.count_nonzero(ssn.off_island)),
        "services": per_cat,
        "largest_component_share": float(network.largest_component_share),
        "island_threshold_nodes": float(dsn.island_threshold),
        "max_snap_m": float(dsn.max_snap_m),
        "warn_unsnapped_share": limits[0],
        "max_unsnapped_share": limits[1],
        "warn": bool(worst > limits[0]),
        "refuse": bool(worst > limits[1]),
    }
    rec["message_sv"], rec["message_en"] = _messages(rec, demand_bad)
    return rec


def _messages(rec: dict[str, Any], demand_bad: float) -> tuple[str, str]:
    """One-line Swedish and English summaries of a snap-quality record."""
    from proximity.sources.categories import category_label

    m = rec["max_snap_m"]
    limit = rec["warn_unsnapped_share"]
    bad_cats = {c: v for c, v in rec["services"].items() if v["share"] > limit}
    sv_cats = "".join(
        f"; {category_label(c)}: {v['unsnapped'] + v['island']} av {v['n']} servicepunkter"
        for c, v in bad_cats.items()
    )
    en_cats = "".join(
        f"; {c}: {v['unsnapped'] + v['island']} of {v['n']} services" for c, v in bad_cats.items()
    )
    pct_sv = f"{100 * demand_bad:.1f}".replace(".", ",")
    parts_sv = (
        f"{100 * rec['demand_unsnapped_share']:.1f} % längre bort än {m:g} m, "
        f"{100 * rec['demand_island_share']:.1f} % på nätöar"
    ).replace(".", ",")
    comp_sv = f"{100 * rec['largest_component_share']:.1f}".replace(".", ",")
    sv = (
        f"Gångnätet: {pct_sv} % av befolkningen ligger utanför nätet ({parts_sv}){sv_cats}; "
        f"det största sammanhängande nätet har {comp_sv} % av noderna."
    )
    en = (
        f"Walking network: {100 * demand_bad:.1f} % of the population cannot reach it "
        f"({100 * rec['demand_unsnapped_share']:.1f} % farther than {m:g} m, "
        f"{100 * rec['demand_island_share']:.1f} % on network islands){en_cats}; the largest "
        f"connected network holds {100 * rec['largest_component_share']:.1f} % of the nodes."
    )
    return sv, en


def enforce_snap_quality(rec: dict[str, Any], *, city_name: str | None) -> None:
    """Refuse above ``max_unsnapped_share``; warn above ``warn_unsnapped_share``."""
    where = f" ({city_name})" if city_name else ""
    if rec["refuse"]:
        raise NetworkError(
            f"The walking network does not fit the study area{where}: more than "
            f"{100 * rec['max_unsnapped_share']:g} % of the population or of a category's "
            f"services is unsnapped or on network islands. {rec['message_en']}",
            fix=_FIX_NETWORK + f" (max_snap_m={rec['max_snap_m']:g}). To accept it anyway, "
            "pass a larger max_unsnapped_share.",
        )
    if rec["warn"]:
        warnings.warn(
            f"{rec['message_en']} Those residents count as unsnapped/unreachable; check that "
            f"the network covers the study area{where} (max_snap_m={rec['max_snap_m']:g}).",
            SnapQualityWarning,
            stacklevel=4,
        )
