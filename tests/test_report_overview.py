"""Tests of proximity.report.overview: the category × profile matrix, minutes, inequality."""

from __future__ import annotations

import pandas as pd

from proximity.report.overview import INEQUALITY_SV, matrix_blocks, minutes_text
from proximity.sources.city import TOTAL_AREA_ID
from tests import _maps_common as mc


def test_minutes_text():
    assert minutes_text(0.0) == "<\u00a01"
    assert minutes_text(0.99) == "<\u00a01"
    assert minutes_text(12.34) == "12,3"
    assert minutes_text(None) == minutes_text(float("nan")) == "–"


def test_inequality_measures_say_which_direction_is_better():
    for name, sentence in INEQUALITY_SV.values():
        assert name.startswith("Ojämlikhet i ")
        assert "lägre är jämlikare" in sentence


def test_matrix_every_category_and_profile(report_inputs):
    access = report_inputs["access"]
    blocks = matrix_blocks(access, 10, "Hela kommunen")
    table = next(b for b in blocks if b.kind == "table")
    t = pd.DataFrame(access.areas)
    cats = t["category"].unique()
    profiles = t["profile"].unique()
    assert len(table.rows) == len(cats)
    assert table.header[0] == "Kategori" and len(table.header) == 1 + len(profiles)
    assert table.header[1] == "Vuxen"  # the adult profile first
    lib = next(r for r in table.rows if r[0] == "Bibliotek")
    tot = t.loc[
        (t["category"] == "library")
        & (t["profile"] == "adult")
        & (t["threshold_min"] == 10)
        & (t["area_id"] == TOTAL_AREA_ID)
    ]
    tot = tot.loc[tot["group"] == "all"] if "group" in tot else tot
    share = float(tot["covered"].iloc[0]) / float(tot["population"].iloc[0])
    assert lib[1] == f"{round(100 * share)}\u00a0%"


def test_report_has_the_matrix_and_no_zero_minutes(report_inputs, tmp_path):
    _, paths = mc.default_report(report_inputs, tmp_path)
    md = paths["report.md"].read_text("utf-8")
    assert "## Översikt: alla kategorier och gångprofiler" in md
    assert "| Kategori | Vuxen |" in md
    assert "0,0 min" not in md


def test_report_robustness_and_swedish_model_names(report_inputs, tmp_path):
    import dataclasses

    siting = report_inputs["siting"]
    rob = pd.DataFrame(
        {
            "candidate_id": ["c7", "c2", "c5"],
            "times_chosen": [9, 4, 0],
            "n_scenarios": 9,
            "in_solution": True,
            "share": [1.0, 4 / 9, 0.0],
        }
    )
    inputs = dict(report_inputs, siting=dataclasses.replace(siting, robustness=rob))
    _, paths = mc.default_report(inputs, tmp_path)
    md = paths["report.md"].read_text("utf-8")
    assert "## Robusthet" in md
    assert "| 1 | Biblioteket Öster | vald i 9 av 9 beräkningar" in md
    assert "Lösare: girig algoritm med utbyten (heuristik)" in md
    assert "greedy+interchange" not in md
    assert "Modell: maximal täckning (MCLP)" in md


def test_report_without_robustness_says_so(report_inputs, tmp_path):
    _, paths = mc.default_report(report_inputs, tmp_path)
    assert "Robusthet (om samma platser väljs" in paths["report.md"].read_text("utf-8")


def test_minutes_below_one_are_explained(report_inputs, tmp_path):
    import dataclasses

    access = report_inputs["access"]
    areas = access.areas.copy()
    first = areas["area_id"] == "A1"
    areas.loc[first, "mean_min"] = 0.0
    inputs = dict(report_inputs, access=dataclasses.replace(access, areas=areas))
    _, paths = mc.default_report(inputs, tmp_path)
    md = paths["report.md"].read_text("utf-8")
    assert "| Norr | 472 | 114 | 358 | 24,2\u00a0% | &lt;\u00a01 |" in md  # "< 1", escaped
    assert "anslutningssträckan" in md


def test_report_html_accessible_basics(report_inputs, tmp_path):
    import re

    _, paths = mc.default_report(report_inputs, tmp_path)
    page = paths["report.html"].read_text("utf-8")
    assert page.startswith("<!DOCTYPE html>\n<html lang='sv'>")
    alts = re.findall(r"<img [^>]*alt='([^']*)'", page)
    assert len(alts) == page.count("<img ") >= 2 and all(a.strip() for a in alts)
    # scrollable tables can be reached from the keyboard
    assert page.count("<div class='table-wrap' tabindex='0'>") == page.count("<table>")


def test_report_has_the_headline(report_inputs, tmp_path):
    _, paths = mc.default_report(report_inputs, tmp_path)
    md = paths["report.md"].read_text("utf-8")
    line = next(ln for ln in md.splitlines() if "av invånarna (" in ln)
    assert line.startswith("12\u00a0% av invånarna (220 personer) når ett bibliotek inom 10 min")
    assert line.endswith(", i dag 6\u00a0%.")
