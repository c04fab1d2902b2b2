"""A gateway on a real socket for the ``mailgate`` commands, and a way to run them in-process.

The gateway runs in a thread with its own event loop, so that the commands (synchronous, as a
shell runs them) can be called straight from the tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import secrets
import socket
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn

from gateway.app import create_app
from gateway.cli import main
from gateway.settings import Settings
from tests.conftest import ADMIN_TOKEN, account_spec
from tests.mailstack import MailStack

MAILGATE = Path(sys.executable).parent / "mailgate"  # the installed command


def free_port() -> int:
    """A loopback port nothing listens on (just now)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Run:
    """What one ``mailgate`` command did."""

    code: int
    out: str
    err: str

    def json(self):
        return json.loads(self.out)


@dataclass
class LiveGateway:
    url: str
    stack: MailStack

    def http(self, token: str = ADMIN_TOKEN) -> httpx.Client:
        return httpx.Client(
            base_url=self.url, timeout=30, headers={"Authorization": f"Bearer {token}"}
        )

    def add_account(self, *, protocols=("imap", "smtp", "pop3"), **extra) -> dict:
        """A fresh mail user, configured as an account (through the API, not the CLI)."""
        user = self.stack.new_user("cli")
        with self.http() as http:
            resp = http.post(
                "/v1/accounts", json=account_spec(self.stack, user, protocols=protocols, **extra)
            )
        assert resp.status_code == 201, resp.text
        return resp.json()


def cli_settings(directory: Path) -> Settings:
    return Settings(
        database_url=f"sqlite+aiosqlite:///{directory / 'gateway.db'}",
        admin_token=ADMIN_TOKEN,
        secret_key="test-secret-key",
        connect_timeout=5,
        command_timeout=10,
        outbox_poll_interval=0.1,
        outbox_retry_base_delay=0.5,
        outbox_retry_max_delay=2,
        sse_heartbeat=0.5,
        watch_poll_interval=1.0,
        pop3_poll_interval=0.5,
        token_cache_seconds=1.0,
        instance_id="cli-" + secrets.token_hex(3),
    )


@contextlib.contextmanager
def serving_in_thread(settings: Settings, port: int = 0) -> Iterator[str]:
    """The gateway (lifespan included) on a loopback port, served by uvicorn in a thread of
    its own; yields its base URL."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a restart takes the port back
    sock.bind(("127.0.0.1", port))
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings), lifespan="on", log_level="warning", timeout_graceful_shutdown=1
        )
    )
    thread = threading.Thread(
        target=lambda: asyncio.run(server.serve(sockets=[sock])), name="cli-gateway", daemon=True
    )
    thread.start()
    try:
        for _ in range(400):
            if server.started or not thread.is_alive():
                break
            threading.Event().wait(0.05)
        assert server.started, "the gateway did not start"
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(15)
        sock.close()
    assert not thread.is_alive(), "the gateway did not stop"


@pytest.fixture(scope="package")
def gateway(dovecot: MailStack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveGateway]:
    """One gateway for the CLI tests, on the session's Dovecot and Postfix (each test makes
    its own mail users and accounts)."""
    with serving_in_thread(cli_settings(tmp_path_factory.mktemp("cli-gateway"))) as url:
        yield LiveGateway(url=url, stack=dovecot)


Mailgate = Callable[..., Run]


@pytest.fixture
def mailgate(gateway: LiveGateway, monkeypatch: pytest.MonkeyPatch) -> Mailgate:
    """``mailgate(*argv, stdin=...)``: the command run in-process, pointed at the gateway by
    MAILGATE_URL and MAILGATE_TOKEN (the admin token), as an operator's shell would."""
    monkeypatch.setenv("MAILGATE_URL", gateway.url)
    monkeypatch.setenv("MAILGATE_TOKEN", ADMIN_TOKEN)

    def run(*argv: str, stdin: str | bytes | None = None) -> Run:
        if stdin is not None:
            data = stdin.encode() if isinstance(stdin, str) else stdin
            monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
        out, err = io.StringIO(), io.StringIO()
        code = main(list(argv), stdout=out, stderr=err)
        return Run(code, out.getvalue(), err.getvalue())

    return run


@pytest.fixture
def account(gateway: LiveGateway) -> dict:
    """A fresh account with IMAP, SMTP and POP3 on the session's Dovecot and Postfix."""
    return gateway.add_account()
