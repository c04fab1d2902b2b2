"""What every per-account, per-protocol connection manager has in common."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, ClassVar

from ..errors import GatewayError, UpstreamAuthFailed
from ..store.schema import utcnow

if TYPE_CHECKING:
    from ..settings import Settings
    from .models import Account, ServerConfig


class ConnState(StrEnum):
    CONNECTED = "connected"
    CONNECTING = "connecting"
    DISCONNECTED = "disconnected"
    AUTH_FAILED = "auth_failed"
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
        self.mark(ConnState.AUTH_FAILED if isinstance(exc, UpstreamAuthFailed) else ConnState.ERROR,
                  exc)

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
