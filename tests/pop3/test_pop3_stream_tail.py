"""The end of a streamed retrieval body stays valid JSON / NDJSON when an error cuts it short."""

from __future__ import annotations

import json
from types import SimpleNamespace

from gateway.api.pop3_stream import RetrievalResponse
from gateway.errors import UpstreamUnavailable


def response(ndjson: bool) -> RetrievalResponse:
    retrieval = SimpleNamespace(remaining=7, hold_back=lambda n: None)
    return RetrievalResponse(retrieval, "raw", ndjson=ndjson)  # type: ignore[arg-type]


def test_json_tail_with_and_without_error():
    resp = response(False)
    assert json.loads(b'{"items":[' + resp._tail(None)) == {"items": [], "remaining": 7}
    err = UpstreamUnavailable("connection lost", protocol="pop3")
    body = json.loads(b'{"items":[{"uidl":"a"}' + resp._tail(err))
    assert body["items"] == [{"uidl": "a"}] and body["remaining"] == 7
    assert body["error"] == {"status": 503, "code": "pop3_unavailable",
                             "detail": "connection lost"}
    assert resp.media_type == "application/json"


def test_ndjson_tail_is_one_error_line():
    resp = response(True)
    assert resp._tail(None) == b""
    line = resp._tail(UpstreamUnavailable("gone", protocol="pop3"))
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    assert json.loads(line)["error"]["code"] == "pop3_unavailable"
    assert resp.media_type == "application/x-ndjson"
