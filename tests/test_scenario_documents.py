"""The run's documents: area profiles of areas and subareas."""

from __future__ import annotations

import json

from _scenario import (
    light,
    offline_env_fixture,  # noqa: F401 (pytest fixture)
)

from proximity import scenario as sc


def test_area_profiles_of_an_area_and_a_subarea(tmp_path, offline_env):
    p = light(tmp_path, "")
    text = p.read_text("utf-8").replace(
        "[outputs]", '[outputs]\narea_profiles = ["B022", "nordostra_staden"]'
    )
    p.write_text(text, "utf-8")
    r = sc.run(p, out_dir=tmp_path / "o", quiet=True)
    names = sorted(x.name for x in r.area_profiles)
    assert names == [
        "omrade_B022.html",
        "omrade_B022.md",
        "omrade_nordostra_staden.html",
        "omrade_nordostra_staden.md",
    ]
    assert all(x.exists() and x.parent == r.out_dir for x in r.area_profiles)
    assert "Drottninghög" in (r.out_dir / "omrade_B022.md").read_text("utf-8")
    assert "Nordöstra staden" in (r.out_dir / "omrade_nordostra_staden.md").read_text("utf-8")
    run_json = json.loads((r.out_dir / "run.json").read_text("utf-8"))
    assert "omrade_B022.md" in run_json["area_profiles"]
