"""Issue #14, Done when (1): a client keeps a local copy of an account through ``/changes``
while another IMAP client makes 1,000 random changes (arrivals, flag changes, moves,
deletes, a mailbox rename, a UIDVALIDITY reset), and the gateway is restarted twice in
between (changes made while it is down); at the end the copy equals a fresh full listing.
On Dovecot and Cyrus, with the watchers running (they record into the same feed as the
requests do). The random choices come from a fixed seed, printed (``-s``) and in failures.
"""

from __future__ import annotations

import asyncio
import contextlib
import imaplib
import logging
import os
import random
from collections.abc import AsyncIterator

import httpx
import pytest

from gateway.settings import Settings
from tests.conftest import account_spec, running_client
from tests.mailstack import MailStack
from tests.sync.feed_client import Copy, catch_up, full_listing
from tests.sync.helpers import imap_client, message

log = logging.getLogger(__name__)

# Fixed; MAILGATE_TEST_SEED replays another (a failure prints the seed it ran with).
SEED = int(os.environ.get("MAILGATE_TEST_SEED", "20140014"))
CHANGES = 1000
RESTART_AT = (333, 666)
SYNC_EVERY = 110
FLAGS = ("\\Seen", "\\Flagged", "\\Answered", "$Work", "$Later")


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"watch_poll_interval": 0.5})


class OtherClient:
    """Another mail client (imaplib, one session) making random changes; each call runs in
    a thread, so the in-process gateway's watchers keep running meanwhile."""

    def __init__(self, stack: MailStack, user: str, rng: random.Random) -> None:
        self.stack, self.user, self.rng = stack, user, rng
        self.mailboxes = ["INBOX", "A", "B", "C"]
        self.imap: imaplib.IMAP4 | None = None
        self.count = 0
        self.recreated = False

    def open(self) -> None:
        self.imap = imap_client(self.stack, self.user)
        for name in self.mailboxes[1:]:
            assert self.imap.create(name)[0] == "OK"

    def close(self) -> None:
        assert self.imap is not None
        self.imap.logout()

    def _ok(self, result: tuple) -> list:
        assert result[0] == "OK", result
        return result[1]

    def _uids(self, mailbox: str) -> list[bytes]:
        assert self.imap is not None
        self._ok(self.imap.select(f'"{mailbox}"'))
        return self._ok(self.imap.uid("SEARCH", None, "ALL"))[0].split()

    def append(self, mailbox: str, count: int) -> None:
        assert self.imap is not None
        for _ in range(count):
            flags = " ".join(self.rng.sample(FLAGS, self.rng.randint(0, 2)))
            body = bytes(message(self.user, f"m{self.count}"))
            self._ok(self.imap.append(f'"{mailbox}"', f"({flags})", None, body))
            self.count += 1

    def step(self, budget: int) -> None:
        """One random operation of at most ``budget`` changes."""
        assert self.imap is not None
        rng = self.rng
        mailbox = rng.choice(self.mailboxes)
        kind = rng.choices(["arrive", "flags", "move", "delete"], [3, 4, 2, 1])[0]
        uids = self._uids(mailbox)
        if kind == "arrive" or not uids:
            self.append(mailbox, min(budget, rng.randint(1, 8)))
            return
        chosen = rng.sample(uids, min(len(uids), budget, rng.randint(1, 10)))
        uid_set = b",".join(chosen).decode()
        if kind == "flags":
            action = rng.choice(["+FLAGS", "-FLAGS"])
            flags = " ".join(rng.sample(FLAGS, rng.randint(1, 2)))
            self._ok(self.imap.uid("STORE", uid_set, action, f"({flags})"))
        elif kind == "move":
            target = rng.choice([m for m in self.mailboxes if m != mailbox])
            self._ok(self.imap.uid("MOVE", uid_set, f'"{target}"'))
        else:
            self._ok(self.imap.uid("STORE", uid_set, "+FLAGS.SILENT", "(\\Deleted)"))
            self._ok(self.imap.expunge())
        self.count += len(chosen)

    def rename(self, old: str, new: str) -> None:
        assert self.imap is not None
        self._ok(self.imap.select("INBOX"))
        self._ok(self.imap.rename(f'"{old}"', f'"{new}"'))
        self.mailboxes[self.mailboxes.index(old)] = new
        self.count += 1

    def recreate(self, name: str) -> None:
        """Delete and create again: a new UIDVALIDITY (every id of the mailbox is new)."""
        assert self.imap is not None
        self._ok(self.imap.select("INBOX"))
        self._ok(self.imap.delete(f'"{name}"'))
        self._ok(self.imap.create(f'"{name}"'))
        self.count += 1
        self.recreated = True
        self.append(name, 3)

    def run_until(self, target: int) -> None:
        while self.count < target:
            if self.count >= 400 and "B" in self.mailboxes:
                self.rename("B", "B2")
            elif self.count >= 700 and not self.recreated:
                self.recreate("C")
            else:
                self.step(target - self.count)


@contextlib.asynccontextmanager
async def gateway(
    settings: Settings, account: str | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    """The gateway started (again) on the same store; its watchers running."""
    async with running_client(settings) as client:
        if account is not None:
            async with asyncio.timeout(30):
                await client.app.state.services.sync.wait_ready(account)
        yield client


def _differences(copy: Copy, fresh: Copy) -> list[str]:
    out = []
    for name, mine, theirs in (
        ("mailbox", copy.mailboxes, fresh.mailboxes),
        ("message", copy.messages, fresh.messages),
    ):
        for key in sorted(mine.keys() | theirs.keys()):
            if mine.get(key) != theirs.get(key):
                out.append(f"{name} {key}: copy {mine.get(key)!r} != listing {theirs.get(key)!r}")
    return out


async def test_a_local_copy_kept_through_changes_equals_a_fresh_listing(
    settings: Settings, imap_server: MailStack
) -> None:
    stack = imap_server
    print(f"random seed {SEED}")  # noqa: T201 - to replay a failure
    user = stack.new_user("sync")
    other = OtherClient(stack, user, random.Random(SEED))
    spec = account_spec(stack, user, protocols=("imap",))
    account = spec["id"]
    syncs = 0

    async def changes_and_syncs(client: httpx.AsyncClient, upto: int) -> None:
        nonlocal state, syncs
        while other.count < upto:
            await asyncio.to_thread(other.run_until, min(upto, other.count + SYNC_EVERY))
            state, _ = await catch_up(client, account, copy, state)
            syncs += 1

    await asyncio.to_thread(other.open)
    try:
        await asyncio.to_thread(other.append, "INBOX", 20)
        other.count = 0  # the setup is not one of the 1,000
        async with gateway(settings) as client:
            assert (await client.post("/v1/accounts", json=spec)).status_code == 201
            async with asyncio.timeout(30):
                await client.app.state.services.sync.wait_ready(account)
            copy, state = await full_listing(client, account)
            await changes_and_syncs(client, RESTART_AT[0])
        for upto in (*RESTART_AT[1:], CHANGES):
            # Changes while the gateway is down: it catches up when it is back.
            await asyncio.to_thread(other.run_until, other.count + 40)
            async with gateway(settings, account) as client:
                await changes_and_syncs(client, upto)
        assert other.count >= CHANGES and "B2" in other.mailboxes and other.recreated

        async with gateway(settings, account) as client:
            state, _ = await catch_up(client, account, copy, state)
            fresh, _ = await full_listing(client, account)
            again = (
                await client.get(f"/v1/accounts/{account}/changes", params={"since": state})
            ).json()
            assert again["created"] == again["updated"] == again["destroyed"] == []
    finally:
        await asyncio.to_thread(other.close)
    differences = _differences(copy, fresh)
    assert not differences, (
        f"seed {SEED}, {syncs} syncs: {len(differences)} differences",
        differences[:20],
    )
    assert len(fresh.messages) > 20 and len(fresh.mailboxes) >= 5
