"""proximity.sources.dasymetric: demand from buildings, scaled to known totals or a proxy."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from _sources import MINI

from proximity.sources import building_demand, osm_residential_buildings, scale_to_totals


def test_scale_to_totals() -> None:
    out = scale_to_totals(np.array([1.0, 3.0, 2.0]), np.array(["a", "a", "b"]), {"a": 100})
    np.testing.assert_allclose(out[:2], [25.0, 75.0])
    assert np.isnan(out[2])


def test_building_demand_scaled_and_proxy() -> None:
    b = osm_residential_buildings(MINI, crs="EPSG:3006")
    area = gpd.GeoDataFrame(
        {"area_id": ["A"]}, geometry=[b.geometry.union_all().buffer(50)], crs="EPSG:3006"
    )
    d = building_demand(b, areas=area, totals={"A": 120}, population_year=2023)
    assert d["population"].sum() == pytest.approx(120)
    assert not d["population_is_proxy"].any()
    np.testing.assert_allclose(d["population"] / 120, b["floor_area_m2"] / b["floor_area_m2"].sum())
    p = building_demand(b)
    assert p["population_is_proxy"].all()
    assert p["population"].sum() == pytest.approx(b["floor_area_m2"].sum())
