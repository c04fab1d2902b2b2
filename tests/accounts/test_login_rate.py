"""LoginScheduler without a server: token buckets per server, turns taken round robin, requests
before watchers, cancellations that leak nothing (the limit against Dovecot's log is in
tests/sync/test_login_rate_dovecot.py)."""

from __future__ import annotations

import asyncio
import time

from gateway.accounts.login_rate import LoginScheduler, TokenBucket


def test_a_bucket_gives_its_burst_then_the_rate() -> None:
    bucket = TokenBucket(rate=10, burst=3, now=0.0)
    assert [bucket.take(0.0) for _ in range(4)] == [True, True, True, False]
    assert abs(bucket.wait(0.0) - 0.1) < 1e-9
    assert not bucket.take(0.05)
    assert bucket.take(0.1001)
    assert bucket.full(10.0) and bucket.tokens == 3  # never more than the burst


def test_a_rate_of_zero_never_limits() -> None:
    bucket = TokenBucket(rate=0, burst=1, now=0.0)
    assert all(bucket.take(0.0) for _ in range(1000)) and bucket.wait(0.0) == 0


async def _logins(
    scheduler: LoginScheduler,
    host: str,
    count: int,
    order: list[str],
    *,
    background: bool = False,
    hold: float = 0.0,
) -> None:
    async def one(i: int) -> None:
        async with scheduler.turn(host, 993, background=background):
            order.append(f"{host}:{i}")
            await asyncio.sleep(hold)  # scenario: a login takes this long

    await asyncio.gather(*(one(i) for i in range(count)))


async def test_logins_to_one_server_keep_to_its_rate() -> None:
    scheduler = LoginScheduler(rate=20, burst=2, concurrency=0)
    started, order = time.monotonic(), []
    await _logins(scheduler, "imap.example", 8, order)
    # 2 at once, then one per 50 ms: 6 more take 0.3 s at least.
    assert len(order) == 8 and time.monotonic() - started >= 0.28
    assert scheduler.in_flight == 0 and scheduler.granted == 8


async def test_servers_take_turns_so_a_big_one_starves_none() -> None:
    scheduler = LoginScheduler(rate=0, burst=1, concurrency=1)
    order: list[str] = []
    big = asyncio.create_task(_logins(scheduler, "big.example", 20, order, hold=0.005))
    await asyncio.sleep(0)  # the big server's logins queue first
    small = asyncio.create_task(_logins(scheduler, "small.example", 3, order, hold=0.005))
    await asyncio.gather(big, small)
    small_at = [i for i, login in enumerate(order) if login.startswith("small")]
    assert small_at == [2, 4, 6], order  # alternating as soon as both wait


async def test_requests_go_before_watchers_waiting_for_the_same_server() -> None:
    scheduler = LoginScheduler(rate=50, burst=1, concurrency=0)
    order: list[str] = []
    watchers = asyncio.create_task(_logins(scheduler, "imap.example", 10, order, background=True))
    await asyncio.sleep(0.03)  # the first one or two watchers are logged in
    assert scheduler.waiting(background=True) >= 7
    async with scheduler.turn("imap.example", 993):
        order.append("request")
    await watchers
    assert order.index("request") <= 3, order  # the next turn after it asked


async def test_a_waiter_that_gives_up_leaks_no_turn() -> None:
    scheduler = LoginScheduler(rate=0, burst=1, concurrency=1)
    held = asyncio.Event()
    release = asyncio.Event()

    async def holder() -> None:
        async with scheduler.turn("a.example", 1):
            held.set()
            await release.wait()

    first = asyncio.create_task(holder())
    await held.wait()
    waiting = asyncio.create_task(_logins(scheduler, "a.example", 1, []))
    await asyncio.sleep(0.01)
    waiting.cancel()
    await asyncio.gather(waiting, return_exceptions=True)
    release.set()
    await first
    order: list[str] = []
    async with asyncio.timeout(1):
        await _logins(scheduler, "b.example", 3, order)
    assert len(order) == 3 and scheduler.in_flight == 0
    assert scheduler.waiting(background=False) == 0


async def test_a_server_whose_logins_hang_holds_up_no_other() -> None:
    scheduler = LoginScheduler(rate=0, burst=1, concurrency=8)  # 2 per server at most
    hung = asyncio.Event()

    async def hanging() -> None:
        async with scheduler.turn("down.example", 993, background=True):
            await hung.wait()  # a connect waiting for its timeout

    stuck = [asyncio.create_task(hanging()) for _ in range(10)]
    await asyncio.sleep(0)
    assert scheduler.in_flight == 2 and scheduler.waiting(background=True) == 8
    order: list[str] = []
    async with asyncio.timeout(1):
        await _logins(scheduler, "up.example", 5, order)
    assert len(order) == 5
    hung.set()
    await asyncio.gather(*stuck)
    assert scheduler.in_flight == 0
