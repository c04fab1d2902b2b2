"""Delivery status notifications (bounces) read into recipient, action and status (pure).

Two shapes:

- RFC 3464: a ``multipart/report; report-type=delivery-status`` whose
  ``message/delivery-status`` part (``message/global-delivery-status``, RFC 6533, too) holds
  one block of per-message fields and one block per recipient (section 2.3):
  ``Final-Recipient``/``Original-Recipient``, ``Action``, ``Status``, ``Diagnostic-Code``,
  ``Remote-MTA``.
- the common non-standard plain-text bounces, read by their wording
  (``gateway.protocols.mime.bounce_text``): Exim ("The following address(es) failed"),
  Postfix and qmail (``<x@y>: host ... said: 550 ...``, "Hi. This is the qmail-send
  program"), sendmail, Exchange ("Delivery has failed to these recipients"), Gmail
  ("Delivery to the following recipient failed permanently", "Your message wasn't delivered
  to"), and a bare ``X-Failed-Recipients`` header. Only a message that comes from a mail
  system (a ``MAILER-DAEMON``/``postmaster`` sender, a null ``Return-Path``, an
  ``X-Failed-Recipients`` or ``Auto-Submitted`` header) is read so: a person forwarding a
  bounce is not one.

The status is the RFC 3463 enhanced code (``5.1.1``). A ``Status`` of ``X.0.0`` gives way to
a more precise code of the same class in the diagnostic (Postfix reports ``5.0.0`` with the
remote server's ``550 5.1.1``); without any enhanced code the class comes from the SMTP
reply code (``550`` -> ``5.0.0``), else from the wording (permanent -> ``5.0.0``, delayed ->
``4.0.0``).

The original message's ``Message-ID`` comes from the report's ``message/rfc822`` or
``text/rfc822-headers`` part, else from Gmail's ``X-Original-Message-ID`` report field, else
from the copy of the message a plain bounce quotes, else from the report's own
``In-Reply-To`` (Exchange sets it).

Never raises on malformed input; the text looked at is bounded (``MAX_TEXT`` characters,
``MAX_PARTS`` parts, ``MAX_RECIPIENTS`` recipients).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email import message_from_bytes
from email.header import decode_header, make_header
from email.message import Message
from email.parser import BytesHeaderParser, HeaderParser
from email.policy import compat32

from .bounce_text import COPY_MARKERS, parse_bounce_text

MAX_TEXT = 256 * 1024
MAX_PARTS = 100
MAX_RECIPIENTS = 1000
MAX_DIAGNOSTIC = 1000

ACTIONS = frozenset({"failed", "delayed", "delivered", "relayed", "expanded"})
_STATUS_TYPES = ("message/delivery-status", "message/global-delivery-status")
_HEADER_TYPES = ("text/rfc822-headers", "message/global-headers")
_MESSAGE_TYPES = ("message/rfc822", "message/global")

# RFC 3463 enhanced status code, not a piece of a dotted IP address or version number.
_ENHANCED = re.compile(r"(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?!\.?\d)")
# RFC 5321 reply code: three digits, not part of a number, an address or a time.
_SMTP_CODE = re.compile(r"(?<![\d.:\-])([245])[0-5]\d(?![\d.:])")
_MSG_ID = re.compile(r"<[^<>\s]{1,900}>")
_CLASS = {"failed": "5", "delayed": "4"}


@dataclass(frozen=True)
class Bounce:
    """One recipient of a delivery status notification."""

    recipient: str
    action: str  # failed, delayed, delivered, relayed or expanded (RFC 3464 section 2.3.3)
    status: str | None  # RFC 3463 "5.1.1"
    diagnostic: str | None
    original_recipient: str | None = None
    remote_mta: str | None = None


@dataclass(frozen=True)
class DeliveryReport:
    """What a bounce says: its recipients, and which message bounced when it tells."""

    bounces: tuple[Bounce, ...]
    original_message_id: str | None
    reporting_mta: str | None
    standard: bool  # an RFC 3464 report (else a plain-text bounce read by its wording)


def parse_dsn(message: Message | bytes) -> DeliveryReport | None:
    """The delivery report in ``message`` (raw bytes or a parsed stdlib message, any
    policy), or None when it is not a bounce."""
    msg = (
        message_from_bytes(bytes(message), policy=compat32)
        if isinstance(message, bytes | bytearray | memoryview)
        else message
    )
    parts = _parts(msg)
    notification = _notification_text(parts)
    for part in parts:
        if part.get_content_type() in _STATUS_TYPES:
            per_message, bounces = _status_fields(part)
            if bounces:
                original = _original_id(
                    msg, parts, notification, per_message.get("x-original-message-id")
                )
                return DeliveryReport(
                    bounces, original, _typed(per_message.get("reporting-mta")), True
                )
    if not _from_mail_system(msg):
        return None
    failed = [
        address
        for value in header_values(msg, "x-failed-recipients")
        for address in value.split(",")
        if "@" in address
    ]
    found = tuple(
        Bounce(
            recipient,
            action,
            status_code(None, diagnostic, _CLASS[action]),
            clean_diagnostic(diagnostic),
        )
        for recipient, action, diagnostic in parse_bounce_text(notification, failed)
    )
    if not found:
        return None
    return DeliveryReport(
        found[:MAX_RECIPIENTS], _original_id(msg, parts, notification), None, False
    )


def may_be_bounce(header: Message | bytes) -> bool:
    """Whether a message whose header is ``header`` (bytes or a parsed header) may be a
    bounce, so worth reading whole with ``parse_dsn``: a delivery status report
    (``multipart/report; report-type=delivery-status``) or a message from a mail system."""
    msg = (
        BytesHeaderParser(policy=compat32).parsebytes(bytes(header)[:MAX_TEXT])
        if isinstance(header, bytes | bytearray | memoryview)
        else header
    )
    if msg.get_content_type() == "multipart/report":
        report = str(msg.get_param("report-type") or "").lower()
        if report in ("delivery-status", "global-delivery-status"):
            return True
    return _from_mail_system(msg)


def status_code(
    status: str | None, diagnostic: str | None = None, default_class: str | None = None
) -> str | None:
    """The RFC 3463 status from a ``Status`` value and a diagnostic (module docstring)."""
    given = _ENHANCED.search(status or "")
    told = _ENHANCED.search(diagnostic or "")
    if (
        given
        and told
        and given.group(1) == told.group(1)
        and given.group(0).endswith(".0.0")
        and not told.group(0).endswith(".0.0")
    ):
        return told.group(0)
    found = given or told
    if found:
        return found.group(0)
    code = _SMTP_CODE.search(diagnostic or "")
    if code:
        return f"{code.group(1)}.0.0"
    return f"{default_class}.0.0" if default_class else None


def clean_diagnostic(text: str | None) -> str | None:
    """One line, whitespace collapsed, at most ``MAX_DIAGNOSTIC`` characters."""
    if not text:
        return None
    flat = " ".join(text[: MAX_DIAGNOSTIC * 4].split())
    return flat[:MAX_DIAGNOSTIC] or None


def header_values(msg: Message, name: str) -> list[str]:
    """Every raw value of header ``name`` (unfolded), never raising on a malformed one."""
    out = []
    for key, value in msg.raw_items():
        if key.lower() == name:
            out.append(" ".join(str(value).split()))
    return out


def _header(msg: Message, name: str) -> str:
    values = header_values(msg, name)
    return values[0] if values else ""


def _decoded(value: str) -> str:
    try:
        return str(make_header(decode_header(value)))
    except (ValueError, LookupError, UnicodeError, TypeError):
        return value


def _parts(msg: Message) -> list[Message]:
    """The message's parts in document order, not descending into attached messages."""
    out: list[Message] = []
    stack = [msg]
    while stack and len(out) < MAX_PARTS:
        part = stack.pop()
        out.append(part)
        if part.get_content_maintype() == "multipart":
            children = part.get_payload()
            if isinstance(children, list):
                stack.extend(reversed(children))
    return out


def _text_of(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    charset = part.get_content_charset() or "utf-8"
    try:
        return payload[:MAX_TEXT].decode(charset, "replace")
    except LookupError:
        return payload[:MAX_TEXT].decode("latin-1")


def _notification_text(parts: list[Message]) -> str:
    """The human-readable text of the report: its first text/plain part."""
    for part in parts:
        if part.get_content_type() == "text/plain":
            return _text_of(part).replace("\r\n", "\n").replace("\r", "\n")
    return ""


def _field_blocks(part: Message) -> list[dict[str, str]]:
    """The field blocks of a delivery-status part, field names lowercased."""
    payload = part.get_payload()
    if not isinstance(payload, list):
        return _text_blocks(_text_of(part))
    # The stdlib parses message/delivery-status into one header-only message per block,
    # and message/global-delivery-status into one message: its first block as headers, the
    # other blocks as its body.
    blocks = []
    for block in payload[: MAX_RECIPIENTS + 1]:
        if isinstance(block, Message):
            blocks.append(_items(block))
            body = None if block.is_multipart() else block.get_payload(decode=True)
            if isinstance(body, bytes) and body.strip():
                blocks.extend(_text_blocks(body[:MAX_TEXT].decode("utf-8", "replace")))
    return blocks[: MAX_RECIPIENTS + 1]


def _text_blocks(text: str) -> list[dict[str, str]]:
    blocks: list[dict[str, str]] = []
    fields: dict[str, str] = {}
    last = ""
    for line in text.replace("\r\n", "\n").split("\n"):
        if not line.strip():
            if fields:
                blocks.append(fields)
                fields, last = {}, ""
            continue
        if line[0] in " \t":
            if last:
                fields[last] = f"{fields[last]} {line.strip()}"
            continue
        name, colon, value = line.partition(":")
        if colon and name.strip() and " " not in name.strip():
            last = name.strip().lower()
            fields.setdefault(last, value.strip())
    if fields:
        blocks.append(fields)
    return blocks


def _items(block: Message) -> dict[str, str]:
    """A header block's fields (the first of each name), unfolded, 8-bit text as UTF-8."""
    fields: dict[str, str] = {}
    for key, value in block.raw_items():
        text = str(value).encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        fields.setdefault(key.lower(), " ".join(text.split()))
    return fields


def _typed(value: str | None) -> str | None:
    """The value of a typed field (``rfc822; a@b`` -> ``a@b``, ``dns; mx`` -> ``mx``)."""
    if not value:
        return None
    kind, semi, rest = value.partition(";")
    text = (rest if semi else kind).strip()
    return text.strip("<>").strip() or None


def _status_fields(part: Message) -> tuple[dict[str, str], tuple[Bounce, ...]]:
    """The per-message fields (RFC 3464 section 2.2) and a bounce per recipient block."""
    per_message: dict[str, str] = {}
    bounces: list[Bounce] = []
    seen: set[tuple[str, str]] = set()
    for fields in _field_blocks(part):
        if "final-recipient" not in fields and "original-recipient" not in fields:
            for name, value in fields.items():
                per_message.setdefault(name, value)
        final = _typed(fields.get("final-recipient"))
        original = _typed(fields.get("original-recipient"))
        recipient = final or original
        if not recipient:
            continue
        diagnostic = clean_diagnostic(_typed(fields.get("diagnostic-code")))
        status = status_code(fields.get("status"), diagnostic)
        action = (fields.get("action") or "").strip().lower()
        if action not in ACTIONS:
            action = {"2": "delivered", "4": "delayed"}.get((status or "5")[0], "failed")
        if (recipient.lower(), action) in seen:
            continue
        seen.add((recipient.lower(), action))
        bounces.append(
            Bounce(
                recipient, action, status, diagnostic, original, _typed(fields.get("remote-mta"))
            )
        )
    return per_message, tuple(bounces[:MAX_RECIPIENTS])


_DAEMONS = (
    "mailer-daemon",
    "mailer_daemon",
    "maildaemon",
    "mail-daemon",
    "postmaster",
    "mail delivery",
    "mdaemon",
)


_BOUNCE_SUBJECTS = (
    "undeliverable",
    "undelivered",
    "delivery status notification",
    "returned mail",
    "delivery failure",
    "failure notice",
    "delivery failed",
    "could not be delivered",
    "delivery has failed",
    "unzustellbar",
    "non remis",
    "no se puede entregar",
    "onbestelbaar",
    "delayed mail",
)


def _from_mail_system(msg: Message) -> bool:
    if header_values(msg, "x-failed-recipients"):
        return True
    sender = _decoded(_header(msg, "from")).lower()
    if any(name in sender for name in _DAEMONS):
        return True
    return_path = _header(msg, "return-path").replace(" ", "").lower()
    if return_path in ("<>", "<mailer-daemon>"):
        return True
    # An auto-reply is a bounce only by its subject: an out-of-office reply is one too.
    auto = _header(msg, "auto-submitted").lower()
    subject = _decoded(_header(msg, "subject")).lower()
    return auto.startswith(("auto-replied", "auto-generated")) and any(
        word in subject for word in _BOUNCE_SUBJECTS
    )


def _original_id(
    msg: Message, parts: list[Message], notification: str, reported: str | None = None
) -> str | None:
    for part in parts:
        kind = part.get_content_type()
        if kind in _MESSAGE_TYPES:
            inner = part.get_payload()
            if isinstance(inner, list) and inner and isinstance(inner[0], Message):
                found = _first_id(_header(inner[0], "message-id"))
                if found:
                    return found
        elif kind in _HEADER_TYPES:
            headers = HeaderParser(policy=compat32).parsestr(_text_of(part))
            found = _first_id(_header(headers, "message-id"))
            if found:
                return found
    # Gmail's per-message X-Original-Message-ID, the copy a plain bounce quotes, and last
    # the report's own In-Reply-To.
    return _first_id(reported) or _quoted_id(notification) or _first_id(_header(msg, "in-reply-to"))


def _quoted_id(text: str) -> str | None:
    """The Message-ID in the copy of the message a plain bounce quotes after its marker."""
    lines = text.split("\n")
    for idx, line in enumerate(lines):
        low = line.lower()
        if len(low) < 200 and any(marker in low for marker in COPY_MARKERS):
            for candidate in lines[idx + 1 : idx + 400]:
                head, colon, value = candidate.partition(":")
                if colon and head.strip().lower() == "message-id":
                    return _first_id(value)
            return None
    return None


def _first_id(value: str | None) -> str | None:
    match = _MSG_ID.search(value or "")
    return match.group(0) if match else None
