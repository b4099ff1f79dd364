"""The manifest rule: only files the tool wrote (unchanged since) are ever replaced."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from proximity import _manifest as m
from proximity.errors import OutputError


def _staged(tmp_path, files):
    staging = tmp_path / ".out.staging-x"
    staging.mkdir()
    m.mark_staging(staging)
    for rel, text in files.items():
        (staging / rel).parent.mkdir(parents=True, exist_ok=True)
        (staging / rel).write_text(text)
    return staging


def test_manifest_lists_relative_paths_with_sha256(tmp_path):
    target = tmp_path / "out"
    m.replace_folder(_staged(tmp_path, {"a.csv": "x", "sub/b.json": "{}"}), target, "run")
    obj = json.loads((target / "manifest.json").read_text())
    assert obj["format"] == m.FORMAT and obj["kind"] == "run"
    assert [f["path"] for f in obj["files"]] == ["a.csv", "sub/b.json"]
    # sha256 of b"x", computed independently
    assert obj["files"][0]["sha256"] == (
        "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"
    )
    assert obj["files"][0]["bytes"] == 1
    assert not (target / m.STAGING_MARKER).exists()


def test_rerun_replaces_own_files(tmp_path):
    target = tmp_path / "out"
    m.replace_folder(_staged(tmp_path, {"a.csv": "1", "old.csv": "o"}), target, "run")
    m.replace_folder(_staged(tmp_path, {"a.csv": "2"}), target, "run")
    assert (target / "a.csv").read_text() == "2"
    assert not (target / "old.csv").exists()


@pytest.mark.parametrize("case", ["foreign file", "edited file", "no manifest", "bad manifest"])
def test_foreign_or_edited_files_are_never_lost(tmp_path, case):
    target = tmp_path / "out"
    m.replace_folder(_staged(tmp_path, {"a.csv": "1"}), target, "run")
    if case == "foreign file":
        (target / "photo.jpg").write_bytes(b"\xff\xd8 photo")
    elif case == "edited file":
        (target / "a.csv").write_text("my edits")
    elif case == "no manifest":
        (target / "manifest.json").unlink()
    else:
        (target / "manifest.json").write_text("{not json")
    before = {p: p.read_bytes() for p in target.rglob("*") if p.is_file()}
    with pytest.raises(OutputError) as ei:
        m.replace_folder(_staged(tmp_path, {"a.csv": "2"}), target, "run")
    assert ei.value.fix and "--out" in ei.value.fix
    assert {p: p.read_bytes() for p in target.rglob("*") if p.is_file()} == before


def test_a_run_json_alone_does_not_make_a_folder_ours(tmp_path):
    target = tmp_path / "d"
    target.mkdir()
    (target / "run.json").write_text("{}")
    (target / "photo.jpg").write_text("x")
    with pytest.raises(OutputError, match=r"photo\.jpg"):
        m.check_replaceable(target)


def test_target_that_is_a_file_is_refused(tmp_path):
    f = tmp_path / "settings"
    f.write_text("mine")
    with pytest.raises(OutputError):
        m.check_replaceable(f)
    assert f.read_text() == "mine"


def test_publishing_into_the_current_folder(tmp_path, monkeypatch):
    target = tmp_path / "here"
    target.mkdir()
    monkeypatch.chdir(target)
    m.replace_folder(_staged(tmp_path, {"a.csv": "1", "gone.csv": "g"}), target, "run")
    m.replace_folder(_staged(tmp_path, {"a.csv": "2"}), target, "run")
    assert (target / "a.csv").read_text() == "2" and not (target / "gone.csv").exists()


def test_stale_staging_of_a_dead_writer_is_removed_and_only_that(tmp_path):
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    stale = tmp_path / ".out.staging-dead"
    stale.mkdir()
    (stale / m.STAGING_MARKER).write_text(dead.stdout.strip())
    alive = tmp_path / ".out.staging-alive"
    alive.mkdir()
    (alive / m.STAGING_MARKER).write_text(str(os.getppid()))
    unmarked = tmp_path / ".out.staging-user"
    unmarked.mkdir()
    assert m.clean_stale_staging(tmp_path, "out") == [stale]
    assert alive.exists() and unmarked.exists() and not stale.exists()
