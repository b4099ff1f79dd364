"""proximity: walking access to public services, and siting the next service office.

Who can walk to the public services they need, and where should the next neighbourhood
service office go? The public API is re-exported here lazily, so ``import proximity`` stays fast.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "WalkNetwork": "proximity.network",
    "load_network": "proximity.network",
    "snap": "proximity.snap",
    "Snapped": "proximity.snap",
    "nearest": "proximity.routing",
    "bounded_matrix": "proximity.routing",
    "WalkingProfile": "proximity.profiles",
    "PROFILES": "proximity.profiles",
    "get_profile": "proximity.profiles",
    "City": "proximity.sources",
    "load_city": "proximity.sources",
    "load_areas": "proximity.sources",
    "load_population": "proximity.sources",
    "load_services": "proximity.sources",
    "compute_access": "proximity.coverage",
    "Access": "proximity.coverage",
    "site": "proximity.siting",
    "SitingResult": "proximity.siting",
    "make_map": "proximity.maps",
    "save_map": "proximity.maps",
    "write_report": "proximity.report",
    "Scenario": "proximity.scenario",
    "load_scenario": "proximity.scenario",
    "run": "proximity.scenario",
    "ProximityError": "proximity.errors",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'proximity' has no attribute {name!r}")
