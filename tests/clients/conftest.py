"""The generated clients (clients/) against a live gateway: their tools, and a gateway on a
real socket with an account on the session's Dovecot + Postfix and a token for it."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import os
import subprocess
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from gateway.app import create_app
from gateway.settings import Settings
from tests.conftest import ADMIN_TOKEN, account_spec
from tests.events.server import serving
from tests.mailstack import MailStack
from tests.openapi_contract import ResponseContract

ROOT = Path(__file__).resolve().parents[2]
CLIENT_PYTHON = ROOT / ".venv-clients" / "bin" / "python"  # the client package is installed there


@contextlib.contextmanager
def _one_at_a_time() -> Iterator[None]:
    """The test processes (pytest-xdist) share the checkout: one installs or builds at a
    time, the others then find it done."""
    with open("/tmp/mailgate-clients.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


@pytest.fixture(scope="session")
def client_tools() -> None:
    """The pinned generators, the Python client package and the TypeScript toolchain
    (scripts/clients.sh: a virtualenv and `npm ci`, once per machine)."""
    with _one_at_a_time():
        subprocess.run(["bash", "scripts/clients.sh", "tools"], cwd=ROOT, check=True, timeout=600)


@pytest.fixture(scope="session")
def typescript_build(client_tools: None) -> Path:
    """The TypeScript client and its examples compiled (tsc) into clients/typescript/dist."""
    with _one_at_a_time():
        subprocess.run(
            ["bash", "scripts/clients.sh", "build-ts"], cwd=ROOT, check=True, timeout=300
        )
    return ROOT / "clients" / "typescript" / "dist"


@dataclass
class LiveGateway:
    url: str
    token: str  # an app token: read, send and write, this account only
    account: str
    admin: httpx.AsyncClient

    def env(self) -> dict[str, str]:
        """What the examples read: where, who, as whom."""
        return {
            **os.environ,
            "MAILGATE_URL": self.url,
            "MAILGATE_TOKEN": self.token,
            "MAILGATE_ACCOUNT": self.account,
        }

    async def run_json(self, *argv: str | Path) -> dict:
        """Run an example (the gateway keeps serving meanwhile, for 90 s at most); the JSON
        it printed last."""
        proc = await asyncio.create_subprocess_exec(
            *map(str, argv),
            cwd=ROOT,
            env=self.env(),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            async with asyncio.timeout(90):
                out, err = await proc.communicate()
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
        assert proc.returncode == 0, f"{argv} exited {proc.returncode}:\n{err.decode()}"
        return json.loads(out.decode().strip().splitlines()[-1])


@pytest.fixture
async def live_gateway(settings: Settings, dovecot: MailStack) -> AsyncIterator[LiveGateway]:
    settings = settings.model_copy(update={"sse_heartbeat": 1.0})
    app = create_app(settings)
    async with (
        serving(app) as url,
        httpx.AsyncClient(
            base_url=url,
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
            timeout=30,
            event_hooks={"response": [ResponseContract(app)]},
        ) as admin,
    ):
        user = dovecot.new_user("client")
        created = await admin.post("/v1/accounts", json=account_spec(dovecot, user))
        assert created.status_code == 201, created.text
        account = created.json()["id"]
        token = await admin.post(
            "/v1/tokens",
            json={
                "description": "client example",
                "scopes": ["read", "send", "write"],
                "accounts": [account],
            },
        )
        assert token.status_code == 201, token.text
        # Mail that arrives from now on is news (the watcher took its first look).
        async with asyncio.timeout(20):
            await app.state.services.sync.wait_ready(account)
        yield LiveGateway(url, token.json()["token"], account, admin)
