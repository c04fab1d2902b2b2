"""Opaque, URL-safe ids for mailboxes, messages and list cursors.

A message id encodes (mailbox path, UIDVALIDITY, UID): it stays valid while
the message stays in its mailbox, and after UIDVALIDITY changes it can never
point at another message (RFC 3501 section 2.3.1.1). Nothing here is secret,
only opaque: clients must not build ids themselves.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from ..errors import InvalidInput, MailboxNotFound, MessageNotFound

__all__ = [
    "MessageRef",
    "ADDRESSING_HINT",
    "PATH_PREFIX",
    "encode_mailbox_id",
    "decode_mailbox_id",
    "encode_message_id",
    "decode_message_id",
    "encode_cursor",
    "decode_cursor",
]


# RFC 3501 section 9: uniqueid and UIDVALIDITY are nz-number, a 32-bit unsigned integer.
MAX_UID = 4294967295
_NUMBER = re.compile(rb"[1-9][0-9]{0,9}")  # canonical decimal: no sign, "_", space or 0s
_NUMBERS = re.compile(r"(0|[1-9][0-9]{0,9})\.([1-9][0-9]{0,9})")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    if not text or len(text) > 4096:
        raise ValueError("bad length")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True, slots=True)
class MessageRef:
    mailbox: str
    uidvalidity: int
    uid: int

    @property
    def id(self) -> str:
        return encode_message_id(self.mailbox, self.uidvalidity, self.uid)


def encode_mailbox_id(path: str) -> str:
    """``INBOX`` stays ``INBOX``; any other path becomes base64url of its UTF-8."""
    if path.upper() == "INBOX":
        return "INBOX"
    return _b64(path.encode("utf-8"))


PATH_PREFIX = "path:"
MAX_PATH = 1024  # characters: no longer name reaches a server (protocols/imap/encoding.py)
ADDRESSING_HINT = (
    "name a mailbox by its id from GET /v1/accounts/{account}/mailboxes, by INBOX, or by its "
    "path as that list shows it (Sent, Archive; 'path:' before it when it could be read as "
    "an id)"
)


def decode_mailbox_id(mailbox_id: str) -> str:
    """The mailbox path a caller named: ``INBOX``; ``path:<path>``, always a path; an id this
    module made (canonical base64url of a path); else the string itself, as a path. So the
    natural ``Sent`` works, and every id keeps its meaning: a path that happens to be
    spelled like an id (rare: the base64url of a name is seldom a name) needs ``path:``."""
    if mailbox_id.upper() == "INBOX":
        return "INBOX"
    if mailbox_id.startswith(PATH_PREFIX):
        path = mailbox_id[len(PATH_PREFIX) :]
    else:
        path = _path_of_id(mailbox_id) or mailbox_id
    # No mailbox the gateway hands out has an empty name or a control character in it.
    if (
        not path
        or len(path) > MAX_PATH
        or _CONTROL.search(path)
        or any(0xD800 <= ord(c) <= 0xDFFF for c in path)
    ):
        raise MailboxNotFound("no such mailbox: " + ADDRESSING_HINT)
    return path


def _path_of_id(text: str) -> str | None:
    """The path ``text`` is the id of, if it is exactly such an id (what
    ``encode_mailbox_id`` writes for it), else None."""
    try:
        path = _unb64(text).decode("utf-8")
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    if not path or _CONTROL.search(path) or encode_mailbox_id(path) != text:
        return None
    return path


def encode_message_id(mailbox: str, uidvalidity: int, uid: int) -> str:
    """The API id of message ``uid`` in ``mailbox`` under ``uidvalidity``."""
    return _b64(b"%d.%d." % (uidvalidity, uid) + mailbox.encode("utf-8"))


def decode_message_id(message_id: str) -> MessageRef:
    """The message an id names; MessageNotFound (never an IMAP error) for any other string:
    UID and UIDVALIDITY must be canonical numbers from 1 to 2^32-1, the mailbox a name."""
    try:
        validity, uid, path = _unb64(message_id).split(b".", 2)
        mailbox = path.decode("utf-8")
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise MessageNotFound("no message with this id") from None
    if (
        not _NUMBER.fullmatch(validity)
        or not _NUMBER.fullmatch(uid)
        or not mailbox
        or _CONTROL.search(mailbox)
    ):
        raise MessageNotFound("no message with this id")
    ref = MessageRef(mailbox, int(validity), int(uid))
    if ref.uid > MAX_UID or ref.uidvalidity > MAX_UID:
        raise MessageNotFound("no message with this id")
    return ref


def encode_cursor(uidvalidity: int, before_uid: int, query_key: str) -> str:
    """A listing cursor: continue below ``before_uid`` (stable while new mail arrives)."""
    return _b64(f"{uidvalidity}.{before_uid}.{query_key}".encode())


def decode_cursor(cursor: str, query_key: str) -> tuple[int, int]:
    try:
        numbers, key = _unb64(cursor).decode("ascii").rsplit(".", 1)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput("invalid cursor") from None
    match = _NUMBERS.fullmatch(numbers)
    if match is None or int(match.group(1)) > MAX_UID or int(match.group(2)) > MAX_UID + 1:
        raise InvalidInput("invalid cursor")
    out = int(match.group(1)), int(match.group(2))
    if key != query_key:
        raise InvalidInput("the cursor belongs to a listing with other filters")
    return out
