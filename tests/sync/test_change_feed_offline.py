"""Issue #14, Done when (2): a client offline across 10,000 changes catches up in pages
without listing again; a client holding a state from before a reset gets 410
cannot_calculate_changes and recovers by listing again. On Dovecot and Cyrus; the gateway
does not watch the account, so all of it is computed when the client asks.

The 10,000 changes, each on one message: 5 x 1,000 flag changes, 3,000 arrivals, 1,000
moves to another mailbox, 1,000 deletions.
"""

from __future__ import annotations

import asyncio
import imaplib

import httpx
import pytest

from gateway.settings import Settings
from tests.conftest import account_spec, running_client
from tests.mailstack import MailStack
from tests.sync.feed_client import catch_up, full_listing
from tests.sync.helpers import imap_client

SEEDED = 1000


def message(to: str, subject: str) -> bytes:
    """A small text message (written out: the email package takes milliseconds each)."""
    return (
        f"From: Sender <sender@example.test>\r\nTo: {to}\r\nSubject: {subject}\r\n"
        f"Date: Mon, 2 Mar 2026 10:00:00 +0000\r\nMessage-ID: <{abs(hash(subject))}"
        f".{subject.replace(' ', '.')}@example.test>\r\nMIME-Version: 1.0\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\nhello\r\n"
    ).encode()


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"watch_enabled": False})


def _ok(result: tuple) -> list:
    assert result[0] == "OK", result
    return result[1]


def _ten_thousand_changes(stack: MailStack, user: str) -> None:
    """As another mail client and the mail system would make them (UID sets: one command
    for many messages). Of the seeded messages 250 stay (flags changed), 500 move, 250 go;
    of the 3,000 arrivals 1,750 stay, 500 move and 750 go."""
    imap: imaplib.IMAP4 = imap_client(stack, user)
    try:
        _ok(imap.select("INBOX"))
        old = [int(u) for u in _ok(imap.uid("SEARCH", None, "ALL"))[0].split()]
        assert len(old) == SEEDED
        every = f"{old[0]}:{old[-1]}"
        for action, flag in (
            ("+", "\\Seen"),
            ("+", "$A"),
            ("+", "$B"),
            ("-", "$A"),
            ("+", "\\Flagged"),
        ):
            _ok(imap.uid("STORE", every, f"{action}FLAGS.SILENT", f"({flag})"))  # 5 x 1,000
        stack.seed_maildir(user, (message(user, f"new {i}") for i in range(3000)))  # 3,000
        _ok(imap.noop())
        new = [int(u) for u in _ok(imap.uid("SEARCH", None, "ALL"))[0].split()][SEEDED:]
        assert len(new) == 3000
        _ok(imap.uid("MOVE", f"{old[500]}:{old[-1]},{new[0]}:{new[499]}", "Archive"))  # 1,000
        _ok(
            imap.uid(
                "STORE",
                f"{old[0]}:{old[249]},{new[500]}:{new[1249]}",
                "+FLAGS.SILENT",
                "(\\Deleted)",
            )
        )
        _ok(imap.expunge())  # 1,000
    finally:
        imap.logout()


async def _gone(client: httpx.AsyncClient, account: str, state: str) -> dict:
    r = await client.get(f"/v1/accounts/{account}/changes", params={"since": state})
    assert r.status_code == 410, r.text
    assert r.json()["code"] == "cannot_calculate_changes"
    return r.json()


async def test_offline_across_10000_changes_then_410_after_a_reset(
    settings: Settings, imap_server: MailStack
) -> None:
    stack = imap_server
    user = stack.new_user("off")
    spec = account_spec(stack, user, protocols=("imap",))
    account = spec["id"]
    imap = imap_client(stack, user)
    try:
        if not imap.list('""', "Archive")[1][0]:  # (Cyrus users come with one)
            _ok(imap.create("Archive"))
    finally:
        imap.logout()
    stack.seed_maildir(user, (message(user, f"old {i}") for i in range(SEEDED)))

    async with running_client(settings) as client:
        assert (await client.post("/v1/accounts", json=spec)).status_code == 201
        copy, state = await full_listing(client, account)
        from_before = state  # another client keeps this one, and stays away longer
        before = dict(copy.messages)
        assert len(before) == SEEDED

        await asyncio.to_thread(_ten_thousand_changes, stack, user)

        state, synced = await catch_up(client, account, copy, state, limit=250, read=False)
        fresh, _ = await full_listing(client, account)
    assert synced.pages >= 15  # 3,750 ids at 250 a page: paged, not one answer
    assert set(copy.messages) == set(fresh.messages)
    assert synced.created == fresh.messages.keys() - before.keys()
    assert synced.destroyed == before.keys() - fresh.messages.keys()
    assert synced.updated == {
        i for i in before.keys() & fresh.messages.keys() if before[i] != fresh.messages[i]
    }
    assert (len(synced.created), len(synced.destroyed), len(synced.updated)) == (2750, 750, 250)
    assert copy.mailboxes == fresh.mailboxes, [
        (k, copy.mailboxes.get(k), fresh.mailboxes.get(k))
        for k in copy.mailboxes.keys() | fresh.mailboxes.keys()
        if copy.mailboxes.get(k) != fresh.mailboxes.get(k)
    ]

    # The gateway now keeps 1,000 entries (trimmed when it next records a change): the
    # state from before the 10,000 changes is too old, a 410; listing again recovers.
    async with running_client(settings.model_copy(update={"change_log_entries": 1000})) as client:
        stack.seed_maildir(user, [message(user, "one more")])
        state, synced = await catch_up(client, account, copy, state, read=False)
        assert len(synced.created) == 1
        problem = await _gone(client, account, from_before)
        assert "older" in problem["detail"]
        copy, state = await full_listing(client, account)
        assert len(copy.messages) == 3001
        again = await client.get(f"/v1/accounts/{account}/changes", params={"since": state})
        assert again.status_code == 200 and not again.json()["created"]

        # A reset: the account deleted and added again starts a new feed (a new epoch).
        assert (await client.delete(f"/v1/accounts/{account}")).status_code == 204
        assert (await client.post("/v1/accounts", json=spec)).status_code == 201
        problem = await _gone(client, account, state)
        assert "reset" in problem["detail"]
        copy, state = await full_listing(client, account)
        stack.seed_maildir(user, [message(user, "after the reset")])
        state, synced = await catch_up(client, account, copy, state)
        assert len(synced.created) == 1 and len(copy.messages) == 3002
        fresh, _ = await full_listing(client, account)
        assert copy == fresh
