"""Saved networks: the ``.npz`` + ``.json`` format and its content hash.

A network is saved as compressed arrays (``.npz``) next to a ``.json`` sidecar holding its
CRS and provenance. The ``.npz`` also holds :data:`FORMAT` and a SHA-256 over the arrays (by
name, dtype, shape and bytes, in :data:`ARRAYS` order) and the sidecar's bytes, so that a
truncated, altered (e.g. re-saved with other lengths) or mismatched pair is detected on load
(:class:`NetworkFileError`, naming the file and the fix). Files without that hash (saved by
an older proximity) are not trusted either: they must be rebuilt.

:func:`check_save_target` refuses to overwrite anything but a valid saved network (or an
orphan sidecar of one), except in the cache folder
(:func:`proximity.config.network_cache_dir`), which is the tool's own; it also checks that the
folder can be written, before any work is done.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import zipfile
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from proximity import config
from proximity._io import atomic_path, check_folder_writable, write_bytes_atomic
from proximity.errors import InputFileError, OutputError
from proximity.network.graph import WalkNetwork
from proximity.network.warm import load_warm, save_warm

#: The saved-network format written by :func:`save_npz` (stored in the ``.npz``).
FORMAT = "proximity-network-2"
#: The arrays of a saved network, in the order they are hashed.
ARRAYS = (
    "node_osm_id",
    "node_x",
    "node_y",
    "edge_u",
    "edge_v",
    "edge_length_m",
    "edge_highway",
    "edge_way_id",
)
_FORMAT_KEY = "proximity_format"
_HASH_KEY = "proximity_sha256"
_SIDECAR_KEYS = {"crs", "provenance"}


class NetworkFileError(InputFileError):
    """A saved network (``.npz`` + ``.json``) is corrupt, altered, incomplete or too old.

    Attributes
    ----------
    reason : str
        What is wrong, as a phrase ("is truncated or not a .npz file", ...).
    """

    def __init__(self, reason: str, *, file: object, fix: str) -> None:
        self.reason = reason
        super().__init__(f"The saved walking network {reason}.", file=file, fix=fix)


def _npz(path: str | os.PathLike[str]) -> Path:
    path = Path(path)
    return path if path.suffix == ".npz" else path.with_suffix(".npz")


def _sidecar(path: Path) -> Path:
    return path.with_suffix(".json")


def in_network_cache(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` lies in :func:`proximity.config.network_cache_dir`."""
    try:
        return Path(path).resolve().is_relative_to(config.network_cache_dir().resolve())
    except (OSError, RuntimeError):
        return False


def content_sha256(arrays: Mapping[str, np.ndarray], sidecar: bytes) -> str:
    """The hex SHA-256 a saved network carries: its arrays and its sidecar's bytes.

    Parameters
    ----------
    arrays : mapping of str to numpy.ndarray
        The arrays of :data:`ARRAYS`, as saved.
    sidecar : bytes
        The ``.json`` sidecar's bytes.

    Returns
    -------
    str
    """
    h = hashlib.sha256(FORMAT.encode() + b"\0")
    for name in ARRAYS:
        a = np.ascontiguousarray(arrays[name])
        h.update(f"{name}|{a.dtype.str}|{a.shape}\0".encode())
        h.update(a.tobytes())
    h.update(b"sidecar\0" + sidecar)
    return h.hexdigest()


def _sidecar_bytes(network: WalkNetwork) -> bytes:
    obj = {"crs": network.crs, "provenance": network.provenance}
    text = json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n"
    return text.encode("utf-8")


def save_npz(
    network: WalkNetwork,
    path: str | os.PathLike[str],
    *,
    replace_invalid: bool = False,
    search_structures: bool | None = None,
) -> Path:
    """Save ``network`` as ``path`` (``.npz``) plus ``path.json`` (CRS, provenance), atomically.

    Parameters
    ----------
    network : WalkNetwork
        The network.
    path : str or path-like
        The ``.npz`` file (another suffix is replaced by ``.npz``).
    replace_invalid : bool
        Whether a bad file at ``path`` may be replaced (a cache entry being rebuilt). Files
        in :func:`proximity.config.network_cache_dir` always may.
    search_structures : bool, optional
        Whether to save the network's search structures beside it (``path`` with the suffix
        ``.warm``, :mod:`proximity.network.warm`: a loaded network then needs no build on
        its first call). Default: only in the network cache folder, the tool's own; a
        network saved elsewhere is the ``.npz`` and its ``.json`` only.

    Returns
    -------
    Path
        The ``.npz`` file written.

    Raises
    ------
    OutputError
        When ``path`` or its sidecar exists and is not a saved network, or cannot be written.
    """
    path = _npz(path)
    check_save_target(path, replace_invalid=replace_invalid)
    arrays = {name: np.asarray(getattr(network, name)) for name in ARRAYS}
    arrays["edge_highway"] = arrays["edge_highway"].astype(str)
    sidecar = _sidecar_bytes(network)
    sha = content_sha256(arrays, sidecar)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path, suffix=".npz") as tmp:
            np.savez_compressed(
                tmp, **arrays, **{_FORMAT_KEY: np.array(FORMAT), _HASH_KEY: np.array(sha)}
            )
        write_bytes_atomic(_sidecar(path), sidecar)
        if in_network_cache(path) if search_structures is None else search_structures:
            # the search structures of the network as read_npz will return it
            as_read = type(network)(crs=json.loads(sidecar)["crs"], provenance={}, **arrays)
            save_warm(as_read, path, sha)
    except (OSError, OutputError) as exc:
        reason = exc.message if isinstance(exc, OutputError) else exc.strerror or str(exc)
        raise OutputError(
            f"Cannot write the walking network: {reason}",
            file=path,
            fix=_write_fix(path, None),
        ) from exc
    return path


def _write_fix(path: Path, fix: str | None) -> str:
    if in_network_cache(path):
        return (
            "Set PROXIMITY_CACHE to a folder you can write to (networks are cached in "
            "its networks/ subfolder)."
        )
    return fix or "Save the network to a file in a folder you can write to."


def _user_fix(path: Path, source: str | None) -> str:
    """How to replace a bad saved network outside the cache folders."""
    src = source or "SOURCE"
    return (
        f"Delete {path} and {_sidecar(path)}, then build the network again from its OSM "
        f"source: proximity network fetch {src} --out {path} (or restore the original files)."
    )


def cache_fix(path: Path) -> str:
    """How to replace a bad cache entry (it is rebuilt from its source when deleted)."""
    return (
        f"Delete {path} and {_sidecar(path)}: they are a cache, and the next run (or "
        "`proximity network fetch`) builds the network again from its source."
    )


def _open_arrays(path: Path, fail: Any) -> dict[str, np.ndarray]:
    """The arrays of ``path``, or ``fail(reason)`` when it is not a readable ``.npz``."""
    try:
        z = np.load(path, allow_pickle=False)
        if not isinstance(z, np.lib.npyio.NpzFile):
            raise fail("is not a .npz file of arrays")
        with z:
            return {k: z[k] for k in z.files}
    except NetworkFileError:
        raise
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile, zlib.error) as exc:
        detail = "it does not start like one" if "pickle" in str(exc) else str(exc)[:120]
        raise fail(f"is truncated or not a .npz file ({detail})") from exc


def _read_sidecar(path: Path, fail: Any) -> tuple[bytes, dict[str, Any]]:
    side = _sidecar(path)
    if side.exists() and not side.is_file():
        raise fail(f"has a sidecar {side.name} that is not a regular file")
    try:
        raw = side.read_bytes()
    except FileNotFoundError:
        raise fail(f"has no sidecar {side.name} (it must sit next to the .npz)") from None
    except OSError as exc:
        raise fail(f"has an unreadable sidecar {side.name}: {exc.strerror or exc}") from exc
    try:
        meta = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise fail(f"has a sidecar {side.name} that is not JSON ({exc})") from exc
    if not isinstance(meta, dict) or not _SIDECAR_KEYS <= set(meta):
        raise fail(f"has a sidecar {side.name} without its crs and provenance")
    return raw, meta


def _recorded_source(path: Path) -> str | None:
    """The source recorded in a sidecar, for the fix (None when unreadable)."""
    side = _sidecar(path)
    with contextlib.suppress(OSError, ValueError, AttributeError, TypeError, KeyError):
        if not side.is_file():
            return None
        prov = json.loads(side.read_text(encoding="utf-8"))["provenance"]
        src = prov.get("source")
        return f'"{src}"' if src else None
    return None


def verify_npz(path: str | os.PathLike[str]) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """The arrays and sidecar of a saved network, checked against its content hash.

    Parameters
    ----------
    path : str or path-like
        The ``.npz`` file.

    Returns
    -------
    arrays, meta
        The arrays of :data:`ARRAYS` and the sidecar (``crs``, ``provenance``).

    Raises
    ------
    NetworkFileError
        The file is truncated or not a ``.npz``, lacks its sidecar, was saved without a
        content hash (by an older proximity) or in another format version, or its arrays or
        sidecar were changed after saving. The fix depends on whether the file is a cache
        entry (:func:`in_network_cache`).
    """
    arrays, meta, _ = _verified(path)
    return arrays, meta


def _verified(path: str | os.PathLike[str]) -> tuple[dict[str, np.ndarray], dict[str, Any], str]:
    """:func:`verify_npz` and the content hash it checked."""
    path = _npz(path)
    fix = cache_fix(path) if in_network_cache(path) else _user_fix(path, _recorded_source(path))

    def fail(reason: str) -> NetworkFileError:
        return NetworkFileError(reason, file=path, fix=fix)

    if not path.is_file():
        raise fail("is not a regular file (a folder, pipe or device?)")
    arrays = _open_arrays(path, fail)
    if _FORMAT_KEY not in arrays:
        raise fail(
            "has no content hash (saved by a proximity older than format "
            f"{FORMAT}, or not by proximity), so it cannot be checked"
        )
    fmt = str(arrays.pop(_FORMAT_KEY))
    if fmt != FORMAT:
        raise fail(f"is in format {fmt!r}; this proximity reads {FORMAT!r}")
    stored = str(arrays.pop(_HASH_KEY, ""))
    if set(arrays) != set(ARRAYS):
        raise fail(f"holds the arrays {sorted(arrays)}, not {sorted(ARRAYS)}")
    raw, meta = _read_sidecar(path, fail)
    if content_sha256(arrays, raw) != stored:
        raise fail(
            "was changed after it was saved (its arrays or its .json sidecar do not match "
            "its content hash)"
        )
    return arrays, meta, stored


def is_saved_network(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a saved network whose content hash checks out."""
    try:
        verify_npz(path)
    except NetworkFileError:
        return False
    return True


def read_npz(cls: type[WalkNetwork], path: str | os.PathLike[str]) -> WalkNetwork:
    """Read a network written by :func:`save_npz` (no OSM parsing), checking its hash.

    Parameters
    ----------
    cls : type
        :class:`~proximity.network.WalkNetwork` (or a subclass) to build.
    path : str or path-like
        The ``.npz`` file; its ``.json`` sidecar must sit next to it.

    Returns
    -------
    WalkNetwork

    Raises
    ------
    InputFileError
        If the ``.npz`` is missing.
    NetworkFileError
        If it is corrupt, altered, incomplete or of another format (see :func:`verify_npz`).
    """
    path = _npz(path)
    if not path.exists():
        raise InputFileError(
            "Cached network not found.",
            file=path,
            fix="Build it first (proximity network fetch ...) or point to an existing cache.",
        )
    if not path.is_file():  # a folder, a named pipe, a device
        raise InputFileError(
            "The saved network is not a regular file (a folder, pipe or device?).",
            file=path,
            fix="Point to the .npz file written by proximity network fetch.",
        )
    arrays, meta, sha = _verified(path)
    network = cls(crs=meta["crs"], provenance=meta.get("provenance") or {}, **arrays)
    load_warm(network, path, sha)  # its saved search structures, when they match
    return network


def _is_own_sidecar(side: Path) -> bool:
    """Whether ``side`` is a sidecar proximity wrote (whose ``.npz`` may be gone)."""
    if not side.is_file():
        return False
    try:
        meta = json.loads(side.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(meta, dict) and set(meta) == _SIDECAR_KEYS


def check_save_target(
    path: str | os.PathLike[str], *, replace_invalid: bool = False, fix: str | None = None
) -> Path:
    """Refuse to save a network over a file proximity did not write, or where it cannot.

    The ``.npz`` may be replaced when it is absent or a saved network whose content hash
    checks out; its ``.json`` sidecar when absent, checked with the ``.npz``, or an orphan
    proximity sidecar. In :func:`proximity.config.network_cache_dir` (or with
    ``replace_invalid``) bad files may be replaced: the folder is the tool's own.

    Parameters
    ----------
    path : str or path-like
        The ``.npz`` to write.
    replace_invalid : bool
        Whether bad files may be replaced (a cache entry being rebuilt).
    fix : str, optional
        How to choose another file (e.g. "Choose another file with --out FILE.npz.").

    Returns
    -------
    Path
        The ``.npz`` path.

    Raises
    ------
    OutputError
        Naming the file and the fix.
    """
    npz = _npz(path)
    choose = _write_fix(npz, fix)
    for p in (npz, _sidecar(npz)):
        if p.is_dir():
            raise OutputError("The network file's path is a folder.", file=p, fix=choose)
    if not (replace_invalid or in_network_cache(npz)):
        _check_own_files(npz, choose)
    check_folder_writable(npz.parent, fix=choose, what="the network file's folder")
    return npz


def _check_own_files(npz: Path, choose: str) -> None:
    side = _sidecar(npz)
    if npz.exists() or npz.is_symlink():
        if not is_saved_network(npz):
            raise OutputError(
                "The file exists and is not a walking network saved by proximity (or it, or "
                f"its {side.name}, was changed since); refusing to replace it.",
                file=npz,
                fix=f"Move it away, or: {choose}",
            )
    elif side.exists() and not _is_own_sidecar(side):
        raise OutputError(
            f"Saving the network writes its sidecar {side.name} too, and that file exists "
            "and was not written by proximity; refusing to replace it.",
            file=side,
            fix=f"Move it away, or: {choose}",
        )
