"""Leases many at a time, on SQLite and PostgreSQL: what an instance takes, renews, gives up
and sees of the others (no mail server)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from gateway.store.db import Store
from gateway.store.leases import LeaseRepo
from gateway.store.schema import utcnow


async def test_take_gets_free_run_out_and_own_earlier_leases_only(any_store: Store) -> None:
    repo = LeaseRepo(any_store)
    assert await repo.acquire("watch:live", "other#2", 60)
    assert await repo.acquire("watch:ran-out", "dead#1", 0.2)
    assert await repo.acquire("watch:earlier", "me#0", 60)
    assert await repo.acquire("watch:mine", "me#1", 60)
    await asyncio.sleep(0.3)  # scenario: the dead instance's lease runs out
    names = ["watch:live", "watch:ran-out", "watch:earlier", "watch:mine", "watch:new"]
    taken = await repo.take(names, "me#1", 60, from_owners={"me#0"})
    assert taken == {"watch:ran-out", "watch:earlier", "watch:mine", "watch:new"}
    assert {lease.name: lease.owner for lease in await repo.held("watch:")} == {
        "watch:live": "other#2",
        "watch:ran-out": "me#1",
        "watch:earlier": "me#1",
        "watch:mine": "me#1",
        "watch:new": "me#1",
    }
    assert await repo.take(["watch:live"], "third#1", 60) == set()
    assert await repo.take([], "me#1", 60) == set()


async def test_renew_tells_which_leases_are_still_held(any_store: Store) -> None:
    repo = LeaseRepo(any_store)
    assert await repo.take(["watch:a", "watch:b", "other:c"], "me#1", 0.2) == {
        "watch:a",
        "watch:b",
        "other:c",
    }
    await asyncio.sleep(0.3)  # scenario: renewals came too late; another takes one over
    assert await repo.take(["watch:b"], "you#1", 60) == {"watch:b"}
    assert await repo.renew_mine("me#1", "watch:", 60) == {"watch:a"}
    until = {lease.name: lease.until for lease in await repo.held("")}
    assert until["watch:a"] > utcnow() + timedelta(seconds=50)
    assert until["other:c"] < utcnow()  # another prefix: not renewed
    await repo.release_mine("you#1", ["watch:a", "watch:b"])  # only its own goes
    await repo.release_mine("me#1", prefix="other:")
    assert {lease.name for lease in await repo.held("")} == {"watch:a"}


async def test_heartbeats_say_who_is_alive_and_old_ones_are_pruned(any_store: Store) -> None:
    repo = LeaseRepo(any_store)
    assert await repo.beat("mx1/w1", "mx1/w1#01", 60)
    assert await repo.beat("mx1/w2", "mx1/w2#01", 0.2)
    assert not await repo.beat("mx1/w1", "mx1/w1#00", 60)  # not while a later run beats
    assert await repo.beat(
        "mx1/w1",
        "mx1/w1#02",
        60,  # a restart takes its own back
        supersedes=lambda owner: owner == "mx1/w1#01",
    )
    await asyncio.sleep(0.3)  # scenario: w2 died; its heartbeat runs out
    assert [lease.owner for lease in await repo.live_instances()] == ["mx1/w1#02"]
    assert await repo.prune(utcnow()) == 1
    assert {lease.name for lease in await repo.held("instance:")} == {"instance:mx1/w1"}
