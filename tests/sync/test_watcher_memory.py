"""A watched account that nobody reads holds nothing per message in the gateway's memory
(issue #15, item 1): between syncs its watcher keeps each mailbox's head (UIDVALIDITY,
UIDNEXT, HIGHESTMODSEQ, count) and reads the UID -> flags map from the store when a change
needs it; flag changes and new mail are still reported exactly, on each IMAP server."""

from __future__ import annotations

import asyncio

from gateway.settings import Settings
from gateway.sync.imap_watcher import ImapWatcher
from tests.conftest import account_spec, running_client
from tests.events.receiver import receiver
from tests.mailstack import MailStack
from tests.sync.helpers import imap_client, message
from tests.waiting import quiet_for

_EVENTS = ["message.new", "message.flags"]


def _flag_one(stack: MailStack, user: str, uid: int) -> None:
    imap = imap_client(stack, user)
    try:
        imap.select("INBOX")
        typ, _ = imap.uid("STORE", str(uid), "+FLAGS", r"(\Flagged)")
        assert typ == "OK"
    finally:
        imap.logout()


async def test_a_watched_mailbox_keeps_only_its_head_in_memory(
    settings: Settings, mailstack: MailStack
) -> None:
    user = mailstack.new_user("heads")
    mailstack.seed_maildir(user, [bytes(message(user, f"m{i}")) for i in range(30)])
    async with receiver() as rec, running_client(settings) as client:
        spec = account_spec(mailstack, user, protocols=("imap",))
        assert (await client.post("/v1/accounts", json=spec)).status_code == 201
        assert (
            await client.post("/v1/webhooks", json={"url": rec.url, "events": _EVENTS})
        ).status_code == 201
        sync = client.app.state.services.sync
        async with asyncio.timeout(20):
            await sync.wait_ready(spec["id"])
        (watcher,) = [w for w in sync.watchers(spec["id"]) if isinstance(w, ImapWatcher)]

        def inbox():
            assert watcher._syncer is not None
            return watcher._syncer.states["INBOX"]

        head = inbox()
        assert not head.flags_loaded and head.flags == {} and head.messages == 30

        listed = await client.get(
            f"/v1/accounts/{spec['id']}/mailboxes/INBOX/messages", params={"limit": 1}
        )
        newest = listed.json()["items"][0]
        await asyncio.to_thread(_flag_one, mailstack, user, newest["uid"])
        await rec.wait_until(lambda _r: rec.data_of("message.flags"), within=15)
        (flagged,) = rec.data_of("message.flags")
        assert flagged["id"] == newest["id"]
        assert flagged["added"] == ["\\Flagged"] and flagged["removed"] == []

        await asyncio.to_thread(mailstack.deliver, user, bytes(message(user, "one more")))
        await rec.wait_until(lambda _r: rec.data_of("message.new"), within=15)
        assert [n["subject"] for n in rec.data_of("message.new")] == ["one more"]
        await quiet_for()  # nothing reported twice
        head = inbox()
        assert not head.flags_loaded and head.flags == {} and head.messages == 31
    kinds = [r.json()["type"] for r in rec.requests]
    assert kinds.count("message.new") == 1 and kinds.count("message.flags") == 1
