"""SSE: live events, filters, heartbeats, Last-Event-ID replay, per-token visibility."""

from __future__ import annotations

import asyncio

import httpx

from .sse_client import open_sse


async def test_live_events_filters_and_heartbeat(live: httpx.AsyncClient) -> None:
    bus = live.app.state.services.events
    async with open_sse(live, {"types": "message.new,message.flags"}) as sse:
        await sse.wait_for(lambda _e: "connected" in sse.comments)
        wanted = await bus.publish("message.new", "a1", {"subject": "hello"})
        await bus.publish("account.error", "a1", {})
        flags = await bus.publish("message.flags", "a2", {"flags": ["\\Seen"]})
        events = await sse.wait_for(lambda ev: len(ev) >= 2)
        assert [e["id"] for e in events] == [wanted.id, flags.id]
        assert events[0]["event"] == "message.new" and events[0]["type"] == "message.new"
        assert events[0]["data"] == {"subject": "hello"} and events[0]["account"] == "a1"
        assert set(events[0]) >= {"id", "type", "account", "created_at", "data"}
        await sse.wait_for(lambda _e: "heartbeat" in sse.comments, within=3)


async def test_last_event_id_resumes_from_the_store(live: httpx.AsyncClient) -> None:
    bus = live.app.state.services.events
    first = await bus.publish("message.new", "a1", {"n": 1})
    missed = [await bus.publish("message.new", "a1", {"n": n}) for n in (2, 3)]
    async with open_sse(live, headers={"Last-Event-ID": first.id}) as sse:
        events = await sse.wait_for(lambda ev: len(ev) >= 2)
        later = await bus.publish("message.new", "a1", {"n": 4})
        events = await sse.wait_for(lambda ev: len(ev) >= 3)
        assert [e["id"] for e in events] == [m.id for m in missed] + [later.id]
    async with open_sse(live) as sse:  # without the header: live only
        live_one = await bus.publish("message.deleted", "a1", {})
        events = await sse.wait_for(lambda ev: len(ev) >= 1)
        assert [e["id"] for e in events] == [live_one.id]


async def test_a_token_sees_only_its_accounts(live: httpx.AsyncClient) -> None:
    bus = live.app.state.services.events
    token = await live.post("/v1/tokens", json={"scopes": ["read"], "accounts": ["mine"]})
    auth = {"Authorization": f"Bearer {token.json()['token']}"}
    forbidden = await live.get("/v1/events", params={"account": "theirs"}, headers=auth)
    assert forbidden.status_code == 404 and forbidden.json()["code"] == "account_not_found"
    before = await bus.publish("message.new", "mine", {"n": 0})
    async with open_sse(live, headers={**auth, "Last-Event-ID": before.id}) as sse:
        await bus.publish("message.new", "theirs", {})
        await bus.publish("system.note", None, {})
        mine = await bus.publish("message.new", "mine", {"n": 1})
        events = await sse.wait_for(lambda ev: len(ev) >= 1)
        await bus.publish("message.new", "theirs", {})
        last = await bus.publish("message.flags", "mine", {})
        events = await sse.wait_for(lambda ev: len(ev) >= 2)
        assert [e["id"] for e in events] == [mine.id, last.id]
    bad = await live.get("/v1/events", params={"types": "message.nope"})
    assert bad.status_code == 422 and bad.json()["code"] == "validation_error"
    no_read = await live.post("/v1/tokens", json={"scopes": ["send"]})
    resp = await live.get(
        "/v1/events", headers={"Authorization": f"Bearer {no_read.json()['token']}"}
    )
    assert resp.status_code == 403


async def test_a_slow_subscriber_catches_up_from_the_store(live: httpx.AsyncClient) -> None:
    bus = live.app.state.services.events
    async with open_sse(live) as sse:
        await sse.wait_for(lambda _e: "connected" in sse.comments)
        async with bus.transaction() as tx:  # fanned out at once: overflows the queue
            sent = [await tx.add("message.new", "a", {"i": i}) for i in range(1500)]
        events = await sse.wait_for(lambda ev: len(ev) >= 1500, within=30)
        assert [e["id"] for e in events] == [e.id for e in sent]
    # The client went away: its subscription is gone with it.
    async with asyncio.timeout(5):
        while bus.subscriber_count:  # noqa: ASYNC110 - no event for "unsubscribed"
            await asyncio.sleep(0.05)
