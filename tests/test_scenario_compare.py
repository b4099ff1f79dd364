"""Comparing two runs per area: the CSV diff, split areas summed up, the Swedish Markdown."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _scenario import offline_env_fixture  # noqa: F401 (pytest fixture)

from proximity import scenario as sc
from proximity.scenario.compare import compare_markdown


def test_compare_matches_the_difference_of_the_two_tables(runs, tmp_path):
    base, motion = runs
    res = sc.compare(base.out_dir, motion.out_dir, out_dir=tmp_path / "cmp", quiet=True)
    a = pd.read_csv(base.out_dir / "tables" / "areas.csv")
    b = pd.read_csv(motion.out_dir / "tables" / "areas.csv")

    def pick(df, area):
        r = df[
            (df.category == "district_office")
            & (df.profile == "adult")
            & (df.threshold_min == 15)
            & (df.group == "all")
            & (df.area_id == area)
        ]
        assert len(r) == 1
        return r.iloc[0]

    diff = pd.read_csv(res.csv_path)
    for area in ("__total__", "nordostra_staden"):
        row = pick(diff, area)
        assert row["delta_covered"] == pick(b, area)["covered"] - pick(a, area)["covered"]
        assert row["delta_mean_min"] == pytest.approx(
            pick(b, area)["mean_min"] - pick(a, area)["mean_min"], abs=1e-5
        )
        assert row["delta_gini"] == pytest.approx(
            pick(b, area)["gini_min"] - pick(a, area)["gini_min"], abs=1e-5
        )
    total = pick(diff, "__total__")
    assert total["delta_covered"] > 0
    # the split subareas appear only in B; their parent is summed back up for the comparison
    assert pick(diff, "B071")["present"] == "b"
    parent = pick(diff, "sodra_staden")
    subs = b[(b.parent_area_id == "sodra_staden") & (b.area_id != "sodra_staden")]
    subs = subs[
        (subs.category == "district_office")
        & (subs.profile == "adult")
        & (subs.threshold_min == 15)
        & (subs.group == "all")
    ]
    assert len(subs) == 5 and "Planteringen" in parent["area_name"]
    assert parent["covered_b"] == subs["covered"].sum()
    assert parent["delta_covered"] == subs["covered"].sum() - pick(a, "sodra_staden")["covered"]
    assert parent["population_b"] == pick(a, "sodra_staden")["population"]
    # the printed slice is B's siting measure, and says crow-fly
    assert "district_office, adult, 15 min" in res.markdown
    assert "fågelväg" in res.markdown
    assert (tmp_path / "cmp" / "compare.md").read_text(encoding="utf-8") == res.markdown
    shown = res.view.set_index("area_id").loc["__total__", "delta_covered"]
    assert shown == total["delta_covered"]


def test_compare_tables_outer_join():
    cols = dict(profile="adult", threshold_min=10.0, group="all", distance_method="network")
    a = pd.DataFrame(
        [
            dict(
                category="library",
                area_id="x",
                area_name="X",
                population=100,
                covered=40,
                covered_share=0.4,
                mean_min=12.0,
                gini_min=0.2,
                **cols,
            ),
            dict(
                category="library",
                area_id="gone",
                area_name="G",
                population=5,
                covered=5,
                covered_share=1.0,
                mean_min=1.0,
                gini_min=0.0,
                **cols,
            ),
        ]
    )
    b = pd.DataFrame(
        [
            dict(
                category="library",
                area_id="x",
                area_name="X",
                population=100,
                covered=55,
                covered_share=0.55,
                mean_min=9.5,
                gini_min=0.15,
                **cols,
            )
        ]
    )
    d = sc.compare_tables(a, b).set_index("area_id")
    assert d.loc["x", "delta_covered"] == 15
    assert d.loc["x", "delta_covered_share"] == pytest.approx(0.15)
    assert d.loc["x", "delta_mean_min"] == pytest.approx(-2.5)
    assert d.loc["x", "delta_gini"] == pytest.approx(-0.05)
    assert d.loc["gone", "present"] == "a" and np.isnan(d.loc["gone", "delta_covered"])


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
        assert ("m² bostadsyta (proxy för befolkning)" in md) is expect
        assert ("Δ täckt m²" in md) is expect and ("Δ täckta" in md) is not expect


def test_compare_rejects_a_folder_that_is_not_a_run(tmp_path):
    from proximity.errors import InputFileError

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with pytest.raises(InputFileError, match="finished run"):
        sc.compare(tmp_path / "a", tmp_path / "b")


def test_compare_markdown_is_swedish(runs, tmp_path):
    base, motion = runs
    cmp = sc.compare(base.out_dir, motion.out_dir, out_dir=tmp_path / "cmp", quiet=True)
    md = cmp.markdown
    assert "| finns i |" in md and "| both |" not in md and "| i |" not in md
    assert "| båda |" in md
    assert "bara A" in md or "bara B" in md  # Södra staden's subareas exist only in B
    csv = pd.read_csv(cmp.csv_path)
    assert set(csv["present"]) <= {"both", "a", "b"}  # machine-readable CSV stays English
