"""Start-up and operations on one instance and the session's Dovecot: watchers log in at
the configured rate per server (counted in Dovecot's log) while a request's login goes
first; /readyz follows the share of watched accounts connected; /metrics counts what
changes (issue #15, items 2 and 5)."""

from __future__ import annotations

import asyncio
import re
import time
from collections import Counter

from gateway.settings import Settings
from tests.conftest import running_client
from tests.events.receiver import receiver
from tests.events.sse_client import open_sse
from tests.mailstack import MailStack
from tests.waiting import until

from .helpers import add_accounts, instance, mail, metric

WATCHERS = 8  # one IMAP session each
_LOGIN = re.compile(r"^\w{3} \d\d (\d\d:\d\d:\d\d) imap-login: Info: Login: user=<([^>]+)>")


def _logins(stack: MailStack, users: set[str]) -> list[str]:
    """The second (hh:mm:ss) of each IMAP login of ``users`` in Dovecot's log."""
    out = []
    with open(stack.dir / "log" / "dovecot.log", errors="replace") as log:
        for line in log:
            found = _LOGIN.match(line)
            if found and found.group(2) in users:
                out.append(found.group(1))
    return out


async def test_watchers_log_in_at_the_rate_per_server_and_a_request_goes_first(
    settings: Settings, dovecot: MailStack
) -> None:
    rate = {"connect_rate_per_host": 2.0, "connect_burst_per_host": 1, "watch_poll_interval": 1.0}
    async with running_client(settings.model_copy(update=rate)) as client:
        logins = client.app.state.services.accounts.logins
        sync = client.app.state.services.sync
        accounts = await add_accounts(client, dovecot, WATCHERS, prefix="rate")
        users = set(accounts.values())
        await until(
            lambda: logins.waiting(background=True) >= 4,
            within=15,
            what="the watchers' logins queued",
        )
        asked = time.monotonic()
        resp = await client.get(f"/v1/accounts/{next(iter(accounts))}/mailboxes")
        took = time.monotonic() - asked
        assert resp.status_code == 200, resp.text
        assert took < 2.5, f"the request waited {took:.1f} s for a login"
        assert logins.waiting(background=True) >= 1  # watchers still queued: it went first
        started = time.monotonic()
        await until(
            lambda: len(_logins(dovecot, users)) >= WATCHERS + 1,
            within=30,
            what="every watcher's session and the request's logged in",
        )
        async with asyncio.timeout(10):
            for account in accounts:
                await sync.wait_ready(account)
    seconds = _logins(dovecot, users)
    # 2 a second and 1 at once: no second of Dovecot's log holds more than 3 (+1 for a
    # login that took a while to be logged); without the limit all 9 come in one second.
    assert max(Counter(seconds).values()) <= 4, Counter(seconds)
    assert len(set(seconds)) >= 4, seconds  # 9 logins at 2/s: spread over 4 s or more
    assert time.monotonic() - started > 1


async def test_readyz_follows_the_share_of_watched_accounts_connected(
    settings: Settings, dovecot: MailStack
) -> None:
    ready_at_half = settings.model_copy(
        update={"ready_min_connected": 0.5, "reconnect_base_delay": 5.0}
    )
    async with running_client(ready_at_half) as client:
        sync = client.app.state.services.sync
        assert (await client.get("/readyz")).status_code == 200  # nothing to watch yet
        good = next(iter(await add_accounts(client, dovecot, 1, prefix="rdy")))
        broken = []
        for n in range(2):  # a server that refuses connections
            resp = await client.post(
                "/v1/accounts",
                json={
                    "id": f"down-{n}",
                    "name": "down",
                    "email": f"down{n}@example.test",
                    "imap": {
                        "host": "127.0.0.1",
                        "port": 9,
                        "security": "none",
                        "username": "u",
                        "password": "p",
                    },
                },
            )
            assert resp.status_code == 201, resp.text
            broken.append(f"down-{n}")
        await until(
            lambda: len(sync.watched) == 3 and sync.connected == 1,
            within=20,
            what="the good account connected, the others failing",
        )
        resp = await client.get("/readyz")
        assert resp.status_code == 503, resp.text
        assert resp.json()["code"] == "accounts_not_connected"
        assert "1 of the 3 accounts" in resp.json()["detail"]
        assert (await client.delete(f"/v1/accounts/{broken[0]}")).status_code == 204
        await until(lambda: len(sync.watched) == 2, within=10, what="one account fewer")
        assert (await client.get("/readyz")).status_code == 200  # 1 of 2: half
        assert good in sync.watched


async def test_metrics_count_event_lag_queues_and_connections(
    settings: Settings, dovecot: MailStack
) -> None:
    hooks = settings.model_copy(update={"webhook_allow_private": True, "sse_heartbeat": 0.5})
    async with instance(hooks) as gw, receiver() as rec:
        lag = 'mailgate_event_lag_seconds_count{sink="%s"}'
        assert await metric(gw.client, lag % "sse") == 0
        assert await metric(gw.client, 'mailgate_outbox_queue_depth{status="queued"}') == 0
        assert await metric(gw.client, "mailgate_webhook_queue_depth") == 0
        accounts = await add_accounts(
            gw.client, dovecot, 1, protocols=("imap", "smtp"), prefix="met"
        )
        ((account, user),) = accounts.items()
        await gw.client.post("/v1/webhooks", json={"url": rec.url, "events": ["message.new"]})
        async with asyncio.timeout(20):
            await gw.sync.wait_ready(account)
        assert await metric(gw.client, "mailgate_accounts_watched") == 1
        in_use = 'mailgate_upstream_open_connections{protocol="imap",state="in_use"}'
        assert await metric(gw.client, in_use) >= 1  # the watcher's IDLE session
        async with open_sse(gw.client, {"types": "message.new"}) as sse:
            await sse.wait_for(lambda _e: "connected" in sse.comments)
            await asyncio.to_thread(dovecot.deliver, user, mail(user, "lag")[1])
            await sse.wait_for(lambda events: len(events) == 1, within=20)
            await rec.wait_for(1, within=20)
        assert await metric(gw.client, lag % "sse") == 1
        await until(
            lambda: metric(gw.client, lag % "webhook"), within=10, what="the webhook's lag recorded"
        )
        assert await metric(gw.client, 'mailgate_event_lag_seconds_sum{sink="sse"}') < 20
        assert await metric(gw.client, "mailgate_logins_granted") >= 1  # the watcher's


async def test_adding_changing_and_removing_an_account_leaves_the_others_alone(
    settings: Settings, dovecot: MailStack
) -> None:
    async with running_client(settings) as client:
        sync = client.app.state.services.sync
        accounts = await add_accounts(client, dovecot, 5, prefix="churn")
        async with asyncio.timeout(20):
            for account in accounts:
                await sync.wait_ready(account)
        before = {account: sync.watchers(account)[0] for account in accounts}
        removed, changed, *others = list(accounts)
        others_users = {accounts[a] for a in others}
        logins_before = len(_logins(dovecot, others_users))

        assert (await client.delete(f"/v1/accounts/{removed}")).status_code == 204
        resp = await client.patch(f"/v1/accounts/{changed}", json={"name": "renamed"})
        assert resp.status_code == 200, resp.text
        ((added, _),) = (await add_accounts(client, dovecot, 1, prefix="churn")).items()
        async with asyncio.timeout(20):
            await sync.wait_ready(added)
            await until(
                lambda: removed not in sync.watched,
                within=10,
                what="the removed account's watcher stopped",
            )
            await until(
                lambda: sync.watchers(changed) and sync.watchers(changed)[0] is not before[changed],
                within=10,
                what="the changed account's fresh watcher",
            )
        for account in others:  # the very same watchers, never logged in again
            assert sync.watchers(account) == [before[account]]
            assert before[account].connected
        assert len(_logins(dovecot, others_users)) == logins_before
