"""The event bus: every event is stored (with its webhook deliveries), then fanned out.

An event and the deliveries of the webhooks that want it are written in one
transaction, together with whatever the producer writes alongside (a watcher's
new sync state), so a crash never loses an event nor reports it twice. After
the commit the event goes to in-process subscribers (SSE streams) and wakes
the webhook dispatcher. With PostgreSQL, ``NOTIFY`` tells the other instances,
which read the event back by ``seq`` and fan it out to their own subscribers; as
transactions commit out of ``seq`` order, a reader also looks again for the numbers it
skipped (``gaps.SeqGaps``), so every instance fans every event out exactly once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from ..model.records import WebhookRecord
from ..store.db import Store
from ..store.events import EventRepo, insert_event
from ..store.schema import events as events_table
from ..store.schema import utcnow
from ..store.webhooks import WebhookRepo
from .gaps import SeqGaps
from .lag import EventLag

log = logging.getLogger(__name__)

NOTIFY_CHANNEL = "mailgate_events"
# Seconds a seq skipped over is looked for again: its transaction may still commit.
RELAY_GRACE = 30.0
_PRUNE_EVERY = 3600.0
_RELAY_PAGE = 500
# Many events in one statement (SQLAlchemy's "insertmanyvalues": multi-row INSERT ...
# RETURNING); each row's seq is matched by its id, so the order of RETURNING is irrelevant.
_INSERT_MANY = events_table.insert().returning(events_table.c.id, events_table.c.seq)


@dataclass(frozen=True)
class Event:
    id: str
    type: str
    account: str | None
    created_at: datetime
    data: dict[str, Any] = field(default_factory=dict)
    seq: int = 0
    state: str | None = None  # the account's change-feed state once the event happened

    def envelope(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type,
            "account": self.account,
            "created_at": self.created_at.isoformat().replace("+00:00", "Z"),
            "data": self.data,
            "state": self.state,
        }


# The account's change-feed state inside a transaction (None: the account has no feed).
StateOf = Callable[[AsyncConnection, str], Awaitable[str | None]]


class Subscription:
    """An in-process subscriber's queue. When it overflows, ``lagged`` is set and the
    subscriber must catch up from the store (SSE does, by ``seq``)."""

    def __init__(self, maxsize: int) -> None:
        self.queue: asyncio.Queue[Event] = asyncio.Queue(maxsize=maxsize)
        self.lagged = False

    def offer(self, event: Event) -> None:
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            self.lagged = True

    async def get(self) -> Event:
        return await self.queue.get()


class EventBatch:
    """Events added inside one store transaction (``conn``); fanned out after the commit."""

    def __init__(
        self, conn: AsyncConnection, dialect: str, instance: str, state_of: StateOf | None = None
    ) -> None:
        self.conn = conn
        self.events: list[Event] = []
        self._dialect = dialect
        self._instance = instance
        self._hooks: list[WebhookRecord] | None = None
        self._state_of = state_of
        self._states: dict[str, str | None] = {}
        self.deliveries = 0  # webhook deliveries enqueued in this transaction

    async def _state(self, account: str | None) -> str | None:
        """The account's state, read once per transaction: a producer records its changes
        in the feed (same transaction) before it adds the events they cause."""
        if account is None or self._state_of is None:
            return None
        if account not in self._states:
            self._states[account] = await self._state_of(self.conn, account)
        return self._states[account]

    async def add(self, type_: str, account: str | None, data: dict[str, Any]) -> Event:
        now = utcnow()
        event_id = "evt_" + secrets.token_hex(10)
        state = await self._state(account)
        seq = await insert_event(
            self.conn,
            id=event_id,
            type=type_,
            account_id=account,
            data=data,
            created_at=now,
            state=state,
        )
        if self._hooks is None:  # read once per transaction
            self._hooks = await WebhookRepo.subscriptions(self.conn)
        if self._hooks:
            self.deliveries += await WebhookRepo.enqueue(
                self.conn,
                self._hooks,
                event_id=event_id,
                event_type=type_,
                account_id=account,
                now=now,
            )
        if self._dialect == "postgresql":
            await self.conn.execute(
                text("SELECT pg_notify(:ch, :payload)"),
                {"ch": NOTIFY_CHANNEL, "payload": f"{self._instance}:{seq}"},
            )
        event = Event(
            id=event_id,
            type=type_,
            account=account,
            created_at=now,
            data=data,
            seq=seq,
            state=state,
        )
        self.events.append(event)
        return event

    async def add_many(
        self,
        items: Sequence[tuple[str, str | None, dict[str, Any]]],
    ) -> list[Event]:
        """Add ``(type, account, data)`` events, in this order, with one INSERT statement.

        The same rows, deliveries and fan-out as ``add`` for each, at a fraction of the
        cost: one round trip to the store for the batch instead of one per event.
        """
        if not items:
            return []
        now = utcnow()
        rows = [
            {
                "id": "evt_" + secrets.token_hex(10),
                "type": type_,
                "account_id": account,
                "data": data,
                "created_at": now,
                "state": await self._state(account),
            }
            for type_, account, data in items
        ]
        result = await self.conn.execute(_INSERT_MANY, rows)
        seqs = {row_id: int(seq) for row_id, seq in result.all()}
        if self._hooks is None:  # read once per transaction
            self._hooks = await WebhookRepo.subscriptions(self.conn)
        added = []
        for row in rows:
            if self._hooks:
                self.deliveries += await WebhookRepo.enqueue(
                    self.conn,
                    self._hooks,
                    event_id=row["id"],
                    event_type=row["type"],
                    account_id=row["account_id"],
                    now=now,
                )
            added.append(
                Event(
                    id=row["id"],
                    type=row["type"],
                    account=row["account_id"],
                    created_at=now,
                    data=row["data"],
                    seq=seqs[row["id"]],
                    state=row["state"],
                )
            )
        if self._dialect == "postgresql":
            # Other instances read every event after their last seq: one notice will do.
            await self.conn.execute(
                text("SELECT pg_notify(:ch, :payload)"),
                {"ch": NOTIFY_CHANNEL, "payload": f"{self._instance}:{max(seqs.values())}"},
            )
        self.events += added
        return added


class EventBus:
    """Stores events (for replay and webhooks) and fans them out to subscribers."""

    def __init__(
        self,
        store: Store,
        instance_id: str = "",
        retention_days: int = 7,
        *,
        state_of: StateOf | None = None,
    ) -> None:
        self._store = store
        self._state_of = state_of
        self._retention = timedelta(days=retention_days)
        self.instance = instance_id or secrets.token_hex(6)
        self.repo = EventRepo(store)
        self._subscribers: set[Subscription] = set()
        self._listeners: list[Callable[[Event], None]] = []
        self._delivery_listeners: list[Callable[[], None]] = []
        self._own: OrderedDict[str, None] = OrderedDict()  # ids we fanned out (PostgreSQL)
        self._soon: asyncio.Queue[tuple[str, str | None, dict[str, Any]]] = asyncio.Queue(10000)
        self.lag = EventLag()  # creation to delivery, per sink (SSE, webhook): /metrics

    # -- producing ---------------------------------------------------------------------------

    async def publish(self, type_: str, account: str | None, data: dict[str, Any]) -> Event:
        async with self.transaction() as batch:
            return await batch.add(type_, account, data)

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[EventBatch]:
        """Add events and write other rows (``batch.conn``) atomically; fan out after commit."""
        async with self._store.engine.begin() as conn:
            batch = EventBatch(conn, self._store.dialect, self.instance, self._state_of)
            yield batch
        for event in batch.events:
            if self._store.dialect == "postgresql":
                self._own[event.id] = None
                while len(self._own) > 10000:
                    self._own.popitem(last=False)
            self.fan_out(event)
        if batch.deliveries:
            self._deliveries_due()

    def publish_soon(self, type_: str, account: str | None, data: dict[str, Any]) -> None:
        """From synchronous code (a state-change callback): published by ``run``."""
        try:
            self._soon.put_nowait((type_, account, data))
        except asyncio.QueueFull:
            log.warning("event backlog full; dropping %s for %s", type_, account)

    # -- consuming ---------------------------------------------------------------------------

    def fan_out(self, event: Event) -> None:
        for sub in list(self._subscribers):
            sub.offer(event)
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:  # a listener must never break publishing
                log.exception("event listener failed")

    def subscribe(self, maxsize: int = 1000) -> Subscription:
        sub = Subscription(maxsize)
        self._subscribers.add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        self._subscribers.discard(sub)

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    def add_listener(self, listener: Callable[[Event], None]) -> None:
        self._listeners.append(listener)

    def add_delivery_listener(self, listener: Callable[[], None]) -> None:
        """Called after a commit that stored webhook deliveries (and when other instances'
        events are relayed): the webhook dispatcher wakes only when there may be work."""
        self._delivery_listeners.append(listener)

    def _deliveries_due(self) -> None:
        for listener in list(self._delivery_listeners):
            try:
                listener()
            except Exception:  # a listener must never break publishing
                log.exception("delivery listener failed")

    # -- background --------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Publish what ``publish_soon`` queued; with PostgreSQL, relay other instances' events."""
        async with asyncio.TaskGroup() as tasks:
            tasks.create_task(self._drain_soon(stop))
            tasks.create_task(self._prune(stop))
            if self._store.dialect == "postgresql":
                tasks.create_task(self._listen(stop))

    async def _drain_soon(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            getter = asyncio.ensure_future(self._soon.get())
            stopper = asyncio.ensure_future(stop.wait())
            await asyncio.wait({getter, stopper}, return_when=asyncio.FIRST_COMPLETED)
            stopper.cancel()
            if not getter.done():
                getter.cancel()
                break
            try:
                await self.publish(*getter.result())
            except Exception:
                log.exception("could not publish a queued event")

    async def _prune(self, stop: asyncio.Event) -> None:
        """Drop events older than the retention (replay reaches back that far), hourly."""
        while not stop.is_set():
            try:
                dropped = await self.repo.prune(utcnow() - self._retention)
                if dropped:
                    log.info("pruned %d old events", dropped)
            except Exception:
                log.exception("pruning events failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), _PRUNE_EVERY)

    async def _listen(self, stop: asyncio.Event) -> None:
        """LISTEN on PostgreSQL; reconnect with a pause when the connection drops."""
        import asyncpg

        dsn = self._store.url.replace("postgresql+asyncpg://", "postgresql://", 1)
        gaps: SeqGaps | None = None  # kept across reconnects: nothing relayed twice
        while not stop.is_set():
            notified: asyncio.Queue[str] = asyncio.Queue()
            try:
                conn = await asyncpg.connect(dsn, timeout=10)
            except Exception as exc:
                log.warning("LISTEN connection failed: %s", exc)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), 5)
                continue
            try:
                await conn.add_listener(NOTIFY_CHANNEL, lambda *a, q=notified: q.put_nowait(a[-1]))
                if gaps is None:
                    gaps = SeqGaps(await self.repo.last_seq(), grace=RELAY_GRACE)
                while not stop.is_set() and not conn.is_closed():
                    with contextlib.suppress(TimeoutError):
                        payload = await asyncio.wait_for(notified.get(), 1.0)
                        if payload.split(":", 1)[0] == self.instance:
                            continue
                    await self._relay(gaps)
            except Exception as exc:
                log.warning("LISTEN loop failed: %s", exc)
            finally:
                with contextlib.suppress(Exception):
                    await conn.close()

    async def _relay(self, gaps: SeqGaps) -> None:
        """Fan out the events other instances stored since the last look: those after the
        highest seq seen, and those skipped over that have committed since."""
        loop = asyncio.get_running_loop()
        rows = await self.repo.at(gaps.missing)
        while True:
            page = await self.repo.after(gaps.high, limit=_RELAY_PAGE)
            rows += page
            relayed = False
            for row in rows:
                if not gaps.saw(row.seq, loop.time()) or row.id in self._own:
                    continue  # relayed already, or fanned out at our own commit
                relayed = True
                self.fan_out(
                    Event(
                        id=row.id,
                        type=row.type,
                        account=row.account_id,
                        created_at=row.created_at,
                        data=row.data,
                        seq=row.seq,
                        state=row.state,
                    )
                )
            if relayed:
                self._deliveries_due()
            if len(page) < _RELAY_PAGE:
                break
            rows = []
        gaps.expire(loop.time())
