"""POP3 "seen" UIDLs: what this gateway already delivered, per account (table ``pop3_seen``)."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from .db import Store
from .schema import pop3_seen, utcnow

_BATCH = 500


class Pop3SeenRepo:
    def __init__(self, store: Store) -> None:
        self._store = store

    async def seen(self, account_id: str) -> set[str]:
        """Every UIDL of the account delivered through the gateway."""
        async with self._store.engine.connect() as conn:
            rows = await conn.execute(
                sa.select(pop3_seen.c.uidl).where(pop3_seen.c.account_id == account_id)
            )
            return {row[0] for row in rows}

    async def mark_seen(self, account_id: str, uidls: Iterable[str]) -> None:
        """Record UIDLs as delivered (already recorded ones are left alone)."""
        now = utcnow()
        rows = [{"account_id": account_id, "uidl": u, "seen_at": now} for u in dict.fromkeys(uidls)]
        if not rows:
            return
        dialect = postgresql if self._store.dialect == "postgresql" else sqlite
        async with self._store.engine.begin() as conn:
            for start in range(0, len(rows), _BATCH):
                stmt = dialect.insert(pop3_seen).values(rows[start : start + _BATCH])
                await conn.execute(
                    stmt.on_conflict_do_nothing(
                        index_elements=[pop3_seen.c.account_id, pop3_seen.c.uidl]
                    )
                )

    async def forget(self, account_id: str, uidls: Iterable[str]) -> None:
        """Drop UIDLs that are gone from the server (keeps the table bounded)."""
        uidls = list(uidls)
        async with self._store.engine.begin() as conn:
            for start in range(0, len(uidls), _BATCH):
                await conn.execute(
                    pop3_seen.delete().where(
                        pop3_seen.c.account_id == account_id,
                        pop3_seen.c.uidl.in_(uidls[start : start + _BATCH]),
                    )
                )

    async def forget_account(self, account_id: str) -> None:
        async with self._store.engine.begin() as conn:
            await conn.execute(pop3_seen.delete().where(pop3_seen.c.account_id == account_id))
