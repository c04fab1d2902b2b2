"""A tiny HTTP/1.1 server that records webhook POSTs (no framework, keep-alive aware)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import ssl
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float  # time.monotonic() when the body was complete

    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    """Answers each POST with the next status of ``statuses`` (then 200); records them all."""

    statuses: list[int] = field(default_factory=list)
    delay: float = 0.0
    requests: list[Received] = field(default_factory=list)
    host: str = "127.0.0.1"
    port: int = 0
    _arrived: asyncio.Condition = field(default_factory=asyncio.Condition)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/hook"

    def data_of(self, kind: str) -> list[dict]:
        """The ``data`` of the events of type ``kind`` received so far, in order."""
        return [r.json()["data"] for r in self.requests if r.json()["type"] == kind]

    async def wait_for(self, count: int, within: float = 10.0) -> list[Received]:
        async with asyncio.timeout(within), self._arrived:
            await self._arrived.wait_for(lambda: len(self.requests) >= count)
        return list(self.requests)

    async def wait_until(self, predicate, within: float = 10.0) -> list[Received]:
        """Until ``predicate(requests)`` holds."""
        async with asyncio.timeout(within), self._arrived:
            await self._arrived.wait_for(lambda: predicate(self.requests))
        return list(self.requests)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                _method, path, _ = lines[0].split(" ", 2)
                headers = {}
                for line in lines[1:]:
                    if ":" in line:
                        k, v = line.split(":", 1)
                        headers[k.strip().lower()] = v.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                received = Received(path, headers, body, time.monotonic())
                status = self.statuses.pop(0) if self.statuses else 200
                if self.delay:
                    await asyncio.sleep(self.delay)
                async with self._arrived:
                    self.requests.append(received)
                    self._arrived.notify_all()
                writer.write(f"HTTP/1.1 {status} X\r\nContent-Length: 2\r\n\r\nok".encode())
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()


@contextlib.asynccontextmanager
async def receiver(
    statuses: list[int] | None = None,
    delay: float = 0.0,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    tls: ssl.SSLContext | None = None,
) -> AsyncIterator[Receiver]:
    rec = Receiver(statuses=list(statuses or []), delay=delay, host=host)
    server = await asyncio.start_server(rec._handle, host, port, ssl=tls)
    rec.port = server.sockets[0].getsockname()[1]
    try:
        yield rec
    finally:
        server.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(server.wait_closed(), 2)
