"""The event bus: every event is stored, then handed to in-process subscribers."""

from __future__ import annotations

import asyncio
import logging
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..store.db import Store
from ..store.schema import events, utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Event:
    id: str
    type: str
    account: str | None
    created_at: datetime
    data: dict[str, Any] = field(default_factory=dict)

    def envelope(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type,
            "account": self.account,
            "created_at": self.created_at.isoformat().replace("+00:00", "Z"),
            "data": self.data,
        }


class EventBus:
    """Stores events (for replay) and fans them out to subscriber queues."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._subscribers: set[asyncio.Queue[Event]] = set()

    async def publish(self, type_: str, account: str | None, data: dict[str, Any]) -> Event:
        event = Event(id="evt_" + secrets.token_hex(10), type=type_, account=account,
                      created_at=utcnow(), data=data)
        async with self._store.engine.begin() as conn:
            await conn.execute(
                events.insert().values(id=event.id, type=event.type, account_id=account,
                                       data=data, created_at=event.created_at)
            )
        self.fan_out(event)
        return event

    def fan_out(self, event: Event) -> None:
        for queue in list(self._subscribers):
            try:
                queue.put_nowait(event)
            except asyncio.QueueFull:
                log.warning("event subscriber too slow; dropping event %s for it", event.id)

    def subscribe(self, maxsize: int = 1000) -> asyncio.Queue[Event]:
        queue: asyncio.Queue[Event] = asyncio.Queue(maxsize=maxsize)
        self._subscribers.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[Event]) -> None:
        self._subscribers.discard(queue)
