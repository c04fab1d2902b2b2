"""A burst of deliveries while the watcher syncs: every message is reported, none held back."""

from __future__ import annotations

import asyncio

import httpx

from tests.conftest import account_spec
from tests.events.sse_client import open_sse
from tests.mailstack import MailStack

BURSTS = 3
PER_BURST = 30
STREAMS = 4


def _raw(to: str, n: int) -> bytes:
    return (
        f"From: burst@example.test\r\nTo: {to}\r\nSubject: burst {n}\r\n"
        f"Message-ID: <burst-{n}@example.test>\r\n\r\nbody {n}\r\n"
    ).encode()


async def test_no_event_is_held_back_after_a_burst(
    live: httpx.AsyncClient, mailstack: MailStack
) -> None:
    """The watcher keeps syncing while mail keeps arriving, and never goes back to IDLE
    with a change it saw but did not report (it used to stop after 5 rounds, and the rest
    waited for the next delivery)."""
    user = mailstack.new_user("burst")
    resp = await live.post("/v1/accounts", json=account_spec(mailstack, user))
    assert resp.status_code == 201, resp.text
    account = resp.json()["id"]
    async with asyncio.timeout(20):
        await live.app.state.services.sync.wait_ready(account)
    async with open_sse(live, {"account": account, "types": "message.new"}) as sse:
        await sse.wait_for(lambda _e: "connected" in sse.comments)
        sent = 0
        for _ in range(BURSTS):
            # Several LMTP connections at once: mail arrives faster than a sync round.
            batches = [
                [_raw(user, sent + k * PER_BURST + i) for i in range(PER_BURST)]
                for k in range(STREAMS)
            ]
            counts = await asyncio.gather(
                *(asyncio.to_thread(mailstack.deliver_many, user, batch) for batch in batches)
            )
            sent += sum(counts)
            # No further delivery follows to wake the watcher: what it saw must be reported.
            await sse.wait_for(lambda ev, n=sent: len(ev) >= n, within=10)
        subjects = sorted(e["data"]["subject"] for e in sse.events)
        assert subjects == sorted(f"burst {n}" for n in range(sent))
