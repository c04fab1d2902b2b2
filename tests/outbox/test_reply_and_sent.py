"""Replies thread over IMAP and flag the original \\Answered; sent mail is copied to Sent."""

from __future__ import annotations

import asyncio

import httpx

from tests.mailstack import MailStack

from .conftest import wait_for_mail


async def _inbox_ids(client: httpx.AsyncClient, account_id: str) -> list[dict]:
    resp = await client.get(f"/v1/accounts/{account_id}/mailboxes/INBOX/messages")
    assert resp.status_code == 200, resp.text
    return resp.json()["items"]


async def test_reply_threads_and_flags_the_original(
    client: httpx.AsyncClient, account: dict, mailstack: MailStack
) -> None:
    peer = mailstack.new_user("peer")
    original = (
        f"From: Peer <{peer}>\r\nTo: {account['email']}\r\nSubject: Question\r\n"
        "Message-ID: <orig-1@example.test>\r\n"
        "References: <root-0@example.test>\r\n\r\nWhat time?\r\n"
    ).encode()
    mailstack.deliver(account["email"], original)
    [item] = await _inbox_ids(client, account["id"])
    assert "\\Answered" not in item["flags"]
    for mode in ("sync", "queue"):
        resp = await client.post(
            f"/v1/accounts/{account['id']}/send",
            json={
                "to": [peer],
                "subject": "Re: Question",
                "text": f"Noon ({mode})",
                "in_reply_to": item["id"],
                "mode": mode,
            },
        )
        assert resp.status_code in (200, 202), resp.text
    replies = await wait_for_mail(mailstack, peer, 2)
    assert len(replies) == 2
    for reply in replies:
        assert reply["In-Reply-To"] == "<orig-1@example.test>"
        assert reply["References"].split() == ["<root-0@example.test>", "<orig-1@example.test>"]
    flags: list[str] = []
    for _ in range(100):
        msg = (await client.get(f"/v1/accounts/{account['id']}/messages/{item['id']}")).json()
        flags = msg["flags"]
        if "\\Answered" in flags:
            break
        await asyncio.sleep(0.05)
    assert "\\Answered" in flags
    sent = await wait_for_mail(mailstack, account["email"], 2, mailbox="Sent")
    assert sorted(m.get_content().strip() for m in sent) == ["Noon (queue)", "Noon (sync)"]


async def test_sent_copy_by_default_and_not_when_disabled(
    client: httpx.AsyncClient, account: dict, mailstack: MailStack
) -> None:
    rcpt = mailstack.new_user("s")
    url = f"/v1/accounts/{account['id']}/send"
    resp = await client.post(url, json={"to": [rcpt], "subject": "kept", "text": "x"})
    assert resp.status_code == 200 and resp.json()["saved_to_sent"] is True, resp.text
    resp2 = await client.post(
        url, json={"to": [rcpt], "subject": "not kept", "text": "x", "save_to_sent": False}
    )
    assert resp2.json()["saved_to_sent"] is None
    await wait_for_mail(mailstack, rcpt, 2)
    [copy] = await wait_for_mail(mailstack, account["email"], 1, mailbox="Sent")
    assert copy["Message-ID"] == resp.json()["message_id"]
    assert copy["Subject"] == "kept"
    resp = await client.get(f"/v1/accounts/{account['id']}/mailboxes")
    sent_box = [m for m in resp.json()["items"] if m["special_use"] == "\\Sent"]
    assert sent_box and sent_box[0]["total"] == 1


async def test_failed_sent_copy_does_not_fail_the_send(
    client: httpx.AsyncClient, mailstack: MailStack
) -> None:
    """IMAP with a wrong password: the mail goes out, the response says the copy failed."""
    from tests.conftest import account_spec

    user = mailstack.new_user("nocopy")
    spec = account_spec(mailstack, user)
    spec["imap"]["password"] = "wrong"
    assert (await client.post("/v1/accounts", json=spec)).status_code == 201
    rcpt = mailstack.new_user("r")
    resp = await client.post(
        f"/v1/accounts/{spec['id']}/send", json={"to": [rcpt], "subject": "x", "text": "x"}
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["saved_to_sent"] is False and "auth" in body["sent_error"]
    assert len(await wait_for_mail(mailstack, rcpt)) == 1
