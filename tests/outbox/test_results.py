"""A send's typed result: its stored form is the one earlier versions kept for an
Idempotency-Key, and the API's one serializer answers the same JSON for a fresh send and
for a replay of a row stored before the upgrade."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from gateway.api.schemas.send import SendQueued, SendResult, send_outcome_json
from gateway.errors import RecipientRefusal
from gateway.outbox.results import Queued, Sent, result_from_stored

# Bodies as the send service stored them before the typed results (outcome, body).
OLD_ROWS = [
    (
        "sent",
        {
            "message_id": "<m@x>",
            "accepted": ["a@x"],
            "rejected": [{"address": "b@x", "code": 550, "message": "5.1.1 unknown"}],
            "queue_id": None,
            "smtp_response": "250 2.0.0 Ok: queued as 1",
            "saved_to_sent": True,
            "sent_error": None,
        },
    ),
    (
        "sent",
        {
            "message_id": "<n@x>",
            "accepted": ["a@x"],
            "rejected": [],
            "queue_id": None,
            "smtp_response": "250 ok",
            "saved_to_sent": False,
            "sent_error": "copy failed",
        },
    ),
    (
        "queued",
        {
            "queue_id": "q1",
            "status_url": "/v1/outbox/q1",
            "message_id": "<m@x>",
            "send_at": "2030-01-02T01:04:05+00:00",
        },
    ),
    (
        "queued",
        {"queue_id": "q2", "status_url": "/v1/outbox/q2", "message_id": "<m@x>", "send_at": None},
    ),
]


@pytest.mark.parametrize(("kind", "body"), OLD_ROWS)
def test_stored_send_result_replays_as_before(kind: str, body: dict) -> None:
    result = result_from_stored(kind, body)
    assert result.kind == kind
    assert result.stored() == body  # rows written now read the same in either version
    answer = json.loads(send_outcome_json(result))
    assert answer == body  # the replay answers what the first request answered
    model = SendQueued if kind == "queued" else SendResult
    assert set(answer) == set(model.model_fields)
    assert model.model_validate(answer).message_id == body["message_id"]


def test_fresh_results_serialise_like_their_stored_form() -> None:
    sent = Sent(
        message_id="<m@x>",
        accepted=["a@x"],
        rejected=[RecipientRefusal("b@x", 450, "4.2.0 later")],
        smtp_response="250 ok",
    )
    queued = Queued(
        queue_id="q", message_id="<m@x>", send_at=datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    )
    for result in (sent, queued):
        assert json.loads(send_outcome_json(result)) == result.stored()
        assert result_from_stored(result.kind, result.stored()) == result
