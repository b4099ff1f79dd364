"""Bad input to snap() (proximity.snap._checks): lon/lat, swapped axes, CRS mismatch, bad
geometries, ids and parameters (synthetic networks unless said otherwise)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from _real import helsinki_network
from _snap_cases import X0, Y0, small_net

from proximity.errors import CRSError, GeometryError, ParameterError, SchemaError
from proximity.network import WalkNetwork
from proximity.snap import snap


# --------------------------------------------------------------------------- bad input
def test_lonlat_degrees_passed_as_metres():
    net = helsinki_network()
    lonlat = np.array([[24.94, 60.17], [24.95, 60.171]])
    with pytest.raises(CRSError) as exc:
        snap(net, lonlat, ids=["kallio-1", "kallio-2"], what="services")
    msg = str(exc.value)
    assert "'kallio-1'" in msg and "lon/lat" in msg
    assert 'to_crs("EPSG:32635")' in msg and "Fix:" in msg


def test_swapped_lat_lon_degrees_also_caught():
    net = small_net()
    # Helsingborg given as (lat, lon) degrees to a metric network: named, explained, fixable
    with pytest.raises(CRSError) as exc:
        snap(net, [[56.05, 12.69]], ids=["hbg"])
    msg = str(exc.value)
    assert "'hbg'" in msg and "(56.05, 12.69)" in msg
    assert "lat/lon" in msg and "EPSG:3006" in msg
    assert "Fix:" in msg and "to_crs" in msg


def test_swapped_x_y_metres():
    net = helsinki_network()
    xy = np.column_stack([net.node_y[:3], net.node_x[:3]])  # (northing, easting)
    with pytest.raises(CRSError) as exc:
        snap(net, xy, ids=["r1", "r2", "r3"])
    msg = str(exc.value)
    assert "'r1'" in msg and "swapped" in msg and "Fix:" in msg


@pytest.mark.parametrize("net_crs", ["EPSG:3006", "EPSG:32635"])
def test_crs_mismatch_names_both_and_the_fix(net_crs):
    net = small_net(net_crs)
    gdf = gpd.GeoDataFrame(geometry=gpd.points_from_xy([12.7], [56.05]), crs="EPSG:4326")
    with pytest.raises(CRSError) as exc:
        snap(net, gdf, what="services")
    msg = str(exc.value)
    assert "EPSG:4326" in msg and net_crs in msg
    assert f'points.to_crs("{net_crs}")' in msg


def test_missing_crs():
    net = small_net()
    gs = gpd.GeoSeries(gpd.points_from_xy([X0], [Y0]))
    with pytest.raises(CRSError, match="no CRS"):
        snap(net, gs)


def test_empty_missing_and_non_point_geometry_name_the_point():
    net = small_net()
    geoms = [shapely.Point(X0, Y0), shapely.Point(), None, shapely.box(X0, Y0, X0 + 5, Y0 + 5)]
    ids = ["ok", "empty", "none", "poly"]
    for bad in (1, 2, 3):
        gdf = gpd.GeoDataFrame(
            {"i": [ids[0], ids[bad]]}, geometry=[geoms[0], geoms[bad]], crs="EPSG:3006"
        )
        with pytest.raises(GeometryError) as exc:
            snap(net, gdf, ids=gdf["i"])
        assert f"'{ids[bad]}'" in str(exc.value) and "Fix:" in str(exc.value)
    with pytest.raises(GeometryError, match="representative_point"):
        snap(net, gpd.GeoSeries([geoms[3]], crs="EPSG:3006"))


def test_nan_coordinates_and_bad_shapes():
    net = small_net()
    with pytest.raises(GeometryError, match=r"'b'.*non-finite"):
        snap(net, [[X0, Y0], [np.nan, Y0]], ids=["a", "b"])
    with pytest.raises(ParameterError, match=r"\(n, 2\)"):
        snap(net, np.zeros((3, 3)))
    with pytest.raises(ParameterError, match="ids"):
        snap(net, [[X0, Y0]], ids=["a", "b"])


def test_duplicate_ids_and_bad_parameters():
    net = small_net()
    with pytest.raises(SchemaError, match=r"duplicate ids.*'a'"):
        snap(net, [[X0, Y0], [X0 + 1, Y0]], ids=["a", "a"])
    with pytest.raises(ParameterError, match="max_snap_m"):
        snap(net, [[X0, Y0]], max_snap_m=-1)
    with pytest.raises(ParameterError, match="min_component_share"):
        snap(net, [[X0, Y0]], min_component_share=2)
    geo = WalkNetwork.from_arrays("EPSG:4326", [12.7, 12.71], [56.0, 56.0], [0], [1])
    with pytest.raises(CRSError, match="geographic"):
        snap(geo, [[12.7, 56.0]])
