"""Shared fixtures: one real Dovecot + Postfix per test session, a fresh app per test."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from gateway.app import create_app
from gateway.settings import Settings
from gateway.store.db import Store

from .openapi_contract import ResponseContract

if TYPE_CHECKING:
    from .cyrusstack import CyrusStack
    from .mailstack import MailStack

ADMIN_TOKEN = "test-admin-" + secrets.token_hex(8)


@contextlib.contextmanager
def throwaway_mailstack(prefix: str) -> Iterator[MailStack]:
    """Start a Dovecot + Postfix pair in a fresh directory; stop and remove it afterwards."""
    from .mailstack import make_stack_dir, start_mailstack

    directory = make_stack_dir(prefix)
    stack = start_mailstack(directory)
    try:
        yield stack
    finally:
        stack.stop()
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="session")
def dovecot() -> Iterator[MailStack]:
    """A real Dovecot (IMAP, POP3, LMTP) and Postfix on 127.0.0.1, for the whole session."""
    with throwaway_mailstack("mailgate-tests-") as stack:
        yield stack


@pytest.fixture(scope="session")
def mailstack(dovecot: MailStack) -> MailStack:
    """The session's Dovecot + Postfix. The IMAP, POP3 and event test directories override
    it with ``imap_server`` (each server in turn); ``dovecot`` is always Dovecot."""
    return dovecot


@pytest.fixture(scope="session")
def cyrus(dovecot: MailStack) -> Iterator[CyrusStack]:
    """A real Cyrus IMAP 3.6 (IMAP, POP3, LMTP) beside the session's Dovecot, same CA."""
    from .cyrusstack import remove, start_cyrus

    stack = start_cyrus(dovecot)
    try:
        yield stack
    finally:
        remove(stack)


@pytest.fixture(params=["dovecot", "cyrus"])
def imap_server(request: pytest.FixtureRequest, dovecot: MailStack) -> MailStack:
    """Each IMAP/POP3 server of the test matrix in turn (``.server`` says which)."""
    if request.param == "dovecot":
        return dovecot
    return request.getfixturevalue("cyrus")


@pytest.fixture(scope="module")
def private_stack(request: pytest.FixtureRequest) -> Iterator[MailStack]:
    """A mail stack of one test module alone, for tests that stop, kill or break servers."""
    with throwaway_mailstack(f"mailgate-{request.module.__name__.rsplit('.', 1)[-1]}-") as stack:
        yield stack


@pytest.fixture
async def pg_database() -> AsyncIterator[str]:
    """A fresh PostgreSQL database (dropped afterwards); yields its SQLAlchemy URL.

    The server comes from GATEWAY_TEST_POSTGRES_URL (`make test` sets it, starting a private
    PostgreSQL when none runs on 127.0.0.1:5432).
    """
    import asyncpg

    base = os.environ.get(
        "GATEWAY_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
    )
    name = "mailgate_test_" + secrets.token_hex(4)
    conn = await asyncpg.connect(base.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
        yield base.rsplit("/", 1)[0] + "/" + name
    finally:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A SQLite file, then a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'store.db'}"
    return request.getfixturevalue("pg_database")


@pytest.fixture
async def any_store(any_store_url: str) -> AsyncIterator[Store]:
    """An open store on each of the two databases."""
    store = Store(any_store_url)
    await store.open()
    try:
        yield store
    finally:
        await store.close()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings of a fresh gateway: its own SQLite file, short timeouts."""
    return Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'gateway.db'}",
        admin_token=ADMIN_TOKEN,
        secret_key="test-secret-key",
        connect_timeout=5,
        command_timeout=10,
        max_request_bytes=2 * 1024 * 1024,
        outbox_retry_base_delay=0.5,
        outbox_retry_max_delay=2,
        outbox_poll_interval=0.1,
        instance_id="test-" + secrets.token_hex(3),
    )


@contextlib.asynccontextmanager
async def running_client(settings: Settings, **app_options) -> AsyncIterator[httpx.AsyncClient]:
    """An app with its lifespan running, and an admin client talking to it in-process
    (every JSON answer checked against ``app.openapi()``: tests/openapi_contract.py).

    ``app_options`` go to ``create_app`` (e.g. ``webhook_resolver``).
    """
    app = create_app(settings, **app_options)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport,
            base_url="http://gateway.test",
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
            timeout=60,
            event_hooks={"response": [ResponseContract(app)]},
        ) as client:
            client.app = app  # type: ignore[attr-defined]
            yield client


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with running_client(settings) as c:
        yield c


def server_block(
    stack: MailStack,
    user: str,
    protocol: str,
    *,
    security: str = "starttls",
    password: str | None = None,
) -> dict:
    """An account's server block pointing at the test mail stack (TLS verified with its CA)."""
    ports = {
        ("imap", "starttls"): stack.imap,
        ("imap", "none"): stack.imap,
        ("imap", "tls"): stack.imaps,
        ("pop3", "starttls"): stack.pop3,
        ("pop3", "none"): stack.pop3,
        ("pop3", "tls"): stack.pop3s,
        ("smtp", "starttls"): stack.submission,
        ("smtp", "none"): stack.submission,
        ("smtp", "tls"): stack.smtps,
    }
    return {
        "host": stack.host,
        "port": ports[(protocol, security)],
        "security": security,
        "username": user,
        "password": password or stack.password,
        "ca_file": str(stack.cert),
    }


def account_spec(
    stack: MailStack,
    user: str,
    *,
    protocols=("imap", "smtp", "pop3"),
    security: str = "starttls",
    **extra,
) -> dict:
    spec = {"id": user.split("@")[0], "name": f"Test {user}", "email": user, **extra}
    for proto in protocols:
        spec[proto] = server_block(stack, user, proto, security=security)
    return spec


@pytest.fixture
async def account(client: httpx.AsyncClient, mailstack: MailStack) -> dict:
    """A fresh mail user with IMAP, SMTP and POP3 configured in the gateway; its JSON."""
    user = mailstack.new_user("t")
    resp = await client.post("/v1/accounts", json=account_spec(mailstack, user))
    assert resp.status_code == 201, resp.text
    return resp.json()


def pytest_report_header(config) -> str:
    return f"CI={os.environ.get('CI', '')}"
