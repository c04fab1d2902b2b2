"""IMAP connection manager for one account (placeholder until implemented)."""

from __future__ import annotations

from ..errors import ProtocolNotConfigured
from .manager import ProtocolManager


class ImapPool(ProtocolManager):
    protocol = "imap"

    async def verify(self) -> None:
        raise ProtocolNotConfigured("imap support is not implemented yet")
