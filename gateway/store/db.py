"""The store: one async SQLAlchemy engine, the schema migrated (or checked) at start."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any

import aiosqlite
from sqlalchemy import Executable, event, make_url, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from . import migrate as migrations


def normalise_url(url: str) -> str:
    """Accept the URLs people type (``postgresql://``, ``sqlite:///``) for the async drivers."""
    for plain, driver in (
        ("postgresql://", "postgresql+asyncpg://"),
        ("postgres://", "postgresql+asyncpg://"),
        ("sqlite://", "sqlite+aiosqlite://"),
    ):
        if url.startswith(plain):
            return driver + url[len(plain) :]
    return url


class Store:
    """Owns the database engine; repositories take it as their argument."""

    def __init__(self, url: str, *, migrate: bool = True) -> None:
        self.url = normalise_url(url)
        self.migrate = migrate  # False: refuse a database that is not at the newest revision
        self.engine: AsyncEngine | None = None
        # ``read``: on PostgreSQL a second pool, outside transactions and without a ping per
        # checkout; on a SQLite file one read-only aiosqlite connection of its own (a
        # statement is one hop to its thread, where the engine's path takes four or five:
        # checkout, cursor, execute, fetch, the reset on return).
        self._reader: AsyncEngine | None = None
        self._sqlite_reader: aiosqlite.Connection | None = None
        self._sqlite_opening = asyncio.Lock()
        self._compiled: dict[int, tuple[Executable, str, tuple[str, ...], dict[str, Any]]] = {}

    @property
    def dialect(self) -> str:
        return "sqlite" if self.url.startswith("sqlite") else "postgresql"

    def create_engine(self, *, reader: bool = False) -> AsyncEngine:
        """An engine with this store's options, the schema untouched (``open`` keeps one).
        ``reader`` (PostgreSQL): autocommit, no ping per checkout (``read`` retries once
        instead on a connection found dead)."""
        kwargs: dict = {}
        if self.dialect == "sqlite":
            kwargs["connect_args"] = {"timeout": 30}
        elif reader:
            kwargs.update(pool_size=5, max_overflow=10, isolation_level="AUTOCOMMIT")
        else:
            kwargs.update(pool_size=10, max_overflow=10, pool_pre_ping=True)
        engine = create_async_engine(self.url, **kwargs)
        if self.dialect == "sqlite":
            event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine

    async def open(self) -> None:
        """Connect, and upgrade the schema to the newest revision (or refuse an old one)."""
        self.engine = self.create_engine()
        self._reader = self.engine if self.dialect == "sqlite" else self.create_engine(reader=True)
        try:
            if self.migrate:
                await migrations.upgrade(self.engine)
            else:
                await migrations.ensure_current(self.engine)
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        if self._sqlite_reader is not None:
            await self._sqlite_reader.close()
            self._sqlite_reader = None
        if self._reader is not None and self._reader is not self.engine:
            await self._reader.dispose()
        self._reader = None
        if self.engine is not None:
            await self.engine.dispose()
            self.engine = None

    async def read(self, statement: Executable, params: Mapping[str, Any]) -> Sequence[Any]:
        """The rows of one read-only ``statement`` (built once, with bound parameters),
        outside any transaction, as the driver gives them: tuples, without SQLAlchemy's type
        conversions, so for plain columns (numbers, strings) only.

        On PostgreSQL one round trip (the engine's connections cost a ping, BEGIN and
        ROLLBACK besides); a connection that died meanwhile (the server restarted) is
        dropped and the statement runs once more on a new one. On a SQLite file one hop to
        the reading connection's thread."""
        assert self._reader is not None
        if self.dialect == "sqlite":
            reader = await self._sqlite_connection()
            if reader is not None:
                sql, names, defaults = self._sqlite_sql(statement)
                values = {**defaults, **params}
                args = [values[n] for n in names]
                try:
                    return list(await reader.execute_fetchall(sql, args))
                except sqlite3.Error as exc:  # as the engine raises it
                    raise DBAPIError.instance(sql, args, exc, sqlite3.Error) from exc
        for attempt in range(2):
            try:
                async with self._reader.connect() as conn:
                    return (await conn.execute(statement, params)).all()
            except DBAPIError as exc:
                if attempt or not exc.connection_invalidated:
                    raise
        raise AssertionError("unreachable")

    def _sqlite_sql(self, statement: Executable) -> tuple[str, tuple[str, ...], dict[str, Any]]:
        """``statement`` compiled for SQLite once: the SQL, its parameters' names in order
        (qmark style), and the values of the ones SQLAlchemy binds itself (an OFFSET 0)."""
        known = self._compiled.get(id(statement))
        if known is None or known[0] is not statement:
            assert self.engine is not None
            compiled = statement.compile(dialect=self.engine.dialect)
            known = (statement, str(compiled), tuple(compiled.positiontup or ()), compiled.params)
            self._compiled[id(statement)] = known
        return known[1], known[2], known[3]

    async def _sqlite_connection(self) -> aiosqlite.Connection | None:
        """The reading connection to the SQLite file (None: an in-memory database, which
        another connection would not see)."""
        if self._sqlite_reader is not None:
            return self._sqlite_reader
        path = make_url(self.url).database
        if not path or path == ":memory:" or path.startswith("file:"):
            return None
        async with self._sqlite_opening:
            if self._sqlite_reader is None:
                reader = await aiosqlite.connect(path, timeout=30)
                await reader.execute("PRAGMA busy_timeout=30000")
                await reader.execute("PRAGMA query_only=ON")
                self._sqlite_reader = reader
        return self._sqlite_reader

    async def ping(self) -> None:
        assert self.engine is not None
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()
