"""Saved networks: the ``.npz`` + ``.json`` format, cache keys and cache paths.

A network is saved as compressed arrays (``.npz``) next to a ``.json`` file holding its CRS
and provenance. File sources are cached only when ``cache_dir`` is given; online downloads
always are, by default under :func:`proximity.config.network_cache_dir`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from proximity import config
from proximity._io import atomic_path, text_sha256, write_json_atomic
from proximity.errors import InputFileError
from proximity.network.graph import WalkNetwork


def _npz(path: str | os.PathLike[str]) -> Path:
    path = Path(path)
    return path if path.suffix == ".npz" else path.with_suffix(".npz")


def save_npz(network: WalkNetwork, path: str | os.PathLike[str]) -> Path:
    """Save ``network`` as ``path`` (``.npz``) plus ``path.json`` (CRS, provenance), atomically.

    Parameters
    ----------
    network : WalkNetwork
        The network.
    path : str or path-like
        The ``.npz`` file (another suffix is replaced by ``.npz``).

    Returns
    -------
    Path
        The ``.npz`` file written.
    """
    path = _npz(path)
    with atomic_path(path, suffix=".npz") as tmp:
        np.savez_compressed(
            tmp,
            node_osm_id=network.node_osm_id,
            node_x=network.node_x,
            node_y=network.node_y,
            edge_u=network.edge_u,
            edge_v=network.edge_v,
            edge_length_m=network.edge_length_m,
            edge_highway=network.edge_highway.astype(str),
            edge_way_id=network.edge_way_id,
        )
    write_json_atomic(
        path.with_suffix(".json"), {"crs": network.crs, "provenance": network.provenance}
    )
    return path


def read_npz(cls: type[WalkNetwork], path: str | os.PathLike[str]) -> WalkNetwork:
    """Read a network written by :func:`save_npz` (no OSM parsing).

    Parameters
    ----------
    cls : type
        :class:`~proximity.network.WalkNetwork` (or a subclass) to build.
    path : str or path-like
        The ``.npz`` file; its ``.json`` sidecar must sit next to it.

    Returns
    -------
    WalkNetwork

    Raises
    ------
    InputFileError
        If the files are missing or unreadable.
    """
    path = _npz(path)
    meta_path = path.with_suffix(".json")
    if not path.exists() or not meta_path.exists():
        raise InputFileError(
            "Cached network not found.",
            file=path,
            fix="Build it first (proximity network fetch ...) or point to an existing cache.",
        )
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError) as exc:
        raise InputFileError(
            f"Cached network is unreadable: {exc}",
            file=path,
            fix="Delete the cache files and build the network again.",
        ) from exc
    return cls(crs=meta["crs"], provenance=meta.get("provenance", {}), **arrays)


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
    net = WalkNetwork.load(path)
    net.provenance["cache_file"] = str(Path(path).resolve())
    return net


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
