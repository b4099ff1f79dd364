"""Regression against spopt: proximity's exact siting gives spopt's optimum (MCLP and p-median).

spopt (``spopt.locate.MCLP`` / ``PMedian``, solved by pulp's CBC) is an independent
implementation of the same two models. Both are solved on

- spopt's own test instances (its ``tests/test_locate`` suite, which ships with the installed
  package): the San Francisco network distances (205 census tracts × 16 stores, weights
  POP2000, 5000 m, p = 4), for which spopt documents 21 uncovered clients (MCLP) and a mean
  distance of 2982.1268579890657 (p-median); and its synthetic lattice (spaghetti 10 × 10
  lattice, 100 clients and 5 facilities simulated with seeds 5 and 6, radius 7, p = 4), with
  network and straight-line costs and with predefined facilities. spopt draws the lattice
  weights unseeded (``randint(1, 12)``); here they are seeded;
- 120 seeded random instances (10–40 demand × 5–15 candidates, k 1–4, integer weights and
  integer minutes 0–30, so 0-minute pairs occur; every fourth with a predefined facility).

To make the models the same problem: complete finite matrices, the p-median's cap above every
cost (so no resident is ever counted at the cap), and spopt's predefined facilities =
proximity's ``fixed`` candidates (both count them in ``p``/``k``). Coverage is ``cost ≤ radius``
in both.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from proximity.siting import SitingProblem, highs

spopt = pytest.importorskip("spopt")
pulp = pytest.importorskip("pulp")
from spopt.locate import MCLP, PMedian  # noqa: E402

# pulp 3.3 announces its 4.0 API on every variable; spaghetti its 2.0 geometry change
pytestmark = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore::FutureWarning"),
]

SPOPT_DATA = Path(spopt.__file__).parent / "tests" / "test_locate" / "data"


def _cbc():
    return pulp.PULP_CBC_CMD(msg=False)


def _spopt_chosen(model) -> list[int]:
    return [j for j, v in enumerate(model.fac_vars) if v.varValue is not None and v.varValue > 0.5]


def _solve_spopt(name: str, cost: np.ndarray, w: np.ndarray, k: int, **kw) -> tuple[float, list]:
    """spopt's optimum (objective, chosen facilities) of ``name`` ("mclp" or "p_median")."""
    pre = kw.get("predefined")
    pre = None if pre is None or not np.any(pre) else np.asarray(pre)
    if name == "mclp":
        m = MCLP.from_cost_matrix(cost, w, kw["radius"], k, predefined_facilities_arr=pre)
    else:
        m = PMedian.from_cost_matrix(cost, w, k, predefined_facilities_arr=pre)
    m = m.solve(_cbc())
    assert m.problem.status == pulp.LpStatusOptimal
    return float(m.problem.objective.value()), _spopt_chosen(m)


def _value(name: str, cost: np.ndarray, w: np.ndarray, chosen: list[int], radius: float) -> float:
    """The objective of a facility set, from the dense matrix (numpy only)."""
    sub = cost[:, chosen]
    if name == "mclp":
        return float(w[(sub <= radius).any(axis=1)].sum())
    return float(w @ sub.min(axis=1))


def _solve_proximity(name: str, cost: np.ndarray, w: np.ndarray, k: int, **kw):
    """proximity's exact solution; ``cost`` is demand × facility as in spopt."""
    n_dem, n_fac = cost.shape
    ids = [f"f{j:03d}" for j in range(n_fac)]
    pre = kw.get("predefined")
    radius = float(kw.get("radius", 0.0))
    P = SitingProblem(
        demand_weight=np.asarray(w, dtype=float),
        demand_area=["all"] * n_dem,
        candidate_ids=ids,
        candidate_area=["all"] * n_fac,
        cover=(cost <= radius).T,
        k=k,
        time_min=cost.T,
        time_cap_min=float(np.max(cost)) + 1.0,  # above every cost: nobody counts at the cap
        fixed=[ids[j] for j in np.flatnonzero(pre)] if pre is not None else (),
    )
    sol = highs(P, name, time_limit_s=60)
    assert sol.status == "optimal"
    return sol


def _compare(name: str, cost: np.ndarray, w: np.ndarray, k: int, **kw):
    obj_s, chosen_s = _solve_spopt(name, cost, w, k, **kw)
    sol = _solve_proximity(name, cost, w, k, **kw)
    radius = float(kw.get("radius", 0.0))
    assert obj_s == pytest.approx(_value(name, cost, w, chosen_s, radius), rel=1e-9)
    assert sol.objective == pytest.approx(obj_s, rel=1e-9, abs=1e-9)
    assert sol.objective == pytest.approx(_value(name, cost, w, list(sol.chosen), radius), rel=1e-9)
    pre = kw.get("predefined")
    if pre is not None:
        assert set(np.flatnonzero(pre)) <= set(sol.chosen.tolist())
    return sol, chosen_s


# ---------------------------------------------------------------- spopt's own instances
def _sf() -> tuple[np.ndarray, np.ndarray]:
    """spopt's San Francisco instance: network metres, tracts × stores, POP2000 weights."""
    import pandas as pd

    dist = SPOPT_DATA / "SF_network_distance_candidateStore_16_censusTract_205_new.csv"
    dem = SPOPT_DATA / "SF_demand_205_centroid_uniform_weight.csv"
    if not dist.exists() or not dem.exists():
        pytest.skip("spopt's test data is not installed")
    piv = pd.read_csv(dist).pivot_table(values="distance", index="DestinationName", columns="name")
    demand = pd.read_csv(dem).sort_values(by=["NAME"]).reset_index()
    assert (piv.index.to_numpy() == demand["NAME"].to_numpy()).all()
    return piv.to_numpy(), demand["POP2000"].to_numpy()


_LATTICE: dict[str, object] = {}


def _lattice() -> dict[str, object]:
    """spopt's synthetic instance: 100 clients, 5 facilities on a spaghetti lattice (cached)."""
    if _LATTICE:
        return _LATTICE
    spaghetti = pytest.importorskip("spaghetti")
    import geopandas
    from scipy.spatial.distance import cdist
    from spopt.locate.util import simulated_geo_points

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lattice = spaghetti.regular_lattice((0, 0, 10, 10), 9, exterior=True)
        ntw = spaghetti.Network(in_data=lattice)
        arcs = spaghetti.element_as_gdf(ntw, arcs=True)
        street = geopandas.GeoDataFrame(
            geopandas.GeoSeries(arcs["geometry"].buffer(0.2).union_all()),
            crs=arcs.crs,
            columns=["geometry"],
        )
        ntw.snapobservations(simulated_geo_points(street, needed=100, seed=5), "clients")
        ntw.snapobservations(simulated_geo_points(street, needed=5, seed=6), "facilities")
        clients = spaghetti.element_as_gdf(ntw, pp_name="clients", snapped=True)
        facilities = spaghetti.element_as_gdf(ntw, pp_name="facilities", snapped=True)
        network = ntw.allneighbordistances(
            sourcepattern=ntw.pointpatterns["clients"],
            destpattern=ntw.pointpatterns["facilities"],
        )
    xy = np.column_stack([clients.geometry.x, clients.geometry.y])
    fxy = np.column_stack([facilities.geometry.x, facilities.geometry.y])
    _LATTICE.update(
        network=np.asarray(network, dtype=float),
        euclidean=cdist(xy, fxy),
        clients=clients,
        facilities=facilities,
        weights=np.random.default_rng(12).integers(1, 12, 100),
    )
    return _LATTICE


def test_sf_mclp_5000m_p4() -> None:
    cost, w = _sf()
    sol, _ = _compare("mclp", cost, w, 4, radius=5000.0)
    # spopt's documented result: 21 of 205 tracts uncovered (89.756 %)
    covered = (cost[:, sol.chosen] <= 5000.0).any(axis=1)
    assert int((~covered).sum()) == 21
    assert covered.mean() * 100 == pytest.approx(89.75609756097561)


def test_sf_pmedian_p4() -> None:
    cost, w = _sf()
    sol, _ = _compare("p_median", cost, w, 4)
    # spopt's documented mean distance
    assert sol.objective / w.sum() == pytest.approx(2982.1268579890657, rel=1e-12)


@pytest.mark.parametrize("costs", ["network", "euclidean"])
def test_lattice_mclp_r7_p4(costs: str) -> None:
    lat = _lattice()
    cost, w = lat[costs], lat["weights"]
    sol, _ = _compare("mclp", cost, w, 4, radius=7.0)
    if costs == "network":  # spopt's documented result: one client uncovered (99 %)
        assert int((~(cost[:, sol.chosen] <= 7.0).any(axis=1)).sum()) == 1


@pytest.mark.parametrize("costs", ["network", "euclidean"])
def test_lattice_pmedian_p4(costs: str) -> None:
    lat = _lattice()
    _compare("p_median", lat[costs], lat["weights"], 4)


def test_lattice_mclp_predefined_p4() -> None:
    lat = _lattice()
    _compare(
        "mclp",
        lat["euclidean"],
        lat["weights"],
        4,
        radius=7.0,
        predefined=np.array([1, 1, 0, 1, 0]),
    )


def test_lattice_pmedian_predefined_p3() -> None:
    lat = _lattice()
    _compare("p_median", lat["euclidean"], lat["weights"], 3, predefined=np.array([0, 0, 0, 1, 1]))


def test_lattice_from_geodataframe_is_the_euclidean_matrix() -> None:
    """spopt's own geodataframe route (its distances) gives the optimum of our matrix."""
    lat = _lattice()
    clients = lat["clients"].assign(weights=lat["weights"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = MCLP.from_geodataframe(
            clients, lat["facilities"], "geometry", "geometry", "weights", 7, 4
        ).solve(_cbc())
        p = PMedian.from_geodataframe(
            clients, lat["facilities"], "geometry", "geometry", "weights", 4
        ).solve(_cbc())
    w = lat["weights"]
    assert _solve_proximity("mclp", lat["euclidean"], w, 4, radius=7.0).objective == pytest.approx(
        m.problem.objective.value(), rel=1e-9
    )
    assert _solve_proximity("p_median", lat["euclidean"], w, 4).objective == pytest.approx(
        p.problem.objective.value(), rel=1e-9
    )


# ---------------------------------------------------------------- 120 random instances
def _random_instance(seed: int) -> tuple[np.ndarray, np.ndarray, int, float, np.ndarray]:
    rng = np.random.default_rng(10_000 + seed)
    n_dem, n_fac = int(rng.integers(10, 41)), int(rng.integers(5, 16))
    k = int(rng.integers(1, 5))
    cost = rng.integers(0, 31, (n_dem, n_fac)).astype(float)  # minutes; zeros occur
    w = rng.integers(1, 21, n_dem)
    radius = float(rng.choice([5.0, 10.0, 15.0]))
    pre = np.zeros(n_fac, dtype=int)
    if seed % 4 == 3 and k >= 2:
        pre[rng.integers(n_fac)] = 1
    return cost, w, k, radius, pre


@pytest.mark.parametrize("seed", range(120), ids=lambda s: f"random-{s:03d}")
def test_random_instances_match_spopt(seed: int) -> None:
    cost, w, k, radius, pre = _random_instance(seed)
    kw = {"radius": radius, "predefined": pre if pre.any() else None}
    _compare("mclp", cost, w, k, **kw)
    _compare("p_median", cost, w, k, **kw)
