"""POP3 operations for the API: STAT, listing with "seen", get, delete and bulk retrieval."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import cast

from ..accounts.registry import AccountRegistry
from ..errors import InvalidInput, MessageNotFound
from ..protocols.pop3 import Pop3Client
from ..settings import Settings
from ..store.pop3 import Pop3SeenRepo
from .retrieval import Retrieval, _Planned
from .session import Pop3Manager


@dataclass(slots=True)
class Pop3Entry:
    number: int
    uidl: str
    size: int
    seen: bool


class Pop3Service:
    def __init__(self, accounts: AccountRegistry, seen: Pop3SeenRepo, settings: Settings) -> None:
        self._accounts = accounts
        self._seen = seen
        self._settings = settings

    async def _manager(self, account_id: str) -> Pop3Manager:
        return cast(Pop3Manager, await self._accounts.manager(account_id, "pop3"))

    async def stat(self, account_id: str) -> tuple[int, int]:
        """(message count, maildrop size in octets)."""
        async with (await self._manager(account_id)).session() as client:
            return await client.stat()

    async def list_uidls(self, account_id: str) -> list[tuple[int, str, int]]:
        """(number, UIDL, size) of every message in the maildrop, for pollers."""
        async with (await self._manager(account_id)).session() as client:
            return await client.scan()

    async def list_messages(self, account_id: str) -> list[Pop3Entry]:
        """Every message with ``seen``: already delivered through this gateway."""
        listing = await self.list_uidls(account_id)
        seen = await self._seen.seen(account_id)
        return [Pop3Entry(n, u, size, u in seen) for n, u, size in listing]

    async def get_raw(self, account_id: str, uidl: str) -> tuple[Pop3Entry, bytes]:
        """One message's source, found by UIDL (reading does not mark it seen)."""
        async with (await self._manager(account_id)).session() as client:
            entry = await self._find(client, uidl)
            raw = await client.retr(entry.number)
        entry.seen = uidl in await self._seen.seen(account_id)
        return entry, raw

    async def delete(self, account_id: str, uidl: str) -> None:
        """DELE the message and QUIT, which commits the deletion."""
        async with (await self._manager(account_id)).session() as client:
            entry = await self._find(client, uidl)
            await client.dele(entry.number)
        await self._seen.forget(account_id, [uidl])

    @staticmethod
    async def _find(client: Pop3Client, uidl: str) -> Pop3Entry:
        for number, found, size in await client.scan():
            if found == uidl:
                return Pop3Entry(number, found, size, False)
        raise MessageNotFound(f"no POP3 message with UIDL {uidl!r}")

    async def start_retrieval(
        self,
        account_id: str,
        *,
        only_new: bool,
        delete: bool,
        limit: int | None,
        headers_only: bool,
    ) -> Retrieval:
        """Open the session and plan the retrieval; errors up to here are plain errors."""
        if delete and headers_only:
            raise InvalidInput("'delete' needs whole messages: it cannot go with 'headers_only'")
        manager = await self._manager(account_id)
        stack = contextlib.AsyncExitStack()
        try:
            await stack.enter_async_context(manager.locked())
            client = await manager.connect()
            stack.callback(client.abort)  # the last resort; Retrieval.aclose QUITs first
            listing = await client.scan()
            seen = await self._seen.seen(account_id)
            present = {u for _, u, _ in listing}
            if stale := seen - present:
                await self._seen.forget(account_id, stale)
            wanted = [
                _Planned(n, u, size, u in seen)
                for n, u, size in listing
                if not (only_new and u in seen)
            ]
            plan = wanted if limit is None else wanted[:limit]
            return Retrieval(
                client=client,
                exit_stack=stack,
                seen_repo=self._seen,
                account_id=account_id,
                plan=plan,
                remaining=len(wanted) - len(plan),
                delete=delete,
                headers_only=headers_only,
                unconfirmed_bytes=self._settings.pop3_unconfirmed_bytes,
            )
        except BaseException:
            await stack.aclose()
            raise
