"""Inputs of a siting run (proximity.siting.inputs): area bounds and candidate tables."""

from __future__ import annotations

import pytest
from _siting_city import synthetic_city

from proximity.errors import ParameterError
from proximity.siting.inputs import _area_bounds, _build_candidates


def test_area_bounds_modes() -> None:
    ids = ["A", "B", "C"]
    existing = {"B": 1}
    assert _area_bounds(False, ids, existing, None, None) == ({}, {})
    for mode in (True, "at_most"):
        assert _area_bounds(mode, ids, existing, None, None) == ({}, {"A": 1, "B": 0, "C": 1})
    assert _area_bounds("at_least", ids, existing, None, None) == ({"A": 1, "C": 1}, {})
    assert _area_bounds("exactly", ids, existing, None, None) == (
        {"A": 1, "C": 1},
        {"A": 1, "B": 0, "C": 1},
    )
    # explicit mappings override the mode
    lo, hi = _area_bounds("exactly", ids, existing, {"A": 2, "C": 0}, {"A": 2})
    assert lo == {"A": 2} and hi == {"A": 2, "B": 0, "C": 1}


def test_build_candidates_rejects_an_unknown_type() -> None:
    from pathlib import Path

    city = synthetic_city()
    with pytest.raises(ParameterError, match="candidates must be None"):
        _build_candidates(city, Path("no-such-file-without-suffix"), city.areas, "area_id")
