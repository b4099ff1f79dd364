"""The one socket guard of the test suite: tests never reach the internet.

Any connection to a non-loopback address fails at once (Overpass calls would otherwise hang
about 60 s offline). Used by conftest's per-test guard and by the module- and session-scoped
fixtures that run before it.
"""

from __future__ import annotations

import socket

import pytest

REAL_CONNECT = socket.socket.connect


def _guarded(self, address):  # type: ignore[no-untyped-def]
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, str) and (
        host.startswith("127.") or host in ("localhost", "::1") or "/" in host  # unix socket
    ):
        return REAL_CONNECT(self, address)
    raise OSError(f"network disabled in tests (tried {address!r})")


def block_internet(mp: pytest.MonkeyPatch) -> None:
    """Make every non-loopback socket connection fail (undone with ``mp.undo()``)."""
    mp.setattr(socket.socket, "connect", _guarded)
