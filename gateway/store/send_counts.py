"""Messages accepted for sending per account and UTC day, counted atomically.

One statement takes a unit of the day's allowance on both databases::

    INSERT ... VALUES (account, day, 1)
    ON CONFLICT (account_id, day) DO UPDATE SET count = count + 1 WHERE count < :limit
    RETURNING count

A row comes back only when the message was counted. PostgreSQL locks the conflicting row
for the update, so concurrent instances cannot both take the last unit; SQLite runs one
writer at a time (RETURNING needs SQLite >= 3.35).
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from .db import Store
from .schema import send_counts


class SendCountRepo:
    def __init__(self, store: Store) -> None:
        self._store = store
        self._insert = postgresql.insert if store.dialect == "postgresql" else sqlite.insert

    async def take(
        self, account_id: str, day: date, limit: int, *, conn: AsyncConnection | None = None
    ) -> bool:
        """Count one message unless ``limit`` are counted already; True when it was counted.

        With ``conn`` the count belongs to the caller's transaction (it rolls back with it).
        """
        stmt = self._insert(send_counts).values(account_id=account_id, day=day, count=1)
        stmt = stmt.on_conflict_do_update(
            index_elements=[send_counts.c.account_id, send_counts.c.day],
            set_={"count": send_counts.c.count + 1},
            where=send_counts.c.count < limit,
        ).returning(send_counts.c.count)
        if conn is not None:
            return await self._take(conn, stmt, account_id, day)
        assert self._store.engine is not None
        async with self._store.engine.begin() as own:
            return await self._take(own, stmt, account_id, day)

    async def _take(self, conn: AsyncConnection, stmt, account_id: str, day: date) -> bool:
        counted = (await conn.execute(stmt)).scalar_one_or_none()
        if counted == 1:
            # The account's first message today: the rows of earlier days are done with.
            await conn.execute(
                send_counts.delete().where(
                    send_counts.c.account_id == account_id, send_counts.c.day < day
                )
            )
        return counted is not None

    async def count(self, account_id: str, day: date) -> int:
        """Messages counted for the account on ``day``."""
        assert self._store.engine is not None
        async with self._store.engine.connect() as conn:
            value = (
                await conn.execute(
                    sa.select(send_counts.c.count).where(
                        send_counts.c.account_id == account_id, send_counts.c.day == day
                    )
                )
            ).scalar_one_or_none()
        return value or 0
