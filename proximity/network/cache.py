"""The network cache: cache keys and paths, and loading cache entries.

File sources are cached only when ``cache_dir`` is given; online downloads always are, by
default under :func:`proximity.config.network_cache_dir`. Entries are saved networks
(:mod:`proximity.network.saved`). A bad entry (corrupt, altered, incomplete, of an older
format) is not an error: :func:`load_cache_entry` says so on stderr and the loader that owns
the entry (which knows its source) rebuilds it and saves it over the bad one.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from proximity import config
from proximity._io import text_sha256
from proximity._text import terminal_safe
from proximity.network.graph import WalkNetwork
from proximity.network.saved import NetworkFileError, read_npz, save_npz

__all__ = [
    "cache_key",
    "cache_network",
    "crs_key",
    "file_cache_path",
    "is_cached",
    "load_cache_entry",
    "load_cached",
    "mark_cached",
    "note",
    "online_cache_path",
    "read_npz",
    "save_npz",
]


def cache_network(network: WalkNetwork, path: str | os.PathLike[str]) -> Path:
    """Save ``network`` so that ``load_network(path)`` reloads it without parsing OSM.

    Parameters
    ----------
    network : WalkNetwork
        The network.
    path : str or path-like
        Where to save it (``.npz``; a ``.json`` is written next to it).

    Returns
    -------
    Path
        The ``.npz`` path.
    """
    return network.save(Path(path))


def load_cached(path: Path) -> WalkNetwork:
    """Load a saved network, recording where it came from in ``provenance["cache_file"]``.

    The other provenance keys, including ``source_kind``, describe the original source.

    Parameters
    ----------
    path : Path
        The ``.npz`` file.

    Returns
    -------
    WalkNetwork
    """
    return mark_cached(WalkNetwork.load(path), path)


def mark_cached(network: WalkNetwork, path: Path) -> WalkNetwork:
    """Record in ``provenance["cache_file"]`` the saved copy of ``network`` at ``path``.

    Set both when a network is read from its cache entry and right after a loader saved
    it there, so that a run with a cold cache and one with a warm cache describe the
    network (and so write their outputs) identically.

    Parameters
    ----------
    network : WalkNetwork
        The network (changed in place).
    path : Path
        Its ``.npz``.

    Returns
    -------
    WalkNetwork
        ``network``.
    """
    network.provenance["cache_file"] = str(Path(path).resolve())
    return network


def load_cache_entry(path: Path, *, source: str) -> WalkNetwork | None:
    """The network cached at ``path``, or None when the caller must (re)build it.

    A bad entry (corrupt, altered, incomplete, too old) is reported on stderr and None is
    returned, so that the caller rebuilds it from ``source`` and saves it over the entry
    (with ``replace_invalid=True``).

    Parameters
    ----------
    path : Path
        The cache entry (``.npz``) of a loader that knows its source.
    source : str
        The source it is rebuilt from, for the note.

    Returns
    -------
    WalkNetwork or None
    """
    if not path.exists():
        return None
    try:
        return load_cached(path)
    except NetworkFileError as exc:
        note(f"proximity: the cached network {path} {exc.reason}; rebuilding it from {source}.")
        return None


def note(msg: str) -> None:
    """Print ``msg`` (made terminal-safe) to stderr."""
    print(terminal_safe(msg), file=sys.stderr, flush=True)


def is_cached(path: Path) -> bool:
    """Whether both files of a saved network (``.npz`` and ``.json``) exist."""
    return path.exists() and path.with_suffix(".json").exists()


def crs_key(crs: Any) -> str:
    """A CRS in canonical form (``"EPSG:3006"``, else WKT), to compare CRS spellings."""
    from pyproj import CRS

    c = CRS.from_user_input(crs)
    epsg = c.to_epsg()
    return f"EPSG:{epsg}" if epsg else c.to_wkt()


def cache_key(obj: dict[str, Any]) -> str:
    """The hex SHA-256 of ``obj`` as key-sorted JSON (what a cache entry is named after)."""
    return text_sha256(json.dumps(obj, sort_keys=True))


def file_cache_path(source: Path, key: str, cache_dir: str | os.PathLike[str]) -> Path:
    """``<cache_dir>/<source stem>-<key[:16]>.npz``: the cache entry of a file source."""
    stem = source.name.split(".")[0] or "network"
    return Path(cache_dir) / f"{stem}-{key[:16]}.npz"


def online_cache_path(key: str, cache_dir: str | os.PathLike[str] | None) -> Path:
    """``online-<key[:16]>.npz`` in ``cache_dir``, default :func:`config.network_cache_dir`."""
    folder = Path(cache_dir) if cache_dir is not None else config.network_cache_dir()
    return folder / f"online-{key[:16]}.npz"
