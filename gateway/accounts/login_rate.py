"""How fast the gateway logs in to mail servers: a rate per server, fair across servers.

    logins = LoginScheduler(rate=50, burst=50, concurrency=50)
    async with logins.turn("imap.example.com", 993, background=True):
        ...connect and log in...

Real servers limit logins per client address (a storm of them at start-up is refused,
or worse, blocks the address for a while), so every connect of every account (the
watchers', the pools', ``verify``) waits for a turn here:

- per server (host, port) a token bucket: ``rate`` logins a second, ``burst`` at once;
- at most ``concurrency`` logins in flight over all servers (TLS handshakes cost CPU), and
  a quarter of them to one server (a server that is down, where every connect waits for
  its timeout, holds up no other);
- servers take turns (round robin), so a thousand accounts on one big host do not hold
  up the few accounts on others;
- interactive connects (a request waiting for a connection) go before background ones
  (a watcher starting or reconnecting): a request never waits behind a start-up.

``rate`` 0 means no rate limit, ``concurrency`` 0 no bound on logins in flight.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

Clock = Callable[[], float]
_INTERACTIVE, _BACKGROUND = 0, 1


class TokenBucket:
    """``rate`` tokens a second, at most ``burst`` kept; starts full."""

    def __init__(self, rate: float, burst: int, now: float) -> None:
        self.rate = rate
        self.burst = max(1, burst)
        self.tokens = float(self.burst)
        self.stamp = now

    def _refill(self, now: float) -> None:
        if self.rate > 0:
            self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now

    def take(self, now: float) -> bool:
        """Spend a token if one is there."""
        if self.rate <= 0:
            return True
        self._refill(now)
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False

    def wait(self, now: float) -> float:
        """Seconds until a token is there (0: now)."""
        if self.rate <= 0:
            return 0.0
        self._refill(now)
        return max(0.0, (1 - self.tokens) / self.rate)

    def full(self, now: float) -> bool:
        self._refill(now)
        return self.rate <= 0 or self.tokens >= self.burst


@dataclass
class _Server:
    bucket: TokenBucket
    in_flight: int = 0
    waiting: tuple[deque[asyncio.Future[None]], ...] = field(
        default_factory=lambda: (deque(), deque())
    )

    def first(self, priority: int) -> asyncio.Future[None] | None:
        queue = self.waiting[priority]
        while queue and queue[0].done():  # given up (cancelled)
            queue.popleft()
        return queue[0] if queue else None

    def idle(self) -> bool:
        return self.first(_INTERACTIVE) is None and self.first(_BACKGROUND) is None


class LoginScheduler:
    """Grants login turns (see the module docstring)."""

    def __init__(
        self, rate: float, burst: int, concurrency: int, *, clock: Clock = time.monotonic
    ) -> None:
        self.rate = rate
        self.burst = burst
        self.concurrency = concurrency
        self._clock = clock
        self._servers: dict[tuple[str, int], _Server] = {}
        self._ring: deque[tuple[str, int]] = deque()  # servers with someone waiting
        self._in_flight = 0
        # Logins in flight to one server at most (0: no bound of its own).
        self.per_server = max(1, concurrency // 4) if concurrency else 0
        self._timer: asyncio.TimerHandle | None = None
        self.granted = 0  # turns given, ever (metrics)

    @property
    def in_flight(self) -> int:
        return self._in_flight

    def waiting(self, *, background: bool) -> int:
        """Logins waiting for a turn."""
        priority = _BACKGROUND if background else _INTERACTIVE
        return sum(
            sum(1 for f in s.waiting[priority] if not f.done()) for s in self._servers.values()
        )

    @contextlib.asynccontextmanager
    async def turn(self, host: str, port: int, *, background: bool = False) -> AsyncIterator[None]:
        """Hold a login turn for ``host:port`` (wait for it first); leave it once logged in
        (or failed)."""
        key = (host.lower(), port)
        server = self._servers.get(key)
        if server is None:
            server = self._servers[key] = _Server(TokenBucket(self.rate, self.burst, self._clock()))
        granted = asyncio.get_running_loop().create_future()
        server.waiting[_BACKGROUND if background else _INTERACTIVE].append(granted)
        if key not in self._ring:
            self._ring.append(key)
        self._dispatch()
        try:
            await granted
        except asyncio.CancelledError:
            if granted.done() and not granted.cancelled():
                self._done(server)  # granted just as the waiter gave up
            else:
                granted.cancel()
                self._dispatch()  # another waiter of the server may go now
            raise
        try:
            yield
        finally:
            self._done(server)

    def _done(self, server: _Server) -> None:
        self._in_flight -= 1
        server.in_flight -= 1
        self._dispatch()

    def _dispatch(self) -> None:
        """Grant turns while there is room: interactive waiters first, servers in turn."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        now = self._clock()
        while not self.concurrency or self._in_flight < self.concurrency:
            granted = self._next(_INTERACTIVE, now) or self._next(_BACKGROUND, now)
            if granted is None:
                break
            granted.set_result(None)
            self._in_flight += 1
            self.granted += 1
        for key in [k for k in self._ring if self._servers[k].idle()]:
            self._ring.remove(key)
        self._forget_idle(now)
        if self._ring and (not self.concurrency or self._in_flight < self.concurrency):
            waits = [
                self._servers[k].bucket.wait(now)
                for k in self._ring
                if not self.per_server or self._servers[k].in_flight < self.per_server
            ]
            if waits:  # else a login ending calls _dispatch
                self._timer = asyncio.get_running_loop().call_later(
                    max(min(waits), 0.001), self._dispatch
                )

    def _next(self, priority: int, now: float) -> asyncio.Future[None] | None:
        """The first waiter of ``priority`` at the next server in the ring with a token;
        that server goes to the back of the ring."""
        for _ in range(len(self._ring)):
            key = self._ring[0]
            self._ring.rotate(-1)
            server = self._servers[key]
            if self.per_server and server.in_flight >= self.per_server:
                continue
            first = server.first(priority)
            if first is not None and server.bucket.take(now):
                server.waiting[priority].popleft()
                server.in_flight += 1
                return first
        return None

    def _forget_idle(self, now: float) -> None:
        """Drop servers nobody waits for whose bucket is full again (bounded memory)."""
        if len(self._servers) > 64 + len(self._ring):
            for key in [
                k
                for k, s in self._servers.items()
                if k not in self._ring and s.idle() and not s.in_flight and s.bucket.full(now)
            ]:
                del self._servers[key]
