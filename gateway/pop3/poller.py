"""``pop3.new`` for POP3-only accounts: UIDL lists compared at an interval (RFC 1939 section 7)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from ..backoff import backoff_delay
from ..errors import AccountBusy
from ..events.bus import EventBus
from ..events.types import ACCOUNT_CONNECTED, ACCOUNT_ERROR, POP3_NEW
from ..settings import Settings
from ..store.sync_state import SyncStateRepo
from ..sync.changes import diff_uidls

log = logging.getLogger(__name__)

UidlLister = Callable[[str], Awaitable[list[tuple[int, str, int]]]]


class Pop3Poller:
    """Runs until ``stop``; the first poll only remembers what is there."""

    def __init__(
        self,
        account_id: str,
        list_uidls: UidlLister,
        bus: EventBus,
        repo: SyncStateRepo,
        settings: Settings,
    ) -> None:
        self.account_id = account_id
        self._list = list_uidls
        self._bus = bus
        self._repo = repo
        self._settings = settings
        self._failing: str | None = None
        self.ready = asyncio.Event()

    @property
    def connected(self) -> bool:
        """A poll succeeded, and none failed since."""
        return self.ready.is_set() and self._failing is None

    async def run(self, stop: asyncio.Event) -> None:
        attempt = 0
        while not stop.is_set():
            delay = self._settings.pop3_poll_interval
            try:
                await self.poll_once()
                attempt = 0
                self.ready.set()
            except AccountBusy:
                pass  # a retrieval holds the maildrop lock (RFC 1939 section 8): next time
            except Exception as exc:  # reported, then retried with backoff
                attempt += 1
                delay = max(
                    delay,
                    backoff_delay(
                        attempt,
                        base=self._settings.reconnect_base_delay,
                        cap=self._settings.reconnect_max_delay,
                    ),
                )
                await self._report_error(exc)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)

    async def poll_once(self) -> None:
        listing = await self._list(self.account_id)
        known = await self._repo.load_snapshot(self.account_id, "pop3")
        current = {uidl: size for _number, uidl, size in listing}
        new = [] if known is None else diff_uidls(known, [u for _n, u, _s in listing])
        numbers = {uidl: number for number, uidl, _size in listing}
        if known is not None and not new and set(known) == set(current):
            await self._report_connected()
            return
        async with self._bus.transaction() as tx:
            for uidl in new:
                await tx.add(
                    POP3_NEW,
                    self.account_id,
                    {"uidl": uidl, "number": numbers[uidl], "size": current[uidl]},
                )
            await self._repo.save_snapshot(tx.conn, self.account_id, "pop3", current)
        await self._report_connected()

    async def _report_connected(self) -> None:
        if self._failing is not None:
            self._failing = None
            await self._bus.publish(
                ACCOUNT_CONNECTED, self.account_id, {"protocol": "pop3", "source": "watcher"}
            )

    async def _report_error(self, exc: BaseException) -> None:
        text = str(exc)[:500] or type(exc).__name__
        log.warning("pop3 poll of %s failed: %s", self.account_id, text)
        if self._failing is None:
            self._failing = text
            with contextlib.suppress(Exception):
                await self._bus.publish(
                    ACCOUNT_ERROR,
                    self.account_id,
                    {
                        "protocol": "pop3",
                        "source": "watcher",
                        "code": getattr(exc, "code", "error"),
                        "error": text,
                    },
                )
