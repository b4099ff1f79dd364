"""The run's tables: canonical CSV, areas with provenance, categories, the total row's label."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
from _scenario import (
    light,
    offline_env_fixture,  # noqa: F401 (pytest fixture)
    write,
)

from proximity import scenario as sc


def test_canonical_table_formatting():
    df = pd.DataFrame(
        {
            "area_id": ["b", "__total__", "a"],
            "population": [10.0, 30.0, 20.0],
            "covered_share": [0.5, 1 / 3, np.nan],
            "mean_min": [np.inf, 1.0, 2.25],
        }
    )
    out = sc.canonical_table(df, ["area_id"])
    assert list(out["area_id"]) == ["a", "b", "__total__"]
    assert list(out["population"]) == ["20", "10", "30"]
    assert list(out["covered_share"]) == ["", "0.5", "0.333333"]
    assert list(out["mean_min"]) == ["2.25", "inf", "1"]


def test_categories_table_and_warning(tmp_path, offline_env, capsys):
    from proximity.sources import CATEGORIES

    p = write(
        tmp_path,
        'name = "allcats"\ncity = "helsingborg"\nthresholds_min = [10]\nprofiles = ["adult"]\n'
        "[outputs]\nmaps = false\nreport = false\n",
        "allcats.toml",
    )
    r = sc.run(p, out_dir=tmp_path / "o", quiet=True)
    err = capsys.readouterr().err
    cats = pd.read_csv(r.out_dir / "tables" / "categories.csv")
    assert list(cats.columns) == [
        "category",
        "label_sv",
        "n_located_services",
        "n_unlocated_services",
        "n_proposed_sites",
        "status",
    ]
    city = r.city
    # the nine built-in categories, then those the city declares (Helsingborg: its open data)
    declared = list(city.declared_categories)
    assert declared == ["school", "playground", "family_centre"]
    assert list(cats["category"]) == [*CATEGORIES, *declared]
    by = cats.set_index("category")
    assert by.loc["family_centre", "label_sv"] == "Familjecentral"
    for cat in [*CATEGORIES, *declared]:
        assert by.loc[cat, "n_located_services"] == int((city.services["category"] == cat).sum())
        assert by.loc[cat, "n_unlocated_services"] == int(
            (city.services_unlocated["category"] == cat).sum()
        )
    assert by.loc["social_services", "status"] == "no located service – no coverage computed"
    assert by.loc["library", "status"] == "ok"
    # one warning line per such category, printed even with quiet, and in run.json
    lines = [ln for ln in err.splitlines() if ln.startswith("warning: Category social_services")]
    assert len(lines) == 1 and "no coverage computed" in lines[0]
    run_json = json.loads((r.out_dir / "run.json").read_text("utf-8"))
    assert any("social_services" in w for w in run_json["warnings"])
    assert "categories" in run_json["tables"]


def test_areas_table_has_network_hash_and_run_date(tmp_path, offline_env):
    r = sc.run(light(tmp_path), out_dir=tmp_path / "o", quiet=True)
    areas = pd.read_csv(r.out_dir / "tables" / "areas.csv", keep_default_na=False)
    run_json = json.loads((r.out_dir / "run.json").read_text("utf-8"))
    assert set(areas["date"]) == {run_json["date"]}
    assert set(areas["network_hash"]) == {"none (crow-fly)"}
    data = pd.read_csv(r.out_dir / "data" / "access_areas.csv", keep_default_na=False)
    assert set(data["network_hash"]) == set(areas["network_hash"])


def test_total_row_label_follows_the_study_area_kind():
    from types import SimpleNamespace as NS

    assert sc.total_area_label(NS(provenance={})) == "Hela kommunen"
    assert sc.total_area_label(NS(provenance={"pbf": "x.osm.pbf"})) == "Hela studieområdet"
    assert sc.total_area_label(NS(provenance={"areas_method": "grid"})) == "Hela studieområdet"
    assert sc.total_area_label(NS(provenance={"kind": "study_area"})) == "Hela studieområdet"
    assert sc.total_area_label(NS(provenance={"kind": "kommun", "pbf": "x"})) == "Hela kommunen"
    assert sc.total_area_label(NS(provenance={"kommun_code": "1283"})) == "Hela kommunen"
    # City.kind (from the city TOML) wins over the provenance
    assert sc.total_area_label(NS(kind="study_area", provenance={"kommun": "1"})) == (
        "Hela studieområdet"
    )
    assert sc.total_area_label(NS(kind="municipality", provenance={"pbf": "x"})) == (
        "Hela kommunen"
    )
    from proximity.sources import load_city

    assert sc.is_municipality(load_city("helsingborg"))
    assert not sc.is_municipality(load_city("helsinki-demo"))
