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
    share_class,
    share_class_labels,
    share_colour,
    unlocated_services,
)
from proximity.sources.city import TOTAL_AREA_ID


def test_share_colour_classes():
    assert share_colour(None) == share_colour(float("nan")) == NO_DATA_COLOUR
    assert share_colour(0.0) == SHARE_COLOURS[0]
    assert share_colour(0.001) == SHARE_COLOURS[1]  # > 0 is not the 0 % class
    assert share_colour(0.25) == share_colour(0.49) == SHARE_COLOURS[2]
    assert share_colour(0.5) == SHARE_COLOURS[3]
    assert share_colour(0.89) == SHARE_COLOURS[4]
    assert share_colour(0.9) == share_colour(1.0) == SHARE_COLOURS[-1]
    assert len(set(SHARE_COLOURS)) == 6 and NO_DATA_COLOUR not in SHARE_COLOURS


def test_share_class_labels_are_swedish():
    labels = [s.replace("\u00a0", " ") for s in share_class_labels("sv")]
    assert labels == ["0 %", "> 0–25 %", "25–50 %", "50–75 %", "75–90 %", "90–100 %"]
    assert [share_class(v) for v in (0.0, 0.1, 0.3, 0.6, 0.8, 0.95, None)] == [
        0,
        1,
        2,
        3,
        4,
        5,
        None,
    ]


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
