"""The outbox table: claiming, leases and the end-of-DATA fence (SQLite, no mail server)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from gateway.errors import InvalidState
from gateway.model.records import OutboxJob
from gateway.store.db import Store
from gateway.store.outbox import OutboxRepo, new_job_id
from gateway.store.schema import utcnow


@pytest.fixture
async def repo(tmp_path: Path) -> AsyncIterator[OutboxRepo]:
    store = Store(f"sqlite+aiosqlite:///{tmp_path / 'o.db'}")
    await store.open()
    try:
        yield OutboxRepo(store)
    finally:
        await store.close()


async def _add(repo: OutboxRepo, *, due_in: float = 0.0) -> OutboxJob:
    now = utcnow()
    job = OutboxJob(
        id=new_job_id(),
        account_id="a",
        status="queued",
        message_id="<m@x>",
        mail_from="a@x.test",
        rcpt_to=["b@x.test"],
        raw=b"raw",
        options={},
        attempts=0,
        next_attempt_at=now + timedelta(seconds=due_in),
        created_at=now,
        updated_at=now,
    )
    async with repo.engine.begin() as conn:
        await repo.insert(conn, job)
    return job


async def test_claim_takes_due_jobs_once(repo: OutboxRepo) -> None:
    due = [await _add(repo) for _ in range(3)]
    await _add(repo, due_in=3600)
    claims = await asyncio.gather(
        *(repo.claim(f"w{i}", lease_seconds=60, limit=2) for i in range(4))
    )
    ids = [job.id for jobs in claims for job in jobs]
    assert sorted(ids) == sorted(j.id for j in due)  # each due job to exactly one worker
    assert all(job.attempts == 1 and job.status == "sending" for jobs in claims for job in jobs)
    assert not await repo.any_due()


async def test_expired_lease_is_claimed_again_and_fences_the_old_owner(repo: OutboxRepo) -> None:
    job = await _add(repo)
    [first] = await repo.claim("old", lease_seconds=0.05, limit=1)
    assert await repo.mark_data_sent(first.id, "old")
    await asyncio.sleep(0.1)  # scenario: the 0.05 s lease runs out
    assert await repo.any_due()
    [again] = await repo.claim("new", lease_seconds=60, limit=1)
    assert again.id == job.id and again.attempts == 2 and again.data_sent_at is not None
    assert not await repo.mark_data_sent(job.id, "old")  # the old worker must not finish DATA
    assert await repo.mark_data_sent(job.id, "new")


async def test_release_and_cancel(repo: OutboxRepo) -> None:
    job = await _add(repo)
    [claimed] = await repo.claim("w", lease_seconds=60, limit=1)
    with pytest.raises(InvalidState):
        await repo.cancel(job.id)  # being sent
    await repo.release([(job.id, "w")])
    back = await repo.get(job.id)
    assert back.status == "queued" and back.attempts == 0 and back.lease_owner is None
    assert (await repo.cancel(job.id)).status == "cancelled"
    assert (await repo.cancel(job.id)).status == "cancelled"
    assert not await repo.any_due()
