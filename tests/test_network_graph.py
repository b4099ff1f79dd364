"""The WalkNetwork container (proximity.network.graph)."""

from __future__ import annotations

from _real import helsinki_network


def test_helsinki_networkx_view_agrees():
    net = helsinki_network()
    g = net.to_networkx()
    assert g.number_of_nodes() == net.n_nodes and g.number_of_edges() == net.n_edges


def test_from_arrays_normalises_and_saves(tmp_path):
    import numpy as np

    from proximity.network import WalkNetwork

    # a square with a parallel (longer) edge 0-1 and a self-loop 2-2
    x, y = [0.0, 3.0, 3.0, 0.0], [0.0, 0.0, 4.0, 4.0]
    net = WalkNetwork.from_arrays(
        "EPSG:3006",
        x,
        y,
        [1, 0, 1, 2, 3, 2],
        [0, 1, 2, 3, 0, 2],
        edge_length_m=[3.0, 5.0, 4.0, 3.0, 4.0, 0.0],
    )
    assert net.n_nodes == 4 and net.n_edges == 4
    assert np.all(net.edge_u < net.edge_v)
    assert net.edge_length_m[(net.edge_u == 0) & (net.edge_v == 1)].tolist() == [3.0]
    assert net.csr().sum() == 2 * (3.0 + 4.0 + 3.0 + 4.0)
    assert net.largest_component_share == 1.0
    again = WalkNetwork.load(net.save(tmp_path / "sq.npz"))
    assert np.array_equal(again.edge_length_m, net.edge_length_m) and again.crs == net.crs
