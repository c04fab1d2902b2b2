"""The typed send request: built once from the API body; its idempotency fingerprint is the
one earlier versions stored (a replay across an upgrade must still match)."""

from __future__ import annotations

import pytest

from gateway.api.schemas.send import SendRequest
from gateway.model.messages import Address
from gateway.outbox.idempotency import request_hash
from gateway.outbox.outgoing import AttachmentInput, OutgoingMessage

FULL = {
    "from": {"name": "Ann", "address": "ann@example.com"},
    "to": ["Bob <bob@example.com>", {"address": "c@example.com"}],
    "cc": ["d@example.com"],
    "bcc": [{"name": "", "address": "e@example.com"}],
    "reply_to": "r@example.com",
    "subject": "Grüße",
    "text": "t",
    "html": "<p>h</p>",
    "attachments": [
        {
            "filename": "a.txt",
            "content": "aGVs\nbG8=",
            "content_type": "text/plain",
            "inline": True,
            "content_id": "c1",
        }
    ],
    "headers": {"X-Tag": "1"},
    "in_reply_to": "INBOX:1:2",
    "save_to_sent": False,
    "send_at": "2030-01-02T03:04:05+02:00",
    "mode": "queue",
}

# Computed with the code before the typed request (request_hash("json", body.model_dump())).
KNOWN = [
    (
        {"to": ["a@example.com"], "subject": "hi", "text": "x"},
        "12730df52496e6417406351e89f69f2746cdfe9a1f8b2d5874da738600e4263d",
    ),
    (FULL, "55233c63b45063fb97a72515d577f1daf36fdf2ccedc15a7b60a2743cebad97f"),
    (
        {
            "to": ["a@example.com"],
            "send_at": "2030-01-02T03:04:05",
            "reply_to": [{"name": "R", "address": "r@example.com"}, "s@example.com"],
        },
        "eb5705464deb379455f11d2d26051f69dc57f1f29a9b3a07eb8efc93bfcd334c",
    ),
]


@pytest.mark.parametrize(("body", "fingerprint"), KNOWN)
def test_request_hash_unchanged_by_typed_request(body: dict, fingerprint: str) -> None:
    outgoing = SendRequest.model_validate(body).outgoing()
    assert request_hash("json", outgoing.canonical()) == fingerprint


@pytest.mark.parametrize(
    "body",
    [
        FULL,
        {**FULL, "reply_to": None, "from": "x@example.com", "send_at": None},
        {**FULL, "reply_to": {"address": "r@example.com"}, "attachments": []},
        {**FULL, "reply_to": [], "to": [], "headers": {}},
    ],
)
def test_canonical_form_is_the_body_as_dumped(body: dict) -> None:
    model = SendRequest.model_validate(body)
    assert model.outgoing().canonical() == model.model_dump()


def test_outgoing_is_typed() -> None:
    outgoing = SendRequest.model_validate(FULL).outgoing()
    assert outgoing.sender == Address(address="ann@example.com", name="Ann")
    assert outgoing.to == ("Bob <bob@example.com>", Address(address="c@example.com"))
    assert outgoing.attachments == (
        AttachmentInput(
            content_base64="aGVs\nbG8=",
            filename="a.txt",
            content_type="text/plain",
            content_id="c1",
            inline=True,
        ),
    )
    assert outgoing.queued and outgoing.reply_to_list() == ("r@example.com",)
    assert not OutgoingMessage(to=("a@example.com",)).queued
