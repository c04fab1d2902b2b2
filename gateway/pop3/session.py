"""POP3 connection manager for one account: one session at a time (RFC 1939 section 8)."""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections.abc import AsyncIterator

from ..accounts.manager import ConnState, ProtocolManager
from ..backoff import backoff_delay
from ..errors import (
    AccountBusy,
    GatewayError,
    InvalidInput,
    UpstreamThrottled,
    UpstreamUnavailable,
)
from ..protocols.pop3 import Pop3Client
from ..protocols.tls import client_ssl_context

LOGIN_ATTEMPTS = 4  # logins answered "-ERR [SYS/TEMP]" before the error is the answer


class _TryAgain(Exception):
    """The server answered the login with a temporary failure (``error``)."""

    def __init__(self, error: UpstreamUnavailable) -> None:
        super().__init__(str(error))
        self.error = error


class Pop3Manager(ProtocolManager):
    """Opens a fresh POP3 session per use, behind a per-account lock.

    A POP3 session sees the maildrop as it was at login, and servers lock the maildrop
    for the session, so sessions are short-lived and never shared: a concurrent request
    waits up to ``pop3_lock_timeout`` seconds, then gets ``AccountBusy`` (409).

    A login refused because the account comes too often or holds too many connections
    (``UpstreamThrottled``: ``[LOGIN-DELAY]``, "Maximum number of connections") is not
    retried: connects fail at once (503, ``Retry-After``) for an exponential backoff.
    """

    protocol = "pop3"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._lock = asyncio.Lock()
        self._throttled: UpstreamThrottled | None = None
        self._throttles = 0  # throttling replies in a row
        self._retry_at = 0.0

    async def connect(self) -> Pop3Client:
        """A new logged-in session (not behind the lock: callers use ``session()``).

        A login the server answers with ``-ERR [SYS/TEMP]`` (RFC 3206 section 4: "try
        again later") is tried again on a new connection, up to ``LOGIN_ATTEMPTS`` times
        within about a second: Cyrus creates a user's INBOX at the first login or delivery
        and answers a login that races another one that way.
        """
        wait = self._retry_at - time.monotonic()
        if self._throttled is not None and wait > 0:
            raise UpstreamThrottled(
                f"{self._throttled.detail} (backing off)",
                kind=self._throttled.kind,
                protocol="pop3",
                retry_after=max(1, math.ceil(wait)),
            )
        if self.status.state != ConnState.CONNECTED:
            self.mark(ConnState.CONNECTING)  # sessions are short: no flapping while healthy
        attempt = 1
        while True:
            try:
                async with self.login_turn():
                    client = await self._open()
                break
            except _TryAgain as again:
                if attempt >= LOGIN_ATTEMPTS:
                    self.mark_failure(again.error)
                    raise again.error from None
                await asyncio.sleep(backoff_delay(attempt, base=0.2, cap=1.0))
                attempt += 1
            except UpstreamThrottled as exc:
                self._back_off(exc)
                raise
            except GatewayError as exc:
                self.mark_failure(exc)
                raise
        self._throttled, self._throttles = None, 0
        self.mark(ConnState.CONNECTED)
        return client

    def _back_off(self, exc: UpstreamThrottled) -> None:
        self._throttles += 1
        delay = backoff_delay(
            self._throttles,
            base=self.settings.reconnect_base_delay,
            cap=self.settings.reconnect_max_delay,
        )
        self._throttled, self._retry_at = exc, time.monotonic() + delay
        exc.retry_after = max(1, math.ceil(delay))
        self.mark_failure(exc)

    async def _open(self) -> Pop3Client:
        server = self.server
        client = await Pop3Client.connect(
            server.host,
            server.port,
            security=server.security.value,
            ssl_context=None
            if server.security.value == "none"
            else client_ssl_context(verify=server.tls_verify, ca_file=server.ca_file),
            connect_timeout=self.settings.connect_timeout,
            command_timeout=self.settings.command_timeout,
            max_message_bytes=self.settings.pop3_max_message_bytes,
        )
        try:
            await self._login(client)
        except UpstreamThrottled:
            client.abort()
            raise
        except UpstreamUnavailable as exc:
            answered = not client.closed  # a reply, not a lost connection: [SYS/TEMP]
            client.abort()
            if answered:
                raise _TryAgain(exc) from None
            raise
        except BaseException:
            client.abort()
            raise
        return client

    async def _login(self, client: Pop3Client) -> None:
        server = self.server
        oauth = server.oauth2
        if oauth is not None and self.uses_oauth2():
            # After a refused AUTH the session is still in the AUTHORIZATION state (RFC
            # 5034 section 4): the retry with a refreshed token uses it again.
            await self.login_oauth2(
                lambda token: client.auth_oauth2(
                    server.username,
                    token,
                    mechanism=oauth.mechanism,
                    host=server.host,
                    port=server.port,
                )
            )
        elif server.password is not None:
            await client.login(server.username, server.password.get_secret_value())
        else:
            raise InvalidInput(
                "the account's pop3 block has neither a password nor an OAuth2 access token"
            )

    @contextlib.asynccontextmanager
    async def session(self) -> AsyncIterator[Pop3Client]:
        """The account's one session: QUIT on a clean exit, dropped (no QUIT) on an error."""
        async with self.locked():
            client = await self.connect()
            try:
                yield client
            except BaseException:
                client.abort()  # without QUIT the server deletes nothing (RFC 1939 section 6)
                raise
            if not client.closed:
                await client.quit()

    @contextlib.asynccontextmanager
    async def locked(self) -> AsyncIterator[None]:
        """Hold the account's POP3 lock, waiting at most ``pop3_lock_timeout`` seconds:
        this process's, then (with ``locks``) the one every process and instance shares."""
        timeout = self.settings.pop3_lock_timeout
        deadline = time.monotonic() + timeout
        busy = AccountBusy(
            "another POP3 session of this account is running (the server locks the "
            f"maildrop per session); still busy after {timeout:g} s"
        )
        try:
            async with asyncio.timeout(timeout):
                await self._lock.acquire()
        except TimeoutError:
            raise busy from None
        try:
            async with contextlib.AsyncExitStack() as held:
                if self.locks is not None:
                    try:
                        await held.enter_async_context(
                            self.locks.hold(
                                f"pop3:{self.account.id}",
                                wait=max(0.0, deadline - time.monotonic()),
                            )
                        )
                    except TimeoutError:
                        raise busy from None
                yield
        finally:
            self._lock.release()

    def open_connections(self) -> tuple[int, int]:
        return 0, 1 if self._lock.locked() else 0  # sessions are never kept idle

    async def verify(self) -> None:
        client = await self.connect()
        await client.quit()

    async def close(self) -> None:
        self.mark(ConnState.DISCONNECTED)
