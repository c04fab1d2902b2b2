"""Stored events: appended once, replayed by ``seq`` (SSE ``Last-Event-ID``, other instances)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from .db import Store
from .schema import events


async def insert_event(
    conn: AsyncConnection,
    *,
    id: str,
    type: str,
    account_id: str | None,
    data: dict[str, Any],
    created_at: datetime,
    state: str | None = None,
) -> int:
    """Append one event inside the caller's transaction; returns its ``seq``."""
    result = await conn.execute(
        _INSERT,
        {
            "id": id,
            "type": type,
            "account_id": account_id,
            "data": data,
            "created_at": created_at,
            "state": state,
        },
    )
    return int(result.scalar_one())


# One statement object for every insert: its compiled form is cached by SQLAlchemy
# (``.values(...)`` per call built a new statement and cache key each time).
_INSERT = events.insert().returning(events.c.seq)


class EventRepo:
    """Reads of the ``events`` table."""

    def __init__(self, store: Store) -> None:
        self._store = store

    async def seq_of(self, event_id: str) -> int | None:
        async with self._store.engine.connect() as conn:
            return (
                await conn.execute(sa.select(events.c.seq).where(events.c.id == event_id))
            ).scalar_one_or_none()

    async def last_seq(self) -> int:
        async with self._store.engine.connect() as conn:
            value = (await conn.execute(sa.select(sa.func.max(events.c.seq)))).scalar_one_or_none()
        return int(value or 0)

    async def after(
        self,
        seq: int,
        *,
        accounts: Iterable[str] | None = None,
        types: Iterable[str] | None = None,
        include_global: bool = True,
        limit: int = 500,
    ) -> list[Any]:
        """Events with a larger ``seq``, oldest first; ``accounts=None`` means every account."""
        query = sa.select(events).where(events.c.seq > seq).order_by(events.c.seq).limit(limit)
        if accounts is not None:
            cond = events.c.account_id.in_(list(accounts))
            if include_global:
                cond = sa.or_(cond, events.c.account_id.is_(None))
            query = query.where(cond)
        if types is not None:
            query = query.where(events.c.type.in_(list(types)))
        async with self._store.engine.connect() as conn:
            return list((await conn.execute(query)).all())

    async def at(self, seqs: Iterable[int]) -> list[Any]:
        """The events with these ``seq`` numbers (those that exist), oldest first."""
        seqs = list(seqs)
        if not seqs:
            return []
        query = sa.select(events).where(events.c.seq.in_(seqs)).order_by(events.c.seq)
        async with self._store.engine.connect() as conn:
            return list((await conn.execute(query)).all())

    async def get(self, event_id: str) -> Any | None:
        async with self._store.engine.connect() as conn:
            return (await conn.execute(sa.select(events).where(events.c.id == event_id))).first()

    async def prune(self, older_than: datetime) -> int:
        async with self._store.engine.begin() as conn:
            result = await conn.execute(events.delete().where(events.c.created_at < older_than))
        return result.rowcount or 0
