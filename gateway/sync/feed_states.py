"""The change feed's state strings for an account or one of its mailboxes.

A state names a position in the account's change log: the feed's ``epoch`` (random, new
whenever the feed starts again, e.g. for a new account of the same id) and the log's
sequence number (``SyncState.modseq``). It is signed for its scope (``account:<id>`` or
``mailbox:<id>:<path>``, see ``gateway/sync/state.py``), so a mailbox's state is refused
for another mailbox or for the whole account.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncConnection

from ..store.change_feed import ChangeFeedRepo, FeedRow
from .state import StateInvalid, SyncState, decode_state, encode_state


def account_scope(account_id: str) -> str:
    return f"account:{account_id}"


def mailbox_scope(account_id: str, mailbox: str) -> str:
    return f"mailbox:{account_id}:{mailbox}"


_FRESH = 5.0  # seconds a remembered feed position is handed out on listings


@dataclass
class KnownFeed:
    """A feed as this process last read or wrote it: its position (never ahead of the
    store's, so a listing's state is never past what the listing shows) and the mailboxes
    whose messages it has looked at."""

    feed: FeedRow
    baselined: set[str] = field(default_factory=set)
    at: float = field(default_factory=time.monotonic)

    @property
    def fresh(self) -> bool:
        return time.monotonic() - self.at < _FRESH


class FeedStates:
    """Encodes and checks states; remembers each account's feed for listings (no store
    read per listing); gives the event bus each account's current state."""

    def __init__(self, repo: ChangeFeedRepo, key: bytes) -> None:
        self._repo = repo
        self._key = key
        self.known: dict[str, KnownFeed] = {}
        # Accounts found without a feed, and when: a message listing before the account's
        # first mailbox listing reads no store row either (while ``_FRESH``).
        self.absent: dict[str, float] = {}

    def forget(self, account_id: str) -> None:
        """This process wrote the account's feed: read it again before the next listing."""
        self.known.pop(account_id, None)
        self.absent.pop(account_id, None)

    def is_absent(self, account_id: str) -> bool:
        """The account had no feed at a look less than ``_FRESH`` seconds ago."""
        at = self.absent.get(account_id)
        return at is not None and time.monotonic() - at < _FRESH

    def encode(self, account_id: str, feed: FeedRow, mailbox: str | None = None) -> str:
        scope = account_scope(account_id) if mailbox is None else mailbox_scope(account_id, mailbox)
        return encode_state(
            SyncState(epoch=feed.epoch, modseq=feed.seq), key=self._key, scope=scope
        )

    def decode(self, account_id: str, token: str, mailbox: str | None = None) -> SyncState:
        """The state ``token`` names; ``StateInvalid`` (a 410) unless this gateway issued it
        for that scope. A mailbox's changes also take the account's states."""
        if mailbox is None:
            return decode_state(token, key=self._key, scope=account_scope(account_id))
        try:
            return decode_state(token, key=self._key, scope=mailbox_scope(account_id, mailbox))
        except StateInvalid:
            return decode_state(token, key=self._key, scope=account_scope(account_id))

    async def state_of(self, conn: AsyncConnection, account_id: str) -> str | None:
        """The account's state now (inside the caller's transaction); None: no feed yet."""
        feed = await self._repo.feed(account_id, conn)
        return None if feed is None else self.encode(account_id, feed)
