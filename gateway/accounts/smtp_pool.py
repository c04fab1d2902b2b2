"""SMTP connection manager for one account: a few reusable, authenticated sessions.

A message takes one session for its transaction. After a transaction the session goes
back to the pool (an unfinished one gets RSET first); a session idle for a while gets a
NOOP before reuse and one idle too long is closed, because servers drop idle clients
(Postfix after ``smtpd_timeout``, 300 s): a timer closes (QUIT) the sessions unused for
``settings.smtp_session_max_idle`` (``GATEWAY_SMTP_SESSION_MAX_IDLE``, 120 s), so an account
that sent a burst holds no connection afterwards. A reused session found dead before the final
"." (421, dropped socket) is replaced and the message tried once more on a fresh one:
the server discards a transaction that did not end (RFC 5321 §4.1.1.4).
After a failed connect, new connects wait for an exponential backoff with jitter and
callers get the last error promptly, so a wrong password is not retried in a hot loop.
A server that is down (refuses TCP) is probed every half second (``ServerProbe``):
once it listens again the backoff is forgotten and the next message connects at once.
A refusal that asks to slow down (``UpstreamThrottled``: 421 4.7.0, 454 4.7.0 temporary
authentication failure, too many connections) backs off the same way and keeps its code.
The block's ``max_connections`` bounds the sessions open at once (``ConnectionCap``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace

from ..backoff import backoff_delay
from ..errors import (
    ConnectionLimitReached,
    GatewayError,
    UpstreamAuthFailed,
    UpstreamThrottled,
    UpstreamTimeout,
    UpstreamUnavailable,
)
from ..protocols.smtp.client import SendResult, SmtpSession, SmtpTarget
from ..protocols.tls import client_ssl_context
from .connection_cap import ConnectionCap
from .manager import ConnState, ProtocolManager
from .probe import ServerProbe

log = logging.getLogger(__name__)

NOOP_AFTER = 20.0  # seconds idle before a session is checked with NOOP


class SmtpPool(ProtocolManager):
    protocol = "smtp"

    def __init__(self, account, server, settings) -> None:  # noqa: ANN001 - base signature
        super().__init__(account, server, settings)
        self.size = settings.smtp_pool_size
        self._slots = asyncio.Semaphore(self.size)
        self._idle: list[SmtpSession] = []
        self.max_idle = settings.smtp_session_max_idle
        self._reaper: asyncio.TimerHandle | None = None
        self._quitting: set[asyncio.Task] = set()  # QUITs of sessions the reaper closed
        self._failures = 0
        self._retry_at = 0.0
        self._last_exc: GatewayError | None = None
        self._closed = False
        self.probe = ServerProbe(
            server.host, server.port, timeout=settings.connect_timeout, on_back=self._server_back
        )
        self.cap = ConnectionCap(
            server.max_connections,
            wait=settings.connection_wait,
            protocol="smtp",
            is_open=lambda s: s.connected,
        )

    def target(self) -> SmtpTarget:
        server = self.server
        oauth = server.oauth2.access_token if server.oauth2 is not None else None
        return SmtpTarget(
            host=server.host,
            port=server.port,
            security=str(server.security.value),
            username=server.username,
            password=server.password.get_secret_value() if server.password else None,
            oauth2_token=oauth.get_secret_value() if oauth is not None else None,
            oauth2_mechanism=server.oauth2.mechanism if server.oauth2 is not None else "auto",
            ssl_context=(
                client_ssl_context(verify=server.tls_verify, ca_file=server.ca_file)
                if server.security.value != "none"
                else None
            ),
            connect_timeout=self.settings.connect_timeout,
            command_timeout=self.settings.command_timeout,
            local_hostname=self.settings.smtp_helo_name,
        )

    async def open_session(self) -> SmtpSession:
        """Connect and log in a fresh session (not pooled); it holds a slot of the block's
        ``max_connections`` until it is closed."""
        await self.cap.acquire(evict=self._evict_idle)
        try:
            async with self.login_turn():
                session = await self._logged_in()
        except BaseException:
            self.cap.abandoned()
            raise
        self.cap.opened(session)
        return session

    async def _evict_idle(self) -> bool:
        """Close the longest idle session to make room under the cap."""
        if not self._idle:
            return False
        await self._idle.pop(0).quit()
        self.cap.released()
        return True

    async def _logged_in(self) -> SmtpSession:
        oauth2 = self.server.oauth2
        if self.server.password is None and oauth2 is None:
            raise UpstreamAuthFailed("no password or OAuth2 token configured", protocol="smtp")
        if self.uses_oauth2():
            # A refused AUTH closes the session here: the retry with a refreshed token
            # (``login_oauth2``) opens another one.
            opened: list[SmtpSession] = []

            async def login(token: str) -> None:
                opened.append(await self._connected(replace(self.target(), oauth2_token=token)))

            await self.login_oauth2(login)
            return opened[-1]
        return await self._connected(self.target())

    async def _connected(self, target: SmtpTarget) -> SmtpSession:
        session = SmtpSession(target)
        try:
            await session.connect()
        except (UpstreamUnavailable, UpstreamTimeout):
            self.probe.suspect()  # perhaps down: notice at once when it is back
            raise
        self.probe.reached()
        return session

    def open_connections(self) -> tuple[int, int]:
        idle = sum(1 for s in self._idle if s.connected)
        return idle, max(0, self.cap.in_use - idle)

    async def verify(self) -> None:
        self.mark(ConnState.CONNECTING)
        try:
            session = await self.open_session()
        except GatewayError as exc:
            self.mark_failure(exc)
            raise
        await session.quit()
        self._failures = 0
        self.mark(ConnState.CONNECTED)

    # -- pool ----------------------------------------------------------------------------------

    def _server_back(self) -> None:
        """The probe saw the server listen again: the next message connects at once."""
        if not isinstance(self._last_exc, UpstreamAuthFailed):
            self._failures, self._retry_at = 0, 0.0

    async def _connect(self) -> SmtpSession:
        if self.probe.down:  # no message waits for a connect that the probe sees fail
            down = UpstreamUnavailable(
                f"cannot connect to {self.server.host}:{self.server.port}: "
                f"{self.probe.last_error} (retrying as soon as it accepts connections)",
                protocol="smtp",
                retry_after=1,
            )
            self.mark_failure(down)  # /status tells why, whoever saw it fail first
            raise down
        now = time.monotonic()
        if self._last_exc is not None and now < self._retry_at:
            exc = self._last_exc
            wait = max(1, round(self._retry_at - now))
            if isinstance(exc, UpstreamThrottled):
                exc = UpstreamThrottled(
                    f"{exc.detail} (backing off)",
                    kind=exc.kind,
                    protocol="smtp",
                    smtp_code=exc.smtp_code,
                    retry_after=wait,
                )
            elif isinstance(exc, UpstreamUnavailable):
                exc = UpstreamUnavailable(exc.detail, protocol="smtp", retry_after=wait)
            raise exc
        self.mark(ConnState.CONNECTING)
        try:
            session = await self.open_session()
        except ConnectionLimitReached:
            raise  # our own cap, not the server's failure
        except GatewayError as exc:
            self._failures += 1
            self._last_exc = exc
            delay = backoff_delay(
                self._failures,
                base=self.settings.reconnect_base_delay,
                cap=self.settings.reconnect_max_delay,
            )
            self._retry_at = time.monotonic() + delay
            if isinstance(exc, UpstreamUnavailable):
                exc.retry_after = max(1, round(delay))
            self.mark_failure(exc)
            raise
        self._failures = 0
        self._last_exc = None
        self.mark(ConnState.CONNECTED)
        return session

    async def _checkout(self) -> SmtpSession:
        while self._idle:
            session = self._idle.pop()
            idle = time.monotonic() - session.last_used
            if not session.connected or idle > self.max_idle:
                await session.quit()
                self.cap.released()
                continue
            try:
                if not session.clean:
                    await session.rset()
                elif idle > NOOP_AFTER:
                    await session.noop()
            except GatewayError:
                session.close()
                self.cap.released()
                continue
            return session
        return await self._connect()

    def _checkin(self, session: SmtpSession) -> None:
        if self._closed or not session.connected:
            session.close()
            self.cap.released()
        else:
            self._idle.append(session)
            self._schedule_reap()

    def _schedule_reap(self, delay: float | None = None) -> None:
        if self._reaper is None and not self._closed:
            self._reaper = asyncio.get_running_loop().call_later(
                self.max_idle if delay is None else delay, self._reap
            )

    def _reap(self) -> None:
        """Close the sessions unused for ``max_idle`` (a timer, not a task: an account that
        sends nothing costs nothing); QUIT goes out in the background."""
        self._reaper = None
        limit = time.monotonic() - self.max_idle
        stale = [s for s in self._idle if s.last_used <= limit or not s.connected]
        for session in stale:
            self._idle.remove(session)
            self.cap.released()
            task = asyncio.get_running_loop().create_task(session.quit())
            self._quitting.add(task)
            task.add_done_callback(self._quitting.discard)
        if self._idle:  # again when the longest unused of the others is due
            due = min(s.last_used for s in self._idle) + self.max_idle
            self._schedule_reap(max(0.05, due - time.monotonic()))

    @contextlib.asynccontextmanager
    async def session(self) -> AsyncIterator[SmtpSession]:
        """A pooled session for one transaction."""
        async with self._slots:
            session = await self._checkout()
            try:
                yield session
            finally:
                self._checkin(session)

    async def send(
        self,
        mail_from: str,
        rcpt_to: list[str],
        message: bytes,
        *,
        before_end_of_data: Callable[[], Awaitable[None]] | None = None,
    ) -> SendResult:
        """Submit one message; a stale pooled session is replaced once, before any DATA."""
        for attempt in (1, 2):
            async with self.session() as session:
                fresh = time.monotonic() - session.created < 1.0
                try:
                    result = await session.send(
                        mail_from, rcpt_to, message, before_end_of_data=before_end_of_data
                    )
                    if self.status.state != ConnState.CONNECTED:
                        self.mark(ConnState.CONNECTED)
                    return result
                except UpstreamUnavailable as exc:
                    # The server hung up on a reused session (idle timeout, 421): the final
                    # "." never went out, so the server has nothing, and one more try on a
                    # new session is safe.
                    if attempt == 2 or fresh or getattr(exc, "dot_sent", True):
                        self.mark_failure(exc)
                        raise
                    log.info(
                        "smtp session of %s was stale (%s); reconnecting",
                        self.account.id,
                        exc.detail,
                    )
        raise AssertionError("unreachable")

    async def close(self) -> None:
        self._closed = True
        if self._reaper is not None:
            self._reaper.cancel()
            self._reaper = None
        idle, self._idle = self._idle, []
        await asyncio.gather(*(s.quit() for s in idle), *self._quitting, return_exceptions=True)
        await self.probe.close()
        self.mark(ConnState.DISCONNECTED)
