"""POP3 connection manager for one account (placeholder until implemented)."""

from __future__ import annotations

from ..errors import ProtocolNotConfigured
from .manager import ProtocolManager


class Pop3Manager(ProtocolManager):
    protocol = "pop3"

    async def verify(self) -> None:
        raise ProtocolNotConfigured("pop3 support is not implemented yet")
