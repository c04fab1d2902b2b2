"""A gateway killed without releasing its watch leases and started again on the same store
watches at once: it takes back its own leases instead of waiting for them to run out.

``mailgate serve`` runs as a subprocess (no GATEWAY_INSTANCE_ID: the identity is derived
from the host name and the listening address) and is killed with SIGKILL.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx

from tests.conftest import ADMIN_TOKEN, account_spec
from tests.events.receiver import receiver
from tests.mailstack import MailStack
from tests.sync.helpers import message
from tests.waiting import quiet_for

ROOT = Path(__file__).resolve().parents[2]
WITHIN = 15.0  # seconds; the watch lease is left at its default of 60 s


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _spawn(env: dict[str, str], port: int, log: Path) -> subprocess.Popen:
    with open(log, "ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "gateway", "serve", "--port", str(port)],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )


def _tail(log: Path) -> str:
    return log.read_text()[-3000:]


async def _serve(env: dict[str, str], port: int, log: Path) -> subprocess.Popen:
    """``mailgate serve`` on ``port``, once it answers /healthz."""
    proc = _spawn(env, port, log)
    deadline = time.monotonic() + 30
    async with httpx.AsyncClient() as client:
        while True:
            assert proc.poll() is None, _tail(log)
            assert time.monotonic() < deadline, _tail(log)
            try:
                if (await client.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200:
                    return proc
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.05)


def _new_mail(subject: str):
    return lambda reqs: any(
        r.json()["type"] == "message.new" and r.json()["data"]["subject"] == subject for r in reqs
    )


async def test_a_killed_gateway_restarted_on_its_store_watches_at_once(
    any_store_url: str, dovecot: MailStack, tmp_path: Path
) -> None:
    mailstack = dovecot  # leases do not depend on the IMAP server: one is enough
    port = _free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("GATEWAY_") or k == "GATEWAY_TEST_POSTGRES_URL"
    }
    env.update(
        {
            "GATEWAY_DATABASE_URL": any_store_url,
            "GATEWAY_ADMIN_TOKEN": ADMIN_TOKEN,
            "GATEWAY_SECRET_KEY": "restart-test-key",
            "GATEWAY_LOG_LEVEL": "info",
            "GATEWAY_WEBHOOK_ALLOW_PRIVATE": "true",
        }
    )
    log = tmp_path / "gateway.log"
    user = mailstack.new_user("rs")
    procs: list[subprocess.Popen] = []
    try:
        async with (
            receiver() as rec,
            httpx.AsyncClient(
                base_url=f"http://127.0.0.1:{port}",
                timeout=30,
                headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
            ) as client,
        ):
            procs.append(await _serve(env, port, log))
            resp = await client.post(
                "/v1/accounts", json=account_spec(mailstack, user, protocols=("imap",))
            )
            assert resp.status_code == 201, resp.text
            resp = await client.post(
                "/v1/webhooks",
                json={"url": rec.url, "events": ["message.new", "account.connected"]},
            )
            assert resp.status_code == 201, resp.text
            await rec.wait_until(
                lambda reqs: any(
                    r.json()["type"] == "account.connected"
                    and r.json()["data"].get("source") == "watcher"
                    for r in reqs
                ),
                within=30,
            )
            await asyncio.to_thread(mailstack.deliver, user, bytes(message(user, "before")))
            await rec.wait_until(_new_mail("before"), within=20)

            procs[0].send_signal(signal.SIGKILL)  # a crash: nothing is released
            await asyncio.to_thread(procs[0].wait, 15)
            procs.append(await _serve(env, port, log))
            delivered = time.monotonic()
            await asyncio.to_thread(mailstack.deliver, user, bytes(message(user, "after")))
            try:
                await rec.wait_until(_new_mail("after"), within=WITHIN)
            except TimeoutError:
                raise AssertionError(
                    f"no event within {WITHIN:g} s of the restart:\n" + _tail(log)
                ) from None
            assert time.monotonic() - delivered < WITHIN
            await quiet_for()  # nothing reported twice meanwhile
        subjects = Counter(
            r.json()["data"]["subject"] for r in rec.requests if r.json()["type"] == "message.new"
        )
        assert subjects == {"before": 1, "after": 1}
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()
                await asyncio.to_thread(proc.wait, 15)
