"""``compare`` writes one named folder, prints every path, and never touches ``maps/``.

The folder follows the run's output rules (proximity._manifest): staged, a manifest.json
with each file's sha256, an existing folder replaced only when the manifest vouches for
every file in it and it is a comparison.
"""

from __future__ import annotations

import json
import re

import pytest
from _cli import write_light
from _scenario import offline_env_fixture  # noqa: F401 (pytest fixture)

from proximity import cli
from proximity import scenario as sc
from proximity._io import file_sha256
from proximity.errors import OutputError


def test_folder_holds_the_tables_and_a_manifest(runs, tmp_path):
    base, motion = runs
    res = sc.compare(base.out_dir, motion.out_dir, out_dir=tmp_path / "c", quiet=True)
    names = sorted(p.name for p in (tmp_path / "c").iterdir())
    assert names == ["compare.csv", "compare.html", "compare.md", "manifest.json"]
    manifest = json.loads((tmp_path / "c" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["kind"] == "compare"
    listed = {f["path"]: f["sha256"] for f in manifest["files"]}
    assert listed == {
        n: file_sha256(tmp_path / "c" / n) for n in ("compare.csv", "compare.html", "compare.md")
    }
    assert res.files[:4] == [
        tmp_path / "c" / n for n in ("compare.csv", "compare.md", "compare.html", "manifest.json")
    ]
    assert not list(tmp_path.glob(".c.staging-*"))  # the staging folder is gone
    # a re-run replaces its own folder; the table is byte-identical
    before = (tmp_path / "c" / "compare.csv").read_bytes()
    sc.compare(base.out_dir, motion.out_dir, out_dir=tmp_path / "c", quiet=True)
    assert (tmp_path / "c" / "compare.csv").read_bytes() == before


def test_folder_with_a_foreign_file_is_refused(runs, tmp_path):
    base, motion = runs
    target = tmp_path / "c"
    sc.compare(base.out_dir, motion.out_dir, out_dir=target, quiet=True)
    (target / "notes.txt").write_text("mine", encoding="utf-8")
    (target / "compare.md").write_text("edited by hand", encoding="utf-8")
    with pytest.raises(OutputError, match=r"compare\.md, notes\.txt"):
        sc.compare(base.out_dir, motion.out_dir, out_dir=target, quiet=True)
    assert (target / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert (target / "compare.md").read_text(encoding="utf-8") == "edited by hand"


def test_a_folder_written_without_a_manifest_is_refused(runs, tmp_path):
    base, motion = runs
    target = tmp_path / "old"
    target.mkdir()
    (target / "compare.csv").write_text("old,table\n", encoding="utf-8")
    with pytest.raises(OutputError, match=r"compare\.csv"):
        sc.compare(base.out_dir, motion.out_dir, out_dir=target, quiet=True)
    assert (target / "compare.csv").read_text(encoding="utf-8") == "old,table\n"


def test_a_run_folder_or_an_input_is_never_the_target(runs, tmp_path):
    base, motion = runs
    with pytest.raises(OutputError, match="one of the runs it compares"):
        sc.compare(base.out_dir, motion.out_dir, out_dir=base.out_dir, quiet=True)
    with pytest.raises(OutputError, match="one of the runs it compares"):
        sc.compare(base.out_dir, motion.out_dir, out_dir=base.out_dir.parent, quiet=True)
    # another run's folder (kind "run") is not replaced by a comparison either
    other = tmp_path / "other-run"
    sc.run(write_light(tmp_path), out_dir=other, quiet=True)
    with pytest.raises(OutputError, match="another kind"):
        sc.compare(base.out_dir, motion.out_dir, out_dir=other, quiet=True)
    assert (other / "run.json").is_file()


def test_cli_without_out_writes_the_default_folder_and_prints_every_path(
    runs, tmp_path, monkeypatch, capsys
):
    base, motion = runs
    monkeypatch.chdir(tmp_path)
    assert cli.main(["compare", str(base.out_dir), str(motion.out_dir), "-q"]) == 0
    printed = capsys.readouterr().out
    folder = "out/compare-helsingborg-baseline-vs-helsingborg-motion"
    assert f"comparison written to: {folder}" in printed
    paths = re.findall(r"^  (\S+)", printed, flags=re.MULTILINE)
    assert paths == [
        f"{folder}/{n}" for n in ("compare.csv", "compare.md", "compare.html", "manifest.json")
    ]
    on_disk = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()}
    assert on_disk == set(paths)  # printed = written, nothing else (no maps/)
    assert "| Nordöstra staden | båda |" in printed  # the table is printed too


def _publishing_light(tmp_path):
    p = write_light(tmp_path)
    text = p.read_text(encoding="utf-8").replace(
        "maps = false", 'maps = true\nmaps_dir = "maps"\npublish = true'
    )
    p.write_text(text, encoding="utf-8")
    return p


def test_cli_with_tomls_runs_them_inside_its_folder_and_publishes_only_when_asked(
    tmp_path, monkeypatch, capsys
):
    """Even a scenario that says ``publish = true`` is not published by compare."""
    light = _publishing_light(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["compare", str(light), str(light), "--out", "c", "-q"]) == 0
    printed = capsys.readouterr().out
    assert not (tmp_path / "maps").exists() and not (tmp_path / "out").exists()
    for label in ("a", "b"):
        run_dir = tmp_path / "c" / "runs" / f"{label}-light"
        assert (run_dir / "tables" / "areas.csv").is_file()
        assert f"  c/runs/{label}-light/" in printed
        assert (
            json.loads((run_dir / "run.json").read_text(encoding="utf-8"))["published_maps"] == []
        )
    # the runs are listed in the comparison's manifest, so a re-run may replace them
    manifest = json.loads((tmp_path / "c" / "manifest.json").read_text(encoding="utf-8"))
    assert "runs/a-light/tables/areas.csv" in {f["path"] for f in manifest["files"]}
    assert cli.main(["compare", str(light), str(light), "--out", "c", "-q"]) == 0
    capsys.readouterr()
    # --publish: like run --publish
    assert cli.main(["compare", str(light), str(light), "--out", "c", "--publish", "-q"]) == 0
    assert sorted((tmp_path / "maps" / "light").glob("*.html"))


def test_help_states_the_true_defaults(runs, tmp_path, capsys):
    """--threshold: B's siting threshold (15 for the motion), not a fixed 10."""
    from proximity.cli._parser import build_parser

    parser = build_parser()
    with pytest.raises(SystemExit):
        parser.parse_args(["compare", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "default 10)" not in text
    assert "B's siting threshold, else its map threshold, else A's, else 10 if computed" in text
    assert "default: out/compare-<A>-vs-<B>/" in text
    base, motion = runs
    res = sc.compare(base.out_dir, motion.out_dir, out_dir=tmp_path / "c", quiet=True)
    siting = json.loads((motion.out_dir / "run.json").read_text(encoding="utf-8"))
    assert siting["scenario"]["siting"]["threshold_min"] == 15
    assert set(res.view["threshold_min"]) == {15.0}
    assert "Inom 15 minuters promenad" in res.markdown
