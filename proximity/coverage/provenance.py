"""Provenance of a coverage computation: network hash, population unit and the run record."""

from __future__ import annotations

import hashlib
import weakref
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from proximity._io import today_iso
from proximity.coverage._output import jsonable

if TYPE_CHECKING:  # pragma: no cover
    from proximity.coverage._check import CheckedInputs
    from proximity.network import WalkNetwork
    from proximity.profiles import WalkingProfile

__all__ = [
    "POPULATION_UNIT_PERSONS",
    "POPULATION_UNIT_PROXY",
    "network_hash",
    "population_unit_info",
    "provenance_record",
]

#: ``Access.population_unit`` when ``population`` counts people.
POPULATION_UNIT_PERSONS = "persons"
#: ``Access.population_unit`` when ``population`` is residential floor area (m²) as a proxy.
POPULATION_UNIT_PROXY = "floor_area_m2 (proxy)"


_HASHES: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()


def network_hash(network: WalkNetwork) -> str:
    """SHA-256 of the network's arrays and CRS (identifies the graph the results came from).

    Cached per network object (networks are treated as immutable).
    """
    cached = _HASHES.get(network)
    if cached is None:
        cached = _HASHES[network] = _network_hash(network)
    return cached


def set_network_hash(network: WalkNetwork, value: str | None) -> None:
    """Record ``value`` as :func:`network_hash` of ``network`` (None: forget it).

    For :mod:`proximity.network.warm`, which saves the hash with a network.
    """
    if value is None:
        _HASHES.pop(network, None)
    else:
        _HASHES[network] = value


def _network_hash(network: WalkNetwork) -> str:
    h = hashlib.sha256()
    h.update(str(network.crs).encode())
    for arr in (
        network.node_x,
        network.node_y,
        network.edge_u,
        network.edge_v,
        network.edge_length_m,
    ):
        h.update(np.ascontiguousarray(arr).tobytes())
    h.update("\x00".join(np.asarray(network.edge_highway).astype(str).tolist()).encode())
    return h.hexdigest()


def provenance_record(
    inputs: CheckedInputs, *, groups: Sequence[str], snap_info: dict[str, Any]
) -> dict[str, Any]:
    """The provenance of one computation (``Access.provenance`` without ``population``).

    Parameters
    ----------
    inputs : CheckedInputs
        The checked inputs (city, network, distance method, profiles, categories,
        thresholds, demand, services, area level and the notes collected so far).
    groups : sequence of str
        The population groups reported (``"all"`` first).
    snap_info : dict
        Snapping counts (network mode; empty in crow-fly mode).

    Returns
    -------
    dict
        Plain JSON-able values; see :attr:`proximity.coverage.Access.provenance`.
    """
    city, network, demand, services = inputs.city, inputs.network, inputs.demand, inputs.services
    sources: set[str] = set()
    for tab in (demand, services, getattr(city, "unlocated", None)):
        if tab is not None and len(tab) and "source" in tab.columns:
            sources.update(str(s) for s in pd.unique(tab["source"].dropna()))
    prov: dict[str, Any] = {
        "tool": "proximity.coverage.compute_access",
        "date": today_iso(),
        "distance_method": inputs.method.label,
        "city": getattr(city, "name", None),
        "crs": str(network.crs if network is not None else getattr(city, "crs", "")),
        "area_level": inputs.area_level,
        "categories": list(inputs.cats),
        "thresholds_min": [float(t) for t in inputs.thresholds],
        **(
            {"thresholds_m": [float(t) for t in inputs.thresholds_m]} if inputs.thresholds_m else {}
        ),
        "groups": list(groups),
        "age_groups": list(groups[1:]) if len(groups) > 1 else "no age data",
        "profiles": {p.name: _profile_record(p) for p in inputs.profs},
        "data_sources": sorted(sources),
        "n_demand_points": len(demand),
        "n_services": {c: int((services["category"] == c).sum()) for c in inputs.cats},
        "population_definition": (
            "covered + uncovered + unsnapped + unreachable + unlocated = population; "
            "covered = minutes <= threshold; mean/median/p90 are population-weighted over "
            "reachable located residents (inverted-CDF quantiles)"
        ),
        "notes": sorted(inputs.notes),
        "city_provenance": jsonable(getattr(city, "provenance", {}) or {}),
    }
    if network is not None:
        prov["network_hash"] = network_hash(network)
        # run-time measurements (e.g. parse_seconds) would break byte-identical re-runs
        prov["network"] = jsonable(
            {k: v for k, v in network.summary().items() if "seconds" not in str(k)}
        )
        prov["snap"] = snap_info
    else:
        factor = inputs.method.detour_factor
        prov["network_hash"] = "none (crow-fly)"
        prov["network"] = None
        prov["detour_factor"] = float(factor)
        prov["warning"] = (
            f"crow-fly distances (straight line × {factor:g}); no walking network used"
        )
    return prov


def _profile_record(p: WalkingProfile) -> dict[str, Any]:
    """Speed, label, reference and highway factors of a walking profile."""
    return {
        "speed_m_s": float(p.speed_m_s),
        "label_sv": getattr(p, "label_sv", ""),
        "reference": getattr(p, "reference", ""),
        "highway_factor": dict(sorted(dict(getattr(p, "highway_factor", {}) or {}).items())),
    }


def population_unit_info(city: Any) -> dict[str, Any]:
    """What the city's demand ``population`` measures (for ``Access.population_unit``).

    Returns ``{"unit", "is_proxy", "n_proxy_points", "n_points", "method", "note"}``.
    ``unit`` is ``"persons"`` unless demand rows are flagged ``population_is_proxy`` (or,
    without that column, the city provenance says ``population_is_proxy``): then
    ``"floor_area_m2 (proxy)"`` (residential floor area, footprint × levels, in m² — a
    relative weight, not a number of people), or ``"mixed: persons + floor_area_m2 (proxy)"``
    when only some rows are proxies. No persons-per-m² factor is assumed.
    """
    demand = getattr(city, "demand", None)
    cprov = getattr(city, "provenance", None) or {}
    n = 0 if demand is None else len(demand)
    cols = getattr(demand, "columns", ())
    if "population_is_proxy" in cols:
        flags = pd.Series(demand["population_is_proxy"]).astype("boolean").fillna(False)
        n_proxy = int(flags.astype(bool).sum())
    else:
        n_proxy = n if isinstance(cprov, Mapping) and cprov.get("population_is_proxy") else 0
    methods: list[str] = []
    if "population_method" in cols:
        methods = sorted({str(v) for v in pd.Series(demand["population_method"]).dropna()})
    if n_proxy == 0:
        unit, note = POPULATION_UNIT_PERSONS, "population counts persons"
    elif n_proxy >= n:
        unit = POPULATION_UNIT_PROXY
        note = (
            "population is residential floor area in m2 from OSM buildings (footprint x "
            "levels), a relative proxy, not a number of persons; shares are meaningful, "
            "counts are m2"
        )
    else:
        unit = f"mixed: {POPULATION_UNIT_PERSONS} + {POPULATION_UNIT_PROXY}"
        note = (
            f"{n_proxy} of {n} demand points carry floor area in m2 (proxy) instead of "
            "persons; counts mix both units"
        )
    return {
        "unit": unit,
        "is_proxy": n_proxy > 0,
        "n_proxy_points": n_proxy,
        "n_points": n,
        "method": "; ".join(methods),
        "note": note,
    }
