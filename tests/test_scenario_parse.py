"""Scenario files → Scenario: shipped files, every key, schema version, renamed keys, errors."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pandas as pd
import pytest
from _scenario import ROOT, SCENARIOS, write

from proximity import scenario as sc
from proximity.errors import ScenarioError


def _needs_a_bundle(p):
    """A shipped scenario whose city is a bundle folder that this checkout has not built."""
    city = tomllib.loads(p.read_text(encoding="utf-8"))["city"]
    return city.startswith("../bundles/") and not (p.parent / city / "city.toml").exists()


def test_shipped_scenarios_load():
    names = {
        p.stem: sc.load_scenario(p)
        for p in sorted(SCENARIOS.glob("*.toml"))
        if not _needs_a_bundle(p)
    }
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


def test_punktinsats_profiles_drottninghog():
    s = sc.load_scenario(SCENARIOS / "helsingborg-punktinsats.toml")
    assert s.outputs.area_profiles == ("B022",)
    import geopandas as gpd

    subs = gpd.read_file(ROOT / "data" / "helsingborg" / "subareas.geojson")
    row = subs[subs["subarea_id"] == "B022"].iloc[0]
    assert row["name"] == "Drottninghög" and row["area_id"] == "nordostra_staden"


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
    assert s.siting is not None and s.siting.candidates == sc.CandidateSpec(
        kind="file", text=cand.name, path=cand
    )
    assert s.output_dir() == Path("somewhere") and s.output_dir("x") == Path("x")
    assert s.to_dict()["interventions"][0] == {
        "type": "close_service",
        "service_id": "raa_bibliotek:library",
    }


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


# ============================================================================ schema version
@pytest.mark.parametrize("line", ["", "schema = 1\n"])
def test_schema_1_or_none_is_read(tmp_path, line):
    p = write(tmp_path, line + 'name = "x"\ncity = "helsingborg"\n')
    s = sc.load_scenario(p)
    assert s.name == "x" and sc.SCHEMA_VERSION == 1
    assert "schema" not in s.to_dict()  # run.json is the same with and without the line


@pytest.mark.parametrize("value", ["2", "0", '"1"', "1.0", "true"])
def test_other_schema_versions_are_refused(tmp_path, value):
    # a newer file's unknown keys are not reported as typos: the version is checked first
    p = write(tmp_path, f'schema = {value}\nname = "x"\ncity = "helsingborg"\nnew_key = 1\n')
    with pytest.raises(ScenarioError) as e:
        sc.load_scenario(p)
    err = e.value
    assert "Unsupported scenario schema" in err.message and value.strip('"') in err.message
    assert err.file == str(p) and err.row == "line 1, key 'schema'"
    assert "schema = 1" in err.fix and "upgrade proximity" in err.fix


# ============================================================================ renamed keys
@pytest.mark.parametrize("old", ["threshold_min", "threshold"])
def test_renamed_top_level_key_names_its_new_name(tmp_path, old):
    assert sc.RENAMED_KEYS[""][old] == "thresholds_min"
    p = write(tmp_path, f'name = "x"\ncity = "helsingborg"\n{old} = [10]\n')
    with pytest.raises(ScenarioError) as e:
        sc.load_scenario(p)
    err = e.value
    assert f"Unknown key '{old}' in the top level: it was renamed to 'thresholds_min'." == (
        err.message
    )
    assert err.fix.startswith(f"Did you mean 'thresholds_min'? Rename {old} to thresholds_min")
    assert err.row == f"line 3, key '{old}'"
    # the new name reads the same value
    ok = write(tmp_path, 'name = "x"\ncity = "helsingborg"\nthresholds_min = [10]\n', "ok.toml")
    assert sc.load_scenario(ok).thresholds_min == (10,)


def test_renamed_keys_in_tables_and_interventions(tmp_path, monkeypatch):
    from proximity.scenario import parse

    monkeypatch.setitem(parse.RENAMED_KEYS, "siting", {"sites": "k"})
    monkeypatch.setitem(parse.RENAMED_KEYS, "interventions", {"id": "service_id"})
    p = write(tmp_path, 'name = "x"\ncity = "helsingborg"\n[siting]\nsites = 3\n')
    with pytest.raises(ScenarioError, match="renamed to 'k'") as e:
        sc.load_scenario(p)
    assert e.value.row == "line 4, key 'siting.sites'"
    p = write(
        tmp_path,
        'name = "x"\ncity = "helsingborg"\n[[interventions]]\ntype = "split_area"\n'
        'area_id = "a"\n[[interventions]]\ntype = "close_service"\nid = "s"\n',
    )
    with pytest.raises(ScenarioError, match="renamed to 'service_id'") as e:
        sc.load_scenario(p)
    assert e.value.row == "line 8, key 'interventions[1].id'"
    # a key that is valid in a section is not renamed there ([siting] threshold_min)
    p = write(tmp_path, 'name = "x"\ncity = "helsingborg"\n[siting]\nthreshold_min = 15\n')
    assert sc.load_scenario(p).siting.threshold_min == 15


# ============================================================================ candidates
def test_candidates_are_parsed_once_into_a_typed_spec(tmp_path):
    def siting(cands: str) -> sc.SitingSpec:
        p = write(tmp_path, f'name = "x"\ncity = "helsingborg"\n[siting]\ncandidates = "{cands}"\n')
        s = sc.load_scenario(p).siting
        assert s is not None
        return s

    text = "services:library, meeting_place,"
    assert siting(text).candidates == sc.CandidateSpec(
        kind="services", text=text, categories=("library", "meeting_place")
    )
    assert siting("grid:500").candidates == sc.CandidateSpec(
        kind="grid", text="grid:500", spacing_m=500.0
    )
    (tmp_path / "sub").mkdir()
    cand = write(tmp_path / "sub", "candidate_id,lat,lon\nc1,56.05,12.7\n", "c.csv")
    assert siting("sub/c.csv").candidates == sc.CandidateSpec(
        kind="file", text="sub/c.csv", path=cand
    )
    p = write(tmp_path, 'name = "x"\ncity = "helsingborg"\n[siting]\nk = 2\n')
    assert sc.load_scenario(p).siting.candidates is None


def test_missing_walking_speed_is_a_scenario_error(tmp_path):
    p = write(
        tmp_path,
        'name = "x"\ncity = "helsingborg"\n[[interventions]]\ntype = "set_speed"\n'
        'profile = "adult"\n',
    )
    with pytest.raises(ScenarioError, match="Missing required key 'speed_m_s'") as e:
        sc.load_scenario(p)
    assert e.value.row == "line 3, key 'interventions[0]'"


@pytest.mark.parametrize("name", ["helsingborg-bundle-baseline", "helsingborg-bundle-motion"])
def test_a_bundle_scenario_without_its_bundle_names_the_build_command(name, tmp_path):
    """The shipped bundle scenarios name ../bundles/helsingborg; a checkout without it stops."""
    import shutil

    for f in ("helsingborg-bundle-baseline.toml", "helsingborg-bundle-motion.toml"):
        shutil.copy(SCENARIOS / f, tmp_path / f)
    path = tmp_path / f"{name}.toml"
    with pytest.raises(ScenarioError) as e:
        sc.load_scenario(path)
    text = str(e.value)
    assert "names a city bundle folder that does not exist" in text
    assert "line " in text and "key 'city'" in text
    assert "proximity city build helsingborg --out " in text
    assert str(path) in text


def test_a_bundle_scenario_runs_once_its_bundle_exists(tmp_path):
    """With a folder holding city.toml at ../bundles/helsingborg the city resolves to it."""
    scen = tmp_path / "scenarios"
    scen.mkdir()
    (scen / "b.toml").write_text(
        (SCENARIOS / "helsingborg-bundle-baseline.toml").read_text(encoding="utf-8"), "utf-8"
    )
    bundle = tmp_path / "bundles" / "helsingborg"
    bundle.mkdir(parents=True)
    (bundle / "city.toml").write_text("schema = 1\n", "utf-8")
    s = sc.load_scenario(scen / "b.toml")
    assert s.city == str(scen / "../bundles/helsingborg" / "city.toml")
    assert s.thresholds_m == (300, 600, 1000, 1500)
