"""The store: one async SQLAlchemy engine, the schema migrated (or checked) at start."""

from __future__ import annotations

from sqlalchemy import event, text
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

    @property
    def dialect(self) -> str:
        return "sqlite" if self.url.startswith("sqlite") else "postgresql"

    def create_engine(self) -> AsyncEngine:
        """An engine with this store's options, the schema untouched (``open`` keeps one)."""
        kwargs: dict = {}
        if self.dialect == "sqlite":
            kwargs["connect_args"] = {"timeout": 30}
        else:
            kwargs.update(pool_size=10, max_overflow=10, pool_pre_ping=True)
        engine = create_async_engine(self.url, **kwargs)
        if self.dialect == "sqlite":
            event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine

    async def open(self) -> None:
        """Connect, and upgrade the schema to the newest revision (or refuse an old one)."""
        self.engine = self.create_engine()
        try:
            if self.migrate:
                await migrations.upgrade(self.engine)
            else:
                await migrations.ensure_current(self.engine)
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        if self.engine is not None:
            await self.engine.dispose()
            self.engine = None

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
