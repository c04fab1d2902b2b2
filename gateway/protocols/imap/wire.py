"""IMAP on the wire: a linear response reader and the asyncio protocol beneath a session.

The transport is ``aioimaplib.IMAP4ClientProtocol``; its response handling is
replaced here because of defects listed in MAILSTACK.md: it rescans every
line of a FETCH per new line (quadratic: 8,000 FETCH lines cost ~16 s of
CPU), recurses once per line (RecursionError near 1,000 lines in one read),
drops unsolicited EXISTS/EXPUNGE/VANISHED outside IDLE, cannot send literals
in arguments, and leaves pending commands waiting for their full timeout
when the socket drops. The reader below is one pass over the input with an
offset (never re-reading bytes), collects literals in chunks (one join at the
end) and fails the pending command as soon as the connection is lost.

Responses are handed over in imaplib's shape, which imapclient's parser
understands: a list of pieces, each either ``bytes`` (text without a literal)
or ``(text_ending_with_{n}, literal_bytes)`` (RFC 3501 section 4.3).
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import NamedTuple

import aioimaplib

log = logging.getLogger(__name__)

Piece = bytes | tuple[bytes, bytes]
_LITERAL_AT_END = re.compile(rb"\{(\d+)\+?\}\Z")
MAX_LINE = 8 * 1024 * 1024  # a single response line without literals never gets near this
MAX_LITERAL = 512 * 1024 * 1024


class WireError(Exception):
    """The server broke the protocol (oversized line or literal)."""


class Untagged(NamedTuple):
    """One untagged response (``* ...`` with the ``* `` removed) and its keyword."""

    kind: bytes  # FETCH, EXISTS, LIST, OK, BYE, ... (upper case)
    number: int | None  # the message number of ``* 12 FETCH``/``EXISTS``/``EXPUNGE``
    pieces: list[Piece]

    @property
    def text(self) -> bytes:
        """The first text segment (everything up to a first literal)."""
        first = self.pieces[0]
        return first if isinstance(first, bytes) else first[0]


class Completion(NamedTuple):
    """A tagged response: ``OK``/``NO``/``BAD`` and the rest of its line."""

    status: str
    text: bytes
    untagged: list[Untagged]


class ResponseReader:
    """Splits the server's byte stream into complete responses, in one linear pass."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self._pieces: list[Piece] = []
        self._need = 0  # bytes of literal still expected
        self._prefix = b""
        self._chunks: list[bytes] = []
        self._scanned = 0  # bytes of the buffer already searched for CRLF

    def feed(self, data: bytes) -> list[list[Piece]]:
        if self._need and not self._buf:
            # Inside a big literal: keep the read as it is, no copy through the buffer.
            take = min(self._need, len(data))
            self._chunks.append(data if take == len(data) else data[:take])
            self._need -= take
            if self._need:
                return []
            self._pieces.append((self._prefix, b"".join(self._chunks)))
            self._chunks = []
            data = data[take:]
            if not data:
                return []
        buf = self._buf
        buf += data
        out: list[list[Piece]] = []
        pos = 0
        end_of_buf = len(buf)
        while pos < end_of_buf:
            if self._need:
                take = min(self._need, end_of_buf - pos)
                with memoryview(buf) as view:
                    self._chunks.append(bytes(view[pos:pos + take]))
                pos += take
                self._need -= take
                if self._need:
                    break
                self._pieces.append((self._prefix, b"".join(self._chunks)))
                self._chunks = []
                continue
            # A line longer than one read: search only the new bytes (and one before them,
            # for a CR at the end of the previous read), never the whole line again.
            end = buf.find(b"\r\n", max(pos, self._scanned - 1))
            if end < 0:
                if end_of_buf - pos > MAX_LINE:
                    raise WireError("response line too long")
                self._scanned = end_of_buf
                break
            self._scanned = 0
            line = bytes(buf[pos:end])
            pos = end + 2
            if line.endswith(b"}"):
                match = _LITERAL_AT_END.search(line)
                if match:
                    size = int(match.group(1))
                    if size > MAX_LITERAL:
                        raise WireError("literal too large")
                    if size == 0:
                        self._pieces.append((line, b""))
                    else:
                        self._prefix = line
                        self._need = size
                    continue
            self._pieces.append(line)
            out.append(self._pieces)
            self._pieces = []
        del buf[:pos]
        if self._scanned:
            self._scanned -= pos
        return out


def _classify(pieces: list[Piece]) -> Untagged:
    first = pieces[0]
    text = first if isinstance(first, bytes) else first[0]
    text = text[2:]
    pieces[0] = text if isinstance(first, bytes) else (text, first[1])
    word, _, rest = text.partition(b" ")
    if word.isdigit():
        kind = rest.split(b" ", 1)[0].upper()
        return Untagged(kind, int(word), pieces)
    return Untagged(word.upper(), None, pieces)


class Pending:
    """The command in flight on a connection, or a few pipelined ones (RFC 3501
    section 5.5): their untagged responses go to one list; ``earlier`` holds the
    completions of all but the last, each with the untagged count at that point."""

    __slots__ = ("tag", "future", "untagged", "continuation", "idle", "earlier")

    def __init__(self, tag: bytes, loop: asyncio.AbstractEventLoop, *, idle: bool = False,
                 earlier: tuple[bytes, ...] = ()) -> None:
        self.tag = tag  # the last one
        self.future: asyncio.Future[Completion] = loop.create_future()
        self.untagged: list[Untagged] = []
        self.continuation: asyncio.Future[bytes] = loop.create_future()
        self.idle = idle
        self.earlier: dict[bytes, tuple[Completion, int] | None] = dict.fromkeys(earlier)


class ImapWireProtocol(aioimaplib.IMAP4ClientProtocol):
    """aioimaplib's protocol object with a linear reader and prompt failure on a lost socket."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(loop)
        self._reader = ResponseReader()
        self.greeting: asyncio.Future[Untagged] = loop.create_future()
        self.pending: Pending | None = None
        self.pushed: asyncio.Queue[Untagged] = asyncio.Queue(maxsize=1_000)
        self.lost: BaseException | None = None
        self.bye: bytes | None = None
        self._push_overflow = False

    # -- asyncio.Protocol ---------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        self.state = aioimaplib.CONNECTED

    def data_received(self, data: bytes) -> None:
        try:
            responses = self._reader.feed(data)
        except WireError as exc:
            self._fail(exc)
            if self.transport is not None:
                self.transport.abort()
            return
        for pieces in responses:
            self._dispatch(pieces)

    def connection_lost(self, exc: Exception | None) -> None:
        self.state = aioimaplib.LOGOUT
        reason = exc or ConnectionResetError(
            "connection closed by the server" + (f": {self.bye.decode(errors='replace')}"
                                                 if self.bye else "")
        )
        self._fail(reason)

    def eof_received(self) -> bool | None:
        return None  # close the transport; connection_lost follows

    # -- dispatch ------------------------------------------------------------------------------

    def _fail(self, exc: BaseException) -> None:
        if self.lost is None:
            self.lost = exc
        for fut in (self.greeting,) + ((self.pending.future, self.pending.continuation)
                                       if self.pending else ()):
            if not fut.done():
                fut.set_exception(ConnectionResetError(str(exc) or type(exc).__name__))
                fut.exception()  # mark retrieved: nobody may be waiting on this one

    def _dispatch(self, pieces: list[Piece]) -> None:
        first = pieces[0]
        head = first if isinstance(first, bytes) else first[0]
        if head.startswith(b"* "):
            untagged = _classify(pieces)
            if not self.greeting.done():
                self.greeting.set_result(untagged)
                return
            if untagged.kind == b"BYE":
                self.bye = untagged.text
            pending = self.pending
            if pending is not None and not pending.idle:
                pending.untagged.append(untagged)
            else:
                try:
                    self.pushed.put_nowait(untagged)
                except asyncio.QueueFull:
                    # Nobody reads this connection's pushes (a pooled session): drop the
                    # oldest, say so once.
                    self.pushed.get_nowait()
                    self.pushed.put_nowait(untagged)
                    if not self._push_overflow:
                        self._push_overflow = True
                        log.info("IMAP: unread server pushes; keeping the newest only")
        elif head.startswith(b"+"):
            pending = self.pending
            if pending is not None and not pending.continuation.done():
                pending.continuation.set_result(head[2:])
        else:
            tag, _, rest = head.partition(b" ")
            pending = self.pending
            if pending is None or (tag != pending.tag and tag not in pending.earlier):
                log.warning("IMAP: response for an unknown tag %r", tag[:20])
                return
            status, _, text = rest.partition(b" ")
            if tag != pending.tag:
                pending.earlier[tag] = (
                    Completion(status.decode("ascii", "replace").upper(), text, []),
                    len(pending.untagged))
                return
            self.pending = None
            if not pending.future.done():
                pending.future.set_result(
                    Completion(status.decode("ascii", "replace").upper(), text, pending.untagged))

    def write(self, data: bytes) -> None:
        if self.transport is None or self.transport.is_closing():
            raise ConnectionResetError("connection closed")
        self.transport.write(data)
