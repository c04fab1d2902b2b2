"""The store: one async SQLAlchemy engine, the schema migrated (or checked) at start."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Executable, Row, event, text
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
        # PostgreSQL: a second pool for ``read``, outside transactions and without a ping
        # per checkout (SQLite: the engine itself; its connections cost no round trip).
        self._reader: AsyncEngine | None = None

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
        if self._reader is not None and self._reader is not self.engine:
            await self._reader.dispose()
        self._reader = None
        if self.engine is not None:
            await self.engine.dispose()
            self.engine = None

    async def read(self, statement: Executable, params: Mapping[str, Any]) -> Sequence[Row]:
        """The rows of one read-only ``statement``, outside any transaction: on PostgreSQL one
        round trip (the engine's connections cost a ping, BEGIN and ROLLBACK besides). A
        connection that died meanwhile (the server restarted) is dropped and the statement
        runs once more on a new one."""
        assert self._reader is not None
        for attempt in range(2):
            try:
                async with self._reader.connect() as conn:
                    return (await conn.execute(statement, params)).all()
            except DBAPIError as exc:
                if attempt or not exc.connection_invalidated:
                    raise
        raise AssertionError("unreachable")

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
