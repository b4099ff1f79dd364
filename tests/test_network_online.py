"""The online path (proximity.network._online): osmnx + Overpass, served by ``responses``.

Overpass/Nominatim JSON is served in the real API format; nothing reaches the internet.
"""

from __future__ import annotations

import json
import re
import types
from pathlib import Path

import numpy as np
import pytest
from shapely.geometry import box

from proximity.errors import NetworkError, OfflineError
from proximity.network import load_network

FIX = Path(__file__).parent / "fixtures" / "network"


OVERPASS = "https://overpass-api.de/api"
QUERY_POLYGON = box(12.695, 56.035, 12.708, 56.047)


@pytest.fixture
def osmnx_sandbox(monkeypatch, tmp_path):
    """osmnx with its own cache in tmp, no rate-limit pauses, no DNS pinning, low timeout."""
    import osmnx as ox

    monkeypatch.setattr(ox.settings, "use_cache", False)
    monkeypatch.setattr(ox.settings, "cache_folder", str(tmp_path / "osmnx-cache"))
    monkeypatch.setattr(ox.settings, "overpass_rate_limit", False)
    monkeypatch.setattr(ox.settings, "overpass_url", OVERPASS)
    monkeypatch.setattr(ox._http, "_config_dns", lambda url: None)
    monkeypatch.setattr(ox._nominatim, "time", types.SimpleNamespace(sleep=lambda s: None))
    return ox


@pytest.fixture
def overpass_up(monkeypatch):
    """The Overpass probe answers "reachable" (the HTTP itself is served by `responses`)."""
    from proximity import _overpass

    probes = []

    def reachable(timeout_s, **kwargs):
        probes.append((timeout_s, kwargs))
        return True

    monkeypatch.setattr(_overpass, "reachable", reachable)
    return probes


def _mock_overpass(rsps):
    import responses

    rsps.add(
        responses.POST,
        f"{OVERPASS}/interpreter",
        json=json.loads((FIX / "overpass_small.json").read_text(encoding="utf-8")),
        status=200,
    )


def _interpreter_calls(rsps):
    return [c for c in rsps.calls if c.request.url.endswith("/interpreter")]


def test_online_polygon_and_cache(osmnx_sandbox, overpass_up, tmp_path):
    import responses

    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        _mock_overpass(rsps)
        net = load_network(QUERY_POLYGON, buffer_m=50.0, cache_dir=tmp_path / "net", timeout_s=5)
        assert len(_interpreter_calls(rsps)) == 1
        # one TCP probe of the configured Overpass server first, capped at 15 s
        assert overpass_up == [(5.0, {"host": "overpass-api.de", "port": 443})]
        body = _interpreter_calls(rsps)[0].request.body
        assert "highway" in str(body)
        assert net.n_nodes == 6 and net.n_edges == 5  # motorway way 2003 dropped
        assert sorted(net.node_osm_id.tolist()) == [1001, 1002, 1003, 1004, 1006, 1007]
        assert 2003 not in net.edge_way_id.tolist()
        assert set(net.edge_way_id[net.edge_highway == "cycleway"].tolist()) == {2002}
        assert net.crs == "EPSG:3006"
        p = net.provenance
        assert p["source_kind"] == "online" and re.fullmatch(r"[0-9a-f]{64}", p["source_sha256"])
        assert p["profile"] == "proximity-walk-1" and p["n_edges"] == 5
        n_calls = len(rsps.calls)

        again = load_network(QUERY_POLYGON, buffer_m=50.0, cache_dir=tmp_path / "net")
        assert len(rsps.calls) == n_calls  # served from the cache: no HTTP at all
        assert np.array_equal(again.edge_u, net.edge_u)
        assert np.array_equal(again.node_x, net.node_x)
    assert len(list((tmp_path / "net").glob("online-*.npz"))) == 1


def test_online_place_name_uses_default_cache(osmnx_sandbox, overpass_up):
    import responses

    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        _mock_overpass(rsps)
        rsps.add(
            responses.GET,
            re.compile(r"https://nominatim\.openstreetmap\.org/search.*"),
            json=json.loads((FIX / "nominatim_place.json").read_text(encoding="utf-8")),
            status=200,
        )
        net = load_network("Syntetiska kommun", buffer_m=0.0)
        assert net.n_edges == 5
        assert net.provenance["source"] == "Syntetiska kommun"
        nominatim = [c for c in rsps.calls if "nominatim" in c.request.url]
        assert len(nominatim) == 1 and "Syntetiska" in nominatim[0].request.url
        n_calls = len(rsps.calls)
        load_network("Syntetiska kommun", buffer_m=0.0)
        assert len(rsps.calls) == n_calls
    # the default cache lives under $PROXIMITY_CACHE (set to a tmp dir by conftest)
    from proximity import config

    assert list((config.cache_dir() / "networks").glob("online-*.npz"))


def test_online_unreachable_raises_offline_error(osmnx_sandbox, overpass_up, tmp_path):
    import responses

    with responses.RequestsMock(assert_all_requests_are_fired=False):  # nothing registered
        with pytest.raises(OfflineError) as info:
            load_network(QUERY_POLYGON, cache_dir=tmp_path, timeout_s=2)
    assert ".osm.pbf" in info.value.fix and "geofabrik" in info.value.fix.lower()
    assert "ConnectionError" in str(info.value)


def test_online_no_network_at_all_raises_offline_error(osmnx_sandbox, tmp_path):
    """No mock: conftest's socket guard (or DNS failure) makes every request fail."""
    with pytest.raises(OfflineError) as info:
        load_network("Helsingborgs kommun", cache_dir=tmp_path, timeout_s=2)
    assert ".osm.pbf" in str(info.value)
    assert "proximity network fetch --pbf" in info.value.fix


def test_online_overpass_empty_result_is_network_error(osmnx_sandbox, overpass_up, tmp_path):
    import responses

    empty = json.loads((FIX / "overpass_small.json").read_text(encoding="utf-8"))
    empty["elements"] = []
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add(responses.POST, f"{OVERPASS}/interpreter", json=empty, status=200)
        with pytest.raises(NetworkError) as info:
            load_network(QUERY_POLYGON, cache_dir=tmp_path, timeout_s=2)
    assert not isinstance(info.value, OfflineError)


def test_online_restores_osmnx_settings(osmnx_sandbox, tmp_path):
    ox = osmnx_sandbox
    before = (ox.settings.requests_timeout, list(ox.settings.useful_tags_way))
    with pytest.raises(OfflineError):
        load_network(QUERY_POLYGON, cache_dir=tmp_path, timeout_s=1)
    assert (ox.settings.requests_timeout, list(ox.settings.useful_tags_way)) == before


def test_online_overpass_unreachable_fails_before_any_request(osmnx_sandbox, tmp_path, monkeypatch):
    """`proximity._overpass.reachable` is THE probe: False means OfflineError, no HTTP at all."""
    import responses

    from proximity import _overpass

    probes = []
    monkeypatch.setattr(_overpass, "reachable", lambda t, **k: probes.append((t, k)) or False)
    monkeypatch.setattr(osmnx_sandbox.settings, "overpass_url", "http://overpass.example:8080/api")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        _mock_overpass(rsps)
        with pytest.raises(OfflineError) as info:
            load_network("Helsingborgs kommun", cache_dir=tmp_path, timeout_s=60)
        assert not rsps.calls
    assert probes == [(15.0, {"host": "overpass.example", "port": 8080})]
    assert "overpass.example" in str(info.value) and "not reachable" in str(info.value)
    assert ".osm.pbf" in info.value.fix and "geofabrik" in info.value.fix.lower()


def test_online_cache_entry_altered_is_downloaded_again(
    osmnx_sandbox, overpass_up, tmp_path, capsys
):
    """A cached download whose lengths were changed is fetched again, with a note."""
    import responses

    from proximity.network.saved import is_saved_network

    cache = tmp_path / "net"
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        _mock_overpass(rsps)
        first = load_network(QUERY_POLYGON, buffer_m=50.0, cache_dir=cache, timeout_s=5)
        (entry,) = cache.glob("online-*.npz")
        with np.load(entry) as z:
            arrays = {k: z[k] for k in z.files}
        arrays["edge_length_m"] = arrays["edge_length_m"] * 0.1
        np.savez_compressed(entry, **arrays)
        again = load_network(QUERY_POLYGON, buffer_m=50.0, cache_dir=cache, timeout_s=5)
        assert len(_interpreter_calls(rsps)) == 2
    assert np.array_equal(again.edge_length_m, first.edge_length_m)
    assert is_saved_network(entry)
    err = capsys.readouterr().err
    assert str(entry) in err and "changed after it was saved" in err and "rebuilding" in err
