"""Raw RFC 5322 messages from clients, made ready for SMTP (pure: no I/O)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.parser import BytesHeaderParser
from email.utils import format_datetime, getaddresses

from ...errors import InvalidInput, PayloadTooLarge
from .build import MSG_ID_PATTERN, domain_of, new_message_id

_LINE_END = re.compile(rb"\r\n|\r|\n")
_FIELD = re.compile(rb"[!-9;-~]+:")  # RFC 5322 §3.6.8 field name, then the colon


@dataclass(frozen=True)
class RawMessage:
    """A client's raw message after normalisation, with the envelope its headers name."""

    raw: bytes
    message_id: str
    header_from: str | None
    header_rcpts: list[str]
    from_fields: tuple[str, ...] = ()  # the From header values as written


def normalise_raw(raw: bytes, *, default_domain: str, max_bytes: int | None = None) -> RawMessage:
    """CRLF line endings, a Message-ID and a Date when missing, Bcc removed (it is envelope only).

    RFC 5321 §2.3.8: lines end in CRLF on the wire; a bare CR or LF is not allowed.
    """
    if max_bytes is not None and len(raw) > max_bytes:
        raise PayloadTooLarge(f"the message is {len(raw)} bytes, over the limit of {max_bytes}")
    if not raw.strip():
        raise InvalidInput("the message is empty")
    data = _LINE_END.sub(b"\r\n", raw)
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        head, body = data[:-2], b""
    lines = head.split(b"\r\n")
    fault = _header_fault(lines)
    if fault is not None:
        raise InvalidInput(fault)
    headers = BytesHeaderParser(policy=policy.compat32).parsebytes(head + b"\r\n\r\n")

    kept = _drop_fields(lines, b"bcc")
    extra: list[bytes] = []
    message_id = (headers.get("Message-ID") or "").strip()
    if not MSG_ID_PATTERN.match(message_id):
        from_addrs = [a for _n, a in getaddresses(headers.get_all("From", [])) if "@" in a]
        message_id = new_message_id(domain_of(from_addrs[0]) if from_addrs else default_domain)
        kept = _drop_fields(kept, b"message-id")
        extra.append(b"Message-ID: " + message_id.encode())
    if headers.get("Date") is None:
        extra.append(b"Date: " + format_datetime(datetime.now(UTC)).encode())
    new_head = b"\r\n".join([*extra, *kept])
    out = new_head + b"\r\n\r\n" + body

    senders = [
        a
        for _n, a in getaddresses(headers.get_all("Sender", []) or headers.get_all("From", []))
        if a
    ]
    rcpts = [
        a
        for _n, a in getaddresses(
            [*headers.get_all("To", []), *headers.get_all("Cc", []), *headers.get_all("Bcc", [])]
        )
        if a
    ]
    return RawMessage(
        raw=out,
        message_id=message_id,
        header_from=senders[0] if senders else None,
        header_rcpts=rcpts,
        from_fields=tuple(str(v) for v in headers.get_all("From", [])),
    )


def message_fault(raw: bytes) -> str | None:
    """Why ``raw`` is not an RFC 5322 message (NUL, a header line that is no field), in words
    that quote none of it; None when its form is sound. Some servers store anything, others
    refuse such messages with a bare NO: this tells the caller's fault from the server's."""
    if b"\x00" in raw:
        return "the message contains NUL characters (RFC 5322 section 2.3)"
    head = _LINE_END.sub(b"\r\n", raw).split(b"\r\n\r\n", 1)[0]
    return _header_fault(head.split(b"\r\n"))


def eight_bit_header_line(raw: bytes) -> int | None:
    """The number of the first line of the message's own header holding a byte over 0x7F.

    RFC 5322 section 2.2: header fields are US-ASCII; 8-bit (UTF-8) ones are RFC 6532's,
    for servers that announce UTF8=ACCEPT (RFC 6855). Without it a server may store them
    altered (Cyrus writes "X" for each such byte), so they are refused before APPEND.
    The header of a MIME part or an attached message is not this one: servers keep those.
    """
    head = _LINE_END.sub(b"\r\n", raw).split(b"\r\n\r\n", 1)[0]
    if head.isascii():
        return None
    return next(number for number, line in enumerate(head.split(b"\r\n"), 1) if not line.isascii())


def _header_fault(lines: list[bytes]) -> str | None:
    """RFC 5322 section 2.2: the header is fields (name, colon, value) and their folded
    continuation lines, up to the first empty line. The lines themselves are never quoted
    back: they are the caller's message content."""
    if not lines or lines[0][:1] in (b" ", b"\t"):
        return "the message does not start with a header"
    for number, line in enumerate(lines, 1):
        if line[:1] not in (b" ", b"\t") and not _FIELD.match(line):
            return (
                f"header line {number} is not a field (name: value) nor a folded "
                "continuation; a blank line must end the header"
            )
    return None


def _drop_fields(lines: list[bytes], name: bytes) -> list[bytes]:
    """The header lines without field ``name`` (and its folded continuation lines)."""
    out: list[bytes] = []
    dropping = False
    for line in lines:
        if line[:1] in (b" ", b"\t"):
            if not dropping:
                out.append(line)
            continue
        field_name = line.split(b":", 1)[0].rstrip().lower()
        dropping = field_name == name
        if not dropping:
            out.append(line)
    return out
