"""proximity._http: the one place proximity itself talks HTTP; never touches the network."""

from __future__ import annotations

import json

import pytest
import requests
import responses

from proximity import _http
from proximity.errors import OfflineError

URL = "https://example.org/api/table"
KW = dict(service="The example API (example.org)", offline_fix="Connect to the internet.")


@responses.activate
def test_get_json_and_bytes() -> None:
    responses.add(responses.GET, URL, json={"a": 1})
    assert _http.get_json(URL, params={"q": "x"}, **KW) == {"a": 1}
    assert responses.calls[0].request.url == URL + "?q=x"
    responses.add(responses.GET, URL + "/f", body=b"\x00bytes")
    assert _http.get_bytes(URL + "/f", **KW) == b"\x00bytes"


@responses.activate
def test_post_json_sends_json_with_timeout() -> None:
    responses.add(responses.POST, URL, json={"ok": True})
    assert _http.post_json(URL, {"query": [1]}, timeout_s=7.5, **KW) == {"ok": True}
    call = responses.calls[0]
    assert json.loads(call.request.body) == {"query": [1]}
    assert call.request.req_kwargs["timeout"] == 7.5


@responses.activate
def test_unreachable_is_offline_error() -> None:
    responses.add(responses.GET, URL, body=requests.exceptions.ConnectionError("refused"))
    with pytest.raises(OfflineError) as e:
        _http.get_json(URL, **KW)
    assert str(e.value).startswith("The example API (example.org) could not be reached: refused")
    assert e.value.fix == "Connect to the internet."


@responses.activate
def test_unreadable_body_is_offline_error() -> None:
    responses.add(responses.GET, URL, body="<html>not json</html>")
    with pytest.raises(OfflineError, match="could not be reached"):
        _http.get_json(URL, **KW)


@responses.activate
def test_error_status_is_http_status_error() -> None:
    responses.add(responses.GET, URL, status=404)
    with pytest.raises(_http.HTTPStatusError) as e:
        _http.get_json(URL, **KW)
    assert e.value.status == 404 and e.value.url == URL
    assert str(e.value).startswith("404 Client Error")


def test_proximity_offline_forbids_requests(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROXIMITY_OFFLINE", "1")
    with responses.RequestsMock() as rs:  # any request would fail: none registered
        with pytest.raises(OfflineError, match="PROXIMITY_OFFLINE"):
            _http.post_json(URL, {}, **KW)
        assert len(rs.calls) == 0
