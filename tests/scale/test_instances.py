"""Several instances on one PostgreSQL and one Dovecot: watchers spread evenly over them,
rebalanced when one joins (30 accounts); with 3 instances and 300 accounts, the leases are
spread within +-20 % and one instance killed (SIGKILL: nothing released) has its accounts
watched by the others within 15 s; events made meanwhile reach webhooks and every
instance's SSE clients exactly once (issue #15, item 4 and its Done-when)."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import httpx

from gateway.settings import Settings
from gateway.store.leases import LeaseRepo
from tests.conftest import ADMIN_TOKEN
from tests.events.receiver import receiver
from tests.events.sse_client import open_sse
from tests.mailstack import MailStack
from tests.waiting import quiet_for, until

from .helpers import (
    Instance,
    add_accounts,
    free_port,
    gateway_env,
    gateway_process,
    instance,
    mail,
    metric,
)

ACCOUNTS = 30
FAILOVER_ACCOUNTS = 300  # issue #15: 3 instances and 300 accounts
FAILOVER = 15.0  # seconds, with the default watch lease (10 s)


def _spread(*instances: Instance) -> list[int]:
    return sorted(len(i.watched) for i in instances)


def _each_watched_once(accounts: dict[str, str], *instances: Instance) -> bool:
    """Every account watched, by one instance, and connected."""
    watched = [i.watched for i in instances]
    return (
        sum(map(len, watched)) == len(set().union(*watched)) == len(accounts)
        and set().union(*watched) == set(accounts)
        and all(i.sync.connected == len(i.watched) for i in instances)
        # each has listed every account at least once (a round that started before the last
        # account was added counts one fewer; the next round, 1 s later, counts them all)
        and all(i.sync.accounts_total == len(accounts) for i in instances)
    )


async def test_watchers_spread_evenly_and_move_when_an_instance_joins(
    pg_settings: Callable[..., Settings], dovecot: MailStack
) -> None:
    async with contextlib.AsyncExitStack() as stack, receiver() as rec:
        settings = {"watch_lease_seconds": 6.0}
        one = await stack.enter_async_context(instance(pg_settings("one", **settings)))
        two = await stack.enter_async_context(instance(pg_settings("two", **settings)))
        assert await metric(one.client, "mailgate_accounts_watched") == 0
        accounts = await add_accounts(one.client, dovecot, ACCOUNTS)
        resp = await one.client.post(
            "/v1/webhooks", json={"url": rec.url, "events": ["message.new"]}
        )
        assert resp.status_code == 201, resp.text

        await until(
            lambda: _spread(one, two) == [15, 15] and _each_watched_once(accounts, one, two),
            within=60,
            what="30 accounts watched, 15 by each instance",
        )
        for inst in (one, two):
            assert await metric(inst.client, "mailgate_watch_leases_held") == 15
            assert await metric(inst.client, "mailgate_accounts_watched") == 15
            assert await metric(inst.client, "mailgate_accounts_connected") == 15
            assert await metric(inst.client, "mailgate_accounts_total") == ACCOUNTS
            assert await metric(inst.client, "mailgate_instances_live") == 2

        three = await stack.enter_async_context(instance(pg_settings("three", **settings)))
        await until(
            lambda: (
                _spread(one, two, three) == [10, 10, 10]
                and _each_watched_once(accounts, one, two, three)
            ),
            within=60,
            what="the accounts spread over three instances, 10 each",
        )
        for inst in (one, two, three):
            assert await metric(inst.client, "mailgate_instances_live") == 3
            assert await metric(inst.client, "mailgate_watch_leases_held") == 10

        sent = {}
        for account, user in accounts.items():
            message_id, raw = mail(user, f"to {account}")
            sent[message_id] = account
            await asyncio.to_thread(dovecot.deliver, user, raw)
        await rec.wait_for(ACCOUNTS, within=30)
        await quiet_for()  # nothing twice
    got = Counter(r.json()["data"]["message_id"] for r in rec.requests)
    assert got == Counter(list(sent))


async def test_a_killed_instances_accounts_are_watched_again_within_15_s_events_once(
    pg_settings: Callable[..., Settings], pg_database: str, dovecot: MailStack, tmp_path: Path
) -> None:
    port = free_port()
    victim_env = gateway_env(pg_database, GATEWAY_INSTANCE_ID="victim")
    async with contextlib.AsyncExitStack() as stack, receiver() as rec:
        one = await stack.enter_async_context(instance(pg_settings("one")))
        two = await stack.enter_async_context(instance(pg_settings("two")))
        victim = await stack.enter_async_context(
            gateway_process(victim_env, port, tmp_path / "victim.log")
        )
        accounts = await add_accounts(one.client, dovecot, FAILOVER_ACCOUNTS)
        await one.client.post("/v1/webhooks", json={"url": rec.url, "events": ["message.new"]})
        leases = LeaseRepo(one.app.state.services.store)
        third = FAILOVER_ACCOUNTS // 3

        async def victims() -> set[str]:
            return {
                lease.name.removeprefix("watch:")
                for lease in await leases.held("watch:")
                if lease.owner.startswith("victim#")
            }

        victim_client = await stack.enter_async_context(
            httpx.AsyncClient(
                base_url=f"http://127.0.0.1:{port}",
                headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
                timeout=30,
            )
        )

        async def settled() -> bool:
            # every account watched once, each instance's share within +-20 % of a third,
            # and every watcher past its first sync (the victim's too: mail that comes before
            # an account's first look is its starting point, not news)
            held = [len(one.watched), len(two.watched), len(await victims())]
            return (
                sum(held) == FAILOVER_ACCOUNTS
                and all(0.8 * third <= n <= 1.2 * third for n in held)
                and all(i.sync.connected == len(i.watched) for i in (one, two))
                and len(set(one.watched) | set(two.watched) | await victims()) == FAILOVER_ACCOUNTS
                and await metric(victim_client, "mailgate_accounts_connected") == held[2]
            )

        await until(settled, within=90, what="300 accounts watched, a third by each instance")
        its_accounts = await victims()
        sse = [
            await stack.enter_async_context(open_sse(i.client, {"types": "message.new"}))
            for i in (one, two)
        ]
        for reader in sse:
            await reader.wait_for(lambda _e, r=reader: "connected" in r.comments)

        victim.send_signal(signal.SIGKILL)  # a crash: its leases stay until they run out
        killed = time.monotonic()
        await asyncio.to_thread(victim.wait, 10)
        sent = {}
        for account in sorted(its_accounts) + sorted(set(accounts) - its_accounts)[:4]:
            message_id, raw = mail(accounts[account], f"during failover, to {account}")
            sent[message_id] = account
            await asyncio.to_thread(dovecot.deliver, accounts[account], raw)

        await until(
            lambda: _each_watched_once(accounts, one, two),
            within=FAILOVER + 5,
            every=0.1,
            what="every account watched by the two others",
        )
        took = time.monotonic() - killed
        assert took < FAILOVER, f"the accounts were watched again {took:.1f} s after the kill"
        assert _spread(one, two) == [FAILOVER_ACCOUNTS // 2] * 2

        await rec.wait_for(len(sent), within=30)
        for reader in sse:
            await reader.wait_for(lambda events: len(events) >= len(sent), within=30)
        await quiet_for(2 * 1.5)  # nothing reported twice, by any instance
        for received in (
            [r.json()["data"]["message_id"] for r in rec.requests],
            *([e["data"]["message_id"] for e in reader.events] for reader in sse),
        ):
            assert Counter(received) == Counter(list(sent))
