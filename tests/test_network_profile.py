"""The pedestrian profile (proximity.network.profile): the walkable-way tag table."""

from __future__ import annotations

import json
import re

import pytest

from proximity.network import PEDESTRIAN_PROFILE

# ======================================================================================
# Pedestrian profile
# ======================================================================================
PROFILE_CASES = [
    # (tags, walkable, why)
    ({"highway": "footway"}, True, "footway"),
    ({"highway": "path"}, True, "path"),
    ({"highway": "steps"}, True, "steps (profiles may penalise them)"),
    ({"highway": "pedestrian"}, True, "pedestrian street"),
    ({"highway": "pedestrian", "area": "yes"}, True, "square: kept as its outline"),
    ({"highway": "living_street"}, True, "gångfartsområde"),
    ({"highway": "residential"}, True, "residential"),
    ({"highway": "service"}, True, "service"),
    ({"highway": "track"}, True, "track (allemansrätten)"),
    ({"highway": "unclassified"}, True, "unclassified"),
    ({"highway": "tertiary"}, True, "tertiary"),
    ({"highway": "secondary_link"}, True, "secondary link"),
    ({"highway": "primary"}, True, "primary: sidewalks rarely mapped separately"),
    ({"highway": "corridor"}, True, "indoor corridor"),
    ({"highway": "platform"}, True, "public-transport platform"),
    ({"highway": "bridleway"}, True, "bridleway"),
    ({"highway": "cycleway", "foot": "designated"}, True, "gång- och cykelväg"),
    ({"highway": "cycleway", "foot": "yes"}, True, "cycleway, foot allowed"),
    ({"highway": "cycleway", "foot": "permissive"}, True, "cycleway, foot permissive"),
    ({"highway": "cycleway"}, True, "plain cycleway: usable where no footway (documented)"),
    ({"highway": "cycleway", "segregated": "yes"}, True, "segregated, foot untagged"),
    ({"highway": "cycleway", "foot": "no"}, False, "cycleway, foot=no"),
    ({"highway": "cycleway", "foot": "use_sidepath"}, False, "use the parallel footway"),
    ({"highway": "footway", "foot": "no"}, False, "foot=no"),
    ({"highway": "residential", "foot": "no"}, False, "foot=no on a road"),
    ({"highway": "service", "access": "private"}, False, "private access"),
    ({"highway": "service", "access": "no"}, False, "access=no"),
    ({"highway": "service", "access": "private", "foot": "yes"}, True, "foot overrides"),
    ({"highway": "track", "access": "no", "foot": "designated"}, True, "foot overrides"),
    ({"highway": "footway", "foot": "private"}, False, "foot=private"),
    ({"highway": "service", "access": "destination"}, True, "destination is fine"),
    ({"highway": "motorway"}, False, "motorway"),
    ({"highway": "motorway_link"}, False, "motorway link"),
    ({"highway": "trunk"}, False, "trunk without sidewalk"),
    ({"highway": "trunk", "sidewalk": "both"}, True, "trunk with sidewalks"),
    ({"highway": "trunk_link", "sidewalk:right": "yes"}, True, "trunk link, one sidewalk"),
    ({"highway": "trunk", "sidewalk": "separate"}, False, "sidewalk mapped separately"),
    ({"highway": "primary", "motorroad": "yes"}, False, "motortrafikled"),
    ({"highway": "construction", "construction": "footway"}, False, "under construction"),
    ({"highway": "proposed"}, False, "proposed"),
    ({"highway": "abandoned"}, False, "abandoned"),
    ({"highway": "busway"}, False, "bus only"),
    ({"highway": "raceway"}, False, "raceway"),
    ({"highway": "trail"}, False, "non-standard value (seen in Helsinki)"),
    ({"building": "yes"}, False, "no highway tag"),
    ({}, False, "no tags"),
]


@pytest.mark.parametrize(
    ("tags", "expected", "why"), PROFILE_CASES, ids=[c[2] for c in PROFILE_CASES]
)
def test_pedestrian_profile_tag_table(tags, expected, why):
    assert PEDESTRIAN_PROFILE.is_walkable(tags) is expected, why


def test_profile_is_versioned_and_its_overpass_filter_is_a_superset():
    assert PEDESTRIAN_PROFILE.version == "proximity-walk-1"
    flt = PEDESTRIAN_PROFILE.overpass_filter()
    m = re.search(r'"highway"~"\^\(([^)]*)\)\$"', flt)
    assert m
    values = set(m.group(1).split("|"))
    for tags, expected, _ in PROFILE_CASES:
        if expected:
            assert tags["highway"] in values
            assert tags.get("foot") not in ("no", "private", "use_sidepath")
    assert json.dumps(PEDESTRIAN_PROFILE.describe())  # JSON-able
