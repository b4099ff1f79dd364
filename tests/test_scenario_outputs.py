"""Writing a run: unwritable and foreign folders, interrupted runs, byte-identical re-runs, published maps, folder modes."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from _scenario import (
    light,
    mapped,
    offline_env_fixture,  # noqa: F401 (pytest fixture)
)

from proximity import scenario as sc
from proximity.errors import OutputError
from proximity.scenario import outputs as outputs_mod


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

    monkeypatch.setattr(outputs_mod, "write_table", interrupt_after_first_table)
    with pytest.raises(KeyboardInterrupt):
        sc.run(p, out_dir=out, quiet=True)
    assert calls  # a table was written into staging before the interrupt
    assert not out.exists()
    assert [x.name for x in tmp_path.iterdir()] == ["light.toml"]  # no staging left over

    # a finished run, then an interrupted re-run: the finished outputs stay intact
    monkeypatch.setattr(outputs_mod, "write_table", real)
    sc.run(p, out_dir=out, quiet=True)
    before = {f.relative_to(out): f.read_bytes() for f in out.rglob("*") if f.is_file()}

    def interrupt(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(outputs_mod, "equity_frame", interrupt)
    with pytest.raises(KeyboardInterrupt):
        sc.run(p, out_dir=out, quiet=True)
    after = {f.relative_to(out): f.read_bytes() for f in out.rglob("*") if f.is_file()}
    assert after == before
    assert sorted(x.name for x in tmp_path.iterdir()) == ["light.toml", "out"]


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
    assert sorted(x.name for x in pub.iterdir()) == sorted(
        [m.name for m in r.maps] + ["manifest.json"]
    )
    assert all(x.suffix == ".html" for x in pub.iterdir() if x.name != "manifest.json")
    listed = json.loads((pub / "manifest.json").read_text("utf-8"))
    assert listed["kind"] == "maps" and [f["path"] for f in listed["files"]] == sorted(
        m.name for m in r.maps
    )
    assert (pub / r.maps[0].name).read_bytes() == r.maps[0].read_bytes()
    assert not [x for x in (tmp_path / "shared").iterdir() if x.name.startswith(".")]
    # the scenario's own outputs.dir: a plain run does not publish ...
    r = sc.run(s, quiet=True)
    assert r.out_dir == Path("out/mapped") and r.published_maps == []
    assert not (tmp_path / "maps").exists()
    # ... publish=True (--publish) publishes to outputs.maps_dir, relative to the current folder
    r = sc.run(s, quiet=True, publish=True)
    assert (tmp_path / "maps" / "mapped" / r.maps[0].name).exists()
    run_json = json.loads((tmp_path / "out/mapped/run.json").read_text("utf-8"))
    assert run_json["published_maps"] == [f"maps/mapped/{r.maps[0].name}"]
    assert run_json["maps_isochrones"].startswith("none: crow-fly")


def test_maps_not_published_on_failure(tmp_path, offline_env, monkeypatch):
    p = mapped(tmp_path)
    shared = tmp_path / "shared"
    # a failed first run publishes nothing
    real = outputs_mod.write_maps

    def maps_then_fail(*a, **k):
        real(*a, **k)  # the maps are written into staging …
        raise RuntimeError("boom after the maps")  # … then the run fails

    monkeypatch.setattr(outputs_mod, "write_maps", maps_then_fail)
    with pytest.raises(RuntimeError):
        sc.run(p, out_dir=tmp_path / "o", maps_dir=shared, quiet=True)
    assert not (shared / "mapped").exists() and not (tmp_path / "o").exists()
    assert not shared.exists() or not list(shared.iterdir())
    # a good run, then a failing re-run: the published maps stay as they were
    monkeypatch.setattr(outputs_mod, "write_maps", real)
    sc.run(p, out_dir=tmp_path / "o", maps_dir=shared, quiet=True)
    before = {f.name: f.read_bytes() for f in (shared / "mapped").iterdir()}
    monkeypatch.setattr(outputs_mod, "write_maps", maps_then_fail)
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
