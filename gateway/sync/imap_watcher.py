"""The IMAP watcher of one account: one connection that watches INBOX and polls the rest.

INBOX and the account's ``watch_mailboxes`` each get a dedicated session in
IDLE (RFC 2177), separate from the request pool and re-issued well before the
server's 30-minute limit. Any push ends IDLE and the mailbox is synced
(``MailboxSyncer``). INBOX's session also polls, at ``watch_poll_interval``
(leaving IDLE meanwhile, then syncing INBOX again): LIST for created/deleted
mailboxes, STATUS of every other mailbox, and a sync of those that changed. Where the
server offers NOTIFY (RFC 5465; Dovecot does, Cyrus 3.6 does not), INBOX's session sets
it, and the server reports the other mailboxes' new, expunged and re-flagged messages
(untagged STATUS) and created, deleted or renamed mailboxes (LIST) by itself, in IDLE
too: such a report starts that poll at once, and the timed poll is only a safety net
(``watch_notify_poll_interval``). So an account that watches INBOX alone costs one
connection (issue #15: a connection is most of a watched account's memory, on both
sides); each of its ``watch_mailboxes`` adds one. A dropped connection is re-opened
with backoff (cut short when the server, having been down, accepts connections again:
``pause``); the sync after it catches up from the stored state.

An IDLE'd mailbox deleted (and perhaps created again) by another client: servers
do not say so reliably. Dovecot ends the session with BYE after a DELETE, sends an
untagged NO after a DELETE and CREATE, and Cyrus says nothing at all. So the
poller's LIST (with STATUS) checks the IDLE'd mailboxes too: one that is gone, back,
or has another UIDVALIDITY than the stored state gets its session re-opened at once
(``_recheck``). A mailbox that is missing waits for the poller to see it again,
never for a reconnect backoff; its next SELECT gives ``mailbox.reset`` (a new
UIDVALIDITY) or, when the poller saw it deleted and created, reports its messages
as new.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

from ..backoff import backoff_delay
from ..errors import GatewayError, MailboxNotFound, UpstreamUnavailable
from ..events.bus import EventBus
from ..events.types import ACCOUNT_CONNECTED, ACCOUNT_ERROR, MAILBOX_CREATED, MAILBOX_DELETED
from ..imap.ids import encode_mailbox_id
from ..model.accounts import Account
from ..protocols.imap import ImapRejected, ImapSession, SelectedMailbox
from ..protocols.imap.connection import NOTIFY_KINDS
from ..protocols.imap.wire import LOST
from ..settings import Settings
from ..store.sync_state import MailboxState, SyncStateRepo
from .changes import diff_names
from .feed_recorder import FeedRecorder
from .mailbox_sync import MailboxSyncer

log = logging.getLogger(__name__)

SessionOpener = Callable[[], Awaitable[ImapSession]]
# Waits before a reconnect: the given seconds, or less once the server is seen back.
ReconnectPause = Callable[[float], Awaitable[None]]
_PUSH_SETTLE = 0.02  # Dovecot sends EXISTS then RECENT: take both before syncing
# A lost connection ends the wait at once (``wire.LOST`` among the pushes); this is only a
# safety net. (Waking every IDLE session each second cost ~10 % of the gateway's CPU at
# 1,000 accounts: issue #15.)
_ALIVE_CHECK = 30.0
_STATUS_ITEMS = ("MESSAGES", "UIDNEXT", "UIDVALIDITY")
_NOTIFY_GAP = 0.5  # seconds at least between two looks that NOTIFY reports start
_CHANGE_PUSHES = {b"EXISTS", b"EXPUNGE", b"FETCH", b"VANISHED"}
# A session that the server ends (BYE) is re-opened at once, unreported, at most once in
# this many seconds; another BYE sooner goes through the backoff (and is reported), so a
# server that keeps ending sessions is not hammered.
_QUIET_REOPEN_EVERY = 5.0


class _ServerBye(UpstreamUnavailable):
    """The server ended an IDLE session (BYE)."""


class ImapWatcher:
    """Runs until ``stop``; never raises (errors are reported as ``account.error``)."""

    def __init__(
        self,
        account: Account,
        open_session: SessionOpener,
        bus: EventBus,
        repo: SyncStateRepo,
        settings: Settings,
        *,
        pause: ReconnectPause = asyncio.sleep,
        feed: FeedRecorder | None = None,
    ) -> None:
        self.account = account
        self._open = open_session
        self._pause = pause
        self._bus = bus
        self._repo = repo
        self._feed = feed
        self._settings = settings
        self._syncer: MailboxSyncer | None = None
        self._failing: str | None = None  # the error last reported, until connected again
        self._created: set[str] = set()  # mailboxes seen appearing: their messages are new
        self._missing: set[str] = set()  # IDLE'd mailboxes that SELECT did not find
        self._quiet_reopen: dict[str, float] = {}  # when a BYE last got an unreported reopen
        # Set by the poller: the IDLE'd mailbox is gone, back, or has a new UIDVALIDITY.
        self._recheck = {name: asyncio.Event() for name in self.idle_mailboxes}
        self.ready = asyncio.Event()  # set once INBOX is synced and in IDLE

    @property
    def connected(self) -> bool:
        """INBOX was synced and in IDLE, and no error since the last connection."""
        return self.ready.is_set() and self._failing is None

    @property
    def idle_mailboxes(self) -> list[str]:
        out = ["INBOX"]
        for name in self.account.watch_mailboxes:
            if name.upper() != "INBOX" and name not in out:
                out.append(name)
        return out

    async def run(self, stop: asyncio.Event) -> None:
        states = await self._repo.load(self.account.id)
        self._syncer = MailboxSyncer(
            self.account.id, self._bus, self._repo, states, feed=self._feed
        )
        async with asyncio.TaskGroup() as tasks:
            for mailbox in self.idle_mailboxes:  # INBOX's session polls too (``_idle_session``)
                tasks.create_task(self._reconnecting(stop, lambda s, m=mailbox: self._idle(s, m)))

    # -- connection loop -----------------------------------------------------------------------

    async def _reconnecting(
        self, stop: asyncio.Event, body: Callable[[asyncio.Event], Awaitable[None]]
    ) -> None:
        attempt = 0
        while not stop.is_set():
            started = time.monotonic()
            try:
                await body(stop)
                return
            except (GatewayError, OSError) as exc:
                if isinstance(exc, MailboxNotFound):
                    log.info("watcher %s: %s", self.account.id, exc)
                else:
                    await self._report_error(exc)
            except Exception as exc:  # never let one account's watcher die for good
                log.exception("watcher %s failed", self.account.id)
                await self._report_error(exc)
            attempt = 1 if time.monotonic() - started > 60 else attempt + 1
            delay = backoff_delay(
                attempt,
                base=self._settings.reconnect_base_delay,
                cap=self._settings.reconnect_max_delay,
            )
            pause = asyncio.ensure_future(self._pause(delay))
            stopper = asyncio.ensure_future(stop.wait())
            try:
                await asyncio.wait({pause, stopper}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                pause.cancel()
                stopper.cancel()

    @contextlib.asynccontextmanager
    async def _session(self):
        session = await self._open()
        try:
            yield session
        finally:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(session.logout(), 2)

    async def _report_error(self, exc: BaseException) -> None:
        text = str(exc)[:500] or type(exc).__name__
        log.warning("watcher %s: %s", self.account.id, text)
        if self._failing is None:
            self._failing = text
            with contextlib.suppress(Exception):
                await self._bus.publish(
                    ACCOUNT_ERROR,
                    self.account.id,
                    {
                        "protocol": "imap",
                        "source": "watcher",
                        "code": getattr(exc, "code", "error"),
                        "error": text,
                    },
                )

    async def _report_connected(self) -> None:
        if self._failing is not None or not self.ready.is_set():
            self._failing = None
            await self._bus.publish(
                ACCOUNT_CONNECTED,
                self.account.id,
                {"protocol": "imap", "source": "watcher", "mailboxes": self.idle_mailboxes},
            )

    # -- IDLE ----------------------------------------------------------------------------------

    async def _idle(self, stop: asyncio.Event, mailbox: str) -> None:
        """Sessions in IDLE on ``mailbox``, one after another, until ``stop``."""
        recheck = self._recheck[mailbox]
        while not stop.is_set():
            try:
                await self._idle_session(stop, mailbox, recheck)
            except MailboxNotFound:
                if mailbox == "INBOX":
                    raise
                self._missing.add(mailbox)
                log.info(
                    "watcher %s: no mailbox %r; watching for it to appear", self.account.id, mailbox
                )
                await _first_set(recheck, stop)
            except _ServerBye as bye:
                last = self._quiet_reopen.get(mailbox)
                if last is not None and time.monotonic() - last < _QUIET_REOPEN_EVERY:
                    raise
                self._quiet_reopen[mailbox] = time.monotonic()
                log.info("watcher %s: %s; opening a new session", self.account.id, bye)

    async def _idle_session(
        self, stop: asyncio.Event, mailbox: str, recheck: asyncio.Event
    ) -> None:
        """Returns at ``stop`` or ``recheck`` (a new session looks again). INBOX's session
        polls the other mailboxes too: once after its first sync, then whenever
        ``watch_poll_interval`` has passed (out of IDLE meanwhile; INBOX is synced again
        after a poll, since pushes during its commands are not reported)."""
        assert self._syncer is not None
        polls = mailbox == "INBOX"
        next_poll = last_poll = 0.0  # monotonic
        async with self._session() as session:
            condstore = await session.enable_condstore()
            # With NOTIFY the server says when another mailbox changes (even in IDLE): it is
            # looked at then, and polled only as a safety net.
            notify = polls and self._settings.watch_notify and await session.notify_set()
            interval = (
                self._settings.watch_notify_poll_interval
                if notify
                else self._settings.watch_poll_interval
            )
            while not stop.is_set():
                recheck.clear()  # what the poll saw until now, this SELECT sees too
                # No command when still selected (a poll that selected no other mailbox).
                info = await session.select(mailbox, readonly=True)
                self._missing.discard(mailbox)
                self._start_created(info)
                await self._syncer.sync(session, info, condstore=condstore)
                if mailbox == "INBOX":
                    await self._report_connected()
                    self.ready.set()
                # A NOTIFY report: look now, but not more often than every _NOTIFY_GAP (a
                # server that reported the look itself would otherwise keep us polling).
                poll_at = min(next_poll, last_poll + _NOTIFY_GAP if session.notified else next_poll)
                if polls and time.monotonic() >= poll_at:
                    session.notified = False  # the poll sees what it was about
                    await self.poll_once(session, condstore=condstore)
                    last_poll = time.monotonic()
                    next_poll = last_poll + interval
                    if recheck.is_set():
                        return  # INBOX is gone, back, or has a new UIDVALIDITY
                    continue
                if (
                    await self._idle_until(
                        session,
                        stop,
                        recheck,
                        info,
                        condstore,
                        poll_at if polls else None,
                    )
                    != "poll"
                ):
                    return

    async def _idle_until(
        self,
        session: ImapSession,
        stop: asyncio.Event,
        recheck: asyncio.Event,
        info: SelectedMailbox,
        condstore: bool,
        poll_at: float | None,
    ) -> str:
        """IDLE on the selected mailbox, syncing it after each push or renewal, until
        ``stop``, ``recheck`` (a new session looks again) or ``poll_at`` (monotonic):
        returns "stop", "recheck" or "poll"."""
        assert self._syncer is not None
        mailbox = info.name
        while not stop.is_set():
            await session.idle_start()
            outcome = await self._wait_push(session, stop, recheck, poll_at)
            if outcome == "push":
                await asyncio.sleep(_PUSH_SETTLE)
            await session.idle_done()
            while not session.pushed.empty():
                if session.pushed.get_nowait().kind in NOTIFY_KINDS and session.notify_active:
                    session.notified = True
            if stop.is_set():
                return "stop"
            if outcome in ("recheck", "poll"):
                return outcome
            # Also after a renewal without a push: a cheap safety net.
            try:
                await self._syncer.sync(session, info, condstore=condstore)
            except ImapRejected as exc:
                # Cyrus, when the mailbox was deleted under the session: a new session's
                # SELECT tells (one that fails right after SELECT is reported).
                log.info("watcher %s: %s; selecting %r again", self.account.id, exc, mailbox)
                return "recheck"
        return "stop"

    async def _wait_push(
        self,
        session: ImapSession,
        stop: asyncio.Event,
        recheck: asyncio.Event,
        poll_at: float | None = None,
    ) -> str:
        """Until a push ("push"), ``stop`` or the renewal time ("renew"), the time to poll
        (``poll_at``, monotonic: "poll"), or a reason to SELECT again on a new session
        ("recheck"); raises when the connection ends."""
        deadline = time.monotonic() + self._settings.watch_idle_renew
        if poll_at is not None and poll_at < deadline:
            deadline, expired = poll_at, "poll"
        else:
            expired = "renew"
        while not stop.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return expired
            if recheck.is_set():
                return "recheck"
            getter = asyncio.ensure_future(session.pushed.get())
            stopper = asyncio.ensure_future(stop.wait())
            rechecker = asyncio.ensure_future(recheck.wait())
            try:
                done, _ = await asyncio.wait(
                    {getter, stopper, rechecker},
                    timeout=min(_ALIVE_CHECK, remaining),
                    return_when=asyncio.FIRST_COMPLETED,
                )
            finally:
                stopper.cancel()
                rechecker.cancel()
                if not getter.done():
                    getter.cancel()
            if getter in done and not getter.cancelled():
                response = getter.result()
                if response.kind == b"BYE":
                    raise _ServerBye(f"server said BYE: {response.text!r}", protocol="imap")
                if response.kind == LOST:
                    raise UpstreamUnavailable("IDLE connection lost", protocol="imap")
                if response.kind in _CHANGE_PUSHES:
                    return "push"
                if response.kind in NOTIFY_KINDS and session.notify_active:
                    session.notified = True  # another mailbox changed: poll now
                    return "poll"
                if response.kind in (b"NO", b"BAD"):
                    # Dovecot, when the mailbox was deleted and created again meanwhile.
                    log.info(
                        "watcher %s: %r in IDLE; selecting again",
                        self.account.id,
                        response.text[:200],
                    )
                    return "recheck"
                continue  # "* OK Still here" keepalives and the like
            if not session.alive:
                raise UpstreamUnavailable("IDLE connection lost", protocol="imap")
        return "renew"

    # -- polling (on INBOX's session) ----------------------------------------------------------

    async def poll_once(self, session: ImapSession, *, condstore: bool) -> None:
        """LIST (created/deleted mailboxes), then sync every non-IDLE mailbox that changed."""
        assert self._syncer is not None
        items = _STATUS_ITEMS + (("HIGHESTMODSEQ",) if condstore else ())
        entries, statuses = await session.list(status_items=items)
        selectable = {
            e.name: statuses.get(e.raw_name)
            for e in entries
            if not {f.lower() for f in e.flags} & {"\\noselect", "\\nonexistent"}
        }
        await self._mailbox_changes(sorted(selectable))
        idle = {_canonical(m) for m in self.idle_mailboxes}
        await self._check_idled(session, selectable, items)
        for name, status in selectable.items():
            if _canonical(name) in idle:
                continue
            if status is None:
                with contextlib.suppress(MailboxNotFound):
                    status = await session.status(name, items)
            if status is not None and not self._changed(name, status):
                continue
            try:
                info = await session.select(name, readonly=True)
            except MailboxNotFound:
                continue  # deleted meanwhile; the next LIST reports it
            self._start_created(info)
            try:
                await self._syncer.sync(session, info, condstore=condstore)
            finally:
                await session.unselect()

    def _start_created(self, info: SelectedMailbox) -> None:
        """A mailbox created after we started watching: everything in it is new mail."""
        assert self._syncer is not None
        name = info.name
        if name in self._created and name not in self._syncer.states:
            self._syncer.states[name] = MailboxState(
                name, info.uidvalidity, 1, info.highestmodseq, {}
            )
        self._created.discard(name)

    async def _check_idled(
        self, session: ImapSession, selectable: dict[str, dict | None], items: tuple[str, ...]
    ) -> None:
        """Wake the IDLE session of a mailbox that is gone, back, or has a new UIDVALIDITY:
        its server may not tell it (Cyrus never does)."""
        assert self._syncer is not None
        listed = {_canonical(name): status for name, status in selectable.items()}
        for mailbox in self.idle_mailboxes:
            recheck = self._recheck[mailbox]
            if recheck.is_set():
                continue
            if _canonical(mailbox) not in listed:
                if mailbox not in self._missing:
                    recheck.set()  # deleted: its session finds out and waits for it
                continue
            if mailbox in self._missing:
                recheck.set()  # back
                continue
            state = self._syncer.states.get(mailbox)
            if state is None:
                continue  # its session has not synced it yet
            status = listed[_canonical(mailbox)]
            if status is None:
                with contextlib.suppress(MailboxNotFound):
                    status = await session.status(mailbox, items)
            if status is not None and status.get("UIDVALIDITY") != state.uidvalidity:
                recheck.set()

    def _changed(self, name: str, status: dict[str, int]) -> bool:
        state = self._syncer.states.get(name) if self._syncer else None
        if state is None:
            return True
        return (
            status.get("UIDVALIDITY") != state.uidvalidity
            or status.get("UIDNEXT") != state.uidnext
            or status.get("MESSAGES") != state.messages
            or (
                "HIGHESTMODSEQ" in status
                and state.highestmodseq is not None
                and status["HIGHESTMODSEQ"] > state.highestmodseq
            )
        )

    async def _mailbox_changes(self, names: list[str]) -> None:
        known = await self._repo.load_snapshot(self.account.id, "list")
        snapshot = dict.fromkeys(names, 1)
        if known is None:
            async with self._bus.transaction() as tx:
                await self._repo.save_snapshot(tx.conn, self.account.id, "list", snapshot)
            return
        created, deleted = diff_names(known, names)
        if not created and not deleted:
            return
        async with self._bus.transaction() as tx:
            if self._feed is not None:
                await self._feed.observe_names(tx.conn, self.account.id, created, deleted)
            for name in created:
                await tx.add(
                    MAILBOX_CREATED,
                    self.account.id,
                    {"mailbox": name, "mailbox_id": encode_mailbox_id(name)},
                )
            for name in deleted:
                await tx.add(
                    MAILBOX_DELETED,
                    self.account.id,
                    {"mailbox": name, "mailbox_id": encode_mailbox_id(name)},
                )
                await self._repo.remove(tx.conn, self.account.id, name)
            await self._repo.save_snapshot(tx.conn, self.account.id, "list", snapshot)
        self._created.update(created)
        for name in deleted:
            self._created.discard(name)
            if self._syncer is not None:
                self._syncer.states.pop(name, None)


def _canonical(name: str) -> str:
    """INBOX is case-insensitive (RFC 3501 section 5.1); every other name is not."""
    return "INBOX" if name.upper() == "INBOX" else name


async def _first_set(*events: asyncio.Event) -> None:
    """Until one of ``events`` is set."""
    waiters = [asyncio.ensure_future(e.wait()) for e in events]
    try:
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
