"""Private: the one manifest format, and the rule that only the tool's own files are replaced.

Every folder proximity writes (a run's output folder, a published maps folder, a city
bundle) holds a ``manifest.json``::

    {
      "format": "proximity-manifest-1",
      "kind": "run" | "maps" | "bundle" | "network" | "compare",
      "files": [{"path": "tables/areas.csv", "bytes": 1234, "sha256": "…"}, …],
      "sources": [{"name": …, "url" | "file": …, "retrieved": …, "sha256": …, …}, …]
    }

Paths are relative to the manifest, with ``/`` separators, sorted. A folder may be
replaced only when every file in it is listed in its manifest with an unchanged sha256:
anything else (a user's photo, a hand-edited map) is *foreign*, and the write is refused
naming those files. Staging folders (``.NAME.staging-*``) carry a marker with the writer's
process id, so a later run can remove those whose writer has died (SIGKILL) and only those.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from proximity._io import file_sha256, write_text_atomic
from proximity.errors import OutputError

MANIFEST_NAME = "manifest.json"
FORMAT = "proximity-manifest-1"
KINDS = ("run", "maps", "bundle", "network", "compare")
#: Marker file inside a staging folder: the writer's process id.
STAGING_MARKER = ".proximity-staging"


@dataclass(frozen=True)
class FileEntry:
    """One file of a manifest: its path relative to the manifest, size and sha256."""

    path: str
    bytes: int
    sha256: str


@dataclass(frozen=True)
class Manifest:
    """What a folder holds and where its inputs came from.

    Parameters
    ----------
    kind : str
        One of :data:`KINDS`.
    files : tuple of FileEntry
        Every file the tool wrote into the folder (the manifest itself excluded).
    sources : tuple of dict
        Provenance of the inputs (URL or file name, retrieval time, bytes, sha256, licence).
    """

    kind: str
    files: tuple[FileEntry, ...] = ()
    sources: tuple[Mapping[str, Any], ...] = field(default=())

    def to_json(self) -> str:
        """The manifest as pretty, key-sorted JSON text."""
        obj = {
            "format": FORMAT,
            "kind": self.kind,
            "files": [vars(f) for f in sorted(self.files, key=lambda f: f.path)],
            "sources": [dict(s) for s in self.sources],
        }
        return json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n"


def _rel(path: Path, folder: Path) -> str:
    return PurePosixPath(path.relative_to(folder).as_posix()).as_posix()


def _tool_files(folder: Path) -> list[Path]:
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file() and p.name not in (MANIFEST_NAME, STAGING_MARKER)
    )


def build_manifest(
    folder: str | os.PathLike[str], kind: str, *, sources: Sequence[Mapping[str, Any]] = ()
) -> Manifest:
    """Hash every file under ``folder`` into a :class:`Manifest` of ``kind``.

    Parameters
    ----------
    folder : path-like
        The folder the tool has just written.
    kind : str
        One of :data:`KINDS`.
    sources : sequence of mapping
        Provenance records of the inputs.

    Returns
    -------
    Manifest
    """
    if kind not in KINDS:
        raise ValueError(f"unknown manifest kind {kind!r}")
    root = Path(folder)
    files = tuple(
        FileEntry(_rel(p, root), p.stat().st_size, file_sha256(p)) for p in _tool_files(root)
    )
    return Manifest(kind, files, tuple(sources))


def write_manifest(folder: str | os.PathLike[str], manifest: Manifest) -> Path:
    """Write ``manifest`` as ``folder/manifest.json`` (atomically)."""
    return write_text_atomic(Path(folder) / MANIFEST_NAME, manifest.to_json())


def read_manifest(folder: str | os.PathLike[str]) -> Manifest | None:
    """The folder's manifest, or None when it has none (or one not written by proximity)."""
    path = Path(folder) / MANIFEST_NAME
    try:
        obj = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(obj, dict) or obj.get("format") != FORMAT:
        return None
    try:
        files = tuple(
            FileEntry(str(f["path"]), int(f["bytes"]), str(f["sha256"])) for f in obj["files"]
        )
    except (KeyError, TypeError, ValueError):
        return None
    return Manifest(str(obj.get("kind", "")), files, tuple(obj.get("sources") or ()))


def foreign_files(folder: str | os.PathLike[str]) -> list[str]:
    """Files under ``folder`` that its manifest does not vouch for (relative paths).

    A file is foreign when it is not listed, or when its size or sha256 differs from the
    listed one (a user edited it). Without a manifest, every file is foreign.
    """
    root = Path(folder)
    manifest = read_manifest(root)
    listed = {f.path: f for f in manifest.files} if manifest else {}
    out = []
    for p in _tool_files(root):
        rel = _rel(p, root)
        entry = listed.get(rel)
        if entry is None or entry.bytes != p.stat().st_size or entry.sha256 != file_sha256(p):
            out.append(rel)
    if manifest is None and (root / MANIFEST_NAME).exists():
        out.append(MANIFEST_NAME)
    return out


def changed_files(folder: str | os.PathLike[str]) -> list[str]:
    """Files the folder's manifest lists that are missing or differ from it (relative paths).

    The opposite check of :func:`foreign_files`: that the tool's own files are intact (a
    truncated or edited table is caught before it is read). Files the manifest does not
    list are not looked at. Without a manifest, nothing can be checked: ``[]``.
    """
    root = Path(folder)
    manifest = read_manifest(root)
    out = []
    for entry in manifest.files if manifest else ():
        p = root / entry.path
        if not p.is_file() or p.stat().st_size != entry.bytes or file_sha256(p) != entry.sha256:
            out.append(entry.path)
    return out


def check_replaceable(target: str | os.PathLike[str], *, option: str = "--out") -> None:
    """Refuse to replace ``target`` unless it is absent, empty, or wholly the tool's own.

    Parameters
    ----------
    target : path-like
        The folder about to be replaced.
    option : str
        The command-line option that chooses another folder, for the fix.

    Raises
    ------
    OutputError
        When ``target`` is a file, or holds files its manifest does not vouch for; the
        message lists them (at most ten) and the fix.
    """
    t = Path(target)
    if not t.exists():
        return
    if not t.is_dir():
        raise OutputError(
            "The output path exists and is not a folder; refusing to replace it.",
            file=t,
            fix=f"Choose another folder with {option}.",
        )
    foreign = foreign_files(t)
    if foreign:
        shown = ", ".join(foreign[:10]) + (
            f" and {len(foreign) - 10} more" if len(foreign) > 10 else ""
        )
        raise OutputError(
            f"The folder holds {len(foreign)} file(s) that proximity did not write (or that "
            f"were changed since): {shown}; refusing to replace it, so nothing is lost.",
            file=t,
            fix=f"Move those files elsewhere, or choose another folder with {option}.",
        )


def mark_staging(staging: str | os.PathLike[str]) -> None:
    """Record this process as the writer of a staging folder."""
    (Path(staging) / STAGING_MARKER).write_text(str(os.getpid()), encoding="ascii")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_stale_staging(parent: str | os.PathLike[str], name: str) -> list[Path]:
    """Remove ``parent/.NAME.staging-*`` folders left by a writer that has died.

    Only folders holding :data:`STAGING_MARKER` with the process id of a process that no
    longer runs are removed; anything else is left alone.

    Returns
    -------
    list of Path
        The folders removed.
    """
    removed = []
    for d in sorted(Path(parent).glob(f".{name}.staging-*")):
        marker = d / STAGING_MARKER
        try:
            pid = int(marker.read_text(encoding="ascii").strip())
        except (OSError, ValueError):
            continue
        if pid != os.getpid() and not _pid_alive(pid):
            shutil.rmtree(d, ignore_errors=True)
            removed.append(d)
    return removed


def _holds_cwd(target: Path) -> bool:
    try:
        cwd = Path.cwd().resolve()
    except OSError:
        return False
    t = target.resolve()
    return cwd == t or t in cwd.parents


def _move_files_in(staging: Path, target: Path) -> None:
    """Per-file publication, for a target that cannot be renamed (the current folder)."""
    old = read_manifest(target)
    new_paths = {_rel(p, staging) for p in _tool_files(staging)}
    for rel in sorted(new_paths):
        dest = target / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging / rel, dest)
    for entry in old.files if old else ():
        if entry.path not in new_paths:
            (target / entry.path).unlink(missing_ok=True)
    os.replace(staging / MANIFEST_NAME, target / MANIFEST_NAME)
    shutil.rmtree(staging, ignore_errors=True)


def replace_folder(
    staging: Path,
    target: Path,
    kind: str,
    *,
    sources: Iterable[Any] = (),
    option: str = "--out",
) -> None:
    """Write the manifest into ``staging`` and move it over ``target``.

    ``target`` is checked with :func:`check_replaceable` again here, just before the swap,
    so that a file added meanwhile is not lost (``option`` is the command-line option the
    fix names). The swap is one rename of the whole folder; when ``target`` is (or holds)
    the current folder, which cannot be renamed, the files are moved in one by one instead
    and the tool's own old files that are no longer produced are removed. The staging
    marker is removed only after the swap, so that a writer killed before it leaves a
    staging folder :func:`clean_stale_staging` can recognise.
    """
    check_replaceable(target, option=option)
    write_manifest(staging, build_manifest(staging, kind, sources=tuple(sources)))
    if target.exists() and _holds_cwd(target):
        _move_files_in(staging, target)
        return
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        if old.exists():
            shutil.rmtree(old)
        os.replace(target, old)
    try:
        os.replace(staging, target)
    except BaseException:
        if old is not None:
            os.replace(old, target)
        raise
    (target / STAGING_MARKER).unlink(missing_ok=True)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
