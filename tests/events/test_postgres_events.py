"""Several instances on one PostgreSQL: events reach every instance's SSE clients
(LISTEN/NOTIFY), each webhook delivery is made once, and one instance watches an account."""

from __future__ import annotations

import asyncio
import contextlib
import secrets

import httpx
import pytest
from pydantic import SecretStr

from gateway.app import create_app
from gateway.settings import Settings
from tests.conftest import ADMIN_TOKEN, account_spec, running_client
from tests.mailstack import MailStack
from tests.sync.helpers import message
from tests.waiting import quiet_for

from .receiver import receiver
from .server import serving
from .sse_client import open_sse


@pytest.fixture
def mailstack(imap_server: MailStack) -> MailStack:
    """The watch tests run against Dovecot and against Cyrus (``mailstack.server``)."""
    return imap_server


def _settings(url: str, base: Settings) -> Settings:
    return base.model_copy(
        update={
            "database_url": url,
            "secret_key": SecretStr("shared-key"),
            "instance_id": "pg-" + secrets.token_hex(3),
        }
    )


async def test_events_and_webhooks_across_instances(pg_database: str, settings: Settings) -> None:
    two_app = create_app(_settings(pg_database, settings))
    async with (
        receiver() as rec,
        running_client(_settings(pg_database, settings)) as one,
        serving(two_app) as url,
        httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}) as two,
    ):
        await one.post("/v1/webhooks", json={"url": rec.url, "events": ["*"]})
        async with open_sse(two) as sse:
            await sse.wait_for(lambda _e: "connected" in sse.comments)
            bus = one.app.state.services.events
            sent = [await bus.publish("message.new", "acct", {"i": i}) for i in range(20)]
            events = await sse.wait_for(lambda ev: len(ev) >= 20)
            await rec.wait_for(20)
            await quiet_for()  # both dispatchers polled again: nothing twice
        assert [e["id"] for e in events] == [e.id for e in sent]
        ids = [r.headers["x-gateway-event-id"] for r in rec.requests]
        assert sorted(ids) == sorted(e.id for e in sent)


async def test_one_instance_watches_an_account(
    pg_database: str, settings: Settings, mailstack: MailStack
) -> None:
    user = mailstack.new_user("pg")
    account = user.split("@")[0]
    async with (
        receiver() as rec,
        running_client(_settings(pg_database, settings)) as one,
        running_client(_settings(pg_database, settings)) as two,
    ):
        assert (
            await one.post("/v1/accounts", json=account_spec(mailstack, user))
        ).status_code == 201
        await one.post("/v1/webhooks", json={"url": rec.url, "events": ["message.new"]})

        async def ready(client: httpx.AsyncClient) -> None:
            await client.app.state.services.sync.wait_ready(account)

        tasks = [asyncio.create_task(ready(c)) for c in (one, two)]
        done, pending = await asyncio.wait(tasks, timeout=20, return_when=asyncio.FIRST_COMPLETED)
        assert len(done) == 1  # the other instance does not hold the lease
        await quiet_for()  # and it does not start watching meanwhile
        assert all(not t.done() for t in pending)
        for task in pending:
            task.cancel()
        for subject in ("a", "b"):
            await asyncio.to_thread(mailstack.deliver, user, bytes(message(user, subject)))
        await rec.wait_for(2)
        await quiet_for()  # nothing reported twice
    assert sorted(r.json()["data"]["subject"] for r in rec.requests) == ["a", "b"]


async def test_watch_moves_to_another_instance(
    pg_database: str, settings: Settings, mailstack: MailStack
) -> None:
    user = mailstack.new_user("pgmove")
    account = user.split("@")[0]
    base = settings.model_copy(update={"watch_lease_seconds": 3.0})
    async with (
        receiver() as rec,
        contextlib.AsyncExitStack() as stack_one,
        contextlib.AsyncExitStack() as stack_two,
    ):
        one = await stack_one.enter_async_context(running_client(_settings(pg_database, base)))
        assert (
            await one.post("/v1/accounts", json=account_spec(mailstack, user))
        ).status_code == 201
        await one.post("/v1/webhooks", json={"url": rec.url, "events": ["message.new"]})
        async with asyncio.timeout(20):
            await one.app.state.services.sync.wait_ready(account)
        two = await stack_two.enter_async_context(running_client(_settings(pg_database, base)))
        await stack_one.aclose()  # the owner goes away (releasing its lease)
        async with asyncio.timeout(20):
            await two.app.state.services.sync.wait_ready(account)
        await asyncio.to_thread(mailstack.deliver, user, bytes(message(user, "moved")))
        (got,) = await rec.wait_for(1)
        await quiet_for()  # nothing reported twice
    assert got.json()["data"]["subject"] == "moved" and len(rec.requests) == 1
