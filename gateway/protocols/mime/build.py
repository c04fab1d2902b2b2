"""Build RFC 5322 messages from drafts, and normalise raw ones, for SMTP (pure: no I/O).

Structure of a built message (RFC 2046 §5.1, RFC 2387 for multipart/related)::

    multipart/mixed                      only with attachments
    ├── multipart/alternative            only with both text and html
    │   ├── text/plain
    │   └── multipart/related            only with inline images (by Content-ID)
    │       ├── text/html
    │       └── image/png  Content-ID: <cid>, Content-Disposition: inline
    └── application/pdf  Content-Disposition: attachment

An attached ``message/rfc822`` (a forwarded message) keeps its bytes exactly and goes
7bit or 8bit (RFC 2046 §5.2.1 allows no other encoding for it); content that could not
travel so (NUL, a line over 998 octets, a bare CR or LF, no header) goes as
``application/octet-stream`` in base64, as any other ``message/*`` type does.

Raw messages from clients are normalised in ``mime_raw``.
"""

from __future__ import annotations

import re
import secrets
import time
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime

from ...errors import InvalidInput, PayloadTooLarge
from ...model.messages import (
    DOMAIN_PATTERN as _DOMAIN_ONLY,
)
from ...model.messages import (
    Address,
    Attachment,
    BuiltMessage,
    Draft,
    check_header_value,
)
from . import encode as enc

# RFC 5322 §3.2.3 atext, §3.4.1 addr-spec; RFC 5321 §4.5.3.1 length limits.
_SURROGATE = re.compile(r"[\ud800-\udfff]")
# RFC 5322 §2.2 / §3.6.8: a field name is printable US-ASCII except the colon.
# (Patterns are used with fullmatch: "$" would also match before a final "\n".)
_FIELD_NAME = re.compile(r"[!-9;-~]{1,76}")
_TOKEN = r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}"
MIME_TYPE_PATTERN = re.compile(rf"{_TOKEN}/{_TOKEN}")  # RFC 6838 §4.2
_MIME_TYPE = MIME_TYPE_PATTERN
MSG_ID_PATTERN = re.compile(r"<[!-;=?-~]+@[!-;=?-~]+>\Z")  # visible ASCII, RFC 5322 §3.6.4
_MSG_ID = MSG_ID_PATTERN
# Visible ASCII but '"', '<' and '>'.
CONTENT_ID_PATTERN = re.compile(r"[!#-;=?-~]{1,250}")
_CONTENT_ID = CONTENT_ID_PATTERN

# Headers the builder writes itself: a custom header may not replace them.
RESERVED_HEADERS = frozenset(
    {
        "from",
        "to",
        "cc",
        "bcc",
        "reply-to",
        "subject",
        "date",
        "message-id",
        "in-reply-to",
        "references",
        "mime-version",
        "content-type",
        "content-transfer-encoding",
        "content-disposition",
        "content-id",
        "sender",
        "return-path",
        "received",
    }
)
MAX_RECIPIENTS = 1000


# -- addresses ---------------------------------------------------------------------------------


def new_message_id(domain: str) -> str:
    """A fresh Message-ID (RFC 5322 §3.6.4) on the sender's domain."""
    domain = domain if _DOMAIN_ONLY.fullmatch(domain or "") else "mailgate.invalid"
    return f"<{int(time.time() * 1000):x}.{secrets.token_hex(10)}@{domain}>"


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def date_now() -> str:
    """``format_datetime(datetime.now(UTC))`` (RFC 5322 §3.3) without its detours."""
    d = datetime.now(UTC)
    return (
        f"{_DAYS[d.weekday()]}, {d.day:02d} {_MONTHS[d.month - 1]} {d.year:04d} "
        f"{d.hour:02d}:{d.minute:02d}:{d.second:02d} +0000"
    )


def domain_of(address: str) -> str:
    return address.rsplit("@", 1)[-1]


# -- building ----------------------------------------------------------------------------------


def build_message(
    draft: Draft, *, max_bytes: int | None = None, for_storage: bool = False
) -> BuiltMessage:
    """Turn a draft into a message with CRLF line endings; raise InvalidInput when it is bad.

    ``for_storage``: a message that is stored, not sent (a draft in the Drafts mailbox): it
    may have no recipient yet, and keeps its Bcc header, as mail clients' drafts do.
    """
    rcpts = _recipients(draft, required=not for_storage)
    _check_names(draft)
    subject = check_header_value(draft.subject or "", where="subject")
    message_id = draft.message_id or new_message_id(domain_of(draft.sender.address))
    if not _MSG_ID.match(message_id):
        raise InvalidInput("message_id: must look like <local@domain>")
    size = _utf8_len(draft.text, "text") + _utf8_len(draft.html, "html")
    if max_bytes is not None:
        size += sum(len(a.content) for a in draft.attachments)
        if size > max_bytes:
            raise PayloadTooLarge(f"the message is over the limit of {max_bytes} bytes")

    build = _build_simple if not draft.attachments else _build_mime
    raw = build(draft, subject, message_id, for_storage)
    if max_bytes is not None and len(raw) > max_bytes:
        raise PayloadTooLarge(f"the message is {len(raw)} bytes, over the limit of {max_bytes}")
    return BuiltMessage(
        raw=raw, message_id=message_id, mail_from=draft.sender.address, rcpt_to=rcpts
    )


def _utf8_len(text: str | None, where: str) -> int:
    """The UTF-8 size of a body; InvalidInput when it holds an unpaired surrogate."""
    if not text:
        return 0
    if text.isascii():
        return len(text)
    if _SURROGATE.search(text):
        raise InvalidInput(f"{where}: unpaired surrogates are not text")
    return len(text.encode())


def _check_names(draft: Draft) -> None:
    """Display names become header text: the same rule as every header value."""
    for where, addrs in (
        ("from", [draft.sender]),
        ("to", draft.to),
        ("cc", draft.cc),
        ("bcc", draft.bcc),
        ("reply_to", draft.reply_to),
    ):
        for index, addr in enumerate(addrs):
            if addr.name is not None:
                check_header_value(addr.name, where=f"{where}[{index}].name")


def _build_mime(draft: Draft, subject: str, message_id: str, keep_bcc: bool = False) -> bytes:
    """Any shape: the header written by ``mime_encode`` (as for simple messages), the MIME
    body (attachments, inline images) by the stdlib's ``EmailMessage``."""
    lines = _header_lines(draft, subject, message_id, keep_bcc)
    body = EmailMessage(policy=policy.SMTP)
    messages = _set_body(body, draft)
    if body["MIME-Version"] is None:
        lines.append("MIME-Version: 1.0")
    out = body.as_bytes()
    for placeholder, content in messages.items():
        # The stdlib writes a message/rfc822 body only as ASCII: an attached message goes
        # in as a placeholder and its own bytes replace it here, untouched.
        out = out.replace(placeholder, content, 1)
    return ("\r\n".join(lines) + "\r\n").encode("ascii") + out


def _build_simple(draft: Draft, subject: str, message_id: str, keep_bcc: bool = False) -> bytes:
    """Text and/or html only: written directly (``mime_encode``), 5-10x faster."""
    lines = _header_lines(draft, subject, message_id, keep_bcc)
    lines.append("MIME-Version: 1.0")
    content_headers, body = enc.simple_body(draft.text, draft.html)
    lines += content_headers
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii") + body


def _header_lines(draft: Draft, subject: str, message_id: str, keep_bcc: bool = False) -> list[str]:
    """The message's own header fields (RFC 5322 §3.6), encoded and folded by ``mime_encode``:
    ASCII only, every value unfolds and decodes to exactly what was given."""

    def mailboxes(addrs: list[Address]) -> list[tuple[str, str | None]]:
        return [(a.address, a.name) for a in addrs]

    lines = [enc.address_list("From", mailboxes([draft.sender]))]
    if draft.to:
        lines.append(enc.address_list("To", mailboxes(draft.to)))
    if draft.cc:
        lines.append(enc.address_list("Cc", mailboxes(draft.cc)))
    if keep_bcc and draft.bcc:
        lines.append(enc.address_list("Bcc", mailboxes(draft.bcc)))
    if draft.reply_to:
        lines.append(enc.address_list("Reply-To", mailboxes(draft.reply_to)))
    lines.append(enc.unstructured("Subject", subject))
    lines.append("Date: " + (format_datetime(draft.date) if draft.date else date_now()))
    lines.append("Message-ID: " + message_id)
    if draft.in_reply_to:
        parent = _check_msg_id(draft.in_reply_to, where="in_reply_to")
        # The parent's own References come from a received message: keep the valid ones.
        refs = [r.strip() for r in draft.references if r and _MSG_ID.match(r.strip())]
        lines.append("In-Reply-To: " + parent)
        # RFC 5322 §3.6.4: References = the parent's References (or In-Reply-To) + its id.
        lines.append(enc.fold("References", [*[r for r in refs if r != parent], parent]))
    for name, value in draft.headers.items():
        _check_custom_header(name, value)
        lines.append(enc.unstructured(name, value))
    return lines


def _recipients(draft: Draft, *, required: bool = True) -> list[str]:
    seen: dict[str, str] = {}
    for addr in (*draft.to, *draft.cc, *draft.bcc):
        seen.setdefault(addr.address.lower(), addr.address)
    if not seen and required:
        raise InvalidInput("at least one recipient (to, cc or bcc) is required")
    if len(seen) > MAX_RECIPIENTS:
        raise InvalidInput(f"at most {MAX_RECIPIENTS} recipients per message")
    return list(seen.values())


def _check_msg_id(value: str, *, where: str) -> str:
    check_header_value(value, where=where)
    value = value.strip()
    if not _MSG_ID.match(value):
        raise InvalidInput(f"{where}: not a Message-ID (<local@domain>)")
    return value


def _check_custom_header(name: str, value: str) -> None:
    """A header name is echoed in errors only once it is known to be a plain field name."""
    if not isinstance(name, str) or not _FIELD_NAME.fullmatch(name):
        raise InvalidInput(
            "headers: a header name must be 1 to 76 printable ASCII characters "
            "without ':' or spaces"
        )
    if name.lower() in RESERVED_HEADERS:
        raise InvalidInput(f"headers: {name} is set by the gateway; use the matching field")
    check_header_value(value, where=f"headers.{name}")
    if len(value) > 4096:
        raise InvalidInput(f"headers.{name}: longer than 4096 characters")


def _set_body(msg: EmailMessage, draft: Draft) -> dict[bytes, bytes]:
    """Set the MIME body; returns the attached messages' placeholders and their bytes."""
    # Errors name an attachment by its index in the request, in both groups.
    related = [
        (i, a) for i, a in enumerate(draft.attachments) if a.content_id and draft.html is not None
    ]
    others = [
        (i, a)
        for i, a in enumerate(draft.attachments)
        if not (a.content_id and draft.html is not None)
    ]
    if draft.text is not None:
        msg.set_content(draft.text)
    if draft.html is not None:
        if draft.text is not None:
            msg.add_alternative(draft.html, subtype="html")
            html_part = msg.get_payload()[-1]
        else:
            msg.set_content(draft.html, subtype="html")
            html_part = msg
    elif draft.text is None:
        msg.set_content("")
    messages: dict[bytes, bytes] = {}
    for index, att in related:
        # RFC 2387: the html and the images it references by cid: share a multipart/related.
        _attach(html_part.add_related, att, index, messages, disposition="inline")
    for index, att in others:
        _attach(
            msg.add_attachment,
            att,
            index,
            messages,
            disposition="inline" if att.inline else "attachment",
        )
    return messages


_LONG_LINE = re.compile(rb"[^\n]{999}")  # RFC 5322 §2.1.1: at most 998 octets a line
_FIRST_FIELD = re.compile(rb"[!-9;-~]{1,76}:")  # a message starts with a header field


def _message_transfer(content: bytes) -> str | None:
    """The 7bit or 8bit transfer encoding an attached message can go in, or None when it
    cannot be a message/rfc822 body (RFC 2046 §5.2.1: no base64 or quoted-printable)."""
    crlf = content.count(b"\r\n")
    if (
        b"\x00" in content
        or content.count(b"\r") != crlf
        or content.count(b"\n") != crlf
        or _LONG_LINE.search(content)
        or not _FIRST_FIELD.match(content)
    ):
        return None
    return "7bit" if content.isascii() else "8bit"


def _attach(
    add, att: Attachment, index: int, messages: dict[bytes, bytes], *, disposition: str
) -> None:
    where = f"attachments[{index}]"
    if not isinstance(att.content_type, str) or not _MIME_TYPE.fullmatch(att.content_type):
        raise InvalidInput(f"{where}.content_type: not a MIME type (type/subtype)")
    maintype, subtype = att.content_type.lower().split("/", 1)
    if maintype == "multipart":
        raise InvalidInput(f"{where}.content_type: multipart types cannot be attached")
    content = att.content
    cte = "base64"
    if (maintype, subtype) == ("message", "rfc822"):
        transfer = _message_transfer(content)
        if transfer is not None:
            cte = transfer
            content = b"mailgate-attached-message-" + secrets.token_hex(16).encode()
            # The generator ends the placeholder's line itself.
            messages[content] = att.content.removesuffix(b"\r\n")
    if maintype == "message" and cte == "base64":
        maintype, subtype = "application", "octet-stream"  # keep the bytes as they are (base64)
    filename = None
    if att.filename is not None:
        # Readers drop a filename's surrounding white space (Python's get_filename strips).
        filename = check_header_value(att.filename, where=f"{where}.filename")
        filename = filename.strip()[:255].rstrip() or None
    cid = None
    if att.content_id is not None:
        cid = check_header_value(att.content_id, where=f"{where}.content_id").strip("<> ")
        if not _CONTENT_ID.fullmatch(cid):
            raise InvalidInput(
                f"{where}.content_id: not a valid Content-ID (visible ASCII, "
                "no spaces, quotes or angle brackets)"
            )
        cid = f"<{cid}>"
    add(content, maintype, subtype, cte=cte, filename=filename, cid=cid, disposition=disposition)
