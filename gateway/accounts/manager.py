"""What every per-account, per-protocol connection manager has in common."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, ClassVar, Protocol

from ..errors import GatewayError, OAuth2ReauthRequired, UpstreamAuthFailed
from ..store.schema import utcnow

if TYPE_CHECKING:
    from ..model.accounts import Account, ServerConfig
    from ..settings import Settings
    from .login_rate import LoginScheduler
    from .store_lock import StoreLocks


class TokenSource(Protocol):
    """Current OAuth2 access tokens of accounts (``gateway.oauth2.tokens.TokenRefresher``)."""

    async def access_token(self, account_id: str, protocol: str) -> str: ...

    async def after_auth_failure(self, account_id: str, protocol: str, failed: str) -> str: ...


class ConnState(StrEnum):
    CONNECTED = "connected"
    CONNECTING = "connecting"
    DISCONNECTED = "disconnected"
    AUTH_FAILED = "auth_failed"
    NEEDS_REAUTH = "needs_reauth"  # the OAuth2 grant was refused: a new consent is needed
    ERROR = "error"


@dataclass
class ProtocolStatus:
    state: ConnState
    last_error: str | None
    since: datetime


class ProtocolManager:
    """Base of ImapPool, SmtpPool and Pop3Manager: state for ``/status`` and ``verify``."""

    protocol: ClassVar[str] = ""

    def __init__(self, account: Account, server: ServerConfig, settings: Settings) -> None:
        self.account = account
        self.server = server
        self.settings = settings
        self.status = ProtocolStatus(ConnState.DISCONNECTED, None, utcnow())
        # Set by the registry: told of every state change (account.connected / account.error).
        self.on_state: Callable[[ProtocolManager], None] | None = None
        # Set by the registry when OAuth2 tokens are refreshed (gateway.oauth2.tokens).
        self.tokens: TokenSource | None = None
        # Set by the registry: every login waits for a turn (rate per server, fair).
        self.logins: LoginScheduler | None = None
        # Set by the registry: locks across processes and instances (the POP3 maildrop's).
        self.locks: StoreLocks | None = None

    def login_turn(self, *, background: bool = False) -> contextlib.AbstractAsyncContextManager:
        """Hold a login turn for this server while connecting and logging in
        (``background``: a watcher, not a request waiting)."""
        if self.logins is None:
            return contextlib.nullcontext()
        return self.logins.turn(self.server.host, self.server.port, background=background)

    def uses_oauth2(self) -> bool:
        """Whether logins use the OAuth2 block: it has an access token, or a refresh token
        (or client credentials) and a ``tokens`` source to get one (else a password, if
        any, is used as before)."""
        oauth2 = self.server.oauth2
        return oauth2 is not None and (oauth2.access_token is not None or self._refreshable())

    def _refreshable(self) -> bool:
        oauth2 = self.server.oauth2
        if self.tokens is None or oauth2 is None or not oauth2.token_url:
            return False
        if oauth2.grant == "client_credentials":  # app-only: a new token any time
            return bool(oauth2.client_id) and oauth2.client_secret is not None
        return oauth2.refresh_token is not None

    async def login_oauth2(self, login: Callable[[str], Awaitable[None]]) -> None:
        """Log in with the block's OAuth2 access token: ``login(token)``. A block that can
        be refreshed gets its token from ``tokens`` (refreshed when due) and, when the
        server refuses it, one more ``login`` with a refreshed one (RFC 6750 section 3.1:
        an expired or revoked token is refused like a wrong one)."""
        oauth2 = self.server.oauth2
        assert oauth2 is not None
        if not self._refreshable():
            if oauth2.access_token is None:
                raise UpstreamAuthFailed(
                    "no OAuth2 access token configured", protocol=self.protocol
                )
            await login(oauth2.access_token.get_secret_value())
            return
        assert self.tokens is not None
        token = await self.tokens.access_token(self.account.id, self.protocol)
        try:
            await login(token)
        except OAuth2ReauthRequired:
            raise
        except UpstreamAuthFailed:
            fresh = await self.tokens.after_auth_failure(self.account.id, self.protocol, token)
            await login(fresh)

    def mark(self, state: ConnState, error: BaseException | str | None = None) -> None:
        """Record a state change (``since`` moves only when the state does).

        Connected again means the last error is history: ``/status`` shows none.
        """
        if error is not None:
            self.status.last_error = str(error)[:1000]
        elif state == ConnState.CONNECTED:
            self.status.last_error = None
        if state != self.status.state:
            self.status.state = state
            self.status.since = utcnow()
            if self.on_state is not None:
                self.on_state(self)

    def mark_failure(self, exc: BaseException) -> None:
        if isinstance(exc, OAuth2ReauthRequired):
            state = ConnState.NEEDS_REAUTH
        elif isinstance(exc, UpstreamAuthFailed):
            state = ConnState.AUTH_FAILED
        else:
            state = ConnState.ERROR
        self.mark(state, exc)

    def open_connections(self) -> tuple[int, int]:
        """Connections open to the server now: (idle, in use), for /metrics."""
        return 0, 0

    async def verify(self) -> None:
        """Log in now on a fresh connection, raise a GatewayError when that fails."""
        raise NotImplementedError

    async def close(self) -> None:
        """Close every connection; the manager is not used afterwards."""


async def verify_manager(manager: ProtocolManager, limit: float) -> tuple[bool, str]:
    """Run ``verify`` under a hard timeout and turn the outcome into ``(ok, detail)``."""
    try:
        async with asyncio.timeout(limit):
            await manager.verify()
    except TimeoutError:
        manager.mark(ConnState.ERROR, "timed out")
        return False, f"{manager.protocol}: no answer within {limit:g} s"
    except GatewayError as exc:
        manager.mark_failure(exc)
        return False, f"{exc.code}: {exc.detail}"
    except OSError as exc:
        manager.mark(ConnState.ERROR, exc)
        return False, f"{manager.protocol}_unavailable: {exc}"
    return True, "login succeeded"
