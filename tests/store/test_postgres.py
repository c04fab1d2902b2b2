"""The same gateway runs on PostgreSQL (several instances share one database)."""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator

import asyncpg
import pytest

from gateway.settings import Settings
from tests.conftest import ADMIN_TOKEN, running_client


def postgres_url() -> str:
    return os.environ.get("GATEWAY_TEST_POSTGRES_URL",
                          "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")


@pytest.fixture
async def pg_database() -> AsyncIterator[str]:
    """A fresh database, dropped afterwards; yields its SQLAlchemy URL."""
    base = postgres_url()
    dsn = base.replace("postgresql+asyncpg://", "postgresql://")
    name = "mailgate_test_" + secrets.token_hex(4)
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
        yield base.rsplit("/", 1)[0] + "/" + name
    finally:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()


async def test_two_instances_share_accounts_and_tokens(pg_database: str) -> None:
    def settings() -> Settings:
        return Settings(database_url=pg_database, admin_token=ADMIN_TOKEN,
                        secret_key="shared-key", outbox_workers=0)

    async with running_client(settings()) as one, running_client(settings()) as two:
        resp = await one.post("/v1/accounts", json={
            "id": "pg-1", "name": "PG", "email": "pg@example.test",
            "imap": {"host": "127.0.0.1", "port": 9, "security": "tls", "username": "u",
                     "password": "pw-secret"}})
        assert resp.status_code == 201, resp.text
        got = await two.get("/v1/accounts/pg-1")
        assert got.status_code == 200 and got.json()["imap"]["has_password"] is True

        token = (await two.post("/v1/tokens", json={"scopes": ["read"]})).json()["token"]
        seen = await one.get("/v1/accounts", headers={"Authorization": f"Bearer {token}"})
        assert [a["id"] for a in seen.json()["items"]] == ["pg-1"]

        # A change made through one instance is seen by the other within its cache window.
        await one.patch("/v1/accounts/pg-1", json={"name": "PG renamed"})
        services = two.app.state.services
        services.accounts._entries.clear()
        assert (await two.get("/v1/accounts/pg-1")).json()["name"] == "PG renamed"
        assert (await one.get("/readyz")).status_code == 200
