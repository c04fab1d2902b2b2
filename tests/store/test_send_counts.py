"""The daily send counter on SQLite and PostgreSQL: atomic under concurrency, per day."""

from __future__ import annotations

import asyncio
from datetime import date

from gateway.store.db import Store
from gateway.store.send_counts import SendCountRepo

DAY = date(2026, 12, 6)


async def test_concurrent_takes_never_pass_the_limit(
    any_store: Store,
    any_store_url: str,
) -> None:
    # Two stores on one database stand for two gateway instances.
    other = Store(any_store_url)
    await other.open()
    try:
        repos = [SendCountRepo(any_store), SendCountRepo(other)]
        results = await asyncio.gather(*(repos[i % 2].take("acct", DAY, 5) for i in range(30)))
    finally:
        await other.close()
    assert sum(results) == 5
    assert await repos[0].count("acct", DAY) == 5
    assert await repos[0].take("acct", DAY, 6) is True  # a higher limit frees more
    assert await repos[0].take("acct", DAY, 6) is False


async def test_days_and_accounts_are_separate_and_old_days_go(any_store: Store) -> None:
    repo = SendCountRepo(any_store)
    assert await repo.take("a", DAY, 1) is True
    assert await repo.take("a", DAY, 1) is False
    assert await repo.take("b", DAY, 1) is True
    tomorrow = date(2026, 12, 7)
    assert await repo.take("a", tomorrow, 1) is True
    assert await repo.count("a", DAY) == 0  # the first send of a day drops earlier days
    assert await repo.count("b", DAY) == 1


async def test_a_take_in_a_rolled_back_transaction_does_not_count(any_store: Store) -> None:
    repo = SendCountRepo(any_store)

    class Boom(Exception):
        pass

    try:
        async with any_store.engine.begin() as conn:
            assert await repo.take("a", DAY, 1, conn=conn) is True
            raise Boom
    except Boom:
        pass
    assert await repo.count("a", DAY) == 0
