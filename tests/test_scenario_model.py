"""The scenario model: output and maps folders, the run.json summary."""

from __future__ import annotations

from pathlib import Path

from _scenario import SCENARIOS

from proximity import scenario as sc


def test_shipped_scenarios_publish_to_the_repos_maps_folder_only_when_asked():
    for p in sorted(SCENARIOS.glob("*.toml")):
        if '"../bundles/' in p.read_text(encoding="utf-8"):  # needs a built bundle
            assert 'maps_dir = "maps"' in p.read_text(encoding="utf-8"), p.name
            continue
        s = sc.load_scenario(p)
        assert s.outputs.maps_dir == "maps", p.name
        assert not s.outputs.publish, p.name  # a plain run never rewrites the committed maps/
        assert s.published_maps_dir() is None
        assert s.published_maps_dir(out_dir="x") is None
        assert s.published_maps_dir(publish=True) == Path("maps") / s.name
        assert s.published_maps_dir(out_dir="x", publish=True) == Path("maps") / s.name
        assert s.published_maps_dir(out_dir="x", maps_dir="m") == Path("m") / s.name


def test_publish_key_and_default_maps_folder(tmp_path):
    p = tmp_path / "s.toml"
    p.write_text('name = "s"\ncity = "helsingborg"\n[outputs]\npublish = true\n', "utf-8")
    s = sc.load_scenario(p)
    assert s.outputs.publish and s.published_maps_dir() == Path("maps") / "s"
    p.write_text('name = "s"\ncity = "helsingborg"\n[outputs]\npublish = "yes"\n', "utf-8")
    import pytest

    from proximity.errors import ScenarioError

    with pytest.raises(ScenarioError, match="publish"):
        sc.load_scenario(p)


def test_run_json_summary_keeps_the_candidates_as_written(tmp_path):
    (tmp_path / "c.csv").write_text("candidate_id,lat,lon\nc1,56.05,12.7\n", "utf-8")
    spec = sc.CandidateSpec(kind="file", text="c.csv", path=tmp_path / "c.csv")
    s = sc.Scenario(
        name="x",
        city="helsingborg",
        siting=sc.SitingSpec(k=2, candidates=spec),
        interventions=(sc.SplitArea("a", line=7),),
        path=tmp_path / "x.toml",
    )
    d = s.to_dict()
    assert d["siting"]["candidates"] == "c.csv"
    assert d["siting"]["candidates_path"] == (tmp_path / "c.csv").as_posix()
    assert d["interventions"] == [{"type": "split_area", "area_id": "a"}]  # no line
    assert d["thresholds_min"] == [5, 10, 15, 20] and d["file"] == "x.toml"
    assert "path" not in d["network"]
    grid = sc.SitingSpec(candidates=sc.CandidateSpec(kind="grid", text="grid:500", spacing_m=500))
    d = sc.Scenario(name="x", city="helsingborg", siting=grid).to_dict()
    assert d["siting"]["candidates"] == "grid:500" and d["siting"]["candidates_path"] is None
    assert d["file"] is None
    d = sc.Scenario(name="x", city="helsingborg", siting=sc.SitingSpec()).to_dict()
    assert d["siting"]["candidates"] is None and d["siting"]["candidates_path"] is None
