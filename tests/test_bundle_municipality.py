"""Municipality names and codes from data/sweden/kommuner.gpkg (SCB 2025)."""

from __future__ import annotations

import pytest

from proximity.bundle.municipality import resolve_municipality
from proximity.errors import ParameterError


@pytest.mark.parametrize("query", ["2180", "Gävle", "gavle", "Gävle kommun", "GÄVLE"])
def test_gavle_by_name_or_code(query):
    m = resolve_municipality(query)
    assert (m.code, m.name) == ("2180", "Gävle")
    assert m.geometry.area > 1e8 and m.crs == "EPSG:3006"


def test_genitive_kommun_names_and_leading_zero_codes():
    assert resolve_municipality("Helsingborgs kommun").code == "1283"
    assert resolve_municipality("114").name == "Upplands Väsby"
    assert resolve_municipality("Borås kommun").code == "1490"


def test_did_you_mean():
    with pytest.raises(ParameterError, match=r"Did you mean .*Gävle"):
        resolve_municipality("Gavel")
    with pytest.raises(ParameterError, match="4-digit code"):
        resolve_municipality("9999")
