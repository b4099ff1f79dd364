"""SitingProblem (proximity.siting.models): validation of the array-level instance."""

from __future__ import annotations

import pytest
from _siting_instances import tiny

from proximity.errors import ParameterError


def test_k_larger_than_candidates() -> None:
    with pytest.raises(ParameterError, match="only 2 candidates"):
        tiny(k=3)


def test_threshold_not_positive() -> None:
    with pytest.raises(ParameterError, match="threshold_min must be > 0"):
        tiny(threshold_min=0)
    with pytest.raises(ParameterError):
        tiny(threshold_min=-5)


def test_duplicate_candidate_ids_and_bad_weights() -> None:
    with pytest.raises(ParameterError, match="not unique"):
        tiny(candidate_ids=["p", "p"])
    with pytest.raises(ParameterError, match="non-negative"):
        tiny(demand_weight=[1.0, -2.0, 3.0])
