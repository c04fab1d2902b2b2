"""``Store.read``: one read-only statement outside a transaction, on SQLite and PostgreSQL;
on PostgreSQL a pooled connection that the server ended meanwhile is replaced, not an
error for the request that finds it."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from gateway.store.db import Store
from gateway.store.schema import change_feeds


async def test_read_answers_the_rows_the_writes_left(any_store: Store) -> None:
    assert await any_store.read(sa.select(change_feeds.c.epoch), {}) == []
    async with any_store.engine.begin() as conn:
        await conn.execute(
            change_feeds.insert().values(
                account_id="a",
                epoch="7",
                seq=3,
                min_seq=0,
                created_at=sa.func.now(),
                updated_at=sa.func.now(),
            )
        )
    query = sa.select(change_feeds.c.epoch, change_feeds.c.seq).where(
        change_feeds.c.account_id == sa.bindparam("account")
    )
    assert [tuple(r) for r in await any_store.read(query, {"account": "a"})] == [("7", 3)]
    assert await any_store.read(query, {"account": "b"}) == []


async def test_read_outlives_a_connection_the_server_ended(pg_database: str) -> None:
    store = Store(pg_database)
    await store.open()
    try:
        backend = sa.select(sa.func.pg_backend_pid())
        first = (await store.read(backend, {}))[0][0]
        # A server restart, as one pooled connection sees it: its backend is gone.
        async with store.engine.connect() as conn:
            ended = await conn.execute(sa.select(sa.func.pg_terminate_backend(first)))
            assert ended.scalar() is True
        second = (await store.read(backend, {}))[0][0]
        assert second != first
        assert (await store.read(backend, {}))[0][0] == second  # and it is kept
    finally:
        await store.close()


async def test_read_does_not_hide_a_wrong_statement(any_store: Store) -> None:
    with pytest.raises(sa.exc.DBAPIError):
        await any_store.read(sa.text("SELECT * FROM no_such_table"), {})
