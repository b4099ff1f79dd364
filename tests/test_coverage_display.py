"""Display geometry (proximity.coverage.display): reached network and isochrone polygons on
the synthetic line network."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from _coverage_cases import (
    ONE,
    X0,
    Y0,
    line_network,
)

from proximity.coverage import (
    isochrone_polygons,
    reached_edges,
)
from proximity.snap import snap


def test_reached_edges_and_isochrone() -> None:
    net = line_network()
    svc = snap(net, np.array([[X0, Y0]]), ids=["lib1"])
    # 7.5 min at 1 m/s = 450 m: edge 0-300 whole, edge 300-600 up to 450
    lines = reached_edges(net, svc, 7.5, ONE)
    assert lines["reached_m"].sum() == pytest.approx(450.0)
    assert len(lines) == 2
    poly = isochrone_polygons(net, svc, [7.5, 15], ONE, buffer_m=25)
    assert list(poly["threshold_min"]) == [7.5, 15.0]
    g = poly.geometry.iloc[0]
    assert g.contains(shapely.Point(X0 + 400, Y0 + 10))
    assert not g.contains(shapely.Point(X0 + 700, Y0))
    assert not g.contains(shapely.Point(X0 + 200, Y0 + 100))  # a buffer, not a hull
    assert poly.geometry.iloc[1].area > g.area
    # a service mid-edge reaches both ways along its own edge
    mid = snap(net, np.array([[X0 + 450, Y0]]), ids=["m"])
    lines = reached_edges(net, mid, 1.0, ONE)  # 60 m each way
    assert lines["reached_m"].sum() == pytest.approx(120.0)
