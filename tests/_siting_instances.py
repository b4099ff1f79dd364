"""Random siting instances and their brute force, shared by the array-level siting tests.

Use from any test module (pytest puts ``tests/`` on ``sys.path``)::

    from _siting_instances import make_instance, brute_force, solved
"""

from __future__ import annotations

import functools
import itertools

import numpy as np
import scipy.sparse as sp

from proximity.siting import SitingProblem, Solution, heuristic, highs


def make_instance(
    seed: int, *, areas: str | None = None, fixed: bool = False
) -> tuple[SitingProblem, dict]:
    """Random geometric instance: ≤ 12 candidates, ≤ 60 demand points, k ≤ 3.

    Times are 3 min per unit of straight-line distance in a 10 × 10 square; coverage is
    ``t ≤ T``; p-median times are kept up to ``cap = 2.5 T``; 0–2 existing offices.
    Returns the problem and the dense arrays the brute force uses.
    """
    rng = np.random.default_rng(seed)
    nc = int(rng.integers(4, 13))
    nd = int(rng.integers(10, 61))
    k = int(min(rng.integers(1, 4), nc))
    dem = rng.uniform(0, 10, (nd, 2))
    cand = rng.uniform(0, 10, (nc, 2))
    t = np.linalg.norm(cand[:, None] - dem[None], axis=2) * 3.0
    T = float(rng.uniform(4, 10))
    cap = 2.5 * T
    w = rng.integers(1, 200, nd).astype(float)
    n_ex = int(rng.integers(0, 3))
    ex = rng.uniform(0, 10, (n_ex, 2))
    et = (
        (np.linalg.norm(ex[:, None] - dem[None], axis=2) * 3.0).min(0)
        if n_ex
        else np.full(nd, np.inf)
    )
    et = np.where(et <= cap, et, np.inf)
    ca = np.where(cand[:, 0] < 5, "west", "east")
    da = np.where(dem[:, 0] < 5, "west", "east")
    ids = [f"c{j:02d}" for j in range(nc)]
    kw: dict = {}
    if areas == "max":
        kw["max_per_area"] = {"west": 1, "east": 1}
        k = min(k, int((ca == "west").any()) + int((ca == "east").any()))
    elif areas == "min":
        kw["min_per_area"] = {a: 1 for a in ("west", "east") if (ca == a).any()}
        k = max(k, len(kw["min_per_area"]))
    if fixed:
        kw["fixed"] = (ids[0],)
        k = max(k, 2)
    m = t <= cap
    P = SitingProblem(
        demand_weight=w,
        demand_area=da,
        candidate_ids=ids,
        candidate_area=ca,
        cover=sp.csr_matrix(t <= T),
        k=k,
        time_min=sp.csr_matrix((t[m], np.nonzero(m)), shape=t.shape),
        time_cap_min=cap,
        existing_covered=et <= T,
        existing_time_min=et,
        threshold_min=T,
        **kw,
    )
    return P, {"t": t, "T": T, "cap": cap, "w": w, "et": et, "ca": ca, "k": k, "kw": kw, "ids": ids}


def brute_force(d: dict, model: str) -> float:
    """Enumerate every feasible k-subset; objective computed here from the dense arrays."""
    t, T, cap, w, et, ca, k, kw, ids = (
        d[x] for x in ("t", "T", "cap", "w", "et", "ca", "k", "kw", "ids")
    )
    best = -np.inf if model == "mclp" else np.inf
    for S in itertools.combinations(range(len(ids)), k):
        S = list(S)
        if any(ids.index(f) not in S for f in kw.get("fixed", ())):
            continue
        cnt = {a: sum(ca[j] == a for j in S) for a in ("west", "east")}
        if any(cnt[a] > v for a, v in kw.get("max_per_area", {}).items()):
            continue
        if any(cnt[a] < v for a, v in kw.get("min_per_area", {}).items()):
            continue
        if model == "mclp":
            cov = (et <= T) | (t[S] <= T).any(axis=0)
            val = float(w[cov].sum())
            best = max(best, val)
        else:
            tt = np.where(t[S] <= cap, t[S], np.inf).min(axis=0)
            val = float(w @ np.minimum(np.minimum(et, cap), tt))
            best = min(best, val)
    return best


SEEDS = range(25)
VARIANTS = [None, "max", "min", "fixed"]


def variant_instance(seed: int, variant: str | None) -> tuple[SitingProblem, dict]:
    if variant == "fixed":
        return make_instance(seed, fixed=True)
    return make_instance(seed, areas=variant)


@functools.cache
def solved(
    seed: int, variant: str | None, model: str
) -> tuple[SitingProblem, dict, Solution, Solution]:
    """Instance, its arrays, the heuristic and the exact solution (cached across tests)."""
    P, d = variant_instance(seed, variant)
    h = heuristic(P, model)
    return P, d, h, highs(P, model, time_limit_s=30, warm=h)


def rel_shortfall(h: float, e: float, model: str) -> float:
    return (e - h) / e if model == "mclp" else (h - e) / e


def tiny(**kw):
    base = dict(
        demand_weight=[1.0, 2.0, 3.0],
        demand_area=["A", "B", "C"],
        candidate_ids=["p", "q"],
        candidate_area=["A", "B"],
        cover=sp.csr_matrix(np.array([[1, 0, 0], [0, 1, 0]], dtype=bool)),
        k=1,
    )
    base.update(kw)
    return SitingProblem(**base)
