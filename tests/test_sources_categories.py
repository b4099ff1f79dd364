"""proximity.sources.categories: the mapping from OSM tags to service categories."""

from __future__ import annotations

import pytest

from proximity.sources import (
    CATEGORIES,
    CATEGORY_LABELS_SV,
    OSM_CATEGORY_TAGS,
    osm_category,
    osm_nonprofit_kind,
)


@pytest.mark.parametrize(
    "tags,category",
    [
        ({"amenity": "library"}, "library"),
        ({"amenity": "community_centre"}, "meeting_place"),
        ({"amenity": "community_centre", "community_centre": "youth_centre"}, "youth_centre"),
        ({"leisure": "youth_centre"}, "youth_centre"),
        ({"amenity": "social_facility", "social_facility": "outreach"}, "social_services"),
        ({"amenity": "social_centre"}, "social_services"),
        ({"office": "government", "government": "social_services"}, "social_services"),
        ({"office": "employment_agency"}, "labour_market"),
        ({"healthcare": "centre"}, "health_centre"),
        ({"amenity": "clinic"}, "health_centre"),
        ({"amenity": "doctors"}, "health_centre"),
        ({"amenity": "townhall"}, "citizen_service"),
        ({"amenity": "pharmacy"}, None),
        ({"amenity": "dentist"}, None),
        ({"office": "ngo"}, None),
        ({}, None),
    ],
)
def test_osm_category(tags: dict[str, str], category: str | None) -> None:
    assert osm_category(tags) == category


@pytest.mark.parametrize(
    "tags,kind",
    [
        ({"office": "association"}, "association"),
        ({"office": "ngo"}, "ngo"),
        ({"club": "sport"}, "club:sport"),
        ({"club": "no"}, None),
        ({"amenity": "library"}, None),
    ],
)
def test_nonprofit_kind(tags: dict[str, str], kind: str | None) -> None:
    assert osm_nonprofit_kind(tags) == kind


def test_mapping_targets_are_categories() -> None:
    assert {c for *_, c in OSM_CATEGORY_TAGS} <= set(CATEGORIES)
    assert set(CATEGORY_LABELS_SV) == set(CATEGORIES)
    assert len(CATEGORIES) == 9
