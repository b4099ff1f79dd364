"""Walking profiles: values, references, minutes, edge costs and unknown names."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from proximity import profiles as profiles_module
from proximity.errors import ParameterError
from proximity.network import WalkNetwork
from proximity.profiles import PROFILES, WalkingProfile, get_profile, to_minutes


def test_required_profiles_exist_with_references():
    for name in ("adult", "elderly", "winter"):
        p = PROFILES[name]
        assert p.name == name and p.label_sv and "doi:" in p.reference
    assert (
        PROFILES["elderly"].speed_m_s < PROFILES["winter"].speed_m_s < PROFILES["adult"].speed_m_s
    )
    assert PROFILES["adult"].speed_m_s == 1.3
    doc = profiles_module.__doc__ or ""
    for cite in ("Murtagh", "Bohannon", "Willberg", "Fossum"):
        assert cite in doc


def test_winter_speeds_follow_the_documented_derivation():
    # +1 min/km (Fossum & Ryeng 2021) on top of the summer speed, then rounded
    assert PROFILES["winter"].speed_m_s == pytest.approx(1000 / (1000 / 1.3 + 60), abs=0.01)
    assert PROFILES["elderly_winter"].speed_m_s == pytest.approx(1000 / (1000 + 60), abs=0.005)


def test_to_minutes_scalars_arrays_and_inf():
    assert to_minutes(1300.0, 1.3) == pytest.approx(1000 / 60)
    out = to_minutes(np.array([0.0, 78.0, np.inf]), 1.3)
    np.testing.assert_allclose(out, [0.0, 1.0, np.inf])
    assert PROFILES["elderly"].minutes(600.0) == pytest.approx(10.0)
    assert PROFILES["adult"].metres(15) == pytest.approx(1170.0)
    with pytest.raises(ParameterError):
        to_minutes(100.0, 0.0)
    with pytest.raises(ParameterError, match="positive number of minutes"):
        PROFILES["adult"].metres(0)


def test_edge_cost_factors_and_impassable_steps():
    net = WalkNetwork.from_arrays(
        "EPSG:3006",
        [0.0, 10.0, 20.0, 30.0],
        [0.0, 0.0, 0.0, 0.0],
        [0, 1, 2],
        [1, 2, 3],
        edge_highway=["footway", "steps", "residential"],
    )
    np.testing.assert_allclose(PROFILES["adult"].edge_cost(net), [10.0, 10.0, 10.0])
    sf = PROFILES["step_free"].edge_cost(net)
    assert sf[0] == 10.0 and math.isinf(sf[1]) and sf[2] == 10.0
    custom = WalkingProfile("x", 1.0, "x", "test", {"residential": 1.5})
    np.testing.assert_allclose(custom.edge_cost(net), [10.0, 10.0, 15.0])
    # edge_cost never aliases the network's array
    cost = PROFILES["adult"].edge_cost(net)
    cost[0] = 99
    assert net.edge_length_m[0] == 10.0


def test_profile_is_frozen_hashable_and_validated():
    p = PROFILES["adult"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.speed_m_s = 2.0  # type: ignore[misc]
    assert hash(p) == hash(PROFILES["adult"])
    with pytest.raises(TypeError):
        p.highway_factor["steps"] = 2.0  # type: ignore[index]
    with pytest.raises(ParameterError, match="speed_m_s"):
        WalkingProfile("bad", 0.0, "x", "x")
    with pytest.raises(ParameterError, match="factor"):
        WalkingProfile("bad", 1.0, "x", "x", {"steps": -1.0})


def test_get_profile_names_objects_and_did_you_mean():
    assert get_profile("adult") is PROFILES["adult"]
    assert get_profile(" Elderly ") is PROFILES["elderly"]
    custom = WalkingProfile("mine", 1.1, "min", "own measurement")
    assert get_profile(custom) is custom
    with pytest.raises(ParameterError) as exc:
        get_profile("adlt")
    msg = str(exc.value)
    assert "Unknown walking profile 'adlt'" in msg and "Did you mean 'adult'?" in msg
    assert "elderly" in msg  # the known names are listed
    with pytest.raises(ParameterError, match="Known profiles"):
        get_profile("zzzz")
    with pytest.raises(ParameterError):
        get_profile(3)  # type: ignore[arg-type]
