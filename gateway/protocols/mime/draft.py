"""Drafts as the gateway keeps them in the Drafts mailbox (pure).

A draft is an ordinary message, Bcc included (mail clients keep it in drafts too), so any
mail client shows and sends it. When it answers a message it also holds
``X-Mailgate-In-Reply-To: <the API id of that message>``, beside the usual In-Reply-To
and References, so that sending it flags the original ``\\Answered`` as a reply sent at
once would. Sending a draft sends its stored bytes without that field and with a new Date
(``raw.normalise_raw`` writes one, and takes Bcc out of the header into the envelope).
"""

from __future__ import annotations

import re

from ...model.messages import NOT_TEXT, ParsedMessage
from .build import RESERVED_HEADERS
from .raw import _drop_fields

REPLY_TARGET_FIELD = "X-Mailgate-In-Reply-To"
CUSTOM_HEADERS_MAX = 50  # as the send request's headers
_LINE_END = re.compile(rb"\r\n|\r|\n")
_FIELD_NAME = re.compile(r"[!-9;-~]{1,76}")
_API_ID = re.compile(r"[A-Za-z0-9_-]{1,4096}")
_NOT_CUSTOM = ("content-", "x-mailgate-")


def _split(raw: bytes) -> tuple[list[bytes], bytes]:
    head, sep, body = _LINE_END.sub(b"\r\n", raw).partition(b"\r\n\r\n")
    return head.split(b"\r\n"), sep + body


def for_sending(raw: bytes) -> bytes:
    """The draft's bytes as they are sent: without its Date (the send writes the time of
    sending) and without the gateway's own fields."""
    lines, rest = _split(raw)
    for name in (b"date", REPLY_TARGET_FIELD.lower().encode()):
        lines = _drop_fields(lines, name)
    return b"\r\n".join(lines) + rest


def reply_target(parsed: ParsedMessage) -> str | None:
    """The API id of the message the draft answers, when it says one."""
    for name, value in parsed.headers:
        if name.lower() == REPLY_TARGET_FIELD.lower():
            value = value.strip()
            return value if _API_ID.fullmatch(value) else None
    return None


def custom_headers(parsed: ParsedMessage) -> dict[str, str]:
    """The draft's own header fields a client could have given (``headers`` of a send):
    none the builder writes itself, no Content-* and none of the gateway's."""
    out: dict[str, str] = {}
    for name, value in parsed.headers:
        lower = name.lower()
        if (
            lower in RESERVED_HEADERS
            or lower == "mime-version"
            or lower.startswith(_NOT_CUSTOM)
            or not _FIELD_NAME.fullmatch(name)
            or NOT_TEXT.search(value)
            or len(value) > 4096
        ):
            continue
        out[name] = value
        if len(out) == CUSTOM_HEADERS_MAX:
            break
    return out
