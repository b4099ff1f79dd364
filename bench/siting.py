"""Benchmark of the siting solvers (``python bench/siting.py``).

Instance: *synthetic random geometric coverage*, not a routed network (``bench/_common.py``
with a Helsingborg-scale graph is used if it offers ``helsingborg_scale_graph``; otherwise the
synthetic instance below). 30,000 demand points in a 20 km × 15 km municipality, clustered
around 40 neighbourhood centres (Gaussian, σ 300–1,200 m) plus a 10% rural scatter, weights
lognormal (mean ≈ 5 residents per point, ≈ 150k in total, Helsingborg's order of magnitude);
1,000 candidates drawn 70% near demand and 30% uniformly; coverage = within T = 15 min of
walking at 1.33 m/s over a network with detour factor 1.3, i.e. a straight-line radius of
15·60·1.33/1.3 ≈ 921 m; 100 existing offices are *not* modelled (k = 10 from scratch).

Prints: heuristic (greedy + interchange) time and objective, exact HiGHS time, status, bound
and gap, a comparison with spopt's MCLP (PuLP + CBC, or HiGHS_CMD if available) on
2,000 × 200 and 5,000 × 500 instances of the same kind, and the exact p-median against
spopt's PMedian + CBC at ``--pmedian-sizes`` (default 100×5, 205×16, 205×20, 500×50; p = 4;
complete crow-fly matrices; median of 3 solves each).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np
import scipy.sparse as sp
from scipy.spatial import cKDTree

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from proximity.siting import SitingProblem, heuristic, highs

SPEED_M_S = 1.3  # the adult profile (proximity.profiles)
DETOUR = 1.3


def synthetic(n_demand: int, n_cand: int, threshold_min: float, seed: int = 42):
    """Clustered random geometric coverage instance (see the module docstring)."""
    rng = np.random.default_rng(seed)
    W, H = 20_000.0, 15_000.0
    n_centres = 40
    centres = rng.uniform([0, 0], [W, H], size=(n_centres, 2))
    sigma = rng.uniform(300, 1200, n_centres)
    n_urban = int(n_demand * 0.9)
    which = rng.integers(0, n_centres, n_urban)
    urban = centres[which] + rng.normal(size=(n_urban, 2)) * sigma[which, None]
    rural = rng.uniform([0, 0], [W, H], size=(n_demand - n_urban, 2))
    dem = np.vstack([urban, rural])
    w = np.round(rng.lognormal(1.2, 0.8, n_demand)).clip(1)
    n_near = int(n_cand * 0.7)
    cand = np.vstack(
        [
            dem[rng.integers(0, n_demand, n_near)] + rng.normal(scale=100, size=(n_near, 2)),
            rng.uniform([0, 0], [W, H], size=(n_cand - n_near, 2)),
        ]
    )
    radius = threshold_min * 60 * SPEED_M_S / DETOUR
    d = cKDTree(cand).sparse_distance_matrix(cKDTree(dem), radius, output_type="coo_matrix")
    cover = sp.csr_matrix((np.ones(d.nnz, bool), (d.row, d.col)), shape=(n_cand, n_demand))
    # the coo output keeps 0-distance pairs (a candidate exactly on a demand point) as
    # explicit zeros, and the cover is built from its structure: they count as covered
    return (
        SitingProblem(
            demand_weight=w,
            demand_area=np.full(n_demand, "A"),
            candidate_ids=np.array([f"c{j:05d}" for j in range(n_cand)]),
            candidate_area=np.full(n_cand, "A"),
            cover=cover,
            k=10,
            threshold_min=threshold_min,
        ),
        dem,
        cand,
    )


def network_instance(n_demand: int, n_cand: int, threshold_min: float, seed: int = 42):
    """Demand and candidates on the Helsingborg-scale graph of ``bench/_common.py`` (the real
    Helsinki OSM extract tiled 5 × 5, ≈ 156k nodes; real street geometry at a synthetic scale,
    not Helsingborg), snapped and routed with this project's bounded matrix."""
    from _common import helsingborg_scale_graph, points_near_edges

    from proximity.routing import bounded_matrix
    from proximity.snap import snap

    t0 = time.perf_counter()
    net = helsingborg_scale_graph()
    t_net = time.perf_counter() - t0
    rng = np.random.default_rng(seed)
    dem = points_near_edges(net, n_demand, rng)
    cand = points_near_edges(net, n_cand, rng)
    w = np.round(rng.lognormal(1.2, 0.8, n_demand)).clip(1)
    t0 = time.perf_counter()
    ds = snap(net, dem, max_snap_m=300)
    cs = snap(net, cand, max_snap_m=300)
    m = bounded_matrix(net, cs, ds, threshold_min * 60 * SPEED_M_S, progress=False)
    t_route = time.perf_counter() - t0
    cover = sp.csr_matrix((np.ones(m.nnz, bool), m.indices, m.indptr), shape=m.shape)
    P = SitingProblem(
        demand_weight=w,
        demand_area=np.full(n_demand, "A"),
        candidate_ids=np.array([f"c{j:05d}" for j in range(n_cand)]),
        candidate_area=np.full(n_cand, "A"),
        cover=cover,
        k=10,
        threshold_min=threshold_min,
    )
    desc = (
        f"network: {net.provenance.get('source', 'tiled Helsinki')} — {net.n_nodes:,} nodes; "
        f"graph {t_net:.1f} s, snap + bounded matrix {t_route:.1f} s; walking {SPEED_M_S} m/s"
    )
    return P, desc


def spopt_compare(n_demand: int, n_cand: int, k: int, threshold_min: float, time_limit_s: float):
    import pulp
    from spopt.locate import MCLP

    P, _, _ = synthetic(n_demand, n_cand, threshold_min, seed=7)
    P = SitingProblem(P.demand_weight, P.demand_area, P.candidate_ids, P.candidate_area, P.cover, k)
    avail = pulp.listSolvers(onlyAvailable=True)
    if "HiGHS_CMD" in avail:
        solver, name = pulp.HiGHS_CMD(msg=False, timeLimit=time_limit_s), "HiGHS_CMD"
    elif "HiGHS" in avail:
        solver, name = pulp.HiGHS(msg=False, timeLimit=time_limit_s), "HiGHS"
    else:
        solver, name = pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit_s), "PULP_CBC_CMD"
    # spopt's cost matrix is demand × facility; service_radius 1.0 on a 0/2 matrix = cover
    cost = np.where(P.cover.T.toarray(), 0.0, 2.0)
    t0 = time.perf_counter()
    m = MCLP.from_cost_matrix(
        cost, P.demand_weight, service_radius=1.0, p_facilities=k, name="mclp"
    )
    m = m.solve(solver)
    t_spopt = time.perf_counter() - t0
    status = pulp.LpStatus[m.problem.status]
    chosen = [j for j in range(n_cand) if m.fac_vars[j].value() > 0.5]
    obj_spopt = P.objective(chosen, "mclp")
    t0 = time.perf_counter()
    ours = highs(P, "mclp", time_limit_s=time_limit_s)
    t_ours = time.perf_counter() - t0
    return {
        "size": f"{n_demand} × {n_cand}, k={k}",
        "spopt_solver": name,
        "spopt_status": status,
        "spopt_objective": obj_spopt,
        "spopt_s": t_spopt,
        "ours_status": ours.status,
        "ours_solver": ours.solver + (f" ({ours.info['proof']})" if "proof" in ours.info else ""),
        "ours_objective": ours.objective,
        "ours_s": t_ours,
    }


def pmedian_compare(n_demand: int, n_cand: int, k: int, repeat: int = 3) -> dict:
    """Exact p-median, ours (HiGHS, formulation chosen by size) vs spopt's PMedian + CBC.

    Clustered random geometric instance (seed 11), complete matrix of crow-fly walking
    minutes × the detour factor; the time cap lies above every cost (nobody is counted at
    the cap), as in tests/test_siting_spopt.py. Median wall time of ``repeat`` solves each.
    """
    import pulp
    from scipy.spatial.distance import cdist
    from spopt.locate import PMedian

    _, dem, cand = synthetic(n_demand, max(n_cand, 10), 15.0, seed=11)  # builds k = 10
    cand = cand[:n_cand]
    w = np.random.default_rng(11).integers(1, 60, n_demand).astype(float)
    minutes = cdist(dem, cand) * DETOUR / SPEED_M_S / 60.0  # demand × candidate
    P = SitingProblem(
        demand_weight=w,
        demand_area=np.full(n_demand, "A"),
        candidate_ids=np.array([f"c{j:05d}" for j in range(n_cand)]),
        candidate_area=np.full(n_cand, "A"),
        cover=sp.csr_matrix((n_cand, n_demand), dtype=bool),
        k=k,
        time_min=minutes.T,
        time_cap_min=float(minutes.max()) + 1.0,
    )
    t_ours, t_spopt = [], []
    for _ in range(repeat):
        t0 = time.perf_counter()
        ours = highs(P, "p_median", time_limit_s=120.0)
        t_ours.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        m = PMedian.from_cost_matrix(minutes, w, k).solve(pulp.PULP_CBC_CMD(msg=False))
        t_spopt.append(time.perf_counter() - t0)
    chosen = [j for j in range(n_cand) if m.fac_vars[j].value() > 0.5]
    return {
        "size": f"{n_demand} × {n_cand}, p={k}",
        "ours_s": float(np.median(t_ours)),
        "spopt_s": float(np.median(t_spopt)),
        "ours_objective": ours.objective,
        "spopt_objective": P.objective(chosen, "p_median"),
        "ours_status": ours.status,
        "spopt_status": pulp.LpStatus[m.problem.status],
        "cutoff": ours.info["cutoff"],
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--demand", type=int, default=30_000)
    ap.add_argument("--candidates", type=int, default=1_000)
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--threshold-min", type=float, default=15.0)
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument(
        "--instance",
        choices=["network", "geometric"],
        default="network",
        help="network: Helsingborg-scale graph from bench/_common.py (default); "
        "geometric: clustered random geometric coverage",
    )
    ap.add_argument("--no-spopt", action="store_true")
    ap.add_argument(
        "--no-cutoff-run",
        action="store_true",
        help="skip the extra exact solve without the heuristic cutoff",
    )
    ap.add_argument(
        "--pmedian-sizes",
        default="100x5,205x16,205x20,500x50",
        help="demand x candidates instances for the p-median comparison with spopt (p=4)",
    )
    ap.add_argument(
        "--spopt-sizes",
        default="2000x200,5000x500",
        help="demand x candidates instances for the spopt comparison",
    )
    a = ap.parse_args(argv)
    from _common import machine

    print(f"Machine: {machine()}")
    t0 = time.perf_counter()
    if a.instance == "network":
        P, desc = network_instance(a.demand, a.candidates, a.threshold_min)
        P = SitingProblem(
            P.demand_weight,
            P.demand_area,
            P.candidate_ids,
            P.candidate_area,
            P.cover,
            a.k,
            threshold_min=a.threshold_min,
        )
        print(f"Instance: synthetic demand and candidates on a routed {desc}")
    else:
        P, _, _ = synthetic(a.demand, a.candidates, a.threshold_min)
        P = SitingProblem(
            P.demand_weight,
            P.demand_area,
            P.candidate_ids,
            P.candidate_area,
            P.cover,
            a.k,
            threshold_min=a.threshold_min,
        )
        print(
            "Instance: synthetic random geometric coverage (clustered), not a routed network; "
            f"radius {a.threshold_min * 60 * SPEED_M_S / DETOUR:.0f} m crow-fly"
        )
    t_build = time.perf_counter() - t0
    total_w = P.demand_weight.sum()
    print(
        f"  {a.demand} demand × {a.candidates} candidates, k={a.k}, T={a.threshold_min} min, "
        f"cover nnz={P.cover.nnz:,} ({P.cover.nnz / a.candidates:,.0f} per candidate), "
        f"total weight={total_w:,.0f}, built in {t_build:.1f} s"
    )
    h = heuristic(P, "mclp")
    print(
        f"heuristic  greedy+interchange  {h.time_s:7.2f} s  objective {h.objective:,.0f} "
        f"({h.objective / total_w:.2%}); greedy alone {h.info['greedy_objective']:,.0f}"
    )
    ex = highs(P, "mclp", time_limit_s=a.time_limit, warm=h)
    print(
        f"exact      {ex.solver:<18} {ex.time_s:7.2f} s  objective {ex.objective:,.0f}  "
        f"bound {ex.bound:,.1f}  gap {ex.gap:.4%}  status {ex.status}  "
        f"(groups {ex.info['n_groups']:,} of {ex.info['n_demand_active']:,} demand; "
        f"proof: {ex.info.get('proof', 'highs')}; Lagrangian bound "
        f"{ex.info.get('lagrangian_bound')} after {ex.info.get('lagrangian_iterations')} steps)"
    )
    print(f"heuristic vs exact: {(ex.objective - h.objective) / ex.objective:.4%} below")
    ok_h = h.time_s < 2.0
    ok_e = ex.status == "optimal" or ex.gap <= 0.005
    print(
        f"targets: heuristic < 2 s: {'PASS' if ok_h else 'FAIL'}; exact optimal or gap ≤ 0.5% "
        f"within {a.time_limit:.0f} s: {'PASS' if ok_e else 'FAIL'}"
    )
    if not a.no_cutoff_run:
        ex2 = highs(P, "mclp", time_limit_s=a.time_limit, use_cutoff=False, lagrangian=False)
        print(
            f"plain HiGHS (no cutoff, no Lagrangian): {ex2.time_s:7.2f} s  objective "
            f"{ex2.objective:,.0f}  bound {ex2.bound:,.1f}  gap {ex2.gap:.4%}  status {ex2.status}"
        )
    if a.no_spopt:
        return 0
    for size in a.spopt_sizes.split(","):
        nd, nc = (int(v) for v in size.lower().split("x"))
        r = spopt_compare(nd, nc, 5, a.threshold_min, a.time_limit)
        print(f"spopt comparison ({r['size']}, clustered random geometric instance):")
        print(
            f"  spopt MCLP + {r['spopt_solver']:<13} {r['spopt_s']:7.2f} s  objective "
            f"{r['spopt_objective']:,.0f}  status {r['spopt_status']}"
        )
        print(
            f"  proximity exact             {r['ours_s']:7.2f} s  objective "
            f"{r['ours_objective']:,.0f}  status {r['ours_status']}  [{r['ours_solver']}]"
        )
        same = abs(r["spopt_objective"] - r["ours_objective"]) <= 1e-6 * r["ours_objective"]
        both = r["spopt_status"] == "Optimal" and r["ours_status"] == "optimal"
        print(f"  objectives match: {same} (both proved optimal: {both})")
        if both and not same:
            return 1
    return _pmedian_section(a.pmedian_sizes)


def _pmedian_section(sizes: str) -> int:
    """The p-median comparison with spopt at each size; 1 if the optima differ."""
    print("p-median, exact: proximity (HiGHS) vs spopt PMedian + CBC, median of 3 solves each")
    worse = 0
    for size in sizes.split(","):
        nd, nc = (int(v) for v in size.lower().split("x"))
        r = pmedian_compare(nd, nc, 4)
        same = abs(r["spopt_objective"] - r["ours_objective"]) <= 1e-9 * r["ours_objective"]
        faster = r["ours_s"] < r["spopt_s"]
        worse += not faster
        print(
            f"  {r['size']:<18} ours {r['ours_s']:6.3f} s ({r['ours_status']}, cutoff row "
            f"{'on' if r['cutoff'] else 'off'})  spopt {r['spopt_s']:6.3f} s "
            f"({r['spopt_status']})  ratio {r['spopt_s'] / r['ours_s']:.1f}×  "
            f"objectives match: {same}"
        )
        if not same:
            return 1
    print(f"exact p-median faster than spopt at {'every size' if not worse else 'NOT every size'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
