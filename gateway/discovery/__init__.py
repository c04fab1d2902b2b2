"""Account autodiscovery: the servers of an email address, from provider presets, the
domain's autoconfig file and RFC 6186 SRV records (``service.Autodiscovery``)."""

from .proposals import Discovery, Proposal, ServerBlock, SourceReport
from .service import Autodiscovery

__all__ = ["Autodiscovery", "Discovery", "Proposal", "ServerBlock", "SourceReport"]
