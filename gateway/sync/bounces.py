"""``message.bounce``: a new message that is a delivery status notification (issue #14).

The watcher's FETCH of new messages also asks for a few header fields (``HINT_ITEMS``);
a message whose header says it may be a bounce (``dsn.may_be_bounce``: a delivery-status
report, or a message from a mail system) is read (its first ``BOUNCE_READ_MAX`` bytes,
where the report is) and parsed (``dsn.parse_dsn``). A bounce gives one ``message.bounce``
event beside its ``message.new``, in the same transaction.
"""

from __future__ import annotations

from typing import Any

from ..protocols.imap import ImapSession
from ..protocols.imap.parsing import parse_fetch
from ..protocols.mime.dsn import DeliveryReport, may_be_bounce, parse_dsn

HINT_ITEMS = (
    b"BODY.PEEK[HEADER.FIELDS (CONTENT-TYPE FROM SUBJECT RETURN-PATH AUTO-SUBMITTED "
    b"X-FAILED-RECIPIENTS)]"
)
BOUNCE_READ_MAX = 512 * 1024


def may_be(data: dict[bytes, Any]) -> bool:
    """Whether a new message's FETCH (with ``HINT_ITEMS``) says it may be a bounce."""
    header = next(
        (
            v
            for k, v in data.items()
            if isinstance(k, bytes) and k.startswith(b"BODY[HEADER.FIELDS")
        ),
        None,
    )
    return isinstance(header, bytes) and bool(header.strip()) and may_be_bounce(header)


async def read_reports(
    session: ImapSession, uids: list[int]
) -> tuple[dict[int, DeliveryReport], bool]:
    """The reports of the bounces among ``uids`` (selected mailbox), and whether the server
    announced changes meanwhile (EXISTS, EXPUNGE)."""
    reports: dict[int, DeliveryReport] = {}
    dirty = False
    for uid in uids:
        result = await session.command(
            b"UID", b"FETCH", b"%d" % uid, b"(UID BODY.PEEK[]<0.%d>)" % BOUNCE_READ_MAX
        )
        dirty |= any(r.kind in (b"EXISTS", b"EXPUNGE", b"VANISHED") for r in result.untagged)
        data = parse_fetch(result.untagged).get(uid) or {}
        raw = next(
            (v for k, v in data.items() if k.startswith(b"BODY[") and isinstance(v, bytes)), None
        )
        report = parse_dsn(raw) if raw else None
        if report is not None:
            reports[uid] = report
    return reports, dirty


def bounce_event(summary: dict[str, Any], report: DeliveryReport) -> dict[str, Any]:
    """The ``message.bounce`` payload: the bounce's ``message.new`` fields, the Message-ID of
    the message that bounced, and each recipient it reports on."""
    return {
        **{
            k: summary.get(k)
            for k in ("id", "uid", "mailbox", "mailbox_id", "message_id", "subject", "from", "date")
        },
        "bounced_message_id": report.original_message_id,
        "bounce": [
            {
                "recipient": b.recipient,
                "action": b.action,
                "status": b.status,
                "diagnostic": b.diagnostic,
            }
            for b in report.bounces
        ],
    }
