"""The one owner of every account and of each account's connection managers."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from ..errors import AccountNotFound, InvalidInput, InvalidState, ProtocolNotConfigured
from ..model.accounts import PROTOCOLS, Account, AccountSpec, ServerConfig
from ..settings import Settings
from ..store.accounts import AccountRepo
from ..store.schema import utcnow
from .connection_cap import ConnectionCap
from .credentials import carry_secrets
from .login_rate import LoginScheduler
from .manager import ProtocolManager, ProtocolStatus, TokenSource, verify_manager
from .store_lock import StoreLocks

log = logging.getLogger(__name__)

ManagerFactory = Callable[[Account, ServerConfig, Settings], ProtocolManager]
_REVALIDATE_AFTER = 2.0  # seconds a cached account is trusted before re-reading the store


class _Entry:
    __slots__ = ("account", "managers", "checked_at")

    def __init__(self, account: Account) -> None:
        self.account = account
        self.managers: dict[str, ProtocolManager] = {}
        self.checked_at = time.monotonic()


class AccountRegistry:
    """Accounts (cached from the store) and their lazily created connection managers."""

    def __init__(
        self,
        repo: AccountRepo,
        settings: Settings,
        factories: dict[str, ManagerFactory],
        *,
        on_state_change: Callable[[ProtocolManager], None] | None = None,
        tokens: TokenSource | None = None,
        locks: StoreLocks | None = None,
    ) -> None:
        self._repo = repo
        self._settings = settings
        # This process's part of every account's connection budget (connection_share).
        share = settings.connection_share
        self._manager_settings = settings.model_copy(
            update={
                "imap_pool_size": max(1, settings.imap_pool_size // share),
                "smtp_pool_size": max(1, settings.smtp_pool_size // share),
            }
        )
        self._factories = factories
        self._entries: dict[str, _Entry] = {}
        # One connection cap per account and server, shared by the managers of every
        # version of the account (watchers of the previous one may still be connected).
        self._caps: dict[tuple[str, str, str, int, str], ConnectionCap] = {}
        self._lock = asyncio.Lock()
        self.on_state_change = on_state_change  # for events
        self.tokens = tokens  # OAuth2 refresh (gateway.oauth2.tokens)
        self.locks = locks  # across processes: the POP3 maildrop lock
        # Every connect of every account waits for a login turn (accounts/login_rate.py).
        self.logins = LoginScheduler(
            settings.connect_rate_per_host,
            settings.connect_burst_per_host,
            settings.connect_concurrency,
        )

    async def start(self) -> None:
        if self._settings.accounts_file is not None:
            for spec in load_accounts_file(self._settings.accounts_file):
                now = utcnow()
                account = Account(
                    **spec.model_dump(), source="file", created_at=now, updated_at=now
                )
                await self._repo.upsert(account)
                log.info(
                    "static account %s loaded from %s", account.id, self._settings.accounts_file
                )

    async def stop(self) -> None:
        entries, self._entries = list(self._entries.values()), {}
        await asyncio.gather(*(self._close(e) for e in entries), return_exceptions=True)

    async def _close(self, entry: _Entry) -> None:
        managers, entry.managers = list(entry.managers.values()), {}
        await asyncio.gather(*(m.close() for m in managers), return_exceptions=True)

    # -- accounts ----------------------------------------------------------------------------

    async def list(self) -> list[Account]:
        return await self._repo.list()

    async def get(self, account_id: str) -> Account:
        return (await self._entry(account_id)).account

    async def _entry(self, account_id: str) -> _Entry:
        entry = self._entries.get(account_id)
        if entry is not None and time.monotonic() - entry.checked_at < _REVALIDATE_AFTER:
            return entry
        account = await self._repo.get(account_id)
        # Concurrent callers may have created the entry while we awaited the store: reuse
        # it, or two requests would get two managers (and two POP3 locks) for one account.
        entry = self._entries.get(account_id)
        if account is None:
            if entry is not None:
                self._entries.pop(account_id, None)
                await self._close(entry)
            raise AccountNotFound(f"no account {account_id!r}")
        if entry is None or entry.account.updated_at != account.updated_at:
            # New, or changed by this or another instance: fresh managers for the new config.
            if entry is not None:
                await self._close(entry)
            entry = self._entries[account_id] = _Entry(account)
        entry.checked_at = time.monotonic()
        return entry

    async def create(self, spec: AccountSpec) -> Account:
        now = utcnow()
        data = spec.model_dump()
        data["id"] = spec.id or _account_id_from(spec.email)
        account = Account(**data, created_at=now, updated_at=now)
        await self._repo.insert(account)
        return account

    async def update(self, account_id: str, changes: dict[str, Any]) -> Account:
        """Apply a partial change.

        A server block without a password keeps the stored secrets only while it names the
        same server, user and TLS trust (see ``credentials.carry_secrets``).
        """
        # The stored account, not the cached one: secrets are carried over from what is
        # stored now (another instance may have changed it in the last seconds).
        current = await self._repo.get(account_id)
        if current is None:
            raise AccountNotFound(f"no account {account_id!r}")
        if current.source == "file":
            raise InvalidState(
                f"account {account_id!r} comes from the accounts file; edit it there"
            )
        data = current.model_dump()
        for key, value in changes.items():
            if key in PROTOCOLS and value is not None:
                value = carry_secrets(key, getattr(current, key), value)
            data[key] = value
        data["updated_at"] = max(utcnow(), current.updated_at)
        try:
            account = Account.model_validate(data)
        except ValueError as exc:
            raise InvalidInput(str(exc)) from exc
        await self._repo.update(account)
        await self._drop(account_id)
        return account

    async def delete(self, account_id: str) -> None:
        current = await self.get(account_id)
        if current.source == "file":
            raise InvalidState(
                f"account {account_id!r} comes from the accounts file; edit it there"
            )
        await self._repo.delete(account_id)
        await self._drop(account_id)
        for key in [k for k in self._caps if k[0] == account_id]:
            del self._caps[key]

    async def _drop(self, account_id: str) -> None:
        entry = self._entries.pop(account_id, None)
        if entry is not None:
            await self._close(entry)

    # -- connections -------------------------------------------------------------------------

    async def manager(self, account_id: str, protocol: str) -> ProtocolManager:
        """The account's manager for ``protocol``, created on first use."""
        entry = await self._entry(account_id)
        manager = entry.managers.get(protocol)
        if manager is None:
            server = entry.account.server(protocol)
            if server is None:
                raise ProtocolNotConfigured(f"account {account_id!r} has no {protocol} server")
            factory = self._factories.get(protocol)
            if factory is None:
                raise ProtocolNotConfigured(f"{protocol} is not supported by this gateway")
            manager = entry.managers[protocol] = factory(
                entry.account, server, self._manager_settings
            )
            manager.on_state = self.on_state_change
            manager.tokens = self.tokens
            manager.logins = self.logins
            manager.locks = self.locks
            self._share_cap(account_id, protocol, server, manager)
        return manager

    def _share_cap(
        self, account_id: str, protocol: str, server: ServerConfig, manager: ProtocolManager
    ) -> None:
        """Give ``manager`` the account's cap for this server (kept across account edits,
        with the block's current ``max_connections``)."""
        own = getattr(manager, "cap", None)
        if not isinstance(own, ConnectionCap):
            return
        key = (account_id, protocol, server.host.lower(), server.port, server.username)
        shared = self._caps.setdefault(key, own)
        share = self._settings.connection_share
        shared.limit = None if own.limit is None else max(1, own.limit // share)
        shared.wait = own.wait
        manager.cap = shared  # type: ignore[attr-defined]

    @property
    def active_count(self) -> int:
        """Accounts with connection managers in this process."""
        return sum(1 for e in self._entries.values() if e.managers)

    def active_managers(self, protocol: str) -> list[ProtocolManager]:
        return [e.managers[protocol] for e in self._entries.values() if protocol in e.managers]

    async def status(self, account_id: str) -> dict[str, ProtocolStatus | None]:
        account = await self.get(account_id)
        out: dict[str, ProtocolStatus | None] = {}
        for proto in PROTOCOLS:
            if account.server(proto) is None:
                out[proto] = None
            else:
                out[proto] = (await self.manager(account_id, proto)).status
        return out

    async def verify(self, account_id: str) -> dict[str, tuple[bool, str] | None]:
        """Log in to every configured server now, concurrently."""
        account = await self.get(account_id)
        protos = [p for p in PROTOCOLS if account.server(p) is not None]
        timeout = self._settings.connect_timeout + self._settings.command_timeout
        managers = [await self.manager(account_id, p) for p in protos]
        results = await asyncio.gather(*(verify_manager(m, timeout) for m in managers))
        out: dict[str, tuple[bool, str] | None] = dict.fromkeys(PROTOCOLS)
        out.update(zip(protos, results, strict=True))
        return out


def _account_id_from(email: str) -> str:
    import re
    import secrets

    local = re.sub(r"[^A-Za-z0-9._-]", "-", email.split("@", 1)[0]).strip("-._")[:40] or "acct"
    return f"{local}-{secrets.token_hex(3)}"


def load_accounts_file(path: Path) -> list[AccountSpec]:
    """Read static accounts: a YAML or JSON list (or ``{accounts: [...]}``) of account specs."""
    text = path.read_text()
    data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    if isinstance(data, dict):
        data = data.get("accounts", [])
    specs = [AccountSpec.model_validate(item) for item in data or []]
    for spec in specs:
        if spec.id is None:
            raise InvalidInput(f"{path}: every static account needs an id")
    return specs
