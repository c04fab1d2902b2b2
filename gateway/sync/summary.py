"""The ``message.new`` payload from one FETCH (ENVELOPE, FLAGS, RFC822.SIZE, INTERNALDATE)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ..imap.ids import encode_mailbox_id, encode_message_id
from ..protocols.mime.parse import decode_header
from .changes import normalise_flags

SUMMARY_ITEMS = b"(UID FLAGS RFC822.SIZE INTERNALDATE ENVELOPE)"


def _text(value: Any) -> str | None:
    if value is None:
        return None
    raw = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    return decode_header(raw)


def _addresses(items: Any) -> list[dict[str, str | None]]:
    out = []
    for item in items or ():
        mailbox, host = getattr(item, "mailbox", None), getattr(item, "host", None)
        if mailbox is None or host is None:
            continue  # group syntax markers (RFC 3501 section 7.4.2)
        out.append({"name": _text(item.name) or None, "address": f"{_text(mailbox)}@{_text(host)}"})
    return out


def _iso(value: Any) -> str | None:
    if not isinstance(value, datetime):
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def message_summary(
    mailbox: str, uidvalidity: int, uid: int, data: dict[bytes, Any]
) -> dict[str, Any]:
    """``{id, uid, mailbox, mailbox_id, message_id, subject, from, to, cc, date, flags, size}``."""
    env = data.get(b"ENVELOPE")
    return {
        "id": encode_message_id(mailbox, uidvalidity, uid),
        "uid": uid,
        "mailbox": mailbox,
        "mailbox_id": encode_mailbox_id(mailbox),
        "message_id": _text(getattr(env, "message_id", None)),
        "subject": _text(getattr(env, "subject", None)),
        "from": (_addresses(getattr(env, "from_", None)) or [None])[0],
        "to": _addresses(getattr(env, "to", None)),
        "cc": _addresses(getattr(env, "cc", None)),
        "date": _iso(getattr(env, "date", None)) or _iso(data.get(b"INTERNALDATE")),
        "flags": list(normalise_flags(data.get(b"FLAGS", ()))),
        "size": data.get(b"RFC822.SIZE"),
    }
