"""Gateways for the scale tests: instances in this process on one PostgreSQL, and
``mailgate serve`` subprocesses (killed with SIGKILL, or run with ``--workers``)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import httpx
from fastapi import FastAPI

from gateway.app import create_app
from gateway.settings import Settings
from gateway.sync.service import SyncService
from tests.conftest import ADMIN_TOKEN, account_spec
from tests.events.server import serving
from tests.mailstack import MailStack

ROOT = Path(__file__).resolve().parents[2]
_INFO = re.compile(r'^mailgate_instance_info\{instance="([^"]+)"\} 1\.0$', re.M)


@dataclass
class Instance:
    """A gateway of this process on a real socket (SSE needs one), with an admin client."""

    app: FastAPI
    url: str
    client: httpx.AsyncClient

    @property
    def sync(self) -> SyncService:
        return self.app.state.services.sync

    @property
    def watched(self) -> set[str]:
        return set(self.sync.watched)


@contextlib.asynccontextmanager
async def instance(settings: Settings) -> AsyncIterator[Instance]:
    app = create_app(settings)
    async with (
        serving(app) as url,
        httpx.AsyncClient(
            base_url=url, timeout=30, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}
        ) as client,
    ):
        yield Instance(app, url, client)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def gateway_env(database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a ``mailgate serve`` subprocess (none of ours GATEWAY_ leaks)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    env.update(
        {
            "GATEWAY_DATABASE_URL": database_url,
            "GATEWAY_ADMIN_TOKEN": ADMIN_TOKEN,
            "GATEWAY_SECRET_KEY": "scale-key",
            "GATEWAY_LOG_LEVEL": "info",
            "GATEWAY_WEBHOOK_ALLOW_PRIVATE": "true",
            "GATEWAY_WATCH_POLL_INTERVAL": "1",
            "GATEWAY_OUTBOX_POLL_INTERVAL": "0.2",
            **extra,
        }
    )
    return env


def _spawn(env: dict[str, str], port: int, log: Path, args: tuple[str, ...]) -> subprocess.Popen:
    with open(log, "ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "gateway", "serve", "--port", str(port), *args],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )


def _tail(log: Path) -> str:
    return log.read_text()[-3000:]


@contextlib.asynccontextmanager
async def gateway_process(
    env: dict[str, str], port: int, log: Path, *args: str
) -> AsyncIterator[subprocess.Popen]:
    """``mailgate serve --port PORT ARGS`` once it answers /healthz; stopped (SIGTERM) at the
    end unless the test killed it."""
    proc = _spawn(env, port, log, args)
    try:
        deadline = time.monotonic() + 60
        async with httpx.AsyncClient() as client:
            while True:
                assert proc.poll() is None, _tail(log)
                assert time.monotonic() < deadline, _tail(log)
                with contextlib.suppress(httpx.TransportError):
                    if (await client.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200:
                        break
                await asyncio.sleep(0.1)
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.to_thread(proc.wait, 30)
            except subprocess.TimeoutExpired:
                proc.kill()
                await asyncio.to_thread(proc.wait, 10)


async def add_accounts(
    client: httpx.AsyncClient,
    stack: MailStack,
    count: int,
    *,
    protocols: tuple[str, ...] = ("imap",),
    prefix: str = "sc",
) -> dict[str, str]:
    """``count`` fresh mail users as accounts; account id -> address."""
    out = {}
    for _ in range(count):
        user = stack.new_user(prefix)
        resp = await client.post(
            "/v1/accounts", json=account_spec(stack, user, protocols=protocols)
        )
        assert resp.status_code == 201, resp.text
        out[resp.json()["id"]] = user
    return out


def mail(to: str, subject: str) -> tuple[str, bytes]:
    """A message to ``to``: (its Message-ID, its bytes)."""
    msg = EmailMessage()
    msg["From"] = "Sender <sender@example.test>"
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain="scale.test")
    msg.set_content("hello\n")
    return msg["Message-ID"], bytes(msg)


async def instance_of(client: httpx.AsyncClient) -> str:
    """Which instance answers on the client's (kept-alive) connection."""
    text = (await client.get("/metrics")).text
    found = _INFO.search(text)
    assert found, text[:2000]
    return found.group(1)


async def metric(client: httpx.AsyncClient, name: str) -> float:
    text = (await client.get("/metrics")).text
    found = re.search(rf"^{re.escape(name)} ([0-9.e+-]+)$", text, re.M)
    assert found, f"{name} not in /metrics"
    return float(found.group(1))


@contextlib.asynccontextmanager
async def client_on(url: str, identity: str) -> AsyncIterator[httpx.AsyncClient]:
    """An admin client whose one kept-alive connection is served by the worker ``identity``
    of ``mailgate serve --workers`` (connections are dealt to workers by the kernel: new
    ones are made until one lands there). Use it at once: an idle connection is closed
    after uvicorn's keep-alive time (5 s)."""
    for _ in range(100):
        client = httpx.AsyncClient(
            base_url=url,
            timeout=60,
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
            limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
        )
        if await instance_of(client) == identity:
            try:
                yield client
            finally:
                await client.aclose()
            return
        await client.aclose()
    raise AssertionError(f"no connection reached worker {identity}")
