"""Helpers shared by the tests/pop3 modules: test messages and a gateway on a real socket."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import socket

import httpx
import uvicorn

from gateway.app import create_app
from tests.conftest import ADMIN_TOKEN
from tests.openapi_contract import ResponseContract

NDJSON = {"Accept": "application/x-ndjson"}


def message(i: int, body: str = "hello", extra: str = "") -> bytes:
    """Message m{i} (Subject and Message-ID) with this body; ``extra`` holds more header lines."""
    return (
        f"From: Sender <s@example.test>\r\nTo: r@example.test\r\nSubject: m{i}\r\n"
        f"Message-ID: <m{i}@example.test>\r\n{extra}\r\n{body}\r\n"
    ).encode()


def bulk_message(i: int, size: int = 600) -> bytes:
    """Message n{i} (Subject and Message-ID), with about ``size`` bytes of body lines."""
    body = "\r\n".join(f"line {n} of message {i} " + "z" * 40 for n in range(size // 60))
    return (
        f"From: s@example.test\r\nSubject: n{i}\r\nMessage-ID: <n{i}@example.test>\r\n\r\n"
        f"{body}\r\n"
    ).encode()


def subject(raw_b64: str) -> str:
    """The Subject of a base64 raw message, as ``bulk_message`` writes it."""
    raw = base64.b64decode(raw_b64)
    return raw.split(b"Subject: ", 1)[1].split(b"\r\n", 1)[0].decode()


@contextlib.asynccontextmanager
async def live_gateway(settings):
    """The gateway on a real socket (uvicorn in-process), for client disconnects."""
    app = create_app(settings)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:  # noqa: ASYNC110 - uvicorn exposes only a flag
            await asyncio.sleep(0.01)
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}",
            timeout=30,
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
            event_hooks={"response": [ResponseContract(app)]},
        ) as c:
            yield c, app
    finally:
        server.should_exit = True
        await task
        sock.close()
