"""Events benchmark: latency from the SMTP server's 250 to the webhook POST and the SSE event.

Run by hand (not in CI), from the repository root:

    .venv/bin/python bench/events.py [--messages 100]

Starts a private Dovecot + Postfix (tests/mailstack.py) and the gateway as a real
server (``python -m gateway serve``: uvicorn, uvloop, httptools, SQLite), creates an
account (IMAP watched with IDLE), a webhook pointing at a receiver in this process,
and opens ``GET /v1/events`` (SSE). Then, one message at a time, it sends a message
through Postfix (submission, STARTTLS, AUTH; the clock starts when DATA's 250 arrives)
and records when

- the webhook POST carrying its ``message.new`` arrives (body complete),
- the SSE ``message.new`` event arrives,
- the raw protocol floor: a plain IMAP client of its own, in IDLE on the same INBOX,
  gets ``* n EXISTS`` (measured in the same run, same messages).

Dovecot waits ~500 ms before telling IDLE clients (a constant in its source), so the
raw figure is the floor; the target is p95 <= 700 ms, i.e. the gateway adding < 200 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import secrets
import smtplib
import socket
import ssl
import statistics
import subprocess
import sys
import time
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from gateway.protocols.imap import ImapSession  # noqa: E402
from tests.mailstack import MailStack, make_stack_dir, start_mailstack  # noqa: E402

ADMIN = "bench-admin-" + secrets.token_hex(8)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gateway(stack_dir: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {
        **os.environ,
        "GATEWAY_ADMIN_TOKEN": ADMIN,
        "GATEWAY_SECRET_KEY": "bench",
        "GATEWAY_DATABASE_URL": f"sqlite+aiosqlite:///{stack_dir}/events-bench.db",
        "GATEWAY_PORT": str(port),
        "GATEWAY_LOG_LEVEL": "warning",
        "GATEWAY_WEBHOOK_ALLOW_PRIVATE": "true",
        "GATEWAY_OUTBOX_WORKERS": "0",
    }
    gateway = subprocess.Popen([sys.executable, "-m", "gateway", "serve"], cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    for _ in range(400):
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                return gateway, base
        time.sleep(0.05)
    gateway.terminate()
    raise RuntimeError("the gateway did not start")


class Arrivals:
    """Arrival times (time.monotonic) per message subject, for one channel."""

    def __init__(self) -> None:
        self.at: dict[str, float] = {}
        self.changed = asyncio.Event()

    def record(self, subject: str) -> None:
        self.at.setdefault(subject, time.monotonic())
        self.changed.set()

    async def wait(self, subject: str, within: float = 10.0) -> float:
        async with asyncio.timeout(within):
            while subject not in self.at:
                self.changed.clear()
                await self.changed.wait()
        return self.at[subject]


async def webhook_receiver(arrivals: Arrivals) -> tuple[asyncio.Server, str]:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                body = json.loads(await reader.readexactly(length))
                if body["type"] == "message.new":
                    arrivals.record(body["data"]["subject"])
                writer.write(b"HTTP/1.1 204 No Content\r\n\r\n")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    return server, f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/hook"


async def sse_reader(base: str, account: str, arrivals: Arrivals, connected: asyncio.Event) -> None:
    headers = {"Authorization": f"Bearer {ADMIN}"}
    async with (
        httpx.AsyncClient(base_url=base, headers=headers, timeout=None) as client,
        client.stream(
            "GET", "/v1/events", params={"account": account, "types": "message.new"}
        ) as resp,
    ):
        async for line in resp.aiter_lines():
            if line.startswith(": connected"):
                connected.set()
            elif line.startswith("data: "):
                arrivals.record(json.loads(line[6:])["data"]["subject"])


async def raw_idle(
    stack: MailStack, user: str, arrivals: Arrivals, ready: asyncio.Event, subjects: list[str]
) -> None:
    """The floor: our own IMAP session in IDLE; EXISTS n means message n arrived."""
    ctx = ssl.create_default_context(cafile=str(stack.cert))
    async with ImapSession(stack.host, stack.imap, security="starttls", ssl_context=ctx) as s:
        await s.login(user, stack.password)
        await s.select("INBOX", readonly=True)
        await s.idle_start()
        ready.set()
        while True:
            push = await s.pushed.get()
            if push.kind == b"EXISTS" and push.number:
                for n in range(1, push.number + 1):
                    if n <= len(subjects):
                        arrivals.record(subjects[n - 1])


def smtp_sender(stack: MailStack, user: str):
    smtp = smtplib.SMTP(stack.host, stack.submission, timeout=30)
    smtp.starttls(context=stack.ssl_context())
    smtp.login(user, stack.password)
    return smtp


def send_one(smtp: smtplib.SMTP, user: str, subject: str) -> float:
    msg = EmailMessage()
    msg["From"] = user
    msg["To"] = user
    msg["Subject"] = subject
    msg.set_content("latency probe\n")
    smtp.send_message(msg)  # returns once DATA got its 250
    return time.monotonic()


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


async def run(args: argparse.Namespace, stack: MailStack, base: str) -> None:
    user = stack.new_user("evbench")
    account = user.split("@")[0]
    headers = {"Authorization": f"Bearer {ADMIN}"}
    webhook, sse, raw = Arrivals(), Arrivals(), Arrivals()
    subjects = [f"probe {i} {secrets.token_hex(3)}" for i in range(args.messages)]
    server, hook_url = await webhook_receiver(webhook)
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as client:
        spec = {
            "id": account,
            "name": "bench",
            "email": user,
            "imap": {
                "host": stack.host,
                "port": stack.imap,
                "security": "starttls",
                "username": user,
                "password": stack.password,
                "ca_file": str(stack.cert),
            },
        }
        resp = await client.post("/v1/accounts", json=spec)
        resp.raise_for_status()
        resp = await client.post("/v1/webhooks", json={"url": hook_url, "events": ["message.new"]})
        resp.raise_for_status()
    sse_up, raw_up = asyncio.Event(), asyncio.Event()
    tasks = [
        asyncio.create_task(sse_reader(base, account, sse, sse_up)),
        asyncio.create_task(raw_idle(stack, user, raw, raw_up, subjects)),
    ]
    await asyncio.wait_for(asyncio.gather(sse_up.wait(), raw_up.wait()), 20)
    await asyncio.sleep(3)  # the watcher's first look (baseline) and its IDLE
    smtp = await asyncio.to_thread(smtp_sender, stack, user)
    lat: dict[str, list[float]] = {"webhook": [], "sse": [], "raw": []}
    try:
        for subject in subjects:
            t250 = await asyncio.to_thread(send_one, smtp, user, subject)
            for name, arrivals in (("raw", raw), ("sse", sse), ("webhook", webhook)):
                lat[name].append((await arrivals.wait(subject)) - t250)
            await asyncio.sleep(0.05)
    finally:
        smtp.quit()
        for task in tasks:
            task.cancel()
        server.close()
    print_table(lat, args.messages)


def print_table(lat: dict[str, list[float]], count: int) -> None:
    raw50, raw95 = pct(lat["raw"], 50) * 1000, pct(lat["raw"], 95) * 1000
    print(f"\nLatency from SMTP 250 to arrival, {count} messages, one at a time (ms)\n")
    print(f"| {'path':<34} | {'p50':>7} | {'p95':>7} | {'p50/raw':>7} | {'p95/raw':>7} |")
    print(f"|{'-' * 36}|{'-' * 9}|{'-' * 9}|{'-' * 9}|{'-' * 9}|")
    for name, label in (
        ("webhook", "gateway: webhook POST received"),
        ("sse", "gateway: SSE event received"),
        ("raw", "raw: IMAP IDLE * EXISTS (floor)"),
    ):
        p50, p95 = pct(lat[name], 50) * 1000, pct(lat[name], 95) * 1000
        print(
            f"| {label:<34} | {p50:7.1f} | {p95:7.1f} | {p50 / raw50:7.2f} | {p95 / raw95:7.2f} |"
        )
    over = [(w - r) * 1000 for w, r in zip(lat["webhook"], lat["raw"], strict=True)]
    print(
        f"\ngateway overhead over raw IDLE (webhook), per message: "
        f"p50 {pct(over, 50):.1f} ms, p95 {pct(over, 95):.1f} ms, "
        f"mean {statistics.mean(over):.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=100)
    args = parser.parse_args()
    stack_dir = make_stack_dir("events-bench-")
    stack = start_mailstack(stack_dir)
    gateway = None
    try:
        gateway, base = start_gateway(stack_dir)
        asyncio.run(run(args, stack, base))
    finally:
        if gateway is not None:
            gateway.terminate()
            gateway.wait(10)
        stack.stop()


if __name__ == "__main__":
    main()
