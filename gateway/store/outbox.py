"""The outbox at rest: durable send jobs, claimed by workers with a lease.

Claiming is one statement on both databases: ``UPDATE ... WHERE id IN (SELECT ... LIMIT n
FOR UPDATE SKIP LOCKED) RETURNING *``. PostgreSQL skips rows another worker holds;
SQLite has no row locks (the clause is not rendered) but runs writers one at a time, so
the statement is atomic there too (UPDATE ... RETURNING needs SQLite >= 3.35).
A job whose lease expired (its worker died) is due again.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import secrets
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from ..errors import InvalidInput, InvalidState, OutboxItemNotFound
from ..model.records import HISTORY_KEEP, STATUSES, OutboxJob
from .db import Store
from .schema import outbox, utcnow


def new_job_id() -> str:
    return "q_" + secrets.token_hex(10)


class OutboxRepo:
    def __init__(self, store: Store) -> None:
        self._store = store
        # SQLite has one writer at a time, and a connection that finds the database locked
        # sleeps in its busy handler (1, 2, 5, 10, ... ms). The outbox's writers (claims,
        # end-of-DATA markers, outcomes, enqueues) take turns on this lock instead, which
        # hands over at once; measured: marker p50 23 ms -> sub-ms with 8 workers.
        self._sqlite_writes = asyncio.Lock() if store.dialect == "sqlite" else None

    @property
    def engine(self):
        return self._store.engine

    @contextlib.asynccontextmanager
    async def writing(self) -> AsyncIterator[None]:
        """Hold around an outbox write transaction (a no-op on PostgreSQL)."""
        if self._sqlite_writes is None:
            yield
            return
        async with self._sqlite_writes:
            yield

    # -- writing ---------------------------------------------------------------------------

    async def insert(self, conn: AsyncConnection, job: OutboxJob) -> None:
        """Insert ``job`` inside the caller's transaction (with its idempotency key)."""
        await conn.execute(
            outbox.insert().values(
                id=job.id,
                account_id=job.account_id,
                status=job.status,
                message_id=job.message_id,
                mail_from=job.mail_from,
                rcpt_to=job.rcpt_to,
                raw=job.raw,
                options=job.options,
                attempts=job.attempts,
                next_attempt_at=job.next_attempt_at,
                last_error=job.last_error,
                smtp_response=job.smtp_response,
                accepted=job.accepted,
                rejected=job.rejected,
                history=job.history,
                created_at=job.created_at,
                updated_at=job.updated_at,
            )
        )

    async def any_due(self) -> bool:
        """A read-only check before claiming: idle polls take no write lock (SQLite)."""
        async with self.engine.connect() as conn:
            row = (await conn.execute(_ANY_DUE, {"now": utcnow()})).first()
        return row is not None

    async def claim(self, owner: str, *, lease_seconds: float, limit: int = 1) -> list[OutboxJob]:
        """Take up to ``limit`` due jobs (queued and due, or sending with an expired lease)."""
        now = utcnow()
        due = (
            sa.select(outbox.c.id)
            .where(_due(now))
            .order_by(outbox.c.next_attempt_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        stmt = (
            outbox.update()
            .where(outbox.c.id.in_(due.scalar_subquery()))
            .values(
                status="sending",
                lease_owner=owner,
                lease_until=now + timedelta(seconds=lease_seconds),
                attempts=outbox.c.attempts + 1,
                updated_at=now,
            )
            .returning(*outbox.c)
        )
        async with self.writing(), self.engine.begin() as conn:
            rows = (await conn.execute(stmt)).all()
        return [_job(row) for row in rows]

    async def mark_data_sent(self, job_id: str, owner: str) -> bool:
        """Record that the final "." is about to go out; False if the lease was lost."""
        now = utcnow()
        async with self.writing(), self.engine.begin() as conn:
            result = await conn.execute(
                outbox.update()
                .where(
                    outbox.c.id == job_id,
                    outbox.c.lease_owner == owner,
                    outbox.c.status == "sending",
                    outbox.c.lease_until > now,
                )
                .values(data_sent_at=now, updated_at=now)
            )
        return result.rowcount == 1

    async def release(self, claimed: list[tuple[str, str]]) -> None:
        """Hand back claimed jobs that were never started (``(job id, lease owner)``)."""
        async with self.writing(), self.engine.begin() as conn:
            for job_id, owner in claimed:
                await conn.execute(
                    outbox.update()
                    .where(
                        outbox.c.id == job_id,
                        outbox.c.lease_owner == owner,
                        outbox.c.status == "sending",
                    )
                    .values(
                        status="queued",
                        lease_owner=None,
                        lease_until=None,
                        attempts=outbox.c.attempts - 1,
                    )
                )

    async def finish(
        self,
        job: OutboxJob,
        *,
        status: str,
        entry: dict[str, Any],
        next_attempt_at: datetime | None = None,
        conn: AsyncConnection | None = None,
        **values: Any,
    ) -> OutboxJob:
        """Record an attempt's outcome: ``sent``, ``failed`` or ``queued`` (retry later).

        With ``conn`` the update joins the caller's transaction (e.g. with its event).
        """
        now = utcnow()
        history = [*job.history, entry][-HISTORY_KEEP:]
        changes: dict[str, Any] = dict(
            status=status,
            lease_owner=None,
            lease_until=None,
            history=history,
            updated_at=now,
            **values,
        )
        if next_attempt_at is not None:
            changes["next_attempt_at"] = next_attempt_at
        if status == "queued":
            changes["data_sent_at"] = None
        stmt = outbox.update().where(outbox.c.id == job.id).values(**changes)
        if conn is not None:
            await conn.execute(stmt)
        else:
            async with self.writing(), self.engine.begin() as own:
                await own.execute(stmt)
        for key, value in changes.items():
            setattr(job, key, value)
        return job

    async def cancel(self, job_id: str) -> OutboxJob:
        """Cancel a job that is not being sent; a second cancel is a no-op."""
        now = utcnow()
        async with self.writing(), self.engine.begin() as conn:
            result = await conn.execute(
                outbox.update()
                .where(outbox.c.id == job_id, outbox.c.status == "queued")
                .values(status="cancelled", updated_at=now, next_attempt_at=now)
            )
        job = await self.get(job_id)
        if result.rowcount == 0 and job.status != "cancelled":
            raise InvalidState(f"queued message {job_id} is {job.status}; it cannot be cancelled")
        return job

    # -- reading ---------------------------------------------------------------------------

    async def get(self, job_id: str) -> OutboxJob:
        async with self.engine.connect() as conn:
            row = (await conn.execute(sa.select(outbox).where(outbox.c.id == job_id))).first()
        if row is None:
            raise OutboxItemNotFound(f"no queued message {job_id!r}")
        return _job(row)

    async def list(
        self,
        *,
        accounts: list[str] | None,
        status: str | None,
        limit: int,
        cursor: str | None,
    ) -> tuple[list[OutboxJob], str | None]:
        """Newest first; ``accounts`` None means every account."""
        cols = [c for c in outbox.c if c.name != "raw"]
        stmt = sa.select(*cols).order_by(outbox.c.created_at.desc(), outbox.c.id.desc())
        if accounts is not None:
            stmt = stmt.where(outbox.c.account_id.in_(accounts))
        if status is not None:
            if status not in STATUSES:
                raise InvalidInput(f"status must be one of {', '.join(STATUSES)}")
            stmt = stmt.where(outbox.c.status == status)
        if cursor:
            created, job_id = _decode_cursor(cursor)
            stmt = stmt.where(
                sa.or_(
                    outbox.c.created_at < created,
                    sa.and_(outbox.c.created_at == created, outbox.c.id < job_id),
                )
            )
        async with self.engine.connect() as conn:
            rows = (await conn.execute(stmt.limit(limit + 1))).all()
        jobs = [_job(row) for row in rows[:limit]]
        next_cursor = None
        if len(rows) > limit:
            last = jobs[-1]
            next_cursor = _encode_cursor(last.created_at, last.id)
        return jobs, next_cursor

    async def counts(self, statuses: tuple[str, ...] | None = None) -> dict[str, int]:
        """Jobs per status (for metrics and tests); ``statuses``: only those (an index
        scan, where all of them read the whole table)."""
        query = sa.select(outbox.c.status, sa.func.count()).group_by(outbox.c.status)
        if statuses is not None:
            query = query.where(outbox.c.status.in_(statuses))
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return {row[0]: row[1] for row in rows}


def _due(now: datetime):
    return sa.or_(
        sa.and_(outbox.c.status == "queued", outbox.c.next_attempt_at <= now),
        sa.and_(outbox.c.status == "sending", outbox.c.lease_until < now),
    )


# The idle poll's statement, built once (several polls a second): SQLAlchemy reuses its
# compiled form instead of building and hashing a new statement each time.
_ANY_DUE = (
    sa.select(outbox.c.id)
    .where(_due(sa.bindparam("now", type_=outbox.c.lease_until.type)))
    .limit(1)
)


def _encode_cursor(created: datetime, job_id: str) -> str:
    raw = json.dumps([created.isoformat(), job_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created, job_id = json.loads(raw)
        return datetime.fromisoformat(created), str(job_id)
    except (ValueError, TypeError) as exc:
        raise InvalidInput("cursor: not a cursor from this list") from exc


def _job(row) -> OutboxJob:
    m = row._mapping
    return OutboxJob(
        id=m["id"],
        account_id=m["account_id"],
        status=m["status"],
        message_id=m["message_id"],
        mail_from=m["mail_from"],
        rcpt_to=list(m["rcpt_to"]),
        raw=bytes(m.get("raw") or b""),
        options=dict(m["options"] or {}),
        attempts=m["attempts"],
        next_attempt_at=m["next_attempt_at"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
        lease_owner=m["lease_owner"],
        lease_until=m["lease_until"],
        last_error=m["last_error"],
        smtp_response=m["smtp_response"],
        data_sent_at=m["data_sent_at"],
        accepted=m["accepted"],
        rejected=m["rejected"],
        history=list(m["history"] or []),
    )
