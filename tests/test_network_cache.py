"""Saved networks and the network cache (proximity.network.cache)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from _real import helsinki_pbf
from shapely.geometry import box

from proximity.errors import CRSError
from proximity.network import WalkNetwork, cache_network, load_network
from proximity.network import pbf as pbf_mod

FIX = Path(__file__).parent / "fixtures" / "network"


def test_file_cache_second_load_does_not_parse(tmp_path, monkeypatch):
    src = tmp_path / "helsinki.osm.pbf"
    shutil.copy(helsinki_pbf(), src)
    first = load_network(src, cache_dir=tmp_path / "cache")
    cached = list((tmp_path / "cache").glob("*.npz"))
    assert len(cached) == 1

    def boom(*args, **kwargs):
        raise AssertionError("parser called although the network is cached")

    monkeypatch.setattr(pbf_mod, "parse_osm_file", boom)
    second = load_network(src, cache_dir=tmp_path / "cache")
    for name in (
        "node_osm_id",
        "node_x",
        "node_y",
        "edge_u",
        "edge_v",
        "edge_length_m",
        "edge_highway",
        "edge_way_id",
    ):
        assert np.array_equal(getattr(first, name), getattr(second, name)), name
    assert second.crs == first.crs
    assert second.provenance["source_sha256"] == first.provenance["source_sha256"]
    # a cold and a warm cache describe the network identically (outputs byte-identical):
    # both name the cache file, and the measured parse time is a timing, not provenance
    assert first.provenance == second.provenance
    assert first.provenance["cache_file"] == str(cached[0].resolve())
    assert not any("seconds" in k for k in first.provenance)
    assert first.timings["parse_seconds"] >= 0 and "parse_seconds" in first.summary()
    assert second.timings == {}
    # another profile version or boundary is another cache entry (and would parse)
    with pytest.raises(AssertionError, match="parser called"):
        load_network(
            src,
            cache_dir=tmp_path / "cache",
            buffer_m=10.0,
            boundary=box(24.940, 60.168, 24.946, 60.172),
        )


def test_npz_round_trip(tmp_path):
    net = load_network(FIX / "missing_node.osm")
    path = cache_network(net, tmp_path / "net.npz")
    again = load_network(path)
    assert isinstance(again, WalkNetwork)
    assert np.array_equal(again.edge_u, net.edge_u)
    assert again.provenance["source_kind"] == "osm"
    assert again.provenance["cache_file"] == str(path.resolve())
    assert again.crs == net.crs
    assert load_network(path, crs="epsg:3006").crs == "EPSG:3006"
    with pytest.raises(CRSError, match="cached network"):
        load_network(path, crs="EPSG:32633")
