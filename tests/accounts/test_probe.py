"""ServerProbe against a real loopback listener: it notices a server coming back quickly,
and leaves a server that accepts connections to the backoff."""

from __future__ import annotations

import asyncio
import socket
import time

from gateway.accounts.probe import ServerProbe
from tests.waiting import quiet_for


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def _until(predicate, within: float) -> None:
    deadline = time.monotonic() + within
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


async def test_a_server_coming_back_is_noticed_within_a_probe_interval() -> None:
    port = _free_port()
    backs: list[float] = []
    probe = ServerProbe(
        "127.0.0.1", port, timeout=2, on_back=lambda: backs.append(time.monotonic())
    )
    probe.suspect()
    try:
        await _until(lambda: probe.down, within=2)
        assert probe.last_error
        waiter = asyncio.create_task(probe.wait_back(30))
        await quiet_for()  # a few refused probes: still down, still waiting
        assert probe.down and not waiter.done() and not backs
        server = await asyncio.start_server(lambda r, w: w.close(), "127.0.0.1", port)
        listening = time.monotonic()
        async with server:
            async with asyncio.timeout(2):
                await waiter
            assert not probe.down and len(backs) == 1
            assert backs[0] - listening < probe.interval + 0.5
    finally:
        await probe.close()


async def test_a_server_that_accepts_is_left_to_the_backoff() -> None:
    backs: list[float] = []
    server = await asyncio.start_server(lambda r, w: w.close(), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    probe = ServerProbe("127.0.0.1", port, timeout=2, on_back=lambda: backs.append(0.0))
    async with server:
        probe.suspect()
        started = time.monotonic()
        await probe.wait_back(0.6)  # not cut short: the server never was down
        assert time.monotonic() - started >= 0.55
        assert not probe.down and not probe.probing and not backs
    await probe.close()
