"""The cursor of a search across accounts (pure): where each searched mailbox stands.

A page takes messages from many mailboxes, newest first; the next page must go on in every
one of them where this one stopped, whatever arrives meanwhile. So the cursor holds, for
each mailbox searched so far, its UIDVALIDITY and the UID below which it goes on (0: none
of its matches is left), the mailbox named by 6 bytes of a hash of account and path (it is
opaque to clients, and short: 14 bytes a mailbox), and a fingerprint of the query, so that
a cursor is never used with other filters or accounts. Binary, then base64url.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct
from dataclasses import dataclass, field

from ..errors import InvalidInput

VERSION = 1
_HEAD = struct.Struct(">B6s")
_ENTRY = struct.Struct(">6sII")
EXHAUSTED = 0  # ``before`` of a mailbox none of whose matches is left


def mailbox_key(account_id: str, path: str) -> bytes:
    """The 6 bytes that name a mailbox of an account in a cursor."""
    return hashlib.blake2s(f"{account_id}\x00{path}".encode(), digest_size=6).digest()


def query_key(*parts: object) -> bytes:
    """A fingerprint of what was asked (filters, accounts), bound into the cursor."""
    return hashlib.blake2s(repr(parts).encode(), digest_size=6).digest()


@dataclass(slots=True)
class SearchCursor:
    """Each searched mailbox's (UIDVALIDITY, UID to go on below), by ``mailbox_key``."""

    query: bytes
    positions: dict[bytes, tuple[int, int]] = field(default_factory=dict)

    def encode(self) -> str:
        data = _HEAD.pack(VERSION, self.query) + b"".join(
            _ENTRY.pack(key, validity, before)
            for key, (validity, before) in sorted(self.positions.items())
        )
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")

    @classmethod
    def decode(cls, text: str, query: bytes) -> SearchCursor:
        """The cursor ``text`` encodes; InvalidInput when it is none, or another query's."""
        try:
            data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        except (ValueError, binascii.Error):
            raise InvalidInput("invalid cursor") from None
        if len(data) < _HEAD.size or (len(data) - _HEAD.size) % _ENTRY.size:
            raise InvalidInput("invalid cursor")
        version, key = _HEAD.unpack_from(data)
        if version != VERSION:
            raise InvalidInput("invalid cursor")
        if key != query:
            raise InvalidInput("the cursor belongs to a search with other filters or accounts")
        positions = {}
        for offset in range(_HEAD.size, len(data), _ENTRY.size):
            mailbox, validity, before = _ENTRY.unpack_from(data, offset)
            positions[mailbox] = (validity, before)
        return cls(query, positions)
