"""Comparing two runs per area: the CSV diff, split areas summed up, the Swedish table.

Expected values come from the two runs' own ``tables/areas.csv``, read here with pandas and
formatted here by hand (decimal comma, no-break-space thousands), not by the code under test.
The folder, the CLI and publishing: tests/test_scenario_compare_folder.py.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _scenario import offline_env_fixture  # noqa: F401 (pytest fixture)

from proximity import scenario as sc
from proximity.scenario.compare import compare_html, compare_markdown

NBSP = "\u00a0"


def _pick(df, area, **kw):
    key = dict(category="district_office", profile="adult", threshold_min=15, group="all")
    key.update(kw)
    r = df[(df[list(key)] == pd.Series(key)).all(axis=1) & (df.area_id == area)]
    assert len(r) == 1, area
    return r.iloc[0]


def _sv(v: float, decimals: int, sign: bool = False) -> str:
    """Independent Swedish format: 14233 → '14 233' (no-break space), 0.5 → '0,5'."""
    text = f"{abs(v):,.{decimals}f}".replace(",", NBSP).replace(".", ",")
    if v < 0 and round(v, decimals) != 0:
        return "-" + text
    return ("+" if sign and round(v, decimals) > 0 else "") + text


def _md_rows(md: str) -> dict[str, list[str]]:
    """The table rows of compare.md by their first cell (the area name)."""
    rows = {}
    for line in md.splitlines():
        if line.startswith("| ") and not line.startswith("| ---"):
            cells = [c.strip() for c in line.strip("|").split(" | ")]
            rows[cells[0]] = cells
    return rows


@pytest.fixture(scope="module")
def cmp(runs, tmp_path_factory):
    base, motion = runs
    out = tmp_path_factory.mktemp("cmp") / "cmp"
    return sc.compare(base.out_dir, motion.out_dir, out_dir=out, quiet=True)


def test_compare_matches_the_difference_of_the_two_tables(runs, cmp):
    base, motion = runs
    a = pd.read_csv(base.out_dir / "tables" / "areas.csv")
    b = pd.read_csv(motion.out_dir / "tables" / "areas.csv")
    diff = pd.read_csv(cmp.csv_path)
    for area in ("__total__", "nordostra_staden", "centrum_soder"):
        row, ra, rb = _pick(diff, area), _pick(a, area), _pick(b, area)
        assert row["delta_covered"] == rb["covered"] - ra["covered"]
        assert row["delta_covered_share"] == pytest.approx(
            rb["covered_share"] - ra["covered_share"], abs=1e-6
        )
        assert row["delta_mean_min"] == pytest.approx(rb["mean_min"] - ra["mean_min"], abs=1e-5)
        assert row["delta_gini"] == pytest.approx(rb["gini_min"] - ra["gini_min"], abs=1e-5)
    assert _pick(diff, "__total__")["delta_covered"] > 0
    # every category, profile and threshold is in the CSV, not only the shown slice
    assert set(diff["category"]) == set(a["category"]) & set(b["category"])
    assert set(diff["threshold_min"]) == set(a["threshold_min"])


def test_split_area_is_summed_back_up(runs, cmp):
    base, motion = runs
    a = pd.read_csv(base.out_dir / "tables" / "areas.csv")
    b = pd.read_csv(motion.out_dir / "tables" / "areas.csv")
    diff = pd.read_csv(cmp.csv_path)
    assert _pick(diff, "B071")["present"] == "b"  # Planteringen exists only in B
    parent = _pick(diff, "sodra_staden")
    subs = b[
        (b.parent_area_id == "sodra_staden")
        & (b.area_id != "sodra_staden")
        & (b.category == "district_office")
        & (b.profile == "adult")
        & (b.threshold_min == 15)
        & (b.group == "all")
    ]
    assert len(subs) == 5
    assert parent["area_name"].startswith("Södra staden (Σ Planteringen")
    assert parent["covered_b"] == subs["covered"].sum()
    assert parent["delta_covered"] == subs["covered"].sum() - _pick(a, "sodra_staden")["covered"]
    assert parent["population_b"] == _pick(a, "sodra_staden")["population"]
    assert np.isnan(parent["gini_b"])  # a Gini cannot be summed


def test_the_table_is_in_swedish_format_with_names(runs, cmp):
    """compare.md: Swedish numbers, area names (no ids), the shown slice in Swedish."""
    base, motion = runs
    a = pd.read_csv(base.out_dir / "tables" / "areas.csv")
    b = pd.read_csv(motion.out_dir / "tables" / "areas.csv")
    md = cmp.markdown
    assert (cmp.md_path).read_text(encoding="utf-8") == md
    assert "Tjänst: Stadsdelskontor. Gångprofil: Vuxen. Inom 15 minuters promenad." in md
    assert "fågelväg" in md  # crow-fly, said loudly
    assert "nordostra_staden" not in md and "__total__" not in md and "district_office" not in md
    rows = _md_rows(md)
    for area, name in (("nordostra_staden", "Nordöstra staden"), ("__total__", "Hela kommunen")):
        ra, rb = _pick(a, area), _pick(b, area)
        cells = rows[name]
        assert cells[1] == "båda"
        assert cells[2] == _sv(ra["covered"], 0) and cells[3] == _sv(rb["covered"], 0)
        assert cells[4] == _sv(rb["covered"] - ra["covered"], 0, sign=True)
        assert cells[5] == f"{_sv(100 * ra['covered_share'], 1)}{NBSP}%"
        assert cells[6] == f"{_sv(100 * rb['covered_share'], 1)}{NBSP}%"
        delta_pp = 100 * (rb["covered_share"] - ra["covered_share"])
        assert cells[7] == _sv(delta_pp, 1, sign=True)
        assert cells[8] == _sv(rb["mean_min"], 1)
        assert cells[9] == _sv(rb["mean_min"] - ra["mean_min"], 1, sign=True)
        assert cells[10] == _sv(rb["gini_min"], 3)
        assert cells[11] == _sv(rb["gini_min"] - ra["gini_min"], 3, sign=True)
    # 14 233 newly covered in Nordöstra staden, with the report's no-break space
    assert rows["Nordöstra staden"][4] == f"+14{NBSP}233"
    # the total comes last; areas in only one run after those in both
    names = list(rows)[1:]
    assert names[-1] == "Hela kommunen"
    assert rows["Planteringen"][1] == "bara B"
    assert names.index("Planteringen") > names.index("Östra staden")
    assert rows["Planteringen"][8] == "&lt;" + NBSP + "1"  # 0 min: "< 1", as in the report


def test_the_inequality_measure_is_named_with_its_direction(cmp):
    from proximity.report.overview import INEQUALITY_SV

    name, direction = INEQUALITY_SV["walk_time"]
    md = cmp.markdown
    assert "Gini" not in _md_rows(md)["Område"][11]  # the column says what it measures
    assert _md_rows(md)["Område"][10] == "Ojämlikhet i gångtid B (Gini)"
    assert name in md and direction in md and "lägre är jämlikare" in md
    # why it can rise while everyone walks less (the Nordöstra staden, +0,187)
    assert "även när medeltiden sjunker" in md


def test_compare_html_is_swedish_and_escapes_data():
    row = dict(
        category="library",
        profile="adult",
        threshold_min=10.0,
        group="all",
        area_id="x",
        area_name="<script>alert(1)</script>",
        population=100.0,
        covered=40.0,
        covered_share=0.4,
        mean_min=12.0,
        gini_min=0.2,
        distance_method="network",
        population_unit="persons",
    )
    a = pd.DataFrame([row])
    b = pd.DataFrame([dict(row, covered=55.0, covered_share=0.55)])
    html = compare_html(sc.compare_tables(a, b), "B − A", "library", "adult", 10.0)
    assert "<html lang='sv'>" in html
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Bibliotek" in html and "+15,0" in html and "55,0\u00a0%" in html


def test_compare_tables_outer_join():
    cols = dict(profile="adult", threshold_min=10.0, group="all", distance_method="network")
    base = dict(category="library", population=100, **cols)
    a = pd.DataFrame(
        [
            dict(
                base,
                area_id="x",
                area_name="X",
                covered=40,
                covered_share=0.4,
                mean_min=12.0,
                gini_min=0.2,
            ),
            dict(
                base,
                area_id="gone",
                area_name="G",
                covered=5,
                covered_share=1.0,
                mean_min=1.0,
                gini_min=0.0,
            ),
        ]
    )
    b = pd.DataFrame(
        [
            dict(
                base,
                area_id="x",
                area_name="X",
                covered=55,
                covered_share=0.55,
                mean_min=9.5,
                gini_min=0.15,
            )
        ]
    )
    d = sc.compare_tables(a, b).set_index("area_id")
    assert d.loc["x", "delta_covered"] == 15
    assert d.loc["x", "delta_covered_share"] == pytest.approx(0.15)
    assert d.loc["x", "delta_mean_min"] == pytest.approx(-2.5)
    assert d.loc["x", "delta_gini"] == pytest.approx(-0.05)
    assert d.loc["gone", "present"] == "a" and np.isnan(d.loc["gone", "delta_covered"])
    md = compare_markdown(sc.compare_tables(a, b), "B − A", "library", "adult", 10.0)
    assert "| G | bara A | 5 | – | – |" in md


def test_compare_markdown_labels_a_floor_area_proxy():
    """Runs whose population is floor area (m², proxy) say so; persons runs are unchanged."""
    row = dict(
        category="library",
        profile="adult",
        threshold_min=10.0,
        group="all",
        area_id="x",
        area_name="X",
        population=100.0,
        covered=40.0,
        covered_share=0.4,
        mean_min=12.0,
        gini_min=0.2,
        distance_method="network",
    )
    for unit, expect in (("persons", False), ("floor_area_m2 (proxy)", True)):
        a = pd.DataFrame([dict(row, population_unit=unit)])
        b = pd.DataFrame([dict(row, covered=55.0, covered_share=0.55, population_unit=unit)])
        d = sc.compare_tables(a, b)
        assert list(d["population_unit_b"]) == [unit]
        md = compare_markdown(d, "B − A", "library", "adult", 10.0)
        assert ("bostadsyta i OSM (m²), inte antal personer" in md) is expect
        assert ("Δ täckt m²" in md) is expect and ("Δ täckta" in md) is not expect


def test_compare_rejects_a_folder_that_is_not_a_run(tmp_path):
    from proximity.errors import InputFileError

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with pytest.raises(InputFileError, match="finished run"):
        sc.compare(tmp_path / "a", tmp_path / "b", out_dir=tmp_path / "c")
    assert not (tmp_path / "c").exists()


def test_csv_stays_machine_readable(cmp):
    csv = pd.read_csv(cmp.csv_path)
    assert set(csv["present"]) <= {"both", "a", "b"}
    assert "nordostra_staden" in set(csv["area_id"])
