"""Bring one mailbox's stored state up to date on a logged-in session, reporting each change once.

Catch-up (RFC 7162 CONDSTORE where offered, else a full FLAGS diff):
1. ``UID FETCH 1:* (UID FLAGS) (CHANGEDSINCE <stored HIGHESTMODSEQ>)`` (or without
   CHANGEDSINCE): current flags of every message that may have changed;
2. ``UID SEARCH RETURN (ALL) ALL`` (RFC 4731 ranges): the UIDs present, so expunges
   are found without QRESYNC's VANISHED;
3. ``UID FETCH <new uids> (UID FLAGS RFC822.SIZE INTERNALDATE ENVELOPE ...)`` for the
   summaries, with the header fields that tell a bounce (``bounces``: ``message.bounce``).
The events and the new state are committed in one transaction. An EXISTS, EXPUNGE
or unsolicited FETCH seen in the middle marks the mailbox dirty: it is synced again.
"""

from __future__ import annotations

import logging
from typing import Any

from ..events.bus import EventBus
from ..events.types import (
    MAILBOX_RESET,
    MESSAGE_BOUNCE,
    MESSAGE_DELETED,
    MESSAGE_FLAGS,
    MESSAGE_NEW,
)
from ..imap.ids import encode_mailbox_id, encode_message_id
from ..protocols.imap import ImapSession, SelectedMailbox
from ..protocols.imap.encoding import sequence_set
from ..protocols.imap.parsing import parse_esearch, parse_fetch, parse_search
from ..protocols.imap.wire import Completion, Untagged
from ..protocols.mime.dsn import DeliveryReport
from ..store.sync_state import MailboxState, SyncStateRepo
from . import bounces
from .changes import Changes, apply, compare, normalise_flags
from .feed_recorder import FeedRecorder
from .summary import SUMMARY_ITEMS, message_summary

log = logging.getLogger(__name__)

_FETCH_BATCH = 200  # keep FETCH responses to a few hundred lines
# New messages: their message.new fields, and the header fields that tell a bounce.
_NEW_ITEMS = SUMMARY_ITEMS[:-1] + b" " + bounces.HINT_ITEMS + b")"
_ROUNDS_BEFORE_WARNING = 50


async def command(session: ImapSession, *parts: bytes) -> Completion:
    """Run a command and keep every untagged response (the verb methods drop EXISTS)."""
    return await session.command(*parts)


def _updates_in(untagged: list[Untagged], *, fetch_is_update: bool) -> bool:
    for response in untagged:
        if response.kind in (b"EXISTS", b"EXPUNGE", b"VANISHED"):
            return True
        if fetch_is_update and response.kind == b"FETCH":
            return True
    return False


def _modseq(data: dict[bytes, Any]) -> int | None:
    value = data.get(b"MODSEQ")
    if isinstance(value, tuple | list) and value:
        value = value[0]
    return int(value) if isinstance(value, int) else None


class MailboxSyncer:
    """Per account: the stored state of its mailboxes and the code that advances it."""

    def __init__(
        self,
        account_id: str,
        bus: EventBus,
        repo: SyncStateRepo,
        states: dict[str, MailboxState],
        feed: FeedRecorder | None = None,
    ) -> None:
        self.account_id = account_id
        self._bus = bus
        self._repo = repo
        # Between syncs only each mailbox's head is kept in memory (UIDVALIDITY, UIDNEXT,
        # HIGHESTMODSEQ, count): its UID -> flags map is read from the store when a sync
        # needs it, so an account nobody reads costs nothing per message.
        self.states = {name: state.head() for name, state in states.items()}
        self._feed = feed  # the change feed records what we saw, before the events

    async def sync(self, session: ImapSession, info: SelectedMailbox, *, condstore: bool) -> None:
        """Sync until a round saw no change arrive meanwhile.

        Not bounded by a round count: a server announces a change once (EXISTS, EXPUNGE,
        FETCH), so a watcher that went back to IDLE with a change seen but not processed
        would report it only with the next, unrelated change. Mail arriving without pause
        keeps this loop busy, and every round reports what it found.
        """
        rounds = 0
        while await self._sync_once(session, info, condstore=condstore):
            rounds += 1
            if rounds % _ROUNDS_BEFORE_WARNING == 0:
                log.warning(
                    "account %s: mailbox %r still changing after %d sync rounds",
                    self.account_id,
                    info.name,
                    rounds,
                )

    async def _sync_once(
        self, session: ImapSession, info: SelectedMailbox, *, condstore: bool
    ) -> bool:
        mailbox = info.name
        state = self.states.get(mailbox)
        if state is not None and not state.flags_loaded:
            state = (await self._repo.load(self.account_id, mailbox=mailbox)).get(mailbox)
        if state is None or state.uidvalidity != info.uidvalidity:
            await self._baseline(session, info, previous=state)
            return False
        dirty = False
        use_modseq = condstore and state.highestmodseq is not None
        items = b"(UID FLAGS MODSEQ)" if condstore else b"(UID FLAGS)"
        parts = [b"UID", b"FETCH", b"1:*", items]
        if use_modseq:
            parts.append(b"(CHANGEDSINCE %d)" % state.highestmodseq)
        result = await command(session, *parts)
        fetched = parse_fetch(result.untagged)
        dirty |= _updates_in(result.untagged, fetch_is_update=False)
        highest = state.highestmodseq
        for data in fetched.values():
            seq = _modseq(data)
            if seq is not None and condstore:
                highest = max(highest or 0, seq)
        changed = {uid: normalise_flags(d.get(b"FLAGS", ())) for uid, d in fetched.items()}

        present, search_dirty = await self._present_uids(session)
        dirty |= search_dirty
        changes = compare(state.flags, present, changed)

        summaries: dict[int, dict[str, Any]] = {}
        new_flags: dict[int, tuple[str, ...]] = {}
        hinted: list[int] = []  # new messages that may be bounces
        for start in range(0, len(changes.new), _FETCH_BATCH):
            batch = changes.new[start : start + _FETCH_BATCH]
            result = await command(session, b"UID", b"FETCH", sequence_set(batch), _NEW_ITEMS)
            dirty |= _updates_in(result.untagged, fetch_is_update=False)
            for uid, data in parse_fetch(result.untagged).items():
                if uid in batch:
                    summaries[uid] = message_summary(mailbox, info.uidvalidity, uid, data)
                    new_flags[uid] = normalise_flags(data.get(b"FLAGS", ()))
                    if bounces.may_be(data):
                        hinted.append(uid)
        reports, bounce_dirty = await bounces.read_reports(session, hinted)
        dirty |= bounce_dirty
        gone = [uid for uid in changes.new if uid not in summaries]
        if gone:  # expunged between SEARCH and FETCH: never reported, never stored
            changes.new = [uid for uid in changes.new if uid in summaries]
            dirty = True

        flags = apply(state.flags, changes, new_flags)
        uidnext = max([state.uidnext or 1, *(u + 1 for u in flags)])
        new_state = MailboxState(
            mailbox, info.uidvalidity, uidnext, highest if condstore else None, flags
        )
        if (
            changes
            or new_state.highestmodseq != state.highestmodseq
            or new_state.uidnext != state.uidnext
        ):
            await self._commit(new_state, changes, summaries, state, reports)
        else:
            self.states[mailbox] = new_state.head()
        return dirty

    async def _present_uids(self, session: ImapSession) -> tuple[set[int], bool]:
        if session.has("ESEARCH"):
            result = await command(session, b"UID", b"SEARCH", b"RETURN", b"(ALL)", b"ALL")
            ranges, _ = parse_esearch(result.untagged)
        else:
            result = await command(session, b"UID", b"SEARCH", b"ALL")
            ranges = [(u, u) for u in parse_search(result.untagged)]
        present: set[int] = set()
        for lo, hi in ranges:
            present.update(range(lo, hi + 1))
        return present, _updates_in(result.untagged, fetch_is_update=True)

    async def _baseline(
        self, session: ImapSession, info: SelectedMailbox, previous: MailboxState | None
    ) -> None:
        """First sight (or a new UIDVALIDITY): remember everything, report no message."""
        flags: dict[int, tuple[str, ...]] = {}
        highest = info.highestmodseq
        if info.exists:
            result = await command(session, b"UID", b"FETCH", b"1:*", b"(UID FLAGS)")
            for uid, data in parse_fetch(result.untagged).items():
                flags[uid] = normalise_flags(data.get(b"FLAGS", ()))
                seq = _modseq(data)
                if seq is not None and highest is not None:
                    highest = max(highest, seq)
        uidnext = info.uidnext or max([1, *(u + 1 for u in flags)])
        state = MailboxState(info.name, info.uidvalidity, uidnext, highest, flags)
        async with self._bus.transaction() as tx:
            if previous is not None and self._feed is not None:
                await self._feed.observe(tx.conn, self.account_id, state)
            if previous is not None:
                await tx.add(
                    MAILBOX_RESET,
                    self.account_id,
                    {
                        "mailbox": info.name,
                        "mailbox_id": encode_mailbox_id(info.name),
                        "uidvalidity": info.uidvalidity,
                        "previous_uidvalidity": previous.uidvalidity,
                        "total": len(flags),
                    },
                )
            await self._repo.save(tx.conn, self.account_id, state)
        self.states[info.name] = state.head()

    async def _commit(
        self,
        state: MailboxState,
        changes: Changes,
        summaries: dict[int, dict[str, Any]],
        before: MailboxState,
        reports: dict[int, DeliveryReport] | None = None,
    ) -> None:
        mailbox, validity = state.mailbox, state.uidvalidity or 0
        ref = {"mailbox": mailbox, "mailbox_id": encode_mailbox_id(mailbox)}
        async with self._bus.transaction() as tx:
            if self._feed is not None:  # first: the events carry the state after it
                await self._feed.observe(tx.conn, self.account_id, state)
            for uid in changes.deleted:
                await tx.add(
                    MESSAGE_DELETED,
                    self.account_id,
                    {"id": encode_message_id(mailbox, validity, uid), "uid": uid, **ref},
                )
            for uid, flags in changes.flags.items():
                old = set(before.flags.get(uid, ()))
                await tx.add(
                    MESSAGE_FLAGS,
                    self.account_id,
                    {
                        "id": encode_message_id(mailbox, validity, uid),
                        "uid": uid,
                        **ref,
                        "flags": list(flags),
                        "added": sorted(set(flags) - old),
                        "removed": sorted(old - set(flags)),
                    },
                )
            for uid in changes.new:
                await tx.add(MESSAGE_NEW, self.account_id, summaries[uid])
                if reports and uid in reports:
                    await tx.add(
                        MESSAGE_BOUNCE,
                        self.account_id,
                        bounces.bounce_event(summaries[uid], reports[uid]),
                    )
            await self._repo.save(tx.conn, self.account_id, state)
        self.states[mailbox] = state.head()
