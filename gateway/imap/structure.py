"""What a listing needs from ENVELOPE and BODYSTRUCTURE (RFC 3501 section 7.4.2), cheaply.

The envelope and body structure of (mailbox, UIDVALIDITY, UID) never change,
so they are turned into a :class:`Summary` once and cached (see ``cache``).
The same structure decides what a read message shows (``plan_body``: its text, html
and attachments, numbered as the server numbers parts, message/rfc822 a leaf) and
what an attachment download fetches (``find_part``), so the two never disagree.
"""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ..model.messages import ParsedAddress as Address
from ..protocols.imap import gmail
from ..protocols.mime.parse import decode_bytes, decode_header
from .ids import MessageRef, encode_mailbox_id

__all__ = [
    "BodyPlan",
    "GmailFacts",
    "MessagePage",
    "PartInfo",
    "Summary",
    "find_part",
    "flag_items",
    "iso",
    "labels_of",
    "leaf_parts",
    "plan_body",
    "summary_from_fetch",
    "summary_items",
    "walk_leaves",
]

SUMMARY_ITEMS = b"(UID FLAGS ENVELOPE BODYSTRUCTURE RFC822.SIZE INTERNALDATE)"
# RFC 8970: the server computes a short text preview (Dovecot, Cyrus); cached like the rest.
SUMMARY_ITEMS_PREVIEW = b"(UID FLAGS ENVELOPE BODYSTRUCTURE RFC822.SIZE INTERNALDATE PREVIEW)"
# Gmail (X-GM-EXT-1): its thread and message ids (cached: they never change) and its labels
# (not cached: they change like flags, and travel with them).
_GMAIL_ITEMS = b" " + gmail.FETCH_IDS + b" " + gmail.FETCH_LABELS + b")"


# Threading (gateway/threads): References (In-Reply-To and Message-ID are in ENVELOPE), and
# RFC 8474 THREADID where the server offers OBJECTID. Gmail has its X-GM-THRID instead.
_THREAD_ITEMS = b" BODY.PEEK[HEADER.FIELDS (REFERENCES)])"
_OBJECTID_ITEMS = b" THREADID" + _THREAD_ITEMS


def summary_items(has_preview: bool, on_gmail: bool = False, objectid: bool = False) -> bytes:
    items = SUMMARY_ITEMS_PREVIEW if has_preview else SUMMARY_ITEMS
    if on_gmail:
        return items[:-1] + _GMAIL_ITEMS
    return items[:-1] + (_OBJECTID_ITEMS if objectid else _THREAD_ITEMS)


def flag_items(on_gmail: bool) -> bytes:
    """What changes on a message: its flags, and on Gmail its labels."""
    return b"(UID FLAGS " + gmail.FETCH_LABELS + b")" if on_gmail else b"(UID FLAGS)"


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


@dataclass(slots=True, eq=False)
class Summary:
    """A listing item but its flags: what never changes under (mailbox, UIDVALIDITY, UID),
    from ENVELOPE, BODYSTRUCTURE and friends."""

    id: str  # the API's message id
    uid: int
    mailbox: str  # the mailbox id
    message_id: str | None
    subject: str | None
    from_: list[Address]
    to: list[Address]
    cc: list[Address]
    date: str | None  # RFC 3339, UTC
    size: int
    has_attachments: bool
    preview: str | None
    structure: Any  # the parsed BODYSTRUCTURE (None: the server sent none)
    # Gmail's X-GM-THRID and X-GM-MSGID (None elsewhere).
    gmail_thread_id: int | None = None
    gmail_message_id: int | None = None
    # For threading: the Date header (None: none; INTERNALDATE is not the same on every
    # server), In-Reply-To, References' ids, the server's RFC 8474 THREADID.
    sent: datetime | None = None
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    server_thread_id: str | None = None
    thread_memo: Any = None  # gateway/imap/threads.py's ThreadMemo
    # The API serializer's memo: the item's JSON without its flags (it never changes).
    rendered: bytes | None = None


@dataclass(slots=True)
class MessagePage:
    """A page of a listing: each message's summary and current flags, newest first.

    (Pairs, not an object per item: a listing of 500 is on the hot path.) On Gmail,
    ``labels`` holds each message's current X-GM-LABELS by UID; elsewhere it is None.
    """

    items: list[tuple[Summary, list[str]]]
    next_cursor: str | None
    total: int | None
    labels: dict[int, tuple[str, ...]] | None = None
    state: str | None = None  # the account's change-feed state for this mailbox
    # Each item's thread id by message id (gateway/imap/threads.py); with collapse_threads,
    # how many messages of the listing each shown item's thread has.
    thread_ids: dict[str, str] | None = None
    thread_counts: dict[str, int] | None = None


@dataclass(frozen=True, slots=True)
class GmailFacts:
    """What Gmail (X-GM-EXT-1) says of a message: its labels now, its thread and its id."""

    labels: tuple[str, ...]
    thread_id: int | None
    message_id: int | None

    @classmethod
    def of(cls, summary: Summary, labels: tuple[str, ...]) -> GmailFacts:
        return cls(labels, summary.gmail_thread_id, summary.gmail_message_id)

    @staticmethod
    def hex(value: int | None) -> str | None:
        """An id as the Gmail API and web interface write it (hexadecimal)."""
        return None if value is None else gmail.hex_id(value)


def labels_of(data: dict[bytes, Any]) -> tuple[str, ...]:
    """A FETCH response's Gmail labels (none when it has no X-GM-LABELS)."""
    return data.get(b"X-GM-LABELS", ())


def _addresses(items: Any) -> list[Address]:
    out: list[Address] = []
    for addr in items or ():
        mailbox, host = addr.mailbox, addr.host
        if host is None:  # RFC 3501 group syntax markers: no address of their own
            continue
        local = mailbox.decode("utf-8", "replace") if isinstance(mailbox, bytes) else ""
        domain = host.decode("utf-8", "replace") if isinstance(host, bytes) else ""
        name = _text(addr.name)
        out.append(Address(name or None, f"{local}@{domain}" if domain else local))
    return out


def summary_from_fetch(data: dict[bytes, Any], ref: MessageRef) -> Summary:
    """The immutable part of the listing item of ``ref``, from its parsed FETCH response."""
    env = data.get(b"ENVELOPE")
    structure = data.get(b"BODYSTRUCTURE")
    date = env.date if env is not None and env.date is not None else data.get(b"INTERNALDATE")
    msg_id = _text(env.message_id) if env is not None else None
    return Summary(
        id=ref.id,
        uid=ref.uid,
        mailbox=encode_mailbox_id(ref.mailbox),
        message_id=msg_id.strip() if msg_id else None,
        subject=_text(env.subject) if env is not None else None,
        from_=_addresses(env.from_) if env is not None else [],
        to=_addresses(env.to) if env is not None else [],
        cc=_addresses(env.cc) if env is not None else [],
        date=iso(date),
        size=data.get(b"RFC822.SIZE") or 0,
        has_attachments=structure is not None and bool(plan_body(structure).attachments),
        preview=_preview(data.get(b"PREVIEW")),
        structure=structure,
        gmail_thread_id=data.get(b"X-GM-THRID"),
        gmail_message_id=data.get(b"X-GM-MSGID"),
        sent=env.date if env is not None and isinstance(env.date, datetime) else None,
        in_reply_to=_text(env.in_reply_to) if env is not None else None,
        references=_references(data),
        server_thread_id=_objectid(data.get(b"THREADID")),
    )


_MSG_ID = re.compile(r"<[^<>\s]{1,998}>")
_MAX_REFERENCES = 100  # as gateway.threads.references keeps: the first and the last ones


def _references(data: dict[bytes, Any]) -> tuple[str, ...]:
    """The ids of the References header in a ``BODY[HEADER.FIELDS (REFERENCES)]`` item."""
    raw = next(
        (
            v
            for k, v in data.items()
            if isinstance(k, bytes) and k.startswith(b"BODY[HEADER.FIELDS")
        ),
        None,
    )
    if not isinstance(raw, bytes) or not raw:
        return ()
    ids = _MSG_ID.findall(raw[:65536].decode("utf-8", "replace"))
    if len(ids) > _MAX_REFERENCES:
        ids = ids[:1] + ids[-(_MAX_REFERENCES - 1) :]
    return tuple(ids)


_OBJECTID = re.compile(rb"[A-Za-z0-9_-]{1,255}")  # RFC 8474 section 4: objectid


def _objectid(value: Any) -> str | None:
    """RFC 8474 ``THREADID (<objectid>)`` (NIL: the server has no thread for it)."""
    if isinstance(value, tuple | list) and len(value) == 1:
        value = value[0]
    if isinstance(value, bytes) and _OBJECTID.fullmatch(value):
        return value.decode("ascii")
    return None


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
    disposition: str | None = None
    content_id: str | None = None
    inline: bool = False

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


def leaf_parts(structure: Any) -> list[tuple[str, Any]]:
    """``[(part_number, leaf)]`` in IMAP numbering (RFC 3501 section 6.4.5)."""
    return [(number, leaf) for number, leaf, _ in walk_leaves(structure)]


def walk_leaves(
    structure: Any, prefix: str = "", parent: str | None = None
) -> list[tuple[str, Any, str | None]]:
    """``[(part_number, leaf, parent_multipart_subtype)]`` in IMAP numbering.

    A message/rfc822 part is a leaf: ``BODY[<n>]`` of it is the whole encapsulated
    message, which is what its download returns.
    """
    if not _is_multipart(structure):
        return [(prefix.rstrip(".") or "1", structure, parent)]
    subtype = _s(structure[1]) if len(structure) > 1 else ""
    out: list[tuple[str, Any, str | None]] = []
    for index, child in enumerate(structure[0], start=1):
        number = f"{prefix}{index}"
        if _is_multipart(child):
            out.extend(walk_leaves(child, number + ".", subtype))
        else:
            out.append((number, child, subtype))
    return out


def _s(value: Any) -> str:
    return value.decode("utf-8", "replace").lower() if isinstance(value, bytes) else ""


def _params(value: Any) -> dict[str, bytes]:
    if not isinstance(value, tuple):
        return {}
    return {
        _s(value[i]): value[i + 1]
        for i in range(0, len(value) - 1, 2)
        if isinstance(value[i + 1], bytes)
    }


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


def _content_id(leaf: Any) -> str | None:
    value = leaf[3] if len(leaf) > 3 else None
    if not isinstance(value, bytes):
        return None
    return (decode_header(value.decode("utf-8", "replace")) or "").strip() or None


def part_info(number: str, leaf: Any, parent: str | None = None) -> PartInfo:
    """What the API shows of one leaf; ``parent`` is its multipart's subtype."""
    params = _params(leaf[2]) if len(leaf) > 2 else {}
    disposition, disp_params = _disposition(leaf)
    filename = _rfc2231(disp_params, "filename") or _rfc2231(params, "name")
    charset = params.get("charset")
    content_id = _content_id(leaf)
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
        disposition=disposition,
        content_id=content_id,
        # Without a disposition, a part with a Content-ID in multipart/related is shown
        # in the HTML (RFC 2387).
        inline=disposition == "inline"
        or (disposition is None and content_id is not None and parent == "related"),
    )


@dataclass(slots=True)
class BodyPlan:
    """A message's leaves sorted into what the API shows: text, html and attachments."""

    text: PartInfo | None
    html: PartInfo | None
    attachments: list[PartInfo]

    def parts(self) -> list[PartInfo]:
        """Every leaf whose content the parsed message shows."""
        return [p for p in (self.text, self.html) if p is not None] + self.attachments


def plan_body(structure: Any) -> BodyPlan:
    """The first unnamed text/plain and text/html leaves are the bodies; every other leaf
    is an attachment (so nothing the server holds is hidden, and everything listed has a
    part number the server can fetch)."""
    plan = BodyPlan(None, None, [])
    for number, leaf, parent in walk_leaves(structure):
        part = part_info(number, leaf, parent)
        is_body = (
            part.content_type in ("text/plain", "text/html")
            and part.disposition != "attachment"
            and part.filename is None
        )
        if is_body and part.content_type == "text/html" and plan.html is None:
            plan.html = part
        elif is_body and part.content_type == "text/plain" and plan.text is None:
            plan.text = part
        else:
            plan.attachments.append(part)
    return plan


def find_part(structure: Any, number: str) -> PartInfo | None:
    for num, leaf, parent in walk_leaves(structure):
        if num == number:
            return part_info(num, leaf, parent)
    return None
