"""The one Overpass probe (proximity._overpass.reachable): its timeout is checked."""

from __future__ import annotations

import pytest

from proximity import _overpass
from proximity.errors import ParameterError


@pytest.mark.parametrize("timeout", [0, -1, float("nan"), float("inf"), "soon"])
def test_bad_timeout_is_a_parameter_error(timeout):
    with pytest.raises(ParameterError) as info:
        _overpass.reachable(timeout)
    assert "--timeout" in info.value.fix and "probe_timeout_s" in info.value.fix


def test_huge_timeout_is_cut_to_the_maximum(monkeypatch):
    """1e300 s would overflow the thread join; it is cut to MAX_PROBE_S instead."""
    monkeypatch.delenv("PROXIMITY_OFFLINE", raising=False)
    assert _overpass.reachable(1e300, host="127.0.0.1", port=9) is False
