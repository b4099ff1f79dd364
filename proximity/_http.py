"""Private: the one place where proximity itself talks HTTP (SCB PxWeb, WFS, ...).

Online OSM I/O goes through osmnx (see :mod:`proximity._overpass`); every other request of
the package goes through :func:`get_json`, :func:`get_bytes` or :func:`post_json`, so tests
can mock one place (the ``responses`` library, or ``monkeypatch`` on this module).

Errors:

- the service cannot be reached (connection refused, DNS failure, timeout, an unreadable
  body): :class:`~proximity.errors.OfflineError` ``"<service> could not be reached: <why>"``
  with the caller's ``offline_fix``;
- ``PROXIMITY_OFFLINE`` is set (:func:`proximity._overpass.offline_forced`): the same
  :class:`~proximity.errors.OfflineError`, without any request;
- the service answers with an error status (4xx/5xx): :class:`HTTPStatusError`, whose text is
  the ``requests`` one (``"404 Client Error: Not Found for url: ..."``); the caller turns it
  into the error that fits (a renamed table is a :class:`~proximity.errors.SchemaError`).

No request is retried.
"""

from __future__ import annotations

from typing import Any

from proximity import _overpass
from proximity.errors import OfflineError

#: Seconds to wait for a connection and for each read, unless the caller says otherwise.
DEFAULT_TIMEOUT_S = 30.0


class HTTPStatusError(Exception):
    """The server answered with an error status (4xx/5xx).

    Parameters
    ----------
    message : str
        The ``requests`` text of the error, e.g. ``"404 Client Error: Not Found for url: ..."``.
    url : str
        The URL asked.
    status : int or None
        The HTTP status code.
    """

    def __init__(self, message: str, *, url: str, status: int | None) -> None:
        super().__init__(message)
        self.url = url
        self.status = status


def _offline(service: str, why: object, fix: str) -> OfflineError:
    return OfflineError(f"{service} could not be reached: {why}", fix=fix)


def _request(
    method: str,
    url: str,
    *,
    timeout_s: float,
    service: str,
    offline_fix: str,
    read: str,
    **kwargs: Any,
) -> Any:
    """Send one request; return the body as JSON (``read="json"``) or bytes."""
    if _overpass.offline_forced():
        raise _offline(service, "PROXIMITY_OFFLINE is set (no network use)", offline_fix)
    import requests

    try:
        r = requests.request(method, url, timeout=timeout_s, **kwargs)
        r.raise_for_status()
        return r.json() if read == "json" else r.content
    except requests.exceptions.HTTPError as exc:
        status = exc.response.status_code if exc.response is not None else None
        raise HTTPStatusError(str(exc), url=url, status=status) from exc
    except (requests.exceptions.RequestException, OSError) as exc:
        raise _offline(service, exc, offline_fix) from exc


def get_json(
    url: str,
    *,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    service: str,
    offline_fix: str,
    params: dict[str, Any] | None = None,
) -> Any:
    """GET ``url`` and decode its JSON body.

    Parameters
    ----------
    url : str
        The address.
    timeout_s : float
        Connection and read timeout in seconds.
    service : str
        The service's name for messages, e.g. ``"SCB's statistics API (api.scb.se)"``.
    offline_fix : str
        What the user can do when the service cannot be reached.
    params : dict, optional
        Query parameters.

    Returns
    -------
    Any
        The decoded JSON.

    Raises
    ------
    OfflineError
        The service cannot be reached, or ``PROXIMITY_OFFLINE`` is set.
    HTTPStatusError
        The service answered with an error status.
    """
    return _request(
        "GET",
        url,
        timeout_s=timeout_s,
        service=service,
        offline_fix=offline_fix,
        read="json",
        params=params,
    )


def get_bytes(
    url: str,
    *,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    service: str,
    offline_fix: str,
    params: dict[str, Any] | None = None,
) -> bytes:
    """GET ``url`` and return its body as bytes (a WFS GeoJSON/GML answer, a file).

    Parameters and errors are those of :func:`get_json`.

    Returns
    -------
    bytes
        The body.
    """
    return _request(
        "GET",
        url,
        timeout_s=timeout_s,
        service=service,
        offline_fix=offline_fix,
        read="bytes",
        params=params,
    )


def post_json(
    url: str,
    payload: Any,
    *,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    service: str,
    offline_fix: str,
) -> Any:
    """POST ``payload`` as JSON to ``url`` and decode the JSON answer.

    Parameters
    ----------
    url : str
        The address.
    payload : Any
        A JSON-serialisable value (e.g. a PxWeb query).
    timeout_s, service, offline_fix
        As in :func:`get_json`.

    Returns
    -------
    Any
        The decoded JSON.

    Raises
    ------
    OfflineError
        The service cannot be reached, or ``PROXIMITY_OFFLINE`` is set.
    HTTPStatusError
        The service answered with an error status.
    """
    return _request(
        "POST",
        url,
        timeout_s=timeout_s,
        service=service,
        offline_fix=offline_fix,
        read="json",
        json=payload,
    )
