"""Events added as a batch (one INSERT): the same rows, seqs, deliveries and fan-out as one
by one, on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from gateway.events.bus import EventBus
from gateway.secrets import SecretBox
from gateway.store.db import Store
from gateway.store.schema import webhook_deliveries
from gateway.store.webhooks import WebhookRepo


@pytest.fixture
def store(any_store: Store) -> Store:
    return any_store


async def test_add_many_matches_add(store: Store) -> None:
    hooks = WebhookRepo(store, SecretBox("k" * 32))
    await hooks.create(
        url="http://hook.test/a",
        events_=["message.sent"],
        accounts=["a1"],
        secret="s",
        created_by=None,
    )
    await hooks.create(
        url="http://hook.test/b", events_=["*"], accounts=None, secret="s", created_by=None
    )
    bus = EventBus(store, "inst")
    sub = bus.subscribe()
    items = [
        ("message.sent", "a1", {"i": 0}),
        ("message.sent", "a2", {"i": 1}),
        ("message.new", None, {"i": 2}),
        ("message.sent", "a1", {"i": 3, "x": [1, "y"]}),
    ]
    async with bus.transaction() as batch:
        first = await batch.add("message.flags", "a1", {"before": True})
        added = await batch.add_many(items)
        assert await batch.add_many([]) == []
        # a1's sent events reach both webhooks, the others only the catch-all one
        assert batch.deliveries == 1 + 2 + 1 + 1 + 2

    assert [(e.type, e.account, e.data) for e in added] == items
    seqs = [first.seq, *(e.seq for e in added)]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    stored = await bus.repo.after(0)
    assert [(r.seq, r.id, r.type, r.account_id, r.data) for r in stored] == [
        (e.seq, e.id, e.type, e.account, e.data) for e in [first, *added]
    ]
    fanned = [sub.queue.get_nowait() for _ in range(sub.queue.qsize())]
    assert fanned == [first, *added]
    async with store.engine.connect() as conn:
        rows = (await conn.execute(sa.select(webhook_deliveries.c.event_id))).scalars().all()
    assert sorted(rows) == sorted(
        [
            first.id,
            *[
                e.id
                for e in added
                for _ in (range(2) if (e.type, e.account) == ("message.sent", "a1") else range(1))
            ],
        ]
    )
