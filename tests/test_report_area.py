"""Tests of proximity.report.area (area_profile) on synthetic inputs."""

from __future__ import annotations

import _maps_common as mc
import pytest

from proximity.errors import ParameterError
from proximity.report import area_profile


@pytest.fixture(scope="module")
def inputs():
    return mc.report_inputs()


def test_area_profile(inputs, tmp_path):
    paths = area_profile(tmp_path, inputs["city"], inputs["access"], "A2", inputs["siting"])
    assert sorted(paths) == ["omrade_A2.html", "omrade_A2.md"]
    md = paths["omrade_A2.md"].read_text("utf-8")
    assert "# Områdesprofil: Öster" in md
    pop = mc.rows(inputs["access"]).loc["A2"].population
    assert f"Befolkning: {int(pop):,d}".replace(",", mc.NBSP) in md
    rows = mc.table(md, "Kategori")
    assert len(rows) == len(inputs["access"].categories)
    assert "Luckor" in md and "Närmaste service" in md
    assert "Föreslaget stadsdelskontor nr 1" in md  # c7 lies in A2
    assert "Filial Söder" in md or "Stadsbiblioteket" in md


def test_area_profile_unknown_area(inputs, tmp_path):
    with pytest.raises(ParameterError, match="Available areas: A1, A2, A3, A4"):
        area_profile(tmp_path, inputs["city"], inputs["access"], "Z9")
    assert list(tmp_path.iterdir()) == []
