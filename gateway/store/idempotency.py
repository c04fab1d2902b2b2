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

    async def reserve(
        self, account_id: str, key: str, request_hash: str, *, ttl: float, abandon_after: float
    ) -> StoredResponse | None:
        """Reserve ``key``; None when this request won, else what the key holds now."""
        engine = self._store.engine
        for _ in range(3):
            now = utcnow()
            row = {
                "account_id": account_id,
                "key": key,
                "request_hash": request_hash,
                "outcome": None,
                "response": None,
                "created_at": now,
                "expires_at": now + timedelta(seconds=ttl),
            }
            try:
                # The usual case, a new key: one INSERT.
                async with engine.begin() as conn:
                    await conn.execute(_INSERT, row)
                return None
            except IntegrityError:
                pass
            try:
                # The key is taken: replace it if it expired or its request was abandoned.
                async with engine.begin() as conn:
                    stale = await conn.execute(
                        _DELETE_STALE,
                        {
                            "b_account": account_id,
                            "b_key": key,
                            "now": now,
                            "abandoned_before": now - timedelta(seconds=abandon_after),
                        },
                    )
                    if stale.rowcount:
                        await conn.execute(_INSERT, row)
                        return None
            except IntegrityError:
                continue  # another request took it over first: read what it holds
            existing = await self.get(account_id, key)
            if existing is not None:
                return existing
            # It expired or was released between our insert and our read: try again.
        raise RuntimeError("could not reserve the idempotency key")  # pragma: no cover

    async def get(self, account_id: str, key: str) -> StoredResponse | None:
        async with self._store.engine.connect() as conn:
            row = (await conn.execute(_GET, {"b_account": account_id, "b_key": key})).first()
        if row is None:
            return None
        return StoredResponse(row.request_hash, row.outcome, row.response, row.created_at)

    async def complete(
        self,
        account_id: str,
        key: str,
        outcome: str,
        body: dict[str, Any],
        *,
        conn: AsyncConnection | None = None,
    ) -> None:
        """Store the response (inside the caller's transaction when ``conn`` is given)."""
        params = {
            "b_account": account_id,
            "b_key": key,
            "new_outcome": outcome,
            "new_response": body,
        }
        if conn is not None:
            await conn.execute(_COMPLETE, params)
            return
        async with self._store.engine.begin() as own:
            await own.execute(_COMPLETE, params)

    async def release(self, account_id: str, key: str) -> None:
        """Forget a reservation whose request failed before doing anything."""
        async with self._store.engine.begin() as conn:
            await conn.execute(_RELEASE, {"b_account": account_id, "b_key": key})

    async def purge_expired(self) -> int:
        async with self._store.engine.begin() as conn:
            result = await conn.execute(
                idempotency_keys.delete().where(idempotency_keys.c.expires_at < utcnow())
            )
        return result.rowcount or 0


# The statements of the hot path, built once: SQLAlchemy then reuses their compiled form
# (building a statement per call cost more CPU than running it on SQLite).
_c = idempotency_keys.c
_KEY = sa.and_(_c.account_id == sa.bindparam("b_account"), _c.key == sa.bindparam("b_key"))
_INSERT = idempotency_keys.insert()
_DELETE_STALE = idempotency_keys.delete().where(
    _KEY,
    sa.or_(
        _c.expires_at < sa.bindparam("now"),
        sa.and_(_c.outcome.is_(None), _c.created_at < sa.bindparam("abandoned_before")),
    ),
)
_GET = sa.select(idempotency_keys).where(_KEY)
_COMPLETE = (
    idempotency_keys.update()
    .where(_KEY)
    .values(
        outcome=sa.bindparam("new_outcome", type_=_c.outcome.type),
        response=sa.bindparam("new_response", type_=_c.response.type),
    )
)
_RELEASE = idempotency_keys.delete().where(_KEY, _c.outcome.is_(None))
