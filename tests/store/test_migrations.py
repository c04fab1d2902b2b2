"""Schema migrations on SQLite and PostgreSQL.

A database made by mailgate 0.1.0 (its create_all, filled the way 0.1.0 wrote rows) reaches
the newest revision at start or through `mailgate migrate`, with every row still there and
readable through today's gateway; a fresh database reaches the same schema; the newest
revision equals gateway/store/schema.py, so a table change without a migration fails here.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import socket
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata, produce_migrations, render_python_code
from alembic.runtime.migration import MigrationContext
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from gateway.errors import SchemaNotCurrent
from gateway.secrets import SecretBox
from gateway.settings import Settings
from gateway.store import migrate, schema
from gateway.store.accounts import AccountRepo
from gateway.store.db import Store, normalise_url
from gateway.store.events import EventRepo
from gateway.store.idempotency import IdempotencyRepo
from gateway.store.pop3 import Pop3SeenRepo
from gateway.store.sync_state import SyncStateRepo

from ..conftest import running_client
from . import schema_v0_1_0 as v010

NOW = datetime.now(UTC).replace(microsecond=0)
PASSWORD = "pa ss:wörd/0.1.0"
SMTP_PASSWORD = "smtp-secret-0.1.0"
REFRESH_TOKEN = "refresh-0.1.0"
TOKEN = "mgt_" + "v010" * 10 + "abc"  # the clear token a 0.1.0 user holds
WEBHOOK_SECRET = "whsec-0.1.0"
OUTBOX_STATES = {
    "q_queued0000000000001": "queued",
    "q_sent00000000000000002": "sent",
    "q_failed000000000000003": "failed",
}


# -- a database as mailgate 0.1.0 left it ----------------------------------------------------


def _rows(box: SecretBox) -> dict[sa.Table, list[dict[str, Any]]]:
    """One or more rows in every 0.1.0 table, shaped as 0.1.0's repositories wrote them."""
    server = {
        "host": "mail.example.com",
        "security": "starttls",
        "tls_verify": True,
        "ca_file": None,
    }
    secrets = {
        "imap": {"password": PASSWORD},
        "smtp": {
            "password": SMTP_PASSWORD,
            "oauth2": {
                "refresh_token": REFRESH_TOKEN,
                "token_url": "https://auth.example.com/token",
                "client_id": "mailgate",
            },
        },
    }
    raw = (
        b"From: Old <old@example.com>\r\nTo: b@example.com\r\nSubject: 0.1.0\r\n"
        b"Message-ID: <m@example.com>\r\n\r\nqueued before the upgrade\r\n"
    )
    attempt = {"at": NOW.isoformat(), "ok": False, "worker": "old", "error": "refused"}
    return {
        v010.accounts: [
            {
                "id": "old-account",
                "name": "Old account",
                "email": "old@example.com",
                "config": {
                    "watch_mailboxes": [],
                    "imap": {**server, "port": 143, "username": "old"},
                    "smtp": {**server, "port": 587, "username": "old"},
                },
                "secrets": box.encrypt(json.dumps(secrets)),
                "source": "api",
                "created_at": NOW - timedelta(days=30),
                "updated_at": NOW - timedelta(days=1),
            }
        ],
        v010.api_tokens: [
            {
                "id": "tok_0123456789abcdef",
                "token_hash": hashlib.sha256(TOKEN.encode()).hexdigest(),
                "prefix": TOKEN[:8],
                "description": "from 0.1.0",
                "scopes": ["read", "send"],
                "accounts": ["old-account"],
                "created_at": NOW - timedelta(days=20),
                "last_used_at": NOW - timedelta(hours=2),
            }
        ],
        v010.idempotency_keys: [
            {
                "account_id": "old-account",
                "key": "send-42",
                "request_hash": "ab" * 32,
                "outcome": "queued",
                "response": {"id": "q_queued0000000000001", "status": "queued"},
                "created_at": NOW - timedelta(minutes=5),
                "expires_at": NOW + timedelta(days=1),
            }
        ],
        v010.outbox: [
            {
                "id": job_id,
                "account_id": "old-account",
                "status": status,
                "message_id": "<m@example.com>",
                "mail_from": "old@example.com",
                "rcpt_to": ["b@example.com"],
                "raw": raw,
                "options": {"save_to_sent": True, "in_reply_to": None},
                "attempts": 0 if status == "queued" else 1,
                "next_attempt_at": NOW + timedelta(days=365),
                "lease_owner": None,
                "lease_until": None,
                "last_error": "550 5.1.1 no such user" if status == "failed" else None,
                "smtp_response": "250 2.0.0 Ok: queued" if status == "sent" else None,
                "data_sent_at": NOW - timedelta(minutes=1) if status == "sent" else None,
                "accepted": ["b@example.com"] if status == "sent" else None,
                "rejected": [] if status == "sent" else None,
                "history": []
                if status == "queued"
                else [
                    {**attempt, "ok": status == "sent", "code": 250 if status == "sent" else 550}
                ],
                "created_at": NOW - timedelta(minutes=10),
                "updated_at": NOW - timedelta(minutes=9),
            }
            for job_id, status in OUTBOX_STATES.items()
        ],
        v010.events: [
            {
                "seq": seq,
                "id": f"evt_{seq:016d}",
                "type": "message.new",
                "account_id": "old-account",
                "data": {"mailbox": "INBOX", "uid": seq},
                "created_at": NOW - timedelta(minutes=seq),
            }
            for seq in (1, 2)
        ],
        v010.webhooks: [
            {
                "id": "wh_0123456789abcdef",
                "url": "https://hooks.example.com/mail",
                "events": ["message.*"],
                "accounts": None,
                "secret": box.encrypt(WEBHOOK_SECRET),
                "created_by": "tok_0123456789abcdef",
                "created_at": NOW - timedelta(days=10),
            }
        ],
        v010.webhook_deliveries: [
            {
                "id": "dlv_0123456789abcdef0123",
                "webhook_id": "wh_0123456789abcdef",
                "event_id": "evt_0000000000000001",
                "event_type": "message.new",
                "status": "delivered",
                "attempts": 1,
                "next_attempt_at": NOW - timedelta(minutes=1),
                "lease_until": None,
                "created_at": NOW - timedelta(minutes=1),
                "history": [
                    {
                        "at": NOW.isoformat().replace("+00:00", "Z"),
                        "attempt": 1,
                        "status_code": 204,
                        "latency_ms": 12.5,
                        "error": None,
                    }
                ],
            }
        ],
        v010.mailbox_state: [
            {
                "account_id": "old-account",
                "protocol": "imap",
                "mailbox": "INBOX",
                "uidvalidity": 1700000000,
                "uidnext": 43,
                "highestmodseq": 2**40,
                "uids": None,
                "updated_at": NOW - timedelta(minutes=3),
            }
        ],
        v010.pop3_seen: [
            {"account_id": "old-account", "uidl": "uidl-1", "seen_at": NOW - timedelta(minutes=4)}
        ],
        v010.leases: [
            {
                "name": "watch:old-account",
                "owner": "old-instance",
                "until": NOW - timedelta(minutes=2),
            }
        ],
    }


async def make_v0_1_0_database(url: str, secret_key: str) -> dict[str, list[tuple]]:
    """Create 0.1.0's tables as its create_all did and fill them; returns every row."""
    engine = create_async_engine(normalise_url(url))
    try:
        async with engine.begin() as conn:
            await conn.run_sync(v010.metadata.create_all)
            for table, rows in _rows(SecretBox(secret_key)).items():
                await conn.execute(table.insert(), rows)
        return await dump_v0_1_0_rows(engine)
    finally:
        await engine.dispose()


async def dump_v0_1_0_rows(engine: AsyncEngine) -> dict[str, list[tuple]]:
    """Every row of every 0.1.0 table, read through 0.1.0's column definitions."""
    async with engine.connect() as conn:
        return {
            table.name: [
                tuple(row)
                for row in (
                    await conn.execute(sa.select(table).order_by(*table.primary_key.columns))
                ).all()
            ]
            for table in v010.metadata.sorted_tables
        }


def app_settings(settings: Settings, url: str, **changes: Any) -> Settings:
    """The test gateway's settings on ``url``, with nothing running that changes old rows."""
    return settings.model_copy(
        update={"database_url": url, "outbox_workers": 0, "watch_enabled": False, **changes}
    )


def _server_default_differs(
    context, _inspected, _column, inspected: str | None, _metadata, rendered: str | None
) -> bool | None:
    """Alembic's comparison, except that SQLite's quoting of a default is not a difference."""
    if context.dialect.name != "sqlite":
        return None

    def bare(default: str | None) -> str | None:
        return None if default is None else default.strip("()").strip("'\"")

    return bare(inspected) != bare(rendered)


COMPARE = {
    "compare_type": True,
    "compare_server_default": _server_default_differs,
    "version_table": migrate.VERSION_TABLE,
}


def schema_differences(connection: sa.Connection, metadata: sa.MetaData) -> list:
    context = MigrationContext.configure(connection, opts=COMPARE)
    return compare_metadata(context, metadata)


def missing_operations(connection: sa.Connection, metadata: sa.MetaData) -> str:
    """The `op` calls a new revision needs to turn this database into ``metadata``."""
    context = MigrationContext.configure(connection, opts=COMPARE)
    return render_python_code(produce_migrations(context, metadata).upgrade_ops)


# -- the upgrade ---------------------------------------------------------------------------


async def test_v0_1_0_database_is_upgraded_at_start_with_nothing_lost(
    any_store_url: str, settings: Settings
) -> None:
    key = settings.secret_key.get_secret_value()
    before = await make_v0_1_0_database(any_store_url, key)
    assert all(before.values())

    async with running_client(app_settings(settings, any_store_url)) as client:
        account = (await client.get("/v1/accounts/old-account")).json()
        assert (account["email"], account["imap"]["host"]) == (
            "old@example.com",
            "mail.example.com",
        )
        tokens = (await client.get("/v1/tokens")).json()
        assert "tok_0123456789abcdef" in json.dumps(tokens)
        for job_id, status in OUTBOX_STATES.items():
            item = await client.get(f"/v1/outbox/{job_id}")
            assert item.status_code == 200, item.text
            assert item.json()["status"] == status
        hooks = (await client.get("/v1/webhooks")).json()
        assert "wh_0123456789abcdef" in json.dumps(hooks)
        deliveries = await client.get("/v1/webhooks/wh_0123456789abcdef/deliveries")
        assert "dlv_0123456789abcdef0123" in deliveries.text

    store = Store(any_store_url, migrate=False)  # refuses unless the start upgraded it
    await store.open()
    try:
        assert (await migrate.state(store.engine)).current
        # Nothing lost or changed: every 0.1.0 row as it was (new rows may have come).
        after = await dump_v0_1_0_rows(store.engine)
        for table, rows in before.items():
            assert [row for row in rows if row not in after[table]] == [], table
        async with store.engine.connect() as conn:
            assert await conn.run_sync(schema_differences, schema.metadata) == []
        # ... and readable by today's repositories: the secrets still decrypt.
        box = SecretBox(key)
        old = await AccountRepo(store, box).get("old-account")
        assert old.imap.password.get_secret_value() == PASSWORD
        assert old.smtp.password.get_secret_value() == SMTP_PASSWORD
        assert old.smtp.oauth2.refresh_token.get_secret_value() == REFRESH_TOKEN
        async with store.engine.connect() as conn:
            stored = (await conn.execute(sa.select(schema.webhooks.c.secret))).scalar_one()
        assert box.decrypt(stored) == WEBHOOK_SECRET
        assert (await SyncStateRepo(store).load("old-account"))["INBOX"].uidnext == 43
        assert await Pop3SeenRepo(store).seen("old-account") == {"uidl-1"}
        kept = await IdempotencyRepo(store).get("old-account", "send-42")
        assert kept.outcome == "queued"
        assert await EventRepo(store).last_seq() == 2
    finally:
        await store.close()

    # The token a 0.1.0 user holds still works, with the scopes and accounts it had.
    async with running_client(app_settings(settings, any_store_url)) as client:
        headers = {"Authorization": f"Bearer {TOKEN}"}
        listed = await client.get("/v1/accounts", headers=headers)
        assert listed.status_code == 200, listed.text
        assert "old-account" in listed.text
        assert (await client.get("/v1/tokens", headers=headers)).status_code == 403


async def test_fresh_database_reaches_the_schema_of_schema_py(any_store_url: str) -> None:
    store = Store(any_store_url)
    await store.open()
    try:
        state = await migrate.state(store.engine)
        assert (state.revision, state.legacy) == (migrate.head(), False)
        async with store.engine.connect() as conn:
            differences = await conn.run_sync(schema_differences, schema.metadata)
            assert differences == [], (
                "gateway/store/schema.py differs from the newest migration; add a revision "
                "to gateway/store/migrations/versions with:\n"
                + await conn.run_sync(missing_operations, schema.metadata)
            )
    finally:
        await store.close()


async def test_baseline_revision_is_what_0_1_0_made(any_store_url: str) -> None:
    engine = Store(any_store_url).create_engine()
    try:
        await migrate.upgrade(engine, to=migrate.BASELINE)
        async with engine.connect() as conn:
            assert await conn.run_sync(schema_differences, v010.metadata) == []
            tables = set(await conn.run_sync(lambda c: sa.inspect(c).get_table_names()))
        assert tables == migrate.BASELINE_TABLES | {migrate.VERSION_TABLE}
    finally:
        await engine.dispose()


async def test_failed_upgrade_leaves_the_database_as_it_was(
    any_store_url: str, settings: Settings
) -> None:
    before = await make_v0_1_0_database(any_store_url, "k")
    engine = create_async_engine(normalise_url(any_store_url))
    async with engine.begin() as conn:  # 0002's last index cannot be made: the name is taken
        await conn.execute(sa.text("CREATE INDEX ix_audit_at ON leases (until)"))
    try:
        with pytest.raises(sa.exc.DBAPIError):
            await Store(any_store_url).open()
        state = await migrate.state(engine)
        assert (state.revision, state.legacy) == (migrate.BASELINE, True)  # not even stamped
        async with engine.connect() as conn:
            tables = set(await conn.run_sync(lambda c: sa.inspect(c).get_table_names()))
        assert tables == migrate.BASELINE_TABLES  # no send_counts, no audit_log
        assert await dump_v0_1_0_rows(engine) == before
    finally:
        await engine.dispose()


async def test_stores_opening_together_in_one_process_migrate_once(any_store_url: str) -> None:
    await make_v0_1_0_database(any_store_url, "k")
    stores = [Store(any_store_url) for _ in range(4)]
    results = await asyncio.gather(*(s.open() for s in stores), return_exceptions=True)
    try:
        assert [r for r in results if r is not None] == []
        async with stores[0].engine.connect() as conn:
            versions = (
                (await conn.execute(sa.text(f"SELECT version_num FROM {migrate.VERSION_TABLE}")))
                .scalars()
                .all()
            )
        assert versions == [migrate.head()]
    finally:
        for s in stores:
            await s.close()


async def test_instances_starting_together_on_postgresql_migrate_one_after_another(
    pg_database: str,
) -> None:
    await make_v0_1_0_database(pg_database, "k")
    engine = create_async_engine(normalise_url(pg_database))
    try:
        async with engine.connect() as holder:  # an instance in the middle of its upgrade
            await holder.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": migrate.LOCK_KEY})
            instances = [
                asyncio.create_task(_mailgate("migrate", url=pg_database)) for _ in range(4)
            ]
            waiting = 0
            async with asyncio.timeout(90):  # until all four wait for the lock
                while waiting < 4:
                    await asyncio.sleep(0.1)
                    waiting = (
                        await holder.execute(
                            sa.text(
                                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                                "AND NOT granted AND objid = :k AND database = "
                                "(SELECT oid FROM pg_database WHERE datname = current_database())"
                            ),
                            {"k": migrate.LOCK_KEY},
                        )
                    ).scalar_one()
            await holder.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": migrate.LOCK_KEY})
            await holder.commit()
        done = await asyncio.gather(*instances)
        assert [p.returncode for p in done] == [0] * 4, [p.stderr_text for p in done]
        said = sorted(p.stdout_text.split(" from ")[0] for p in done)
        assert said == [
            f"database schema already at revision {migrate.head()} (the newest)\n"
        ] * 3 + ["database schema upgraded"]
        async with engine.connect() as conn:
            versions = (
                (await conn.execute(sa.text(f"SELECT version_num FROM {migrate.VERSION_TABLE}")))
                .scalars()
                .all()
            )
        assert versions == [migrate.head()]
    finally:
        await engine.dispose()


# -- refusing, and `mailgate migrate` --------------------------------------------------------


async def test_migrate_on_start_false_refuses_a_0_1_0_database(
    any_store_url: str, settings: Settings
) -> None:
    before = await make_v0_1_0_database(any_store_url, "k")
    with pytest.raises(SchemaNotCurrent) as refused:
        async with running_client(app_settings(settings, any_store_url, migrate_on_start=False)):
            pass
    assert "made by mailgate 0.1.0" in str(refused.value)
    assert "Run `mailgate migrate`" in str(refused.value)
    engine = create_async_engine(normalise_url(any_store_url))
    try:
        assert (await migrate.state(engine)).legacy  # untouched
        assert await dump_v0_1_0_rows(engine) == before
    finally:
        await engine.dispose()


async def test_migrate_on_start_false_starts_on_a_current_database(
    any_store_url: str, settings: Settings
) -> None:
    await make_v0_1_0_database(any_store_url, settings.secret_key.get_secret_value())
    assert (await _mailgate("migrate", url=any_store_url)).returncode == 0
    async with running_client(
        app_settings(settings, any_store_url, migrate_on_start=False)
    ) as client:
        assert (await client.get("/v1/accounts/old-account")).status_code == 200


async def test_a_schema_newer_than_this_mailgate_is_refused(any_store_url: str) -> None:
    store = Store(any_store_url)
    await store.open()
    async with store.engine.begin() as conn:
        await conn.execute(sa.text(f"UPDATE {migrate.VERSION_TABLE} SET version_num = '9999'"))
    await store.close()
    with pytest.raises(SchemaNotCurrent, match="newer than this mailgate knows"):
        await Store(any_store_url).open()


async def _mailgate(*args: str, url: str, **env: str) -> Any:
    """Run the `mailgate` command line with GATEWAY_DATABASE_URL=url (and ``env``)."""
    env = {**os.environ, "GATEWAY_DATABASE_URL": url, **env}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "gateway",
        *args,
        env=env,
        cwd=Path(__file__).parents[2],
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), 120)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    proc.stdout_text, proc.stderr_text = out.decode(), err.decode()  # type: ignore[attr-defined]
    return proc


async def test_serve_refuses_an_old_database_when_migrate_on_start_is_false(
    any_store_url: str,
) -> None:
    before = await make_v0_1_0_database(any_store_url, "k")
    with socket.socket() as probe:  # a free port, in case it started after all
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    served = await _mailgate(
        "serve",
        "--port",
        str(port),
        url=any_store_url,
        GATEWAY_MIGRATE_ON_START="false",
        GATEWAY_SECRET_KEY="k",
    )
    assert served.returncode != 0
    assert "needs revision" in served.stderr_text
    assert "Run `mailgate migrate`" in served.stderr_text
    engine = create_async_engine(normalise_url(any_store_url))
    try:
        assert await dump_v0_1_0_rows(engine) == before
        assert (await migrate.state(engine)).legacy
    finally:
        await engine.dispose()


async def test_mailgate_migrate_upgrades_a_0_1_0_database(any_store_url: str) -> None:
    before = await make_v0_1_0_database(any_store_url, "k")

    current = await _mailgate("migrate", "current", url=any_store_url)
    assert current.returncode == 1
    assert "made by mailgate 0.1.0" in current.stdout_text

    sql = await _mailgate("migrate", "--sql", url=any_store_url)
    assert sql.returncode == 0, sql.stderr_text
    assert "CREATE TABLE audit_log" in sql.stdout_text
    assert "CREATE TABLE accounts" not in sql.stdout_text  # 0.1.0's tables are there

    upgraded = await _mailgate("migrate", url=any_store_url)
    assert upgraded.returncode == 0, upgraded.stderr_text
    assert upgraded.stdout_text == (
        "database schema upgraded from revision 0001 (made by "
        f"mailgate 0.1.0) to revision {migrate.head()}\n"
    )

    again = await _mailgate("migrate", url=any_store_url)
    assert "already at revision" in again.stdout_text
    current = await _mailgate("migrate", "current", url=any_store_url)
    assert current.returncode == 0
    assert "(the newest)" in current.stdout_text

    engine = create_async_engine(normalise_url(any_store_url))
    try:
        after = await dump_v0_1_0_rows(engine)
        assert after == before
        async with engine.connect() as conn:
            assert await conn.run_sync(schema_differences, schema.metadata) == []
    finally:
        await engine.dispose()


def test_migrations_ship_inside_the_package() -> None:
    # `pip install .` (the Docker image) has no repository around it: everything Alembic
    # reads must be in the gateway package, found without an alembic.ini.
    location = migrate.SCRIPT_LOCATION
    assert location.is_relative_to(Path(migrate.__file__).parents[1])
    assert (location / "env.py").is_file()
    assert (location / "versions" / "__init__.py").is_file()
