"""IMAP connection manager for one account: a small pool of authenticated sessions.

Sessions are handed out one request at a time (``async with pool.session(...)``),
so a slow download never blocks a listing on another session. Each session
remembers its selected mailbox; the pool prefers one that already has the
wanted mailbox selected. A session idle for a while gets a NOOP before reuse;
one idle too long is closed. After a failed connect, new connects wait for an
exponential backoff with jitter (requests meanwhile fail fast as unavailable, with
a retry-after hint) and a reviver task reconnects in the background, so the pool
recovers by itself when the server comes back. A server that is down (refuses TCP)
is probed every half second (``ServerProbe``); when it listens again the backoff
is reset and the reviver connects at once, so requests work again within about a
second of the server's return, however long the backoff had grown.

A server that refuses a login because the account comes too often or holds too many
connections (``UpstreamThrottled``: ``[UNAVAILABLE]``, ``[THROTTLED]``, Gmail's "Too many
simultaneous connections") is left alone for an exponential backoff with jitter: every
connect of the account meanwhile (requests, the reviver, the watchers) fails at once with
``Retry-After``, without a login attempt. The server block's ``max_connections`` bounds the
connections of the pool and the watchers together (``ConnectionCap``): an idle session is
closed to make room, else the connect waits for a slot (``GATEWAY_CONNECTION_WAIT``).

Interactive requests first: long transfers (``bulk=True``: raw sources and
attachments, fetched chunk by chunk) take turns on at most ``size - 2``
sessions, and give way while interactive operations of the account (listings,
messages, flag changes, ...) are in flight, so that a transfer's data does not
compete with them for the event loop: no new chunk starts, chunks in flight stop
reading (their data waits in the socket buffers) and finished chunks wait to be
sent on (``bulk_turn``). Bounded, so transfers slow down but never stop: they
give way for at most ``settings.imap_bulk_yield`` (``GATEWAY_IMAP_BULK_YIELD``, 50 ms;
0 turns this off) per period of interactive activity (from the
first interactive operation in flight until none is), and a chunk reads at least
``wire.MIN_PROGRESS`` bytes (64 kB) between two such periods.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

from ..backoff import backoff_delay
from ..errors import (
    ConnectionLimitReached,
    GatewayError,
    UpstreamAuthFailed,
    UpstreamError,
    UpstreamThrottled,
    UpstreamTimeout,
    UpstreamUnavailable,
)
from ..protocols.imap import ImapSession
from ..protocols.tls import client_ssl_context
from .connection_cap import ConnectionCap
from .manager import ConnState, ProtocolManager
from .probe import ServerProbe

log = logging.getLogger(__name__)
T = TypeVar("T")
BULK_YIELD = 0.05  # default of ``settings.imap_bulk_yield``


class ImapPool(ProtocolManager):
    protocol = "imap"

    def __init__(self, account, server, settings) -> None:  # noqa: ANN001 - base signature
        super().__init__(account, server, settings)
        self.size = settings.imap_pool_size
        self._slots = asyncio.Semaphore(self.size)
        # Long transfers take turns on at most size-2 sessions (at least one), chunk by
        # chunk: the other sessions, and the event loop, stay free for everything else.
        self._bulk = asyncio.Semaphore(max(1, self.size - 2))
        self._interactive = 0  # interactive operations in flight (holding a slot)
        self._bulk_busy: set[ImapSession] = set()  # sessions lent to transfers
        self._bulk_may_run = asyncio.Event()  # cleared while transfers give way
        self._bulk_may_run.set()
        self._yield_timer: asyncio.TimerHandle | None = None
        self._yield_spent = False  # this period of interactive activity used BULK_YIELD up
        # Seconds transfers give way at most per period of interactive activity; 0: never.
        self.bulk_yield = settings.imap_bulk_yield
        self._idle: list[ImapSession] = []
        self._failures = 0
        self._retry_at = 0.0
        self._last_exc: GatewayError | None = None
        self._retrying = False  # the one login tried after a throttling backoff is under way
        self._reviver: asyncio.Task | None = None
        self._reaper: asyncio.TimerHandle | None = None
        self._closed = False
        self.probe = ServerProbe(
            server.host, server.port, timeout=settings.connect_timeout, on_back=self._server_back
        )
        # Every connection to this server (pool, watchers, verify) counts against its cap.
        self.cap = ConnectionCap(
            server.max_connections,
            wait=settings.connection_wait,
            protocol="imap",
            is_open=lambda s: s.alive,
        )

    @property
    def cache_scope(self) -> str:
        """Keys per-message caches: the same account on another server is another mailbox."""
        server = self.server
        return f"{self.account.id}|{server.host}:{server.port}|{server.username}"

    # -- sessions ------------------------------------------------------------------------------

    def new_session(self) -> ImapSession:
        """A not yet connected session with this account's server settings."""
        server = self.server
        return ImapSession(
            server.host,
            server.port,
            security=str(server.security.value),
            ssl_context=client_ssl_context(verify=server.tls_verify, ca_file=server.ca_file),
            connect_timeout=self.settings.connect_timeout,
            command_timeout=self.settings.command_timeout,
        )

    async def open_session(self, *, background: bool = False) -> ImapSession:
        """Connect and log in a fresh session (not pooled; the caller closes it).

        A failure that may mean the server is down starts the probe (see ``probe``). While
        the server asks to slow down (``UpstreamThrottled``) no connection is tried. The
        session holds a slot of the block's ``max_connections`` until it is closed. The
        login waits for its turn (``login_turn``; ``background``: a watcher's).
        """
        retrying = self._throttle_gate()
        try:
            await self.cap.acquire(evict=self._evict_idle)
            try:
                async with self.login_turn(background=background):
                    session = await self._logged_in()
            except BaseException:
                self.cap.abandoned()
                raise
        finally:
            if retrying:
                self._retrying = False
        self.cap.opened(session)
        return session

    async def _logged_in(self) -> ImapSession:
        session = self.new_session()
        try:
            await session.connect()
        except UpstreamThrottled as exc:  # a BYE greeting: "too many connections"
            self._failed(exc)
            raise
        except (UpstreamUnavailable, UpstreamTimeout, OSError):
            self.probe.suspect()
            raise
        try:
            server = self.server
            oauth2 = server.oauth2
            if oauth2 is not None and self.uses_oauth2():
                # A refused token leaves the connection unauthenticated (RFC 3501 section
                # 6.2.2): the retry with a refreshed one uses it again.
                await self.login_oauth2(
                    lambda token: session.authenticate_oauth2(
                        server.username, token, mechanism=oauth2.mechanism
                    )
                )
            elif server.password is not None:
                await session.login(server.username, server.password.get_secret_value())
            else:
                raise UpstreamAuthFailed("no password or OAuth2 token configured", protocol="imap")
        except UpstreamThrottled as exc:
            session.close()
            self._failed(exc)
            raise
        except BaseException:
            session.close()
            raise
        # Whoever connected (a request, the reviver, the watcher): the server is back.
        self.probe.reached()
        self._failures, self._retry_at, self._last_exc = 0, 0.0, None
        return session

    @contextlib.asynccontextmanager
    async def session(
        self, mailbox: str | None = None, *, bulk: bool = False
    ) -> AsyncIterator[ImapSession]:
        """Borrow a logged-in session (preferring one with ``mailbox`` selected).

        A session that failed (timeout, dropped socket) is discarded, never returned.
        ``bulk=True`` for one chunk of a long transfer: it never takes the last free
        session, and gives way to interactive operations (see the module docstring).
        """
        if self._closed:
            raise UpstreamUnavailable("account connections are closed", protocol="imap")
        async with contextlib.AsyncExitStack() as stack:
            if bulk:
                await stack.enter_async_context(self._bulk)
                await self.bulk_turn()
            await stack.enter_async_context(self._slots)
            if not bulk:  # in flight from here (one waiting for a slot holds nothing up)
                self._interactive_started()
                stack.callback(self._interactive_done)
            session = await self._acquire(mailbox)
            if bulk:
                self._bulk_busy.add(session)
                if not self._bulk_may_run.is_set():
                    session.hold_reading()
            try:
                yield session
            finally:
                if bulk:
                    self._bulk_busy.discard(session)
                    session.release_reading()
                # A session closes itself on a timeout, a dropped socket or a cancelled
                # command; one that merely got a NO (or a 404 upstairs) is fine to reuse.
                if session.alive and not self._closed:
                    self._idle.append(session)
                    self._schedule_reap()
                    self.cap.wake()  # a request waiting for a slot may take it
                else:
                    session.close()
                    self.cap.released()
                    # A request cancelled mid-command (client gone) says nothing about
                    # the server; any other death does.
                    if not self._closed and session.closed_reason != "cancelled":
                        self._connection_dropped()

    # -- interactive first ---------------------------------------------------------------------

    async def bulk_turn(self) -> None:
        """Wait while transfers give way to interactive operations (``BULK_YIELD`` at most)."""
        await self._bulk_may_run.wait()

    def _interactive_started(self) -> None:
        self._interactive += 1
        if self._interactive == 1 and not self._yield_spent and self.bulk_yield > 0:
            self._bulk_may_run.clear()
            for session in self._bulk_busy:
                session.hold_reading()
            self._yield_timer = asyncio.get_running_loop().call_later(
                self.bulk_yield, self._end_yield, True
            )

    def _interactive_done(self) -> None:
        self._interactive -= 1
        if not self._interactive:
            self._end_yield(False)

    def _end_yield(self, spent: bool) -> None:
        """Transfers run again: the interactive operations are done (``spent`` False, and
        the next one may hold transfers again) or ``BULK_YIELD`` is used up."""
        self._yield_spent = spent
        if self._yield_timer is not None:
            self._yield_timer.cancel()
            self._yield_timer = None
        if not self._bulk_may_run.is_set():
            self._bulk_may_run.set()
            for session in self._bulk_busy:
                session.release_reading()

    async def run(
        self,
        operation: Callable[[ImapSession], Awaitable[T]],
        mailbox: str | None = None,
        *,
        bulk: bool = False,
        retry: bool = True,
    ) -> T:
        """Run ``operation`` on a borrowed session; retry it on another session when a
        *reused* one turns out dead (e.g. Dovecot says BYE to sessions whose selected
        mailbox was deleted). Only for operations that are safe to repeat."""
        attempts = self.size + 1 if retry else 1
        for attempt in range(attempts):
            async with self.session(mailbox, bulk=bulk) as session:
                try:
                    return await operation(session)
                except UpstreamUnavailable:
                    if not session.reused or attempt == attempts - 1:
                        raise
                    log.info("imap %s: reused session died; retrying on another", self.account.id)
        raise AssertionError("unreachable")

    def _schedule_reap(self) -> None:
        if self._reaper is None:
            self._reaper = asyncio.get_running_loop().call_later(
                self.settings.imap_session_max_idle, self._reap
            )

    def _reap(self) -> None:
        """Close sessions idle longer than ``imap_session_max_idle`` (a timer, not a task)."""
        self._reaper = None
        limit = time.monotonic() - self.settings.imap_session_max_idle
        for stale in [s for s in self._idle if not s.alive or s.last_used < limit]:
            self._idle.remove(stale)
            stale.close()
            self.cap.released()
        if self._idle and not self._closed:
            self._schedule_reap()

    async def _acquire(self, mailbox: str | None) -> ImapSession:
        """An idle session (one with ``mailbox`` selected first), else a new one. When the
        block's ``max_connections`` are all taken (watchers, this pool's busy sessions), a
        session given back is taken rather than one closed and opened again; the wait is
        bounded (``GATEWAY_CONNECTION_WAIT``)."""
        session = await self._take_idle(mailbox)
        if session is not None:
            return session
        deadline = time.monotonic() + self.cap.wait
        while not self.cap.has_room:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise self.cap.limit_reached()
            await self.cap.changed(remaining)
            session = await self._take_idle(mailbox)
            if session is not None:
                return session
        session = await self._connect()
        session.reused = False
        return session

    async def _take_idle(self, mailbox: str | None) -> ImapSession | None:
        now = time.monotonic()
        max_idle = self.settings.imap_session_max_idle
        for stale in [s for s in self._idle if not s.alive or now - s.last_used > max_idle]:
            self._idle.remove(stale)
            stale.close()
            self.cap.released()
        session = None
        if mailbox is not None:
            session = next(
                (
                    s
                    for s in reversed(self._idle)
                    if s.selected is not None and s.selected.name == mailbox
                ),
                None,
            )
        if session is None and self._idle:
            session = self._idle[-1]
        if session is not None:
            self._idle.remove(session)
            if now - session.last_used > self.settings.imap_idle_check_after:
                try:
                    await session.noop()
                except UpstreamError:
                    session.close()
                    self.cap.released()
                    session = None
            if session is not None:
                session.reused = True
                return session
        return None

    async def _connect(self) -> ImapSession:
        """A new session for a request: fails fast while the server is down or backed off."""
        if self.probe.down:  # no request waits for a connect that the probe sees fail
            down = UpstreamUnavailable(
                f"cannot connect to {self.server.host}:{self.server.port}: "
                f"{self.probe.last_error} (retrying as soon as it accepts connections)",
                protocol="imap",
                retry_after=1,
            )
            self.mark_failure(down)  # /status tells why, whoever saw it fail first
            raise down
        wait = self._retry_at - time.monotonic()
        if isinstance(self._last_exc, UpstreamThrottled) and (wait > 0 or self._retrying):
            self._throttle_gate()  # raises
        if wait > 0 and self._last_exc is not None:
            exc = self._last_exc
            if isinstance(exc, UpstreamAuthFailed):
                raise UpstreamAuthFailed(exc.detail, protocol="imap")
            raise UpstreamUnavailable(
                f"{exc.detail} (next attempt in {wait:.1f} s)",
                protocol="imap",
                retry_after=max(1, math.ceil(wait)),
            )
        return await self._attempt()

    def _throttle_gate(self) -> bool:
        """Raise at once while backing off after a throttling reply (no login attempt).
        After the backoff one caller (True: it must clear ``_retrying``) tries again; the
        others keep failing fast until that one succeeded or failed."""
        exc = self._last_exc
        if not isinstance(exc, UpstreamThrottled):
            return False
        wait = self._retry_at - time.monotonic()
        if wait > 0 or self._retrying:
            raise UpstreamThrottled(
                f"{exc.detail} (backing off: next attempt in {max(wait, 0):.1f} s)",
                kind=exc.kind,
                protocol="imap",
                retry_after=max(1, math.ceil(wait)),
            )
        self._retrying = True
        return True

    async def _evict_idle(self) -> bool:
        """Close the longest idle pooled session to make room under the cap (LOGOUT first,
        so that the server counts it gone); False when none is idle."""
        if not self._idle:
            return False
        session = self._idle.pop(0)
        await session.logout()
        self.cap.released()
        return True

    async def _attempt(self, *, background: bool = False) -> ImapSession:
        """Connect now; a failure moves the backoff on."""
        if self.status.state != ConnState.CONNECTED:
            self.mark(ConnState.CONNECTING)
        try:
            session = await self.open_session(background=background)
        except (UpstreamThrottled, ConnectionLimitReached):
            raise  # backed off in open_session / no server failure: our own cap
        except GatewayError as exc:
            self._failed(exc)
            raise
        except OSError as exc:
            err = UpstreamUnavailable(str(exc), protocol="imap")
            self._failed(err)
            raise err from exc
        self.mark(ConnState.CONNECTED)
        return session

    def _failed(self, exc: GatewayError) -> None:
        self._failures += 1
        self._last_exc = exc
        settings = self.settings
        cap = settings.reconnect_max_delay
        if isinstance(exc, UpstreamAuthFailed):
            delay = cap  # never hammer a server with bad credentials
        else:
            delay = backoff_delay(self._failures, base=settings.reconnect_base_delay, cap=cap)
        if isinstance(exc, UpstreamUnavailable):
            exc.retry_after = max(1, math.ceil(delay))  # what the first caller is told
        self._retry_at = time.monotonic() + delay
        self.mark_failure(exc)
        log.info("imap %s: connect failed (%s); retry in %.1f s", self.account.id, exc.code, delay)
        self._start_reviver()

    def _server_back(self) -> None:
        """The probe saw the server listen again: forget the backoff, reconnect now."""
        if isinstance(self._last_exc, UpstreamAuthFailed):
            return  # the server was up all along; bad credentials keep their delay
        self._failures = 0
        self._retry_at = 0.0

    def _connection_dropped(self) -> None:
        """A session died while in use: check the others lazily, reconnect in the background."""
        if not any(s.alive for s in self._idle):
            self.mark(ConnState.DISCONNECTED, "connection lost")
            self._start_reviver()

    def _start_reviver(self) -> None:
        if self._closed or (self._reviver is not None and not self._reviver.done()):
            return
        with contextlib.suppress(RuntimeError):
            self._reviver = asyncio.get_running_loop().create_task(
                self._revive(), name=f"imap-revive-{self.account.id}"
            )

    async def _revive(self) -> None:
        """Reconnect one session after the backoff delay, until it works or the pool closes."""
        while not self._closed and not any(s.alive for s in self._idle):
            await self.probe.wait_back(max(0.05, self._retry_at - time.monotonic()))
            if self._closed or isinstance(self._last_exc, UpstreamAuthFailed):
                return
            if time.monotonic() < self._retry_at:
                continue  # woken early, but the server is not back: wait on
            try:
                session = await self._attempt(background=True)
            except (GatewayError, OSError):
                continue
            if self._closed:
                session.close()
                return
            self._idle.append(session)

    # -- ProtocolManager -----------------------------------------------------------------------

    def open_connections(self) -> tuple[int, int]:
        """Pooled idle sessions, and the others open (requests, the account's watchers)."""
        idle = sum(1 for s in self._idle if s.alive)
        return idle, max(0, self.cap.in_use - idle)

    async def verify(self) -> None:
        session = await self.open_session()
        self.mark(ConnState.CONNECTED)
        await session.logout()

    async def close(self) -> None:
        self._closed = True
        self._end_yield(False)
        if self._reaper is not None:
            self._reaper.cancel()
        if self._reviver is not None:
            self._reviver.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reviver
        await self.probe.close()
        idle, self._idle = self._idle, []
        await asyncio.gather(*(s.logout() for s in idle), return_exceptions=True)
        self.cap.released()
        self.mark(ConnState.DISCONNECTED)
