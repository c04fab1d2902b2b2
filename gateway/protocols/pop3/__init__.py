"""POP3 for the gateway: wire framing (``framing``) and the asyncio client (``client``)."""

from .client import PIPELINE_WINDOW, Pop3Client
from .framing import FramingError, Reply, ResponseBuffer, reply_error, unstuff

__all__ = [
    "PIPELINE_WINDOW",
    "FramingError",
    "Pop3Client",
    "Reply",
    "ResponseBuffer",
    "reply_error",
    "unstuff",
]
