"""Locks that hold across processes and instances: a lease in the store, renewed while held.

    locks = StoreLocks(LeaseRepo(store), owner=name.owner)
    async with locks.hold("pop3:alice", wait=30):   # TimeoutError after 30 s
        ...one POP3 session of alice, whichever worker or instance runs it...

An asyncio lock orders the holders inside one process; this orders the processes
(``mailgate serve --workers N``, several instances on one PostgreSQL). The lease runs
``ttl`` seconds and is renewed every third of it while held, so a process that dies
holding one frees it within ``ttl``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from ..store.leases import LeaseRepo

log = logging.getLogger(__name__)

LOCK_TTL = 15.0  # seconds a dead holder keeps the lock
_POLL_FIRST, _POLL_MAX = 0.05, 0.5  # seconds between looks while another process holds it


class StoreLocks:
    """Named locks in the store (``leases``), all held under this process's ``owner``."""

    def __init__(self, leases: LeaseRepo, owner: str, *, ttl: float = LOCK_TTL) -> None:
        self._leases = leases
        self.owner = owner
        self.ttl = ttl

    @contextlib.asynccontextmanager
    async def hold(self, name: str, *, wait: float) -> AsyncIterator[None]:
        """Hold ``name`` (waiting at most ``wait`` seconds, then ``TimeoutError``).

        One holder per process at a time is the caller's business (an asyncio lock):
        the same owner taking it again renews it.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        pause = _POLL_FIRST
        while not await self._leases.acquire(name, self.owner, self.ttl):
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(name)
            await asyncio.sleep(min(pause, remaining))
            pause = min(pause * 2, _POLL_MAX)
        renewing = asyncio.create_task(self._renew(name), name=f"renew:{name}")
        try:
            yield
        finally:
            renewing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewing
            try:
                await asyncio.shield(self._leases.release(name, self.owner))
            except Exception:  # it runs out by itself
                log.warning("could not release lock %s; it frees in %g s", name, self.ttl)

    async def _renew(self, name: str) -> None:
        while True:
            await asyncio.sleep(self.ttl / 3)
            try:
                if not await self._leases.acquire(name, self.owner, self.ttl):
                    log.error("lock %s was lost (renewal came too late)", name)
                    return
            except Exception:
                log.warning("renewing lock %s failed; trying again", name, exc_info=True)
