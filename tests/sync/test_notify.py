"""IMAP NOTIFY (RFC 5465) where the server offers it (issue #15, item 1): the watcher's one
connection learns of changes in mailboxes it does not IDLE on from the server, at once,
instead of polling them. Dovecot offers NOTIFY; the poll interval here is an hour, so only
NOTIFY can bring these events in time, and the same scenario with NOTIFY turned off
(``GATEWAY_WATCH_NOTIFY=false``) reports nothing. Cyrus has no NOTIFY: its watcher polls
(tests/sync/test_one_connection.py, test_catch_up.py)."""

from __future__ import annotations

import asyncio

import pytest

from gateway.settings import Settings
from tests.conftest import account_spec, running_client
from tests.events.receiver import Receiver, receiver
from tests.mailstack import MailStack
from tests.sync.helpers import imap_client, message
from tests.waiting import quiet_for, until

_EVENTS = ["message.new", "message.flags", "message.deleted", "mailbox.created"]


@pytest.fixture
def mailstack(dovecot: MailStack) -> MailStack:
    return dovecot


def _other_client(stack: MailStack, user: str, *steps: tuple) -> None:
    imap = imap_client(stack, user)
    try:
        for verb, *args in steps:
            if verb == "append":
                typ, _ = imap.append(args[0], None, None, bytes(message(user, args[1])))
            elif verb == "flag":
                imap.select(args[0])
                typ, _ = imap.store("1", "+FLAGS", r"(\Flagged)")
            elif verb == "expunge":
                imap.select(args[0])
                imap.store("1", "+FLAGS", r"(\Deleted)")
                typ, _ = imap.expunge()
            else:
                typ, _ = getattr(imap, verb)(*args)
            assert typ == "OK", (verb, args)
    finally:
        imap.logout()


async def _watched(client, rec: Receiver, stack: MailStack, user: str) -> dict:
    spec = account_spec(stack, user, protocols=("imap",))
    assert (await client.post("/v1/accounts", json=spec)).status_code == 201
    hook = {"url": rec.url, "events": _EVENTS}
    assert (await client.post("/v1/webhooks", json=hook)).status_code == 201
    sync = client.app.state.services.sync
    async with asyncio.timeout(20):
        await sync.wait_ready(spec["id"])
    (watcher,) = sync.watchers(spec["id"])
    # The first look at the other mailboxes (right after INBOX's) takes them as they are.
    await until(
        lambda: watcher._syncer is not None and "Projects" in watcher._syncer.states,
        within=10,
        what="the first look at Projects",
    )
    return spec


async def test_other_mailboxes_changes_arrive_through_notify_without_polling(
    settings: Settings, dovecot: MailStack
) -> None:
    settings = settings.model_copy(update={"watch_poll_interval": 3600.0})
    user = dovecot.new_user("notify")
    await asyncio.to_thread(_other_client, dovecot, user, ("create", "Projects"))
    async with receiver() as rec, running_client(settings) as client:
        spec = await _watched(client, rec, dovecot, user)
        (watcher,) = client.app.state.services.sync.watchers(spec["id"])

        await asyncio.to_thread(_other_client, dovecot, user, ("append", "Projects", "first"))
        await rec.wait_until(lambda _r: rec.data_of("message.new"), within=10)
        assert [m["subject"] for m in rec.data_of("message.new")] == ["first"]

        await asyncio.to_thread(_other_client, dovecot, user, ("flag", "Projects"))
        await rec.wait_until(lambda _r: rec.data_of("message.flags"), within=10)
        assert rec.data_of("message.flags")[0]["added"] == ["\\Flagged"]

        await asyncio.to_thread(_other_client, dovecot, user, ("expunge", "Projects"))
        await rec.wait_until(lambda _r: rec.data_of("message.deleted"), within=10)

        await asyncio.to_thread(
            _other_client, dovecot, user, ("create", "Later"), ("append", "Later", "in later")
        )
        await rec.wait_until(
            lambda _r: rec.data_of("mailbox.created") and len(rec.data_of("message.new")) == 2,
            within=10,
        )
        assert rec.data_of("mailbox.created")[0]["mailbox"] == "Later"
        assert rec.data_of("message.new")[1]["subject"] == "in later"

        await asyncio.to_thread(dovecot.deliver, user, bytes(message(user, "to inbox")))
        await rec.wait_until(lambda _r: len(rec.data_of("message.new")) == 3, within=10)
        await quiet_for()
        assert watcher.connected
    kinds = [r.json()["type"] for r in rec.requests]
    assert sorted(kinds) == sorted(
        ["message.new"] * 3 + ["message.flags", "message.deleted", "mailbox.created"]
    )


async def test_without_notify_the_other_mailboxes_wait_for_the_poll(
    settings: Settings, dovecot: MailStack
) -> None:
    settings = settings.model_copy(update={"watch_poll_interval": 3600.0, "watch_notify": False})
    user = dovecot.new_user("polled")
    await asyncio.to_thread(_other_client, dovecot, user, ("create", "Projects"))
    async with receiver() as rec, running_client(settings) as client:
        await _watched(client, rec, dovecot, user)
        await asyncio.to_thread(_other_client, dovecot, user, ("append", "Projects", "unseen"))
        await quiet_for(3.0)  # scenario: NOTIFY brings it in well under a second
        assert rec.data_of("message.new") == []
        await asyncio.to_thread(dovecot.deliver, user, bytes(message(user, "to inbox")))
        await rec.wait_until(lambda _r: rec.data_of("message.new"), within=10)
        assert [m["subject"] for m in rec.data_of("message.new")] == ["to inbox"]
