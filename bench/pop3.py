"""POP3 benchmark: bulk retrieval through the gateway against stdlib poplib, same run.

Run by hand (not in CI), from the repository root:

    .venv/bin/python bench/pop3.py [--messages 1000] [--size 20000] [--delay-ms 10]

Starts a private Dovecot (tests/mailstack.py), seeds a maildrop of ``--messages``
messages of about ``--size`` bytes, starts the gateway as a real server (``python -m
gateway serve``: uvicorn with uvloop and httptools) and measures messages/s for

- the gateway: one ``POST /pop3/retrieve`` with ``Accept: application/x-ndjson``,
  ``format: raw``, ``only_new: false`` (every message, base64 in NDJSON), read to the
  end by an httpx client; the time includes the gateway's POP3 login;
- stdlib poplib: login, then RETR 1..N on one connection (no parsing), login included;

both on plain loopback and through a small TCP proxy (in this process) that delays
every chunk by ``--delay-ms`` in each direction (so 2x that of added round trip).
Targets: gateway/poplib >= 1.0 on loopback and >= 5 with the delay (pipelining).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing
import os
import poplib
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from tests.mailstack import make_stack_dir, start_mailstack  # noqa: E402

ADMIN = "bench-admin-" + secrets.token_hex(8)


def make_messages(count: int, size: int) -> list[bytes]:
    line = "The quick brown fox jumps over the lazy dog, again and again and again.\r\n"
    out = []
    for i in range(count):
        head = (
            f"From: Sender <sender{i % 50}@example.test>\r\nTo: bench@example.test\r\n"
            f"Subject: POP3 bench {i}\r\nMessage-ID: <pop3-bench-{i}@example.test>\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        )
        body = line * max(1, (size - len(head)) // len(line))
        out.append((head + body).encode())
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class DelayProxy:
    """TCP proxy adding a fixed one-way delay per direction, without limiting throughput.

    It runs in its own process, so the bench client's CPU use cannot delay it further.
    """

    def __init__(self, target_host: str, target_port: int, delay: float) -> None:
        self.target = (target_host, target_port)
        self.delay = delay
        self.port = free_port()
        self._process: multiprocessing.Process | None = None

    def __enter__(self) -> DelayProxy:
        ctx = multiprocessing.get_context("spawn")
        self._process = ctx.Process(target=self.serve_forever, daemon=True)
        self._process.start()
        for _ in range(200):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port)):
                break
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.join(5)

    def serve_forever(self) -> None:
        async def serve() -> None:
            server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)
            async with server:
                await server.serve_forever()

        asyncio.run(serve())

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        await asyncio.gather(
            self._pipe(reader, up_writer), self._pipe(up_reader, writer), return_exceptions=True
        )

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

        async def deliver() -> None:
            while True:
                due, data = await queue.get()
                if not data:
                    break
                wait = due - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                writer.write(data)
                await writer.drain()
            with contextlib.suppress(Exception):
                writer.write_eof()

        sender = asyncio.ensure_future(deliver())
        try:
            while data := await reader.read(256 * 1024):
                queue.put_nowait((time.monotonic() + self.delay, data))
        finally:
            queue.put_nowait((0.0, b""))
            with contextlib.suppress(Exception):
                await sender
            writer.close()


def poplib_rate(host: str, port: int, user: str, password: str, count: int) -> float:
    start = time.perf_counter()
    pop = poplib.POP3(host, port, timeout=120)
    pop.user(user)
    pop.pass_(password)
    total = 0
    for number in range(1, count + 1):
        _resp, lines, _octets = pop.retr(number)
        total += len(lines)
    pop.quit()
    elapsed = time.perf_counter() - start
    assert total > 0
    return count / elapsed


async def gateway_rate(base: str, account: str, count: int, fmt: str = "raw") -> float:
    async with httpx.AsyncClient(
        base_url=base, timeout=300, headers={"Authorization": f"Bearer {ADMIN}"}
    ) as client:
        start = time.perf_counter()
        got = 0
        async with client.stream(
            "POST",
            f"/v1/accounts/{account}/pop3/retrieve",
            headers={"Accept": "application/x-ndjson"},
            json={"format": fmt, "only_new": False},
        ) as resp:
            resp.raise_for_status()
            first = last = b""
            async for chunk in resp.aiter_bytes():
                # Count lines without decoding them (the poplib side parses nothing either).
                first = first or chunk
                last = (last + chunk)[-4096:]
                got += chunk.count(b"\n")
            assert first.startswith(b'{"'), first[:100]
        elapsed = time.perf_counter() - start
    got -= 1  # the last line says how the retrieval ended
    assert b'"complete":true' in last.rsplit(b"\n", 2)[-2], last[-300:]
    assert got == count, (got, count)
    return count / elapsed


async def add_account(
    base: str, account: str, user: str, host: str, port: int, password: str
) -> None:
    async with httpx.AsyncClient(
        base_url=base, timeout=30, headers={"Authorization": f"Bearer {ADMIN}"}
    ) as client:
        resp = await client.post(
            "/v1/accounts",
            json={
                "id": account,
                "name": account,
                "email": user,
                "pop3": {
                    "host": host,
                    "port": port,
                    "security": "none",
                    "username": user,
                    "password": password,
                },
            },
        )
        assert resp.status_code == 201, resp.text


def best(values: list[float]) -> float:
    return max(values)


def start_gateway(stack_dir: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {
        **os.environ,
        "GATEWAY_ADMIN_TOKEN": ADMIN,
        "GATEWAY_SECRET_KEY": "bench",
        "GATEWAY_DATABASE_URL": f"sqlite+aiosqlite:///{stack_dir}/bench.db",
        "GATEWAY_PORT": str(port),
        "GATEWAY_LOG_LEVEL": "warning",
        "GATEWAY_COMMAND_TIMEOUT": "120",
    }
    gateway = subprocess.Popen([sys.executable, "-m", "gateway", "serve"], cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                break
        time.sleep(0.05)
    return gateway, base


async def measure(args: argparse.Namespace, stack, user: str, base: str) -> list[tuple]:
    rows = []
    with DelayProxy(stack.host, stack.pop3, args.delay_ms / 1000) as proxy:
        await add_account(base, "direct", user, stack.host, stack.pop3, stack.password)
        await add_account(base, "delayed", user, stack.host, proxy.port, stack.password)
        for label, account, pop_port, rounds in (
            ("loopback", "direct", stack.pop3, args.rounds),
            (f"+{2 * args.delay_ms:g} ms RTT", "delayed", proxy.port, 1),
        ):
            gws, raws = [], []
            for _ in range(rounds):  # alternate, so background load hits both alike
                gws.append(await gateway_rate(base, account, args.messages))
                raws.append(
                    await asyncio.to_thread(
                        poplib_rate, stack.host, pop_port, user, stack.password, args.messages
                    )
                )
            rows.append((label, best(gws), best(raws)))
        # For reference: the parsed format (MIME parsing, JSON fields) on loopback.
        parsed = best(
            [
                await gateway_rate(base, "direct", args.messages, "parsed")
                for _ in range(args.rounds)
            ]
        )
        rows.append(("loopback, format parsed", parsed, rows[0][2]))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--size", type=int, default=20_000)
    parser.add_argument(
        "--delay-ms",
        type=float,
        default=10.0,
        help="one-way delay per direction (round trip adds twice this)",
    )
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    stack = start_mailstack(make_stack_dir("mailgate-bench-pop3-"))
    gateway = None
    try:
        user = stack.new_user("bench")
        seeded = stack.seed_maildir(user, make_messages(args.messages, args.size))
        assert seeded == args.messages, seeded
        gateway, base = start_gateway(stack.dir)
        rows = asyncio.run(measure(args, stack, user, base))
        kb = args.size / 1000
        print(
            f"\nPOP3 bulk retrieval, {args.messages} messages of ~{kb:g} kB "
            f"(best of {args.rounds} on loopback, 1 run with delay)\n"
        )
        print("| path | gateway NDJSON raw (msg/s) | poplib RETR (msg/s) | gateway/poplib |")
        print("|---|---|---|---|")
        for label, gw, raw in rows:
            print(f"| {label} | {gw:,.0f} | {raw:,.0f} | {gw / raw:.2f}x |")
    finally:
        if gateway is not None:
            gateway.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                gateway.wait(15)
        stack.stop()


if __name__ == "__main__":
    main()
