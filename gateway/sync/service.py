"""Starts, restarts and stops the watchers of every account; one instance per account (lease).

Each account is watched by the instance holding the lease ``watch:<account>``
(renewed at a third of its duration). When an instance dies, its leases run
out and another instance takes the accounts over, catching up from the stored
sync state; when it restarts (same ``gateway.instance`` identity), it takes its
leases back at once instead of waiting for them to run out. A changed account
(``updated_at``) gets a fresh watcher.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from datetime import datetime

from ..accounts.imap_pool import ImapPool
from ..accounts.registry import AccountRegistry
from ..errors import AccountNotFound
from ..events.bus import EventBus
from ..instance import instance_name
from ..model.accounts import Account
from ..pop3.poller import Pop3Poller, UidlLister
from ..settings import Settings
from ..store.db import Store
from ..store.sync_state import SyncStateRepo
from .feed_recorder import FeedRecorder
from .imap_watcher import ImapWatcher

log = logging.getLogger(__name__)

_REFRESH = 1.0  # how often the account list is re-read (new accounts get watched quickly)


@dataclass
class _Running:
    updated_at: datetime
    watchers: list[ImapWatcher | Pop3Poller]
    stop: asyncio.Event
    task: asyncio.Task


class SyncService:
    """Background service: ``run(stop)`` keeps one watcher per account that has IMAP or POP3."""

    def __init__(self, registry: AccountRegistry, bus: EventBus, store: Store,
                 settings: Settings, *, list_uidls: UidlLister | None = None,
                 feed: FeedRecorder | None = None) -> None:
        self._registry = registry
        self._bus = bus
        self._settings = settings
        self._feed = feed
        self.repo = SyncStateRepo(store)
        self.list_uidls = list_uidls  # the POP3 service's, for POP3-only accounts
        self._running: dict[str, _Running] = {}
        self._name = instance_name(settings)
        self._owner = self._name.owner
        self._started = asyncio.Event()

    def watchers(self, account_id: str) -> list[ImapWatcher | Pop3Poller]:
        entry = self._running.get(account_id)
        return [] if entry is None else list(entry.watchers)

    async def wait_ready(self, account_id: str) -> None:
        """For tests and tools: until the account's watchers have taken their first look
        (wrap it in ``asyncio.timeout``)."""
        while not self.watchers(account_id):
            self._started.clear()
            await self._started.wait()
        for watcher in self.watchers(account_id):
            await watcher.ready.wait()

    async def run(self, stop: asyncio.Event) -> None:
        if not self._settings.watch_enabled:
            await stop.wait()
            return
        lease_renewed = 0.0
        try:
            while not stop.is_set():
                try:
                    renew_every = self._settings.watch_lease_seconds / 3
                    renew = time.monotonic() - lease_renewed > renew_every
                    await self._reconcile(renew_leases=renew)
                    if renew:
                        lease_renewed = time.monotonic()
                except Exception:
                    log.exception("watcher supervision failed")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), _REFRESH)
        finally:
            await asyncio.gather(*(self._stop(a) for a in list(self._running)),
                                 return_exceptions=True)

    async def _reconcile(self, *, renew_leases: bool) -> None:
        accounts = {a.id: a for a in await self._registry.list()
                    if a.imap is not None or (a.pop3 is not None and self.list_uidls)}
        for account_id in [a for a in self._running if a not in accounts]:
            await self._stop(account_id)
            if not await self._registry_has(account_id):
                await self.repo.forget_account(account_id)  # deleted: its state goes too
                if self._feed is not None:
                    await self._feed.forget_account(account_id)
        for account in accounts.values():
            entry = self._running.get(account.id)
            if entry is not None and entry.task.done():
                await self._stop(account.id)
                entry = None
            if entry is not None and not renew_leases and entry.updated_at == account.updated_at:
                continue
            lease = f"watch:{account.id}"
            if not await self.repo.acquire_lease(lease, self._owner,
                                                 self._settings.watch_lease_seconds,
                                                 supersedes=self._name.supersedes):
                if entry is not None:
                    await self._lost(account.id)
                continue
            if entry is not None and entry.updated_at != account.updated_at:
                await self._stop(account.id, release=False)
                entry = None
            if entry is None:
                self._start(account)

    async def _lost(self, account_id: str) -> None:
        """Another instance took the account over: stop watching it."""
        await self._stop(account_id)
        holder = await self.repo.lease_holder(f"watch:{account_id}")
        if holder is not None and self._name.superseded_by(holder):
            log.warning("a newer process runs as instance %r and took account %s over; "
                        "give each instance its own GATEWAY_INSTANCE_ID",
                        self._name.identity, account_id)

    async def _registry_has(self, account_id: str) -> bool:
        try:
            await self._registry.get(account_id)
        except AccountNotFound:
            return False
        return True

    def _start(self, account: Account) -> None:
        stop = asyncio.Event()
        watchers: list[ImapWatcher | Pop3Poller] = []
        if account.imap is not None:
            watchers.append(ImapWatcher(account, lambda a=account.id: self._open_imap(a),
                                        self._bus, self.repo, self._settings,
                                        pause=lambda d, a=account.id: self._pause_imap(a, d),
                                        feed=self._feed))
        elif account.pop3 is not None and self.list_uidls is not None:
            watchers.append(Pop3Poller(account.id, self.list_uidls, self._bus, self.repo,
                                       self._settings))

        async def run_all() -> None:
            async with asyncio.TaskGroup() as tasks:
                for watcher in watchers:
                    tasks.create_task(watcher.run(stop))

        task = asyncio.create_task(run_all(), name=f"watch:{account.id}")
        self._running[account.id] = _Running(account.updated_at, watchers, stop, task)
        self._started.set()
        log.info("watching account %s", account.id)

    async def _open_imap(self, account_id: str):
        pool = await self._registry.manager(account_id, "imap")
        assert isinstance(pool, ImapPool)
        return await pool.open_session()

    async def _pause_imap(self, account_id: str, delay: float) -> None:
        """Before a watcher reconnects: ``delay``, or less once the server is back."""
        try:
            pool = await self._registry.manager(account_id, "imap")
        except Exception:  # gone, changed (its watcher is stopped meanwhile), store down
            await asyncio.sleep(delay)
            return
        assert isinstance(pool, ImapPool)
        await pool.probe.wait_back(delay)

    async def _stop(self, account_id: str, *, release: bool = True) -> None:
        entry = self._running.pop(account_id, None)
        if entry is None:
            return
        entry.stop.set()
        try:
            await asyncio.wait_for(asyncio.shield(entry.task), 5)
        except (TimeoutError, Exception):
            entry.task.cancel()
            with contextlib.suppress(BaseException):
                await entry.task
        if release:
            with contextlib.suppress(Exception):
                await self.repo.release_lease(f"watch:{account_id}", self._owner)
