"""The optional daily send limit of an account (issue #10): 429 with Retry-After when full,
counted in the store (so it holds across a restart), for every way of sending."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import httpx

from gateway.settings import Settings
from tests.conftest import account_spec, running_client
from tests.mailstack import MailStack

from .conftest import settle

RAW = {"Content-Type": "message/rfc822"}


def seconds_to_utc_midnight() -> float:
    now = datetime.now(UTC)
    midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), UTC)
    return (midnight - now).total_seconds()


def assert_quota_exceeded(resp: httpx.Response) -> None:
    assert resp.status_code == 429, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert resp.json()["code"] == "send_quota_exceeded"
    retry_after = int(resp.headers["Retry-After"])
    expected = seconds_to_utc_midnight()
    # The header counts down to 00:00 UTC (a few seconds of slack for a slow machine).
    assert 1 <= retry_after <= 86400
    assert expected - 30 <= retry_after <= math.ceil(expected) + 1, (retry_after, expected)


async def send(
    client: httpx.AsyncClient, account_id: str, rcpt: str, subject: str, **extra
) -> httpx.Response:
    return await client.post(
        f"/v1/accounts/{account_id}/send",
        json={"to": [rcpt], "subject": subject, "text": "x", "save_to_sent": False, **extra},
    )


async def test_third_send_over_a_daily_limit_of_two_is_429(
    client: httpx.AsyncClient, account: dict, mailstack: MailStack
) -> None:
    resp = await client.patch(f"/v1/accounts/{account['id']}", json={"daily_send_limit": 2})
    assert resp.status_code == 200 and resp.json()["daily_send_limit"] == 2, resp.text
    rcpt = mailstack.new_user("r")
    for subject in ("one", "two"):
        assert (await send(client, account["id"], rcpt, subject)).status_code == 200
    assert_quota_exceeded(await send(client, account["id"], rcpt, "three"))
    raw = f"From: {account['email']}\r\nTo: {rcpt}\r\nSubject: raw\r\n\r\nx\r\n".encode()
    assert_quota_exceeded(
        await client.post(
            f"/v1/accounts/{account['id']}/send/raw",
            content=raw,
            headers=RAW,
            params={"save_to_sent": "false"},
        )
    )
    got = await settle(mailstack, rcpt, quiet=1.0)
    assert sorted(m["Subject"] for m in got) == ["one", "two"]

    # Lifting the limit (null) lets the account send again.
    resp = await client.patch(f"/v1/accounts/{account['id']}", json={"daily_send_limit": None})
    assert resp.status_code == 200 and resp.json()["daily_send_limit"] is None
    assert (await send(client, account["id"], rcpt, "four")).status_code == 200


async def test_queued_sends_count_and_are_refused_over_the_limit(
    client: httpx.AsyncClient, account: dict, mailstack: MailStack
) -> None:
    await client.patch(f"/v1/accounts/{account['id']}", json={"daily_send_limit": 2})
    rcpt = mailstack.new_user("r")
    assert (await send(client, account["id"], rcpt, "sync")).status_code == 200
    resp = await send(client, account["id"], rcpt, "queued", mode="queue")
    assert resp.status_code == 202, resp.text
    assert_quota_exceeded(
        await send(client, account["id"], rcpt, "later", send_at="2030-01-01T00:00:00Z")
    )
    raw = f"From: {account['email']}\r\nTo: {rcpt}\r\nSubject: raw\r\n\r\nx\r\n".encode()
    assert_quota_exceeded(
        await client.post(
            f"/v1/accounts/{account['id']}/send/raw",
            content=raw,
            headers=RAW,
            params={"save_to_sent": "false", "mode": "queue"},
        )
    )
    items = (await client.get("/v1/outbox", params={"account": account["id"]})).json()["items"]
    assert len(items) == 1
    got = await settle(mailstack, rcpt, quiet=1.0)
    assert sorted(m["Subject"] for m in got) == ["queued", "sync"]


async def test_idempotent_replay_does_not_count_again(
    client: httpx.AsyncClient, account: dict, mailstack: MailStack
) -> None:
    await client.patch(f"/v1/accounts/{account['id']}", json={"daily_send_limit": 1})
    rcpt = mailstack.new_user("r")
    key = {"Idempotency-Key": "quota-replay-1"}
    body = {"to": [rcpt], "subject": "once", "text": "x", "save_to_sent": False}
    url = f"/v1/accounts/{account['id']}/send"
    first = await client.post(url, json=body, headers=key)
    again = await client.post(url, json=body, headers=key)
    assert first.status_code == again.status_code == 200, again.text
    assert again.headers["Idempotent-Replayed"] == "true"
    assert_quota_exceeded(await send(client, account["id"], rcpt, "other"))


async def test_limit_holds_after_a_new_app_instance_on_the_same_store(
    settings: Settings, mailstack: MailStack
) -> None:
    user, rcpt = mailstack.new_user("t"), mailstack.new_user("r")
    spec = account_spec(mailstack, user, protocols=("smtp",), daily_send_limit=2)
    async with running_client(settings) as first:
        assert (await first.post("/v1/accounts", json=spec)).status_code == 201
        for subject in ("one", "two"):
            assert (await send(first, spec["id"], rcpt, subject)).status_code == 200
    async with running_client(settings) as second:
        assert_quota_exceeded(await send(second, spec["id"], rcpt, "three"))
        assert_quota_exceeded(await send(second, spec["id"], rcpt, "four", mode="queue"))
    assert len(await settle(mailstack, rcpt, quiet=1.0)) == 2
