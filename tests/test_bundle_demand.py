"""Age groups and the dasymetric share-out of bundles (proximity.bundle.demand).

SYNTHETIC tables and polygons, said so: made up here to pin the arithmetic.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from proximity.bundle.demand import (
    TIER_POINT,
    TIER_TYPED,
    TIER_UNTYPED,
    age_groups,
    band_of,
    conservation,
    population_table,
    share_out,
)
from proximity.errors import SchemaError

BANDS = [f"{a}-{a + 4}" for a in range(0, 80, 5)] + ["80-"]


def test_band_names():
    assert band_of("0-4") == (0, 4)
    assert band_of("80-") == (80, None)
    assert band_of("80+") == (80, None)
    assert band_of("age_75_79") == (75, 79)
    assert band_of("population") is None


def test_age_groups_from_scb_bands():
    t = pd.DataFrame([dict.fromkeys(BANDS, 1)])  # one person per band
    g = age_groups(t).iloc[0].to_dict()
    assert g == {
        "pop_0_19": 4,
        "pop_20_64": 9,
        "pop_65_79": 3,
        "pop_80_plus": 1,
        "pop_65_plus": 4,
        "pop_75_plus": 2,
    }


def test_incomplete_bands_give_no_age_groups():
    t = pd.DataFrame([{"0-4": 1, "10-14": 2, "80-": 3}])
    assert age_groups(t).empty


def test_extra_group_columns_are_kept_and_negative_population_refused():
    df = pd.DataFrame(dict(area_id=["a", "b"], population=[10, 20], men=[4, 11], women=[6, 9]))
    t = population_table(df, id_col="area_id", source="test")
    assert t.groups == ["men", "women"]
    with pytest.raises(SchemaError):
        population_table(df.assign(population=[-1, 2]), id_col="area_id", source="t")


def _buildings(rows):
    return gpd.GeoDataFrame(
        [
            dict(
                building_id=i,
                residential=typed,
                untyped=not typed,
                floor_area_m2=fa,
                source="osm",
                geometry=shapely.box(x, 0, x + 10, 10),
            )
            for i, typed, fa, x in rows
        ],
        crs="EPSG:3006",
    )


def test_share_out_tiers_and_conservation():
    areas = gpd.GeoDataFrame(
        dict(pop_area_id=["a", "b", "c"]),
        geometry=[
            shapely.box(0, 0, 100, 100),
            shapely.box(100, 0, 200, 100),
            shapely.box(200, 0, 300, 100),
        ],
        crs="EPSG:3006",
    )
    b = _buildings(
        [
            ("h1", True, 100.0, 10),  # area a: typed and untyped -> typed only
            ("h2", True, 300.0, 40),
            ("u1", False, 500.0, 70),
            ("u2", False, 50.0, 120),  # area b: untyped only
        ]
    )
    df = pd.DataFrame(dict(area_id=["a", "b", "c"], population=[100, 30, 7], kids=[8, 3, 1]))
    pop = population_table(df, id_col="area_id", source="test")
    d = share_out(areas, pop, b).set_index("demand_id")
    assert d.loc["h1", "population"] == pytest.approx(25.0)
    assert d.loc["h2", "kids"] == pytest.approx(6.0)
    assert "u1" not in d.index
    assert d.loc["u2", "population_method"] == TIER_UNTYPED
    assert d.loc["h1", "population_method"] == TIER_TYPED
    assert d.loc["area_point_c", "population_method"] == TIER_POINT
    assert d.loc["area_point_c", "population"] == 7
    assert conservation(d.reset_index(), pop).abs().to_numpy().max() < 1e-9
