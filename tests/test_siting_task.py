"""SiteTask (proximity.siting.task): the frozen, validated request of a siting run."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from proximity.errors import ParameterError
from proximity.siting import SiteTask, p_median_cap_min, site


def test_defaults_are_site_defaults() -> None:
    import inspect

    params = inspect.signature(site).parameters
    for f in dataclasses.fields(SiteTask):
        assert params[f.name].default == f.default, f.name
        assert params[f.name].kind is inspect.Parameter.KEYWORD_ONLY
    assert set(params) == {"city", "network"} | {f.name for f in dataclasses.fields(SiteTask)}


def test_frozen() -> None:
    t = SiteTask(k=3)
    with pytest.raises(dataclasses.FrozenInstanceError):
        t.k = 4  # type: ignore[misc]


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"threshold_min": 0}, "threshold_min must be a positive number"),
        ({"threshold_min": float("nan")}, "threshold_min"),
        ({"threshold_min": True}, "threshold_min"),
        ({"threshold_min": "10"}, "threshold_min"),
        ({"k": 0}, "k must be a positive integer"),
        ({"k": True}, "k must be a positive integer"),
        ({"k": 2.0}, "k must be a positive integer"),
        ({"model": "median"}, "Unknown model"),
        ({"solver": "cplex"}, "Unknown solver"),
        ({"profile": "jogger"}, "jogger"),
        ({"area_level": "districts"}, "Unknown area_level"),
        ({"one_per_area": "sometimes"}, "one_per_area must be one of"),
        ({"candidates": 42}, "candidates must be None, categories"),
    ],
)
def test_validation_messages(kw: dict, match: str) -> None:
    with pytest.raises(ParameterError, match=match):
        SiteTask(**kw)


def test_validation_order() -> None:
    """Several bad options: the first one in the documented order is reported."""
    with pytest.raises(ParameterError, match="threshold_min"):
        SiteTask(threshold_min=-1, k=0, model="x")
    with pytest.raises(ParameterError, match="k must"):
        SiteTask(k=0, model="x", solver="y")
    with pytest.raises(ParameterError, match="Unknown model"):
        SiteTask(model="x", solver="y")
    with pytest.raises(ParameterError, match="Unknown solver"):
        SiteTask(solver="y", profile="jogger")


def test_site_validates_before_touching_the_city() -> None:
    with pytest.raises(ParameterError, match="k must"):
        site(None, None, k=-1)


def test_numpy_integers_and_thresholds() -> None:
    t = SiteTask(k=np.int64(2), threshold_min=np.float64(7.5))
    assert t.threshold == 7.5 and isinstance(t.threshold, float)


def test_derived_values() -> None:
    t = SiteTask(threshold_min=12, model="p_median")
    assert t.cap_min == p_median_cap_min(12) == 36.0
    assert t.bound_min(5) == 30.0
    assert SiteTask(threshold_min=12).bound_min(5) == 5
    assert t.robustness_thresholds() == [7.0, 12.0, 17.0]
    assert SiteTask(threshold_min=4).robustness_thresholds() == [4.0, 9.0]
    assert SiteTask(robustness_thresholds_min=()).robustness_thresholds() == []
    assert SiteTask(robustness_thresholds_min=(8,)).robustness_thresholds() == [8]
