"""Municipality names, codes and 2025 population from data/sweden/ (SCB 2025)."""

from __future__ import annotations

import pandas as pd
import pytest

from proximity.bundle.municipality import (
    POPULATION_2025_CSV,
    population_check,
    resolve_municipality,
    scb_population_2025,
)
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


def test_scb_population_2025_by_code():
    # transcribed from ../shared/data/sweden/population_kommun_lan_2025.csv (jan_1)
    assert scb_population_2025("2180") == 103838
    assert scb_population_2025("1283") == 152091
    assert scb_population_2025("9999") is None
    t = pd.read_csv(POPULATION_2025_CSV, dtype={"kommun_kod": str})
    assert len(t) == 290 and t["kommun_kod"].is_unique
    assert t["population_2025_01_01"].sum() == 10_587_710  # Riket on 2025-01-01, same file


def test_a_population_far_from_scbs_figure_is_warned():
    gavle = resolve_municipality("Gävle")
    msg = population_check(93_454.2, gavle)  # 90 % of 103 838
    assert msg is not None and "10.0% fewer" in msg and "103,838" in msg and "Gävle" in msg
    assert population_check(103_838 * 1.04, gavle) is None  # within 5 %
    assert "more" in population_check(103_838 * 1.06, gavle)
