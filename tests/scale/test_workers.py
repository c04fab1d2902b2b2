"""``mailgate serve --workers 2`` on PostgreSQL and Dovecot/Postfix: both workers serve
requests; each account is watched by one of them (3 each); an SSE client on either worker
gets every event once; each queued message is sent once; POP3 sessions of one account, asked
for through both workers at once, run one at a time (issue #15, item 3). And the refusal on
SQLite."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import os
import signal
import time
from collections import Counter
from email.message import EmailMessage
from pathlib import Path

import asyncpg
import httpx

from gateway.cli import main
from gateway.cli.workers import worker_identity
from gateway.settings import Settings
from tests.conftest import ADMIN_TOKEN
from tests.events.receiver import receiver
from tests.events.sse_client import open_sse
from tests.mailstack import MailStack
from tests.waiting import quiet_for, until

from .helpers import (
    add_accounts,
    client_on,
    free_port,
    gateway_env,
    gateway_process,
    instance_of,
    mail,
    metric,
)

POP3_MESSAGES = 30


def test_workers_are_refused_on_sqlite_with_a_reason(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("GATEWAY_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'g.db'}")
    err = io.StringIO()
    assert main(["serve", "--workers", "2"], stderr=err) == 2
    assert "--workers > 1 needs PostgreSQL" in err.getvalue()
    assert not (tmp_path / "g.db").exists()  # refused before anything was opened


def test_each_worker_has_an_identity_of_its_own_that_survives_restarts() -> None:
    settings = Settings(database_url="sqlite+aiosqlite:///:memory:", secret_key="k", port=8025)
    first, second = (worker_identity(settings, i, hostname="mx1") for i in (1, 2))
    assert (first, second) == ("mx1/127.0.0.1:8025/w1", "mx1/127.0.0.1:8025/w2")
    assert worker_identity(settings, 1, hostname="mx1") == first
    named = settings.model_copy(update={"instance_id": "blue"})
    assert worker_identity(named, 2) == "blue/w2"


async def _watch_leases(database_url: str, *, runs: bool = False) -> dict[str, str]:
    """account -> the identity of the worker that holds its watch lease (``runs``: the
    owner, i.e. the identity and its run)."""
    conn = await asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        rows = await conn.fetch("SELECT name, owner FROM leases WHERE name LIKE 'watch:%'")
    finally:
        await conn.close()
    return {
        r["name"].removeprefix("watch:"): r["owner"] if runs else r["owner"].rpartition("#")[0]
        for r in rows
    }


async def test_two_workers_share_the_work_and_do_each_thing_once(
    pg_database: str, dovecot: MailStack, tmp_path: Path
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = gateway_env(pg_database, GATEWAY_POP3_LOCK_TIMEOUT="60")
    async with (
        gateway_process(env, port, tmp_path / "gateway.log", "--workers", "2") as sup,
        receiver() as rec,
        httpx.AsyncClient(
            base_url=url, timeout=60, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}
        ) as client,
    ):
        seen: set[str] = set()
        for _ in range(60):
            async with httpx.AsyncClient(base_url=url, headers=client.headers) as fresh:
                seen.add(await instance_of(fresh))
            if len(seen) == 2:
                break
        assert sorted(i.rsplit("/", 1)[1] for i in seen) == ["w1", "w2"], seen
        workers = sorted(seen)

        accounts = await add_accounts(
            client, dovecot, 6, protocols=("imap", "smtp", "pop3"), prefix="wk"
        )
        resp = await client.post("/v1/webhooks", json={"url": rec.url, "events": ["message.new"]})
        assert resp.status_code == 201, resp.text

        async def spread() -> bool:
            held = await _watch_leases(pg_database)
            return set(held) == set(accounts) and Counter(held.values()) == {w: 3 for w in workers}

        await until(spread, within=60, what="3 accounts watched by each worker")
        for worker in workers:

            async def connected(worker: str = worker) -> bool:
                async with client_on(url, worker) as on:
                    return await metric(on, "mailgate_accounts_connected") == 3

            await until(connected, within=30, what=f"{worker}'s accounts connected")

        # Every event once on an SSE stream of either worker (and once to the webhook).
        async with contextlib.AsyncExitStack() as streams:
            sse = []
            for worker in workers:
                on = await streams.enter_async_context(client_on(url, worker))
                reader = await streams.enter_async_context(open_sse(on, {"types": "message.new"}))
                await reader.wait_for(lambda _e, r=reader: "connected" in r.comments)
                sse.append(reader)
            sent = []
            for user in accounts.values():
                message_id, raw = mail(user, "to every account")
                sent.append(message_id)
                await asyncio.to_thread(dovecot.deliver, user, raw)
            for reader in sse:
                await reader.wait_for(lambda events: len(events) >= len(sent), within=30)
            await rec.wait_for(len(sent), within=30)
            await quiet_for()
            for received in (
                [r.json()["data"]["message_id"] for r in rec.requests],
                *([e["data"]["message_id"] for e in r.events] for r in sse),
            ):
                assert Counter(received) == Counter(sent)

        # Each queued message sent once, by whichever worker claimed it.
        sender, recipient = list(accounts)[:2]
        queued = []
        for i in range(8):
            resp = await client.post(
                f"/v1/accounts/{sender}/send",
                json={
                    "to": [accounts[recipient]],
                    "subject": f"queued {i}",
                    "text": "hi",
                    "mode": "queue",
                },
            )
            assert resp.status_code == 202, resp.text
            queued.append(resp.json()["queue_id"])

        async def all_sent() -> bool:
            states = [(await client.get(f"/v1/outbox/{q}")).json() for q in queued]
            return all(s["status"] == "sent" for s in states) and states

        for state in await until(all_sent, within=60, what="every queued message sent"):
            assert state["attempts"] == 1, state
        await until(
            lambda: dovecot.maildir_count(accounts[recipient]) == 1 + 8,
            within=30,
            what="8 queued messages delivered",
        )
        await quiet_for()
        assert dovecot.maildir_count(accounts[recipient]) == 1 + 8  # none sent twice

        # One POP3 session of an account at a time, whichever worker is asked: while a
        # retrieval streams through one worker (its reader paused, so the session stays
        # open), a retrieval through the other waits for the maildrop lock.
        pop3_user = accounts[list(accounts)[2]]
        retrieve = f"/v1/accounts/{list(accounts)[2]}/pop3/retrieve"
        await asyncio.to_thread(
            dovecot.seed_maildir, pop3_user, [_big(pop3_user, i) for i in range(POP3_MESSAGES)]
        )
        async with client_on(url, workers[0]) as first, client_on(url, workers[1]) as second:
            async with first.stream(
                "POST",
                retrieve,
                json={"delete": True, "format": "raw"},
                headers={"Accept": "application/x-ndjson"},
            ) as streamed:
                lines = streamed.aiter_lines()
                streamed_lines = [await anext(lines)]  # the session is open, mid-transfer
                other = asyncio.create_task(
                    second.post(retrieve, json={"delete": True, "format": "raw"})
                )
                await quiet_for(2)  # the other worker's retrieval does not get going
                assert not other.done(), "a second POP3 session ran beside the first"
                streamed_lines += [line async for line in lines]
            answer = await other
        assert answer.status_code == 200, answer.text
        uidls = [json.loads(line)["uidl"] for line in streamed_lines if line.startswith('{"uidl"')]
        uidls += [item["uidl"] for item in answer.json()["items"]]
        # The earlier message and the seeded ones, each once.
        assert len(uidls) == len(set(uidls)) == 1 + POP3_MESSAGES
        assert dovecot.maildir_count(pop3_user) == 0

        # A worker that dies is started again and takes its accounts back at once (its
        # new run supersedes the dead one), without waiting for the leases to run out.
        before = await _watch_leases(pg_database, runs=True)
        dead_run = {o for o in before.values() if o.startswith(workers[0] + "#")}
        killed = _worker_pid(sup.pid, workers[0])
        os.kill(killed, signal.SIGKILL)
        await until(
            lambda: _worker_pid(sup.pid, workers[0]) not in (None, killed),
            within=30,
            what="the killed worker started again",
        )
        restarted = time.monotonic()

        async def taken_back() -> bool:
            owners = await _watch_leases(pg_database, runs=True)
            mine = [o for o in owners.values() if o.startswith(workers[0] + "#")]
            return len(mine) == 3 and not dead_run & set(mine)

        await until(taken_back, within=30, what="the restarted worker's accounts taken back")
        assert await _watch_leases(pg_database) == {
            a: w for a, w in ((a, o.rpartition("#")[0]) for a, o in before.items())
        }  # the same accounts
        assert time.monotonic() - restarted < 10  # the 10 s leases had not run out


def _worker_pid(supervisor: int, identity: str) -> int | None:
    """The pid of the supervisor's worker ``identity`` (from its environment)."""
    wanted = f"GATEWAY_INSTANCE_ID={identity}".encode()
    children = Path(f"/proc/{supervisor}/task/{supervisor}/children").read_text().split()
    for pid in map(int, children):
        with contextlib.suppress(OSError):
            if wanted in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0"):
                return pid
    return None


def _big(to: str, i: int) -> bytes:
    """A message of about 500 kB: the stream of 30 of them overflows the socket buffers."""
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "s@example.test", to, f"big {i}"
    msg.set_content(("x" * 76 + "\n") * 6500)
    return bytes(msg)
