"""Walking times for siting (proximity.siting.distances): method labels and sparse helpers."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from proximity.distance_method import DistanceMethod
from proximity.errors import ParameterError
from proximity.siting.distances import _bounded, _column_min, _Distances, _structure, _to_min


def test_method_label_is_the_distance_method() -> None:
    d = _Distances(None, 300.0, 1.3)
    assert d.method == "crowfly×1.3" == DistanceMethod.crowfly(1.3).label
    assert d.distance_method.is_crowfly
    assert _Distances(None, 300.0, 2).method == "crowfly×2"
    with pytest.raises(ParameterError, match="detour_factor"):
        _Distances(None, 300.0, 0.5)


def test_crowfly_matrix_is_straight_line_times_detour() -> None:
    d = _Distances(None, 300.0, 1.5)
    src = ("a", np.array([[0.0, 0.0], [1000.0, 0.0]]), ["a0", "a1"])
    tgt = ("b", np.array([[0.0, 100.0], [0.0, 900.0]]), ["b0", "b1"])
    m = d.matrix(src, tgt, 300.0, None).toarray()
    assert m[0, 0] == pytest.approx(150.0)
    assert m[0, 1] == 0 and m[1, 0] == 0  # beyond the cutoff (900 × 1.5 > 300)
    assert d.matrix(src, ("c", np.zeros((0, 2)), []), 300.0, None).shape == (2, 0)


def test_sparse_helpers_keep_explicit_zeros() -> None:
    m = sp.csr_matrix((np.array([0.0, 90.0, 600.0]), ([0, 0, 1], [0, 1, 1])), shape=(2, 3))
    mins = _to_min(m, 1.5)  # 1.5 m/s: 90 m = 1 min, 600 m = 6.67 min
    assert mins.nnz == 3 and mins[0, 1] == pytest.approx(1.0)
    b = _bounded(mins, 2.0)
    assert b.nnz == 2  # the 0-minute entry stays
    assert _structure(b).toarray().tolist() == [[True, True, False], [False, False, False]]
    assert _column_min(b).tolist() == [0.0, 1.0, np.inf]
