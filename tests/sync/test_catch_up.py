"""Catch-up from the stored state: gateway restarts, UIDVALIDITY changes, new mailboxes."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter

import httpx

from gateway.settings import Settings
from tests.conftest import account_spec, running_client
from tests.events.receiver import Receiver, receiver
from tests.mailstack import MailStack
from tests.sync.helpers import imap_client, message
from tests.waiting import QUIET, quiet_for, until


async def _start_watching(client: httpx.AsyncClient, account: str) -> None:
    async with asyncio.timeout(20):
        await client.app.state.services.sync.wait_ready(account)


def _uids(rec: Receiver, type_: str, mailbox: str = "INBOX") -> Counter:
    return Counter(
        r.json()["data"]["uid"]
        for r in rec.requests
        if r.json()["type"] == type_ and r.json()["data"]["mailbox"] == mailbox
    )


async def test_restart_while_mail_arrives_reports_each_message_once(
    settings: Settings, mailstack: MailStack
) -> None:
    user = mailstack.new_user("r")
    account = user.split("@")[0]
    async with receiver() as rec:
        async with running_client(settings) as client:
            assert (
                await client.post("/v1/accounts", json=account_spec(mailstack, user))
            ).status_code == 201
            await client.post("/v1/webhooks", json={"url": rec.url, "events": ["message.*"]})
            await _start_watching(client, account)
            await asyncio.to_thread(mailstack.deliver, user, bytes(message(user, "before")))
            await rec.wait_for(1)

            done = threading.Event()

            def trickle() -> None:
                for i in range(12):
                    mailstack.deliver(user, bytes(message(user, f"during {i}")))
                    threading.Event().wait(0.1)
                done.set()

            thread = threading.Thread(target=trickle)
            thread.start()
            await asyncio.sleep(0.3)  # scenario: watched while mail keeps arriving
        # stopped while mail keeps arriving ...
        await asyncio.sleep(0.3)  # scenario: mail arrives while no gateway runs
        async with running_client(settings) as client:
            await _start_watching(client, account)
            await asyncio.to_thread(thread.join)
            await rec.wait_for(13, within=20)
            await quiet_for()  # nothing reported twice
    counts = _uids(rec, "message.new")
    assert sorted(counts) == list(range(1, 14))
    assert set(counts.values()) == {1}, counts  # none twice
    assert len(rec.requests) == 13


async def test_uidvalidity_change_gives_one_reset_and_no_flood(
    settings: Settings, mailstack: MailStack
) -> None:
    user = mailstack.new_user("v")
    account = user.split("@")[0]

    def recreate_work(count: int, *, delete: bool) -> None:
        imap = imap_client(mailstack, user)
        if delete:
            assert imap.delete("Work")[0] == "OK"
        assert imap.create("Work")[0] == "OK"
        for i in range(count):
            imap.append("Work", None, None, bytes(message(user, f"work {i}")))
        imap.logout()

    await asyncio.to_thread(recreate_work, 3, delete=False)
    async with receiver() as rec:
        async with running_client(settings) as client:
            assert (
                await client.post("/v1/accounts", json=account_spec(mailstack, user))
            ).status_code == 201
            await client.post("/v1/webhooks", json={"url": rec.url, "events": ["*"]})
            await _start_watching(client, account)

            async def work_polled() -> bool:  # a poll (every second here) saw Work
                return "Work" in await client.app.state.services.sync.repo.load(account)

            await until(work_polled, within=10, what="a poll of Work")
        await asyncio.to_thread(recreate_work, 4, delete=True)
        async with running_client(settings) as client:
            await _start_watching(client, account)
            await rec.wait_for(2, within=10)
            await quiet_for(2 * QUIET)  # more polls (every second here): nothing else
    types = [r.json()["type"] for r in rec.requests if r.json()["type"] != "account.connected"]
    assert types == ["mailbox.reset"], types
    reset = next(r.json() for r in rec.requests if r.json()["type"] == "mailbox.reset")
    assert reset["data"]["mailbox"] == "Work" and reset["data"]["total"] == 4
    assert reset["data"]["uidvalidity"] != reset["data"]["previous_uidvalidity"]


# 'Projects/Ä "x"' as imaplib must send it: modified UTF-7 (RFC 3501 5.1.3), quoted.
# Cyrus refuses '"' in names: there 'Projects/Ä x'.
_NAMES = {
    "dovecot": ('Projects/Ä "x"', '"Projects/&AMQ- \\"x\\""'),
    "cyrus": ("Projects/Ä x", '"Projects/&AMQ- x"'),
}


async def test_mailboxes_created_and_deleted_and_polled(
    settings: Settings, mailstack: MailStack
) -> None:
    user = mailstack.new_user("m")
    account = user.split("@")[0]
    name, wire_name = _NAMES[mailstack.server]
    async with receiver() as rec, running_client(settings) as client:
        assert (
            await client.post("/v1/accounts", json=account_spec(mailstack, user))
        ).status_code == 201
        await client.post(
            "/v1/webhooks", json={"url": rec.url, "events": ["mailbox.*", "message.new"]}
        )
        await _start_watching(client, account)
        repo = client.app.state.services.sync.repo

        async def first_poll_done() -> bool:  # the baseline: what changes after it is reported
            return (
                "Archive" in await repo.load(account)
                and await repo.load_snapshot(account, "list") is not None
            )

        await until(first_poll_done, within=10, what="a first poll")

        def create_and_fill() -> None:
            imap = imap_client(mailstack, user)
            assert imap.create(wire_name)[0] == "OK"
            imap.append("Archive", None, None, bytes(message(user, "archived")))
            imap.logout()

        await asyncio.to_thread(create_and_fill)
        await rec.wait_for(2, within=10)

        def delete() -> None:
            imap = imap_client(mailstack, user)
            assert imap.delete(wire_name)[0] == "OK"
            imap.logout()

        await asyncio.to_thread(delete)
        await rec.wait_for(3, within=10)
        await quiet_for()  # nothing else may follow
    seen = [(r.json()["type"], r.json()["data"].get("mailbox")) for r in rec.requests]
    assert ("mailbox.created", name) in seen
    assert ("message.new", "Archive") in seen
    assert ("mailbox.deleted", name) in seen
    if mailstack.server == "cyrus":
        # Cyrus creates the missing parent as a mailbox of its own (and keeps it); Dovecot
        # only lists it as \NonExistent, which is no mailbox.
        assert ("mailbox.created", "Projects") in seen
        assert len(seen) == 4, seen
    else:
        assert len(seen) == 3, seen
