"""A loopback TCP relay in front of a real mail server, switched off and on by a test.

Not a mail server: every byte goes to the real one and back. Off, nobody listens on its
port (connections are refused, as with a server that is down) and the connections it
carried are cut; on again, it listens on the same port. ``sent`` keeps every byte the
clients sent (to assert on what went over the wire, e.g. a SASL initial response).
"""

from __future__ import annotations

import asyncio
import contextlib


class Relay:
    """Forwards ``host:port`` (its own, picked at ``start``) to ``host:target``."""

    def __init__(self, host: str, target: int) -> None:
        self.host = host
        self.target = target
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self.sent = bytearray()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._carry, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()

    async def _carry(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(self.host, self.target)
        except OSError:
            writer.transport.abort()
            return
        self._writers.update((writer, up_writer))
        try:
            await asyncio.gather(_pipe(reader, up_writer, self.sent), _pipe(up_reader, writer))
        finally:
            for w in (writer, up_writer):
                self._writers.discard(w)
                w.transport.abort()


async def _pipe(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, record: bytearray | None = None
) -> None:
    with contextlib.suppress(OSError, asyncio.IncompleteReadError):
        while data := await reader.read(65536):
            if record is not None:
                record += data
            writer.write(data)
            await writer.drain()
    with contextlib.suppress(OSError):
        writer.write_eof()
