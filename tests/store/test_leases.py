"""Watch leases on SQLite and PostgreSQL: a restarted instance takes its own back at once,
another instance only once they run out (no mail server)."""

from __future__ import annotations

import asyncio

from gateway.instance import instance_name
from gateway.settings import Settings
from gateway.store.db import Store
from gateway.store.sync_state import SyncStateRepo


def _name(port: int, started: float):
    settings = Settings(database_url="sqlite+aiosqlite:///:memory:", secret_key="k", port=port)
    return instance_name(settings, hostname="mx1", started=started)


async def test_a_restarted_instance_takes_its_leases_back_at_once(any_store: Store) -> None:
    repo = SyncStateRepo(any_store)
    crashed, restarted = _name(8025, 1000.0), _name(8025, 2000.0)
    assert await repo.acquire_lease("watch:a", crashed.owner, 60)
    # Without knowing who it was, the new run waits like anyone else...
    assert not await repo.acquire_lease("watch:a", restarted.owner, 60)
    # ...knowing that it is an earlier run of itself, it takes the lease now.
    assert await repo.acquire_lease("watch:a", restarted.owner, 60, supersedes=restarted.supersedes)
    assert await repo.lease_holder("watch:a") == restarted.owner
    # The earlier run (had it survived) cannot take it back.
    assert not await repo.acquire_lease("watch:a", crashed.owner, 60, supersedes=crashed.supersedes)
    assert await repo.lease_holder("watch:a") == restarted.owner


async def test_a_crashed_instances_lease_goes_to_another_only_when_it_ran_out(
    any_store: Store,
) -> None:
    repo = SyncStateRepo(any_store)
    crashed, other = _name(8025, 1000.0), _name(8026, 2000.0)
    assert await repo.acquire_lease("watch:b", crashed.owner, 3)
    assert not await repo.acquire_lease("watch:b", other.owner, 60, supersedes=other.supersedes)
    await asyncio.sleep(3.2)  # scenario: the lease runs out
    assert await repo.acquire_lease("watch:b", other.owner, 60, supersedes=other.supersedes)
    assert await repo.lease_holder("watch:b") == other.owner
    # A free lease is taken with or without ``supersedes``.
    assert await repo.acquire_lease("watch:c", other.owner, 60, supersedes=other.supersedes)
