"""Parse RFC 5322 / MIME messages into what the API shows: addresses, bodies, attachments.

Pure (no I/O) and forgiving: broken MIME (missing boundaries, bad base64, unknown
charsets, 8-bit junk in headers) degrades, it never raises. Parsing uses the stdlib
``email`` package with ``policy.compat32`` (about 10x faster than ``policy.default``)
and decodes RFC 2047 encoded words and 8-bit header bytes here.

Attachment ids are IMAP body part numbers (RFC 3501 section 6.4.5): the body of a
non-multipart message is part ``"1"``; the children of a multipart are ``"1"``,
``"2"``, ...; a nested multipart's children are ``"2.1"``, ...; an attached
``message/rfc822`` is a leaf and is not descended into. So an IMAP client can fetch
the same part with ``BODY.PEEK[<id>]``.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import html as html_lib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import getaddresses, parsedate_to_datetime

from ..errors import AttachmentNotFound

PREVIEW_CHARS = 200

# RFC 2047 section 2: =?charset?encoding?encoded-text?=  (charset may carry an
# RFC 2231 section 5 language suffix: utf-8*en).
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?]*)\?=")
_FOLD = re.compile(r"\r?\n(?=[ \t])")
_CRLF = re.compile(r"[\r\n]+")
_MSG_ID = re.compile(r"<[^<>\s]*>")
_WS = re.compile(r"\s+")
_TAGS = re.compile(r"<(script|style)\b.*?</\1\s*>|<[^>]*>", re.S | re.I)
_HEADER_END = re.compile(rb"\r?\n\r?\n")


@dataclass(frozen=True, slots=True)
class Address:
    name: str | None
    address: str


@dataclass(slots=True)
class AttachmentInfo:
    id: str
    filename: str | None
    content_type: str
    size: int
    content_id: str | None
    inline: bool


@dataclass(slots=True)
class ParsedMessage:
    message_id: str | None = None
    subject: str | None = None
    from_: list[Address] = field(default_factory=list)
    to: list[Address] = field(default_factory=list)
    cc: list[Address] = field(default_factory=list)
    bcc: list[Address] = field(default_factory=list)
    reply_to: list[Address] = field(default_factory=list)
    date: datetime | None = None
    in_reply_to: str | None = None
    references: list[str] = field(default_factory=list)
    headers: list[tuple[str, str]] = field(default_factory=list)
    text: str | None = None
    html: str | None = None
    attachments: list[AttachmentInfo] = field(default_factory=list)
    has_attachments: bool = False
    preview: str | None = None


# -- header decoding ---------------------------------------------------------------

def _fix_8bit(value: str) -> str:
    """Undo the parser's surrogateescape of raw 8-bit header bytes: UTF-8, else Latin-1."""
    if value.isascii():
        return value
    try:
        value.encode("utf-8")
        return value
    except UnicodeEncodeError:
        raw = value.encode("utf-8", "surrogateescape")
    return decode_bytes(raw, None)


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Decode with the declared charset, else UTF-8, else Latin-1 (which never fails)."""
    if charset:
        charset = charset.strip().strip('"').lower()
        try:
            codecs.lookup(charset)
            return data.decode(charset)
        except (LookupError, UnicodeDecodeError, ValueError):
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _word_bytes(encoding: str, text: str) -> bytes | None:
    try:
        if encoding in "bB":
            text = "".join(text.split())
            text += "=" * (-len(text) % 4)
            try:
                return base64.b64decode(text, validate=True)
            except binascii.Error:
                return base64.b64decode(text) or None  # lenient, unless nothing is left
        # RFC 2047 section 4.2: "_" is a space in Q encoding.
        return binascii.a2b_qp(text.encode("ascii", "replace"), header=True)
    except (binascii.Error, ValueError):
        return None


def decode_header(value: str | None) -> str | None:
    """Unfold a header value and decode its RFC 2047 encoded words; never raises."""
    if value is None:
        return None
    value = _fix_8bit(str(value))
    value = _CRLF.sub("", _FOLD.sub("", value))
    if "=?" not in value:
        return value
    try:
        return _decode_words(value)
    except Exception:  # noqa: BLE001 - a header must never break parsing
        return value


def _decode_words(value: str) -> str:
    out: list[str] = []
    pending: bytearray = bytearray()
    pending_charset: str | None = None
    pos = 0
    last_was_word = False

    def flush() -> None:
        nonlocal pending, pending_charset
        if pending_charset is not None:
            out.append(decode_bytes(bytes(pending), pending_charset))
        pending = bytearray()
        pending_charset = None

    for match in _ENCODED_WORD.finditer(value):
        between = value[pos:match.start()]
        # RFC 2047 section 6.2: whitespace between adjacent encoded words is ignored.
        if between and not (last_was_word and between.isspace()):
            flush()
            out.append(between)
        charset, encoding, text = match.groups()
        charset = charset.split("*", 1)[0]
        data = _word_bytes(encoding, text)
        if data is None:
            flush()
            out.append(match.group(0))
            last_was_word = False
        else:
            # Merge adjacent words of one charset: encoders split multi-byte characters.
            if pending_charset is not None and pending_charset.lower() != charset.lower():
                flush()
            pending_charset = charset
            pending += data
            last_was_word = True
        pos = match.end()
    flush()
    out.append(value[pos:])
    return "".join(out)


def parse_address_list(value: str | None) -> list[Address]:
    """Parse an address header (RFC 5322 section 3.4) into ``Address`` items; never raises."""
    if not value:
        return []
    value = _CRLF.sub(" ", _fix_8bit(str(value)))
    try:
        pairs = getaddresses([value])
    except Exception:  # noqa: BLE001
        return []
    out: list[Address] = []
    for name, address in pairs:
        address = address.strip()
        if not address:
            continue
        decoded = decode_header(name) if name else None
        out.append(Address(decoded.strip() or None if decoded else None, address))
    return out


def _parse_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(_fix_8bit(str(value)).strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except (OverflowError, ValueError):
        return None


def _first_msg_id(value: str | None) -> str | None:
    if not value:
        return None
    match = _MSG_ID.search(value)
    if match:
        return match.group(0)
    return value.strip() or None


def _msg_ids(value: str | None) -> list[str]:
    if not value:
        return []
    found = _MSG_ID.findall(value)
    return found or value.split()


# -- body structure ---------------------------------------------------------------

def _leaves(msg: Message) -> Iterator[tuple[str, Message, str | None]]:
    """Yield ``(part_number, part, parent_subtype)`` for every leaf, in IMAP numbering."""
    if not _is_container(msg):
        yield "1", msg, None
        return
    yield from _walk(msg, "")


def _walk(part: Message, prefix: str) -> Iterator[tuple[str, Message, str | None]]:
    subtype = part.get_content_subtype()
    payload = part.get_payload()
    for index, child in enumerate(payload if isinstance(payload, list) else [], start=1):
        if not isinstance(child, Message):
            continue
        number = f"{prefix}{index}"
        if _is_container(child):
            yield from _walk(child, number + ".")
        else:
            yield number, child, subtype


def _is_container(part: Message) -> bool:
    # An attached message/rfc822 is a leaf (RFC 3501 6.4.5): do not descend into it.
    return part.get_content_maintype() == "multipart" and isinstance(part.get_payload(), list)


def _filename(part: Message) -> str | None:
    try:
        # get_filename collapses RFC 2231 parameters (filename*=, filename*0*=) itself.
        name = part.get_filename()
    except Exception:  # noqa: BLE001
        name = None
    if not name:
        return None
    # Many mailers put RFC 2047 words into the parameter (against RFC 2047 section 5).
    return decode_header(str(name)) or None


def _content_id(part: Message) -> str | None:
    value = part.get("Content-ID")
    if value is None:
        return None
    value = decode_header(str(value)) or ""
    return value.strip() or None


def _payload_bytes(part: Message) -> bytes:
    if part.get_content_type() == "message/rfc822" or isinstance(part.get_payload(), list):
        inner = part.get_payload()
        if isinstance(inner, list):
            try:
                return b"".join(m.as_bytes() for m in inner if isinstance(m, Message))
            except Exception:  # noqa: BLE001
                return b""
    try:
        data = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001 - e.g. broken uuencode
        data = None
    if data is None:
        raw = part.get_payload()
        data = raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else b""
    return data


def _charset(part: Message) -> str | None:
    try:
        charset = part.get_param("charset")
    except Exception:  # noqa: BLE001
        return None
    if isinstance(charset, tuple):  # RFC 2231 encoded parameter
        charset = charset[2]
    return _fix_8bit(str(charset)) if charset else None


def _part_text(part: Message) -> str:
    text = decode_bytes(_payload_bytes(part), _charset(part))
    return text.replace("\r\n", "\n")


def _disposition(part: Message) -> str | None:
    try:
        return part.get_content_disposition()
    except Exception:  # noqa: BLE001
        return None


def _attachment_info(number: str, part: Message, parent: str | None,
                     filename: str | None, disposition: str | None,
                     payload: bytes) -> AttachmentInfo:
    content_id = _content_id(part)
    inline = disposition == "inline" or (
        disposition is None and content_id is not None and parent == "related"
    )
    return AttachmentInfo(
        id=number, filename=filename, content_type=part.get_content_type(),
        size=len(payload), content_id=content_id, inline=inline,
    )


def _make_preview(text: str | None, html: str | None) -> str | None:
    source = text
    if source is None and html is not None:
        source = html_lib.unescape(_TAGS.sub(" ", html))
    if source is None:
        return None
    preview = _WS.sub(" ", source[: PREVIEW_CHARS * 8]).strip()[:PREVIEW_CHARS]
    return preview or None


# -- public entry points ---------------------------------------------------------

def _parse(raw: bytes, headers_only: bool) -> Message:
    if headers_only:
        end = _HEADER_END.search(raw)
        head = raw[: end.end()] if end else raw
        return BytesHeaderParser(policy=compat32).parsebytes(head)
    return message_from_bytes(raw, policy=compat32)


def parse_message(raw: bytes, *, headers_only: bool = False) -> ParsedMessage:
    """Parse a whole message (or just its header block); never raises on broken input."""
    return _parse_message(raw, headers_only, None)


def parse_message_with_content(raw: bytes) -> tuple[ParsedMessage, dict[str, bytes]]:
    """``parse_message`` plus every attachment's decoded content, keyed by attachment id."""
    contents: dict[str, bytes] = {}
    return _parse_message(raw, False, contents), contents


def _parse_message(raw: bytes, headers_only: bool,
                   contents: dict[str, bytes] | None) -> ParsedMessage:
    msg = _parse(raw, headers_only)
    headers = [(str(name), decode_header(value) or "") for name, value in msg.raw_items()]
    first: dict[str, str] = {}
    for name, value in msg.raw_items():
        first.setdefault(str(name).lower(), str(value))

    out = ParsedMessage(
        message_id=_first_msg_id(decode_header(first.get("message-id"))),
        subject=decode_header(first.get("subject")),
        from_=parse_address_list(first.get("from")),
        to=parse_address_list(first.get("to")),
        cc=parse_address_list(first.get("cc")),
        bcc=parse_address_list(first.get("bcc")),
        reply_to=parse_address_list(first.get("reply-to")),
        date=_parse_date(first.get("date")),
        in_reply_to=_first_msg_id(decode_header(first.get("in-reply-to"))),
        references=_msg_ids(decode_header(first.get("references"))),
        headers=headers,
    )
    if headers_only:
        # Without the body only the top-level type hints at attachments.
        out.has_attachments = msg.get_content_type() == "multipart/mixed"
        return out

    for number, part, parent in _leaves(msg):
        ctype = part.get_content_type()
        disposition = _disposition(part)
        filename = _filename(part)
        is_body = (
            ctype in ("text/plain", "text/html")
            or (part.get_content_maintype() == "multipart")  # unparseable multipart: show it
        ) and disposition != "attachment" and filename is None
        if is_body and ctype == "text/html" and out.html is None:
            out.html = _part_text(part)
        elif is_body and ctype != "text/html" and out.text is None:
            out.text = _part_text(part)
        else:
            payload = _payload_bytes(part)
            out.attachments.append(
                _attachment_info(number, part, parent, filename, disposition, payload))
            if contents is not None:
                contents[number] = payload
    out.has_attachments = bool(out.attachments)
    out.preview = _make_preview(out.text, out.html)
    return out


def attachment_content(raw: bytes, attachment_id: str) -> tuple[AttachmentInfo, bytes]:
    """The decoded content of the leaf part numbered ``attachment_id``."""
    msg = _parse(raw, False)
    for number, part, parent in _leaves(msg):
        if number == attachment_id:
            payload = _payload_bytes(part)
            info = _attachment_info(number, part, parent, _filename(part), _disposition(part),
                                    payload)
            return info, payload
    raise AttachmentNotFound(f"no attachment {attachment_id!r} in this message")
