"""Local OSM files (``.osm.pbf``, ``.osm``, ``.osm.bz2``/``.gz``) read with pyosmium.

Ways that reference nodes missing from a clipped extract are split there, never fatal. With
a clip area, ways entirely outside its lon/lat box are skipped before their coordinates are
collected.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from proximity import _osm
from proximity._io import file_sha256
from proximity.network.assemble import Segments, assemble
from proximity.network.cache import cache_key, file_cache_path, load_cache_entry, mark_cached
from proximity.network.clip import Clip, touches_box
from proximity.network.graph import WalkNetwork
from proximity.network.profile import PedestrianProfile
from proximity.network.saved import save_npz


def load_file(
    path: Path,
    *,
    clip: Clip | None,
    crs: str | None,
    cache_dir: str | os.PathLike[str] | None,
    profile: PedestrianProfile,
    progress: bool,
) -> WalkNetwork:
    """Build the walking network of an OSM file, or read it from ``cache_dir``.

    Parameters
    ----------
    path : Path
        An existing ``.osm.pbf``, ``.osm`` or compressed ``.osm`` file.
    clip : Clip or None
        The clip area.
    crs : str or None
        Target metric CRS (None: chosen from the area).
    cache_dir : str or path-like or None
        Cache folder; None: no caching. The entry is keyed by the file's content hash,
        the profile version, the clip and the CRS; a bad entry (corrupt, altered, older
        format) is rebuilt from ``path``, with a note on stderr.
    profile : PedestrianProfile
        The tag filter.
    progress : bool
        Show a progress bar while reading.

    Returns
    -------
    WalkNetwork
    """
    fmt = _osm.detect_format(path)
    sha = file_sha256(path)
    cache_path: Path | None = None
    if cache_dir is not None:
        key = cache_key(
            {
                "source_sha256": sha,
                "profile": profile.version,
                "clip": None if clip is None else clip.describe(),
                "crs": crs,
            }
        )
        cache_path = file_cache_path(path, key, cache_dir)
        cached = load_cache_entry(cache_path, source=str(path))
        if cached is not None:
            return cached

    t0 = time.perf_counter()
    segs, max_ts = parse_osm_file(path, fmt, profile=profile, clip=clip, progress=progress)
    net = assemble(
        segs,
        clip=clip,
        crs=crs,
        provenance=_file_provenance(path, fmt, sha=sha, max_ts=max_ts),
        describe_source=str(path),
        profile=profile,
    )
    net.timings["parse_seconds"] = round(time.perf_counter() - t0, 3)
    if cache_path is not None:
        save_npz(net, cache_path, replace_invalid=True)
        mark_cached(net, cache_path)
    return net


def _file_provenance(path: Path, fmt: str, *, sha: str, max_ts: Any) -> dict[str, Any]:
    """Source, kind, hash and OSM timestamp (the header's, else the newest walkable way's)."""
    header_ts = _osm.osm_header_timestamp(path, fmt)
    return {
        "source": str(path.resolve()),
        "source_kind": "pbf" if fmt == "pbf" else "osm",
        "source_sha256": sha,
        "osm_timestamp": header_ts or (max_ts.strftime("%Y-%m-%dT%H:%M:%SZ") if max_ts else None),
        "osm_timestamp_kind": "header" if header_ts else ("max_way_timestamp" if max_ts else None),
    }


def parse_osm_file(
    path: Path,
    fmt: str,
    *,
    profile: PedestrianProfile,
    clip: Clip | None,
    progress: bool,
) -> tuple[Segments, Any]:
    """Read the walkable ways of an OSM file into :class:`Segments` (pyosmium).

    Parameters
    ----------
    path : Path
        The OSM file.
    fmt : str
        Its format as detected by :func:`proximity._osm.detect_format`.
    profile : PedestrianProfile
        The tag filter.
    clip : Clip or None
        Ways outside its lon/lat box are skipped.
    progress : bool
        Show a progress bar.

    Returns
    -------
    segments, max_timestamp
        The segments and the newest timestamp of a walkable way (None if none has one).
    """
    from tqdm import tqdm

    segs = Segments()
    box = clip.lonlat_bbox() if clip is not None else None
    max_ts = None
    with tqdm(
        desc=f"Reading {path.name}", unit=" walkable ways", disable=not progress, mininterval=0.5
    ) as bar:
        for way in _osm.iter_ways(path, keys=("highway",), where=profile.is_walkable, fmt=fmt):
            bar.update()
            if box is not None and not touches_box(way.lon, way.lat, box):
                continue
            if way.timestamp is not None and (max_ts is None or way.timestamp > max_ts):
                max_ts = way.timestamp
            segs.add_way(way.id, way.tags["highway"], way.node_ids, way.lon, way.lat)
    return segs, max_ts
