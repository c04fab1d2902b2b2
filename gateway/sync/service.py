"""Starts, restarts and stops the watchers of the accounts this instance holds by lease.

Each account is watched by the instance holding the lease ``watch:<account>``. Every
instance heartbeats (``instance:<identity>``) and renews all its watch leases in one
statement, every third of ``GATEWAY_WATCH_LEASE_SECONDS``; it holds at most its fair
share, ``ceil(accounts / live instances)`` (``placement``): one over it releases the
extras when an instance joins, one under it takes free leases when one leaves or dies
(its leases run out). When it restarts (same ``gateway.instance`` identity), it takes
its leases back at once instead of waiting for them to run out. A changed account
(``updated_at``) gets a fresh watcher; adding, changing or removing an account touches
that account's watcher alone, and stopping one never holds up the others (stops run
beside the supervision loop). An instance whose renewals fail (store unreachable) stops
its watchers before its leases run out, so no account is ever watched twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..accounts.imap_pool import ImapPool
from ..accounts.registry import AccountRegistry
from ..errors import AccountNotFound
from ..events.bus import EventBus
from ..instance import InstanceName, instance_name
from ..model.accounts import Account
from ..pop3.poller import Pop3Poller, UidlLister
from ..settings import Settings
from ..store.db import Store
from ..store.leases import HEARTBEAT
from ..store.schema import utcnow
from ..store.sync_state import SyncStateRepo
from . import placement
from .feed_recorder import FeedRecorder
from .imap_watcher import ImapWatcher

log = logging.getLogger(__name__)

_REFRESH = 1.0  # how often the account list is re-read (new accounts get watched quickly)
_STOP_WAIT = 5.0  # seconds a watcher has to stop before it is cancelled
_PRUNE_EVERY = 3600.0  # seconds between deletions of leases that ran out long ago
WATCH = "watch:"


@dataclass
class _Running:
    updated_at: datetime
    watchers: list[ImapWatcher | Pop3Poller]
    stop: asyncio.Event
    task: asyncio.Task


class SyncService:
    """Background service: ``run(stop)`` keeps one watcher per account that has IMAP or POP3
    among the accounts whose lease this instance holds."""

    def __init__(
        self,
        registry: AccountRegistry,
        bus: EventBus,
        store: Store,
        settings: Settings,
        *,
        list_uidls: UidlLister | None = None,
        feed: FeedRecorder | None = None,
        name: InstanceName | None = None,
    ) -> None:
        self._registry = registry
        self._bus = bus
        self._settings = settings
        self._feed = feed
        self.repo = SyncStateRepo(store)
        self._leases = self.repo.leases
        self.list_uidls = list_uidls  # the POP3 service's, for POP3-only accounts
        self._running: dict[str, _Running] = {}
        self._held: set[str] = set()  # accounts whose watch lease this run holds
        self._stopping: dict[str, asyncio.Task] = {}  # watchers being stopped, beside the loop
        self._name = name or instance_name(settings)
        self._owner = self._name.owner
        self._beat_at: float | None = None  # monotonic time of the last heartbeat
        self._valid_until = 0.0  # monotonic: the held leases run at least until then
        self._pruned_at = -_PRUNE_EVERY
        self._started = asyncio.Event()
        self.instances = 1  # live instances at the last look (this one included)
        self.accounts_total = 0  # accounts with IMAP or POP3, at the last look

    # -- for tests, tools and metrics --------------------------------------------------------

    def watchers(self, account_id: str) -> list[ImapWatcher | Pop3Poller]:
        entry = self._running.get(account_id)
        return [] if entry is None else list(entry.watchers)

    @property
    def identity(self) -> str:
        return self._name.identity

    @property
    def watched(self) -> list[str]:
        """The accounts this instance runs watchers for."""
        return list(self._running)

    @property
    def leases_held(self) -> int:
        return len(self._held)

    @property
    def connected(self) -> int:
        """Watched accounts whose watchers are all connected."""
        return sum(
            1 for entry in self._running.values() if all(w.connected for w in entry.watchers)
        )

    async def wait_ready(self, account_id: str) -> None:
        """For tests and tools: until the account's watchers have taken their first look
        (wrap it in ``asyncio.timeout``)."""
        while not self.watchers(account_id):
            self._started.clear()
            await self._started.wait()
        for watcher in self.watchers(account_id):
            await watcher.ready.wait()

    # -- supervision ---------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        if not self._settings.watch_enabled:
            await stop.wait()
            return
        try:
            while not stop.is_set():
                try:
                    await self._reconcile()
                except Exception:
                    log.exception("watcher supervision failed")
                    self._stop_all_if_expiring()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), _REFRESH)
        finally:
            await self._shutdown()

    async def _reconcile(self) -> None:
        accounts = {
            a.id: a
            for a in await self._registry.list()
            if a.imap is not None or (a.pop3 is not None and self.list_uidls)
        }
        self.accounts_total = len(accounts)
        self._reap_stopped()
        ttl = self._settings.watch_lease_seconds
        first = self._beat_at is None
        if first or time.monotonic() - self._beat_at >= ttl / 3:
            await self._beat(ttl)
        if first and not self._settings.is_sqlite:
            # PostgreSQL: instances that start together see each other before taking leases.
            # (SQLite has one instance: its watchers start at once, so mail that arrives in
            # the first second after start is reported, not taken for the starting point.)
            return
        # Every round (a few rows): a dead instance's accounts are taken over as soon as
        # its heartbeat and leases run out.
        self.instances = max(1, len(await self._leases.live_instances()))
        for account_id in [a for a in self._held | set(self._running) if a not in accounts]:
            self._held.discard(account_id)  # deleted, or no IMAP/POP3 any more
            self._stop_soon(account_id, release=True, forget=True)
        share = placement.fair_share(len(accounts), self.instances)
        if len(self._held) > share:
            for account_id in placement.to_release(
                self._held, share, self._name.identity, self._failing
            ):
                self._held.discard(account_id)
                self._stop_soon(account_id, release=True)
        elif len(self._held) < share:
            await self._take(accounts, share, ttl)
        for account_id in self._held:
            account, entry = accounts[account_id], self._running.get(account_id)
            if entry is not None and (entry.task.done() or entry.updated_at != account.updated_at):
                self._stop_soon(account_id, release=False)  # started again next round
            elif entry is None and account_id not in self._stopping:
                self._start(account)

    async def _beat(self, ttl: float) -> None:
        """Heartbeat, and renew every watch lease held."""
        began = time.monotonic()
        if not await self._leases.beat(
            self._name.identity, self._owner, ttl, supersedes=self._name.supersedes
        ):
            log.warning(
                "a newer process runs as instance %r; give each instance its own "
                "GATEWAY_INSTANCE_ID",
                self._name.identity,
            )
        renewed = {
            name[len(WATCH) :] for name in await self._leases.renew_mine(self._owner, WATCH, ttl)
        }
        self._beat_at, self._valid_until = began, began + ttl
        if began - self._pruned_at >= _PRUNE_EVERY:
            self._pruned_at = began
            await self._leases.prune(utcnow() - timedelta(seconds=_PRUNE_EVERY))
        for account_id in self._held - renewed:
            self._held.discard(account_id)
            self._stop_soon(account_id, release=False, lost=True)

    async def _take(self, accounts: dict[str, Account], share: int, ttl: float) -> None:
        held = {
            lease.name[len(WATCH) :]: (lease.owner, lease.until)
            for lease in await self._leases.held(WATCH)
        }
        wanted = placement.to_take(
            accounts,
            self._held,
            share,
            self._name.identity,
            holders=held,
            now=utcnow(),
            busy=self._stopping,
            ours=self._name.supersedes,
        )
        if not wanted:
            return
        earlier = {held[a][0] for a in wanted if a in held and self._name.supersedes(held[a][0])}
        taken = await self._leases.take(
            [WATCH + a for a in wanted], self._owner, ttl, from_owners=earlier
        )
        self._held.update(name[len(WATCH) :] for name in taken)

    def _failing(self, account_id: str) -> bool:
        entry = self._running.get(account_id)
        return entry is None or not all(w.connected for w in entry.watchers)

    def _stop_all_if_expiring(self) -> None:
        """Renewals fail (the store is unreachable): stop watching before the leases run
        out, so that no account is ever watched by two instances."""
        if self._held and time.monotonic() > self._valid_until - 2 * _REFRESH:
            log.warning("watch leases could not be renewed; stopping %d watchers", len(self._held))
            for account_id in list(self._held):
                self._held.discard(account_id)
                self._stop_soon(account_id, release=False)

    async def _registry_has(self, account_id: str) -> bool:
        try:
            await self._registry.get(account_id)
        except AccountNotFound:
            return False
        return True

    # -- starting and stopping watchers --------------------------------------------------------

    def _start(self, account: Account) -> None:
        stop = asyncio.Event()
        watchers: list[ImapWatcher | Pop3Poller] = []
        if account.imap is not None:
            watchers.append(
                ImapWatcher(
                    account,
                    lambda a=account.id: self._open_imap(a),
                    self._bus,
                    self.repo,
                    self._settings,
                    pause=lambda d, a=account.id: self._pause_imap(a, d),
                    feed=self._feed,
                )
            )
        elif account.pop3 is not None and self.list_uidls is not None:
            watchers.append(
                Pop3Poller(account.id, self.list_uidls, self._bus, self.repo, self._settings)
            )

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
        return await pool.open_session(background=True)

    async def _pause_imap(self, account_id: str, delay: float) -> None:
        """Before a watcher reconnects: ``delay``, or less once the server is back."""
        try:
            pool = await self._registry.manager(account_id, "imap")
        except Exception:  # gone, changed (its watcher is stopped meanwhile), store down
            await asyncio.sleep(delay)
            return
        assert isinstance(pool, ImapPool)
        await pool.probe.wait_back(delay)

    def _stop_soon(
        self, account_id: str, *, release: bool, forget: bool = False, lost: bool = False
    ) -> None:
        """Stop the account's watchers beside the supervision loop; then ``release`` its
        lease (after the stop: never two watchers), or ``forget`` its state when it was
        deleted. ``lost``: another instance holds the lease now."""
        entry = self._running.pop(account_id, None)
        before = self._stopping.get(account_id)

        async def stopping() -> None:
            if before is not None:
                with contextlib.suppress(BaseException):
                    await before
            if entry is not None:
                await _halt(entry)
            with contextlib.suppress(Exception):
                if release:
                    await self._leases.release(WATCH + account_id, self._owner)
                if lost:
                    await self._warn_if_superseded(account_id)
                if forget and not await self._registry_has(account_id):
                    await self.repo.forget_account(account_id)  # deleted: its state goes too
                    if self._feed is not None:
                        await self._feed.forget_account(account_id)

        if entry is None and before is None and not (release or forget):
            return
        self._stopping[account_id] = asyncio.create_task(stopping(), name=f"unwatch:{account_id}")

    async def _warn_if_superseded(self, account_id: str) -> None:
        holder = await self._leases.holder(WATCH + account_id)
        if holder is not None and self._name.superseded_by(holder):
            log.warning(
                "a newer process runs as instance %r and took account %s over; "
                "give each instance its own GATEWAY_INSTANCE_ID",
                self._name.identity,
                account_id,
            )

    def _reap_stopped(self) -> None:
        for account_id, task in list(self._stopping.items()):
            if task.done():
                del self._stopping[account_id]

    async def _shutdown(self) -> None:
        """Stop every watcher, then give up every lease: the others take over at once."""
        for account_id in list(self._running):
            self._stop_soon(account_id, release=False)
        await asyncio.gather(*self._stopping.values(), return_exceptions=True)
        self._stopping.clear()
        self._held.clear()
        with contextlib.suppress(Exception):
            await self._leases.release_mine(self._owner, prefix=WATCH)
            await self._leases.release(HEARTBEAT + self._name.identity, self._owner)


async def _halt(entry: _Running) -> None:
    entry.stop.set()
    try:
        await asyncio.wait_for(asyncio.shield(entry.task), _STOP_WAIT)
    except (TimeoutError, Exception):
        entry.task.cancel()
        with contextlib.suppress(BaseException):
            await entry.task
