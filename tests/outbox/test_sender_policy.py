"""An account sends only as its own address and its aliases (issue #10, ``from`` policy).

Against the real Postfix: what is refused never reaches a mailbox, what is allowed arrives
with that From.
"""

from __future__ import annotations

import httpx
import pytest

from tests.mailstack import MailStack

from .conftest import settle, wait_for_mail

RAW = {"Content-Type": "message/rfc822"}


def refused(resp: httpx.Response) -> None:
    assert resp.status_code == 422, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert resp.json()["code"] == "from_not_allowed"


@pytest.mark.parametrize(
    "extra",
    [
        {},
        {"mode": "queue"},
        {"send_at": "2030-01-01T00:00:00Z"},
        {"in_reply_to": "INBOX:1:1"},  # a reply: refused before the original is even read
    ],
    ids=["sync", "queue", "scheduled", "reply"],
)
async def test_send_as_another_user_is_refused(
    client: httpx.AsyncClient, account: dict, mailstack: MailStack, extra: dict
) -> None:
    bob, rcpt = mailstack.new_user("bob"), mailstack.new_user("r")
    for sender in (bob, {"name": "Bob", "address": bob.upper()}):
        resp = await client.post(
            f"/v1/accounts/{account['id']}/send",
            json={
                "from": sender,
                "to": [rcpt],
                "subject": "spoof",
                "text": "x",
                "save_to_sent": False,
                **extra,
            },
        )
        refused(resp)
        assert bob.lower() not in resp.json()["detail"].lower()
    assert (await client.get("/v1/outbox", params={"account": account["id"]})).json()["items"] == []
    assert await settle(mailstack, rcpt, quiet=1.0) == []


async def test_raw_send_with_foreign_from_is_refused(
    client: httpx.AsyncClient, account: dict, mailstack: MailStack
) -> None:
    bob, rcpt = mailstack.new_user("bob"), mailstack.new_user("r")
    url = f"/v1/accounts/{account['id']}/send/raw"
    own = account["email"]
    cases = [
        (f"From: {bob}\r\nTo: {rcpt}\r\nSubject: a\r\n\r\nx\r\n", {}),
        (f"From: {bob}\r\nTo: {rcpt}\r\nSubject: a\r\n\r\nx\r\n", {"mail_from": own}),
        (f"From: {bob}\r\nTo: {rcpt}\r\nSubject: a\r\n\r\nx\r\n", {"mode": "queue"}),
        (f"From: {own}\r\nTo: {rcpt}\r\nSubject: a\r\n\r\nx\r\n", {"mail_from": bob}),
        (f"From: {own}, {bob}\r\nSender: {own}\r\nTo: {rcpt}\r\n\r\nx\r\n", {}),
        (f"From: {own}\r\nFrom: {bob}\r\nTo: {rcpt}\r\n\r\nx\r\n", {}),
        (f'From: "{own}" <{bob}>\r\nTo: {rcpt}\r\n\r\nx\r\n', {}),
    ]
    for raw, params in cases:
        resp = await client.post(
            url, content=raw.encode(), headers=RAW, params={"save_to_sent": "false", **params}
        )
        refused(resp)
    # A From header the parsers could read two ways is refused as unreadable.
    resp = await client.post(
        url,
        content=f"From: {own} <{bob}>\r\nTo: {rcpt}\r\n\r\nx\r\n".encode(),
        headers=RAW,
        params={"save_to_sent": "false"},
    )
    assert resp.status_code == 422 and resp.json()["code"] in (
        "validation_error",
        "from_not_allowed",
    ), resp.text
    assert await settle(mailstack, rcpt, quiet=1.0) == []


async def test_alias_and_domain_wildcard_are_accepted(
    client: httpx.AsyncClient, account: dict, mailstack: MailStack
) -> None:
    url = f"/v1/accounts/{account['id']}"
    sales, rcpt = mailstack.new_user("sales"), mailstack.new_user("r")
    resp = await client.patch(url, json={"aliases": [sales.upper(), "*@Other.Example.Test"]})
    assert resp.status_code == 200, resp.text
    assert resp.json()["aliases"] == [sales.upper(), "*@Other.Example.Test"]
    assert resp.json()["allow_any_from"] is False

    for i, sender in enumerate([sales, "Anyone@other.example.test"]):
        resp = await client.post(
            f"{url}/send",
            json={
                "from": sender,
                "to": [rcpt],
                "subject": f"alias {i}",
                "text": "x",
                "save_to_sent": False,
            },
        )
        assert resp.status_code == 200, resp.text
    raw = f"From: Sales <{sales}>\r\nTo: {rcpt}\r\nSubject: alias raw\r\n\r\nx\r\n"
    resp = await client.post(
        f"{url}/send/raw", content=raw.encode(), headers=RAW, params={"save_to_sent": "false"}
    )
    assert resp.status_code == 200, resp.text
    got = await wait_for_mail(mailstack, rcpt, 3)
    assert sorted(m["Subject"] for m in got) == ["alias 0", "alias 1", "alias raw"]
    froms = {m["Subject"]: m["From"].addresses[0].addr_spec for m in got}
    assert froms["alias 1"] == "Anyone@other.example.test"
    # The wildcard is for that domain only, not its subdomains or other domains.
    for sender in ("x@sub.other.example.test", mailstack.new_user("bob")):
        refused(
            await client.post(
                f"{url}/send",
                json={"from": sender, "to": [rcpt], "text": "x", "save_to_sent": False},
            )
        )


async def test_allow_any_from(
    client: httpx.AsyncClient, account: dict, mailstack: MailStack
) -> None:
    url = f"/v1/accounts/{account['id']}"
    bob, rcpt = mailstack.new_user("bob"), mailstack.new_user("r")
    resp = await client.patch(url, json={"allow_any_from": True})
    assert resp.status_code == 200 and resp.json()["allow_any_from"] is True, resp.text
    resp = await client.post(
        f"{url}/send",
        json={"from": bob, "to": [rcpt], "subject": "any", "text": "x", "save_to_sent": False},
    )
    assert resp.status_code == 200, resp.text
    [msg] = await wait_for_mail(mailstack, rcpt)
    assert msg["From"].addresses[0].addr_spec == bob


async def test_sender_and_reply_to_are_not_restricted(
    client: httpx.AsyncClient, account: dict, mailstack: MailStack
) -> None:
    url = f"/v1/accounts/{account['id']}"
    other, rcpt = mailstack.new_user("o"), mailstack.new_user("r")
    resp = await client.post(
        f"{url}/send",
        json={
            "to": [rcpt],
            "reply_to": other,
            "subject": "reply-to",
            "text": "x",
            "save_to_sent": False,
        },
    )
    assert resp.status_code == 200, resp.text
    raw = (
        f"From: {account['email']}\r\nSender: {other}\r\nTo: {rcpt}\r\nSubject: sender\r\n\r\nx\r\n"
    )
    resp = await client.post(
        f"{url}/send/raw",
        content=raw.encode(),
        headers=RAW,
        params={"save_to_sent": "false", "mail_from": account["email"]},
    )
    assert resp.status_code == 200, resp.text
    assert len(await wait_for_mail(mailstack, rcpt, 2)) == 2


@pytest.mark.parametrize(
    "aliases", [["not-an-address"], ["*@"], ["a@b\r\nX: y"], ["*"], ["x@y"] * 101]
)
async def test_bad_aliases_are_422(client: httpx.AsyncClient, account: dict, aliases: list) -> None:
    resp = await client.patch(f"/v1/accounts/{account['id']}", json={"aliases": aliases})
    assert resp.status_code == 422 and resp.json()["code"] == "validation_error", resp.text
    resp = await client.patch(f"/v1/accounts/{account['id']}", json={"allow_any_from": None})
    assert resp.status_code == 422, resp.text
