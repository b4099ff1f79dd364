"""Projecting and normalising segments into a network (proximity.network.assemble)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from _real import helsinki_network
from pyproj import Geod, Transformer

from proximity.errors import CRSError, NetworkError
from proximity.network import load_network

FIX = Path(__file__).parent / "fixtures" / "network"


def test_helsinki_projected_lengths_match_geodesic_within_0_1_percent():
    """Edge lengths are straight projected segments; compare with WGS 84 geodesics."""
    net = helsinki_network()
    lon, lat = Transformer.from_crs(net.crs, "EPSG:4326", always_xy=True).transform(
        net.node_x, net.node_y
    )
    geod = Geod(ellps="WGS84")
    _, _, d = geod.inv(lon[net.edge_u], lat[net.edge_u], lon[net.edge_v], lat[net.edge_v])
    assert np.sum(net.edge_length_m) / np.sum(d) == pytest.approx(1.0, abs=1e-3)
    assert np.max(np.abs(net.edge_length_m - d)) < 0.1  # metres per segment


def test_explicit_crs_and_non_metric_crs():
    net = load_network(FIX / "missing_node.osm", crs="EPSG:32633")
    assert net.crs == "EPSG:32633"
    with pytest.raises(CRSError):
        load_network(FIX / "missing_node.osm", crs="EPSG:4326")


def test_empty_after_filtering():
    path = FIX / "only_motorway.osm"
    with pytest.raises(NetworkError) as info:
        load_network(path)
    msg = str(info.value)
    assert "empty after filtering" in msg
    assert str(path) in msg
    assert "proximity-walk-1" in msg
    assert info.value.fix
