"""Webhooks: CRUD, signed deliveries, retries with the same event id, isolation, URL policy."""

from __future__ import annotations

import asyncio
import contextlib

import httpx

from gateway.events.signing import verify
from gateway.settings import Settings
from tests.conftest import running_client
from tests.waiting import quiet_for, until

from .receiver import receiver


async def _hook(client: httpx.AsyncClient, url: str, **extra) -> dict:
    resp = await client.post("/v1/webhooks", json={"url": url, "events": ["message.new"], **extra})
    assert resp.status_code == 201, resp.text
    return resp.json()


async def test_event_is_posted_signed_and_logged(client: httpx.AsyncClient) -> None:
    async with receiver() as rec:
        hook = await _hook(client, rec.url)
        assert hook["secret"] and hook["events"] == ["message.new"]
        event = await client.app.state.services.events.publish(
            "message.new", "acct-1", {"id": "m1", "subject": "hi"}
        )
        (got,) = await rec.wait_for(1)
        assert got.headers["x-gateway-event-id"] == event.id
        assert verify(hook["secret"], got.body, got.headers["x-gateway-signature"])
        assert got.json() == {**event.envelope()}
        assert got.json()["data"]["subject"] == "hi"

        listed = (await client.get("/v1/webhooks")).json()
        assert [w["id"] for w in listed["items"]] == [hook["id"]]
        assert "secret" not in listed["items"][0]
        assert (await client.get(f"/v1/webhooks/{hook['id']}")).json()["url"] == rec.url

        deliveries = (await client.get(f"/v1/webhooks/{hook['id']}/deliveries")).json()["items"]
        assert len(deliveries) == 1
        assert deliveries[0]["event_id"] == event.id
        assert deliveries[0]["status"] == "delivered"
        assert deliveries[0]["status_code"] == 200 and deliveries[0]["attempts"] == 1

        assert (await client.delete(f"/v1/webhooks/{hook['id']}")).status_code == 204
        gone = await client.get(f"/v1/webhooks/{hook['id']}")
        assert gone.status_code == 404 and gone.json()["code"] == "webhook_not_found"


async def test_retried_after_500s_with_the_same_event_id(client: httpx.AsyncClient) -> None:
    async with receiver(statuses=[500, 500, 500]) as rec:
        hook = await _hook(client, rec.url, secret="a-long-enough-secret")
        event = await client.app.state.services.events.publish("message.new", "a", {"n": 1})
        got = await rec.wait_for(4, within=15)
        assert [r.headers["x-gateway-event-id"] for r in got] == [event.id] * 4
        assert all(
            verify("a-long-enough-secret", r.body, r.headers["x-gateway-signature"]) for r in got
        )
        for _ in range(50):
            (delivery,) = (await client.get(f"/v1/webhooks/{hook['id']}/deliveries")).json()[
                "items"
            ]
            if delivery["status"] == "delivered":
                break
            await asyncio.sleep(0.05)
        assert delivery["status"] == "delivered" and delivery["attempts"] == 4
        assert [h["status_code"] for h in delivery["history"]] == [500, 500, 500, 200]
        assert delivery["history"][0]["error"] == "HTTP 500"
        await quiet_for()
        assert len(rec.requests) == 4  # delivered once it succeeded, never again


async def test_filters_by_type_and_account(client: httpx.AsyncClient) -> None:
    async with receiver() as rec:
        await _hook(client, rec.url, accounts=["acct-a"])
        bus = client.app.state.services.events
        await bus.publish("message.new", "acct-b", {})
        await bus.publish("message.flags", "acct-a", {})
        wanted = await bus.publish("message.new", "acct-a", {})
        got = await rec.wait_for(1)
        await quiet_for()  # the filtered-out events never come
        assert [r.headers["x-gateway-event-id"] for r in rec.requests] == [wanted.id]
        assert got[0].json()["account"] == "acct-a"


async def test_family_pattern_and_unknown_types(client: httpx.AsyncClient) -> None:
    async with receiver() as rec:
        resp = await client.post("/v1/webhooks", json={"url": rec.url, "events": ["message.*"]})
        assert resp.status_code == 201
        bad = await client.post("/v1/webhooks", json={"url": rec.url, "events": ["mesage.new"]})
        assert bad.status_code == 422 and bad.json()["code"] == "validation_error"
        bus = client.app.state.services.events
        await bus.publish("account.error", "x", {})
        flags = await bus.publish("message.flags", "x", {})
        (got,) = await rec.wait_for(1)
        assert got.headers["x-gateway-event-id"] == flags.id


async def test_slow_endpoint_does_not_delay_others(client: httpx.AsyncClient) -> None:
    async with receiver(delay=1.5) as slow, receiver() as fast:
        await _hook(client, slow.url)
        await _hook(client, fast.url)
        bus = client.app.state.services.events
        sent = [await bus.publish("message.new", "a", {"i": i}) for i in range(8)]
        got = await fast.wait_for(8, within=1.2)
        assert {r.headers["x-gateway-event-id"] for r in got} == {e.id for e in sent}
        assert slow.requests == []  # still stuck on its first POSTs


async def test_webhook_urls_refused(client: httpx.AsyncClient, settings: Settings) -> None:
    own = f"http://127.0.0.1:{settings.port}/loop"
    resp = await client.post("/v1/webhooks", json={"url": own, "events": ["*"]})
    assert resp.status_code == 422 and resp.json()["code"] == "webhook_url_refused"
    for url in ("ftp://example.com/x", "http://exa mple.com/", "http://a.test/\r\nX: y"):
        resp = await client.post("/v1/webhooks", json={"url": url, "events": ["*"]})
        assert resp.status_code == 422, url

    strict = settings.model_copy(update={"webhook_allow_private": False})
    async with running_client(strict) as c2:
        for url in (
            "http://127.0.0.1:9/x",
            "http://10.1.2.3/x",
            "http://[::1]:8080/",
            "http://169.254.169.254/latest/meta-data",
            "http://localhost:1234/",
        ):
            resp = await c2.post("/v1/webhooks", json={"url": url, "events": ["*"]})
            assert resp.status_code == 422, url
            assert resp.json()["code"] == "webhook_url_refused"


async def test_token_limited_to_accounts(client: httpx.AsyncClient) -> None:
    async with receiver() as rec:
        other = await _hook(client, rec.url)
        token = (
            await client.post("/v1/tokens", json={"scopes": ["admin"], "accounts": ["acct-x"]})
        ).json()["token"]
        auth = {"Authorization": f"Bearer {token}"}
        mine = await client.post(
            "/v1/webhooks", headers=auth, json={"url": rec.url, "events": ["*"]}
        )
        assert mine.status_code == 201 and mine.json()["accounts"] == ["acct-x"]
        denied = await client.post(
            "/v1/webhooks", headers=auth, json={"url": rec.url, "events": ["*"], "accounts": ["y"]}
        )
        assert denied.status_code == 403
        listed = (await client.get("/v1/webhooks", headers=auth)).json()["items"]
        assert [w["id"] for w in listed] == [mine.json()["id"]]
        assert (await client.get(f"/v1/webhooks/{other['id']}", headers=auth)).status_code == 404
        reader = (await client.post("/v1/tokens", json={"scopes": ["read"]})).json()["token"]
        resp = await client.get("/v1/webhooks", headers={"Authorization": f"Bearer {reader}"})
        assert resp.status_code == 403


async def test_hanging_and_endless_endpoints_never_block(client: httpx.AsyncClient) -> None:
    """One endpoint never answers (timeout, retried), one streams an endless body (done)."""
    stop = asyncio.Event()

    async def endless(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        with contextlib.suppress(ConnectionError):
            while not stop.is_set():
                writer.write(b"4000\r\n" + b"x" * 0x4000 + b"\r\n")
                await writer.drain()
        writer.close()

    async def hanging(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await stop.wait()
        writer.close()

    servers = [await asyncio.start_server(h, "127.0.0.1", 0) for h in (endless, hanging)]
    ports = [s.sockets[0].getsockname()[1] for s in servers]
    try:
        hooks = [
            (
                await client.post(
                    "/v1/webhooks", json={"url": f"http://127.0.0.1:{port}/", "events": ["*"]}
                )
            ).json()
            for port in ports
        ]
        await client.app.state.services.events.publish("message.new", "a", {})

        async def both_tried() -> list[list[dict]] | None:
            found = [
                (await client.get(f"/v1/webhooks/{hook['id']}/deliveries")).json()["items"]
                for hook in hooks
            ]
            streamed, silent = found
            tried = (
                streamed and streamed[0]["status"] == "delivered" and silent and silent[0]["error"]
            )
            return found if tried else None

        # webhook_timeout is 2 s in these tests: the hanging one has failed once by then
        [endless_d], [hanging_d] = await until(both_tried, within=5, what="both deliveries")
        assert endless_d["status"] == "delivered" and endless_d["status_code"] == 200
        assert hanging_d["status"] == "pending" and hanging_d["attempts"] >= 1
        assert hanging_d["status_code"] is None and "no answer" in hanging_d["error"]
        assert hanging_d["next_attempt_at"] is not None
    finally:
        stop.set()
        for server in servers:
            server.close()


async def test_bad_webhook_requests_are_clear_4xx(client: httpx.AsyncClient) -> None:
    cases = [
        {"url": "http://127.0.0.1:1/", "events": []},
        {"url": "http://127.0.0.1:1/", "events": ["*"] * 51},
        {"url": "http://127.0.0.1:1/", "events": ["*"], "unknown": 1},
        {"url": "http://127.0.0.1:1/", "events": ["*"], "secret": "short"},
        {"url": "http://127.0.0.1:1/", "events": ["*"], "accounts": ["bad id!"]},
        {"url": "http://127.0.0.1:1/\r\nX: 1", "events": ["*"]},
        {"url": "http://127.0.0.1:1/", "events": ["message.new\r\nX"]},
    ]
    for body in cases:
        resp = await client.post("/v1/webhooks", json=body)
        assert resp.status_code == 422, (body, resp.text)
        assert resp.headers["content-type"].startswith("application/problem+json")
    resp = await client.get("/v1/webhooks/wh_nope/deliveries", params={"cursor": "%%%"})
    assert resp.status_code == 404
    hook = (
        await client.post("/v1/webhooks", json={"url": "http://127.0.0.1:1/", "events": ["*"]})
    ).json()
    resp = await client.get(f"/v1/webhooks/{hook['id']}/deliveries", params={"cursor": "%%%"})
    assert resp.status_code == 422
    resp = await client.get("/v1/webhooks", headers={"Authorization": "Bearer nope"})
    assert resp.status_code == 401


async def test_deliveries_are_paginated_newest_first(client: httpx.AsyncClient) -> None:
    async with receiver() as rec:
        hook = await _hook(client, rec.url)
        bus = client.app.state.services.events
        sent = [await bus.publish("message.new", "a", {"i": i}) for i in range(3)]
        await rec.wait_for(3)
        url = f"/v1/webhooks/{hook['id']}/deliveries"
        first = (await client.get(url, params={"limit": 2})).json()
        assert len(first["items"]) == 2 and first["next_cursor"]
        rest = (await client.get(url, params={"limit": 2, "cursor": first["next_cursor"]})).json()
        assert len(rest["items"]) == 1 and rest["next_cursor"] is None
        ids = [d["event_id"] for d in first["items"] + rest["items"]]
        assert sorted(ids) == sorted(e.id for e in sent)
        times = [d["created_at"] for d in first["items"] + rest["items"]]
        assert times == sorted(times, reverse=True)
