"""What an observation of an account's mailboxes adds to its change log.

Two kinds of observers feed the log, each inside a ``FeedTransaction`` (writers of one
account go one after another): requests, which read the server before answering
(``ChangeFeed``), and the watchers, whose transaction also stores the events the same
change causes, so an event's ``state`` already covers it. An observation is complete (every
UID of a mailbox with its flags, or every mailbox of the account), so the log records the
difference to what the feed knew, whoever looked last. With CONDSTORE a request's
observation older than the feed's (a lower HIGHESTMODSEQ under the same UIDVALIDITY) is
dropped; without it, one that loses a race to a newer one is corrected by the next look (a
change reported twice, never one lost).

A watcher's HIGHESTMODSEQ is the highest it saw in FETCH answers, lower than the
mailbox's after an expunge, so only a request's (from SELECT) is compared.

A mailbox known from a LIST but never looked into (no UID map yet) gets its map silently:
no client can hold a state of its messages from before, as a message listing of a mailbox
first brings it into the feed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from ..store.change_feed import ChangeFeedRepo, FeedTransaction, MailboxHead
from ..store.sync_state import MailboxState
from .feed_log import (
    CREATED,
    UPDATED,
    Change,
    mailbox_change,
    mailbox_gone,
    message_changes,
)
from .feed_states import FeedStates


def _rows(changes: list[Change]) -> list[tuple[str, str, str, int | None, int | None]]:
    return [(c.kind, c.op, c.mailbox, c.uidvalidity, c.uid) for c in changes]


def _stale(head: MailboxHead, state: MailboxState) -> bool:
    return (
        head.uidvalidity == state.uidvalidity
        and head.highestmodseq is not None
        and state.highestmodseq is not None
        and state.highestmodseq < head.highestmodseq
    )


async def record_mailbox(
    tx: FeedTransaction, state: MailboxState, *, announce: bool = False, exact_modseq: bool = False
) -> int:
    """Record ``state``, the whole of one mailbox now; the number of entries appended.
    ``announce``: the observer saw a change, so a first look still tells that the mailbox
    changed (its counters did). ``exact_modseq``: the state's HIGHESTMODSEQ is the
    mailbox's (from SELECT), not the highest the observer happened to see, so an older
    observation than the feed's can be told and is dropped."""
    name = state.mailbox
    assert state.uidvalidity is not None
    found = await tx.snapshot(name)
    changes: list[Change] = []
    if found is None:  # appeared since the feed last listed the mailboxes
        changes.append(mailbox_change(CREATED, name))
        changes += message_changes(name, None, {}, state.uidvalidity, state.flags)
    else:
        head, known = found
        if exact_modseq and _stale(head, state):
            return 0
        if known is None:
            if announce:
                changes.append(mailbox_change(UPDATED, name))
        else:
            messages = message_changes(
                name, known.uidvalidity, known.flags, state.uidvalidity, state.flags
            )
            if messages:
                changes.append(mailbox_change(UPDATED, name))
                changes += messages
    await tx.append(_rows(changes))
    await tx.save(name, state=state, keep_info=found is not None, known_before=found is not None)
    return len(changes)


async def record_mailbox_list(
    tx: FeedTransaction, listed: Mapping[str, dict[str, Any]]
) -> dict[str, MailboxHead]:
    """Record the account's mailboxes as a listing shows them (path -> item): created,
    destroyed (with every message the feed knew in it) or updated. Returns the heads of the
    mailboxes now known, for the caller to look into those that changed."""
    heads = await tx.heads()
    changes: list[Change] = []
    for name in sorted(listed.keys() - heads.keys()):
        changes.append(mailbox_change(CREATED, name))
        await tx.save(name, state=MailboxState(name), info=listed[name], known_before=False)
    for name in sorted(heads.keys() - listed.keys()):
        changes += await _gone(tx, name)
    for name in sorted(listed.keys() & heads.keys()):
        if heads[name].info != listed[name]:
            changes.append(mailbox_change(UPDATED, name))
            await tx.save(name, info=listed[name], known_before=True)
    await tx.append(_rows(changes))
    return await tx.heads() if changes else heads


async def record_names(tx: FeedTransaction, created: list[str], deleted: list[str]) -> None:
    """Mailboxes a watcher saw appear or go (its LIST): the same as the listing's rule for
    these names."""
    heads = await tx.heads()
    changes: list[Change] = []
    for name in created:
        if name not in heads:
            changes.append(mailbox_change(CREATED, name))
            await tx.save(name, state=MailboxState(name), known_before=False)
    for name in deleted:
        if name in heads:
            changes += await _gone(tx, name)
    await tx.append(_rows(changes))


async def record_missing(tx: FeedTransaction, name: str) -> None:
    """A mailbox the server no longer has (SELECT failed)."""
    if await tx.snapshot(name) is not None:
        await tx.append(_rows(await _gone(tx, name)))


async def _gone(tx: FeedTransaction, name: str) -> list[Change]:
    found = await tx.snapshot(name)
    await tx.remove(name)
    if found is None:
        return []
    head, known = found
    return mailbox_gone(name, head.uidvalidity, known.flags if known else None)


class FeedRecorder:
    """The watchers' side: record inside the transaction of their events (no feed yet for
    the account: nothing to record)."""

    def __init__(self, repo: ChangeFeedRepo, states: FeedStates, keep_entries: int) -> None:
        self._repo = repo
        self._states = states
        self._keep = keep_entries

    async def observe(self, conn: AsyncConnection, account_id: str, state: MailboxState) -> None:
        async with self._repo.within(conn, account_id) as tx:
            if tx is not None:
                await record_mailbox(tx, state, announce=True)
                await self.trim(tx)
        self._states.forget(account_id)

    async def observe_names(
        self, conn: AsyncConnection, account_id: str, created: list[str], deleted: list[str]
    ) -> None:
        async with self._repo.within(conn, account_id) as tx:
            if tx is not None:
                await record_names(tx, created, deleted)
                await self.trim(tx)
        self._states.forget(account_id)

    async def forget_account(self, account_id: str) -> None:
        """The account is gone: so is its feed."""
        await self._repo.forget(account_id)
        self._states.forget(account_id)

    async def trim(self, tx: FeedTransaction) -> None:
        """Keep the newest ``keep_entries`` (trimmed a tenth at a time, not every append)."""
        if tx.feed.seq - tx.feed.min_seq > self._keep + self._keep // 10:
            await tx.trim(self._keep)
