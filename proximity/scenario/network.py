"""The scenario's network policy: where the walking network comes from.

A local file, the city's extract, the download cache, an online download after a quick
Overpass probe, or crow-fly (requested, or as a fallback).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from proximity import _overpass, config
from proximity._io import slug
from proximity.errors import NetworkError, OfflineError, OutputError, ProximityError
from proximity.scenario.model import Scenario

if TYPE_CHECKING:
    import geopandas as gpd

    from proximity.network import WalkNetwork
    from proximity.sources.city import City

__all__ = [
    "NetworkOrigin",
    "cache_errors_name_the_cache",
    "network_cache_path",
    "resolve_network",
]


@dataclass(frozen=True)
class NetworkOrigin:
    """Where a run's walking network came from, or why it runs crow-fly.

    Attributes
    ----------
    mode
        ``"network"`` or ``"crowfly"``.
    origin
        With a network: the file it was read from, or ``"place:<name>"`` for a download.
        Crow-fly: ``"scenario"`` (asked for) or ``"fallback"`` (no network could be had).
    reason
        Why crow-fly is used (None with a network).
    """

    mode: Literal["network", "crowfly"]
    origin: str
    reason: str | None = None

    @classmethod
    def loaded(cls, origin: str | Path) -> NetworkOrigin:
        """A network read from ``origin`` (a file, or ``"place:<name>"``)."""
        return cls("network", str(origin))

    @property
    def is_fallback(self) -> bool:
        """Whether crow-fly is a fallback (no network could be had), not the scenario's choice."""
        return self.origin == "fallback"

    def to_dict(self) -> dict[str, str]:
        """``{"mode", "origin"}`` and, for crow-fly, ``"reason"`` (as in ``run.json``)."""
        out = {"mode": self.mode, "origin": self.origin}
        if self.reason is not None:
            out["reason"] = self.reason
        return out


def network_cache_path(place: str) -> Path:
    """Where a downloaded network of ``place`` is cached: ``<cache>/networks/<slug>.npz``.

    ``proximity network fetch PLACE`` stores it there, and ``network = "auto"`` looks there.
    """
    return config.network_cache_dir() / f"{slug(place)}.npz"


def _boundary_series(city: City) -> gpd.GeoSeries | None:
    import geopandas as gpd

    b = getattr(city, "boundary", None)
    if b is None:
        return None
    return gpd.GeoSeries([b], crs=city.crs)


def network_provenance(net: WalkNetwork) -> dict[str, object]:
    """The network's summary (provenance, size) for ``run.json``."""
    return dict(net.summary())


def _from_file(
    scenario: Scenario, city: City, say: Callable[[str], None]
) -> tuple[WalkNetwork, NetworkOrigin]:
    from proximity.network import WalkNetwork, load_network

    spec = scenario.network
    assert spec.path is not None
    say(f"network: loading {spec.path}")
    if spec.path.suffix == ".npz":
        net = WalkNetwork.load(spec.path)
    else:
        net = load_network(
            spec.path, boundary=_boundary_series(city), buffer_m=spec.buffer_m, crs=city.crs
        )
    return net, NetworkOrigin.loaded(spec.path)


def _download(
    scenario: Scenario, city: City, place: str, say: Callable[[str], None]
) -> tuple[WalkNetwork, NetworkOrigin]:
    """Download ``place`` (and cache it).

    After a short probe, so that an offline machine fails in seconds (osmnx would otherwise
    wait for its own timeouts).
    """
    from proximity.network import load_network

    spec = scenario.network
    cached = network_cache_path(place)
    if not _overpass.reachable(spec.probe_timeout_s):
        raise OfflineError(
            f"Overpass ({_overpass.OVERPASS_HOST}) is not reachable within "
            f"{spec.probe_timeout_s:g} s, and no downloaded network is cached for "
            f"{place!r} ({cached}).",
            fix=f'Run `proximity network fetch "{place}"` once when online, or use a '
            'local OSM extract: [network] source = "path/to/extract.osm.pbf".',
        )
    say(
        f"network: downloading {place!r} from OpenStreetMap (osmnx/Overpass); this can take minutes"
    )
    net = load_network(place, boundary=_boundary_series(city), buffer_m=spec.buffer_m, crs=city.crs)
    with contextlib.suppress(OSError, ProximityError):
        net.save(cached)
    return net, NetworkOrigin.loaded(f"place:{place}")


def _find(
    scenario: Scenario, city: City, say: Callable[[str], None]
) -> tuple[WalkNetwork, NetworkOrigin]:
    """The city's own extract, else the download cache, else a download."""
    from proximity.network import WalkNetwork, load_network

    spec = scenario.network
    ns = getattr(city, "network_source", None) or {}
    # 1. the city's own local extract (e.g. the Helsinki demo's bundled PBF)
    if ns.get("path") and spec.source != "place":
        src = Path(ns["path"])
        say(f"network: loading the city's extract {src}")
        net = load_network(
            src,
            boundary=_boundary_series(city),
            buffer_m=spec.buffer_m,
            crs=city.crs,
            cache_dir=config.network_cache_dir(),
        )
        return net, NetworkOrigin.loaded(src)
    place = spec.place or ns.get("query")
    if not place:
        raise OfflineError(
            f"The city {city.name!r} has no local walking network and the scenario names "
            "no place to download.",
            fix='Set [network] place = "..." or source = "path/to/extract.osm.pbf".',
        )
    # 2. the cache written by `proximity network fetch` and by earlier online runs
    cached = network_cache_path(place)
    if cached.exists():
        say(f"network: using the cached download {cached}")
        return WalkNetwork.load(cached), NetworkOrigin.loaded(cached)
    # 3. download
    return _download(scenario, city, place, say)


def _inside(path: str, folder: Path) -> bool:
    return Path(os.path.abspath(path)).is_relative_to(os.path.abspath(folder))


@contextlib.contextmanager
def cache_errors_name_the_cache() -> Iterator[None]:
    """An unwritable cache folder is an error whose fix names ``PROXIMITY_CACHE``.

    The layers report it as an unwritable output folder, whose fix (``--out``) would not
    help: the cache is chosen with the environment variable.
    """
    try:
        yield
    except OutputError as exc:
        cache = config.cache_dir()
        if exc.file is None or not _inside(exc.file, cache):
            raise
        raise OutputError(
            f"Cannot write the cache folder: {exc.message}",
            file=exc.file,
            fix=f"Set PROXIMITY_CACHE to a folder you can write to (now {cache}), e.g. "
            "export PROXIMITY_CACHE=$HOME/.cache/proximity, or fix that folder's permissions.",
        ) from exc


def resolve_network(
    scenario: Scenario, city: City, *, say: Callable[[str], None] = print
) -> tuple[WalkNetwork | None, NetworkOrigin]:
    """Get the walking network by the scenario's policy.

    Parameters
    ----------
    scenario
        The scenario; its ``network`` spec is the policy.
    city
        The loaded city (its boundary, CRS and network source).
    say
        Prints a progress message.

    Returns
    -------
    network, origin
        The :class:`~proximity.network.WalkNetwork`, or None for crow-fly; ``origin`` says
        where it came from (or why crow-fly is used).

    Raises
    ------
    NetworkError
        When no network can be had and the policy forbids the crow-fly fallback; the
        message names the local-extract option.
    """
    spec = scenario.network
    if spec.source == "crowfly":
        reason = 'the scenario asks for crow-fly (network source = "crowfly")'
        return None, NetworkOrigin("crowfly", "scenario", reason)
    if spec.source == "file":
        with cache_errors_name_the_cache():
            return _from_file(scenario, city, say)
    try:
        with cache_errors_name_the_cache():
            return _find(scenario, city, say)
    except NetworkError as exc:
        if spec.source in ("required", "place") or spec.fallback == "error":
            raise NetworkError(
                f"No walking network could be had, and the scenario requires one: {exc.message}",
                file=scenario.path,
                fix="Use a local OSM extract (offline): [network] source = "
                '"path/to/extract.osm.pbf" (e.g. a Geofabrik extract of Sweden clipped with '
                "osmium), or run `proximity network fetch PLACE` once when online; or allow "
                'the crow-fly fallback with source = "auto".',
            ) from exc
        return None, NetworkOrigin("crowfly", "fallback", exc.message)
