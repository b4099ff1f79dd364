"""Bad input to the routing functions (checks in proximity.routing._graph)."""

from __future__ import annotations

import numpy as np
import pytest
from _routing_cases import (
    line_network,
)

from proximity.errors import GeometryError, ParameterError, SchemaError
from proximity.network import WalkNetwork
from proximity.routing import bounded_matrix, nearest
from proximity.snap import snap


# --------------------------------------------------------------------------- bad input
def test_empty_service_set_is_a_clear_error():
    net = line_network()
    empty = snap(net, np.zeros((0, 2)))
    t = snap(net, [[0.0, 0.0]])
    with pytest.raises(SchemaError) as exc:
        nearest(net, empty, t, what="services in category 'library'")
    msg = str(exc.value)
    assert "no services in category 'library'" in msg and "Fix:" in msg
    with pytest.raises(SchemaError, match="no services"):
        bounded_matrix(net, empty, t, 100.0)


def test_all_sources_too_far_is_a_clear_error():
    net = line_network()
    s = snap(net, [[0.0, 900.0]], ids=["lost"], max_snap_m=50)
    t = snap(net, [[0.0, 0.0]])
    with pytest.raises(GeometryError) as exc:
        nearest(net, s, t)
    assert "max_snap_m" in str(exc.value) and "qa_table" in str(exc.value)


@pytest.mark.parametrize("bad", [0.0, -5.0, float("nan")])
def test_cutoff_must_be_positive(bad):
    net = line_network()
    s = snap(net, [[0.0, 0.0]])
    with pytest.raises(ParameterError, match="cutoff_m must be a positive"):
        bounded_matrix(net, s, s, bad)
    with pytest.raises(ParameterError, match="limit_m must be a positive"):
        nearest(net, s, s, limit_m=bad)


def test_points_from_another_network_and_bad_cost():
    net = line_network()
    other = WalkNetwork.from_arrays("EPSG:3006", [0.0, 1.0], [0.0, 0.0], [0], [1])
    s = snap(other, [[0.0, 0.0]])
    with pytest.raises(ParameterError, match="different network"):
        nearest(net, s, s)
    ok = snap(net, [[0.0, 0.0]])
    with pytest.raises(ParameterError, match="edge_cost has shape"):
        nearest(net, ok, ok, edge_cost=np.ones(2))
    with pytest.raises(ParameterError, match="NaN or negative"):
        nearest(net, ok, ok, edge_cost=-np.ones(net.n_edges))
    with pytest.raises(ParameterError, match="must be a Snapped"):
        nearest(net, np.zeros((1, 2)), ok)  # type: ignore[arg-type]
