"""Checks of a siting request against its city and network, before any work is done.

:class:`~proximity.siting.task.SiteTask` checks what it can alone (numbers, names); the checks
here need the place: that ``city`` is a :class:`~proximity.sources.City`, that ``category`` is
a category the toolkit or the city knows, and that the network lies in the city's CRS and
overlaps its areas. Every failure is a :class:`~proximity.errors.ProximityError` naming the
parameter and the fix.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from proximity.crs import same_crs
from proximity.errors import CRSError, NetworkError, ParameterError


def did_you_mean(value: Any, known: Iterable[str]) -> str:
    """``"Did you mean 'x'? "`` for the closest of ``known`` (difflib), or ``""``.

    Parameters
    ----------
    value
        The unknown value.
    known
        The accepted values.

    Returns
    -------
    str
    """
    m = difflib.get_close_matches(str(value), [str(k) for k in known], n=1, cutoff=0.6)
    return f"Did you mean {m[0]!r}? " if m else ""


def check_request(task: Any, city: Any, network: Any) -> None:
    """Check ``city``, ``task.category`` and ``network`` of a siting run.

    Parameters
    ----------
    task
        The :class:`~proximity.siting.task.SiteTask`.
    city
        Must be a :class:`~proximity.sources.City`.
    network
        None, or a :class:`~proximity.network.WalkNetwork` in the city's CRS that overlaps
        the city's areas.

    Raises
    ------
    ParameterError
        ``city`` is not a City; ``category`` is unknown.
    CRSError
        The network's CRS differs from the city's.
    NetworkError
        The network is empty or does not overlap the city's areas.
    """
    check_city(city)
    check_category(task.category, city)
    if network is not None:
        check_network(network, city)


def check_city(city: Any) -> None:
    """Raise :class:`ParameterError` unless ``city`` is a :class:`~proximity.sources.City`."""
    from proximity.sources.city import City

    if not isinstance(city, City):
        raise ParameterError(
            f"city must be a proximity.sources.City, got {type(city).__name__}.",
            fix="Load one, e.g. city = proximity.sources.load_city('helsingborg'), and pass it "
            "as the first argument.",
        )


def known_categories(city: Any) -> list[str]:
    """Categories a siting run may use: built in, or declared by the city's data.

    Built in: :data:`proximity.sources.categories.CATEGORIES` (valid even where the city has
    no such service yet: siting a new kind of office). Declared by the city: its
    ``[categories.<id>]``, the categories of its services and of its services without a location.

    Parameters
    ----------
    city
        The :class:`~proximity.sources.City`.

    Returns
    -------
    list of str
        Built-in categories first, then the city's own, sorted.
    """
    from proximity.sources.categories import CATEGORIES, known_categories

    declared: set[str] = set(known_categories(city))
    for table in (city.services, city.services_unlocated):
        if table is not None and "category" in table.columns:
            declared |= {str(c) for c in table["category"].dropna()}
    return [*CATEGORIES, *sorted(declared - set(CATEGORIES))]


def check_category(category: Any, city: Any) -> None:
    """Raise :class:`ParameterError` (with a did-you-mean) for an unknown ``category``."""
    known = known_categories(city)
    if isinstance(category, str) and category in known:
        return
    raise ParameterError(
        f"Unknown category {category!r}: the category of the offices to site must be one the "
        "toolkit or the city knows.",
        fix=f"{did_you_mean(category, known)}Use one of: {', '.join(known)} "
        "(or add services of a new category to the city's data).",
    )


def check_network(network: Any, city: Any) -> None:
    """Raise unless ``network`` is in the city's CRS and overlaps the city's areas.

    Parameters
    ----------
    network
        A :class:`~proximity.network.WalkNetwork`.
    city
        The :class:`~proximity.sources.City`.

    Raises
    ------
    CRSError
        Different CRS.
    NetworkError
        No nodes, or the node extent does not intersect the areas' extent.
    """
    net_crs = getattr(network, "crs", None)
    if net_crs is None or not same_crs(net_crs, city.crs):
        raise CRSError(
            f"The network's CRS ({net_crs}) differs from the city's CRS ({city.crs}).",
            fix=f"Load the network in the city's CRS: load_network(..., crs={str(city.crs)!r}).",
        )
    x = np.asarray(getattr(network, "node_x", []), dtype=float)
    y = np.asarray(getattr(network, "node_y", []), dtype=float)
    if x.size == 0:
        raise NetworkError(
            "The network has no nodes.",
            fix="Load the walking network of the city's area, or pass network=None (crow-fly).",
        )
    net_box = (float(x.min()), float(y.min()), float(x.max()), float(y.max()))
    city_box = tuple(float(v) for v in city.areas.total_bounds)
    if not _boxes_meet(net_box, city_box):
        raise NetworkError(
            f"The network (extent {_fmt(net_box)}) does not overlap the city's areas "
            f"(extent {_fmt(city_box)}, {city.crs}).",
            fix="Load the walking network of this city's area (an OSM extract or place that "
            "covers its areas), or pass network=None for crow-fly distances.",
        )


def _boxes_meet(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    if not all(math.isfinite(v) for v in (*a, *b)):
        return False
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


def _fmt(box: tuple[float, ...]) -> str:
    return "(" + ", ".join(f"{v:.0f}" for v in box) + ")"
