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


@pytest.mark.parametrize("seed", range(20))
def test_same_edge_pairs_with_a_known_target_order(seed):
    """same_edge_pairs with the targets' edge order given equals a brute-force double loop
    (every pair on one edge, sorted by source then target) and the call without it."""
    from types import SimpleNamespace

    from proximity.routing._graph import same_edge_pairs

    rng = np.random.default_rng(seed)
    n_e = int(rng.integers(1, 12))
    c = rng.random(n_e) * 50 + 1

    def pts(n):
        return SimpleNamespace(
            edge=rng.integers(0, n_e, n), frac=rng.random(n), access=rng.random(n) * 5
        )

    src, tgt = pts(int(rng.integers(0, 8))), pts(int(rng.integers(0, 60)))
    want = [
        (i, j, src.access[i] + abs(src.frac[i] - tgt.frac[j]) * c[src.edge[i]] + tgt.access[j])
        for i in range(src.edge.size)
        for j in range(tgt.edge.size)
        if src.edge[i] == tgt.edge[j]
    ]
    order = np.argsort(tgt.edge, kind="stable")
    for got in (same_edge_pairs(src, tgt, c, order), same_edge_pairs(src, tgt, c)):
        assert [(int(i), int(j)) for i, j in zip(got[0], got[1], strict=True)] == [
            w[:2] for w in want
        ]
        np.testing.assert_allclose(got[2], [w[2] for w in want], rtol=1e-12)
    a, b = same_edge_pairs(src, tgt, c, order), same_edge_pairs(src, tgt, c)
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


@pytest.mark.parametrize("seed", range(20))
def test_same_key_pairs_both_ways_equal_a_double_loop(seed):
    """same_key_pairs gives every (i, j) with ch[i] == e_ch[j], with or without ch's order
    (checked as sets against a double loop; the pairs of one i come in j order)."""
    from proximity.routing._graph import same_key_pairs

    rng = np.random.default_rng(seed)
    e_ch = np.sort(rng.integers(0, 15, int(rng.integers(0, 10))))
    ch = rng.integers(0, 15, int(rng.integers(0, 80)))
    want = {(i, j) for i in range(ch.size) for j in range(e_ch.size) if ch[i] == e_ch[j]}
    for order in (None, np.argsort(ch, kind="stable"), np.argsort(ch)):
        i, j = same_key_pairs(e_ch, ch, order)
        got = list(zip(i.tolist(), j.tolist(), strict=True))
        assert len(got) == len(want) and set(got) == want
