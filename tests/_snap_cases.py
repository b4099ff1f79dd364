"""Synthetic networks shared by the snapping tests (tests/test_snap_*.py)."""

from __future__ import annotations

import numpy as np

from proximity.network import WalkNetwork

# Helsingborg-ish coordinates in SWEREF 99 TM, so the synthetic network is metric and far
# from the lon/lat box (the degree and swap checks are active)
X0, Y0 = 360_000.0, 6_213_000.0


def small_net(crs: str = "EPSG:3006") -> WalkNetwork:
    """Synthetic: an L of two 100 m edges (0-1 along x, 1-2 along y) plus an island edge 3-4
    and a main-component tail 2-5-6-7 (8 nodes, island = 2 of them)."""
    x = np.array([0, 100, 100, 500, 510, 100, 100, 100], float) + X0
    y = np.array([0, 0, 100, 500, 500, 200, 300, 400], float) + Y0
    return WalkNetwork.from_arrays(crs, x, y, [0, 1, 3, 2, 5, 6], [1, 2, 4, 5, 6, 7])
