"""What follows an accepted send: the copy in Sent, ``\\Answered`` on the original, the event.

No copy goes to Sent on Gmail: its IMAP server says ``X-GM-EXT-1``, and Gmail files the
mail its SMTP server sends in "[Gmail]/Sent Mail" itself (``saved_to_sent`` is true, with
no ``sent_id``).

None of it can fail the send: the message is already on its way. Failures are logged
and reported back (``saved_to_sent: false`` with ``sent_error``; the outbox history).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from ..errors import GatewayError
from ..events.bus import EventBus
from ..imap.service import MailService

log = logging.getLogger(__name__)

_FLUSH_EVERY = 0.05  # seconds a batch of sync-send events may gather
_BATCH = 200
_MAX_PENDING = 100_000


@dataclass(frozen=True)
class AfterSendReport:
    saved_to_sent: bool | None  # None: not asked for
    sent_id: str | None = None
    sent_error: str | None = None
    answered_error: str | None = None


class AfterSend:
    def __init__(self, mail: MailService, events: EventBus, *, timeout: float) -> None:
        self._mail = mail
        self._events = events
        self._timeout = timeout
        self._pending: list[tuple[str, str, dict[str, Any]]] = []
        self._flush_now = asyncio.Event()

    async def follow_up(
        self, account_id: str, raw: bytes, *, save_to_sent: bool, in_reply_to: str | None
    ) -> AfterSendReport:
        """Copy to Sent and flag the original; report what failed."""
        mail = self._mail
        saved: bool | None = None
        sent_id = sent_error = answered_error = None
        if save_to_sent and mail is not None:
            try:
                async with asyncio.timeout(self._timeout):
                    # Gmail (X-GM-EXT-1) files what it sends in its Sent Mail itself: a copy
                    # would be a second one. Keyed on the capability, not on host names.
                    if not await mail.files_sent_mail(account_id):
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
                log.warning(
                    "sent, but flagging %s \\Answered failed: %s", in_reply_to, answered_error
                )
        return AfterSendReport(saved, sent_id, sent_error, answered_error)

    def publish_soon(self, type_: str, account_id: str, data: dict[str, Any]) -> None:
        """Queue the event of a sync send; ``run`` writes the queue in batches.

        Not in the request: with SQLite a write per request makes the requests queue on
        the database lock, and one transaction (and one wake-up of the webhook
        dispatcher) per batch instead of per message costs a fraction of the CPU. The
        price: a crash in the ~50 ms before the flush loses those events, never a
        message. Queued sends record their event in the same transaction as their status.
        """
        if len(self._pending) >= _MAX_PENDING:
            log.warning("event backlog full; dropping %s for %s", type_, account_id)
            return
        self._pending.append((type_, account_id, data))
        self._flush_now.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Background service: flush queued events every ``_FLUSH_EVERY`` s, and at stop."""
        while not stop.is_set():
            waiters = [
                asyncio.ensure_future(stop.wait()),
                asyncio.ensure_future(self._flush_now.wait()),
            ]
            try:
                await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for waiter in waiters:
                    waiter.cancel()
            if not stop.is_set():
                await asyncio.sleep(_FLUSH_EVERY)  # let a batch gather
            await self.flush(final=stop.is_set())

    async def flush(self, *, final: bool = False) -> None:
        """Write the queued events; retried while running, given up at shutdown."""
        self._flush_now.clear()
        while self._pending:
            batch_items = self._pending[:_BATCH]
            try:
                async with self._events.transaction() as batch:
                    await batch.add_many(batch_items)
            except Exception:  # an event store hiccup must not stop the sending
                if final:
                    log.exception("dropping %d send events at shutdown", len(self._pending))
                    self._pending.clear()
                    return
                log.exception("could not write %d send events; retrying", len(batch_items))
                await asyncio.sleep(1.0)
                continue
            del self._pending[: len(batch_items)]


def _text(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError) and not str(exc):
        return "timed out"
    detail = getattr(exc, "detail", None) or str(exc) or type(exc).__name__
    code = getattr(exc, "code", None)
    return f"{code}: {detail}" if code else detail
