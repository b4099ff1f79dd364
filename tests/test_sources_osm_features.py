"""proximity.sources.osm_features: local OSM files (pyosmium) and osmnx online (recorded format)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import shapely
from _sources import MINI

from proximity.errors import InputFileError, OfflineError
from proximity.sources import osm_nonprofits, osm_residential_buildings, osm_services


# ------------------------------------------------------------------ local file (synthetic)
def test_osm_services_from_local_file() -> None:
    s = osm_services(MINI, crs="EPSG:3006")
    got = dict(zip(s["service_id"], s["category"], strict=True))
    assert got == {
        "osm_n1": "library",
        "osm_n2": "labour_market",
        "osm_n3": "youth_centre",
        "osm_n4": "health_centre",
        "osm_n8": "citizen_service",
        "osm_w100": "meeting_place",
    }
    assert s.crs == "EPSG:3006"
    assert s.set_index("service_id").loc["osm_w100", "location_quality"].startswith("OSM area")
    assert s["source"].str.startswith("© OpenStreetMap contributors, ODbL 1.0").all()
    only = osm_services(MINI, categories=["library"])
    assert only["service_id"].tolist() == ["osm_n1"]


def test_osm_nonprofits_from_local_file() -> None:
    n = osm_nonprofits(MINI)
    assert dict(zip(n["org_id"], n["kind"], strict=True)) == {
        "osm_n5": "club:sport",
        "osm_n6": "ngo",
    }


def test_residential_buildings_floor_area() -> None:
    b = osm_residential_buildings(MINI, crs="EPSG:3006", default_levels=2.0)
    assert b["building_id"].tolist() == ["osm_w200", "osm_w201", "osm_w204"]
    row = b.set_index("building_id")
    assert (
        row.loc["osm_w200", "levels"] == 4
        and row.loc["osm_w200", "levels_source"] == "building:levels"
    )
    assert row.loc["osm_w201", "levels"] == 2 and row.loc["osm_w201", "levels_source"] == "default"
    assert row.loc["osm_w204", "clipped"]  # a way with a missing node: built from the rest
    np.testing.assert_allclose(b["floor_area_m2"], b.geometry.area * b["levels"])
    assert 200 < row.loc["osm_w200", "footprint_m2"] < 350  # ~12.5 m x 22 m
    b2 = osm_residential_buildings(MINI, crs="EPSG:3006", include_untyped=True)
    assert "osm_w202" in set(b2["building_id"])  # untyped building=yes
    assert "osm_w203" not in set(b2["building_id"])  # building=yes + shop
    # building=yes way that is the outer ring of a building=retail relation: the mall, once
    assert not {"osm_w205", "osm_r300"} & set(b2["building_id"])
    from proximity.sources.osm_features import scan_osm_file

    scan = scan_osm_file(MINI)
    assert scan.building_ways_in_relations == 1
    assert {b["building_id"] for b in scan.buildings} >= {"osm_r300"}
    assert "osm_w205" not in {b["building_id"] for b in scan.buildings}


def test_boundary_filter() -> None:
    s = osm_services(MINI, boundary=shapely.box(12.700, 56.000, 12.7045, 56.0045))
    assert sorted(s["service_id"]) == ["osm_n1", "osm_n2", "osm_n3", "osm_n4"]


def test_missing_osm_file(tmp_path: Path) -> None:
    with pytest.raises(InputFileError) as e:
        osm_services(tmp_path / "nope.osm.pbf")
    assert "nope.osm.pbf" in str(e.value) and e.value.fix


# ------------------------------------------------------------------ online (osmnx), no network
OVERPASS_BODY = {  # recorded Overpass JSON format; synthetic elements
    "version": 0.6,
    "generator": "Overpass API 0.7.62",
    "osm3s": {
        "timestamp_osm_base": "2024-01-01T00:00:00Z",
        "copyright": "The data included in this document is from www.openstreetmap.org. "
        "The data is made available under ODbL.",
    },
    "elements": [
        {
            "type": "node",
            "id": 1,
            "lat": 56.001,
            "lon": 12.701,
            "tags": {"amenity": "library", "name": "Lib"},
        },
        {
            "type": "node",
            "id": 2,
            "lat": 56.002,
            "lon": 12.702,
            "tags": {"office": "employment_agency", "name": "AF"},
        },
        {"type": "node", "id": 11, "lat": 56.005, "lon": 12.710},
        {"type": "node", "id": 12, "lat": 56.005, "lon": 12.711},
        {"type": "node", "id": 13, "lat": 56.0055, "lon": 12.711},
        {"type": "node", "id": 14, "lat": 56.0055, "lon": 12.710},
        {
            "type": "way",
            "id": 100,
            "nodes": [11, 12, 13, 14, 11],
            "tags": {"amenity": "community_centre", "name": "CC"},
        },
    ],
}


@pytest.fixture
def osmnx_offline_settings():
    import osmnx as ox

    old = (ox.settings.overpass_rate_limit, ox.settings.use_cache, ox.settings.log_console)
    ox.settings.overpass_rate_limit, ox.settings.use_cache, ox.settings.log_console = (
        False,
        False,
        False,
    )
    yield ox
    ox.settings.overpass_rate_limit, ox.settings.use_cache, ox.settings.log_console = old


def test_osm_services_online_recorded(osmnx_offline_settings) -> None:
    import responses

    ox = osmnx_offline_settings
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rs:
        rs.add(
            responses.POST,
            ox.settings.overpass_url.rstrip("/") + "/interpreter",
            json=OVERPASS_BODY,
        )
        s = osm_services(shapely.box(12.70, 56.00, 12.72, 56.01), crs="EPSG:3006")
    got = dict(zip(s["service_id"], s["category"], strict=True))
    assert got == {"osm_n1": "library", "osm_n2": "labour_market", "osm_w100": "meeting_place"}


def test_osm_services_online_offline_error(osmnx_offline_settings) -> None:
    import requests
    import responses

    ox = osmnx_offline_settings
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rs:
        rs.add(
            responses.POST,
            ox.settings.overpass_url.rstrip("/") + "/interpreter",
            body=requests.exceptions.ConnectionError("no route to host"),
        )
        with pytest.raises(OfflineError) as e:
            osm_services(shapely.box(12.70, 56.00, 12.72, 56.01))
    assert "local extract" in str(e.value)


def test_fetch_osm_boundary_recorded(osmnx_offline_settings) -> None:
    import re

    import responses

    from proximity.sources.osm_features import fetch_osm_boundary

    body = [
        {  # Nominatim /search format (jsonv2 + polygon_geojson); synthetic square
            "place_id": 1,
            "licence": "Data © OpenStreetMap contributors, ODbL 1.0.",
            "osm_type": "relation",
            "osm_id": 1,
            "lat": "56.05",
            "lon": "12.75",
            "boundingbox": ["56.0", "56.1", "12.7", "12.8"],
            "class": "boundary",
            "type": "administrative",
            "importance": 0.6,
            "display_name": "Testkommun",
            "geojson": {
                "type": "Polygon",
                "coordinates": [
                    [[12.7, 56.0], [12.8, 56.0], [12.8, 56.1], [12.7, 56.1], [12.7, 56.0]]
                ],
            },
        }
    ]
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rs:
        rs.add(
            responses.GET, re.compile(r"https://nominatim\.openstreetmap\.org/search.*"), json=body
        )
        g = fetch_osm_boundary("Testkommun", crs="EPSG:3006")
    assert g.geom_type == "Polygon" and g.area > 1e7
