"""Webhooks and their deliveries at rest (secrets encrypted; deliveries claimed with a lease)."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from ..errors import InvalidInput, InvalidState, NotFound, WebhookNotFound
from ..model.records import WebhookRecord
from ..secrets import SecretBox
from .db import Store
from .schema import events, utcnow, webhook_deliveries, webhooks


@dataclass
class Delivery:
    """A claimed delivery: what the dispatcher needs to POST it."""

    id: str
    webhook_id: str
    event_id: str
    attempts: int
    history: list[dict[str, Any]]
    created_at: datetime
    url: str
    secret: str | None
    body: dict[str, Any]


class WebhookRepo:
    def __init__(self, store: Store, box: SecretBox) -> None:
        self._store = store
        self._box = box

    # -- webhooks ----------------------------------------------------------------------------

    async def create(
        self,
        *,
        url: str,
        events_: list[str],
        accounts: list[str] | None,
        secret: str,
        created_by: str | None,
    ) -> WebhookRecord:
        record = WebhookRecord(
            id="wh_" + secrets.token_hex(8),
            url=url,
            events=sorted(set(events_)),
            accounts=None if accounts is None else sorted(set(accounts)),
            created_by=created_by,
            created_at=utcnow(),
        )
        async with self._store.engine.begin() as conn:
            await conn.execute(
                webhooks.insert().values(
                    id=record.id,
                    url=record.url,
                    events=record.events,
                    accounts=record.accounts,
                    secret=self._box.encrypt(secret),
                    created_by=created_by,
                    created_at=record.created_at,
                )
            )
        return record

    async def list(self) -> list[WebhookRecord]:
        async with self._store.engine.connect() as conn:
            rows = (await conn.execute(sa.select(webhooks).order_by(webhooks.c.created_at))).all()
        return [_record(r) for r in rows]

    async def get(self, webhook_id: str) -> WebhookRecord:
        async with self._store.engine.connect() as conn:
            row = (
                await conn.execute(sa.select(webhooks).where(webhooks.c.id == webhook_id))
            ).first()
        if row is None:
            raise WebhookNotFound(f"no webhook {webhook_id!r}")
        return _record(row)

    async def delete(self, webhook_id: str) -> None:
        async with self._store.engine.begin() as conn:
            result = await conn.execute(webhooks.delete().where(webhooks.c.id == webhook_id))
            if result.rowcount == 0:
                raise WebhookNotFound(f"no webhook {webhook_id!r}")
            await conn.execute(
                webhook_deliveries.delete().where(webhook_deliveries.c.webhook_id == webhook_id)
            )

    # -- deliveries --------------------------------------------------------------------------

    @staticmethod
    async def subscriptions(conn: AsyncConnection) -> list[WebhookRecord]:
        """What every webhook wants (no URL, no secret), read inside the caller's transaction."""
        rows = (
            await conn.execute(sa.select(webhooks.c.id, webhooks.c.events, webhooks.c.accounts))
        ).all()
        return [_record_light(row) for row in rows]

    @staticmethod
    async def enqueue(
        conn: AsyncConnection,
        hooks: list[WebhookRecord],
        *,
        event_id: str,
        event_type: str,
        account_id: str | None,
        now: datetime,
    ) -> int:
        """Inside the event's own transaction: one pending delivery per matching webhook."""
        values = [
            {
                "id": "dlv_" + secrets.token_hex(10),
                "webhook_id": hook.id,
                "event_id": event_id,
                "event_type": event_type,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "history": [],
                "created_at": now,
            }
            for hook in hooks
            if hook.wants(event_type, account_id)
        ]
        if values:
            await conn.execute(webhook_deliveries.insert(), values)
        return len(values)

    async def claim_due(
        self, *, limit: int, lease: float, exclude: Collection[str] = ()
    ) -> list[Delivery]:
        """Take due deliveries (not of the ``exclude``d, busy webhooks) under a lease."""
        now = utcnow()
        d = webhook_deliveries
        due = (
            sa.select(d.c.id)
            .where(
                d.c.status == "pending",
                d.c.next_attempt_at <= now,
                sa.or_(d.c.lease_until.is_(None), d.c.lease_until < now),
            )
            .order_by(d.c.next_attempt_at)
            .limit(limit)
        )
        if exclude:
            due = due.where(d.c.webhook_id.not_in(list(exclude)))
        # A read first: most polls and wake-ups find nothing due, and the claiming UPDATE
        # would take the write lock (SQLite: the whole database) for nothing.
        async with self._store.engine.connect() as conn:
            if (await conn.execute(due.limit(1))).first() is None:
                return []
        if self._store.dialect == "postgresql":
            due = due.with_for_update(skip_locked=True)
        async with self._store.engine.begin() as conn:
            claimed = (
                await conn.execute(
                    d.update()
                    .where(d.c.id.in_(due.scalar_subquery()))
                    .values(lease_until=now + timedelta(seconds=lease))
                    .returning(
                        d.c.id,
                        d.c.webhook_id,
                        d.c.event_id,
                        d.c.attempts,
                        d.c.history,
                        d.c.created_at,
                    )
                )
            ).all()
            if not claimed:
                return []
            hooks = {
                r.id: r
                for r in (
                    await conn.execute(
                        sa.select(webhooks).where(
                            webhooks.c.id.in_({c.webhook_id for c in claimed})
                        )
                    )
                ).all()
            }
            evts = {
                r.id: r
                for r in (
                    await conn.execute(
                        sa.select(events).where(events.c.id.in_({c.event_id for c in claimed}))
                    )
                ).all()
            }
        out = []
        for c in claimed:
            hook, evt = hooks.get(c.webhook_id), evts.get(c.event_id)
            if hook is None or evt is None:
                await self.finish(
                    c.id, status="failed", history=list(c.history), attempts=c.attempts
                )
                continue
            out.append(
                Delivery(
                    id=c.id,
                    webhook_id=c.webhook_id,
                    event_id=c.event_id,
                    attempts=c.attempts,
                    history=list(c.history or []),
                    created_at=c.created_at,
                    url=hook.url,
                    secret=self._box.decrypt(hook.secret) if hook.secret else None,
                    body=event_envelope(evt),
                )
            )
        return out

    async def finish(
        self,
        delivery_id: str,
        *,
        status: str,
        history: list[dict[str, Any]],
        attempts: int,
        next_attempt_at: datetime | None = None,
    ) -> None:
        """Record an attempt: ``delivered``, ``failed`` or ``pending`` again at a later time."""
        values: dict[str, Any] = {
            "status": status,
            "history": history,
            "attempts": attempts,
            "lease_until": None,
        }
        if next_attempt_at is not None:
            values["next_attempt_at"] = next_attempt_at
        async with self._store.engine.begin() as conn:
            await conn.execute(
                webhook_deliveries.update()
                .where(webhook_deliveries.c.id == delivery_id)
                .values(**values)
            )

    async def retry(self, webhook_id: str, delivery_id: str) -> Any:
        """Make a failed or waiting delivery due now (one more attempt, then the usual
        backoff while within the retry window); the updated row.

        Refused (``InvalidState``) for a delivery already delivered or being attempted now."""
        d = webhook_deliveries
        now = utcnow()
        mine = sa.and_(d.c.id == delivery_id, d.c.webhook_id == webhook_id)
        async with self._store.engine.begin() as conn:
            row = (
                await conn.execute(
                    d.update()
                    .where(
                        mine,
                        d.c.status.in_(("failed", "pending")),
                        sa.or_(d.c.lease_until.is_(None), d.c.lease_until < now),
                    )
                    .values(status="pending", next_attempt_at=now, lease_until=None)
                    .returning(*d.c)
                )
            ).first()
            if row is not None:
                return row
            current = (await conn.execute(sa.select(d.c.status).where(mine))).first()
        if current is None:
            raise NotFound(
                f"no delivery {delivery_id!r} of this webhook", code="delivery_not_found"
            )
        if current.status == "delivered":
            raise InvalidState(f"delivery {delivery_id} was delivered; it is not retried")
        raise InvalidState(f"delivery {delivery_id} is being attempted now")

    async def prune(self, older_than: datetime) -> int:
        """Forget finished deliveries created before ``older_than``."""
        d = webhook_deliveries
        async with self._store.engine.begin() as conn:
            result = await conn.execute(
                d.delete().where(d.c.status != "pending", d.c.created_at < older_than)
            )
        return result.rowcount or 0

    async def pending(self) -> int:
        """Deliveries not yet made (due or waiting for a retry)."""
        d = webhook_deliveries
        async with self._store.engine.connect() as conn:
            return int(
                (
                    await conn.execute(sa.select(sa.func.count()).where(d.c.status == "pending"))
                ).scalar_one()
            )

    async def next_due_at(self) -> datetime | None:
        d = webhook_deliveries
        async with self._store.engine.connect() as conn:
            return (
                await conn.execute(
                    sa.select(sa.func.min(d.c.next_attempt_at)).where(d.c.status == "pending")
                )
            ).scalar_one_or_none()

    async def deliveries(
        self, webhook_id: str, *, limit: int, cursor: str | None
    ) -> tuple[list[Any], str | None]:
        """Newest first, keyset-paginated by (created_at, id)."""
        d = webhook_deliveries
        query = sa.select(d).where(d.c.webhook_id == webhook_id)
        if cursor:
            at, last_id = _decode_cursor(cursor)
            query = query.where(
                sa.or_(d.c.created_at < at, sa.and_(d.c.created_at == at, d.c.id < last_id))
            )
        query = query.order_by(d.c.created_at.desc(), d.c.id.desc()).limit(limit + 1)
        async with self._store.engine.connect() as conn:
            rows = list((await conn.execute(query)).all())
        next_cursor = None
        if len(rows) > limit:
            rows = rows[:limit]
            next_cursor = _encode_cursor(rows[-1].created_at, rows[-1].id)
        return rows, next_cursor


def event_envelope(row: Any) -> dict[str, Any]:
    """The event as webhooks and SSE clients see it: ``{id, type, account, created_at, data,
    state}`` (``state``: the account's change-feed state once the event happened)."""
    return {
        "id": row.id,
        "type": row.type,
        "account": row.account_id,
        "created_at": row.created_at.isoformat().replace("+00:00", "Z"),
        "data": row.data,
        "state": row.state,
    }


def _record(row: Any) -> WebhookRecord:
    return WebhookRecord(
        id=row.id,
        url=row.url,
        events=list(row.events),
        accounts=None if row.accounts is None else list(row.accounts),
        created_by=row.created_by,
        created_at=row.created_at,
    )


def _record_light(row: Any) -> WebhookRecord:
    return WebhookRecord(
        id=row.id,
        url="",
        events=list(row.events),
        accounts=None if row.accounts is None else list(row.accounts),
        created_by=None,
        created_at=utcnow(),
    )


def _encode_cursor(at: datetime, delivery_id: str) -> str:
    return base64.urlsafe_b64encode(f"{at.isoformat()}|{delivery_id}".encode()).decode()


def _decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        at, delivery_id = base64.urlsafe_b64decode(cursor.encode()).decode().split("|", 1)
        return datetime.fromisoformat(at), delivery_id
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput("invalid cursor") from exc
