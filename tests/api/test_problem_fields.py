"""Errors carry typed attributes; api/errors.py alone decides which reach problem+json."""

from __future__ import annotations

import json

import pytest

from gateway import errors as e
from gateway.api.errors import Problem, gateway_problem
from gateway.outbox.idempotency import error_body, error_from
from gateway.protocols.smtp.errors import RecipientsRefused, reply_error


def _body(exc: e.GatewayError) -> dict:
    response = gateway_problem(exc)
    body = json.loads(response.body)
    Problem.model_validate(body)  # the documented schema covers every field written
    return body


def test_error_takes_no_free_extra_fields() -> None:
    # Before: GatewayError(**extra) put any keyword straight into the HTTP body.
    with pytest.raises(TypeError):
        e.InvalidInput("x", password="secret")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        e.UpstreamError("x", host="10.0.0.1")  # type: ignore[call-arg]


def test_problem_shows_smtp_code_of_a_refused_reply() -> None:
    exc = reply_error(550, "5.7.1 relaying denied", stage="MAIL")
    assert isinstance(exc, e.UpstreamRejected) and exc.smtp_code == 550
    body = _body(exc)
    assert body["code"] == "smtp_rejected" and body["smtp_code"] == 550
    assert "rejected" not in body and "protocol" not in body


def test_problem_shows_each_refused_recipient() -> None:
    exc = RecipientsRefused(
        [e.RecipientRefusal("a@x.example", 550, "5.1.1 unknown")], transient=False
    )
    body = _body(exc)
    assert body["rejected"] == [{"address": "a@x.example", "code": 550, "message": "5.1.1 unknown"}]
    assert "smtp_code" not in body


def test_problem_keeps_internal_attributes_inside() -> None:
    body = _body(e.UpstreamUnavailable("down", protocol="imap", retry_after=7))
    assert set(body) == {"type", "title", "status", "detail", "code"}
    quota = e.SendQuotaExceeded("full", retry_after=30, limit=5)
    assert set(_body(quota)) == {"type", "title", "status", "detail", "code"}


def test_kept_error_replays_with_its_typed_fields() -> None:
    refused = RecipientsRefused([e.RecipientRefusal("a@x.example", 550, "no")], transient=False)
    stored = json.loads(json.dumps(error_body(refused)))
    # The stored form is the one earlier versions wrote (their rows replay the same way).
    assert stored == {
        "class": "UpstreamRejected",
        "code": "smtp_rejected",
        "detail": refused.detail,
        "extra": {"rejected": [{"address": "a@x.example", "code": 550, "message": "no"}]},
    }
    again = error_from(stored)
    assert isinstance(again, e.UpstreamRejected)
    assert _body(again) == _body(refused)
    data_refused = error_from(error_body(reply_error(554, "5.3.0 no", stage="DATA")))
    assert data_refused.smtp_code == 554 and _body(data_refused)["smtp_code"] == 554


def test_stored_error_with_unknown_extra_replays() -> None:
    old = {
        "class": "UpstreamTimeout",
        "code": "upstream_timeout",
        "detail": "late",
        "extra": {"something": 1},
    }
    again = error_from(old)
    assert isinstance(again, e.UpstreamTimeout)
    assert set(_body(again)) == {"type", "title", "status", "detail", "code"}
