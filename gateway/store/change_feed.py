"""The change feed's tables: one row per account (epoch, last sequence number, trimmed
part), its log, and the feed's snapshot of each mailbox (see ``gateway/sync/feed.py``).

Every write goes through ``FeedTransaction``: it first touches the account's feed row, so
writers of one account follow one another (a row lock on PostgreSQL, the write lock on
SQLite) and the sequence numbers they hand out never collide or go back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from .db import Store
from .schema import change_feeds, change_log, change_mailboxes, utcnow
from .sync_state import MailboxState, flags_from_json


@dataclass(frozen=True, slots=True)
class FeedRow:
    epoch: int
    seq: int  # the last sequence number handed out
    min_seq: int  # entries up to it are trimmed: states before it cannot be answered
    created_at: datetime


@dataclass(slots=True)
class MailboxHead:
    """What the feed knows of a mailbox, without its UID map."""

    mailbox: str
    uidvalidity: int | None
    uidnext: int | None
    highestmodseq: int | None
    baselined: bool  # False: known from a LIST only, its messages never looked at
    info: dict[str, Any] | None  # the mailbox as a listing showed it
    since_seq: int


_HEAD_COLUMNS = (
    change_mailboxes.c.mailbox,
    change_mailboxes.c.uidvalidity,
    change_mailboxes.c.uidnext,
    change_mailboxes.c.highestmodseq,
    change_mailboxes.c.info,
    change_mailboxes.c.since_seq,
    (change_mailboxes.c.uids.is_not(None)).label("baselined"),
)


def _head(row: Any) -> MailboxHead:
    return MailboxHead(
        row.mailbox,
        row.uidvalidity,
        row.uidnext,
        row.highestmodseq,
        bool(row.baselined),
        row.info,
        row.since_seq,
    )


Snapshot = tuple[MailboxHead, MailboxState | None]


async def _heads(conn: AsyncConnection, account_id: str) -> dict[str, MailboxHead]:
    rows = (
        await conn.execute(
            sa.select(*_HEAD_COLUMNS).where(change_mailboxes.c.account_id == account_id)
        )
    ).all()
    return {row.mailbox: _head(row) for row in rows}


async def _snapshot(conn: AsyncConnection, account_id: str, mailbox: str) -> Snapshot | None:
    m = change_mailboxes
    row = (
        await conn.execute(
            sa.select(*_HEAD_COLUMNS, m.c.uids).where(
                m.c.account_id == account_id, m.c.mailbox == mailbox
            )
        )
    ).first()
    if row is None:
        return None
    head = _head(row)
    if row.uids is None:
        return head, None
    return head, MailboxState(
        mailbox, row.uidvalidity, row.uidnext, row.highestmodseq, flags_from_json(row.uids)
    )


# The hot reads, built once (bound parameters; SQLAlchemy compiles each once per dialect).
_FEED = sa.select(
    change_feeds.c.epoch, change_feeds.c.seq, change_feeds.c.min_seq, change_feeds.c.created_at
).where(change_feeds.c.account_id == sa.bindparam("account"))
_LOG = (
    sa.select(
        change_log.c.seq,
        change_log.c.kind,
        change_log.c.op,
        change_log.c.mailbox,
        change_log.c.uidvalidity,
        change_log.c.uid,
    )
    .where(
        change_log.c.account_id == sa.bindparam("account"),
        change_log.c.seq > sa.bindparam("after"),
        change_log.c.seq <= sa.bindparam("upto"),
    )
    .order_by(change_log.c.seq)
    .limit(sa.bindparam("limit"))
)
_LOG_OF_MAILBOX = _LOG.where(change_log.c.mailbox == sa.bindparam("mailbox"))


def _page_statement(of_mailbox: bool) -> sa.Select:
    """The feed row joined with the log entries after ``after`` up to the row's ``seq`` (the
    first ``limit``, of ``mailbox`` only if ``of_mailbox``): one statement, one row per
    entry, one row with empty entry columns when there is none."""
    f, c = change_feeds.c, change_log.c
    joined = [c.account_id == f.account_id, c.seq > sa.bindparam("after"), c.seq <= f.seq]
    if of_mailbox:
        joined.append(c.mailbox == sa.bindparam("mailbox"))
    return (
        sa.select(
            f.epoch,
            f.seq,
            f.min_seq,
            c.seq.label("entry_seq"),
            c.kind,
            c.op,
            c.mailbox,
            c.uidvalidity,
            c.uid,
        )
        .select_from(change_feeds.outerjoin(change_log, sa.and_(*joined)))
        .where(f.account_id == sa.bindparam("account"))
        .order_by(c.seq)
        .limit(sa.bindparam("limit"))
    )


_PAGE = _page_statement(False)
_PAGE_OF_MAILBOX = _page_statement(True)


async def _log_rows(
    conn: AsyncConnection, account_id: str, after: int, upto: int, limit: int, mailbox: str | None
) -> Sequence[tuple]:
    params: dict[str, Any] = {"account": account_id, "after": after, "upto": upto, "limit": limit}
    if mailbox is None:
        return (await conn.execute(_LOG, params)).all()
    params["mailbox"] = mailbox
    return (await conn.execute(_LOG_OF_MAILBOX, params)).all()


class FeedTransaction:
    """Writes of one account's feed inside one transaction (``ChangeFeedRepo.begin``)."""

    def __init__(self, conn: AsyncConnection, account_id: str, feed: FeedRow) -> None:
        self.conn = conn
        self.account_id = account_id
        self.feed = feed
        self.appended = 0

    async def append(self, changes: Sequence[tuple[str, str, str, int | None, int | None]]) -> int:
        """Append ``(kind, op, mailbox, uidvalidity, uid)`` entries; the new last seq."""
        if not changes:
            return self.feed.seq
        now = utcnow()
        first = self.feed.seq + 1
        rows = [
            {
                "account_id": self.account_id,
                "seq": first + i,
                "kind": kind,
                "op": op,
                "mailbox": mailbox,
                "uidvalidity": validity,
                "uid": uid,
                "at": now,
            }
            for i, (kind, op, mailbox, validity, uid) in enumerate(changes)
        ]
        for start in range(0, len(rows), 2000):
            await self.conn.execute(change_log.insert(), rows[start : start + 2000])
        last = first + len(rows) - 1
        await self.conn.execute(
            change_feeds.update()
            .where(change_feeds.c.account_id == self.account_id)
            .values(seq=last, updated_at=now)
        )
        self.feed = replace(self.feed, seq=last)
        self.appended += len(rows)
        return last

    async def heads(self) -> dict[str, MailboxHead]:
        return await _heads(self.conn, self.account_id)

    async def snapshot(self, mailbox: str) -> Snapshot | None:
        """The mailbox's head and UID map (None: not baselined); None: not known."""
        return await _snapshot(self.conn, self.account_id, mailbox)

    async def save(
        self,
        mailbox: str,
        *,
        state: MailboxState | None = None,
        info: dict[str, Any] | None = None,
        keep_info: bool = False,
        known_before: bool,
    ) -> None:
        """Insert or update what the feed knows of ``mailbox``. ``state`` None keeps the UID
        map as it is (or leaves it unknown); ``keep_info`` keeps the stored listing info."""
        m = change_mailboxes
        values: dict[str, Any] = {"updated_at": utcnow()}
        if state is not None:
            values.update(
                uidvalidity=state.uidvalidity,
                uidnext=state.uidnext,
                highestmodseq=state.highestmodseq,
                uids=state.to_json(),
            )
        if not keep_info:
            values["info"] = info
        if known_before:
            await self.conn.execute(
                m.update()
                .where(m.c.account_id == self.account_id, m.c.mailbox == mailbox)
                .values(**values)
            )
        else:
            await self.conn.execute(
                m.insert().values(
                    account_id=self.account_id, mailbox=mailbox, since_seq=self.feed.seq, **values
                )
            )

    async def remove(self, mailbox: str) -> None:
        m = change_mailboxes
        await self.conn.execute(
            m.delete().where(m.c.account_id == self.account_id, m.c.mailbox == mailbox)
        )

    async def trim(self, keep: int) -> None:
        """Drop entries beyond the newest ``keep``: states before them get a 410."""
        floor = self.feed.seq - keep
        if floor <= self.feed.min_seq:
            return
        await self.conn.execute(
            change_log.delete().where(
                change_log.c.account_id == self.account_id, change_log.c.seq <= floor
            )
        )
        await self.conn.execute(
            change_feeds.update()
            .where(change_feeds.c.account_id == self.account_id)
            .values(min_seq=floor)
        )
        self.feed = replace(self.feed, min_seq=floor)


class ChangeFeedRepo:
    def __init__(self, store: Store) -> None:
        self._store = store
        self._created: dict[str, tuple[int, datetime]] = {}  # account -> (epoch, created_at)

    @property
    def dialect(self) -> str:
        return self._store.dialect

    async def feed(self, account_id: str, conn: AsyncConnection | None = None) -> FeedRow | None:
        if conn is not None:
            row = (await conn.execute(_FEED, {"account": account_id})).first()
        else:
            async with self._store.engine.connect() as own:
                row = (await own.execute(_FEED, {"account": account_id})).first()
        if row is None:
            return None
        epoch, seq, min_seq, created_at = row
        return FeedRow(int(epoch), seq, min_seq, created_at)

    async def create(
        self, account_id: str, epoch: int, mailboxes: dict[str, dict[str, Any] | None]
    ) -> FeedRow | None:
        """A new feed at seq 0 knowing ``mailboxes`` (path -> listing info), none of them
        baselined; None when the account has a feed already (another request made it)."""
        now = utcnow()
        try:
            async with self._store.engine.begin() as conn:
                await conn.execute(
                    change_feeds.insert().values(
                        account_id=account_id,
                        epoch=str(epoch),
                        seq=0,
                        min_seq=0,
                        created_at=now,
                        updated_at=now,
                    )
                )
                if mailboxes:
                    await conn.execute(
                        change_mailboxes.insert(),
                        [
                            {
                                "account_id": account_id,
                                "mailbox": name,
                                "info": info,
                                "since_seq": 0,
                                "updated_at": now,
                            }
                            for name, info in mailboxes.items()
                        ],
                    )
        except sa.exc.IntegrityError:
            return None
        return FeedRow(epoch, 0, 0, now)

    async def heads(self, account_id: str) -> dict[str, MailboxHead]:
        async with self._store.engine.connect() as conn:
            return await _heads(conn, account_id)

    async def snapshot(self, account_id: str, mailbox: str) -> Snapshot | None:
        async with self._store.engine.connect() as conn:
            return await _snapshot(conn, account_id, mailbox)

    def begin(self, account_id: str) -> _Begin:
        """``async with repo.begin(account) as tx``: a ``FeedTransaction`` (None: no feed)."""
        return _Begin(self, account_id, None)

    def within(self, conn: AsyncConnection, account_id: str) -> _Begin:
        """The same inside the caller's transaction (``conn``), e.g. a watcher's events."""
        return _Begin(self, account_id, conn)

    async def entries(
        self, account_id: str, after: int, upto: int, *, limit: int, mailbox: str | None = None
    ) -> Sequence[tuple]:
        """Up to ``limit`` log entries after ``after`` up to ``upto`` (of ``mailbox`` only, if
        given), in order, as ``(seq, kind, op, mailbox, uidvalidity, uid)`` tuples."""
        async with self._store.engine.connect() as conn:
            return await _log_rows(conn, account_id, after, upto, limit, mailbox)

    async def read_page(
        self, account_id: str, after: int, *, limit: int, mailbox: str | None = None
    ) -> tuple[FeedRow | None, list[tuple]]:
        """The account's feed row and up to ``limit`` log entries after ``after`` (of
        ``mailbox`` only, if given) up to the row's ``seq``, as ``entries`` gives them, in
        one statement outside a transaction (the hot read of ``/changes``)."""
        params: dict[str, Any] = {"account": account_id, "after": after, "limit": limit}
        if mailbox is not None:
            params["mailbox"] = mailbox
        statement = _PAGE if mailbox is None else _PAGE_OF_MAILBOX
        for _ in range(2):
            rows = await self._store.read(statement, params)
            if not rows:
                return None, []
            epoch = int(rows[0][0])
            # A feed's creation time never changes (a new feed has a new random epoch): read
            # once per epoch, not converted again on each of the page's rows.
            known = self._created.get(account_id)
            if known is not None and known[0] == epoch:
                break
            feed = await self.feed(account_id)
            if feed is not None:
                self._created[account_id] = (feed.epoch, feed.created_at)
        else:
            return None, []  # the feed started again while read, twice: answered as gone
        feed = FeedRow(epoch, rows[0][1], rows[0][2], known[1])
        if rows[0][3] is None:
            return feed, []
        return feed, [row[3:] for row in rows]

    async def forget(self, account_id: str) -> None:
        """The account is gone: its feed too (a new account of that id starts a new epoch)."""
        async with self._store.engine.begin() as conn:
            for table in (change_log, change_mailboxes, change_feeds):
                await conn.execute(table.delete().where(table.c.account_id == account_id))


class _Begin:
    def __init__(self, repo: ChangeFeedRepo, account_id: str, conn: AsyncConnection | None) -> None:
        self._repo = repo
        self._account_id = account_id
        self._conn = conn
        self._own: Any = None

    async def __aenter__(self) -> FeedTransaction | None:
        conn = self._conn
        if conn is None:
            self._own = self._repo._store.engine.begin()
            conn = await self._own.__aenter__()
        # Touch the row first: it takes the lock that orders this account's writers.
        touched = await conn.execute(
            change_feeds.update()
            .where(change_feeds.c.account_id == self._account_id)
            .values(updated_at=utcnow())
        )
        if not touched.rowcount:
            return None
        feed = await self._repo.feed(self._account_id, conn)
        assert feed is not None
        return FeedTransaction(conn, self._account_id, feed)

    async def __aexit__(self, *exc_info: Any) -> bool | None:
        if self._own is not None:
            return await self._own.__aexit__(*exc_info)
        return None
