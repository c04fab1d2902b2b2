"""The audit log at rest: appended in batches, read newest first, pruned by age."""

from __future__ import annotations

import base64
from collections.abc import Collection, Sequence
from dataclasses import asdict
from datetime import datetime

import sqlalchemy as sa

from ..errors import InvalidInput
from ..model.records import AuditEntry
from .db import Store
from .schema import audit_log

# One statement object for every batch: its compiled form is cached by SQLAlchemy.
_INSERT = audit_log.insert()


class AuditRepo:
    def __init__(self, store: Store) -> None:
        self._store = store

    async def insert(self, entries: Sequence[AuditEntry]) -> None:
        async with self._store.engine.begin() as conn:
            await conn.execute(_INSERT, [asdict(e) for e in entries])

    async def page(
        self,
        *,
        visible: Collection[str] | None,
        account: str | None,
        token: str | None,
        limit: int,
        cursor: str | None,
    ) -> tuple[list[AuditEntry], str | None]:
        """Newest first, keyset-paginated by (at, id); ``visible`` None: every account's and
        the entries of none, else only entries of those accounts."""
        a = audit_log
        query = sa.select(a)
        if visible is not None:
            query = query.where(a.c.account_id.in_(sorted(visible)))
        if account is not None:
            query = query.where(a.c.account_id == account)
        if token is not None:
            query = query.where(a.c.token_id == token)
        if cursor:
            at, last_id = _decode_cursor(cursor)
            query = query.where(sa.or_(a.c.at < at, sa.and_(a.c.at == at, a.c.id < last_id)))
        query = query.order_by(a.c.at.desc(), a.c.id.desc()).limit(limit + 1)
        async with self._store.engine.connect() as conn:
            rows = list((await conn.execute(query)).all())
        next_cursor = None
        if len(rows) > limit:
            rows = rows[:limit]
            next_cursor = _encode_cursor(rows[-1].at, rows[-1].id)
        return [AuditEntry(**row._mapping) for row in rows], next_cursor

    async def prune(self, older_than: datetime) -> int:
        async with self._store.engine.begin() as conn:
            result = await conn.execute(audit_log.delete().where(audit_log.c.at < older_than))
        return result.rowcount or 0


def _encode_cursor(at: datetime, entry_id: str) -> str:
    return base64.urlsafe_b64encode(f"{at.isoformat()}|{entry_id}".encode()).decode()


def _decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        at, entry_id = base64.urlsafe_b64decode(cursor.encode()).decode().split("|", 1)
        return datetime.fromisoformat(at), entry_id
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput("invalid cursor") from exc
