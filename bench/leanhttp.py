"""A minimal HTTP/1.1 keep-alive load client, shared by the benchmarks.

httpx spends ~2.7 ms of CPU per request, as much as the gateway itself, and on 2 cores
that CPU is taken from the gateway and the mail servers being measured; the raw-protocol
side of each benchmark (imaplib, aiosmtplib) does not pay such a client. ``LeanHttp``
spends a small fraction of it, like the C load generators (wrk, h2load) used for such
measurements: one connection, one request at a time, responses with a Content-Length
(what the measured routes answer). ``download`` reads a streamed (chunked) response with
the stdlib's ``http.client``, for the download load.
"""

from __future__ import annotations

import asyncio
import http.client
from collections.abc import Callable

import orjson


class LeanHttp:
    """One keep-alive HTTP/1.1 connection to 127.0.0.1:``port``, one request at a time."""

    def __init__(self, port: int, token: str) -> None:
        self.port = port
        self.head = (f"Host: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n").encode()
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        content_type: bytes = b"application/json",
    ) -> tuple[int, bytes]:
        line = method.encode() + b" " + path.encode() + b" HTTP/1.1\r\n" + self.head
        if body is None:
            data = line + b"\r\n"
        else:
            data = (
                line
                + b"Content-Type: "
                + content_type
                + b"\r\nContent-Length: %d\r\n\r\n" % len(body)
                + body
            )
        try:
            head = await self._send(data)
        except (asyncio.IncompleteReadError, ConnectionError) as exc:
            # The server closed the idle keep-alive connection (uvicorn: after 5 s) before
            # it read the request: nothing was answered, so sending again is safe.
            if isinstance(exc, asyncio.IncompleteReadError) and exc.partial:
                raise
            await self.close()
            head = await self._send(data)
        status = int(head[9:12])
        length = 0
        for header in head.split(b"\r\n")[1:]:
            name, _, value = header.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding":
                raise RuntimeError("LeanHttp reads Content-Length responses only")
        return status, await self.reader.readexactly(length)

    async def _send(self, data: bytes) -> bytes:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        self.writer.write(data)
        return await self.reader.readuntil(b"\r\n\r\n")

    async def get(self, path: str) -> tuple[int, bytes]:
        return await self.request("GET", path)

    async def post_json(self, path: str, body: dict) -> tuple[int, bytes]:
        return await self.request("POST", path, orjson.dumps(body))

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


def download(
    port: int,
    token: str,
    path: str,
    *,
    chunk: int = 1024 * 1024,
    on_bytes: Callable[[int], bool] | None = None,
) -> int:
    """GET ``path`` (blocking) and read the body to the end in ``chunk``-sized reads.

    ``on_bytes(n)`` is called per read; when it returns False the download stops early.
    Returns the number of body bytes read.
    """
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
        resp = conn.getresponse()
        if resp.status != 200:
            raise RuntimeError(f"download failed: HTTP {resp.status}")
        total = 0
        while data := resp.read(chunk):
            total += len(data)
            if on_bytes is not None and not on_bytes(len(data)):
                break
        return total
    finally:
        conn.close()
