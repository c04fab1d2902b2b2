"""Idempotency-Key: a replay returns the first response and sends nothing again."""

from __future__ import annotations

import asyncio

import httpx

from tests.mailstack import MailStack

from .conftest import settle


async def test_sync_replay_returns_the_first_response(
    client: httpx.AsyncClient, account: dict, mailstack: MailStack
) -> None:
    rcpt = mailstack.new_user("idem")
    url = f"/v1/accounts/{account['id']}/send"
    body = {"to": [rcpt], "subject": "once", "text": "x", "save_to_sent": False}
    first = await client.post(url, json=body, headers={"Idempotency-Key": "order-1"})
    assert first.status_code == 200, first.text
    again = await client.post(url, json=body, headers={"Idempotency-Key": "order-1"})
    assert again.status_code == 200
    assert again.json() == first.json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    other = await client.post(url, json=body, headers={"Idempotency-Key": "order-2"})
    assert other.status_code == 200 and other.json()["message_id"] != first.json()["message_id"]
    msgs = await settle(mailstack, rcpt, quiet=0.7)
    assert sorted(m["Message-ID"] for m in msgs) == sorted(
        [first.json()["message_id"], other.json()["message_id"]]
    )


async def test_queue_replay_and_key_reuse(
    client: httpx.AsyncClient, account: dict, mailstack: MailStack
) -> None:
    rcpt = mailstack.new_user("idemq")
    url = f"/v1/accounts/{account['id']}/send"
    body = {
        "to": [rcpt],
        "subject": "queued once",
        "text": "x",
        "mode": "queue",
        "save_to_sent": False,
    }
    first = await client.post(url, json=body, headers={"Idempotency-Key": "q-1"})
    assert first.status_code == 202, first.text
    again = await client.post(url, json=body, headers={"Idempotency-Key": "q-1"})
    assert again.status_code == 202 and again.json() == first.json()
    changed = await client.post(
        url, json={**body, "subject": "different"}, headers={"Idempotency-Key": "q-1"}
    )
    assert changed.status_code == 409 and changed.json()["code"] == "idempotency_key_reused"
    msgs = await settle(mailstack, rcpt, quiet=0.7)
    assert [m["Message-ID"] for m in msgs] == [first.json()["message_id"]]
    items = (await client.get("/v1/outbox", params={"account": account["id"]})).json()["items"]
    assert len(items) == 1


async def test_a_refused_send_is_replayed_as_the_same_error(
    client: httpx.AsyncClient, account: dict, mailstack: MailStack
) -> None:
    url = f"/v1/accounts/{account['id']}/send"
    body = {
        "to": ["unknown-" + mailstack.new_user("x")],
        "subject": "x",
        "text": "x",
        "save_to_sent": False,
    }
    first = await client.post(url, json=body, headers={"Idempotency-Key": "refused"})
    assert first.status_code == 502
    again = await client.post(url, json=body, headers={"Idempotency-Key": "refused"})
    assert again.status_code == 502 and again.json() == first.json()


async def test_bad_input_does_not_burn_the_key(
    client: httpx.AsyncClient, account: dict, mailstack: MailStack
) -> None:
    rcpt = mailstack.new_user("fix")
    url = f"/v1/accounts/{account['id']}/send"
    bad = await client.post(
        url,
        json={"to": [rcpt], "subject": "a\r\nb", "save_to_sent": False},
        headers={"Idempotency-Key": "retry-me"},
    )
    assert bad.status_code == 422
    good = await client.post(
        url,
        json={"to": [rcpt], "subject": "ab", "save_to_sent": False},
        headers={"Idempotency-Key": "retry-me"},
    )
    assert good.status_code == 200, good.text


async def test_racing_requests_send_once(
    client: httpx.AsyncClient, account: dict, mailstack: MailStack
) -> None:
    url = f"/v1/accounts/{account['id']}/send"
    for mode, expected in (("sync", 200), ("queue", 202)):
        rcpt = mailstack.new_user("race")
        body = {
            "to": [rcpt],
            "subject": f"race {mode}",
            "text": "x",
            "mode": mode,
            "save_to_sent": False,
        }
        key = f"race-{mode}"
        responses = await asyncio.gather(
            *(client.post(url, json=body, headers={"Idempotency-Key": key}) for _ in range(8))
        )
        assert [r.status_code for r in responses] == [expected] * 8, [r.text for r in responses]
        assert len({r.text for r in responses}) == 1
        assert sum(r.headers.get("Idempotent-Replayed") != "true" for r in responses) == 1
        msgs = await settle(mailstack, rcpt, quiet=0.7)
        assert [m["Message-ID"] for m in msgs] == [responses[0].json()["message_id"]]
