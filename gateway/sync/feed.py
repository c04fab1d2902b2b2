"""``ChangeFeed``: states on listings and ``/changes`` for an account or one mailbox.

Each account has a change log (``store/change_feed.py``) and a snapshot of what the log has
recorded of each mailbox. Before it answers, ``/changes`` brings the snapshot up to date
from the server (``feed_reader``: CONDSTORE's CHANGEDSINCE where offered, else every UID's
flags), so unwatched mailboxes work the same as watched ones; the watchers record what they
see too (``FeedRecorder``), in the transaction of the events it causes.

A listing's state is read *before* the listing reads the server: whatever the log holds up
to it happened before, so the listing shows it; whatever comes after is recorded later,
past the state (at worst a change the listing already shows comes again, which a client
applies idempotently). A message listing first brings its mailbox into the feed (once per
mailbox: its UIDs and flags), so the changes of every message it lists are recorded from
then on. The account's first mailbox listing starts its feed: a new random epoch, sequence
0, the mailboxes it lists (message listings before that answer no state, and cost nothing).

410 ``cannot_calculate_changes`` when the state is not one this gateway issued for this
scope (damaged, forged), of another epoch (the account was deleted and added again), older
than the kept log (``change_log_entries``) or newer than the log (a restored backup).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections import defaultdict
from dataclasses import dataclass, field

from ..accounts.imap_pool import ImapPool
from ..accounts.registry import AccountRegistry
from ..errors import CannotCalculateChanges, GatewayError, MailboxNotFound, UpstreamRejected
from ..imap import mailboxes as mb
from ..imap.ids import encode_mailbox_id, encode_message_id
from ..protocols.imap import ImapSession
from ..store.change_feed import ChangeFeedRepo, FeedRow, MailboxHead
from ..store.sync_state import MailboxState
from .feed_log import (
    CREATED,
    DESTROYED,
    MAILBOX,
    MESSAGE,
    UPDATED,
    Page,
    PageBuilder,
)
from .feed_reader import STATUS_ITEMS, read_mailbox
from .feed_recorder import FeedRecorder, record_mailbox, record_mailbox_list, record_missing
from .feed_states import FeedStates, KnownFeed

log = logging.getLogger(__name__)

_READ_CHUNK = 2000  # log entries read per query while a page fills
_UNSELECTABLE = {"\\noselect", "\\nonexistent"}


@dataclass
class FeedChanges:
    """One ``/changes`` page: message ids and mailbox ids by what happened to them."""

    old_state: str
    new_state: str
    has_more: bool
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    destroyed: list[str] = field(default_factory=list)
    mailboxes_created: list[str] = field(default_factory=list)
    mailboxes_updated: list[str] = field(default_factory=list)
    mailboxes_destroyed: list[str] = field(default_factory=list)


# RFC 3501 section 7.2.2: hints that come and go by themselves (Dovecot's \UnMarked appears a
# while after a mailbox was last looked at): not changes a client keeps a copy of.
_VOLATILE = {"\\marked", "\\unmarked"}


def _listing_info(item: dict) -> dict:
    """A mailbox as the feed compares it: the listing's item without HIGHESTMODSEQ and
    without the ``\\Marked``/``\\Unmarked`` hints."""
    info = {k: v for k, v in item.items() if k != "highestmodseq"}
    info["flags"] = [f for f in item.get("flags", ()) if f.lower() not in _VOLATILE]
    return info


def _needs_look(head: MailboxHead, item: dict, condstore: bool) -> bool:
    """Whether a mailbox may hold changes the log has not recorded (from its STATUS)."""
    if not head.baselined or head.uidvalidity is None:
        return True
    if item.get("uidvalidity") != head.uidvalidity or item.get("uidnext") != head.uidnext:
        return True
    modseq = item.get("highestmodseq")
    if not condstore or modseq is None or head.highestmodseq is None:
        return True  # no cheap sign of flag changes: read the flags
    return modseq != head.highestmodseq


async def _outcome(task: asyncio.Task[bool]) -> bool:
    """The task's result; False when it failed (the caller then reads the server anyway)."""
    try:
        return await task
    except GatewayError:
        return False


class ChangeFeed:
    def __init__(
        self,
        repo: ChangeFeedRepo,
        accounts: AccountRegistry,
        states: FeedStates,
        recorder: FeedRecorder,
    ) -> None:
        self._repo = repo
        self._accounts = accounts
        self._states = states
        self._recorder = recorder
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        # (account, mailbox) -> (feed epoch, (UIDVALIDITY, UIDNEXT, MESSAGES, HIGHESTMODSEQ))
        # of the mailbox when this process last made the log complete for it.
        self._confirmed: dict[tuple[str, str], tuple[int, tuple[int | None, ...]]] = {}

    async def _pool(self, account_id: str) -> ImapPool:
        manager = await self._accounts.manager(account_id, "imap")
        assert isinstance(manager, ImapPool)
        return manager

    async def _feed(self, account_id: str) -> FeedRow | None:
        return await self._current(account_id, await self._repo.feed(account_id))

    async def _current(self, account_id: str, feed: FeedRow | None) -> FeedRow | None:
        """``feed``, the account's feed as the store holds it, unless it is older than the
        account: it then belongs to an earlier account of the same id and is dropped (its
        states get 410)."""
        if feed is None:
            return None
        account = await self._accounts.get(account_id)
        if feed.created_at < account.created_at:
            await self._recorder.forget_account(account_id)
            return None
        return feed

    async def _known(self, account_id: str) -> KnownFeed | None:
        known = self._states.known.get(account_id)
        if known is not None and known.fresh:
            return known
        if self._states.is_absent(account_id):
            return None  # no store read per listing until the feed starts
        feed = await self._feed(account_id)
        if feed is None:
            self._states.forget(account_id)
            self._states.absent[account_id] = time.monotonic()
            return None
        heads = await self._repo.heads(account_id)
        known = KnownFeed(feed, {name for name, head in heads.items() if head.baselined})
        self._states.known[account_id] = known
        return known

    # -- listings ------------------------------------------------------------------------------

    async def mailboxes_state(self, account_id: str) -> str | None:
        """The state for a mailbox listing about to read the server; None: no feed yet
        (``start`` makes it from the listing)."""
        known = await self._known(account_id)
        return None if known is None else self._states.encode(account_id, known.feed)

    async def start(self, account_id: str, items: list[dict]) -> str | None:
        """Start the account's feed from a mailbox listing (its state); None when another
        request started it meanwhile: list again."""
        feed = await self._repo.create(
            account_id, secrets.randbits(62) + 1, {i["path"]: _listing_info(i) for i in items}
        )
        self._states.forget(account_id)  # (also when another request started it: look again)
        if feed is None:
            return None
        self._states.known[account_id] = KnownFeed(feed)
        return self._states.encode(account_id, feed)

    async def messages_state(self, account_id: str, mailbox: str) -> str | None:
        """The state for a listing of ``mailbox``'s messages about to read the server (the
        first one brings the mailbox into the feed). None before the account's feed exists
        (its first mailbox listing starts it: a client keeping a copy lists the mailboxes
        first), and when the server refuses a command the feed needs though not the
        listing's own: the feed is an addition to the listing, not a condition of it."""
        known = await self._known(account_id)
        if known is None:
            return None
        if mailbox not in known.baselined:
            try:
                async with self._locks[account_id]:
                    await self._catch_up_mailbox(account_id, mailbox)
            except UpstreamRejected as exc:
                log.warning(
                    "account %s: no change-feed state for a listing of %r: %s",
                    account_id,
                    mailbox,
                    exc,
                )
                return None
            self._states.forget(account_id)  # (also when nothing was written: read it again)
            known = await self._known(account_id)
            assert known is not None
        return self._states.encode(account_id, known.feed, mailbox)

    # -- changes -------------------------------------------------------------------------------

    async def changes(
        self, account_id: str, since: str, *, limit: int, mailbox: str | None = None
    ) -> FeedChanges:
        """The changes after ``since`` (of the account, or of ``mailbox``), at most ``limit``
        ids. A page that is not full first brings the log up to date from the server."""
        decoded = self._states.decode(account_id, since, mailbox)
        seq, epoch = decoded.modseq, decoded.epoch
        # A mailbox the log was complete for (at these STATUS values): the STATUS that tells
        # whether it still is goes out while the page is read (the page is complete either
        # way: the log held everything up to those values before this request began).
        confirmed = self._confirmed.get((account_id, mailbox)) if mailbox is not None else None
        confirm: asyncio.Task[bool] | None = None
        if mailbox is not None and confirmed is not None and confirmed[0] == epoch:
            confirm = asyncio.create_task(self._unchanged(account_id, mailbox, confirmed[1]))
        try:
            feed, page = await self._page(account_id, epoch, seq, limit, mailbox)
        finally:
            # (never cancelled: a command cut off mid-way would cost the pooled session)
            unchanged = confirm is not None and await _outcome(confirm)
        if not page.has_more and not unchanged:
            async with self._locks[account_id]:
                if mailbox is None:
                    await self._catch_up_account(account_id)
                    looked = True
                else:
                    looked = await self._catch_up_mailbox(
                        account_id,
                        mailbox,
                        missing_ok=True,
                        epoch=epoch,
                        status_first=confirm is None,
                    )
            if looked:
                feed, page = await self._page(account_id, epoch, seq, limit, mailbox)
        reached = FeedRow(feed.epoch, page.last_seq, feed.min_seq, feed.created_at)
        out = FeedChanges(since, self._states.encode(account_id, reached, mailbox), page.has_more)
        lists = {
            (MAILBOX, CREATED): out.mailboxes_created,
            (MAILBOX, UPDATED): out.mailboxes_updated,
            (MAILBOX, DESTROYED): out.mailboxes_destroyed,
            (MESSAGE, CREATED): out.created,
            (MESSAGE, UPDATED): out.updated,
            (MESSAGE, DESTROYED): out.destroyed,
        }
        for (kind, name, validity, uid), op in page.ops.items():
            lists[kind, op].append(
                encode_mailbox_id(name)
                if kind == MAILBOX
                else encode_message_id(name, validity or 0, uid or 0)
            )
        return out

    @staticmethod
    def _check(feed: FeedRow | None, epoch: int, seq: int) -> FeedRow:
        if feed is None or feed.epoch != epoch:
            raise CannotCalculateChanges(
                "the account's change feed started again since this state (a reset): list again"
            )
        if seq < feed.min_seq:
            raise CannotCalculateChanges(
                "this state is older than the changes the gateway keeps: list again"
            )
        if seq > feed.seq:
            raise CannotCalculateChanges(
                "this state is newer than the gateway's change log "
                "(restored from a backup?): list again"
            )
        return feed

    async def _page(
        self, account_id: str, epoch: int, since: int, limit: int, mailbox: str | None
    ) -> tuple[FeedRow, Page]:
        """The account's feed (checked against the state's ``epoch`` and ``since``) and the
        page after ``since``: the feed row and the first entries come in one store read."""
        found, rows = await self._repo.read_page(
            account_id, since, limit=_READ_CHUNK, mailbox=mailbox
        )
        feed = self._check(await self._current(account_id, found), epoch, since)
        builder = PageBuilder(since, limit)
        while builder.add_rows(rows) and len(rows) == _READ_CHUNK:
            rows = await self._repo.entries(
                account_id, rows[-1][0], feed.seq, limit=_READ_CHUNK, mailbox=mailbox
            )
        return feed, builder.finish(feed.seq)

    # -- catching up from the server -----------------------------------------------------------

    async def _ensure_feed(self, account_id: str, session: ImapSession) -> FeedRow:
        feed = await self._feed(account_id)
        while feed is None:
            items = await mb.list_mailboxes(session)
            feed = await self._repo.create(
                account_id, secrets.randbits(62) + 1, {i["path"]: _listing_info(i) for i in items}
            )
            if feed is None:
                feed = await self._feed(account_id)
        return feed

    async def _catch_up_mailbox(
        self,
        account_id: str,
        mailbox: str,
        *,
        missing_ok: bool = False,
        epoch: int | None = None,
        status_first: bool = True,
    ) -> bool:
        """Bring ``mailbox`` into the log as the server has it now; False when a STATUS
        showed it just as this process last left the log complete for it (``_confirmed``,
        for feed ``epoch``): nothing read, nothing written. ``status_first`` False: the
        caller made that STATUS already."""
        pool = await self._pool(account_id)
        confirmed = self._confirmed.get((account_id, mailbox))
        if status_first and epoch is not None and confirmed is not None and confirmed[0] == epoch:
            if await self._unchanged(account_id, mailbox, confirmed[1]):
                return False
        self._confirmed.pop((account_id, mailbox), None)

        known: MailboxState | None = None

        async def look(session: ImapSession) -> MailboxState | None:
            nonlocal known
            await self._ensure_feed(account_id, session)
            found = await self._repo.snapshot(account_id, mailbox)
            known = found[1] if found else None
            try:
                return await read_mailbox(session, mailbox, known)
            except MailboxNotFound:
                if not missing_ok:
                    raise
                return None

        try:
            state = await pool.run(look, mailbox)
        except MailboxNotFound:
            await self._record_missing(account_id, mailbox)
            raise
        if state is None:
            await self._record_missing(account_id, mailbox)
        elif state is not known:
            await self._record(account_id, state)
        if state is not None and epoch is not None and state.highestmodseq is not None:
            # The log now holds the mailbox as the server has it at this HIGHESTMODSEQ (a
            # mod-sequence never goes back): while STATUS says the same, it is complete.
            self._confirmed[(account_id, mailbox)] = (
                epoch,
                (state.uidvalidity, state.uidnext, len(state.flags), state.highestmodseq),
            )
        return True

    async def _unchanged(self, account_id: str, mailbox: str, values: tuple) -> bool:
        """Whether ``mailbox``'s STATUS shows ``values`` (its confirmed UIDVALIDITY, UIDNEXT,
        MESSAGES and HIGHESTMODSEQ) now."""
        pool = await self._pool(account_id)

        async def status(session: ImapSession) -> tuple[int | None, ...] | None:
            if not await session.enable_condstore():
                return None
            found = await session.status_now(mailbox, STATUS_ITEMS)
            return tuple(found.get(item) for item in STATUS_ITEMS)

        try:
            return await pool.run(status) == values
        except MailboxNotFound:
            return False

    async def _catch_up_account(self, account_id: str) -> None:
        pool = await self._pool(account_id)
        async with pool.session() as session:
            await self._ensure_feed(account_id, session)
            condstore = await session.enable_condstore()
            items = await mb.list_mailboxes(session, modseq=True)
            listed = {item["path"]: item for item in items}
            async with self._repo.begin(account_id) as tx:
                if tx is None:
                    return
                heads = await record_mailbox_list(
                    tx, {path: _listing_info(item) for path, item in listed.items()}
                )
                await self._recorder.trim(tx)
            self._states.forget(account_id)
            for path, head in heads.items():
                item = listed[path]
                if {f.lower() for f in item["flags"]} & _UNSELECTABLE:
                    continue
                if not _needs_look(head, item, condstore):
                    continue
                found = await self._repo.snapshot(account_id, path)
                known = found[1] if found else None
                try:
                    state = await read_mailbox(session, path, known)
                except MailboxNotFound:
                    await self._record_missing(account_id, path)
                    continue
                if state is not known:
                    await self._record(account_id, state)

    async def _record(self, account_id: str, state: MailboxState) -> None:
        async with self._repo.begin(account_id) as tx:
            if tx is not None:
                await record_mailbox(tx, state, exact_modseq=True)
                await self._recorder.trim(tx)
        self._states.forget(account_id)

    async def _record_missing(self, account_id: str, mailbox: str) -> None:
        async with self._repo.begin(account_id) as tx:
            if tx is not None:
                await record_missing(tx, mailbox)
        self._states.forget(account_id)
