"""Leases: a named thing held by one owner until a time, on SQLite and PostgreSQL alike.

Rows of ``leases`` (``name``, ``owner``, ``until``). An owner is an instance run
(``gateway.instance``: ``<identity>#<run>``). What is leased, by name:

- ``watch:<account>``: the instance that watches the account (``sync.service``);
- ``instance:<identity>``: an instance's heartbeat; the live instances are the unexpired
  ones (``sync.service`` spreads the watch leases over them);
- ``pop3:<account>``: the account's POP3 maildrop, held for the length of a session by
  whichever process runs it (``accounts.store_lock``).

Every statement is a single conditional write, atomic on both databases (PostgreSQL
row locks; SQLite's one writer at a time): two owners never both get a lease.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from .db import Store
from .schema import leases, utcnow

HEARTBEAT = "instance:"


@dataclass(frozen=True)
class Lease:
    name: str
    owner: str
    until: datetime


def _prefixed(prefix: str) -> sa.ColumnElement[bool]:
    """``name`` starts with ``prefix`` (no LIKE: account ids may hold ``_``)."""
    return sa.func.substr(leases.c.name, 1, len(prefix)) == prefix


class LeaseRepo:
    def __init__(self, store: Store) -> None:
        self._store = store

    def _insert(self):
        return (pg_insert if self._store.dialect == "postgresql" else sqlite_insert)(leases)

    # -- one lease ---------------------------------------------------------------------------

    async def acquire(
        self, name: str, owner: str, ttl: float, *, supersedes: Callable[[str], bool] | None = None
    ) -> bool:
        """Take or renew ``name`` for ``owner``; False while another owner's lease runs.

        ``supersedes(holder)`` True: take it from that holder now, lease or not (an
        earlier run of this instance that died holding it).
        """
        now = utcnow()
        until = now + timedelta(seconds=ttl)
        async with self._store.engine.begin() as conn:
            result = await conn.execute(
                leases.update()
                .where(leases.c.name == name, sa.or_(leases.c.owner == owner, leases.c.until < now))
                .values(owner=owner, until=until)
            )
            if result.rowcount:
                return True
            if supersedes is not None:
                holder = (
                    await conn.execute(sa.select(leases.c.owner).where(leases.c.name == name))
                ).scalar()
                if holder is not None:
                    if not supersedes(holder):
                        return False
                    result = await conn.execute(  # only if still that holder's
                        leases.update()
                        .where(leases.c.name == name, leases.c.owner == holder)
                        .values(owner=owner, until=until)
                    )
                    return bool(result.rowcount)
            result = await conn.execute(
                self._insert()
                .values(name=name, owner=owner, until=until)
                .on_conflict_do_nothing(index_elements=["name"])
            )
            return bool(result.rowcount)  # 0: another owner holds it

    async def holder(self, name: str) -> str | None:
        async with self._store.engine.connect() as conn:
            return (
                await conn.execute(sa.select(leases.c.owner).where(leases.c.name == name))
            ).scalar()

    async def release(self, name: str, owner: str) -> None:
        async with self._store.engine.begin() as conn:
            await conn.execute(
                leases.delete().where(leases.c.name == name, leases.c.owner == owner)
            )

    # -- many at once ------------------------------------------------------------------------

    async def held(self, prefix: str) -> list[Lease]:
        """Every lease whose name starts with ``prefix``, expired or not."""
        async with self._store.engine.connect() as conn:
            rows = (
                await conn.execute(
                    sa.select(leases.c.name, leases.c.owner, leases.c.until).where(
                        _prefixed(prefix)
                    )
                )
            ).all()
        return [Lease(r.name, r.owner, r.until) for r in rows]

    async def renew_mine(self, owner: str, prefix: str, ttl: float) -> set[str]:
        """Extend every lease of ``owner`` under ``prefix`` (one statement); returns the
        names still held: one missing was taken over (it had run out) or released."""
        until = utcnow() + timedelta(seconds=ttl)
        async with self._store.engine.begin() as conn:
            rows = (
                await conn.execute(
                    leases.update()
                    .where(leases.c.owner == owner, _prefixed(prefix))
                    .values(until=until)
                    .returning(leases.c.name)
                )
            ).all()
        return {r.name for r in rows}

    async def take(
        self, names: Collection[str], owner: str, ttl: float, *, from_owners: Collection[str] = ()
    ) -> set[str]:
        """Take those of ``names`` that nobody holds, that ran out, or that an owner of
        ``from_owners`` holds (an earlier run of this instance); two statements for all.
        Returns the names taken."""
        if not names:
            return set()
        now = utcnow()
        until = now + timedelta(seconds=ttl)
        names = list(names)
        stale = sa.or_(
            leases.c.until < now,
            leases.c.owner == owner,
            leases.c.owner.in_(list(from_owners)) if from_owners else sa.false(),
        )
        async with self._store.engine.begin() as conn:
            taken = {
                r.name
                for r in (
                    await conn.execute(
                        leases.update()
                        .where(leases.c.name.in_(names), stale)
                        .values(owner=owner, until=until)
                        .returning(leases.c.name)
                    )
                ).all()
            }
            missing = [n for n in names if n not in taken]
            if missing:
                inserted = await conn.execute(
                    self._insert()
                    .values([{"name": n, "owner": owner, "until": until} for n in missing])
                    .on_conflict_do_nothing(index_elements=["name"])
                    .returning(leases.c.name)
                )
                taken.update(r.name for r in inserted.all())
        return taken

    async def release_mine(
        self, owner: str, names: Collection[str] | None = None, *, prefix: str | None = None
    ) -> None:
        """Give up ``names`` (or every lease under ``prefix``) if ``owner`` holds them."""
        cond = [leases.c.owner == owner]
        if names is not None:
            if not names:
                return
            cond.append(leases.c.name.in_(list(names)))
        if prefix is not None:
            cond.append(_prefixed(prefix))
        async with self._store.engine.begin() as conn:
            await conn.execute(leases.delete().where(*cond))

    async def prune(self, older_than: datetime) -> int:
        """Drop leases that ran out before ``older_than`` (dead instances' heartbeats, the
        leases of accounts deleted while their holder was down): nobody renews them."""
        async with self._store.engine.begin() as conn:
            result = await conn.execute(leases.delete().where(leases.c.until < older_than))
        return result.rowcount or 0

    # -- instances ---------------------------------------------------------------------------

    async def beat(
        self,
        identity: str,
        owner: str,
        ttl: float,
        *,
        supersedes: Callable[[str], bool] | None = None,
    ) -> bool:
        """This instance is alive for ``ttl`` more seconds (``instance:<identity>``); False
        when a later run of the same identity holds the heartbeat (a misconfiguration)."""
        return await self.acquire(HEARTBEAT + identity, owner, ttl, supersedes=supersedes)

    async def live_instances(self) -> list[Lease]:
        """The instances whose heartbeat has not run out."""
        now = utcnow()
        return [lease for lease in await self.held(HEARTBEAT) if lease.until > now]
