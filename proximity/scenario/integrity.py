"""Is a run's output folder as the run wrote it? Checked before its tables are compared.

``run.json`` records the sha256 of every table and ``manifest.json`` that of every file;
a truncated or edited ``areas.csv`` would otherwise be compared as if it were the run's
(hundreds of areas "only in B").
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from proximity._io import file_sha256
from proximity._manifest import MANIFEST_NAME, changed_files
from proximity.errors import InputFileError

__all__ = ["verify_run"]


def _run_json(folder: Path) -> dict[str, object]:
    path = folder / "run.json"
    if not path.is_file():
        raise InputFileError(
            "Not the output folder of a finished run (run.json is missing).",
            file=folder,
            fix="Give a scenario .toml, or the output folder of `proximity run` (default "
            "out/<name>).",
        )
    try:
        obj = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputFileError(
            f"run.json cannot be read: {exc}",
            file=path,
            fix="Re-run the scenario into a new folder (proximity run SCENARIO.toml --out "
            "NEW_FOLDER) and compare that.",
        ) from exc
    if not isinstance(obj, dict):
        raise InputFileError(
            "run.json is not a JSON object.",
            file=path,
            fix="Re-run the scenario into a new folder and compare that.",
        )
    return obj


def _recorded_tables(run: dict[str, object]) -> dict[str, str]:
    """``run.json``'s ``tables``: relative file → sha256."""
    tables = run.get("tables")
    out = {}
    for entry in tables.values() if isinstance(tables, dict) else ():
        if isinstance(entry, dict) and isinstance(entry.get("file"), str):
            out[str(entry["file"])] = str(entry.get("sha256", ""))
    return out


def _refuse(folder: Path, rel: str, what: str, run: dict[str, object]) -> InputFileError:
    sc = run.get("scenario")
    name = sc.get("file") if isinstance(sc, dict) else None
    scenario = name if isinstance(name, str) and name else "SCENARIO.toml"
    return InputFileError(
        f"{rel} {what}: the folder is no longer what the run wrote (a file was edited, "
        "truncated or deleted after the run), so comparing it would be wrong.",
        file=folder / rel,
        fix=f"Re-run the scenario into a new folder, e.g. `proximity run {scenario} --out "
        f"{folder.name}-rerun` (or delete {folder} first and re-run it there), then compare "
        "again.",
    )


def verify_run(folder: str | os.PathLike[str]) -> None:
    """Check a finished run's folder before its tables are read.

    Every table ``run.json`` lists must exist with the recorded sha256, and every file
    ``manifest.json`` lists (when the folder has one) must be unchanged.

    Parameters
    ----------
    folder
        The output folder of ``proximity run``.

    Raises
    ------
    InputFileError
        ``run.json`` is missing or unreadable, or a file differs from the recorded sha256
        (naming the file; the fix is to re-run the scenario).
    """
    f = Path(folder)
    run = _run_json(f)
    for rel, sha in sorted(_recorded_tables(run).items()):
        p = f / rel
        if not p.is_file():
            raise _refuse(f, rel, "is missing", run)
        if file_sha256(p) != sha:
            raise _refuse(f, rel, "does not match the sha256 recorded in run.json", run)
    changed = changed_files(f)
    if changed:
        raise _refuse(f, changed[0], f"does not match the sha256 recorded in {MANIFEST_NAME}", run)
