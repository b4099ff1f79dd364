"""Tests of proximity.maps.views: coverage rows, totals, share colours and data gaps."""

from __future__ import annotations

import pytest

from proximity.errors import ParameterError
from proximity.maps.views import (
    NO_DATA_COLOUR,
    SHARE_COLOURS,
    categories_without_service,
    municipality_total,
    select_coverage,
    share_colour,
    unlocated_services,
)
from proximity.sources.city import TOTAL_AREA_ID


def test_share_colour_classes():
    assert share_colour(None) == share_colour(float("nan")) == NO_DATA_COLOUR
    assert share_colour(0.0) == SHARE_COLOURS[0]
    assert share_colour(0.5) == SHARE_COLOURS[1]
    assert share_colour(0.94) == SHARE_COLOURS[3]
    assert share_colour(0.95) == share_colour(1.0) == SHARE_COLOURS[-1]


def test_select_coverage_splits_off_the_total_row(map_inputs):
    rows, total = select_coverage(
        map_inputs["access"], category="library", threshold_min=10, profile="adult"
    )
    assert list(rows["area_id"]) == ["A1", "A2", "A3", "A4"]
    assert total is not None and total["area_id"] == TOTAL_AREA_ID
    tot = municipality_total(rows, total)
    assert tot["population"] == float(total["population"])
    assert tot["covered_share"] == pytest.approx(tot["covered"] / tot["population"])
    summed = municipality_total(rows, None)  # without a total row: the sum of the areas
    assert summed["population"] == float(rows["population"].sum())
    with pytest.raises(ParameterError, match="Available thresholds"):
        select_coverage(map_inputs["access"], category="library", threshold_min=12, profile="adult")


def test_known_data_gaps(map_inputs):
    assert unlocated_services(map_inputs["city"])["library"] == ["Bokbussen", "Huvudbiblioteket"]
    missing = categories_without_service(map_inputs["city"])
    assert "social_services" in missing and "library" not in missing
