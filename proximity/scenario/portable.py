"""Portable provenance: no local paths in what a run writes.

``run.json``, ``data/access_provenance.json`` (and the GeoParquet's provenance) and
``data/siting/siting.json`` record where the inputs came from. The layers record absolute
paths (the city's files, the network cache, an OSM extract inside a virtualenv), which
would tell a reader about the machine and mean nothing elsewhere. :func:`portable_paths`
rewrites them:

- a path inside the scenario's folder, or the city's folder, becomes relative to it
  (``"areas.geojson"``, ``"../data/x.csv"`` is never written: only paths *inside*);
- any other file becomes ``{"name": "Helsinki.osm.pbf", "sha256": "…"}``: enough to
  recognise the very same file, nothing about where it lay (a path that is not a file
  becomes ``{"name": …}``);
- an absolute path inside a message (a fallback reason) becomes the relative path or the
  bare file name.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from proximity._io import file_sha256
from proximity.errors import ProximityError

if TYPE_CHECKING:
    from proximity.scenario.model import Scenario

__all__ = ["portable_paths", "provenance_bases"]

# an absolute POSIX path inside text: "/" not preceded by a word character, a dot, ":" or
# "/" (so URLs, "node/123" and "m/s" are left alone), up to a space, quote or bracket
_EMBEDDED = re.compile(r"(?<![\w.:/~\\-])/[^\s'\"()\[\]{}<>,;|]+")


def provenance_bases(scenario: Scenario) -> tuple[Path, ...]:
    """The folders paths are written relative to: the scenario's, then the city's."""
    from proximity.sources.registry import city_config_path

    bases: list[Path] = []
    if scenario.path is not None:
        bases.append(scenario.path.parent)
    with contextlib.suppress(ProximityError):  # the city was loaded: this does not fail
        bases.append(city_config_path(scenario.city).parent)
    return tuple(Path(os.path.abspath(b)) for b in bases)


class _Rewriter:
    """Rewrites paths against ``bases``; hashes each outside file once."""

    def __init__(self, bases: Iterable[str | os.PathLike[str]]) -> None:
        self.bases = tuple(Path(os.path.abspath(b)) for b in bases)
        self._sha: dict[str, str | None] = {}

    def relative(self, path: str) -> str | None:
        p = Path(os.path.normpath(path))
        for base in self.bases:
            if p != base and p.is_relative_to(base):
                return PurePosixPath(*p.relative_to(base).parts).as_posix()
        return None

    def _sha256(self, path: str) -> str | None:
        if path not in self._sha:
            try:
                self._sha[path] = file_sha256(path) if os.path.isfile(path) else None
            except OSError:
                self._sha[path] = None
        return self._sha[path]

    def whole(self, path: str) -> str | dict[str, str]:
        """A string that is one absolute path."""
        rel = self.relative(path)
        if rel is not None:
            return rel
        name = Path(path).name
        sha = self._sha256(path)
        return {"name": name} if sha is None else {"name": name, "sha256": sha}

    def text(self, s: str) -> str:
        """Absolute paths inside a message: relative, else the bare name."""

        def sub(m: re.Match[str]) -> str:
            path = m.group(0).rstrip(".:")
            tail = m.group(0)[len(path) :]
            return (self.relative(path) or Path(path).name) + tail

        return _EMBEDDED.sub(sub, s)

    def walk(self, obj: Any) -> Any:
        if isinstance(obj, Mapping):
            return {k: self.walk(v) for k, v in obj.items()}
        if isinstance(obj, list | tuple):
            return type(obj)(self.walk(v) for v in obj)
        if isinstance(obj, os.PathLike):
            s = os.fspath(obj)
            return self.whole(str(s)) if os.path.isabs(s) else obj
        if isinstance(obj, str):
            if _is_path(obj):
                return self.whole(obj)
            return self.text(obj) if "/" in obj else obj
        return obj


def _is_path(s: str) -> bool:
    """Whether ``s`` is one absolute path: it exists, or has no white space (not a message)."""
    return os.path.isabs(s) and "\n" not in s and (os.path.exists(s) or not re.search(r"\s", s))


def portable_paths(obj: Any, bases: Iterable[str | os.PathLike[str]]) -> Any:
    """``obj`` (JSON-able provenance) with its absolute paths made portable.

    Parameters
    ----------
    obj
        Dicts, lists, tuples, strings, paths and plain values, nested; not modified.
    bases
        Folders whose files are written relative to them (the first that holds the file
        wins): :func:`provenance_bases`.

    Returns
    -------
    object
        A copy: every string that is an absolute path becomes a path relative to a base
        folder it lies in, else ``{"name": …, "sha256": …}`` (``{"name": …}`` when it is
        not a file); absolute paths inside other strings become relative or bare names.
    """
    return _Rewriter(bases).walk(obj)
