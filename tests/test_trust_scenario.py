"""Trust (issue 11), scenario side: bad input is refused by name, and nothing but the tool's
own outputs is ever created, changed or deleted.

Each case builds a small world in ``tmp_path``, runs the command line
(:func:`proximity.cli.main`) and checks the exit code, the message (file, row/key, fix) and
that every file outside the tool's own output folders is byte for byte as before.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from proximity import _manifest, cli
from proximity.scenario.checks import list_services_command

ROOT = Path(__file__).resolve().parents[1]

SMALL = """
schema = 1
name = "{name}"
city = "helsingborg"
categories = ["library", "district_office"]
thresholds_min = [10, 15]
profiles = ["adult"]
{top}
[network]
source = "crowfly"
{extra}
[outputs]
maps = {maps}
report = false
"""


def small(
    root: Path,
    *,
    name: str = "small",
    top: str = "",
    extra: str = "",
    maps: bool = False,
    file: str | None = None,
) -> Path:
    """A small crow-fly scenario of Helsingborg (two categories, one profile)."""
    p = root / (file or f"{name}.toml")
    text = SMALL.format(name=name, top=top, extra=extra, maps="true" if maps else "false")
    p.write_text(text, encoding="utf-8")
    return p


def snapshot(root: Path, own: tuple[str, ...] = ()) -> dict[str, bytes]:
    """Relative path → bytes of every file under ``root``, outside the ``own`` folders."""
    out = {}
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root).as_posix()
        if any(rel == o or rel.startswith(o + "/") for o in own):
            continue
        if p.is_file():
            out[rel] = p.read_bytes()
        elif p.is_dir():
            out[rel + "/"] = b""
    return out


def _run(argv: list[str]) -> int:
    return cli.main([*argv, "-q"]) if argv[0] == "run" else cli.main(argv)


def _ok_run(root: Path, scenario: Path, out: str, *extra: str) -> None:
    assert _run(["run", str(scenario), "--out", str(root / out), *extra]) == 0


def _dead_pid() -> str:
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


# ------------------------------------------------------------------ the worlds
# Each returns (argv, working folder relative to tmp_path or "").
def run_json_and_photo(t: Path) -> tuple[list[str], str]:
    d = t / "d"
    d.mkdir()
    (d / "run.json").write_text("{}")
    (d / "photo.jpg").write_bytes(b"\xff\xd8 my photo")
    return ["run", str(small(t)), "--out", str(d)], ""


def rerun_with_users_file(t: Path) -> tuple[list[str], str]:
    s = small(t)
    _ok_run(t, s, "out/small")
    (t / "out" / "small" / "notes.txt").write_text("my notes")
    return ["run", str(s)], ""


def rerun_with_edited_table(t: Path) -> tuple[list[str], str]:
    s = small(t)
    _ok_run(t, s, "o")
    (t / "o" / "tables" / "areas.csv").write_text("my edits\n")
    return ["run", str(s), "--out", str(t / "o")], ""


def old_run_without_manifest(t: Path) -> tuple[list[str], str]:
    s = small(t)
    _ok_run(t, s, "o")
    (t / "o" / "manifest.json").unlink()  # as an older proximity left it
    return ["run", str(s), "--out", str(t / "o")], ""


def out_is_a_file(t: Path) -> tuple[list[str], str]:
    (t / "results").write_text("mine")
    return ["run", str(small(t)), "--out", str(t / "results")], ""


def maps_hand_written_html(t: Path) -> tuple[list[str], str]:
    s = small(t, maps=True)
    _ok_run(t, s, "o", "--maps-dir", str(t / "maps"))
    (t / "maps" / "small" / "my-own-map.html").write_text("<p>hand-written</p>")
    return ["run", str(s), "--out", str(t / "o"), "--maps-dir", str(t / "maps")], ""


def maps_old_publication(t: Path) -> tuple[list[str], str]:
    s = small(t, maps=True)
    old = t / "maps" / "small"
    old.mkdir(parents=True)
    (old / "small-library-10min-adult.html").write_text("<p>old map</p>")
    return ["run", str(s), "--out", str(t / "o"), "--maps-dir", str(t / "maps")], ""


def maps_dir_is_a_file(t: Path) -> tuple[list[str], str]:
    (t / "maps").write_text("not a folder")
    return ["run", str(small(t, maps=True)), "--out", str(t / "o"), "--maps-dir", "maps"], ""


def out_dot_with_foreign_files(t: Path) -> tuple[list[str], str]:
    s = small(t)
    work = t / "work"
    work.mkdir()
    (work / "run.json").write_text("{}")
    (work / "thesis.docx").write_text("precious")
    return ["run", str(s), "--out", "."], "work"


def out_dot_own_output_and_users_file(t: Path) -> tuple[list[str], str]:
    s = small(t)
    _ok_run(t, s, "work")
    (t / "work" / "thesis.docx").write_text("precious")
    return ["run", str(s), "--out", "."], "work"


def out_dot_own_output(t: Path) -> tuple[list[str], str]:
    s = small(t)
    _ok_run(t, s, "work")
    (t / "work" / "tables" / "equity.csv").unlink()  # … and publish it again: EBUSY before
    manifest = t / "work" / "manifest.json"
    obj = json.loads(manifest.read_text())
    obj["files"] = [f for f in obj["files"] if f["path"] != "tables/equity.csv"]
    manifest.write_text(json.dumps(obj))
    return ["run", str(s), "--out", "."], "work"


def stale_staging(t: Path) -> tuple[list[str], str]:
    dead = t / ".o.staging-killed"
    (dead / "tables").mkdir(parents=True)
    (dead / "tables" / "areas.csv").write_text("half written")
    (dead / _manifest.STAGING_MARKER).write_text(_dead_pid())
    users = t / ".o.staging-mine"  # no marker: not proximity's, stays
    users.mkdir()
    (users / "keep.txt").write_text("mine")
    return ["run", str(small(t)), "--out", str(t / "o")], ""


def stale_maps_staging(t: Path) -> tuple[list[str], str]:
    dead = t / "maps" / ".small.staging-killed"
    dead.mkdir(parents=True)
    (dead / "x.html").write_text("half")
    (dead / _manifest.STAGING_MARKER).write_text(_dead_pid())
    s = small(t, maps=True)
    return ["run", str(s), "--out", str(t / "o"), "--maps-dir", str(t / "maps")], ""


def _two_runs(t: Path) -> tuple[Path, Path]:
    s = small(t)
    _ok_run(t, s, "a")
    _ok_run(t, s, "b")
    return t / "a", t / "b"


def compare_truncated_table(t: Path) -> tuple[list[str], str]:
    a, b = _two_runs(t)
    areas = b / "tables" / "areas.csv"
    areas.write_bytes(areas.read_bytes()[:2000])
    return ["compare", str(a), str(b), "--out", str(t / "cmp")], ""


def compare_missing_table(t: Path) -> tuple[list[str], str]:
    a, b = _two_runs(t)
    (a / "tables" / "equity.csv").unlink()
    return ["compare", str(a), str(b)], ""


def compare_edited_data_file(t: Path) -> tuple[list[str], str]:
    a, b = _two_runs(t)
    (b / "data" / "access_areas.csv").write_text("area_id\nx\n")
    return ["compare", str(a), str(b)], ""


def close_unknown_service(t: Path) -> tuple[list[str], str]:
    extra = '[[interventions]]\ntype = "close_service"\nservice_id = "raa_bibliotek:libary"\n'
    return ["run", str(small(t, extra=extra)), "--out", str(t / "o")], ""


def failed_run_into_new_folders(t: Path) -> tuple[list[str], str]:
    extra = '[[interventions]]\ntype = "close_service"\nservice_id = "no-such-id"\n'
    s = small(t, extra=extra, maps=True)
    return ["run", str(s), "--out", str(t / "deep/er/o"), "--maps-dir", "shared/maps"], ""


def cache_is_unwritable(t: Path) -> tuple[list[str], str]:
    (t / "cache").write_text("a file, not a folder")
    os.environ["PROXIMITY_CACHE"] = str(t / "cache")  # restored by conftest's monkeypatch
    s = t / "demo.toml"
    s.write_text(
        'name = "demo"\ncity = "helsinki-demo"\ncategories = ["library"]\n'
        'thresholds_min = [10]\nprofiles = ["adult"]\n[network]\nsource = "required"\n'
        "[outputs]\nmaps = false\nreport = false\n",
        encoding="utf-8",
    )
    return ["run", str(s), "--out", str(t / "o")], ""


def bom_scenario(t: Path) -> tuple[list[str], str]:
    s = small(t)
    s.write_bytes(b"\xef\xbb\xbf" + s.read_bytes())
    return ["run", str(s), "--out", str(t / "o")], ""


def malformed_toml(t: Path) -> tuple[list[str], str]:
    s = t / "bad.toml"
    s.write_bytes(b'\xef\xbb\xbfname = "bad"\ncity = "helsingborg"\n[network\n')
    return ["check", str(s)], ""


def _threshold_world(top: str = "", extra: str = "") -> Callable[[Path], tuple[list[str], str]]:
    def world(t: Path) -> tuple[list[str], str]:
        s = small(t, top=top, extra=extra, file="thr.toml")
        text = s.read_text(encoding="utf-8")
        if top:
            text = text.replace("thresholds_min = [10, 15]\n", "")
        s.write_text(text, encoding="utf-8")
        return ["run", str(s), "--out", str(t / "o")], ""

    return world


@dataclass(frozen=True)
class Case:
    world: Callable[[Path], tuple[list[str], str]]
    code: int
    needles: tuple[str, ...]
    own: tuple[str, ...] = ()  # the tool's own output folders (relative to tmp_path)


CASES = [
    pytest.param(
        Case(run_json_and_photo, 2, ("photo.jpg", "run.json", "File: ", "/d", "Fix: ", "--out")),
        id="run-json-alone-does-not-make-a-folder-ours",
    ),
    pytest.param(
        Case(rerun_with_users_file, 2, ("notes.txt", "out/small", "Fix: Move those files")),
        id="rerun-keeps-a-users-file-in-out-name",
    ),
    pytest.param(
        Case(rerun_with_edited_table, 2, ("tables/areas.csv", "changed since", "--out")),
        id="rerun-keeps-an-edited-table",
    ),
    pytest.param(
        Case(old_run_without_manifest, 2, ("older version", "no manifest.json", "delete it")),
        id="older-output-without-manifest-refused",
    ),
    pytest.param(
        Case(out_is_a_file, 2, ("not a folder", "results", "--out")),
        id="out-is-a-file",
    ),
    pytest.param(
        Case(maps_hand_written_html, 2, ("my-own-map.html", "maps/small", "--maps-dir")),
        id="published-maps-keep-a-hand-written-html",
    ),
    pytest.param(
        Case(maps_old_publication, 2, ("older version", "maps/small", "--maps-dir")),
        id="published-maps-without-manifest-refused",
    ),
    pytest.param(
        Case(maps_dir_is_a_file, 2, ("maps folder", "Fix: ", "--maps-dir")),
        id="maps-dir-is-a-file",
    ),
    pytest.param(
        Case(out_dot_with_foreign_files, 2, ("thesis.docx", "run.json", "work", "--out")),
        id="out-dot-with-foreign-files-refused",
    ),
    pytest.param(
        Case(out_dot_own_output_and_users_file, 2, ("thesis.docx", "work", "Move those files")),
        id="out-dot-keeps-the-users-file",
    ),
    pytest.param(
        Case(out_dot_own_output, 0, (), own=("work",)),
        id="out-dot-republishes-its-own-output",
    ),
    pytest.param(
        Case(stale_staging, 0, (), own=("o", ".o.staging-killed")),
        id="stale-staging-of-a-killed-run-removed",
    ),
    pytest.param(
        Case(stale_maps_staging, 0, (), own=("o", "maps/small", "maps/.small.staging-killed")),
        id="stale-maps-staging-removed",
    ),
    pytest.param(
        Case(
            compare_truncated_table,
            2,
            ("tables/areas.csv", "sha256 recorded in run.json", "File: ", "/b/", "re-run"),
        ),
        id="compare-refuses-a-truncated-table",
    ),
    pytest.param(
        Case(compare_missing_table, 2, ("tables/equity.csv", "is missing", "Re-run")),
        id="compare-refuses-a-missing-table",
    ),
    pytest.param(
        Case(compare_edited_data_file, 2, ("data/access_areas.csv", "manifest.json", "Re-run")),
        id="compare-refuses-an-edited-file",
    ),
    pytest.param(
        Case(
            close_unknown_service,
            2,
            (
                "raa_bibliotek:libary",
                "Row: line ",
                "key 'service_id'",
                "Close matches: raa_bibliotek:library",
                "load_city('helsingborg')",
            ),
        ),
        id="close-service-hint-names-a-working-command",
    ),
    pytest.param(
        Case(failed_run_into_new_folders, 2, ("no-such-id", "key 'service_id'", "Fix: ")),
        id="failed-run-leaves-no-new-folders",
    ),
    pytest.param(
        Case(cache_is_unwritable, 2, ("cache folder", "PROXIMITY_CACHE", "File: ")),
        id="unwritable-cache-names-PROXIMITY_CACHE",
    ),
    pytest.param(Case(bom_scenario, 0, (), own=("o",)), id="scenario-with-a-bom-runs"),
    pytest.param(
        Case(malformed_toml, 2, ("Malformed TOML", "bad.toml", "Row: line 3, column", "Fix: ")),
        id="malformed-toml-with-a-bom-names-line-and-column",
    ),
    pytest.param(
        Case(
            _threshold_world(top="thresholds_min = [1e19]"),
            2,
            ("thresholds_min", "1e+19", "thr.toml", "Row: line ", "1440", "Fix: "),
        ),
        id="threshold-1e19",
    ),
    pytest.param(
        Case(
            _threshold_world(top="thresholds_min = [10, inf]"),
            2,
            ("thresholds_min", "inf", "finite", "Row: line "),
        ),
        id="threshold-inf",
    ),
    pytest.param(
        Case(_threshold_world(top="thresholds_min = [0]"), 2, ("thresholds_min", "> 0")),
        id="threshold-zero",
    ),
    pytest.param(
        Case(_threshold_world(top="thresholds_min = [1441]"), 2, ("thresholds_min", "1441")),
        id="threshold-over-a-day",
    ),
    pytest.param(
        Case(
            _threshold_world(extra="[siting]\nk = 1\ncategory = 'library'\nthreshold_min = 1e6\n"),
            2,
            ("siting.threshold_min", "1000000.0", "at most 1440"),
        ),
        id="siting-threshold-absurd",
    ),
]


@pytest.mark.parametrize("case", CASES)
def test_trust(case: Case, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    argv, cwd = case.world(tmp_path)
    monkeypatch.chdir(tmp_path / cwd)
    capsys.readouterr()
    before = snapshot(tmp_path, case.own)
    code = _run(argv)
    err = capsys.readouterr().err
    assert code == case.code, err
    for needle in case.needles:
        assert needle in err, (needle, err)
    assert "Traceback" not in err
    after = snapshot(tmp_path, case.own)
    assert after == before, sorted(set(after) ^ set(before))


# ------------------------------------------------------------------ what the cases left
def test_out_dot_republishes_in_place(tmp_path, monkeypatch):
    argv, cwd = out_dot_own_output(tmp_path)
    monkeypatch.chdir(tmp_path / cwd)
    assert _run(argv) == 0
    work = tmp_path / "work"
    assert (work / "tables" / "equity.csv").exists()
    assert _manifest.foreign_files(work) == [] and _manifest.changed_files(work) == []
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_stale_staging_only_the_dead_writers(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    argv, _ = stale_staging(tmp_path)
    assert _run(argv) == 0
    assert not (tmp_path / ".o.staging-killed").exists()
    assert (tmp_path / ".o.staging-mine" / "keep.txt").read_text() == "mine"


def test_manifest_lists_every_file_written(tmp_path):
    s = small(tmp_path, maps=True)
    _ok_run(tmp_path, s, "o", "--maps-dir", str(tmp_path / "maps"))
    for folder, kind in ((tmp_path / "o", "run"), (tmp_path / "maps" / "small", "maps")):
        obj = json.loads((folder / "manifest.json").read_text("utf-8"))
        files = sorted(
            p.relative_to(folder).as_posix()
            for p in folder.rglob("*")
            if p.is_file() and p.name != "manifest.json"
        )
        assert obj["kind"] == kind and [f["path"] for f in obj["files"]] == files
    run = json.loads((tmp_path / "o" / "run.json").read_text("utf-8"))
    assert {t["file"] for t in run["tables"].values()} <= set(files_of(tmp_path / "o"))


def files_of(folder: Path) -> list[str]:
    return [p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()]


def test_the_close_service_command_works(tmp_path):
    cmd = list_services_command("helsingborg")
    code = cmd.split("python -c ", 1)[1].strip('"')
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "raa_bibliotek:library" in done.stdout


def test_helsinki_demo_writes_no_local_paths(tmp_path):
    out = tmp_path / "out"
    rc = _run(["run", str(ROOT / "scenarios" / "helsinki-demo.toml"), "--out", str(out)])
    assert rc == 0
    cache = os.environ["PROXIMITY_CACHE"]
    leaks = ("/root", "site-packages", str(tmp_path), str(ROOT), cache, os.path.expanduser("~"))
    checked = 0
    for p in out.rglob("*"):
        if p.suffix in (".json", ".csv", ".md", ".parquet"):
            text = p.read_bytes().decode("utf-8", errors="replace")
            for leak in leaks:
                assert leak not in text, (p.relative_to(out), leak)
            checked += 1
    assert checked > 10
    run = json.loads((out / "run.json").read_text("utf-8"))
    pbf = run["network"]["origin"]
    assert pbf["name"] == "Helsinki.osm.pbf" and len(pbf["sha256"]) == 64
    assert run["city"]["provenance"]["config"] == "city.toml"  # relative to the city's folder
    siting = json.loads((out / "data" / "siting" / "siting.json").read_text("utf-8"))
    assert siting["provenance"]["network"]["source"] == pbf


@pytest.mark.parametrize(
    "name",
    sorted(
        p.stem
        for p in (ROOT / "scenarios").glob("*.toml")
        if '"../bundles/' not in p.read_text(encoding="utf-8")  # bundle scenarios: no maps yet
    ),
)
def test_committed_maps_can_be_republished(name):
    """The maps in the repository's maps/ carry a manifest that vouches for every file.

    Scenarios on a city bundle (built online, not committed) have no committed maps.
    """
    folder = ROOT / "maps" / name
    assert (folder / "manifest.json").is_file()
    assert _manifest.foreign_files(folder) == [] and _manifest.changed_files(folder) == []


@pytest.mark.parametrize("sig", ["SIGKILL", "SIGTERM"])
def test_a_killed_run_leaves_staging_that_the_next_run_removes(tmp_path, monkeypatch, sig):
    """A writer killed after staging began (a real process, a real signal)."""
    import signal

    code = (
        "import sys, time; from pathlib import Path\n"
        "from proximity.scenario.outputs import stage_dir\n"
        "s = stage_dir(Path(sys.argv[1]))\n"
        "(s / 'half.csv').write_text('half written')\n"
        "print(s, flush=True)\n"
        "time.sleep(600)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(tmp_path / "o")],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        staging = Path(proc.stdout.readline().strip())
    finally:
        proc.send_signal(getattr(signal, sig))
        proc.wait(timeout=60)
        proc.stdout.close()
    assert staging.name.startswith(".o.staging-") and (staging / "half.csv").exists()
    monkeypatch.chdir(tmp_path)
    assert _run(["run", str(small(tmp_path)), "--out", str(tmp_path / "o")]) == 0
    assert not staging.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o", "small.toml"]
