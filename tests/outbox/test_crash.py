"""Nothing lost, nothing twice: SIGKILL the gateway while its outbox is sending.

A real gateway process (uvicorn) on a private mail stack; 200 queued messages; the
process is killed with SIGKILL mid-way, started again on the same database, and the
recipient's mailbox must then hold each of the 200 Message-IDs exactly once.
"""

from __future__ import annotations

import asyncio
import email
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from email import policy
from pathlib import Path

import httpx

from tests.conftest import ADMIN_TOKEN, account_spec
from tests.mailstack import MailStack

from .conftest import maildir_messages, settle

TOTAL = 200


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_gateway(db: Path, port: int, log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "GATEWAY_DATABASE_URL": f"sqlite+aiosqlite:///{db}",
        "GATEWAY_ADMIN_TOKEN": ADMIN_TOKEN,
        "GATEWAY_SECRET_KEY": "crash-test-key",
        "GATEWAY_OUTBOX_WORKERS": "4",
        "GATEWAY_OUTBOX_LEASE_SECONDS": "2",
        "GATEWAY_OUTBOX_POLL_INTERVAL": "0.1",
        "GATEWAY_OUTBOX_RETRY_BASE_DELAY": "0.5",
        "GATEWAY_OUTBOX_RETRY_MAX_DELAY": "2",
        "GATEWAY_LOG_LEVEL": "warning",
        "GATEWAY_WATCH_ENABLED": "false",
    }
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gateway", "serve", "--port", str(port)],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=Path(__file__).resolve().parents[2],
        )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    proc.kill()
    raise AssertionError(f"gateway did not start:\n{log.read_text()[-3000:]}")


async def test_sigkill_while_sending_loses_nothing_and_sends_nothing_twice(
    private_stack: MailStack, tmp_path: Path
) -> None:
    stack = private_stack
    db, log = tmp_path / "gateway.db", tmp_path / "gateway.log"
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    proc = _start_gateway(db, port, log)
    try:
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as client:
            user = stack.new_user("crash")
            assert (
                await client.post("/v1/accounts", json=account_spec(stack, user))
            ).status_code == 201
            account_id = user.split("@")[0]
            rcpt = stack.new_user("inbox")
            due = (datetime.now(UTC) + timedelta(seconds=3)).isoformat()

            async def enqueue(i: int) -> str:
                resp = await client.post(
                    f"/v1/accounts/{account_id}/send",
                    json={
                        "to": [rcpt],
                        "subject": f"crash test {i}",
                        "text": f"message {i}",
                        "send_at": due,
                        "save_to_sent": False,
                    },
                )
                assert resp.status_code == 202, resp.text
                return resp.json()["message_id"]

            ids: list[str] = []
            for start in range(0, TOTAL, 20):
                ids += await asyncio.gather(*(enqueue(i) for i in range(start, start + 20)))
        assert len(set(ids)) == TOTAL

        # Kill it while the worker is busy: some delivered, most not yet.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if stack.maildir_count(rcpt) >= 25:
                break
            await asyncio.sleep(0.002)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        at_kill = stack.maildir_count(rcpt)
        assert 0 < at_kill < TOTAL, f"{at_kill} delivered when killed: the kill came too late"

        proc = _start_gateway(db, port, log)
        await settle(stack, rcpt, quiet=3.0, within=60)
        counts = Counter(m["Message-ID"] for m in map(_headers, maildir_messages(stack, rcpt)))
        twice = {mid: n for mid, n in counts.items() if n > 1}
        assert not twice, f"sent twice: {twice}"
        assert set(counts) == set(ids), f"lost: {len(set(ids) - set(counts))}"

        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as client:
            items, cursor = [], None
            while True:
                page = (
                    await client.get(
                        "/v1/outbox",
                        params={
                            "account": account_id,
                            "limit": 500,
                            **({"cursor": cursor} if cursor else {}),
                        },
                    )
                ).json()
                items += page["items"]
                cursor = page["next_cursor"]
                if not cursor:
                    break
        assert len(items) == TOTAL
        assert Counter(i["status"] for i in items) == {"sent": TOTAL}
    finally:
        proc.kill()
        proc.wait(10)


def _headers(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw.split(b"\n\n", 1)[0] + b"\n\n", policy=policy.default)
