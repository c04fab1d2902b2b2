"""SMTP command pipelining (RFC 2920) on top of an aiosmtplib connection.

aiosmtplib sends one command and waits for its reply; worse, its protocol drops reply
bytes that arrive while an earlier reply has not been picked up yet, so several
commands in flight would lose replies. For the length of one mail transaction this
module takes the transport over with :class:`ReplyReader` (``transport.set_protocol``),
which keeps every byte, then hands it back. One transaction is then two round trips
instead of four or more: ``MAIL, RCPT..., DATA`` in one write (RFC 2920 §3.1: DATA
ends a group), and the content with its final ``.``.
"""

from __future__ import annotations

import asyncio

from aiosmtplib.errors import (
    SMTPReadTimeoutError,
    SMTPResponseException,
    SMTPServerDisconnected,
)

_MAX_REPLY = 32 * 1024  # a reply over this is garbage, not SMTP (RFC 5321 §4.5.3.1.5: 512/line)


class ReplyReader(asyncio.Protocol):
    """Collects reply lines while it owns the transport; forwards a lost connection."""

    def __init__(self, owner: asyncio.BaseProtocol) -> None:
        self._owner = owner
        self._buffer = bytearray()
        # A bare future per wait, woken by the next bytes: ``asyncio.wait_for`` on an
        # ``Event`` made a task per reply, a measurable part of a transaction's CPU.
        self._waiter: asyncio.Future[bool] | None = None  # result: timed out
        self._writable = asyncio.Event()
        self._writable.set()
        self.lost: BaseException | None = None

    # -- asyncio.Protocol ------------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        self._buffer.extend(data)
        self._wake()

    def eof_received(self) -> bool:
        self.lost = SMTPServerDisconnected("connection closed by the server")
        self._wake()
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = SMTPServerDisconnected("connection lost")
        self._wake()
        self._writable.set()
        self._owner.connection_lost(exc)  # aiosmtplib learns it too

    def pause_writing(self) -> None:
        self._writable.clear()

    def resume_writing(self) -> None:
        self._writable.set()

    # -- reading ---------------------------------------------------------------------------

    async def drain(self, wait: float) -> None:
        """Wait while the transport's write buffer is over its high-water mark."""
        try:
            await asyncio.wait_for(self._writable.wait(), wait)
        except TimeoutError as exc:
            raise SMTPReadTimeoutError("timed out sending the message") from exc
        if self.lost is not None:
            raise self.lost

    async def reply(self, wait: float) -> tuple[int, str]:
        """The next complete reply: ``(code, text)``, lines of a multiline reply joined."""
        parsed = self._parse()
        if parsed is not None:
            return parsed
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        while True:
            if self.lost is not None:
                raise self.lost
            if len(self._buffer) > _MAX_REPLY:
                raise SMTPResponseException(-1, "reply too long")
            waiter = self._waiter = loop.create_future()
            timer = loop.call_at(deadline, _expire, waiter)
            try:
                expired = await waiter
            finally:
                timer.cancel()
                self._waiter = None
            parsed = self._parse()
            if parsed is not None:
                return parsed
            if expired and self.lost is None:
                raise SMTPReadTimeoutError("timed out waiting for the server's reply")

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(False)

    def _parse(self) -> tuple[int, str] | None:
        """RFC 5321 §4.2.1: ``ddd-text`` continues a reply, ``ddd text`` (or ``ddd``) ends it."""
        offset, lines = 0, []
        while True:
            end = self._buffer.find(b"\n", offset)
            if end == -1:
                return None
            line = bytes(self._buffer[offset:end]).rstrip(b"\r")
            offset = end + 1
            if len(line) < 3 or not line[:3].isdigit() or line[3:4] not in (b"", b" ", b"-"):
                raise SMTPResponseException(-1, f"malformed reply line: {line[:80]!r}")
            lines.append(line[4:].decode("utf-8", "replace").strip())
            if line[3:4] != b"-":
                del self._buffer[:offset]
                return int(line[:3]), "\n".join(lines)

    @property
    def leftover(self) -> bool:
        return bool(self._buffer)


def _expire(waiter: asyncio.Future[bool]) -> None:
    if not waiter.done():
        waiter.set_result(True)
