"""What the gateway derives from a message it reads (issue #14, item 4): the reply-only text
(``protocols/mime/reply.py``; from the HTML converted to text when there is no plain text) and,
for a delivery status notification, what it reports (``protocols/mime/dsn.py``).

A bounce is read whole only when its header says it may be one (``dsn.may_be_bounce``: a
delivery-status report, or a message from a mail system), and then at most
``BOUNCE_READ_MAX`` bytes of it: the report comes before the returned message.
"""

from __future__ import annotations

from ..model.messages import BounceRecipient, BounceReport, ParsedMessage
from ..protocols.imap import ImapSession
from ..protocols.mime.dsn import DeliveryReport, may_be_bounce, parse_dsn
from ..protocols.mime.html_text import html_to_text
from ..protocols.mime.reply import reply_text
from .ids import MessageRef

BOUNCE_READ_MAX = 512 * 1024


def set_reply_text(parsed: ParsedMessage) -> None:
    """``parsed.reply_text``: the new text of the message (None without any text)."""
    if parsed.text and parsed.text.strip():
        parsed.reply_text = reply_text(parsed.text).text
    elif parsed.html:
        text = html_to_text(parsed.html)
        parsed.reply_text = reply_text(None, text).text if text else None


def bounce_report(raw: bytes) -> BounceReport | None:
    """The bounce report in a message's source (or its first bytes), None if not a bounce."""
    return as_model(parse_dsn(raw))


def as_model(report: DeliveryReport | None) -> BounceReport | None:
    if report is None:
        return None
    return BounceReport(
        tuple(
            BounceRecipient(b.recipient, b.action, b.status, b.diagnostic) for b in report.bounces
        ),
        report.original_message_id,
    )


async def read_bounce(session: ImapSession, ref: MessageRef, header: bytes) -> BounceReport | None:
    """The report of the selected mailbox's message ``ref`` whose header is ``header``, when
    it is a bounce (one more FETCH, only for a message that may be one)."""
    if not may_be_bounce(header):
        return None
    data = await session.uid_fetch(
        str(ref.uid).encode(), b"(UID BODY.PEEK[]<0.%d>)" % BOUNCE_READ_MAX
    )
    item = data.get(ref.uid) or {}
    raw = next(
        (v for k, v in item.items() if k.startswith(b"BODY[") and isinstance(v, bytes)), None
    )
    return bounce_report(raw) if raw else None
