"""What a listing needs from ENVELOPE and BODYSTRUCTURE (RFC 3501 section 7.4.2), cheaply.

The envelope and body structure of (mailbox, UIDVALIDITY, UID) never change,
so they are turned into a plain dict once and cached (see ``cache``).
Attachments are counted the way ``protocols.mime_parse`` lists them, and
parts are numbered the same way (message/rfc822 is a leaf).
"""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ..protocols.mime_parse import decode_bytes, decode_header

__all__ = ["PartInfo", "summary_from_fetch", "summary_items", "leaf_parts", "find_part", "iso"]

SUMMARY_ITEMS = b"(UID FLAGS ENVELOPE BODYSTRUCTURE RFC822.SIZE INTERNALDATE)"
# RFC 8970: the server computes a short text preview (Dovecot, Cyrus); cached like the rest.
SUMMARY_ITEMS_PREVIEW = b"(UID FLAGS ENVELOPE BODYSTRUCTURE RFC822.SIZE INTERNALDATE PREVIEW)"


def summary_items(has_preview: bool) -> bytes:
    return SUMMARY_ITEMS_PREVIEW if has_preview else SUMMARY_ITEMS


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        value = decode_bytes(value, None) if not value.isascii() else value.decode("ascii")
    return decode_header(str(value))


def _addresses(items: Any) -> list[dict[str, str | None]]:
    out: list[dict[str, str | None]] = []
    for addr in items or ():
        mailbox, host = addr.mailbox, addr.host
        if host is None:  # RFC 3501 group syntax markers: no address of their own
            continue
        local = mailbox.decode("utf-8", "replace") if isinstance(mailbox, bytes) else ""
        domain = host.decode("utf-8", "replace") if isinstance(host, bytes) else ""
        name = _text(addr.name)
        out.append({"name": name or None, "address": f"{local}@{domain}" if domain else local})
    return out


def summary_from_fetch(data: dict[bytes, Any]) -> dict[str, Any]:
    """The immutable part of a listing item, from one parsed FETCH response."""
    env = data.get(b"ENVELOPE")
    structure = data.get(b"BODYSTRUCTURE")
    date = env.date if env is not None and env.date is not None else data.get(b"INTERNALDATE")
    msg_id = _text(env.message_id) if env is not None else None
    return {
        "message_id": msg_id.strip() if msg_id else None,
        "subject": _text(env.subject) if env is not None else None,
        "from": _addresses(env.from_) if env is not None else [],
        "to": _addresses(env.to) if env is not None else [],
        "cc": _addresses(env.cc) if env is not None else [],
        "date": iso(date),
        "size": data.get(b"RFC822.SIZE") or 0,
        "has_attachments": structure is not None and any(
            _is_attachment(p) for _, p in leaf_parts(structure)),
        "preview": _preview(data.get(b"PREVIEW")),
        "_structure": structure,
    }


def _preview(value: Any) -> str | None:
    if isinstance(value, tuple):  # the draft's "(FUZZY text)" form
        value = next((v for v in reversed(value) if isinstance(v, bytes)), None)
    if not isinstance(value, bytes) or not value:
        return None
    return value.decode("utf-8", "replace")


# -- BODYSTRUCTURE -------------------------------------------------------------------------


@dataclass(slots=True)
class PartInfo:
    """One leaf of a body structure."""

    number: str
    content_type: str
    encoding: str
    size: int  # encoded octets on the server
    filename: str | None
    charset: str | None

    def disposition_header(self) -> str:
        """``Content-Disposition`` for a download (RFC 6266; RFC 8187 for non-ASCII names)."""
        if not self.filename:
            return "attachment"
        name = "".join(c for c in self.filename if c >= " " and c != "\x7f")
        ascii_name = name.encode("ascii", "replace").decode().replace('"', "'").replace("\\", "_")
        quoted = urllib.parse.quote(name, safe="")
        return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quoted}"


def _is_multipart(part: Any) -> bool:
    return isinstance(part, (list, tuple)) and len(part) > 0 and isinstance(part[0], list)


def leaf_parts(structure: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """``[(part_number, leaf)]`` in IMAP numbering (RFC 3501 section 6.4.5)."""
    if not _is_multipart(structure):
        return [(prefix + "1" if not prefix else prefix.rstrip("."), structure)]
    out: list[tuple[str, Any]] = []
    for index, child in enumerate(structure[0], start=1):
        number = f"{prefix}{index}"
        if _is_multipart(child):
            out.extend(leaf_parts(child, number + "."))
        else:
            out.append((number, child))
    return out


def _s(value: Any) -> str:
    return value.decode("utf-8", "replace").lower() if isinstance(value, bytes) else ""


def _params(value: Any) -> dict[str, bytes]:
    if not isinstance(value, tuple):
        return {}
    return {_s(value[i]): value[i + 1] for i in range(0, len(value) - 1, 2)
            if isinstance(value[i + 1], bytes)}


def _disposition(leaf: Any) -> tuple[str | None, dict[str, bytes]]:
    ctype = _s(leaf[0])
    # Extension data starts after the fields every body type has (RFC 3501 section 7.4.2).
    index = {"text": 9, "message": 11}.get(ctype, 8)
    if ctype == "message" and _s(leaf[1]) != "rfc822":
        index = 8
    if len(leaf) > index and isinstance(leaf[index], tuple) and leaf[index]:
        disp = leaf[index]
        return _s(disp[0]) or None, _params(disp[1]) if len(disp) > 1 else {}
    return None, {}


def _rfc2231(params: dict[str, bytes], name: str) -> str | None:
    """A parameter, joining RFC 2231 continuations and decoding ``charset''%XX`` values."""
    if name in params:
        return decode_header(params[name].decode("utf-8", "replace"))
    if name + "*" in params:
        pieces = [(0, params[name + "*"], True)]
    else:
        pieces = []
        for key, value in params.items():
            base, _, rest = key.partition("*")
            if base == name and rest:
                num, _, star = rest.partition("*")
                if num.isdigit():
                    pieces.append((int(num), value, star == "" and rest.endswith("*")))
        pieces.sort()
    if not pieces:
        return None
    raw = b"".join(v for _, v, _ in pieces).decode("ascii", "replace")
    if any(enc for _, _, enc in pieces) and raw.count("'") >= 2:
        charset, _, rest = raw.partition("'")
        _, _, value = rest.partition("'")
        try:
            return urllib.parse.unquote(value, encoding=charset or "utf-8", errors="replace")
        except LookupError:
            return urllib.parse.unquote(value, errors="replace")
    return raw


_MEDIA_TYPE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]{0,126}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\Z")


def part_info(number: str, leaf: Any) -> PartInfo:
    params = _params(leaf[2]) if len(leaf) > 2 else {}
    _, disp_params = _disposition(leaf)
    filename = _rfc2231(disp_params, "filename") or _rfc2231(params, "name")
    charset = params.get("charset")
    content_type = f"{_s(leaf[0]) or 'application'}/{_s(leaf[1]) or 'octet-stream'}"
    if not _MEDIA_TYPE.match(content_type):  # the sender wrote it: it goes into a header
        content_type = "application/octet-stream"
    return PartInfo(
        number=number,
        content_type=content_type,
        encoding=_s(leaf[5]) if len(leaf) > 5 else "7bit",
        size=leaf[6] if len(leaf) > 6 and isinstance(leaf[6], int) else 0,
        filename=filename,
        charset=charset.decode("ascii", "replace") if charset else None,
    )


def _is_attachment(leaf: Any) -> bool:
    ctype = f"{_s(leaf[0])}/{_s(leaf[1])}" if len(leaf) > 1 else ""
    disposition, disp_params = _disposition(leaf)
    params = _params(leaf[2]) if len(leaf) > 2 else {}
    named = any(k.startswith("filename") for k in disp_params) or any(
        k.startswith("name") for k in params)
    return ctype not in ("text/plain", "text/html") or disposition == "attachment" or named


def find_part(structure: Any, number: str) -> PartInfo | None:
    for num, leaf in leaf_parts(structure):
        if num == number:
            return part_info(num, leaf)
    return None
