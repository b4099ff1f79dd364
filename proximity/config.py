"""Process-wide settings: progress bars and the cache folder.

Progress bars are on for interactive use and off under ``--quiet``, in tests
(``PROXIMITY_QUIET=1``) and when stderr is not a terminal unless forced.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

_progress_override: bool | None = None


def set_progress(enabled: bool | None) -> None:
    """Force progress bars on (True) or off (False); None restores the default."""
    global _progress_override
    _progress_override = enabled


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
