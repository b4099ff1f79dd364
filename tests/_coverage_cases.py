"""Synthetic cities and networks shared by the coverage and equity tests.

``hand_city`` on ``line_network`` is the hand-worked case (arithmetic in
tests/test_coverage_tables.py and tests/test_equity_*.py).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from proximity.coverage import Access, compute_access
from proximity.network import WalkNetwork
from proximity.profiles import WalkingProfile

X0, Y0 = 360_000.0, 6_200_000.0
CRS = "EPSG:3006"


def line_network() -> WalkNetwork:
    """A straight street of six 300 m edges along y = Y0 (x = 0 … 1800 m), plus a separate
    300 m street 5 km north (an island nobody can walk from)."""
    xs = [0, 300, 600, 900, 1200, 1500, 1800, 0, 300]
    ys = [0, 0, 0, 0, 0, 0, 0, 5000, 5000]
    u = [0, 1, 2, 3, 4, 5, 7]
    v = [1, 2, 3, 4, 5, 6, 8]
    return WalkNetwork.from_arrays(
        CRS,
        np.array(xs, float) + X0,
        np.array(ys, float) + Y0,
        np.array(u),
        np.array(v),
        edge_highway=np.array(["footway"] * 7, dtype=object),
        provenance={"source": "synthetic line network (tests/_toy.py)"},
    )


def make_city(
    demand: list[tuple[str, str, float, float, float]],
    services: list[tuple[str, str, float, float]],
    *,
    unlocated: list[tuple[str | None, float]] = (),
    area_stats: list[tuple[str, float, float]] = (),
    areas: tuple[str, ...] = ("A", "B"),
    age: list[tuple[float, float, float]] | None = None,
    name: str = "Toy",
) -> Any:
    """A City-like object.

    demand rows: ``(demand_id, area_id, x, y, population)`` (x, y relative to X0, Y0);
    services rows: ``(service_id, category, x, y)``; unlocated rows ``(area_id, population)``;
    area_stats rows ``(area_id, employment_rate_pct, mean_income_sek)``.
    """
    n_a = len(areas)
    polys = [
        shapely.box(
            X0 - 1000 + 20_000 * i / n_a,
            Y0 - 10_000,
            X0 - 1000 + 20_000 * (i + 1) / n_a,
            Y0 + 10_000,
        )
        for i in range(n_a)
    ]
    area_gdf = gpd.GeoDataFrame(
        {
            "area_id": list(areas),
            "name": [f"Area {a}" for a in areas],
            "boundary_quality": "synthetic",
            "source": "test",
        },
        geometry=polys,
        crs=CRS,
    )
    dem = gpd.GeoDataFrame(
        {
            "demand_id": [d[0] for d in demand],
            "area_id": [d[1] for d in demand],
            "subarea_id": [f"{d[1]}1" for d in demand],
            "population": [float(d[4]) for d in demand],
            "population_year": 2024,
            "location_quality": "synthetic",
            "source": "test demand",
        },
        geometry=[shapely.Point(X0 + d[2], Y0 + d[3]) for d in demand],
        crs=CRS,
    )
    if age is not None:
        dem["pop_0_19"] = [a[0] for a in age]
        dem["pop_20_64"] = [a[1] for a in age]
        dem["pop_65_plus"] = [a[2] for a in age]
    svc = gpd.GeoDataFrame(
        {
            "service_id": [s[0] for s in services],
            "name": [f"Service {s[0]}" for s in services],
            "category": [s[1] for s in services],
            "location_quality": "synthetic",
            "source": "test services",
        },
        geometry=[shapely.Point(X0 + s[2], Y0 + s[3]) for s in services],
        crs=CRS,
    )
    unl = pd.DataFrame(
        {
            "area_id": [u[0] for u in unlocated],
            "population": [float(u[1]) for u in unlocated],
            "population_year": 2024,
            "reason": "no address",
            "source": "test unlocated",
        }
    )
    stats = pd.DataFrame(
        {
            "area_id": [s[0] for s in area_stats],
            "edition": "2024",
            "employment_rate_pct": [s[1] for s in area_stats],
            "mean_income_sek": [s[2] for s in area_stats],
            "cars_per_1000": np.nan,
            "source": "test stats",
        }
    )
    subareas = gpd.GeoDataFrame(
        {
            "subarea_id": [f"{a}1" for a in areas],
            "name": [f"Sub {a}1" for a in areas],
            "area_id": list(areas),
            "boundary_quality": "synthetic",
            "source": "test",
        },
        geometry=polys,
        crs=CRS,
    )
    return SimpleNamespace(
        name=name,
        crs=CRS,
        boundary=shapely.union_all(polys),
        areas=area_gdf,
        subareas=subareas,
        demand=dem,
        unlocated=unl,
        services=svc,
        area_stats=stats,
        provenance={"source": "synthetic test city"},
        network_source=None,
    )


def hand_city() -> Any:
    """The hand-worked case (arithmetic in tests/test_coverage_tables.py and tests/test_equity_*.py).

    One library at x = 0. Profile speed 1 m/s, so minutes = metres / 60.
    Area A: d1 120 m (2 min, 10 p), d2 360 m (6 min, 20 p), d6 1 km off the street
            (unsnapped, 5 p).
    Area B: d3 600 m (10 min, 30 p), d4 1500 m (25 min, 40 p), d5 on the island
            (unreachable, 10 p), 15 unlocated.
    """
    return make_city(
        demand=[
            ("d1", "A", 120, 0, 10),
            ("d2", "A", 360, 0, 20),
            ("d3", "B", 600, 0, 30),
            ("d4", "B", 1500, 0, 40),
            ("d5", "B", 150, 5000, 10),
            ("d6", "A", 900, 1000, 5),
        ],
        services=[("lib1", "library", 0, 0)],
        unlocated=[("B", 15)],
        area_stats=[("A", 60.0, 200_000.0), ("B", 80.0, 300_000.0)],
    )


#: 1 m/s, so minutes = metres / 60 in the hand-made case.
ONE = WalkingProfile("one_m_s", 1.0, "Test", "synthetic test profile, 1 m/s")

COUNTS = ["covered", "uncovered", "unsnapped", "unreachable", "unlocated"]


def area_row(
    access: Access,
    area: str,
    threshold: float,
    profile: str = "one_m_s",
    category: str = "library",
    group: str = "all",
) -> pd.Series:
    t = access.area_table(
        area, category=category, profile=profile, threshold_min=threshold, group=group
    )
    assert len(t) == 1
    return t.iloc[0]


def conserved(areas: pd.DataFrame) -> None:
    total = areas[COUNTS].sum(axis=1).to_numpy()
    np.testing.assert_allclose(total, areas["population"].to_numpy(), rtol=0, atol=1e-6)


def hand_access() -> Access:
    """The hand-made case computed with the 1 m/s profile and ``adult`` at 5 and 10 min."""
    return compute_access(
        hand_city(), line_network(), profiles=(ONE, "adult"), thresholds_min=(5, 10)
    )
