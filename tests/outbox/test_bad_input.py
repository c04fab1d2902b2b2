"""Hostile or broken send requests: always a clear 4xx problem+json, and nothing sent."""

from __future__ import annotations

import base64

import httpx
import pytest

from tests.mailstack import MailStack

from .conftest import settle


def _cases(rcpt: str) -> list[tuple[str, dict]]:
    ok = {"to": [rcpt], "subject": "s", "text": "t", "save_to_sent": False}
    many = [f"user{i}@example.test" for i in range(49)]
    many.insert(17, "not an address@example.test")
    return [
        ("subject CRLF", {**ok, "subject": "hi\r\nBcc: victim@example.test"}),
        ("subject LF", {**ok, "subject": "hi\nX-Injected: yes"}),
        ("name CRLF", {**ok, "to": [{"name": "Eve\r\nBcc: victim@example.test", "address": rcpt}]}),
        ("name in string CRLF", {**ok, "to": [f"Eve\r\nBcc: victim@example.test <{rcpt}>"]}),
        ("from name CRLF", {**ok, "from": {"name": "x\ry", "address": "a@example.test"}}),
        ("address CRLF", {**ok, "to": [rcpt + "\r\nRCPT TO:<victim@example.test>"]}),
        ("address LF", {**ok, "cc": ["victim@example.test\n"]}),
        ("bcc CRLF", {**ok, "bcc": [{"address": "a@example.test>\r\nDATA"}]}),
        ("reply_to CRLF", {**ok, "reply_to": "x@example.test\r\nBcc: v@example.test"}),
        ("header value CRLF", {**ok, "headers": {"X-Test": "v\r\nBcc: victim@example.test"}}),
        ("header name CRLF", {**ok, "headers": {"X-Test\r\nBcc": "victim@example.test"}}),
        ("header name colon", {**ok, "headers": {"Bcc: victim@example.test\r\nX": "y"}}),
        ("reserved header", {**ok, "headers": {"Bcc": "victim@example.test"}}),
        ("50 recipients, one malformed", {**ok, "to": many}),
        (
            "not base64",
            {**ok, "attachments": [{"filename": "a.bin", "content": "this is *not* base64!!"}]},
        ),
        (
            "attachment filename CRLF",
            {
                **ok,
                "attachments": [
                    {"filename": "a\r\nContent-Type: text/html", "content": "aGVsbG8="}
                ],
            },
        ),
        (
            "attachment type injection",
            {
                **ok,
                "attachments": [
                    {"filename": "a", "content_type": "text/plain\r\nX: y", "content": "aGVsbG8="}
                ],
            },
        ),
        ("no recipients", {**ok, "to": []}),
        ("unknown field", {**ok, "bogus": 1}),
        ("in_reply_to CRLF", {**ok, "in_reply_to": "abc\r\nX: y"}),
    ]


async def test_bad_requests_are_4xx_and_send_nothing(
    client: httpx.AsyncClient, account: dict, mailstack: MailStack
) -> None:
    rcpt = mailstack.new_user("victim")
    url = f"/v1/accounts/{account['id']}/send"
    for name, body in _cases(rcpt):
        for mode in ("sync", "queue"):
            resp = await client.post(url, json={**body, "mode": mode})
            # an opaque API id that names no message is a 404, everything else a 422
            expected = 404 if name == "in_reply_to CRLF" else 422
            assert resp.status_code == expected, (name, resp.text)
            assert resp.headers["content-type"].startswith("application/problem+json"), name
            problem = resp.json()
            assert problem["status"] == resp.status_code and problem["code"], (name, problem)
    resp = await client.post(url, json=_cases(rcpt)[13][1])
    assert "to[17]" in resp.json()["detail"]
    assert (await client.get("/v1/outbox", params={"account": account["id"]})).json()["items"] == []
    assert await settle(mailstack, rcpt, quiet=0.5) == []
    assert mailstack.maildir_count("user17@example.test") == 0


async def test_raw_injection_in_envelope_query(
    client: httpx.AsyncClient, account: dict, mailstack: MailStack
) -> None:
    rcpt = mailstack.new_user("raw")
    url = f"/v1/accounts/{account['id']}/send/raw"
    raw = f"To: {rcpt}\r\nSubject: x\r\n\r\nbody\r\n".encode()
    for params in (
        {"rcpt_to": f"{rcpt}\r\nRCPT TO:<victim@example.test>"},
        {"mail_from": "a@example.test>\r\nRCPT TO:<victim@example.test"},
        {"rcpt_to": "no-at-sign"},
    ):
        resp = await client.post(
            url, content=raw, params=params, headers={"Content-Type": "message/rfc822"}
        )
        assert resp.status_code == 422, (params, resp.text)
        assert resp.headers["content-type"].startswith("application/problem+json")
    for bad in (b"", b"\r\n\r\n", b"no header here at all\r\n\r\nbody"):
        resp = await client.post(url, content=bad, headers={"Content-Type": "message/rfc822"})
        assert resp.status_code == 422, (bad, resp.text)
    resp = await client.post(
        url,
        content=b"Subject: x\r\n\r\nnobody to send to\r\n",
        headers={"Content-Type": "message/rfc822"},
    )
    assert resp.status_code == 422 and "recipient" in resp.json()["detail"]
    assert await settle(mailstack, rcpt, quiet=0.5) == []


@pytest.mark.parametrize("raw_route", [False, True])
async def test_body_over_the_limit_is_413(
    client: httpx.AsyncClient, account: dict, mailstack: MailStack, raw_route: bool
) -> None:
    rcpt = mailstack.new_user("big")
    limit = client.app.state.services.settings.max_request_bytes
    blob = b"\x00" * (limit + 1024)
    if raw_route:
        resp = await client.post(
            f"/v1/accounts/{account['id']}/send/raw",
            content=f"To: {rcpt}\r\nSubject: big\r\n\r\n".encode() + blob,
            headers={"Content-Type": "message/rfc822"},
        )
    else:
        resp = await client.post(
            f"/v1/accounts/{account['id']}/send",
            json={
                "to": [rcpt],
                "subject": "big",
                "save_to_sent": False,
                "attachments": [
                    {"filename": "big.bin", "content": base64.b64encode(blob).decode()}
                ],
            },
        )
    assert resp.status_code == 413, resp.text[:300]
    assert resp.json()["code"] == "payload_too_large"
    assert await settle(mailstack, rcpt, quiet=0.5) == []


async def test_message_over_max_message_bytes_is_413(
    client: httpx.AsyncClient, account: dict, mailstack: MailStack
) -> None:
    """A message that fits the request limit but not the message limit (settings)."""
    rcpt = mailstack.new_user("big2")
    client.app.state.services.settings.max_message_bytes = 64 * 1024
    resp = await client.post(
        f"/v1/accounts/{account['id']}/send",
        json={
            "to": [rcpt],
            "subject": "big",
            "save_to_sent": False,
            "attachments": [
                {"filename": "b.bin", "content": base64.b64encode(b"x" * 100_000).decode()}
            ],
        },
    )
    assert resp.status_code == 413 and resp.json()["code"] == "payload_too_large"
    assert await settle(mailstack, rcpt, quiet=0.5) == []
