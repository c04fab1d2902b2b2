"""A bounded in-memory cache of immutable per-message data (envelope, structure, size).

Keyed by (account and server, mailbox, UIDVALIDITY, UID), which the server never reuses
for another message (RFC 3501 section 2.3.1.1), so entries never go stale;
the least recently used ones are dropped beyond ``max_entries``.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Generic, TypeVar

Key = tuple[str, str, int, int]
V = TypeVar("V")


class SummaryCache(Generic[V]):
    def __init__(self, max_entries: int = 100_000) -> None:
        self.max_entries = max_entries
        self._data: OrderedDict[Key, V] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._data)

    def get(self, key: Key) -> V | None:
        value = self._data.get(key)
        if value is None:
            self.misses += 1
            return None
        self._data.move_to_end(key)
        self.hits += 1
        return value

    def put(self, key: Key, value: V) -> None:
        self._data[key] = value
        self._data.move_to_end(key)
        while len(self._data) > self.max_entries:
            self._data.popitem(last=False)

    def drop_account(self, account_id: str) -> None:
        for key in [k for k in self._data if k[0].split("|", 1)[0] == account_id]:
            del self._data[key]
