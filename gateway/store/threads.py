"""What the gateway knows of an account's threads (``gateway/threads/index.py`` decides them).

Three tables (``schema.py``): ``thread_nodes``, each node (a ``Message-ID``,
``key:<message id>``, ``subject:<base subject>``, and ``sig:<hash>``, the mark of a message
threaded) with its thread id and whether it is a message's own; ``thread_anchors``, each
thread's anchor (its earliest message, which decides its id); ``thread_accounts``, one row
per account that a writer updates first, so writers of one account follow one another (a
row lock on PostgreSQL, the write lock on SQLite) and read what the previous one wrote.

Nodes are looked up by their key alone (``node_key``: 128 bits of a hash of account and
node), the table's primary key: an index entry stays small whatever the length of a
Message-ID or subject, and no other index can look cheaper to PostgreSQL's planner for a
page's lookup (on a new table without statistics it took the account's index and read every
row of the account).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from .db import Store
from .schema import thread_accounts, thread_anchors, thread_nodes, utcnow

_BATCH = 500  # bound parameters per IN (...)


def node_key(account_id: str, node: str) -> str:
    """The lookup key of an account's node: 22 URL-safe characters (BLAKE2b-128)."""
    account = account_id.encode("utf-8", "surrogatepass")
    digest = hashlib.blake2b(
        b"%d:%s\x00%s" % (len(account), account, node.encode("utf-8", "surrogatepass")),
        digest_size=16,
    ).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass(frozen=True, slots=True)
class StoredAnchor:
    """A thread's earliest message as kept: its ``Date``, own node and message key."""

    date: datetime | None
    node: str
    msg_key: str


@dataclass(frozen=True, slots=True)
class StoredNode:
    thread_id: str
    own: bool  # a message whose own node this is was threaded


def _chunks(items: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(items), _BATCH):
        yield items[start : start + _BATCH]


class ThreadRepo:
    def __init__(self, store: Store) -> None:
        self._store = store

    async def thread_of(self, account_id: str, nodes: Iterable[str]) -> dict[str, str]:
        """node -> thread id of those of ``nodes`` the store knows (one query for a listing's
        page: the messages' signatures)."""
        by_key = {node_key(account_id, n): n for n in nodes}
        n = thread_nodes.c
        out: dict[str, str] = {}
        async with self._store.engine.connect() as conn:
            for keys in _chunks(list(by_key)):
                rows = await conn.execute(
                    sa.select(n.node_key, n.thread_id).where(_key_in(conn, keys))
                )
                out.update((by_key[row.node_key], row.thread_id) for row in rows)
        return out

    async def thread_nodes(
        self, account_id: str, thread_id: str, *, limit: int
    ) -> list[str] | None:
        """The nodes of a thread (at most ``limit``, own nodes first; not the ``sig:`` nodes
        that mark threaded messages); None: no such thread."""
        n = thread_nodes.c
        async with self._store.engine.connect() as conn:
            rows = (
                await conn.execute(
                    sa.select(n.node)
                    .where(
                        n.account_id == account_id,
                        n.thread_id == thread_id,
                        n.node.not_like("sig:%"),
                    )
                    .order_by(n.own.desc(), n.node_key)
                    .limit(limit)
                )
            ).all()
        return [row.node for row in rows] or None

    @asynccontextmanager
    async def writer(self, account_id: str) -> AsyncIterator[ThreadWriter]:
        """A transaction in which the account's threads are read and changed by one writer."""
        async with self._store.engine.begin() as conn:
            await _lock_account(conn, account_id)
            yield ThreadWriter(conn, account_id)

    async def forget(self, account_id: str) -> None:
        """The account is gone: its threads too."""
        async with self._store.engine.begin() as conn:
            await forget_threads(conn, account_id)


def _key_in(conn: AsyncConnection, keys: list[str]) -> sa.ColumnElement[bool]:
    """``node_key`` among ``keys`` (on PostgreSQL one array parameter, not one each)."""
    if conn.dialect.name == "postgresql":
        return thread_nodes.c.node_key == sa.any_(
            sa.bindparam("node_keys", keys, type_=ARRAY(sa.String(24)))
        )
    return thread_nodes.c.node_key.in_(keys)


async def forget_threads(conn: AsyncConnection, account_id: str) -> None:
    """Delete an account's threads inside the caller's transaction."""
    for table in (thread_nodes, thread_anchors, thread_accounts):
        await conn.execute(table.delete().where(table.c.account_id == account_id))


async def _lock_account(conn: AsyncConnection, account_id: str) -> None:
    """Write the account's row first: a second writer waits here until the first commits."""
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    now = utcnow()
    await conn.execute(
        insert(thread_accounts)
        .values(account_id=account_id, updated_at=now)
        .on_conflict_do_update(index_elements=["account_id"], set_={"updated_at": now})
    )


class ThreadWriter:
    """Reads and writes of one account's threads inside a locked transaction."""

    def __init__(self, conn: AsyncConnection, account_id: str) -> None:
        self._conn = conn
        self._account = account_id

    async def nodes(self, nodes: Iterable[str]) -> dict[str, StoredNode]:
        by_key = {node_key(self._account, n): n for n in nodes}
        n = thread_nodes.c
        out: dict[str, StoredNode] = {}
        for keys in _chunks(list(by_key)):
            rows = await self._conn.execute(
                sa.select(n.node_key, n.thread_id, n.own).where(_key_in(self._conn, keys))
            )
            out.update((by_key[r.node_key], StoredNode(r.thread_id, bool(r.own))) for r in rows)
        return out

    async def anchors(self, thread_ids: Iterable[str]) -> dict[str, StoredAnchor]:
        a = thread_anchors.c
        out: dict[str, StoredAnchor] = {}
        for ids in _chunks(sorted(set(thread_ids))):
            rows = await self._conn.execute(
                sa.select(a.thread_id, a.date, a.node, a.msg_key).where(
                    a.account_id == self._account, a.thread_id.in_(ids)
                )
            )
            out.update((r.thread_id, StoredAnchor(r.date, r.node, r.msg_key)) for r in rows)
        return out

    async def save(
        self,
        nodes: Mapping[str, str],
        own: Iterable[str],
        anchors: Mapping[str, StoredAnchor],
        merges: Mapping[str, str],
    ) -> None:
        """Merged threads' nodes take their new id and lose their anchor; ``nodes`` (node ->
        thread id) are written (``own``: nodes a message of their own was threaded under),
        and ``anchors`` (thread id -> anchor)."""
        n, a = thread_nodes.c, thread_anchors.c
        for old, new in merges.items():
            await self._conn.execute(
                thread_nodes.update()
                .where(n.account_id == self._account, n.thread_id == old)
                .values(thread_id=new)
            )
        if merges:
            for ids in _chunks(sorted(merges)):
                await self._conn.execute(
                    thread_anchors.delete().where(
                        a.account_id == self._account, a.thread_id.in_(ids)
                    )
                )
        own = set(own)
        existing = await self.nodes(nodes)
        inserts, changes = [], []
        for node, thread_id in nodes.items():
            known = existing.get(node)
            is_own = node in own or (known is not None and known.own)
            if known is None:
                inserts.append(
                    {
                        "account_id": self._account,
                        "node_key": node_key(self._account, node),
                        "node": node[:4000],
                        "thread_id": thread_id,
                        "own": is_own,
                    }
                )
            elif known.thread_id != thread_id or known.own != is_own:
                changes.append({"k": node_key(self._account, node), "t": thread_id, "o": is_own})
        if inserts:
            await self._conn.execute(thread_nodes.insert(), inserts)
        if changes:
            await self._conn.execute(
                thread_nodes.update()
                .where(n.node_key == sa.bindparam("k"))
                .values(thread_id=sa.bindparam("t"), own=sa.bindparam("o")),
                changes,
            )
        if anchors:
            for ids in _chunks(sorted(anchors)):
                await self._conn.execute(
                    thread_anchors.delete().where(
                        a.account_id == self._account, a.thread_id.in_(ids)
                    )
                )
            await self._conn.execute(
                thread_anchors.insert(),
                [
                    {
                        "account_id": self._account,
                        "thread_id": tid,
                        "date": anchor.date,
                        "node": anchor.node[:4000],
                        "msg_key": anchor.msg_key,
                    }
                    for tid, anchor in anchors.items()
                ],
            )
