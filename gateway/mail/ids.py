"""Opaque, URL-safe ids for mailboxes, messages and list cursors.

A message id encodes (mailbox path, UIDVALIDITY, UID): it stays valid while
the message stays in its mailbox, and after UIDVALIDITY changes it can never
point at another message (RFC 3501 section 2.3.1.1). Nothing here is secret,
only opaque: clients must not build ids themselves.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from ..errors import InvalidInput, MailboxNotFound, MessageNotFound

__all__ = [
    "MessageRef", "encode_mailbox_id", "decode_mailbox_id", "encode_message_id",
    "decode_message_id", "encode_cursor", "decode_cursor",
]


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


def decode_mailbox_id(mailbox_id: str) -> str:
    if mailbox_id.upper() == "INBOX":
        return "INBOX"
    try:
        path = _unb64(mailbox_id).decode("utf-8")
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise MailboxNotFound(f"no mailbox with id {mailbox_id[:80]!r}") from None
    if not path:
        raise MailboxNotFound("empty mailbox id")
    return path


def encode_message_id(mailbox: str, uidvalidity: int, uid: int) -> str:
    """The API id of message ``uid`` in ``mailbox`` under ``uidvalidity``."""
    return _b64(b"%d.%d." % (uidvalidity, uid) + mailbox.encode("utf-8"))


def decode_message_id(message_id: str) -> MessageRef:
    try:
        raw = _unb64(message_id)
        validity, uid, path = raw.split(b".", 2)
        ref = MessageRef(path.decode("utf-8"), int(validity), int(uid))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise MessageNotFound(f"no message with id {message_id[:80]!r}") from None
    if ref.uid < 1 or ref.uidvalidity < 1 or not ref.mailbox:
        raise MessageNotFound(f"no message with id {message_id[:80]!r}")
    return ref


def encode_cursor(uidvalidity: int, before_uid: int, query_key: str) -> str:
    """A listing cursor: continue below ``before_uid`` (stable while new mail arrives)."""
    return _b64(f"{uidvalidity}.{before_uid}.{query_key}".encode())


def decode_cursor(cursor: str, query_key: str) -> tuple[int, int]:
    try:
        validity, before, key = _unb64(cursor).decode("ascii").split(".", 2)
        out = int(validity), int(before)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput("invalid cursor") from None
    if key != query_key:
        raise InvalidInput("the cursor belongs to a listing with other filters")
    return out
