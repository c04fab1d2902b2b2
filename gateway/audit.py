"""The audit log: who changed accounts, tokens, webhooks (and OAuth apps), verified an
account or sent mail, when, from where, and with which outcome.

Requests are recorded by ``api/audit.py`` into memory, off the request path; this service
writes them in batches every ``flush_interval`` seconds and once more when the gateway stops
(the lifespan waits for it), prunes entries older than the retention, and reads them back
(after writing what is pending, so a reader sees its own instance's latest requests).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections import deque
from datetime import datetime, timedelta

from .model.records import AuditEntry
from .store.audit import AuditRepo
from .store.schema import utcnow

log = logging.getLogger(__name__)

_BATCH = 500
_PRUNE_EVERY = 3600.0


def new_entry_id() -> str:
    return "aud_" + secrets.token_hex(10)


class AuditLog:
    """Pending entries in memory (at most ``max_pending``), written by :meth:`run`."""

    def __init__(
        self,
        repo: AuditRepo,
        *,
        retention_days: int,
        flush_interval: float = 0.5,
        max_pending: int = 100_000,
    ) -> None:
        self.repo = repo
        self._retention = timedelta(days=retention_days)
        self.flush_interval = flush_interval
        self._pending: deque[AuditEntry] = deque()
        self._max_pending = max_pending
        self._lock = asyncio.Lock()
        self.dropped = 0

    @property
    def pending(self) -> int:
        """Entries recorded but not written yet."""
        return len(self._pending)

    def record(self, entry: AuditEntry) -> None:
        """Queue an entry (no I/O). Should the store stay away so long that ``max_pending``
        entries wait, the oldest are dropped and counted rather than memory exhausted."""
        if len(self._pending) >= self._max_pending:
            self._pending.popleft()
            self.dropped += 1
            if self.dropped in (1, 1000) or self.dropped % 100_000 == 0:
                log.error("audit log: the store is unreachable, %d entries dropped", self.dropped)
        self._pending.append(entry)

    async def flush(self) -> None:
        """Write every pending entry; on failure they stay pending (and the error is raised)."""
        async with self._lock:
            while self._pending:
                batch = [self._pending.popleft() for _ in range(min(_BATCH, len(self._pending)))]
                try:
                    await self.repo.insert(batch)
                except BaseException:
                    self._pending.extendleft(reversed(batch))
                    raise

    async def run(self, stop: asyncio.Event) -> None:
        pruned_at = -_PRUNE_EVERY
        try:
            while not stop.is_set():
                try:
                    async with asyncio.timeout(self.flush_interval):
                        await stop.wait()
                except TimeoutError:
                    pass
                try:
                    await self.flush()
                    if time.monotonic() - pruned_at >= _PRUNE_EVERY:
                        pruned_at = time.monotonic()
                        await self.prune()
                except Exception:
                    log.warning("audit log: writing failed, will retry", exc_info=True)
        finally:
            # The lifespan closes the store only after this: nothing recorded is lost.
            try:
                await self.flush()
            except Exception:
                log.exception(
                    "audit log: %d entries could not be written at shutdown", len(self._pending)
                )

    async def prune(self, now: datetime | None = None) -> int:
        """Forget entries older than the retention."""
        return await self.repo.prune((now or utcnow()) - self._retention)

    async def page(
        self,
        *,
        visible: frozenset[str] | None,
        account: str | None,
        token: str | None,
        limit: int,
        cursor: str | None,
    ) -> tuple[list[AuditEntry], str | None]:
        """Newest first; a caller limited to ``visible`` accounts sees only their entries."""
        await self.flush()
        return await self.repo.page(
            visible=visible, account=account, token=token, limit=limit, cursor=cursor
        )
