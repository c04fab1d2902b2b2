"""SMTP connection manager for one account (placeholder until implemented)."""

from __future__ import annotations

from ..errors import ProtocolNotConfigured
from .manager import ProtocolManager


class SmtpPool(ProtocolManager):
    protocol = "smtp"

    async def verify(self) -> None:
        raise ProtocolNotConfigured("smtp support is not implemented yet")
