"""Tests of proximity.maps.site_views: the chosen sites, their Gini and non-profits."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from proximity.maps.site_views import (
    nonprofit_absence_text,
    site_area_impact,
    site_gini,
    site_nonprofits,
    site_table,
)


def test_site_table_in_rank_order_with_locations(map_inputs):
    table = site_table(map_inputs["siting"], map_inputs["city"])
    assert list(table["site_id"]) == ["c7", "c2", "c5"]
    assert list(table["cumulative_gain"]) == [120.0, 200.0, 235.0]
    assert list(table["area_id"]) == ["A2", "A3", "A4"]
    assert np.isfinite(table[["lon", "lat"]].to_numpy()).all()


def test_site_gini_new_and_old_column_names(map_inputs):
    siting = map_inputs["siting"]
    assert site_gini(siting, "c7") == pytest.approx((0.42, 0.31, -0.11))
    old = siting.per_site.rename(
        columns={
            "gini_coverage_share_before": "gini_before",
            "gini_coverage_share_after": "gini_after",
        }
    ).drop(columns="gini_coverage_share_change")
    assert site_gini(dataclasses.replace(siting, per_site=old), "c7") == pytest.approx(
        (0.42, 0.31, -0.11)
    )
    assert site_gini(siting, "nope") is None


def test_site_impact_and_nonprofits(map_inputs):
    siting, city = map_inputs["siting"], map_inputs["city"]
    assert site_area_impact(siting, "c7") == [("A2", 100.0), ("A1", 20.0)]
    orgs = site_nonprofits(siting, city, "c7", None, limit=1)
    assert orgs == [("Röda Korset", "hjälporganisation", 183.8)]
    no_data = dataclasses.replace(siting, nonprofits=pd.DataFrame())
    no_orgs = dataclasses.replace(city, nonprofits=city.nonprofits.iloc[0:0])
    assert nonprofit_absence_text(no_data, no_orgs, "c2") == "ingen data om ideella organisationer"
    assert nonprofit_absence_text(no_data, city, "c2") == "inga inom 500 m (fågelväg)"
