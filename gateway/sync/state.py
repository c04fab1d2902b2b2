"""Change-feed state strings: opaque to clients, compact, versioned, unforgeable (pure).

A listing answers with a ``state``; the client later asks for the changes since it
(RFC 8620 section 5.2, JMAP ``/changes``). The string carries where the gateway was:

- ``epoch``: the gateway's reset epoch; a state from an earlier epoch predates a reset;
- ``uidvalidity``: the mailbox's UIDVALIDITY (RFC 3501 section 2.3.1.1), 0 for an account;
- ``modseq``: the mailbox's HIGHESTMODSEQ (RFC 7162) or the gateway's change counter;
- ``mailboxes``: the account's mailbox-set counter (creations, renames, deletions).

Whether changes can be computed from a decoded state is the caller's business (it raises
``CannotCalculateChanges``); this module only makes sure the state is one the gateway
issued, for this account or mailbox: version 1 is, base64url without padding,

    0x01 | varint epoch | varint uidvalidity | varint modseq | varint mailboxes | tag

with unsigned LEB128 varints and ``tag`` the first 12 bytes of HMAC-SHA256 under the
gateway's key over the version, the ``scope`` (e.g. ``account:7`` or ``mailbox:7:INBOX``,
so a state of one mailbox is refused for another) and the fields. At most 71 characters.
A state that is damaged, forged, of another scope or key, or of an unknown version raises
``StateInvalid``: the client lists again.
"""

from __future__ import annotations

import base64
import hmac
import re
from dataclasses import dataclass

from ..errors import CannotCalculateChanges

VERSION = 1
_TAG = 12
_MAX_VALUE = 2**64 - 1
_MAX_TOKEN = 100  # characters; a version-1 state has at most 71
_ALPHABET = re.compile(r"[A-Za-z0-9_-]+")


class StateInvalid(CannotCalculateChanges):
    """A state the gateway did not issue for this scope (damaged, forged, another key or
    scope, an unknown version)."""

    title = "Unknown or damaged state"


@dataclass(frozen=True)
class SyncState:
    """Where the change feed of an account or mailbox stood (module docstring)."""

    epoch: int = 0
    uidvalidity: int = 0
    modseq: int = 0
    mailboxes: int = 0


def encode_state(state: SyncState, *, key: bytes, scope: str) -> str:
    """The opaque string of ``state`` for ``scope``, signed with ``key``."""
    if not key:
        raise ValueError("a state key is required")
    body = bytes([VERSION]) + b"".join(
        _varint(v) for v in (state.epoch, state.uidvalidity, state.modseq, state.mailboxes)
    )
    token = body + _tag(key, scope, body)
    return base64.urlsafe_b64encode(token).rstrip(b"=").decode("ascii")


def decode_state(token: str, *, key: bytes, scope: str) -> SyncState:
    """The state ``token`` carries; ``StateInvalid`` unless the gateway issued it with
    ``key`` for ``scope``."""
    if not key:
        raise ValueError("a state key is required")
    if not isinstance(token, str) or len(token) > _MAX_TOKEN or not _ALPHABET.fullmatch(token):
        raise StateInvalid("The state is not one this gateway issued")
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except ValueError:
        raise StateInvalid("The state is not one this gateway issued") from None
    # One string per state: unused bits of the last character must be zero.
    if base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii") != token or len(raw) < 1 + _TAG:
        raise StateInvalid("The state is not one this gateway issued")
    body, tag = raw[:-_TAG], raw[-_TAG:]
    if body[0] != VERSION:
        raise StateInvalid("The state is of a version this gateway does not read")
    if not hmac.compare_digest(tag, _tag(key, scope, body)):
        raise StateInvalid("The state is not one this gateway issued for this scope")
    values = _read_varints(body, 1)
    if values is None or len(values) != 4:
        raise StateInvalid("The state is damaged")
    return SyncState(*values)


def _tag(key: bytes, scope: str, body: bytes) -> bytes:
    scope_bytes = scope.encode("utf-8", "surrogatepass")
    message = b"mailgate-state\x00" + _varint(len(scope_bytes)) + scope_bytes + body
    return hmac.digest(key, message, "sha256")[:_TAG]


def _varint(value: int) -> bytes:
    if not 0 <= value <= _MAX_VALUE:
        raise ValueError(f"a state field must be in 0..2**64-1, not {value}")
    out = bytearray()
    while True:
        low, value = value & 0x7F, value >> 7
        out.append(low | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _read_varints(data: bytes, at: int) -> list[int] | None:
    """The varints from ``at`` to the end, None when one is malformed or too long."""
    values = []
    while at < len(data):
        value = shift = 0
        while True:
            if at >= len(data) or shift > 63:
                return None
            byte = data[at]
            at += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                break
        if value > _MAX_VALUE or (byte == 0 and shift > 7):  # overlong: a trailing 0x00
            return None
        values.append(value)
    return values
