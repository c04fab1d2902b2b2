"""One watcher connection per account (issue #15): INBOX's IDLE session polls the other
mailboxes too, so an account that watches INBOX alone holds one IMAP connection, counted
by Dovecot (``doveadm who``); each of its ``watch_mailboxes`` adds one. Mail delivered to
INBOX and to a mailbox created later (found by the poll on that same connection) is still
reported, and the count never goes above one meanwhile."""

from __future__ import annotations

import asyncio
import subprocess

from gateway.settings import Settings
from tests.conftest import account_spec, running_client
from tests.events.receiver import receiver
from tests.mailstack import MailStack
from tests.sync.helpers import imap_client, message

_EVENTS = ["message.new", "mailbox.created", "account.error"]


def imap_connections(stack: MailStack, user: str) -> int:
    """The user's IMAP connections as Dovecot counts them."""
    out = subprocess.run(
        ["doveadm", "-c", str(stack.dovecot_conf), "who", "-1", user],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout
    return sum(1 for line in out.splitlines()[1:] if line.split()[1:2] == ["imap"])


def _other_client(stack: MailStack, user: str, *steps: tuple[str, str]) -> None:
    imap = imap_client(stack, user)
    try:
        for verb, mailbox in steps:
            if verb == "append":
                typ, _ = imap.append(mailbox, None, None, bytes(message(user, f"in {mailbox}")))
            else:
                typ, _ = getattr(imap, verb)(mailbox)
            assert typ == "OK", (verb, mailbox)
    finally:
        imap.logout()


async def _sampled(stack: MailStack, user: str, counts: list[int], stop: asyncio.Event) -> None:
    while not stop.is_set():
        counts.append(await asyncio.to_thread(imap_connections, stack, user))
        await asyncio.sleep(0.1)


async def test_a_watched_account_holds_one_imap_connection(
    settings: Settings, dovecot: MailStack
) -> None:
    settings = settings.model_copy(update={"watch_poll_interval": 0.5})  # polls often
    user = dovecot.new_user("one")
    async with receiver() as rec, running_client(settings) as client:
        spec = account_spec(dovecot, user, protocols=("imap",))
        assert (await client.post("/v1/accounts", json=spec)).status_code == 201
        assert (
            await client.post("/v1/webhooks", json={"url": rec.url, "events": _EVENTS})
        ).status_code == 201
        sync = client.app.state.services.sync
        async with asyncio.timeout(20):
            await sync.wait_ready(spec["id"])
        counts: list[int] = []
        stop = asyncio.Event()
        sampler = asyncio.create_task(_sampled(dovecot, user, counts, stop))
        try:
            await asyncio.to_thread(dovecot.deliver, user, bytes(message(user, "to INBOX")))
            await rec.wait_until(lambda _r: rec.data_of("message.new"), within=10)
            await asyncio.to_thread(
                _other_client, dovecot, user, ("create", "Later"), ("append", "Later")
            )
            await rec.wait_until(lambda _r: len(rec.data_of("message.new")) >= 2, within=10)
            await asyncio.to_thread(dovecot.deliver, user, bytes(message(user, "again")))
            await rec.wait_until(lambda _r: len(rec.data_of("message.new")) >= 3, within=10)
            await asyncio.sleep(1.2)  # scenario: two more polls on the same connection
        finally:
            stop.set()
            await sampler
    assert [e["mailbox"] for e in rec.data_of("mailbox.created")] == ["Later"]
    assert [e["mailbox"] for e in rec.data_of("message.new")] == ["INBOX", "Later", "INBOX"]
    assert rec.data_of("account.error") == []
    assert len(counts) >= 5
    assert set(counts) == {1}, counts  # the account's one connection, IDLE and polls alike


async def test_each_watched_mailbox_adds_one_connection(
    settings: Settings, dovecot: MailStack
) -> None:
    user = dovecot.new_user("two")
    await asyncio.to_thread(_other_client, dovecot, user, ("create", "Work"))
    async with running_client(settings) as client:
        spec = account_spec(dovecot, user, protocols=("imap",), watch_mailboxes=["Work"])
        assert (await client.post("/v1/accounts", json=spec)).status_code == 201
        sync = client.app.state.services.sync
        async with asyncio.timeout(20):
            await sync.wait_ready(spec["id"])
            while await asyncio.to_thread(imap_connections, dovecot, user) < 2:  # noqa: ASYNC110
                await asyncio.sleep(0.1)
        await asyncio.sleep(1.5)  # scenario: polls meanwhile open nothing more
        assert await asyncio.to_thread(imap_connections, dovecot, user) == 2
