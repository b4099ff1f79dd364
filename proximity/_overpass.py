"""Private: the Overpass API's address and the one reachability probe.

All online OSM I/O goes through osmnx, which talks to Overpass; this module only holds what
proximity itself needs to know about the service (as osmnx keeps its own in ``_overpass``).
"""

from __future__ import annotations

import math
import os
import socket
import threading

from proximity.errors import ParameterError

#: The Overpass host osmnx uses by default.
OVERPASS_HOST = "overpass-api.de"

#: The longest a probe waits (longer timeouts are cut to this).
MAX_PROBE_S = 3600.0


def offline_forced() -> bool:
    """Whether ``PROXIMITY_OFFLINE`` (any value but ``""`` or ``"0"``) forbids all network use."""
    return os.environ.get("PROXIMITY_OFFLINE", "").strip() not in ("", "0")


def reachable(timeout_s: float = 5.0, host: str = OVERPASS_HOST, port: int = 443) -> bool:
    """Whether a TCP connection to Overpass can be opened within ``timeout_s`` seconds.

    The probe runs in a daemon thread so that a hanging DNS lookup cannot block longer than
    the timeout. ``PROXIMITY_OFFLINE=1`` in the environment makes it return False at once.

    Parameters
    ----------
    timeout_s : float
        How long to wait at most (> 0; at most :data:`MAX_PROBE_S`).
    host, port
        The service to probe.

    Returns
    -------
    bool

    Raises
    ------
    ParameterError
        When ``timeout_s`` is not a finite number > 0.
    """
    try:
        timeout_s = float(timeout_s)
    except (TypeError, ValueError):
        timeout_s = math.nan
    if not math.isfinite(timeout_s) or timeout_s <= 0:
        raise ParameterError(
            f"The Overpass probe timeout must be a finite number of seconds > 0, got {timeout_s}.",
            fix="Use e.g. 5 seconds (--timeout 5, or [network] probe_timeout_s = 5).",
        )
    timeout_s = min(timeout_s, MAX_PROBE_S)
    if offline_forced():
        return False
    result: list[bool] = []

    def probe() -> None:
        try:
            with socket.create_connection((host, port), timeout=timeout_s):
                result.append(True)
        except OSError:
            result.append(False)

    t = threading.Thread(target=probe, daemon=True)
    t.start()
    t.join(timeout_s)
    return bool(result and result[0])
