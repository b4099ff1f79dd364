"""Loading a walking network: :func:`load_network` picks the reader for its source.

- ``.osm.pbf`` / ``.osm`` / ``.osm.bz2`` / ``.osm.gz``: :mod:`proximity.network.pbf`;
- a cached ``.npz``: :mod:`proximity.network.cache`;
- a place name or a polygon: online, through osmnx and Overpass (``_online``).
"""

from __future__ import annotations

import functools
import math
import os
from pathlib import Path
from typing import Any

from proximity import config
from proximity.errors import CRSError, InputFileError, ParameterError
from proximity.network._online import LOCAL_EXTRACT_FIX, load_online
from proximity.network.cache import crs_key, load_cached
from proximity.network.clip import Clip, is_polygon
from proximity.network.graph import WalkNetwork
from proximity.network.pbf import load_file
from proximity.network.profile import PEDESTRIAN_PROFILE, PedestrianProfile

#: File name endings treated as paths (a missing one is a missing file, not a place name).
_PATH_SUFFIXES = (".pbf", ".osm", ".bz2", ".gz", ".xml", ".npz", ".o5m")


def load_network(
    source: str | os.PathLike[str] | Any,
    *,
    boundary: Any = None,
    buffer_m: float = 500.0,
    crs: str | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    profile: PedestrianProfile = PEDESTRIAN_PROFILE,
    progress: bool | None = None,
    timeout_s: float | None = None,
) -> WalkNetwork:
    """Load the walking network from an OSM file, a cached network, or online.

    Parameters
    ----------
    source
        A path to ``.osm.pbf``, ``.osm``, ``.osm.bz2`` / ``.osm.gz`` (parsed with pyosmium), a
        cached ``.npz`` saved by :meth:`WalkNetwork.save`, or, online via osmnx + Overpass, a
        place name (a string that is not a path, e.g. ``"Helsingborgs kommun"``) or a shapely
        (Multi)Polygon in EPSG:4326.
    boundary
        Optional clip area: a shapely geometry in EPSG:4326, or a GeoDataFrame/GeoSeries with
        a CRS. Segments intersecting ``boundary`` buffered by ``buffer_m`` are kept.
    buffer_m
        Buffer in metres around ``boundary`` (and around an online query polygon), so that
        paths leaving and re-entering the area are kept.
    crs
        Target metric CRS; default :func:`~proximity.crs.metric_crs_for` the centre of the
        boundary (or of the data).
    cache_dir
        Network cache folder. Online results are always cached (default
        ``proximity.config.network_cache_dir()``); file sources only when given.
    profile
        The pedestrian tag filter.
    progress
        Show a progress bar; default ``proximity.config.progress_enabled()``.
    timeout_s
        Online request timeout (default :data:`ONLINE_TIMEOUT_S`).

    Returns
    -------
    WalkNetwork
        With provenance: ``source``, ``source_kind`` (pbf/osm/online; a network read from a
        cache keeps its original kind and gains ``cache_file``), ``source_sha256``,
        ``osm_timestamp``, ``profile``, ``crs``, ``clip``, ``created``, ``n_nodes``,
        ``n_edges``, ``largest_component_share``.

    Raises
    ------
    InputFileError
        Missing file, or a file that is not OSM.
    NetworkError
        Nothing walkable is left after filtering and clipping.
    OfflineError
        Overpass (or Nominatim) cannot be reached; the message says how to use a local extract.
    """
    if buffer_m < 0 or not math.isfinite(buffer_m):
        raise ParameterError(
            f"buffer_m must be a finite number >= 0, got {buffer_m}.", fix="Use e.g. buffer_m=500."
        )
    if timeout_s is not None and not (math.isfinite(timeout_s) and timeout_s > 0):
        raise ParameterError(
            f"timeout_s must be a finite number of seconds > 0, got {timeout_s}.",
            fix="Use e.g. timeout_s=180, or leave it out.",
        )
    clip = Clip.from_boundary(boundary, buffer_m)
    online = functools.partial(
        load_online,
        clip=clip,
        buffer_m=buffer_m,
        crs=crs,
        cache_dir=cache_dir,
        profile=profile,
        timeout_s=timeout_s,
    )
    if is_polygon(source):
        return online(None, source)
    if not isinstance(source, (str, os.PathLike)):
        raise InputFileError(
            f"Cannot load a network from {type(source).__name__}.",
            fix="Pass a path to an .osm.pbf/.osm/.osm.bz2/.npz file, a place name, or a "
            "shapely polygon in EPSG:4326.",
        )
    path = Path(source).expanduser()
    if not path.exists():
        if _looks_like_path(source):
            raise InputFileError(
                "Network source file not found.",
                file=path,
                fix="Check the path. " + LOCAL_EXTRACT_FIX,
            )
        return online(str(source), None)
    if path.is_dir():
        raise InputFileError(
            "Network source is a folder, not a file.",
            file=path,
            fix="Pass an .osm.pbf, .osm, .osm.bz2 or cached .npz file.",
        )
    if path.suffix.lower() == ".npz":  # saved arrays: boundary/buffer are not re-applied
        return _load_npz(path, crs=crs)
    show = config.progress_enabled() if progress is None else bool(progress)
    return load_file(path, clip=clip, crs=crs, cache_dir=cache_dir, profile=profile, progress=show)


def _looks_like_path(source: str | os.PathLike[str]) -> bool:
    """Whether a missing ``source`` is a missing file rather than a place name."""
    text = str(source)
    return (
        isinstance(source, os.PathLike)
        or text.lower().endswith(_PATH_SUFFIXES)
        or (os.sep in text or "/" in text)
    )


def _load_npz(path: Path, *, crs: str | None) -> WalkNetwork:
    """A saved network; ``crs``, when given, must be the one it was built in."""
    net = load_cached(path)
    if crs is not None and crs_key(crs) != crs_key(net.crs):
        raise CRSError(
            f"The cached network is in {net.crs}, not in the requested {crs}.",
            file=path,
            fix="Rebuild it from the OSM extract with crs=..., or drop the crs argument.",
        )
    return net
