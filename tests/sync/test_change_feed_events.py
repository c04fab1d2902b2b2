"""Push carries state (issue #14, item 2): a watcher's events (webhook and SSE) carry the
account's state once the change they report is in its change feed, so a client that sees an
event's state past its own pulls ``/changes`` and finds the change there, and pulling from
the event's state finds nothing more. Against Dovecot and Cyrus."""

from __future__ import annotations

import asyncio

import httpx

from tests.conftest import account_spec
from tests.events.receiver import receiver
from tests.events.sse_client import open_sse
from tests.mailstack import MailStack
from tests.sync.helpers import imap_client, message


async def test_events_carry_the_state_that_covers_their_change(
    live: httpx.AsyncClient, mailstack: MailStack
) -> None:
    user = mailstack.new_user("ev")
    spec = account_spec(mailstack, user, protocols=("imap",))
    account = spec["id"]
    async with receiver() as rec:
        assert (await live.post("/v1/accounts", json=spec)).status_code == 201
        await live.post(
            "/v1/webhooks",
            json={
                "url": rec.url,
                "accounts": [account],
                "events": ["message.new", "message.flags", "message.deleted"],
            },
        )
        async with asyncio.timeout(20):
            await live.app.state.services.sync.wait_ready(account)
        assert (await live.get(f"/v1/accounts/{account}/mailboxes")).status_code == 200
        listing = await live.get(f"/v1/accounts/{account}/mailboxes/INBOX/messages")
        state = listing.json()["state"]
        async with open_sse(live, {"account": account, "types": "message.new"}) as sse:
            await sse.wait_for(lambda _e: "connected" in sse.comments)
            imap = imap_client(mailstack, user)
            try:
                assert imap.append("INBOX", None, None, bytes(message(user, "pushed")))[0] == "OK"
            finally:
                imap.logout()
            (event,) = await sse.wait_for(lambda ev: len(ev) >= 1)
            (posted,) = await rec.wait_for(1)
        assert posted.json()["state"] == event["state"] and event["state"] not in (None, state)

        missed = (
            await live.get(
                f"/v1/accounts/{account}/mailboxes/INBOX/changes", params={"since": state}
            )
        ).json()
        assert missed["created"] == [event["data"]["id"]]
        caught_up = (
            await live.get(
                f"/v1/accounts/{account}/mailboxes/INBOX/changes", params={"since": event["state"]}
            )
        ).json()
        assert caught_up["created"] == caught_up["updated"] == caught_up["destroyed"] == []

        # A flag change and an expunge: each event's state covers it as well.
        imap = imap_client(mailstack, user)
        try:
            imap.select("INBOX")
            assert imap.uid("STORE", str(event["data"]["uid"]), "+FLAGS", "(\\Flagged)")[0] == "OK"
        finally:
            imap.logout()
        (_, flagged) = await rec.wait_for(2)
        assert flagged.json()["type"] == "message.flags"
        got = (
            await live.get(f"/v1/accounts/{account}/changes", params={"since": event["state"]})
        ).json()
        assert got["updated"] == [event["data"]["id"]]
        after = (
            await live.get(
                f"/v1/accounts/{account}/changes", params={"since": flagged.json()["state"]}
            )
        ).json()
        assert after["updated"] == after["created"] == after["destroyed"] == []
