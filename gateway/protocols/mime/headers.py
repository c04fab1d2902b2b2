"""Header values as people read them: RFC 2047 words, 8-bit bytes, addresses, dates, ids.

Pure and forgiving: nothing here raises on broken input. Used by ``mime_parse`` and by
the IMAP side (ENVELOPE strings), so both show the same text for the same header.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import re
from datetime import UTC, datetime
from email.utils import getaddresses, parsedate_to_datetime

from ...model.messages import ParsedAddress

# RFC 2047 section 2: =?charset?encoding?encoded-text?=  (charset may carry an
# RFC 2231 section 5 language suffix: utf-8*en).
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?]*)\?=")
_FOLD = re.compile(r"\r?\n(?=[ \t])")
_CRLF = re.compile(r"[\r\n]+")
_MSG_ID = re.compile(r"<[^<>\s]*>")


Address = ParsedAddress  # an address as read from a header


def fix_8bit(value: str) -> str:
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
    value = fix_8bit(str(value))
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
        between = value[pos : match.start()]
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
    value = _CRLF.sub(" ", fix_8bit(str(value)))
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


def parse_date(value: str | None) -> datetime | None:
    """An RFC 5322 date as a UTC-aware datetime (no zone: taken as UTC), or None."""
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(fix_8bit(str(value)).strip())
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


def first_msg_id(value: str | None) -> str | None:
    """The first ``<id>`` of Message-ID / In-Reply-To (or the bare value)."""
    if not value:
        return None
    match = _MSG_ID.search(value)
    if match:
        return match.group(0)
    return value.strip() or None


def msg_ids(value: str | None) -> list[str]:
    """Every ``<id>`` of a References header (or its whitespace-separated words)."""
    if not value:
        return []
    found = _MSG_ID.findall(value)
    return found or value.split()
