"""What follows an accepted send: the copy in Sent, ``\\Answered`` on the original, the event.

None of it can fail the send: the message is already on its way. Failures are logged
and reported back (``saved_to_sent: false`` with ``sent_error``; the outbox history).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..errors import GatewayError
from ..events.bus import EventBus

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AfterSendReport:
    saved_to_sent: bool | None  # None: not asked for
    sent_id: str | None = None
    sent_error: str | None = None
    answered_error: str | None = None


class AfterSend:
    def __init__(self, mail: Callable[[], Any | None], events: EventBus, *,
                 timeout: float) -> None:
        self._mail = mail  # the IMAP MailService, looked up late (it may be wired after us)
        self._events = events
        self._timeout = timeout

    async def run(self, account_id: str, raw: bytes, *, save_to_sent: bool,
                  in_reply_to: str | None) -> AfterSendReport:
        mail = self._mail()
        saved: bool | None = None
        sent_id = sent_error = answered_error = None
        if save_to_sent and mail is not None:
            try:
                async with asyncio.timeout(self._timeout):
                    sent_id = await mail.append_special(account_id, "\\Sent", raw, ["\\Seen"])
                saved = True
            except (GatewayError, OSError, TimeoutError) as exc:
                saved, sent_error = False, _text(exc)
                log.warning("sent, but the copy to Sent of %s failed: %s", account_id, sent_error)
        elif save_to_sent:
            saved, sent_error = False, "IMAP is not available in this gateway"
        if in_reply_to and mail is not None:
            try:
                async with asyncio.timeout(self._timeout):
                    await mail.add_flags(account_id, in_reply_to, ["\\Answered"])
            except (GatewayError, OSError, TimeoutError) as exc:
                answered_error = _text(exc)
                log.warning("sent, but flagging %s \\Answered failed: %s", in_reply_to,
                            answered_error)
        return AfterSendReport(saved, sent_id, sent_error, answered_error)

    def publish_soon(self, type_: str, account_id: str, data: dict[str, Any]) -> None:
        """The event of a sync send, written by the bus's single background writer.

        Not in the request: with SQLite, a write per request from many connections makes
        writers queue on the database lock (busy-wait sleeps of milliseconds). The cost:
        a crash in the instant after the response loses that event, never the message.
        Queued sends record their event in the same transaction as their status.
        """
        self._events.publish_soon(type_, account_id, data)


def _text(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError) and not str(exc):
        return "timed out"
    detail = getattr(exc, "detail", None) or str(exc) or type(exc).__name__
    code = getattr(exc, "code", None)
    return f"{code}: {detail}" if code else detail
