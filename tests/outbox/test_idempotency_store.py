"""Idempotency keys at rest (no mail server): reserve, replay, take-over, release, races;
on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

import pytest

from gateway.store.db import Store
from gateway.store.idempotency import IdempotencyRepo

DAY = 86400.0


@pytest.fixture
def repo(any_store: Store) -> IdempotencyRepo:
    return IdempotencyRepo(any_store)


async def test_reserve_then_replay(repo: IdempotencyRepo) -> None:
    assert await repo.reserve("a", "k", "h1", ttl=DAY, abandon_after=300) is None
    running = await repo.reserve("a", "k", "h2", ttl=DAY, abandon_after=300)
    assert running is not None and running.outcome is None and running.request_hash == "h1"
    await repo.complete("a", "k", "sent", {"message_id": "<m@x>", "accepted": ["b@x"]})
    done = await repo.reserve("a", "k", "h1", ttl=DAY, abandon_after=0)
    assert done is not None and done.outcome == "sent"
    assert done.body == {"message_id": "<m@x>", "accepted": ["b@x"]}
    # another account's key of the same name is another key
    assert await repo.reserve("b", "k", "h1", ttl=DAY, abandon_after=300) is None


async def test_expired_and_abandoned_keys_are_taken_over(repo: IdempotencyRepo) -> None:
    assert await repo.reserve("a", "old", "h1", ttl=-1, abandon_after=300) is None
    await repo.complete("a", "old", "sent", {"n": 1})
    assert await repo.reserve("a", "old", "h2", ttl=DAY, abandon_after=300) is None
    again = await repo.get("a", "old")
    assert again is not None and again.request_hash == "h2" and again.outcome is None

    assert await repo.reserve("a", "left", "h1", ttl=DAY, abandon_after=300) is None
    assert (await repo.reserve("a", "left", "h1", ttl=DAY, abandon_after=300)) is not None
    assert await repo.reserve("a", "left", "h3", ttl=DAY, abandon_after=-1) is None
    taken = await repo.get("a", "left")
    assert taken is not None and taken.request_hash == "h3"


async def test_release_forgets_only_unfinished(repo: IdempotencyRepo) -> None:
    assert await repo.reserve("a", "k", "h", ttl=DAY, abandon_after=300) is None
    await repo.release("a", "k")
    assert await repo.get("a", "k") is None
    assert await repo.reserve("a", "k", "h", ttl=DAY, abandon_after=300) is None
    await repo.complete("a", "k", "error", {"class": "UpstreamRejected"})
    await repo.release("a", "k")
    kept = await repo.get("a", "k")
    assert kept is not None and kept.outcome == "error"


async def test_racing_reservations_have_one_winner(repo: IdempotencyRepo) -> None:
    results = await asyncio.gather(
        *(repo.reserve("a", "race", f"h{i}", ttl=DAY, abandon_after=300) for i in range(8))
    )
    assert sum(r is None for r in results) == 1
    # an expired key raced for: still one winner
    assert await repo.reserve("a", "stale", "h", ttl=-1, abandon_after=300) is None
    await repo.complete("a", "stale", "sent", {})
    results = await asyncio.gather(
        *(repo.reserve("a", "stale", f"s{i}", ttl=DAY, abandon_after=300) for i in range(8))
    )
    assert sum(r is None for r in results) == 1
