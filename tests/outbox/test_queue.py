"""Queued sends through the durable outbox: delivery, send_at, cancel, permanent failures."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import httpx

from tests.mailstack import MailStack
from tests.waiting import QUIET, quiet_for

from .conftest import settle, wait_for_mail


async def _wait_status(
    client: httpx.AsyncClient, queue_id: str, statuses: set[str], *, within: float = 15
) -> dict:
    deadline = time.monotonic() + within
    while True:
        item = (await client.get(f"/v1/outbox/{queue_id}")).json()
        if item["status"] in statuses or time.monotonic() > deadline:
            return item
        await asyncio.sleep(0.05)


async def test_queued_send_is_delivered_with_its_message_id(
    client: httpx.AsyncClient, account: dict, mailstack: MailStack
) -> None:
    rcpt = mailstack.new_user("q")
    resp = await client.post(
        f"/v1/accounts/{account['id']}/send",
        json={
            "to": [rcpt],
            "subject": "queued",
            "text": "from the outbox",
            "mode": "queue",
            "save_to_sent": False,
        },
    )
    assert resp.status_code == 202, resp.text
    queued = resp.json()
    assert queued["status_url"] == f"/v1/outbox/{queued['queue_id']}"
    [msg] = await wait_for_mail(mailstack, rcpt)
    assert msg["Message-ID"] == queued["message_id"]
    assert msg["Subject"] == "queued"
    item = await _wait_status(client, queued["queue_id"], {"sent"})
    assert item["status"] == "sent" and item["attempts"] == 1
    assert item["accepted"] == [rcpt] and item["smtp_response"].startswith("250")
    assert item["message_id"] == queued["message_id"] and item["account"] == account["id"]
    assert item["history"][0]["ok"] is True
    stored = await client.app.state.services.events.repo.after(
        0, accounts=[account["id"]], types=["message.sent"]
    )
    assert [e.data["message_id"] for e in stored] == [queued["message_id"]]
    assert stored[0].data["queue_id"] == queued["queue_id"]
    listed = (await client.get("/v1/outbox", params={"account": account["id"]})).json()
    assert [i["queue_id"] for i in listed["items"]] == [queued["queue_id"]]
    sent_only = (
        await client.get("/v1/outbox", params={"status": "failed", "account": account["id"]})
    ).json()
    assert sent_only["items"] == []


async def test_send_at_waits_until_due(
    client: httpx.AsyncClient, account: dict, mailstack: MailStack
) -> None:
    rcpt = mailstack.new_user("later")
    due = datetime.now(UTC) + timedelta(seconds=2 * QUIET)
    resp = await client.post(
        f"/v1/accounts/{account['id']}/send",
        json={
            "to": [rcpt],
            "subject": "later",
            "text": "x",
            "send_at": due.isoformat(),
            "save_to_sent": False,
        },
    )
    assert resp.status_code == 202, resp.text
    queue_id = resp.json()["queue_id"]
    await quiet_for()  # not sent before it is due
    assert mailstack.maildir_count(rcpt) == 0
    item = (await client.get(f"/v1/outbox/{queue_id}")).json()
    assert item["status"] == "queued"
    assert datetime.fromisoformat(item["next_attempt_at"]) >= due - timedelta(milliseconds=1)
    [msg] = await wait_for_mail(mailstack, rcpt)
    assert datetime.now(UTC) >= due
    assert msg["Subject"] == "later"


async def test_cancel_a_future_send(
    client: httpx.AsyncClient, account: dict, mailstack: MailStack
) -> None:
    rcpt = mailstack.new_user("cancel")
    due = datetime.now(UTC) + timedelta(seconds=2)
    resp = await client.post(
        f"/v1/accounts/{account['id']}/send",
        json={
            "to": [rcpt],
            "subject": "never",
            "text": "x",
            "save_to_sent": False,
            "send_at": due.isoformat(),
        },
    )
    queue_id = resp.json()["queue_id"]
    resp = await client.delete(f"/v1/outbox/{queue_id}")
    assert resp.status_code == 200 and resp.json()["status"] == "cancelled"
    assert (await client.delete(f"/v1/outbox/{queue_id}")).status_code == 200  # no-op
    # scenario: past the time the cancelled send would have been due
    await asyncio.sleep(max(0.0, (due - datetime.now(UTC)).total_seconds()) + 1.0)
    assert await settle(mailstack, rcpt, quiet=0.3) == []
    assert (await client.get(f"/v1/outbox/{queue_id}")).json()["status"] == "cancelled"


async def test_cancel_after_sent_is_409_and_unknown_is_404(
    client: httpx.AsyncClient, account: dict, mailstack: MailStack
) -> None:
    rcpt = mailstack.new_user("done")
    resp = await client.post(
        f"/v1/accounts/{account['id']}/send",
        json={"to": [rcpt], "subject": "x", "text": "x", "mode": "queue", "save_to_sent": False},
    )
    queue_id = resp.json()["queue_id"]
    assert (await _wait_status(client, queue_id, {"sent"}))["status"] == "sent"
    resp = await client.delete(f"/v1/outbox/{queue_id}")
    assert resp.status_code == 409 and resp.json()["code"] == "invalid_state"
    resp = await client.get("/v1/outbox/q_doesnotexist")
    assert resp.status_code == 404 and resp.json()["code"] == "queue_item_not_found"


async def test_permanent_5xx_fails_without_retry(
    client: httpx.AsyncClient, account: dict, mailstack: MailStack
) -> None:
    bad = "unknown-" + mailstack.new_user("x")
    resp = await client.post(
        f"/v1/accounts/{account['id']}/send",
        json={
            "to": [bad],
            "subject": "to nobody",
            "text": "x",
            "mode": "queue",
            "save_to_sent": False,
        },
    )
    queue_id = resp.json()["queue_id"]
    item = await _wait_status(client, queue_id, {"failed"})
    assert item["status"] == "failed", item
    assert item["attempts"] == 1
    assert "550" in item["last_error"] and "smtp_rejected" in item["last_error"]
    assert item["rejected"][0]["address"] == bad and item["rejected"][0]["code"] == 550
    assert item["history"][0]["code"] == 550
    await quiet_for()  # retry_base_delay is 0.5 s in tests: a retry would show by now
    assert (await client.get(f"/v1/outbox/{queue_id}")).json()["attempts"] == 1
    stored = await client.app.state.services.events.repo.after(
        0, accounts=[account["id"]], types=["message.failed", "message.sent"]
    )
    assert [(e.type, e.data["queue_id"]) for e in stored] == [("message.failed", queue_id)]
    assert "550" in stored[0].data["error"]
