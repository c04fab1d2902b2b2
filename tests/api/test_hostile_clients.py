"""Hostile clients against a real uvicorn socket: silent and half-sent connections, a
connection flood, a huge unauthenticated body, a trickled body (gateway/server.py and
gateway/api/auth_first.py)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import resource
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import orjson
import pytest
import uvicorn

from gateway.app import create_app
from gateway.server import FD_HEADROOM, raise_fd_limit, server_options
from gateway.settings import Settings
from tests.conftest import ADMIN_TOKEN

READ_TIMEOUT = 1.5
MARGIN = 8.0  # a shared, busy CI machine
HUGE = 49 * 1024 * 1024


@pytest.fixture(autouse=True)
def enough_file_descriptors() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 4096 if hard == resource.RLIM_INFINITY else min(4096, hard)
    if soft != resource.RLIM_INFINITY and soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


@contextlib.asynccontextmanager
async def serving(
    settings: Settings, *, sndbuf: int | None = None
) -> AsyncIterator[tuple[int, uvicorn.Server]]:
    """The gateway on a free loopback port, served as ``mailgate serve`` serves it
    (``sndbuf``: the connections' kernel send buffer, to fill it with little data)."""
    sock = socket.socket()
    if sndbuf:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, sndbuf)
    sock.bind(("127.0.0.1", 0))
    options = {**server_options(settings), "log_level": "warning", "timeout_graceful_shutdown": 1}
    server = uvicorn.Server(uvicorn.Config(create_app(settings), lifespan="on", **options))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        async with asyncio.timeout(20):
            while not server.started:  # noqa: ASYNC110 - uvicorn exposes only a flag
                if task.done():
                    task.result()
                await asyncio.sleep(0.02)
        yield sock.getsockname()[1], server
    finally:
        server.should_exit = True
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, 15)
        sock.close()


async def read_until_closed(reader: asyncio.StreamReader) -> bytes:
    """Everything the server sends until it closes the connection."""
    data = b""
    with contextlib.suppress(ConnectionResetError):
        while chunk := await reader.read(65536):
            data += chunk
    return data


async def wait_for_connections(server: uvicorn.Server, count: int) -> None:
    async with asyncio.timeout(MARGIN):
        while len(server.server_state.connections) != count:  # noqa: ASYNC110 - a plain set
            await asyncio.sleep(0.02)


async def test_silent_and_half_sent_connections_are_closed_at_the_deadline(
    settings: Settings,
) -> None:
    settings.request_read_timeout = READ_TIMEOUT
    partial = [b"", b"GET /v1/accounts HT", b"GET /healthz HTTP/1.1\r\nHost: gw\r\nAccept: "]
    async with serving(settings) as (port, server):
        streams = []
        for i in range(400):
            opened = time.monotonic()
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            # 200 send nothing, 100 half a request line, 100 half their headers
            sent = partial[0] if i < 200 else partial[1 + i % 2]
            if sent:
                writer.write(sent)
            streams.append((opened, reader, writer))

        async def open_for(opened: float, reader: asyncio.StreamReader) -> tuple[float, bytes]:
            data = await read_until_closed(reader)
            return time.monotonic() - opened, data

        async with asyncio.timeout(READ_TIMEOUT + MARGIN):
            results = await asyncio.gather(*(open_for(o, r) for o, r, _ in streams))
        assert all(data == b"" for _, data in results)  # closed, never answered
        assert min(t for t, _ in results) >= READ_TIMEOUT - 0.1  # by the deadline, not before
        await wait_for_connections(server, 0)
        for _, _, writer in streams:
            writer.close()


async def test_connections_over_max_connections_are_refused_at_once(settings: Settings) -> None:
    settings.max_connections = 20
    settings.request_read_timeout = 30
    async with serving(settings) as (port, server):
        held = [await asyncio.open_connection("127.0.0.1", port) for _ in range(20)]
        await wait_for_connections(server, 20)
        for _ in range(5):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            async with asyncio.timeout(2):
                answer = await read_until_closed(reader)
            assert answer.startswith(b"HTTP/1.1 503 "), answer
            assert b"too_many_connections" in answer
            writer.close()
        assert len(server.server_state.connections) == 20

        for _, writer in held[:5]:
            writer.close()
        await wait_for_connections(server, 15)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            assert (await client.get("/healthz")).status_code == 200
        for _, writer in held[5:]:
            writer.close()


@pytest.mark.parametrize(
    ("path", "authorization"),
    [
        ("/v1/accounts", None),  # through FastAPI
        ("/v1/accounts/someone/send", None),  # a fast-path route
        ("/v1/accounts/someone/send", "Bearer mgt_not-a-token"),
    ],
)
async def test_unauthenticated_body_is_refused_before_it_is_read(
    settings: Settings, path: str, authorization: str | None
) -> None:
    settings.max_request_bytes = 50 * 1024 * 1024
    async with serving(settings) as (port, _server):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        head = (
            f"POST {path} HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\n"
            f"Content-Length: {HUGE}\r\n"
        )
        if authorization:
            head += f"Authorization: {authorization}\r\n"
        writer.write(head.encode() + b"\r\n" + b"x" * 4096)
        async with asyncio.timeout(5):
            answer = await read_until_closed(reader)  # without sending the rest
        writer.close()
    status, _, rest = answer.partition(b"\r\n")
    assert status == b"HTTP/1.1 401 Unauthorized", answer
    body = orjson.loads(rest.split(b"\r\n\r\n", 1)[1])
    assert body["code"] == "unauthenticated" and body["status"] == 401
    assert b"mgt_not-a-token" not in answer


async def test_trickled_body_is_cut_at_the_deadline(settings: Settings) -> None:
    settings.request_read_timeout = READ_TIMEOUT
    async with serving(settings) as (port, _server):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(
            f"POST /v1/accounts HTTP/1.1\r\nHost: gw\r\n"
            f"Authorization: Bearer {ADMIN_TOKEN}\r\n"
            f"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n".encode()
        )
        started = time.monotonic()
        sent = 0
        closed = False
        while time.monotonic() - started < READ_TIMEOUT + MARGIN:
            try:
                writer.write(b" ")
                await writer.drain()
                sent += 1
                closed = await asyncio.wait_for(reader.read(1024), 0.5) == b""
            except TimeoutError:
                continue
            except ConnectionError:
                closed = True
            if closed:
                break
        elapsed = time.monotonic() - started
        writer.close()
    assert closed, "the trickled request was never cut off"
    assert READ_TIMEOUT - 0.1 <= elapsed <= READ_TIMEOUT + MARGIN
    assert sent < 1000


async def test_client_that_reads_no_response_is_dropped_at_the_deadline(settings: Settings) -> None:
    settings.client_write_timeout = READ_TIMEOUT
    async with serving(settings, sndbuf=16 * 1024) as (port, server):
        client = socket.socket()
        client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        client.setblocking(False)
        await asyncio.get_running_loop().sock_connect(client, ("127.0.0.1", port))
        # a response far larger than the socket buffers (the OpenAPI document), never read
        await asyncio.get_running_loop().sock_sendall(
            client, b"GET /openapi.json HTTP/1.1\r\nHost: gw\r\n\r\n"
        )
        started = time.monotonic()
        await wait_for_connections(server, 1)
        await wait_for_connections(server, 0)
        elapsed = time.monotonic() - started
        client.close()
    assert READ_TIMEOUT - 0.1 <= elapsed <= READ_TIMEOUT + MARGIN


async def test_keep_alive_and_split_requests_still_work(settings: Settings) -> None:
    settings.request_read_timeout = READ_TIMEOUT
    async with serving(settings) as (port, server):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)

        async def response() -> bytes:
            head = await reader.readuntil(b"\r\n\r\n")
            length = next(
                int(line.split(b":")[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            )
            return head + await reader.readexactly(length)

        get = b"GET /healthz HTTP/1.1\r\nHost: gw\r\n\r\n"
        body = b'{"name": "x"}'
        post = (
            f"POST /v1/tokens HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer {ADMIN_TOKEN}"
            f"\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode() + body
        # a request in pieces, within the deadline
        for piece in (post[:20], post[20:90], post[90:]):
            writer.write(piece)
            await asyncio.sleep(0.3)  # scenario: the pieces trickle in
        assert (await response()).startswith(b"HTTP/1.1 ")
        # scenario: idle longer than the read deadline (shorter than keep-alive), then more
        # requests
        await asyncio.sleep(READ_TIMEOUT + 0.5)
        writer.write(get)
        assert (await response()).startswith(b"HTTP/1.1 200 ")
        writer.write(get + get)  # pipelined
        assert (await response()).startswith(b"HTTP/1.1 200 ")
        assert (await response()).startswith(b"HTTP/1.1 200 ")
        assert len(server.server_state.connections) == 1
        writer.close()


def _start_serve(tmp_path: Path, env: dict[str, str]) -> tuple[subprocess.Popen, int]:
    """``mailgate serve`` on a free port, with ``env`` added to the environment."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {
        **os.environ,
        "GATEWAY_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'g.db'}",
        "GATEWAY_ADMIN_TOKEN": ADMIN_TOKEN,
        "GATEWAY_SECRET_KEY": "hostile-test-key",
        "GATEWAY_LOG_LEVEL": "warning",
        "GATEWAY_WATCH_ENABLED": "false",
        **env,
    }
    with open(tmp_path / "gateway.log", "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gateway", "serve", "--port", str(port)],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=Path(__file__).resolve().parents[2],
        )
    return proc, port


async def test_mailgate_serve_applies_the_limits(tmp_path: Path) -> None:
    """The command line serves with the guarded protocol and the settings from GATEWAY_*."""
    proc, port = _start_serve(
        tmp_path,
        {"GATEWAY_REQUEST_READ_TIMEOUT": str(READ_TIMEOUT), "GATEWAY_MAX_CONNECTIONS": "3"},
    )
    try:
        async with asyncio.timeout(20):
            while True:
                try:
                    async with httpx.AsyncClient() as client:
                        await client.get(f"http://127.0.0.1:{port}/healthz")
                    break
                except httpx.TransportError:
                    assert proc.poll() is None, "mailgate serve exited; see gateway.log"
                    await asyncio.sleep(0.05)
        started = time.monotonic()
        silent = [await asyncio.open_connection("127.0.0.1", port) for _ in range(3)]
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        async with asyncio.timeout(2):
            assert (await read_until_closed(reader)).startswith(b"HTTP/1.1 503 ")
        writer.close()
        async with asyncio.timeout(READ_TIMEOUT + MARGIN):
            for reader, _ in silent:
                assert await read_until_closed(reader) == b""
        assert time.monotonic() - started >= READ_TIMEOUT - 0.1
        for _, writer in silent:
            writer.close()

        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(
            f"POST /v1/accounts HTTP/1.1\r\nHost: gw\r\nContent-Length: {HUGE}\r\n\r\n".encode()
            + b"{" * 4096
        )
        async with asyncio.timeout(5):
            assert (await read_until_closed(reader)).startswith(b"HTTP/1.1 401 ")
        writer.close()
    finally:
        proc.terminate()
        proc.wait(15)


def test_serve_raises_the_open_file_limit_to_fit_max_connections() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard))
    try:
        raise_fd_limit(Settings(database_url="sqlite+aiosqlite:///:memory:", max_connections=2000))
        wanted = 2000 + FD_HEADROOM
        raised = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
        assert raised == (wanted if hard == resource.RLIM_INFINITY else min(wanted, hard))
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
