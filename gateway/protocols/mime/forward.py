"""What a forward carries (pure): its subject, the forwarded-message block, the parts.

An inline forward reads as the common mail clients write it (Gmail, Thunderbird)::

    <the sender's own text>

    ---------- Forwarded message ---------
    From: Ann <ann@example.com>
    Date: Mon, 1 Jan 2024 10:00:00 +0000
    Subject: Plans
    To: Bob <bob@example.com>

    <the original text>

and the same in HTML when the sender or the original wrote HTML. The original's
attachments travel along; inline images keep their Content-ID, so the original HTML still
shows them. Forwarded "as attachment", the original goes byte for byte as a
``message/rfc822`` part (``build.py``). Values from the original are made fit for a
header or a part first: a broken original never turns a forward into the caller's error.
"""

from __future__ import annotations

import html as html_lib
import re
from email.utils import format_datetime

from ...model.messages import NOT_TEXT, Attachment, ParsedAddress, ParsedMessage
from .build import CONTENT_ID_PATTERN, MIME_TYPE_PATTERN
from .html_text import html_to_text

FORWARD_MARKER = "---------- Forwarded message ---------"
SUBJECT_MAX = 2000  # as the send request's subject
_FORWARDED = re.compile(r"(?:fwd?|fw)\s*:", re.I)  # "Fwd:", "Fw:", "FWD:" already there
_BODY = re.compile(r"<body\b[^>]*>(.*?)(?:</body\s*>|\Z)", re.I | re.S)
_FILENAME_UNSAFE = re.compile(r'[\\/:*?"<>|]+')


def _clean(value: str | None) -> str:
    """Header text: each control character (CR, LF, NEL, ...) becomes a space."""
    return " ".join(NOT_TEXT.sub(" ", value or "").split())


def forward_subject(subject: str | None) -> str:
    """``Fwd: <subject>``, unless the subject says it is a forward already."""
    text = _clean(subject)
    if _FORWARDED.match(text):
        return text[:SUBJECT_MAX]
    return (f"Fwd: {text}" if text else "Fwd:")[:SUBJECT_MAX]


def _addresses(items: list[ParsedAddress]) -> str:
    return ", ".join(f"{_clean(a.name)} <{a.address}>" if a.name else a.address for a in items)


def forwarded_fields(original: ParsedMessage) -> list[tuple[str, str]]:
    """The block's fields: From, Date (as the original wrote it), Subject, To and Cc."""
    date = next((value for name, value in original.headers if name.lower() == "date"), None)
    if date is None and original.date is not None:
        date = format_datetime(original.date)
    fields = [
        ("From", _addresses(original.from_)),
        ("Date", _clean(date)),
        ("Subject", _clean(original.subject)),
        ("To", _addresses(original.to)),
    ]
    if original.cc:
        fields.append(("Cc", _addresses(original.cc)))
    return fields


def original_text(original: ParsedMessage) -> str:
    """The original's text, or the text of its HTML when it has no plain text."""
    if original.text is not None:
        return original.text
    return html_to_text(original.html) or ""


def inline_text(own: str | None, original: ParsedMessage) -> str:
    """The text part of an inline forward: the sender's text, the block, the original."""
    lines = [own.rstrip("\n"), ""] if own else []
    lines.append(FORWARD_MARKER)
    lines += [f"{name}: {value}" for name, value in forwarded_fields(original)]
    lines += ["", original_text(original)]
    return "\n".join(lines)


def _text_html(text: str) -> str:
    return f'<div style="white-space:pre-wrap">{html_lib.escape(text)}</div>'


def _body_of(html: str) -> str:
    """What is inside the original document's ``<body>`` (it goes into another body)."""
    match = _BODY.search(html)
    return match.group(1) if match else html


def inline_html(own_html: str | None, own_text: str | None, original: ParsedMessage) -> str:
    """The HTML part of an inline forward: the sender's HTML (or text), the block as HTML,
    the original's HTML (or its text)."""
    own = own_html if own_html is not None else _text_html(own_text) if own_text else ""
    block = "<br>".join(
        [html_lib.escape(FORWARD_MARKER)]
        + [f"{name}: {html_lib.escape(value)}" for name, value in forwarded_fields(original)]
    )
    body = _body_of(original.html) if original.html is not None else _text_html(original.text or "")
    return f'{own}<br><br><div class="mailgate_forward">{block}</div><br><div>{body}</div>'


def attachments_of(original: ParsedMessage, contents: dict[str, bytes]) -> list[Attachment]:
    """A message's attachments (inline images too), fit to be attached again (a forward,
    a draft read back): an odd type, name or Content-ID from the message is made plain."""
    out = []
    for info in original.attachments:
        content_type = info.content_type.lower()
        if not MIME_TYPE_PATTERN.fullmatch(content_type) or content_type.startswith("multipart/"):
            content_type = "application/octet-stream"
        content_id = (info.content_id or "").strip("<> ")
        filename = _clean(info.filename)[:255] or None
        out.append(
            Attachment(
                filename=filename,
                content_type=content_type,
                content=contents.get(info.id, b""),
                content_id=content_id if CONTENT_ID_PATTERN.fullmatch(content_id) else None,
                inline=info.inline,
            )
        )
    return out


def attached_message_name(subject: str | None) -> str:
    """The file name of an original forwarded as an attachment: its subject, ``.eml``."""
    name = " ".join(_FILENAME_UNSAFE.sub(" ", _clean(subject)).split()).strip(" .")[:100]
    return f"{name or 'forwarded message'}.eml"
