"""Atomic writes and provenance stamps.

Every output of proximity is written to a temporary file in the target folder and then
renamed over the target, so an interrupted run (Ctrl-C, crash, full disk) never leaves a
half-written file behind.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from proximity.errors import InputFileError, OutputError, ParameterError


def ensure_writable_dir(path: str | os.PathLike[str]) -> Path:
    """Create ``path`` if needed and check that files can be written in it.

    Raises
    ------
    OutputError
        If the folder cannot be created or written to.
    """
    p = Path(path)
    try:
        p.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(
            f"Cannot create output folder: {exc.strerror or exc}",
            file=p,
            fix="Choose a folder you can write to (for example --out ./out).",
        ) from exc
    if not os.access(p, os.W_OK | os.X_OK):
        raise OutputError(
            "Output folder is not writable.",
            file=p,
            fix="Choose a folder you can write to, or change its permissions.",
        )
    return p


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str], suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path next to ``target``; rename it over ``target`` on success.

    On any exception (including ``KeyboardInterrupt``) the temporary file is removed and the
    target is left untouched.
    """
    target = Path(target)
    ensure_writable_dir(target.parent if str(target.parent) else ".")
    fd, tmp = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=suffix or ".tmp", dir=target.parent or "."
    )
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        # mkstemp creates 0600; give the output the permissions a normal open() would.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp_path, 0o666 & ~umask)
        os.replace(tmp_path, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()
        raise


@contextlib.contextmanager
def atomic_open(
    target: str | os.PathLike[str], mode: str = "w", encoding: str | None = "utf-8"
) -> Iterator[IO[Any]]:
    """Open a temporary file for writing that replaces ``target`` atomically on close."""
    if "b" in mode:
        encoding = None
    with atomic_path(target) as tmp, open(tmp, mode, encoding=encoding) as fh:
        yield fh


def write_text_atomic(target: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` to ``target`` atomically and return the path."""
    with atomic_open(target, "w") as fh:
        fh.write(text)
    return Path(target)


def write_bytes_atomic(target: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``target`` atomically and return the path."""
    with atomic_open(target, "wb") as fh:
        fh.write(data)
    return Path(target)


def write_json_atomic(target: str | os.PathLike[str], obj: Any) -> Path:
    """Write ``obj`` as pretty, key-sorted JSON atomically."""
    return write_text_atomic(
        target, json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n"
    )


def slug(text: str, default: str = "scenario") -> str:
    """A file-name-safe slug: Swedish letters folded to ASCII, runs of others to ``-``.

    Parameters
    ----------
    text : str
        Any name, e.g. ``"Södra staden"``.
    default : str
        Returned when nothing is left, e.g. for ``"???"``.

    Returns
    -------
    str
        e.g. ``"sodra-staden"``.
    """
    table = str.maketrans("åäöÅÄÖéüÉÜ", "aaoAAOeuEU")
    s = re.sub(r"[^a-z0-9]+", "-", text.translate(table).lower()).strip("-")
    return s or default


def check_folder_writable(folder: str | os.PathLike[str], *, fix: str, what: str) -> None:
    """Refuse early when files cannot be made in ``folder`` (or where it would be created).

    The nearest existing ancestor must be a folder in which a file can be created: this is
    tried (a hidden probe file, removed at once), since permissions alone do not tell (root,
    ``/proc``, read-only mounts). Nothing is created when the check fails.

    Parameters
    ----------
    folder : str or path-like
        The folder files will be written to (it may not exist yet).
    fix : str
        The fix for the message (naming the option or setting that chooses the folder).
    what : str
        What the folder is for, e.g. ``"the network file's folder"``.

    Raises
    ------
    OutputError
        Naming the path and ``fix``.
    """
    anc = Path(folder)
    while not anc.exists() and anc != anc.parent and not anc.is_symlink():
        anc = anc.parent
    if not anc.is_dir():
        raise OutputError(f"Cannot write {what}: {anc} is not a folder.", file=anc, fix=fix)
    try:
        fd, probe = tempfile.mkstemp(prefix=".proximity-probe-", dir=anc)
    except OSError as exc:
        raise OutputError(
            f"Cannot write {what}: {exc.strerror or exc}", file=Path(folder), fix=fix
        ) from exc
    os.close(fd)
    os.unlink(probe)


def read_input_bytes(path: str | os.PathLike[str]) -> bytes:
    """The bytes of an input file; an unreadable file is an :class:`InputFileError`.

    Parameters
    ----------
    path : path-like
        The file.

    Returns
    -------
    bytes
    """
    p = Path(path)
    try:
        return p.read_bytes()
    except OSError as exc:
        raise InputFileError(
            f"Cannot read the file: {exc.strerror or exc}",
            file=p,
            fix="Check the path and the file's permissions.",
        ) from exc


def file_sha256(path: str | os.PathLike[str], chunk_bytes: int = 1 << 20) -> str:
    """Hex SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(chunk_bytes):
            h.update(chunk)
    return h.hexdigest()


def text_sha256(text: str) -> str:
    """Hex SHA-256 of a UTF-8 string (used to key caches by query)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def today_iso() -> str:
    """Today's date (UTC) as ``YYYY-MM-DD``; results record it in their provenance.

    Honours ``SOURCE_DATE_EPOCH`` (the reproducible-builds convention: seconds since
    1970-01-01 UTC), so that a re-run with the same value prints the same dates.
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        try:
            stamp = _dt.datetime.fromtimestamp(int(epoch), _dt.UTC)
        except (ValueError, OverflowError, OSError):
            raise ParameterError(
                f"SOURCE_DATE_EPOCH={epoch!r} is not a whole number of seconds since 1970",
                fix="unset it, or set it to e.g. $(git log -1 --format=%ct)",
            ) from None
        return stamp.date().isoformat()
    return _dt.datetime.now(_dt.UTC).date().isoformat()
