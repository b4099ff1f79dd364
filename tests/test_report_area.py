"""Tests of proximity.report.area (area_profile) on synthetic report_inputs."""

from __future__ import annotations

import _maps_common as mc
import pytest

from proximity.errors import ParameterError
from proximity.report import area_profile


def test_area_profile(report_inputs, tmp_path):
    paths = area_profile(
        tmp_path, report_inputs["city"], report_inputs["access"], "A2", report_inputs["siting"]
    )
    assert sorted(paths) == ["omrade_A2.html", "omrade_A2.md"]
    md = paths["omrade_A2.md"].read_text("utf-8")
    assert "# Områdesprofil: Öster" in md
    pop = mc.rows(report_inputs["access"]).loc["A2"].population
    assert f"Befolkning: {int(pop):,d}".replace(",", mc.NBSP) in md
    rows = mc.table(md, "Kategori")
    assert len(rows) == len(report_inputs["access"].categories)
    assert "Luckor" in md and "Närmaste service" in md
    assert "Föreslaget stadsdelskontor nr 1" in md  # c7 lies in A2
    assert "Filial Söder" in md or "Stadsbiblioteket" in md


def test_area_profile_unknown_area(report_inputs, tmp_path):
    with pytest.raises(ParameterError, match="Available areas: A1, A2, A3, A4"):
        area_profile(tmp_path, report_inputs["city"], report_inputs["access"], "Z9")
    assert list(tmp_path.iterdir()) == []


def test_area_profile_candidates_by_keyword_or_by_position(report_inputs, tmp_path):
    import geopandas as gpd
    from shapely.geometry import Point

    syn = mc.synthetic()
    cands = gpd.GeoDataFrame(
        {"candidate_id": ["k1"], "name": ["Torget"], "source": ["test"]},
        geometry=[Point(syn.X0 + 3000, syn.Y0 + 3000)],
        crs=3006,
    )
    args = (report_inputs["city"], report_inputs["access"], "A2", report_inputs["siting"])
    kw = area_profile(tmp_path / "kw", *args, candidates=cands)["omrade_A2.md"].read_text("utf-8")
    assert "| k1 | Torget | test | – |" in kw
    pos = area_profile(tmp_path / "pos", *args, cands)["omrade_A2.md"].read_text("utf-8")
    assert pos == kw
    with pytest.raises(TypeError, match="candidates"):
        area_profile(tmp_path / "both", *args, cands, candidates=cands)


def test_area_profile_consistent_with_its_own_tables(report_inputs, tmp_path):
    """A chosen site located in the area is listed even when its area_id is of another level;
    without nearest-service data the profile does not claim there are no walking times."""
    import dataclasses

    siting = report_inputs["siting"]
    other_level = dataclasses.replace(
        siting, per_site=siting.per_site.assign(area_id=["S9", "S8", "S7"])
    )
    access = report_inputs["access"]
    access = dataclasses.replace(access, points=access.points.drop(columns=["service_id"]))
    md = area_profile(tmp_path, report_inputs["city"], access, "A2", other_level)[
        "omrade_A2.md"
    ].read_text("utf-8")
    assert "Inga kandidatplatser" not in md
    assert "| c7 | Biblioteket Öster |  | Föreslaget stadsdelskontor nr 1 |" in md
    assert "Inga gångtider" not in md
    assert "gångtiderna per kategori står i tabellen ovan" in md
    assert "| 0,0 |" not in md.split("Luckor")[0]
