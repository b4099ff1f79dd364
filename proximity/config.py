"""Process-wide settings: progress bars and the cache folder.

Progress bars are on for interactive use and off under ``--quiet``, in tests
(``PROXIMITY_QUIET=1``) and when stderr is not a terminal unless forced.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

_progress_override: bool | None = None


def set_progress(enabled: bool | None) -> None:
    """Force progress bars on (True) or off (False); None restores the default."""
    global _progress_override
    _progress_override = enabled


def progress_setting() -> bool | None:
    """The forced progress setting (True/False), or None when the default applies."""
    return _progress_override


@contextlib.contextmanager
def progress(enabled: bool | None) -> Iterator[None]:
    """Within the ``with`` block, force progress bars on/off (None: the default)."""
    prev = _progress_override
    set_progress(enabled)
    try:
        yield
    finally:
        set_progress(prev)


def progress_enabled() -> bool:
    """Whether long steps should show a tqdm progress bar."""
    if _progress_override is not None:
        return _progress_override
    if os.environ.get("PROXIMITY_QUIET"):
        return False
    return sys.stderr.isatty()


def cache_dir() -> Path:
    """The on-disk cache folder (``$PROXIMITY_CACHE`` or ``~/.cache/proximity``)."""
    env = os.environ.get("PROXIMITY_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "proximity"


def network_cache_dir() -> Path:
    """Where downloaded and built walking networks are cached: ``<cache_dir()>/networks``."""
    return cache_dir() / "networks"
