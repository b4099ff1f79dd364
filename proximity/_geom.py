"""Small planar-geometry helpers shared by snapping and routing.

:func:`segment_length` is the straight length of every network edge (cached per network
object) and :func:`morton_key` the Z-order key used to visit points in a cache-friendly,
spatially compact order.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from proximity.network import WalkNetwork

__all__ = ["morton_key", "segment_length"]

_SEG_LEN: weakref.WeakKeyDictionary[Any, np.ndarray] = weakref.WeakKeyDictionary()


def segment_length(network: WalkNetwork) -> np.ndarray:
    """Euclidean length of each edge segment in CRS metres (cached per network object).

    Parameters
    ----------
    network : WalkNetwork
        The walking network (treated as immutable).

    Returns
    -------
    numpy.ndarray
        float64, one length per edge (``edge_u`` to ``edge_v`` in a straight line).
    """
    out = _SEG_LEN.get(network)
    if out is None:
        out = np.hypot(
            network.node_x[network.edge_v] - network.node_x[network.edge_u],
            network.node_y[network.edge_v] - network.node_y[network.edge_u],
        )
        _SEG_LEN[network] = out
    return out


def _spread_bits(v: np.ndarray) -> np.ndarray:
    """The low 21 bits of ``v`` moved to bit positions 0, 3, 6, ... (uint64)."""
    v = v.astype(np.uint64) & np.uint64(0x1FFFFF)
    v = (v | (v << np.uint64(32))) & np.uint64(0x1F00000000FFFF)
    v = (v | (v << np.uint64(16))) & np.uint64(0x1F0000FF0000FF)
    v = (v | (v << np.uint64(8))) & np.uint64(0x100F00F00F00F00F)
    v = (v | (v << np.uint64(4))) & np.uint64(0x10C30C30C30C30C3)
    v = (v | (v << np.uint64(2))) & np.uint64(0x1249249249249249)
    return v


def morton_key(ix: np.ndarray, iy: np.ndarray) -> np.ndarray:
    """Z-order (Morton) key: the low 21 bits of ``ix`` and ``iy`` interleaved.

    Bit ``k`` of ``ix`` lands at position ``3k`` and bit ``k`` of ``iy`` at ``3k + 1`` (the
    spacing of a 3-D key; the order is the same as with dense 2-D interleaving).

    Parameters
    ----------
    ix, iy : numpy.ndarray
        Non-negative integer grid cell coordinates (only the low 21 bits are used).

    Returns
    -------
    numpy.ndarray
        uint64 keys; sorting by them visits the cells along a Z-order curve.
    """
    return _spread_bits(ix) | (_spread_bits(iy) << np.uint64(1))
