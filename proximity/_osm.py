"""Small, generic pyosmium helpers: recognise OSM files and stream their ways with coordinates.

These helpers know nothing about walking; :mod:`proximity.network` applies the pedestrian
profile on top of them, and other modules (e.g. service features) may reuse them.

Formats: OSM PBF (``.osm.pbf``, ``.pbf``), OSM XML (``.osm``, ``.xml``), and XML compressed
with bzip2 or gzip (``.osm.bz2``, ``.osm.gz``). The format is recognised from the file's first
bytes (so a CSV renamed ``.osm`` is rejected before parsing), not only from its name.
"""

from __future__ import annotations

import bz2
import datetime as _dt
import gzip
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from proximity.errors import InputFileError

#: What :func:`detect_format` accepts, for error messages.
ACCEPTED_FORMATS = (
    "OSM PBF (.osm.pbf), OSM XML (.osm) or bzip2/gzip-compressed OSM XML (.osm.bz2, .osm.gz)"
)


@dataclass(frozen=True)
class OsmWay:
    """One OSM way with its node references and coordinates.

    Attributes
    ----------
    id
        OSM way id.
    tags
        The way's tags.
    node_ids
        OSM node ids (int64), in way order.
    lon, lat
        Node coordinates in degrees (float64); ``nan`` where the node is missing from the
        extract (clipped extracts reference nodes outside their area).
    timestamp
        The way's last-edit time (UTC) if the file records it, else None.
    """

    id: int
    tags: dict[str, str]
    node_ids: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    timestamp: _dt.datetime | None


def detect_format(path: str | os.PathLike[str]) -> str:
    """The pyosmium format string of an OSM file, judged from its first bytes.

    Parameters
    ----------
    path : str or path-like
        The file.

    Returns
    -------
    str
        ``"pbf"``, ``"osm"``, ``"osm.bz2"`` or ``"osm.gz"``.

    Raises
    ------
    InputFileError
        If the file is missing, unreadable, or not an OSM file.
    """
    p = Path(path)
    if not p.exists():
        raise InputFileError(
            "OSM file not found.",
            file=p,
            fix="Check the path, or download an extract (e.g. https://download.geofabrik.de/"
            "europe/sweden-latest.osm.pbf) and pass its path.",
        )
    try:
        with open(p, "rb") as fh:
            head = fh.read(4096)
    except OSError as exc:
        raise InputFileError(
            f"Cannot read OSM file: {exc.strerror or exc}",
            file=p,
            fix="Check the file's permissions.",
        ) from exc
    fmt: str | None = None
    if head[:3] == b"BZh":
        fmt = "osm.bz2" if _xml_like(_peek_compressed(p, bz2.open)) else None
    elif head[:2] == b"\x1f\x8b":
        fmt = "osm.gz" if _xml_like(_peek_compressed(p, gzip.open)) else None
    elif len(head) >= 13 and b"OSMHeader" in head[4:24]:
        fmt = "pbf"
    elif _xml_like(head):
        fmt = "osm"
    if fmt is None:
        raise InputFileError(
            "Not an OpenStreetMap file (its content is neither OSM PBF nor OSM XML).",
            file=p,
            fix=f"Pass an OSM extract: {ACCEPTED_FORMATS}. Geofabrik's sweden-latest.osm.pbf "
            "works; CSV, GeoJSON or shapefiles are not OSM data.",
        )
    return fmt


def _peek_compressed(p: Path, opener) -> bytes:  # type: ignore[no-untyped-def]
    try:
        with opener(p, "rb") as fh:
            return fh.read(4096)
    except (OSError, EOFError, ValueError):
        return b""


def _xml_like(head: bytes) -> bool:
    """XML whose start (declaration, comments) leads to an ``<osm`` root element."""
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    return text.startswith(b"<") and b"<osm" in text


def osm_header_timestamp(path: str | os.PathLike[str], fmt: str | None = None) -> str | None:
    """The file header's ``osmosis_replication_timestamp``.

    Parameters
    ----------
    path : str or path-like
        The OSM file.
    fmt : str, optional
        Its pyosmium format (detected from the content if None).

    Returns
    -------
    str or None
        ISO 8601, or None if the header has none.
    """
    import osmium

    fmt = fmt or detect_format(path)
    try:
        reader = osmium.io.Reader(osmium.io.File(str(path), fmt), osmium.osm.NOTHING)
        try:
            value = reader.header().get("osmosis_replication_timestamp")
        finally:
            reader.close()
    except RuntimeError:
        return None
    return value or None


def iter_ways(
    path: str | os.PathLike[str],
    *,
    keys: Sequence[str] = ("highway",),
    where: Callable[[Mapping[str, str]], bool] | None = None,
    fmt: str | None = None,
    location_storage: str = "flex_mem",
) -> Iterator[OsmWay]:
    """Stream the ways of an OSM file that carry any of ``keys``, with node coordinates.

    Node locations are cached by pyosmium (``location_storage``; use ``"sparse_file_array"``
    or ``"dense_file_array,<file>"`` for very large files). Nodes referenced by a way but
    absent from the file get ``nan`` coordinates instead of raising, so callers can split the
    way there.

    Parameters
    ----------
    path
        An OSM file (see :data:`ACCEPTED_FORMATS`).
    keys
        Only ways having at least one of these tag keys are yielded; empty = all ways.
    where
        Optional predicate on the tags, checked before node coordinates are collected
        (cheaper than filtering the yielded ways).
    fmt
        pyosmium format string; detected from the content if None.
    location_storage
        pyosmium node-location index type.

    Yields
    ------
    OsmWay
        One per matching way, in file order.

    Raises
    ------
    InputFileError
        If the file is missing, not OSM, or pyosmium fails to parse it.
    """
    import osmium

    fmt = fmt or detect_format(path)
    fp = (
        osmium.FileProcessor(osmium.io.File(str(path), fmt), osmium.osm.NODE | osmium.osm.WAY)
        .with_locations(location_storage)
        .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
    )
    if keys:
        fp = fp.with_filter(osmium.filter.KeyFilter(*keys))
    try:
        for w in fp:
            tags = {t.k: t.v for t in w.tags}
            if where is not None and not where(tags):
                continue
            refs = w.nodes
            n = len(refs)
            ids = np.empty(n, np.int64)
            lon = np.full(n, np.nan)
            lat = np.full(n, np.nan)
            for i, nd in enumerate(refs):
                ids[i] = nd.ref
                loc = nd.location
                if loc.valid():
                    lon[i] = loc.lon
                    lat[i] = loc.lat
            ts = w.timestamp
            yield OsmWay(
                id=int(w.id),
                tags=tags,
                node_ids=ids,
                lon=lon,
                lat=lat,
                timestamp=ts if ts is not None and ts.year > 1970 else None,
            )
    except RuntimeError as exc:  # pyosmium parse errors (bad XML, truncated PBF, ...)
        raise InputFileError(
            f"Cannot parse OSM file: {exc}",
            file=path,
            fix=f"Check that the file is complete and valid ({ACCEPTED_FORMATS}); "
            "download it again if it was truncated.",
        ) from exc
