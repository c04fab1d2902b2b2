"""Unicode line breaks and controls in the header-like fields of a send: never a 500, never
an injected header, and refusals that name the field without echoing what was sent."""

from __future__ import annotations

import base64
import json

import httpx

from tests.mailstack import MailStack

from .conftest import settle, wait_for_mail

ATTACHMENT = {
    "filename": "a.txt",
    "content_type": "text/plain",
    "content": base64.b64encode(b"hello").decode(),
}


def _post_json(client: httpx.AsyncClient, url: str, body: dict) -> object:
    # json.dumps writes "\ud800" as an escape, as a client in another language might.
    return client.post(
        url, content=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )


async def test_unicode_line_separators_in_subject_with_attachment_are_sent_not_500(
    client: httpx.AsyncClient, account: dict, mailstack: MailStack
) -> None:
    rcpt = mailstack.new_user("sep")
    subject = "one\u2028two\u2029three"
    resp = await client.post(
        f"/v1/accounts/{account['id']}/send",
        json={
            "to": [{"name": "Ann\u2028Lee", "address": rcpt}],
            "subject": subject,
            "text": "t",
            "headers": {"X-Note": "a\u2028b"},
            "attachments": [ATTACHMENT],
            "save_to_sent": False,
        },
    )
    assert resp.status_code == 200, resp.text
    [got] = await wait_for_mail(mailstack, rcpt)
    assert got["Subject"] == subject and got["X-Note"] == "a\u2028b"
    assert got["To"].addresses[0].display_name == "Ann\u2028Lee"
    assert got["Bcc"] is None and len(got.get_all("Subject")) == 1


async def test_line_breaks_and_controls_in_fields_are_422_naming_the_field(
    client: httpx.AsyncClient, account: dict, mailstack: MailStack
) -> None:
    rcpt = mailstack.new_user("ctl")
    url = f"/v1/accounts/{account['id']}/send"
    secret = "Bcc: hidden-victim-4711@example.test"
    base = {
        "to": [rcpt],
        "subject": "s",
        "text": "t",
        "attachments": [ATTACHMENT],
        "save_to_sent": False,
    }
    cases = [
        ("subject", {"subject": "x\x85" + secret}),
        ("subject", {"subject": "x\x1e" + secret}),
        ("to[0].name", {"to": [{"name": "x\x85" + secret, "address": rcpt}]}),
        ("headers.X-A", {"headers": {"X-A": "x\x0b" + secret}}),
        ("headers", {"headers": {"X-A\n" + secret: "v"}}),
        (
            "attachments[0].filename",
            {"attachments": [{**ATTACHMENT, "filename": "x\x9f" + secret}]},
        ),
        (
            "attachments[0].content_type",
            {"attachments": [{**ATTACHMENT, "content_type": "text/plain\n"}]},
        ),
        (
            "attachments[0].content_id",
            {"attachments": [{**ATTACHMENT, "content_id": "x\u2028" + secret}]},
        ),
        ("text", {"text": "lone \ud800 " + secret}),
    ]
    for field, change in cases:
        for mode in ("sync", "queue"):
            resp = await _post_json(client, url, {**base, **change, "mode": mode})
            assert resp.status_code == 422, (field, resp.text)
            problem = resp.json()
            assert problem["detail"].startswith(field), (field, problem)
            assert "hidden-victim" not in resp.text, (field, resp.text)
    assert await settle(mailstack, rcpt, quiet=0.5) == []


async def test_bad_raw_message_is_422_without_its_bytes(
    client: httpx.AsyncClient, account: dict, mailstack: MailStack
) -> None:
    rcpt = mailstack.new_user("raw")
    for raw in (
        b"To: " + rcpt.encode() + b"\r\nsecret-token-4711 without a colon\r\n\r\nb",
        b"To: " + rcpt.encode() + b"\r\n\x85secret-token-4711: x\r\n\r\nb",
        b"\x00secret-token-4711\r\n\r\nbody",
    ):
        resp = await client.post(
            f"/v1/accounts/{account['id']}/send/raw",
            content=raw,
            headers={"Content-Type": "message/rfc822"},
        )
        assert resp.status_code == 422, resp.text
        assert "secret-token" not in resp.text and "4711" not in resp.text, resp.text
        assert "header line" in resp.json()["detail"]
    assert await settle(mailstack, rcpt, quiet=0.5) == []


async def test_validation_errors_show_no_input_and_no_odd_keys(
    client: httpx.AsyncClient, account: dict
) -> None:
    url = f"/v1/accounts/{account['id']}/send"
    resp = await _post_json(
        client,
        url,
        {
            "to": ["a@example.test"],
            "subject": 5,
            "mode": "secret-mode-4711",
            "headers": {"X-\u2028secret-key-4711": 5},
            "bogus\x85secret-key-4711": "secret-4711",
        },
    )
    assert resp.status_code == 422, resp.text
    assert "4711" not in resp.text and "\\u2028" not in resp.text, resp.text
    locs = [err["loc"] for err in resp.json()["errors"]]
    assert ["body", "headers", "[key]"] in locs and ["body", "[key]"] in locs
    assert ["body", "mode"] in locs and ["body", "subject"] in locs
