"""Sending benchmark: POST /send (sync) against aiosmtplib straight to Postfix, same run.

Run by hand (not in CI), from the repository root:

    .venv/bin/python bench/send.py [--messages 1000] [--drain 1000]

Starts a private Postfix + Dovecot (tests/mailstack.py) and the gateway as a real
server (``python -m gateway serve``: uvicorn with uvloop and httptools, SQLite store),
then measures, each row next to the raw-SMTP figure of this run (aiosmtplib on warm
authenticated STARTTLS connections to the same submission port, sending the same
messages built in advance):

- messages/s through POST /send, mode=sync, save_to_sent=false, 1 client and
  8 concurrent clients (each its own keep-alive connection, a minimal HTTP/1.1 client:
  see ``LeanHttp``), against raw SMTP with 1 and 8 connections
  (target with 8: gateway/raw >= 0.7)
- the same with save_to_sent=true (an IMAP APPEND to Sent per message)
- queue mode: time until 1,000 queued messages are all sent (202 to "sent")

Between phases it waits until Postfix has delivered everything, so one phase's
background delivery does not slow the next.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiosmtplib  # noqa: E402
import httpx  # noqa: E402
import uvloop  # noqa: E402

from bench.leanhttp import LeanHttp  # noqa: E402
from gateway.model.messages import Address, Draft  # noqa: E402
from gateway.protocols.mime.build import build_message  # noqa: E402
from gateway.protocols.tls import client_ssl_context  # noqa: E402
from tests.mailstack import MailStack, make_stack_dir, start_mailstack  # noqa: E402

ADMIN = "bench-admin-" + secrets.token_hex(8)
TEXT = "Hello,\n\nthis is a benchmark message of a typical size.\n" + "lorem ipsum " * 80 + "\n"


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_cpu() -> float:
    """CPU seconds all processes of the machine used so far (every core; /proc/stat)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    busy = sum(fields[:8]) - fields[3] - fields[4]  # all but idle and iowait
    return busy / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gateway(workdir: Path, port: int, **env_extra: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "GATEWAY_DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'gateway.db'}",
        "GATEWAY_ADMIN_TOKEN": ADMIN,
        "GATEWAY_SECRET_KEY": "bench-key",
        "GATEWAY_LOG_LEVEL": "warning",
        "GATEWAY_WATCH_ENABLED": "false",
        "GATEWAY_SMTP_POOL_SIZE": "8",
        "GATEWAY_OUTBOX_WORKERS": "8",
        "GATEWAY_OUTBOX_POLL_INTERVAL": "0.2",
        **env_extra,
    }
    log = open(workdir / "gateway.log", "ab")  # noqa: SIM115 - lives as long as the process
    proc = subprocess.Popen(
        [sys.executable, "-m", "gateway", "serve", "--port", str(port)],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=ROOT,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the gateway did not start; see " + str(workdir / "gateway.log"))


async def wait_delivered(stack: MailStack, user: str, count: int, within: float = 300) -> None:
    deadline = time.monotonic() + within
    while stack.maildir_count(user) < count:
        if time.monotonic() > deadline:
            raise SystemExit(f"only {stack.maildir_count(user)} of {count} arrived for {user}")
        await asyncio.sleep(0.1)


async def run_concurrently(total: int, concurrency: int, one) -> float:  # noqa: ANN001
    """Run ``one(i)`` for i in range(total) with ``concurrency`` workers; messages/s."""
    counter = iter(range(total))

    async def worker(slot: int) -> None:
        for i in counter:
            await one(slot, i)

    started = time.perf_counter()
    await asyncio.gather(*(worker(s) for s in range(concurrency)))
    return total / (time.perf_counter() - started)


async def raw_smtp(stack: MailStack, sender: str, rcpt: str, total: int, concurrency: int) -> float:
    messages = [
        build_message(
            Draft(sender=Address(sender), to=[Address(rcpt)], subject=f"raw {i}", text=TEXT)
        ).raw
        for i in range(total)
    ]
    ctx = client_ssl_context(verify=True, ca_file=str(stack.cert))
    clients = []
    for _ in range(concurrency):
        smtp = aiosmtplib.SMTP(
            hostname=stack.host,
            port=stack.submission,
            start_tls=True,
            tls_context=ctx,
            local_hostname="localhost",
        )
        await smtp.connect()
        await smtp.login(sender, stack.password)
        clients.append(smtp)

    async def one(slot: int, i: int) -> None:
        await clients[slot].sendmail(sender, [rcpt], messages[i])

    try:
        return await run_concurrently(total, concurrency, one)
    finally:
        for smtp in clients:
            await smtp.quit()


async def gateway_sync(
    port: int, account: str, rcpt: str, total: int, concurrency: int, save_to_sent: bool
) -> float:
    clients = [LeanHttp(port, ADMIN) for _ in range(concurrency)]
    path = f"/v1/accounts/{account}/send"

    async def one(slot: int, i: int) -> None:
        status, body = await clients[slot].post_json(
            path,
            {"to": [rcpt], "subject": f"gateway {i}", "text": TEXT, "save_to_sent": save_to_sent},
        )
        if status != 200:
            raise SystemExit(f"send failed: {status} {body[:300]!r}")

    try:
        # warm up: SMTP sessions of the pool, HTTP connections
        await asyncio.gather(*(one(slot, -1) for slot in range(concurrency)))
        return await run_concurrently(total, concurrency, one)
    finally:
        for client in clients:
            await client.close()


async def queue_drain(
    client: httpx.AsyncClient, account: str, rcpt: str, total: int
) -> tuple[float, float]:
    started = time.perf_counter()
    sem = asyncio.Semaphore(16)

    async def enqueue(i: int) -> None:
        async with sem:
            resp = await client.post(
                f"/v1/accounts/{account}/send",
                json={
                    "to": [rcpt],
                    "subject": f"queued {i}",
                    "text": TEXT,
                    "mode": "queue",
                    "save_to_sent": False,
                },
            )
            if resp.status_code != 202:
                raise SystemExit(f"enqueue failed: {resp.status_code} {resp.text}")

    await asyncio.gather(*(enqueue(i) for i in range(total)))
    enqueued = time.perf_counter() - started
    while True:
        page = (
            await client.get(
                "/v1/outbox", params={"account": account, "status": "sent", "limit": 500}
            )
        ).json()
        sent = len(page["items"])
        cursor = page["next_cursor"]
        while cursor:
            page = (
                await client.get(
                    "/v1/outbox",
                    params={"account": account, "status": "sent", "limit": 500, "cursor": cursor},
                )
            ).json()
            sent += len(page["items"])
            cursor = page["next_cursor"]
        if sent >= total:
            return enqueued, time.perf_counter() - started
        await asyncio.sleep(0.2)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--drain", type=int, default=1000)
    args = parser.parse_args()
    n = args.messages

    stack_dir = make_stack_dir("mailgate-bench-send-")
    stack = start_mailstack(stack_dir)
    work = Path(make_stack_dir("mailgate-bench-gw-"))
    port = free_port()
    proc = start_gateway(work, port)
    rows: list[tuple[str, float, float | None]] = []
    try:
        sender = stack.new_user("bench")
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}",
            timeout=60,
            headers={"Authorization": f"Bearer {ADMIN}"},
            limits=httpx.Limits(max_connections=16, max_keepalive_connections=16),
        ) as client:
            spec = {"id": "bench", "name": "Bench", "email": sender}
            for proto, p in (("imap", stack.imap), ("smtp", stack.submission)):
                spec[proto] = {
                    "host": stack.host,
                    "port": p,
                    "security": "starttls",
                    "username": sender,
                    "password": stack.password,
                    "ca_file": str(stack.cert),
                }
            resp = await client.post("/v1/accounts", json=spec)
            assert resp.status_code == 201, resp.text

            for concurrency in (1, 8):
                rcpt = stack.new_user(f"raw{concurrency}-")
                own, machine = time.process_time(), machine_cpu()
                raw = await raw_smtp(stack, sender, rcpt, n, concurrency)
                raw_client = (time.process_time() - own) / n * 1000
                await wait_delivered(stack, rcpt, n)
                raw_machine = (machine_cpu() - machine) / n * 1000
                rcpt = stack.new_user(f"gw{concurrency}-")
                cpu, own = cpu_seconds(proc.pid), time.process_time()
                machine = machine_cpu()
                gw = await gateway_sync(port, "bench", rcpt, n, concurrency, False)
                http_client = (time.process_time() - own) / (n + concurrency) * 1000
                cpu = (cpu_seconds(proc.pid) - cpu) / (n + concurrency) * 1000
                await wait_delivered(stack, rcpt, n + concurrency)
                gw_machine = (machine_cpu() - machine) / (n + concurrency) * 1000
                rows.append((f"POST /send sync, {concurrency} client(s), msg/s", gw, raw))
                rows.append(
                    (
                        f"CPU per message, {concurrency} client(s): gateway process / "
                        "raw SMTP client, ms",
                        cpu,
                        raw_client,
                    )
                )
                rows.append(
                    (
                        f"CPU per message, {concurrency} client(s): HTTP load client, ms",
                        http_client,
                        None,
                    )
                )
                rows.append(
                    (
                        f"CPU per message, {concurrency} client(s): whole machine until "
                        "delivered, ms",
                        gw_machine,
                        raw_machine,
                    )
                )
                print(
                    f"{concurrency} client(s): gateway {gw:.0f} msg/s ({cpu:.2f} ms CPU/msg, "
                    f"load client {http_client:.2f}), raw {raw:.0f} msg/s "
                    f"({raw_client:.2f} ms CPU/msg)",
                    flush=True,
                )

            rcpt = stack.new_user("sent8-")
            gw_sent = await gateway_sync(port, "bench", rcpt, n, 8, True)
            await wait_delivered(stack, rcpt, n + 8)
            rows.append(("POST /send sync + save_to_sent, 8 clients, msg/s", gw_sent, None))

            rcpt = stack.new_user("queue-")
            enq, drained = await queue_drain(client, "bench", rcpt, args.drain)
            await wait_delivered(stack, rcpt, args.drain)
            rows.append((f"queue: enqueue {args.drain} (16 clients), s", enq, None))
            rows.append((f"queue: {args.drain} queued until all sent, s", drained, None))
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
        stack.stop()
        shutil.rmtree(stack_dir, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)

    print()
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"| measurement ({n} messages of ~1.2 kB) | gateway | raw SMTP | gateway/raw |")
    print("|---|---:|---:|---:|")
    for name, gw, raw in rows:
        if raw is None:
            print(f"| {name} | {gw:.1f} | | |")
        elif "CPU" in name:
            print(f"| {name} | {gw:.2f} | {raw:.2f} | |")
        else:
            print(f"| {name} | {gw:.0f} | {raw:.0f} | {gw / raw:.2f} |")


if __name__ == "__main__":
    uvloop.run(main())  # the same loop for the raw client and the gateway's load client
