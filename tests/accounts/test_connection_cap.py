"""ConnectionCap without a server: slots, eviction, bounded waits (the real caps against
Dovecot are in tests/accounts/test_connection_caps.py)."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import pytest

from gateway.accounts.connection_cap import ConnectionCap
from gateway.errors import ConnectionLimitReached


@dataclass(eq=False)
class Conn:
    open: bool = True


def cap(limit: int | None, wait: float = 0.3) -> ConnectionCap:
    return ConnectionCap(limit, wait=wait, protocol="imap", is_open=lambda c: c.open)


async def opened(c: ConnectionCap, **kwargs) -> Conn:
    await c.acquire(**kwargs)
    conn = Conn()
    c.opened(conn)
    return conn


async def test_without_a_limit_nothing_waits():
    unlimited = cap(None)
    conns = [await opened(unlimited) for _ in range(50)]
    assert unlimited.in_use == 50 and all(c.open for c in conns)


async def test_a_full_cap_refuses_after_the_wait_never_more_connections():
    full = cap(2, wait=0.3)
    await opened(full)
    await opened(full)
    started = time.monotonic()
    with pytest.raises(ConnectionLimitReached) as err:
        await full.acquire()
    assert 0.25 <= time.monotonic() - started < 2
    assert err.value.code == "connection_limit_reached" and err.value.retry_after >= 1
    assert full.in_use == 2


async def test_a_closed_connection_frees_its_slot_without_being_told():
    limited = cap(1, wait=5)
    first = await opened(limited)
    waiter = asyncio.create_task(opened(limited))
    await asyncio.sleep(0.05)
    assert not waiter.done()
    first.open = False  # dropped by the server: nobody calls released()
    second = await asyncio.wait_for(waiter, 1)
    assert second.open and limited.in_use == 1


async def test_released_wakes_a_waiter_at_once():
    limited = cap(1, wait=5)
    first = await opened(limited)
    waiter = asyncio.create_task(opened(limited))
    await asyncio.sleep(0.01)
    first.open = False
    started = time.monotonic()
    limited.released()
    await asyncio.wait_for(waiter, 1)
    assert time.monotonic() - started < 0.09


async def test_eviction_makes_room_before_waiting():
    limited = cap(1, wait=5)
    idle = await opened(limited)
    evictions = []

    async def evict() -> bool:
        if not idle.open:
            return False
        idle.open = False
        evictions.append(idle)
        return True

    started = time.monotonic()
    await opened(limited, evict=evict)
    assert evictions == [idle] and time.monotonic() - started < 0.05


async def test_an_abandoned_connect_gives_its_slot_back():
    limited = cap(1, wait=0.2)
    await limited.acquire()
    assert limited.in_use == 1
    limited.abandoned()
    assert limited.in_use == 0
    await opened(limited)
