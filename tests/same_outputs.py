"""Show that two commits give byte-identical scenario outputs (a refactor changed no behaviour).

Usage (from the repository root, in the project's virtualenv)::

    python tests/same_outputs.py BASE [AFTER]    # AFTER defaults to HEAD

Both sides are checked out in turn, with ``git worktree``, at the *same* folder, and run
from the *same* working folder with the same interpreter, the same cache folder, offline, and
the same fixed ``SOURCE_DATE_EPOCH``, so only real differences show. For every shipped
scenario (``scenarios/*.toml``) it compares the tables (``*.csv``), ``run.json``,
``report.md`` and the site lists byte for byte, and prints each differing file. The one
exception: JSON keys ending in ``_seconds`` (measured wall times, such as the network's
``parse_seconds``) differ from run to run on the same commit, so their values are masked. Exit code 0
when everything is identical, 1 otherwise. This is a script, not a pytest test: it needs git
history and takes about a minute.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EPOCH = "1764720000"  # 2025-12-03, fixed so both sides print the same dates
COMPARED_SUFFIXES = (".csv", ".json", ".md")


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(ROOT), *args], check=True, capture_output=True, text=True
    ).stdout.strip()


def _run_side(rev: str, side_dir: Path, work: Path, cache: Path, store: Path) -> None:
    """Check out ``rev`` at ``side_dir``, run every scenario from ``work``, keep outputs."""
    _git("worktree", "add", "--detach", "--force", str(side_dir), rev)
    try:
        for folder in (work, cache):  # both sides start cold: same paths, same cache state
            if folder.exists():
                shutil.rmtree(folder)
        work.mkdir(parents=True)
        env = {
            **os.environ,
            "SOURCE_DATE_EPOCH": EPOCH,
            "PROXIMITY_OFFLINE": "1",
            "PROXIMITY_QUIET": "1",
            "PROXIMITY_CACHE": str(cache),
            "PYTHONPATH": str(side_dir),
        }
        for scenario in sorted((side_dir / "scenarios").glob("*.toml")):
            out = work / "out" / scenario.stem
            cmd = [sys.executable, "-m", "proximity.cli", "run", str(scenario), "--out", str(out)]
            proc = subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True)
            (work / f"{scenario.stem}.stdout").write_text(proc.stdout + proc.stderr)
            if proc.returncode != 0:
                print(f"[{rev}] {scenario.name} exited {proc.returncode}:\n{proc.stderr[-2000:]}")
        shutil.copytree(work, store)
    finally:
        _git("worktree", "remove", "--force", str(side_dir))


_SECONDS = re.compile(r'("[A-Za-z_]*_seconds": )[-0-9.eE+]+')


def _same(a: Path, b: Path) -> bool:
    """Byte equality, with measured ``*_seconds`` values masked in JSON files."""
    ta, tb = a.read_bytes(), b.read_bytes()
    if a.suffix == ".json":
        ta = _SECONDS.sub(r"\1<masked>", ta.decode()).encode()
        tb = _SECONDS.sub(r"\1<masked>", tb.decode()).encode()
        json.loads(a.read_text())  # both sides must still be valid JSON
    return ta == tb


def _compared_files(folder: Path) -> set[Path]:
    return {
        p.relative_to(folder)
        for p in folder.rglob("*")
        if p.is_file() and p.suffix in COMPARED_SUFFIXES and "out" in p.relative_to(folder).parts
    }


def main(argv: list[str]) -> int:
    if not argv or len(argv) > 2:
        print(__doc__)
        return 2
    base = _git("rev-parse", argv[0])
    after = _git("rev-parse", argv[1] if len(argv) > 1 else "HEAD")
    print(f"before: {base}\nafter:  {after}")
    with tempfile.TemporaryDirectory(prefix="proximity-same-") as tmp:
        t = Path(tmp)
        for name, rev in (("before", base), ("after", after)):
            _run_side(rev, t / "side", t / "work", t / "cache", t / name)
        a_files, b_files = _compared_files(t / "before"), _compared_files(t / "after")
        bad = sorted(a_files ^ b_files)
        for rel in bad:
            print(f"only on one side: {rel}")
        same = 0
        for rel in sorted(a_files & b_files):
            if _same(t / "before" / rel, t / "after" / rel):
                same += 1
            else:
                bad.append(rel)
                print(f"DIFFERS: {rel}")
        print(f"{same} files identical, {len(bad)} differ or are missing")
        return 0 if not bad and same else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
