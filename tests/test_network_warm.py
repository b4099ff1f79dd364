"""The search structures saved beside a saved network (``proximity.network.warm``).

Networks here are synthetic: a straight 300-node street with a 2-node island 1 km off
(under 1 % of the nodes, so the main-component index is saved too).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from _snap_cases import X0, Y0

from proximity.network import WalkNetwork
from proximity.network import warm as warm_mod
from proximity.network.saved import read_npz, save_npz
from proximity.routing import _chains, nearest
from proximity.snap import _nearest_edge, snap

POINTS = np.array(
    [[X0 + 20, Y0 + 5], [X0 + 1500, Y0 + 150], [X0 + 506, Y0 + 1003], [X0 + 3500, Y0 + 60]]
)


def small_net() -> WalkNetwork:
    """Synthetic: nodes 0..299 every 10 m along x, and the island edge 300-301 1 km north."""
    x = np.concatenate([np.arange(300) * 10.0, [500.0, 520.0]]) + X0
    y = np.concatenate([np.zeros(300), [1000.0, 1000.0]]) + Y0
    u = np.concatenate([np.arange(299), [300]])
    return WalkNetwork.from_arrays("EPSG:3006", x, y, u, u + 1)


def _results(net: WalkNetwork) -> tuple[pd.DataFrame, np.ndarray]:
    pts = snap(net, POINTS)
    src = snap(net, np.array([[X0 + 1, Y0 + 1]]), ids=["s"])
    return pts.qa_table(), nearest(net, src, pts).distance_m


def test_loaded_network_gets_its_saved_structures_and_the_same_results(tmp_path):
    path = save_npz(small_net(), tmp_path / "net.npz", search_structures=True)
    assert warm_mod.warm_path(path).is_file()
    net = read_npz(WalkNetwork, path)
    # installed on load, before any snapping or routing
    assert set(_nearest_edge._INDEX[net]) == {None, (0,)}
    assert b"length" in _chains._CHAIN_CACHE[net]
    assert "component_labels" in net.__dict__
    with_warm = _results(net)
    warm_mod.warm_path(path).unlink()
    plain = read_npz(WalkNetwork, path)
    assert plain not in _nearest_edge._INDEX and plain not in _chains._CHAIN_CACHE
    without = _results(plain)
    pd.testing.assert_frame_equal(with_warm[0], without[0])
    np.testing.assert_array_equal(with_warm[1], without[1])
    # the island point stays on its island (the street is 1 km away), the last is too far
    assert with_warm[0]["status"].tolist() == ["ok", "ok", "island", "too_far"]


def test_a_warm_file_of_another_network_is_ignored(tmp_path):
    a = save_npz(small_net(), tmp_path / "a.npz", search_structures=True)
    other = small_net()
    moved = WalkNetwork.from_arrays(
        other.crs, other.node_x + 1.0, other.node_y, other.edge_u, other.edge_v
    )
    b = save_npz(moved, tmp_path / "b.npz", search_structures=True)
    warm_mod.warm_path(b).write_bytes(warm_mod.warm_path(a).read_bytes())
    net = read_npz(WalkNetwork, b)
    assert net not in _nearest_edge._INDEX  # another network's hash: not used
    np.testing.assert_array_equal(_results(net)[1], _results(moved)[1])


def test_a_foreign_file_at_the_warm_path_is_left_alone(tmp_path):
    foreign = tmp_path / "net.warm"
    foreign.write_text("my notes, not proximity's")
    path = save_npz(small_net(), tmp_path / "net.npz", search_structures=True)
    assert foreign.read_text() == "my notes, not proximity's"
    net = read_npz(WalkNetwork, path)  # loads, builds on first use
    assert net not in _nearest_edge._INDEX
    assert _results(net)[0]["status"].tolist() == ["ok", "ok", "island", "too_far"]


def test_a_corrupt_warm_file_is_ignored(tmp_path):
    path = save_npz(small_net(), tmp_path / "net.npz", search_structures=True)
    w = warm_mod.warm_path(path)
    w.write_bytes(w.read_bytes()[: w.stat().st_size // 2])
    net = read_npz(WalkNetwork, path)
    assert net not in _nearest_edge._INDEX and net not in _chains._CHAIN_CACHE
    assert len(_results(net)[1]) == len(POINTS)


def test_the_saved_network_hash_is_the_one_computed_on_the_loaded_network(tmp_path):
    from proximity.coverage import provenance

    path = save_npz(small_net(), tmp_path / "net.npz", search_structures=True)
    net = read_npz(WalkNetwork, path)
    assert provenance._HASHES[net] == provenance._network_hash(net)


def test_only_the_cache_folder_gets_them_by_default(tmp_path, monkeypatch):
    monkeypatch.setenv("PROXIMITY_CACHE", str(tmp_path / "cache"))
    from proximity import config

    user = save_npz(small_net(), tmp_path / "mine.npz")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.json", "mine.npz"]
    cached = save_npz(small_net(), config.network_cache_dir() / "entry.npz")
    assert warm_mod.warm_path(cached).is_file() and not warm_mod.warm_path(user).exists()
