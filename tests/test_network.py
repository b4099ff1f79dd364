"""The proximity.network package: its public names and the metric-CRS rule it re-exports."""

from __future__ import annotations

import pytest

from proximity.errors import CRSError
from proximity.network import metric_crs_for


@pytest.mark.parametrize(
    ("lon", "lat", "crs"),
    [
        (12.69, 56.05, "EPSG:3006"),  # Helsingborg
        (18.07, 59.33, "EPSG:3006"),  # Stockholm
        (20.26, 67.86, "EPSG:3006"),  # Kiruna
        (24.94, 60.17, "EPSG:32635"),  # Helsinki (east of the Swedish box)
        (-0.13, 51.51, "EPSG:32630"),  # London
        (151.2, -33.87, "EPSG:32756"),  # Sydney (south)
        (180.0, 0.0, "EPSG:32660"),  # zone 60 at the antimeridian
    ],
)
def test_metric_crs_for(lon, lat, crs):
    assert metric_crs_for(lon, lat) == crs


def test_metric_crs_for_rejects_non_degrees():
    with pytest.raises(CRSError):
        metric_crs_for(400000.0, 6200000.0)


def test_public_names_and_one_crs_rule():
    import proximity.crs
    import proximity.network as net

    for name in net.__all__:
        assert getattr(net, name) is not None, name
    assert net.metric_crs_for is proximity.crs.metric_crs_for
    assert not hasattr(net, "SWEDEN_BBOX")  # the network keeps no box of its own
    # the edge of EPSG:3006's area of use, not a hand-typed box, decides
    _, y0, x1, y1 = proximity.crs.sweden_area_of_use()
    assert metric_crs_for(x1 - 0.01, (y0 + y1) / 2) == "EPSG:3006"
    assert metric_crs_for(x1 + 0.01, (y0 + y1) / 2) != "EPSG:3006"
