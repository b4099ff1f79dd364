"""Downloads of a bundle build: cached by request digest, retried with backoff, recorded.

Every request goes through :mod:`proximity._http` (the one place tests mock). A reply is kept
in ``<cache>/http/<digest>.body`` with its record (URL, retrieval time, bytes, sha256) in
``<digest>.json``, the digest covering method, URL, parameters and body: a second build makes
no HTTP call. Overpass 429/504, other 5xx answers and timeouts are retried
(:data:`RETRIES` times, waiting :data:`BACKOFF_S` × 2^attempt seconds, or a service's own
``backoff_s`` given with the request: Overpass asks for longer pauses); a progress bar
(tqdm, :func:`proximity.config.progress_enabled`) shows the requests of a step.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from proximity import _http, config
from proximity._io import write_bytes_atomic, write_json_atomic
from proximity.errors import OfflineError

#: Attempts after the first for a retryable failure.
RETRIES = 4
#: First wait in seconds; doubled at each retry.
BACKOFF_S = 2.0
#: Statuses worth retrying (rate limit, gateway timeout, server busy).
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})


def http_cache_dir() -> Path:
    """Where replies are cached: ``<cache_dir()>/http``."""
    return config.cache_dir() / "http"


@dataclass
class Fetcher:
    """Cached, retried requests; ``records`` holds the manifest record of each reply used.

    Parameters
    ----------
    cache : Path
        The reply cache (default :func:`http_cache_dir`).
    sleep : callable
        Waits between retries (tests pass a no-op).
    """

    cache: Path = field(default_factory=http_cache_dir)
    sleep: Callable[[float], None] = time.sleep
    records: list[dict[str, Any]] = field(default_factory=list)

    def get(self, url: str, *, params: dict[str, Any] | None = None, **meta: Any) -> bytes:
        """The body of ``GET url?params`` (cached); ``meta`` goes into the record."""
        key = _digest("GET", url, params, None)
        return self._cached(
            key,
            lambda: _http.get_bytes(url, params=params, **_service(meta)),
            url=url,
            params=params,
            meta=meta,
        )

    def post_json(self, url: str, payload: Any, **meta: Any) -> Any:
        """The decoded JSON answer of ``POST url`` with a JSON body (cached)."""
        key = _digest("POST", url, None, payload)
        body = self._cached(
            key,
            lambda: json.dumps(_http.post_json(url, payload, **_service(meta))).encode(),
            url=url,
            params=None,
            meta=meta,
        )
        return json.loads(body)

    def _cached(
        self,
        key: str,
        call: Callable[[], bytes],
        *,
        url: str,
        params: Any,
        meta: dict[str, Any],
    ) -> bytes:
        body_path = self.cache / f"{key}.body"
        rec_path = self.cache / f"{key}.json"
        if body_path.exists() and rec_path.exists():
            self.records.append(json.loads(rec_path.read_text(encoding="utf-8")))
            return body_path.read_bytes()
        with download_bar(str(meta.get("name", url))) as bar:
            body = self._retrying(call, url, float(meta.get("backoff_s", BACKOFF_S)))
            bar.update(len(body))
        write_bytes_atomic(body_path, body)
        rec = dict(
            name=meta.get("name", url),
            url=url if not params else f"{url}?{_query_text(params)}",
            retrieved=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            bytes=len(body),
            sha256=hashlib.sha256(body).hexdigest(),
            licence=meta.get("licence", ""),
        )
        write_json_atomic(rec_path, rec)
        self.records.append(rec)
        return body

    def _retrying(self, call: Callable[[], bytes], url: str, backoff_s: float) -> bytes:
        for attempt in range(RETRIES + 1):
            try:
                return call()
            except _http.HTTPStatusError as exc:
                if exc.status not in RETRY_STATUS or attempt == RETRIES:
                    raise
            except OfflineError as exc:
                if "timed out" not in str(exc).lower() or attempt == RETRIES:
                    raise
            self.sleep(backoff_s * 2**attempt)
        raise AssertionError(url)  # pragma: no cover (the loop returns or raises)


def download_bar(name: str) -> Any:
    """A tqdm bar of one download (bytes), shown when progress bars are on.

    Parameters
    ----------
    name : str
        What is downloaded; the bar reads ``downloading <name>``.

    Returns
    -------
    tqdm.tqdm
        A context manager; ``update(n)`` adds ``n`` bytes (the bar shows the elapsed time
        while a download with no byte count, such as osmnx's, runs).
    """
    from tqdm.auto import tqdm

    return tqdm(
        desc=f"downloading {name}",
        unit="B",
        unit_scale=True,
        disable=not config.progress_enabled(),
        leave=False,
    )


def network_source_record() -> dict[str, Any]:
    """The manifest record of a walking network downloaded by osmnx from Overpass.

    osmnx keeps neither the reply's bytes nor Overpass's replication timestamp
    (``osm3s.timestamp_osm_base``), so the record says so; the saved network's bytes and
    sha256 are in the manifest's ``files`` (``network.npz``).
    """
    import osmnx as ox

    return dict(
        name="network",
        url=ox.settings.overpass_url.rstrip("/") + "/interpreter",
        retrieved=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        licence="© OpenStreetMap contributors, ODbL 1.0",
        osm_replication_timestamp=None,
        description=(
            "walking network, osmnx graph_from_polygon (boundary + buffer); osmnx keeps no "
            "reply bytes or replication timestamp: see network.npz in files"
        ),
    )


def _service(meta: dict[str, Any]) -> dict[str, Any]:
    out = dict(
        service=meta.get("service", "the data service"),
        offline_fix=meta.get(
            "offline_fix",
            "Connect to the internet, or give the local files (--osm, --areas/--deso, "
            "--population, --boundary) to build with no network.",
        ),
    )
    if "timeout_s" in meta:
        out["timeout_s"] = meta["timeout_s"]
    return out


def _digest(method: str, url: str, params: Any, body: Any) -> str:
    text = json.dumps([method, url, params, body], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _query_text(params: dict[str, Any]) -> str:
    from urllib.parse import urlencode

    return urlencode(params)
