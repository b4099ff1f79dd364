"""A small synthetic city on a grid street network, shared by the high-level siting tests.

Use from any test module (pytest puts ``tests/`` on ``sys.path``)::

    from _siting_city import CRS, X0, Y0, grid_network, synthetic_city, with_city
"""

from __future__ import annotations

import dataclasses

import geopandas as gpd
import numpy as np
import shapely

from proximity.network import WalkNetwork
from proximity.sources.city import City

X0, Y0 = 360_000.0, 6_215_000.0  # somewhere in Helsingborg, EPSG:3006
CRS = "EPSG:3006"


def grid_network(n: int = 21, step: float = 100.0) -> WalkNetwork:
    """An n × n street grid with ``step`` m blocks."""
    ii, jj = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    x = X0 + ii.ravel() * step
    y = Y0 + jj.ravel() * step
    idx = (ii * n + jj).ravel()
    right = idx[(ii < n - 1).ravel()]
    up = idx[(jj < n - 1).ravel()]
    u = np.concatenate([right, up])
    v = np.concatenate([right + n, up + 1])
    return WalkNetwork.from_arrays(CRS, x, y, u, v, edge_highway=np.full(u.size, "residential"))


def synthetic_city() -> City:
    """Two areas (west / east halves of a 2 km square), 60 demand points, services, NGOs."""
    rng = np.random.default_rng(5)
    west = shapely.box(X0 - 50, Y0 - 50, X0 + 1000, Y0 + 2050)
    east = shapely.box(X0 + 1000, Y0 - 50, X0 + 2050, Y0 + 2050)
    areas = gpd.GeoDataFrame(
        {
            "area_id": ["W", "E"],
            "name": ["Väst", "Öst"],
            "boundary_quality": "exact",
            "source": "test",
        },
        geometry=[west, east],
        crs=CRS,
    )
    xy = np.column_stack([X0 + rng.uniform(0, 2000, 60), Y0 + rng.uniform(0, 2000, 60)])
    demand = gpd.GeoDataFrame(
        {
            "demand_id": [f"d{i:03d}" for i in range(60)],
            "area_id": np.where(xy[:, 0] < X0 + 1000, "W", "E"),
            "subarea_id": "",
            "population": rng.integers(10, 500, 60).astype(float),
            "population_year": 2024,
            "location_quality": "exact",
            "source": "test",
        },
        geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]),
        crs=CRS,
    )
    svc_xy = [(300, 300), (1500, 1500), (700, 1700), (1800, 400), (1000, 1000), (200, 1900)]
    cats = [
        "library",
        "library",
        "meeting_place",
        "meeting_place",
        "district_office",
        "health_centre",
    ]
    services = gpd.GeoDataFrame(
        {
            "service_id": [f"s{i}" for i in range(len(cats))],
            "name": [f"Service {i}" for i in range(len(cats))],
            "category": cats,
            "location_quality": "exact",
            "source": "test",
        },
        geometry=gpd.points_from_xy([X0 + a for a, _ in svc_xy], [Y0 + b for _, b in svc_xy]),
        crs=CRS,
    )
    nonprofits = gpd.GeoDataFrame(
        {
            "org_id": ["n1", "n2", "n3"],
            "name": ["Föreningen A", "Klubben B", "Långt bort"],
            "kind": ["association", "club:sport", "ngo"],
            "source": "test",
        },
        geometry=gpd.points_from_xy(
            [X0 + 320, X0 + 1510, X0 + 5000], [Y0 + 310, Y0 + 1480, Y0 + 5000]
        ),
        crs=CRS,
    )
    return City(
        name="Testby",
        crs=CRS,
        boundary=shapely.union(west, east),
        areas=areas,
        subareas=None,
        demand=demand,
        unlocated=None,
        services=services,
        nonprofits=nonprofits,
    )


def with_city(city: City, **kw: object) -> City:
    """``city`` with some fields replaced."""
    return dataclasses.replace(city, **kw)
