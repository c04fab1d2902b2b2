"""The end of a streamed retrieval body stays valid JSON / NDJSON and says how it ended."""

from __future__ import annotations

import json
from types import SimpleNamespace

from gateway.api.pop3_stream import RetrievalResponse
from gateway.errors import GatewayError, UpstreamUnavailable
from gateway.pop3 import RetrievalOutcome


def response(ndjson: bool) -> RetrievalResponse:
    def outcome(error: GatewayError | None) -> RetrievalOutcome:
        if error is None:
            return RetrievalOutcome(True, "limit", 3, 3, 7)
        return RetrievalOutcome(False, error.code, 1, 0, 9)

    retrieval = SimpleNamespace(outcome=outcome, hold_back=lambda n: None)
    return RetrievalResponse(retrieval, "raw", ndjson=ndjson)  # type: ignore[arg-type]


def test_json_tail_with_and_without_error():
    resp = response(False)
    assert json.loads(b'{"items":[' + resp._tail(None)) == {
        "items": [],
        "complete": True,
        "reason": "limit",
        "delivered": 3,
        "deleted": 3,
        "remaining": 7,
        "summary": "3 messages delivered, 3 deleted, 7 left (the limit was "
        "reached: retrieve again for more)",
    }
    err = UpstreamUnavailable("connection lost", protocol="pop3")
    body = json.loads(b'{"items":[{"uidl":"a"}' + resp._tail(err))
    assert body["items"] == [{"uidl": "a"}] and body["remaining"] == 9
    assert body["complete"] is False and body["reason"] == "pop3_unavailable"
    assert body["error"] == {"status": 503, "code": "pop3_unavailable", "detail": "connection lost"}
    assert resp.media_type == "application/json"


def test_ndjson_tail_is_one_line_with_or_without_error():
    resp = response(True)
    done = resp._tail(None)
    assert done.endswith(b"\n") and done.count(b"\n") == 1
    assert json.loads(done) == {
        "complete": True,
        "reason": "limit",
        "delivered": 3,
        "deleted": 3,
        "remaining": 7,
        "summary": (
            "3 messages delivered, 3 deleted, 7 left (the limit was "
            "reached: retrieve again for more)"
        ),
    }
    line = resp._tail(UpstreamUnavailable("gone", protocol="pop3"))
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    end = json.loads(line)
    assert end["error"]["code"] == "pop3_unavailable" and end["complete"] is False
    assert end["remaining"] == 9 and end["reason"] == "pop3_unavailable"
    assert end["summary"].endswith("9 left; ended early (pop3_unavailable)"), end
    assert resp.media_type == "application/x-ndjson"
