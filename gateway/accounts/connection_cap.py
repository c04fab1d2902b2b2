"""At most ``max_connections`` connections of an account to one server, whoever opens them.

    cap = ConnectionCap(5, wait=10.0, protocol="imap", is_open=lambda s: s.alive)
    await cap.acquire(evict=close_an_idle_one)     # a slot for a connection being opened
    ...connect and log in...
    cap.opened(session)                            # or cap.abandoned() when that failed

Providers refuse an account's connections beyond a cap (Gmail 15 IMAP connections, Microsoft
365 about 20, Dovecot's ``mail_max_userip_connections``); the server block's
``max_connections`` keeps the gateway under it. The pool, the watchers and ``verify`` all
open their connections through one cap per server block, so together they never exceed it.

A connection counts from ``acquire`` until it is closed: the cap does not need to be told,
it asks ``is_open`` (so a connection the server dropped frees its slot), and ``released``
only wakes waiters sooner. When every slot is taken, ``evict`` (the pool closing one of its
idle connections) makes room; otherwise the caller waits for a slot, at most ``wait``
seconds, then gets ``ConnectionLimitReached`` (503): never a hang, never one too many.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from typing import Any

from ..errors import ConnectionLimitReached

_RECHECK = 0.1  # seconds between looks at ``is_open`` while waiting (a drop wakes nobody)


class ConnectionCap:
    """Counts an account's open connections to one server and bounds them (see module)."""

    def __init__(
        self, limit: int | None, *, wait: float, protocol: str, is_open: Callable[[Any], bool]
    ) -> None:
        self.limit = limit
        self.wait = wait
        self.protocol = protocol
        self._is_open = is_open
        self._open: list[Any] = []
        self._opening = 0
        self._changed = asyncio.Event()

    @property
    def in_use(self) -> int:
        """Connections open or being opened now."""
        self._open = [c for c in self._open if self._is_open(c)]
        return len(self._open) + self._opening

    @property
    def has_room(self) -> bool:
        """Whether a connection could be opened now without waiting."""
        return self.limit is None or self.in_use < self.limit

    async def changed(self, at_most: float) -> None:
        """Until a connection may have been closed or given back (``released``, ``wake``),
        at most ``at_most`` seconds (a dropped connection tells nobody: look again)."""
        self._changed.clear()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(max(0.0, min(at_most, _RECHECK))):
                await self._changed.wait()

    def limit_reached(self) -> ConnectionLimitReached:
        return ConnectionLimitReached(
            f"all {self.limit} {self.protocol} connections this server block allows "
            f"(max_connections) stayed busy for {self.wait:g} s",
            protocol=self.protocol,
        )

    async def acquire(self, *, evict: Callable[[], Awaitable[bool]] | None = None) -> None:
        """Take a slot for a connection about to be opened; wait (bounded) when none is free.

        ``evict`` is asked to close an idle connection first (True when it did).
        """
        if self.limit is None:
            self._opening += 1
            return
        deadline = time.monotonic() + self.wait
        while self.in_use >= self.limit:
            if evict is not None and await evict():
                continue
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise self.limit_reached()
            await self.changed(remaining)
        self._opening += 1

    def opened(self, connection: Any) -> None:
        """The connection of the last ``acquire`` is open: it holds the slot until closed."""
        self._opening -= 1
        self._open.append(connection)

    def abandoned(self) -> None:
        """The connection of an ``acquire`` was not opened after all."""
        self._opening -= 1
        self.released()

    def released(self) -> None:
        """A connection was closed: wake whoever waits for a slot."""
        self._changed.set()

    def wake(self) -> None:
        """A connection became idle (a pool's waiting request may take it): wake waiters."""
        self._changed.set()
