"""Schema migrations: Alembic brings every database to the newest revision.

The revisions are in gateway/store/migrations/versions. A database made by mailgate 0.1.0
(its create_all: the tables, no version table) is recognised by its tables and stamped at the
baseline revision before the upgrade. The whole upgrade is one transaction (PostgreSQL and
SQLite both roll DDL back); on PostgreSQL an advisory lock makes instances that start together
migrate one after the other, so the second finds the database current and does nothing.
"""

from __future__ import annotations

import asyncio
import io
import logging
import weakref
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from ..errors import SchemaNotCurrent

log = logging.getLogger(__name__)

# Our own name, so that a database shared with another Alembic-managed application works.
VERSION_TABLE = "mailgate_alembic_version"
BASELINE = "0001"  # the schema of mailgate 0.1.0
BASELINE_TABLES = frozenset(
    {
        "accounts",
        "api_tokens",
        "idempotency_keys",
        "outbox",
        "events",
        "webhooks",
        "webhook_deliveries",
        "mailbox_state",
        "pop3_seen",
        "leases",
    }
)
# The key create_all used in 0.1.0 too: a 0.1.0 instance starting meanwhile waits as well.
LOCK_KEY = 7263541
SCRIPT_LOCATION = Path(__file__).with_name("migrations")


@dataclass(frozen=True)
class SchemaState:
    """Where a database's schema stands."""

    revision: str | None  # None: no mailgate table yet
    head: str  # the newest revision this mailgate knows
    legacy: bool = False  # made by 0.1.0's create_all, not stamped yet

    @property
    def current(self) -> bool:
        return self.revision == self.head

    def describe(self) -> str:
        """Where it stands, as the rest of a sentence that starts "The database schema"."""
        if self.revision is None:
            return "is empty (no mailgate tables)"
        if self.legacy:
            return f"was made by mailgate 0.1.0 (revision {self.revision}, not stamped yet)"
        return f"is at revision {self.revision}" + (" (the newest)" if self.current else "")

    def origin(self) -> str:
        """Where an upgrade started from, for "upgraded from ..."."""
        if self.revision is None:
            return "an empty database"
        return f"revision {self.revision}" + (" (made by mailgate 0.1.0)" if self.legacy else "")


def _config(*, output_buffer: io.StringIO | None = None, **attributes: object) -> Config:
    """Alembic's configuration, made here: there is no alembic.ini."""
    config = Config(output_buffer=output_buffer)
    config.set_main_option("script_location", str(SCRIPT_LOCATION).replace("%", "%%"))
    config.attributes.update(attributes)
    return config


@lru_cache(maxsize=1)
def _script() -> ScriptDirectory:
    return ScriptDirectory.from_config(_config())


def head() -> str:
    """The newest revision this mailgate knows."""
    revision = _script().get_current_head()
    assert revision is not None
    return revision


def _state(connection: sa.Connection) -> SchemaState:
    tables = set(sa.inspect(connection).get_table_names())
    newest = head()
    if VERSION_TABLE in tables:
        revision = MigrationContext.configure(
            connection, opts={"version_table": VERSION_TABLE}
        ).get_current_revision()
        state = SchemaState(revision, newest)
        try:
            known = revision is None or _script().get_revision(revision) is not None
        except CommandError:
            known = False
        if not known:
            raise SchemaNotCurrent(
                f"The database schema is at revision {revision}, newer than this mailgate "
                f"knows (its newest is {newest}): run the newer mailgate, or restore a backup."
            )
        return state
    ours = BASELINE_TABLES & tables
    if not ours:
        return SchemaState(None, newest)
    if missing := BASELINE_TABLES - tables:
        raise SchemaNotCurrent(
            "The database holds some of mailgate's tables but not "
            f"{', '.join(sorted(missing))}: it was not made by mailgate; use an empty database."
        )
    return SchemaState(BASELINE, newest, legacy=True)


async def _begin_exclusive(conn: AsyncConnection) -> None:
    """Start the transaction the upgrade runs in, holding off other migrating instances."""
    if conn.dialect.name == "postgresql":
        await conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
    elif conn.dialect.name == "sqlite":
        # The driver opens transactions only before DML; DDL would run outside one.
        await conn.exec_driver_sql("BEGIN IMMEDIATE")


def _upgrade(connection: sa.Connection, target: str) -> SchemaState:
    before = _state(connection)
    if before.current:
        return before
    config = _config(connection=connection)
    if before.legacy:
        command.stamp(config, BASELINE)
    command.upgrade(config, target)
    return before


# Alembic keeps the running migration in module globals (``alembic.op``, ``alembic.context``):
# two upgrades interleaving on one event loop (two stores opening at once) would mix them up.
_running: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
    weakref.WeakKeyDictionary()
)


async def upgrade(engine: AsyncEngine, *, to: str = "head") -> SchemaState:
    """Bring the database to the newest revision (or ``to``); returns where it stood before."""
    lock = _running.setdefault(asyncio.get_running_loop(), asyncio.Lock())
    async with lock, engine.connect() as conn:
        await _begin_exclusive(conn)
        before = await conn.run_sync(_upgrade, to)
        await conn.commit()
    if not before.current:
        log.info("database schema upgraded from %s to revision %s", before.origin(), to)
    return before


async def state(engine: AsyncEngine) -> SchemaState:
    """Where the database's schema stands, changing nothing."""
    async with engine.connect() as conn:
        return await conn.run_sync(_state)


async def ensure_current(engine: AsyncEngine) -> None:
    """Refuse (SchemaNotCurrent) a database that is not at the newest revision."""
    now = await state(engine)
    if not now.current:
        raise SchemaNotCurrent(
            f"The database schema {now.describe()}; this mailgate needs revision "
            f"{now.head}. Run `mailgate migrate` (or start with GATEWAY_MIGRATE_ON_START=true)."
        )


async def upgrade_sql(engine: AsyncEngine) -> str:
    """The SQL that `upgrade` would run on this database, for a DBA to review or run."""
    now = await state(engine)
    if now.current:
        return ""
    out = io.StringIO()
    config = _config(dialect=engine.dialect.name, output_buffer=out)
    if now.legacy:
        command.stamp(config, BASELINE, sql=True)
    start = f"{now.revision}:" if now.revision else ""
    command.upgrade(config, f"{start}head", sql=True)
    return out.getvalue()
