"""The clients of ``bench/scale.py``: the gateway's SSE stream, raw IMAP IDLE, SMTP deliveries.

All three are small and independent of the gateway's code (only its HTTP API is used),
so the harness keeps working while the gateway's modules move.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import ssl
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import aiosmtplib

_EXISTS = re.compile(rb"^\* (\d+) EXISTS\r?$")


@dataclass
class SseMessage:
    id: str | None = None
    event: str | None = None
    data: list[str] = field(default_factory=list)
    comment: str | None = None


class SseParser:
    """Incremental ``text/event-stream`` parser (WHATWG HTML, "Server-sent events")."""

    def __init__(self) -> None:
        self._buffer = b""
        self._current = SseMessage()

    def feed(self, data: bytes) -> list[SseMessage]:
        """The messages completed by ``data`` (comments come out as messages of their own)."""
        self._buffer += data
        out: list[SseMessage] = []
        while True:
            end = self._buffer.find(b"\n")
            if end < 0:
                return out
            line = self._buffer[:end].rstrip(b"\r").decode()
            self._buffer = self._buffer[end + 1 :]
            if not line:
                if self._current.data or self._current.id is not None:
                    out.append(self._current)
                self._current = SseMessage()
                continue
            name, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if not name:
                out.append(SseMessage(comment=value))
            elif name == "id":
                self._current.id = value
            elif name == "event":
                self._current.event = value
            elif name == "data":
                self._current.data.append(value)


class EventFeed:
    """One SSE stream of all accounts (``GET /v1/events``), recording what arrives.

    - ``watching``: account -> ``created_at`` (epoch seconds) of its watcher's first
      ``account.connected`` (IMAP, source ``watcher``) on this stream;
    - ``arrived``: subject -> when its ``message.new`` arrived here (``time.monotonic``);
    - ``errors``: ``account.error`` events by their code.

    Events created before ``since`` (epoch seconds; a replay) do not count as watching.
    """

    def __init__(self, port: int, token: str, types: str, *, since: float = 0.0) -> None:
        self._port = port
        self._token = token
        self._types = types
        self._since = since
        self.watching: dict[str, float] = {}
        self.arrived: dict[str, float] = {}
        self.duplicates = 0
        self.errors: Counter[str] = Counter()
        self.error_samples: list[str] = []
        self.last_id: str | None = None
        self.up = asyncio.Event()
        self.changed = asyncio.Event()
        self.ended: BaseException | str | None = None  # why the stream ended, once it did

    async def run(self, last_event_id: str | None = None) -> None:
        """Until cancelled or the server ends the stream; replays after ``last_event_id``."""
        reader, writer = await asyncio.open_connection("127.0.0.1", self._port)
        try:
            resume = f"Last-Event-ID: {last_event_id}\r\n" if last_event_id else ""
            writer.write(
                (
                    f"GET /v1/events?types={self._types} HTTP/1.1\r\n"
                    f"Host: 127.0.0.1:{self._port}\r\n"
                    f"Authorization: Bearer {self._token}\r\n"
                    f"Accept: text/event-stream\r\n{resume}\r\n"
                ).encode()
            )
            head = await reader.readuntil(b"\r\n\r\n")
            if not head.startswith(b"HTTP/1.1 200"):
                status = head.split(b"\r\n", 1)[0]
                raise RuntimeError(f"GET /v1/events: {status!r}")
            if b"transfer-encoding: chunked" not in head.lower():
                raise RuntimeError("GET /v1/events: expected a chunked response")
            parser = SseParser()
            while True:
                size = int((await reader.readline()).split(b";", 1)[0], 16)
                if size == 0:
                    self.ended = "the gateway ended the stream"
                    return
                chunk = await reader.readexactly(size + 2)
                now = time.monotonic()
                for message in parser.feed(chunk[:-2]):
                    self._handle(message, now)
        except BaseException as exc:
            self.ended = exc
            raise
        finally:
            writer.close()
            self.changed.set()

    def _handle(self, message: SseMessage, now: float) -> None:
        if message.comment is not None:
            if message.comment.startswith("connected"):
                self.up.set()
                self.changed.set()
            return
        if message.id is not None:
            self.last_id = message.id
        if not message.data:
            return
        event = json.loads("\n".join(message.data))
        kind, account, data = event.get("type"), event.get("account"), event.get("data") or {}
        if kind == "message.new":
            subject = data.get("subject") or ""
            if subject in self.arrived:
                self.duplicates += 1
            else:
                self.arrived[subject] = now
        elif kind == "account.connected":
            created = _epoch(event["created_at"])
            if (
                data.get("protocol", "imap") == "imap"
                and data.get("source", "watcher") == "watcher"
                and account not in self.watching
                and created >= self._since
            ):
                self.watching[account] = created
        elif kind == "account.error":
            self.errors[str(data.get("code", "error"))] += 1
            if len(self.error_samples) < 5:
                self.error_samples.append(f"{account}: {str(data.get('error'))[:200]}")
        self.changed.set()

    async def wait_for(self, done: Callable[[], bool], within: float) -> bool:
        """Until ``done()`` or ``within`` seconds; returns ``done()``. Raises when the
        stream ended meanwhile (nothing more would arrive)."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(within):
                while not done():
                    if self.ended is not None:
                        raise RuntimeError(f"the SSE stream ended: {self.ended!r}")
                    self.changed.clear()
                    await self.changed.wait()
        return done()


def _epoch(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


@dataclass
class IdleFloor:
    """The raw floor: a plain IMAP session of this process in IDLE on one INBOX.

    ``on_exists(n, when)`` is called for each ``* n EXISTS``: the mailbox (empty at the
    start) holds n messages now.
    """

    host: str
    port: int
    security: str  # "starttls", "tls" or "none"
    context: ssl.SSLContext
    user: str
    password: str
    on_exists: Callable[[int, float], None]
    ready: asyncio.Event = field(default_factory=asyncio.Event)

    async def run(self, within: float = 60) -> None:
        """Logs in and IDLEs (each step within ``within`` seconds), then reads pushes."""
        async with asyncio.timeout(within):
            tls = self.context if self.security == "tls" else None
            reader, writer = await asyncio.open_connection(
                self.host, self.port, ssl=tls, server_hostname=self.host if tls else None
            )
        try:
            async with asyncio.timeout(within):
                await reader.readline()  # greeting
                if self.security == "starttls":
                    await _command(reader, writer, b"s STARTTLS")
                    await writer.start_tls(self.context, server_hostname=self.host)
                await _command(
                    reader, writer, b"l LOGIN " + _quoted(self.user) + b" " + _quoted(self.password)
                )
                await _command(reader, writer, b"x SELECT INBOX")
                writer.write(b"i IDLE\r\n")
                line = await reader.readline()
                if not line.startswith(b"+"):
                    raise RuntimeError(f"IDLE refused: {line!r}")
            self.ready.set()
            while line := await reader.readline():
                match = _EXISTS.match(line)
                if match:
                    self.on_exists(int(match.group(1)), time.monotonic())
        finally:
            writer.close()


async def _command(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, command: bytes
) -> None:
    tag = command.split(b" ", 1)[0]
    writer.write(command + b"\r\n")
    while line := await reader.readline():
        if line.startswith(tag + b" "):
            if not line.startswith(tag + b" OK"):
                raise RuntimeError(f"{command.split(b' ')[1].decode()}: {line!r}")
            return
    raise ConnectionError("the IMAP server closed the connection")


def _quoted(text: str) -> bytes:
    return b'"' + text.replace("\\", "\\\\").replace('"', '\\"').encode() + b'"'


class Deliverer:
    """Sends through the stack's Postfix submission port (STARTTLS, AUTH) on a few
    warm connections; ``send`` returns when DATA got its 250 (``time.monotonic``)."""

    def __init__(
        self,
        host: str,
        port: int,
        context: ssl.SSLContext,
        user: str,
        password: str,
        connections: int = 4,
    ) -> None:
        self._args = (host, port, context, user, password)
        self._count = connections
        self._free: asyncio.Queue[aiosmtplib.SMTP] = asyncio.Queue()
        self.sender = user

    async def open(self, within: float = 30) -> None:
        host, port, context, user, password = self._args
        async with asyncio.timeout(within):
            for _ in range(self._count):
                smtp = aiosmtplib.SMTP(
                    hostname=host, port=port, start_tls=True, tls_context=context, timeout=within
                )
                await smtp.connect()
                await smtp.login(user, password)
                self._free.put_nowait(smtp)

    async def send(self, rcpt: str, subject: str, within: float = 30) -> float:
        raw = (
            f"From: {self.sender}\r\nTo: {rcpt}\r\nSubject: {subject}\r\n"
            f"Message-ID: <{subject.replace(' ', '.')}@scale.bench>\r\n"
            f"Content-Type: text/plain\r\n\r\nscale probe\r\n"
        ).encode()
        smtp = await self._free.get()
        try:
            async with asyncio.timeout(within):
                if not smtp.is_connected:  # a failed send closed it: log in again
                    await smtp.connect()
                    await smtp.login(*self._args[3:])
                await smtp.sendmail(self.sender, [rcpt], raw)
            return time.monotonic()
        except BaseException:
            smtp.close()
            raise
        finally:
            self._free.put_nowait(smtp)

    async def close(self) -> None:
        while not self._free.empty():
            smtp = self._free.get_nowait()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(smtp.quit(), 5)
