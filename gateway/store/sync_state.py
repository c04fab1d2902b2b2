"""What the watchers last saw per mailbox (and per POP3 maildrop), and watcher leases.

IMAP rows keep UIDVALIDITY, UIDNEXT, HIGHESTMODSEQ and the UID -> flags map;
the POP3 row (protocol ``pop3``, mailbox ``""``) keeps the UIDL list in ``uids``.
State is written in the same transaction as the events it explains (see
``EventBus.transaction``), so a restart neither repeats nor skips a change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from .db import Store
from .leases import LeaseRepo
from .schema import mailbox_state, utcnow


@dataclass
class MailboxState:
    mailbox: str
    uidvalidity: int | None = None
    uidnext: int | None = None
    highestmodseq: int | None = None
    flags: dict[int, tuple[str, ...]] = field(default_factory=dict)  # uid -> flags
    # False: ``flags`` was left in the store (a watcher between syncs keeps nothing per
    # message in memory); ``count`` says how many messages it holds.
    flags_loaded: bool = True
    count: int = 0

    @property
    def messages(self) -> int:
        return len(self.flags) if self.flags_loaded else self.count

    def head(self) -> MailboxState:
        """This state without its per-message flags (``flags_loaded`` False)."""
        return MailboxState(
            self.mailbox,
            self.uidvalidity,
            self.uidnext,
            self.highestmodseq,
            flags_loaded=False,
            count=self.messages,
        )

    def to_json(self) -> dict[str, Any]:
        """Compact: UID ranges per distinct flag set, ``{"\\Seen $x": "1:500,502"}``."""
        groups: dict[tuple[str, ...], list[int]] = {}
        for uid, flags in self.flags.items():
            groups.setdefault(flags, []).append(uid)
        return {
            "by_flags": {" ".join(flags): _ranges(sorted(uids)) for flags, uids in groups.items()}
        }


def flags_from_json(data: dict[str, Any] | None) -> dict[int, tuple[str, ...]]:
    out: dict[int, tuple[str, ...]] = {}
    if not data:
        return out
    if "by_flags" not in data:  # the first, uncompressed form: {"uid": [flags]}
        return {int(uid): tuple(flags) for uid, flags in data.items() if uid.isdigit()}
    for key, ranges in data.get("by_flags", {}).items():
        flags = tuple(key.split()) if key else ()
        for part in ranges.split(","):
            lo, _, hi = part.partition(":")
            for uid in range(int(lo), int(hi or lo) + 1):
                out[uid] = flags
    return out


def _ranges(uids: list[int]) -> str:
    """Sorted UIDs as an IMAP-style sequence set (RFC 3501 section 9, ``seq-range``)."""
    parts: list[str] = []
    start = prev = uids[0]
    for uid in uids[1:]:
        if uid != prev + 1:
            parts.append(str(start) if start == prev else f"{start}:{prev}")
            start = uid
        prev = uid
    parts.append(str(start) if start == prev else f"{start}:{prev}")
    return ",".join(parts)


class SyncStateRepo:
    def __init__(self, store: Store) -> None:
        self._store = store
        self.leases = LeaseRepo(store)

    async def load(
        self, account_id: str, protocol: str = "imap", *, mailbox: str | None = None
    ) -> dict[str, MailboxState]:
        """The account's states by mailbox (``mailbox``: that one's alone)."""
        m = mailbox_state
        where = [m.c.account_id == account_id, m.c.protocol == protocol]
        if mailbox is not None:
            where.append(m.c.mailbox == mailbox)
        async with self._store.engine.connect() as conn:
            rows = (await conn.execute(sa.select(m).where(*where))).all()
        return {
            row.mailbox: MailboxState(
                mailbox=row.mailbox,
                uidvalidity=row.uidvalidity,
                uidnext=row.uidnext,
                highestmodseq=row.highestmodseq,
                flags=flags_from_json(row.uids),
            )
            for row in rows
        }

    @staticmethod
    async def save(
        conn: AsyncConnection, account_id: str, state: MailboxState, protocol: str = "imap"
    ) -> None:
        """Upsert inside the caller's transaction (the watcher holds the account's lease)."""
        m = mailbox_state
        values = {
            "uidvalidity": state.uidvalidity,
            "uidnext": state.uidnext,
            "highestmodseq": state.highestmodseq,
            "uids": state.to_json(),
            "updated_at": utcnow(),
        }
        key = (m.c.account_id == account_id, m.c.protocol == protocol, m.c.mailbox == state.mailbox)
        result = await conn.execute(m.update().where(*key).values(**values))
        if result.rowcount == 0:
            await conn.execute(
                m.insert().values(
                    account_id=account_id, protocol=protocol, mailbox=state.mailbox, **values
                )
            )

    @staticmethod
    async def remove(
        conn: AsyncConnection, account_id: str, mailbox: str, protocol: str = "imap"
    ) -> None:
        m = mailbox_state
        await conn.execute(
            m.delete().where(
                m.c.account_id == account_id, m.c.protocol == protocol, m.c.mailbox == mailbox
            )
        )

    async def load_snapshot(self, account_id: str, kind: str) -> dict[str, Any] | None:
        """A keyed snapshot (``list``: mailbox names; ``pop3``: UIDL -> size); None: never."""
        m = mailbox_state
        async with self._store.engine.connect() as conn:
            row = (
                await conn.execute(
                    sa.select(m.c.uids).where(
                        m.c.account_id == account_id, m.c.protocol == kind, m.c.mailbox == ""
                    )
                )
            ).first()
        return None if row is None else dict(row.uids or {})

    @staticmethod
    async def save_snapshot(
        conn: AsyncConnection, account_id: str, kind: str, data: dict[str, Any]
    ) -> None:
        m = mailbox_state
        key = (m.c.account_id == account_id, m.c.protocol == kind, m.c.mailbox == "")
        result = await conn.execute(m.update().where(*key).values(uids=data, updated_at=utcnow()))
        if result.rowcount == 0:
            await conn.execute(
                m.insert().values(
                    account_id=account_id, protocol=kind, mailbox="", uids=data, updated_at=utcnow()
                )
            )

    async def forget_account(self, account_id: str) -> None:
        async with self._store.engine.begin() as conn:
            await conn.execute(
                mailbox_state.delete().where(mailbox_state.c.account_id == account_id)
            )

    # -- leases: one instance watches an account (``store.leases``) ---------------------------

    async def acquire_lease(
        self, name: str, owner: str, ttl: float, *, supersedes: Callable[[str], bool] | None = None
    ) -> bool:
        """Take or renew ``name`` for ``owner`` (see ``LeaseRepo.acquire``)."""
        return await self.leases.acquire(name, owner, ttl, supersedes=supersedes)

    async def lease_holder(self, name: str) -> str | None:
        return await self.leases.holder(name)

    async def release_lease(self, name: str, owner: str) -> None:
        await self.leases.release(name, owner)
