"""Provenance of a coverage computation (proximity.coverage.provenance)."""

from __future__ import annotations

import pytest
from _coverage_cases import (
    hand_access,
)

from proximity.coverage import (
    Access,
)


@pytest.fixture(scope="module")
def hand() -> Access:
    return hand_access()


def test_provenance_and_no_age_note(hand: Access) -> None:
    prov = hand.provenance
    assert prov["distance_method"] == "network"
    assert len(prov["network_hash"]) == 64
    assert prov["profiles"]["adult"]["speed_m_s"] == 1.3
    assert "Murtagh" in prov["profiles"]["adult"]["reference"]
    assert prov["age_groups"] == "no age data"
    assert any("no age data" in n for n in prov["notes"])
    assert set(hand.areas["group"]) == {"all"}
    assert len(prov["date"]) == 10
