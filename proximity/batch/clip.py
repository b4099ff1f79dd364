"""The pyosmium fallback of the split (no osmium-tool): several polygon extracts in 3 reads.

Nodes inside a buffered polygon, every way with at least one of them (with all its nodes:
complete ways) and every relation with such a node or way as a member (not relations of
relations) go to that region's file: the nodes and ways of ``osmium extract -s
complete_ways`` (tests/test_batch_clip.py compares them). Node ids are held in Python sets, so this is for small inputs (a county, tests); the
national split uses osmium-tool (:mod:`proximity.batch.split`). Each file's header carries
the buffered polygon's bounding box, as ``osmium extract`` writes it.
"""

from __future__ import annotations

import os
import resource
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from proximity.batch.split import Region, wgs84_polygon
from proximity.errors import InputFileError


def _nodes_inside(pbf: Path, polys: dict[str, Any]) -> dict[str, set[int]]:
    """Per region, the ids of the nodes inside its polygon."""
    import osmium

    ids, lon, lat = [], [], []
    for n in osmium.FileProcessor(str(pbf), osmium.osm.NODE):
        if n.location.valid():
            ids.append(n.id)
            lon.append(n.location.lon)
            lat.append(n.location.lat)
    a, x, y = np.array(ids, dtype=np.int64), np.array(lon), np.array(lat)
    return {c: set(a[shapely.contains_xy(p, x, y)].tolist()) for c, p in polys.items()}


def _ways(pbf: Path, inside: dict[str, set[int]]) -> tuple[dict[str, set], dict[str, set]]:
    """Per region, the ways touching it and every node they need."""
    import osmium

    ways: dict[str, set[int]] = {c: set() for c in inside}
    nodes = {c: set(s) for c, s in inside.items()}
    for w in osmium.FileProcessor(str(pbf), osmium.osm.WAY):
        refs = [n.ref for n in w.nodes]
        for c, s in inside.items():
            if any(r in s for r in refs):
                ways[c].add(w.id)
                nodes[c].update(refs)
    return ways, nodes


def _kept(o: Any, code: str, sets: tuple[dict, dict, dict]) -> bool:
    """Whether ``o`` goes to region ``code`` (sets: nodes inside, ways kept, nodes needed)."""
    inside, ways, nodes = sets
    if o.is_node():
        return o.id in nodes[code]
    if o.is_way():
        return o.id in ways[code]
    return any(
        (m.type == "n" and m.ref in inside[code]) or (m.type == "w" and m.ref in ways[code])
        for m in o.members
    )


def _write(pbf: Path, tmp: Path, polys: dict[str, Any], sets: tuple[dict, dict, dict]) -> None:
    import osmium

    writers = {}
    for c, p in polys.items():
        h = osmium.io.Header()
        x0, y0, x1, y1 = p.bounds
        h.add_box(osmium.osm.Box(osmium.osm.Location(x0, y0), osmium.osm.Location(x1, y1)))
        writers[c] = osmium.SimpleWriter(str(tmp / f"{c}.osm.pbf"), header=h)
    try:
        for o in osmium.FileProcessor(str(pbf)):
            for c, w in writers.items():
                if _kept(o, c, sets):
                    w.add(o)
    finally:
        for w in writers.values():
            w.close()


def clip_extracts(
    pbf: Path, regions: Sequence[Region], folder: Path, *, buffer_m: float
) -> dict[str, Any]:
    """Write ``<folder>/<code>.osm.pbf`` for each region (its polygon buffered by ``buffer_m``).

    Parameters
    ----------
    pbf : Path
        The OSM file to cut.
    regions : sequence of Region
        Polygons in EPSG:3006.
    folder : Path
        Output folder; files appear only when all are written.
    buffer_m : float
        Buffer (metres).

    Returns
    -------
    dict
        The pass record: ``level``, ``input``, ``n_extracts``, ``seconds``,
        ``peak_rss_bytes`` (this process's peak so far).

    Raises
    ------
    InputFileError
        When the file cannot be read.
    """
    t0 = time.perf_counter()
    polys = {r.code: wgs84_polygon(r.geometry, buffer_m) for r in regions}
    folder.mkdir(parents=True, exist_ok=True)
    try:
        inside = _nodes_inside(pbf, polys)
        ways, nodes = _ways(pbf, inside)
        with tempfile.TemporaryDirectory(dir=folder, prefix=".clip-") as tmp:
            _write(pbf, Path(tmp), polys, (inside, ways, nodes))
            for c in polys:
                os.replace(Path(tmp) / f"{c}.osm.pbf", folder / f"{c}.osm.pbf")
    except RuntimeError as exc:  # pyosmium's read errors
        raise InputFileError(
            f"pyosmium could not read the OSM file: {exc}",
            file=pbf,
            fix="Check that it is a complete .osm.pbf (e.g. download it again).",
        ) from exc
    return dict(
        level="municipality",
        input=pbf.name,
        input_bytes=pbf.stat().st_size,
        n_extracts=len(polys),
        seconds=round(time.perf_counter() - t0, 3),
        peak_rss_bytes=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    )
