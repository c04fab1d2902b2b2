"""Idempotency keys at rest: the first request with a key reserves it, later ones replay.

A reservation is a row whose ``outcome`` is still null. The primary key (account,
key) makes two racing requests agree on one winner; the loser waits for the winner's
response. A reservation left behind by a crashed process is taken over after
``abandon_after`` seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from .db import Store
from .schema import idempotency_keys, utcnow


@dataclass(frozen=True)
class StoredResponse:
    request_hash: str
    outcome: str | None  # None: the first request is still running
    body: dict[str, Any] | None
    created_at: datetime


class IdempotencyRepo:
    def __init__(self, store: Store) -> None:
        self._store = store

    async def reserve(self, account_id: str, key: str, request_hash: str, *, ttl: float,
                      abandon_after: float) -> StoredResponse | None:
        """Reserve ``key``; None when this request won, else what the key holds now."""
        engine = self._store.engine
        for _ in range(3):
            now = utcnow()
            try:
                async with engine.begin() as conn:
                    await conn.execute(idempotency_keys.delete().where(
                        _key(account_id, key),
                        sa.or_(
                            idempotency_keys.c.expires_at < now,
                            sa.and_(idempotency_keys.c.outcome.is_(None),
                                    idempotency_keys.c.created_at
                                    < now - timedelta(seconds=abandon_after)),
                        ),
                    ))
                    await conn.execute(idempotency_keys.insert().values(
                        account_id=account_id, key=key, request_hash=request_hash,
                        outcome=None, response=None, created_at=now,
                        expires_at=now + timedelta(seconds=ttl),
                    ))
                return None
            except IntegrityError:
                existing = await self.get(account_id, key)
                if existing is not None:
                    return existing
                # It expired or was released between our insert and our read: try again.
        raise RuntimeError("could not reserve the idempotency key")  # pragma: no cover

    async def get(self, account_id: str, key: str) -> StoredResponse | None:
        async with self._store.engine.connect() as conn:
            row = (await conn.execute(
                sa.select(idempotency_keys).where(_key(account_id, key)))).first()
        if row is None:
            return None
        return StoredResponse(row.request_hash, row.outcome, row.response, row.created_at)

    async def complete(self, account_id: str, key: str, outcome: str, body: dict[str, Any],
                       *, conn: AsyncConnection | None = None) -> None:
        """Store the response (inside the caller's transaction when ``conn`` is given)."""
        stmt = idempotency_keys.update().where(_key(account_id, key)).values(
            outcome=outcome, response=body)
        if conn is not None:
            await conn.execute(stmt)
            return
        async with self._store.engine.begin() as own:
            await own.execute(stmt)

    async def release(self, account_id: str, key: str) -> None:
        """Forget a reservation whose request failed before doing anything."""
        async with self._store.engine.begin() as conn:
            await conn.execute(idempotency_keys.delete().where(
                _key(account_id, key), idempotency_keys.c.outcome.is_(None)))

    async def purge_expired(self) -> int:
        async with self._store.engine.begin() as conn:
            result = await conn.execute(
                idempotency_keys.delete().where(idempotency_keys.c.expires_at < utcnow()))
        return result.rowcount or 0


def _key(account_id: str, key: str):
    return sa.and_(idempotency_keys.c.account_id == account_id, idempotency_keys.c.key == key)
