"""Clipping to a boundary plus a buffer (proximity.network.clip)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import shapely
from _real import helsinki_network, helsinki_pbf
from pyproj import Transformer
from shapely.geometry import box

from proximity.errors import CRSError, NetworkError
from proximity.network import load_network

FIX = Path(__file__).parent / "fixtures" / "network"


def test_clip_to_boundary_with_buffer():
    full = helsinki_network()
    boundary = box(24.940, 60.168, 24.946, 60.172)  # lon/lat, EPSG:4326
    net = load_network(helsinki_pbf(), boundary=boundary, buffer_m=100.0)
    assert 0 < net.n_nodes < full.n_nodes
    assert net.crs == "EPSG:32635"
    area = shapely.transform(
        boundary,
        lambda xy: np.column_stack(
            Transformer.from_crs("EPSG:4326", net.crs, always_xy=True).transform(xy[:, 0], xy[:, 1])
        ),
    ).buffer(100.0)
    gdf = net.edges_gdf()
    assert gdf.intersects(area).all()
    # every full-network edge that intersects the area is kept
    full_gdf = full.edges_gdf()
    assert int(full_gdf.intersects(area).sum()) == net.n_edges
    # no node is unused
    assert np.unique(np.concatenate([net.edge_u, net.edge_v])).size == net.n_nodes
    clip = net.provenance["clip"]
    assert clip["buffer_m"] == 100.0 and clip["boundary_bbox_wkt"].startswith("POLYGON")


def test_clip_accepts_geoseries_in_any_crs_and_rejects_metres_without_crs():
    import geopandas as gpd

    boundary = box(24.940, 60.168, 24.946, 60.172)
    gs = gpd.GeoSeries([boundary], crs="EPSG:4326").to_crs("EPSG:3067")
    a = load_network(helsinki_pbf(), boundary=boundary, buffer_m=50.0)
    b = load_network(helsinki_pbf(), boundary=gpd.GeoDataFrame(geometry=gs), buffer_m=50.0)
    assert abs(a.n_edges - b.n_edges) <= 0.01 * a.n_edges
    with pytest.raises(CRSError, match="EPSG:4326"):
        load_network(helsinki_pbf(), boundary=gs.iloc[0])  # metres, no CRS
    with pytest.raises(CRSError, match="no CRS"):
        load_network(helsinki_pbf(), boundary=gpd.GeoSeries([boundary]))


def test_clip_outside_data_is_empty_error():
    with pytest.raises(NetworkError) as info:
        load_network(FIX / "missing_node.osm", boundary=box(11.0, 57.0, 11.1, 57.1))
    assert "missing_node.osm" in str(info.value)
    assert info.value.fix
