"""A watched mailbox deleted and created again by another client, on Dovecot and Cyrus.

At once (DELETE then CREATE): one ``mailbox.reset`` (its ids are stale), then ``message.new``
for mail delivered into the new mailbox, within seconds, whether the mailbox has its own
IDLE session (``watch_mailboxes``) or is polled. Dovecot ends the IDLE session of a deleted
mailbox with BYE; Cyrus says nothing to it at all. Created again later: the watcher reports
``mailbox.deleted``, ``mailbox.created`` and its messages as new, without the reconnect
backoff of a failing server.
"""

from __future__ import annotations

import asyncio

import httpx

from gateway.settings import Settings
from tests.conftest import account_spec, running_client
from tests.events.receiver import Receiver, receiver
from tests.mailstack import MailStack
from tests.sync.helpers import imap_client, message
from tests.waiting import quiet_for

_EVENTS = ["message.new", "mailbox.reset", "mailbox.created", "mailbox.deleted", "account.error"]


def _events(rec: Receiver, *types: str) -> list[dict]:
    return [r.json() for r in rec.requests if r.json()["type"] in types]


def _other_client(stack: MailStack, user: str, *steps: tuple[str, str]) -> None:
    """Another mail client: ("create"|"delete"|"append", mailbox) in order, one session."""
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


async def _watching(
    client: httpx.AsyncClient, stack: MailStack, user: str, rec: Receiver, mailbox: str, **extra
) -> str:
    """The account watched, with ``mailbox`` synced once (its state stored)."""
    spec = account_spec(stack, user, protocols=("imap",), **extra)
    assert (await client.post("/v1/accounts", json=spec)).status_code == 201
    await client.post("/v1/webhooks", json={"url": rec.url, "events": _EVENTS})
    sync = client.app.state.services.sync
    async with asyncio.timeout(20):
        await sync.wait_ready(spec["id"])
        # polling the service's own state: there is no event for "first synced"
        while mailbox not in await sync.repo.load(spec["id"]):  # noqa: ASYNC110
            await asyncio.sleep(0.05)
    return spec["id"]


async def _recreated_at_once(
    client: httpx.AsyncClient, stack: MailStack, user: str, rec: Receiver, mailbox: str
) -> None:
    await asyncio.to_thread(_other_client, stack, user, ("append", mailbox))
    await rec.wait_until(lambda _r: _events(rec, "message.new"), within=10)
    await asyncio.to_thread(_other_client, stack, user, ("delete", mailbox), ("create", mailbox))
    await rec.wait_until(lambda _r: _events(rec, "mailbox.reset", "mailbox.created"), within=8)
    await asyncio.to_thread(_other_client, stack, user, ("append", mailbox))
    await rec.wait_until(lambda _r: len(_events(rec, "message.new")) >= 2, within=8)
    await quiet_for()  # nothing else may follow
    types = [e["type"] for e in _events(rec, *_EVENTS)]
    # A poll that falls between DELETE and CREATE (a few ms) sees the mailbox gone, then
    # back: mailbox.deleted and mailbox.created say as much as the reset.
    assert types in (
        ["message.new", "mailbox.reset", "message.new"],
        ["message.new", "mailbox.deleted", "mailbox.created", "message.new"],
    ), types
    for reset in _events(rec, "mailbox.reset"):
        assert reset["data"]["mailbox"] == mailbox and reset["data"]["total"] == 0
        assert reset["data"]["uidvalidity"] != reset["data"]["previous_uidvalidity"]
    old, new = _events(rec, "message.new")
    assert old["data"]["mailbox"] == new["data"]["mailbox"] == mailbox
    assert new["data"]["id"] != old["data"]["id"]


async def test_idled_mailbox_recreated_gives_reset_then_new_mail(
    settings: Settings, imap_server: MailStack
) -> None:
    user = imap_server.new_user("rc")
    await asyncio.to_thread(_other_client, imap_server, user, ("create", "Work"))
    async with receiver() as rec, running_client(settings) as client:
        await _watching(client, imap_server, user, rec, "Work", watch_mailboxes=["Work"])
        await _recreated_at_once(client, imap_server, user, rec, "Work")


async def test_polled_mailbox_recreated_gives_reset_then_new_mail(
    settings: Settings, imap_server: MailStack
) -> None:
    settings = settings.model_copy(update={"watch_poll_interval": 0.5})
    user = imap_server.new_user("rp")
    await asyncio.to_thread(_other_client, imap_server, user, ("create", "Polled"))
    async with receiver() as rec, running_client(settings) as client:
        await _watching(client, imap_server, user, rec, "Polled")
        await _recreated_at_once(client, imap_server, user, rec, "Polled")


async def test_idled_mailbox_created_again_later_reports_its_mail(
    settings: Settings, imap_server: MailStack
) -> None:
    user = imap_server.new_user("rl")
    await asyncio.to_thread(_other_client, imap_server, user, ("create", "Work"))
    async with receiver() as rec, running_client(settings) as client:
        await _watching(client, imap_server, user, rec, "Work", watch_mailboxes=["Work"])
        await asyncio.to_thread(_other_client, imap_server, user, ("delete", "Work"))
        await rec.wait_until(lambda _r: _events(rec, "mailbox.deleted"), within=8)
        await asyncio.sleep(6)  # scenario: long enough for a reconnect backoff to grow past 4 s
        await asyncio.to_thread(
            _other_client, imap_server, user, ("create", "Work"), ("append", "Work")
        )
        await rec.wait_until(lambda _r: _events(rec, "message.new"), within=6)
        await asyncio.to_thread(_other_client, imap_server, user, ("append", "Work"))
        await rec.wait_until(lambda _r: len(_events(rec, "message.new")) >= 2, within=6)
        await quiet_for()  # nothing else may follow
    types = [e["type"] for e in _events(rec, *_EVENTS)]
    assert types == ["mailbox.deleted", "mailbox.created", "message.new", "message.new"], types
    assert {e["data"]["mailbox"] for e in _events(rec, *_EVENTS)} == {"Work"}
    assert len({e["data"]["uid"] for e in _events(rec, "message.new")}) == 2
