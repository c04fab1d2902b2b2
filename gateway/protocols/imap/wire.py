"""IMAP on the wire: a linear response reader and the asyncio protocol beneath a session.

The protocol is aioimaplib's ``IMAP4ClientProtocol``: its connection state (RFC 3501
section 3), which ``ImapConnection`` moves and checks every command against with
aioimaplib's command table. Its response handling is replaced because of defects listed
in MAILSTACK.md (tests/test_library_contracts.py checks that it cannot run): it
rescans every line of a FETCH per new line (quadratic: 8,000 FETCH lines cost
~16 s of CPU), recurses once per line (RecursionError near 1,000 lines in one
read), drops unsolicited EXISTS/EXPUNGE/VANISHED outside IDLE, cannot send
literals in arguments, leaves pending commands waiting for their full timeout
when the socket drops, and, being a plain ``asyncio.Protocol``, gets every read
as a new ``bytes`` (behind TLS: allocated and joined per read). The transport
talks to it through ``BufferedShim``, so it reads into our buffers. The reader below is one
pass over the input with an offset (never re-reading bytes), lets the transport
read into its own buffers (a large literal straight into a buffer of its size)
and fails the pending command as soon as the connection is lost.

Responses are handed over in imaplib's shape, which imapclient's parser
understands: a list of pieces, each either ``bytes`` (text without a literal)
or ``(text_ending_with_{n}, literal_bytes)`` (RFC 3501 section 4.3).
"""

from __future__ import annotations

import asyncio
import logging
import re
import socket
from typing import NamedTuple, cast

import aioimaplib

log = logging.getLogger(__name__)

Piece = bytes | tuple[bytes, bytes]
_LITERAL_AT_END = re.compile(rb"\{(\d+)\+?\}\Z")
MAX_LINE = 8 * 1024 * 1024  # a single response line without literals never gets near this
MAX_LITERAL = 512 * 1024 * 1024
_LINE_BUFFER = 64 * 1024  # lines and small literals; grows for longer ones, then shrinks back
_MIN_READ = 16 * 1024  # free space offered to the transport at least (one TLS record)
# The line buffer is allocated when the server first sends: at _MIN_READ, doubling (up to
# _LINE_BUFFER) while reads fill it, and kept for the next response; a connection entering
# IDLE gives it up (``ResponseReader.release``), so a watcher that waits holds none. (One
# per connection, up front and zero-filled, cost 64 kB of RSS per connection: issue #15.)
# A large literal is offered to the transport this much at a time: the TLS layer then
# decrypts one slice per callback, and other callbacks (a listing's) run in between.
_READ_UNIT = 64 * 1024
# While a large literal streams in, the socket wakes the loop only once this much has
# arrived (SO_RCVLOWAT), not for every segment the server happens to flush: a sender
# slower than us otherwise costs one wakeup, TLS read and callback per ~11 kB.
_LOW_WATER = 256 * 1024
# ... and never for more than the literal's remaining bytes minus this: the bytes of a
# partial TLS record (<= 16 kB + overhead) may already sit in the TLS layer.
_LOW_WATER_SLACK = 32 * 1024
MIN_PROGRESS = 64 * 1024  # bytes a held connection reads at least between two holds
# Linux only: acknowledge at once instead of after the delayed-ACK timer (~40 ms).
_TCP_QUICKACK = getattr(socket, "TCP_QUICKACK", None)


# The kind of the one ``Untagged`` put in ``pushed`` when the connection ends, so that a
# reader of pushes (a watcher in IDLE) learns it at once, without checking now and then.
LOST = b"*LOST"


# RFC 3501 section 7.3-7.4 (and RFC 7162 VANISHED): what a server reports of changes to
# the selected mailbox; NO/BAD/BYE: a complaint about it (Dovecot: deleted and recreated).
_MAILBOX_NEWS = frozenset({b"EXISTS", b"EXPUNGE", b"FETCH", b"VANISHED", b"NO", b"BAD", b"BYE"})


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
    """Splits the server's byte stream into complete responses, in one linear pass.

    The transport writes into the reader's own memory (``buffer``, then ``advance``
    with the byte count: asyncio's ``BufferedProtocol``), so TLS decrypts straight
    into it: lines into a reused line buffer, and a large literal (a message or a
    ``STREAM_CHUNK`` of one) into a buffer of exactly its size, which becomes the
    literal's ``bytes`` with one copy when complete. ``feed`` does the same for bytes
    at hand (tests, benchmarks).
    """

    def __init__(self) -> None:
        self._buf = bytearray()  # allocated when the server sends (``_make_room``)
        self._size = _MIN_READ  # the size the next line buffer gets at least
        self._offered = 0  # bytes of the line buffer last offered to the transport
        self._start = 0  # first byte not yet consumed
        self._end = 0  # end of the bytes received
        self._scanned = 0  # the line buffer was searched for CRLF up to here
        self._pieces: list[Piece] = []
        self._prefix = b""  # the line announcing the literal being read
        self._need = 0  # size of a literal being read through the line buffer
        self._literal: bytearray | None = None  # a large literal, received in place
        self._filled = 0  # bytes of ``_literal`` received

    def buffer(self) -> memoryview:
        """Free memory for the next bytes from the server (never empty)."""
        literal = self._literal
        if literal is not None:
            filled = self._filled
            return memoryview(literal)[filled : filled + _READ_UNIT]
        buf = self._buf
        if len(buf) - self._end < _MIN_READ:
            self._make_room()
            buf = self._buf
        self._offered = len(buf) - self._end
        return memoryview(buf)[self._end :]

    def _make_room(self) -> None:
        # Move the unconsumed bytes to the front, into a larger buffer if they need it.
        # Never resized in place: the transport may still hold a view of the buffer.
        start, end = self._start, self._end
        kept = end - start
        want = kept + max(_MIN_READ, self._need)
        if want > len(self._buf) or self._size > len(self._buf):
            # Doubling: linear for long lines; and a busy connection's grows (``advance``).
            new = bytearray(max(want, 2 * len(self._buf), self._size))
            new[:kept] = self._buf[start:end]
            self._buf = new
        elif start:
            self._buf[:kept] = self._buf[start:end]
        self._start, self._end = 0, kept
        if self._scanned:
            self._scanned -= start

    def release(self) -> None:
        """Give the line buffer up while nothing is pending in it (the connection waits:
        IDLE); the next bytes from the server allocate a new one."""
        if (
            self._start == self._end
            and self._literal is None
            and not self._need
            and not self._pieces
        ):
            self._buf = bytearray()
            self._start = self._end = self._scanned = 0
            self._size = _MIN_READ

    @property
    def literal_remaining(self) -> int:
        """Bytes still to come of the large literal being received (0 when none is)."""
        literal = self._literal
        return 0 if literal is None else len(literal) - self._filled

    def advance(self, count: int) -> list[list[Piece]]:
        """``count`` bytes were written into ``buffer()``: the responses now complete."""
        literal = self._literal
        if literal is not None:
            self._filled += count
            if self._filled < len(literal):
                return []
            self._literal = None
            self._pieces.append((self._prefix, bytes(literal)))
            return []  # the response goes on after its literal, at least with ")"
        self._end += count
        if count >= self._offered and self._size < _LINE_BUFFER:
            self._size *= 2  # a busy connection: larger reads, fewer callbacks
        return self._split()

    def feed(self, data: bytes) -> list[list[Piece]]:
        """Read ``data`` (copied into the reader's buffers): the responses now complete."""
        out: list[list[Piece]] = []
        with memoryview(data) as view:
            pos = 0
            while pos < len(view):
                with self.buffer() as target:
                    count = min(len(target), len(view) - pos)
                    target[:count] = view[pos : pos + count]
                pos += count
                out += self.advance(count)
        return out

    def _split(self) -> list[list[Piece]]:
        buf = self._buf
        out: list[list[Piece]] = []
        pos = self._start
        end_of_buf = self._end
        while pos < end_of_buf:
            if self._need:
                if end_of_buf - pos < self._need:
                    break  # _make_room keeps space for all of it
                self._pieces.append((self._prefix, bytes(buf[pos : pos + self._need])))
                pos += self._need
                self._need = 0
                continue
            # A line longer than one read: search only the new bytes (and one before them,
            # for a CR at the end of the previous read), never the whole line again.
            end = buf.find(b"\r\n", max(pos, self._scanned - 1), end_of_buf)
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
                    have = end_of_buf - pos
                    if size == 0:
                        self._pieces.append((line, b""))
                    elif size <= _LINE_BUFFER // 2 or size <= have:
                        self._prefix = line
                        self._need = size
                    else:
                        # Large: the rest of it goes straight into its own buffer.
                        self._prefix = line
                        self._literal = literal = bytearray(size)
                        literal[:have] = buf[pos:end_of_buf]
                        self._filled = have
                        pos = end_of_buf
                        break
                    continue
            self._pieces.append(line)
            out.append(self._pieces)
            self._pieces = []
        if pos == end_of_buf:
            pos = end_of_buf = self._end = 0
            self._scanned = 0
            if len(buf) > _LINE_BUFFER:
                self._buf = bytearray()  # after a long line
                self._size = _MIN_READ
        self._start = pos
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

    def __init__(
        self,
        tag: bytes,
        loop: asyncio.AbstractEventLoop,
        *,
        idle: bool = False,
        earlier: tuple[bytes, ...] = (),
    ) -> None:
        self.tag = tag  # the last one
        self.future: asyncio.Future[Completion] = loop.create_future()
        self.untagged: list[Untagged] = []
        self.continuation: asyncio.Future[bytes] = loop.create_future()
        self.idle = idle
        self.earlier: dict[bytes, tuple[Completion, int] | None] = dict.fromkeys(earlier)


class BufferedShim(asyncio.BufferedProtocol):
    """What the transport is given: the buffered interface of an ``ImapWireProtocol``.

    aioimaplib's protocol class is an ``asyncio.Protocol``, and uvloop's TLS layer reads
    into the protocol's buffers only for protocols that are not: it would allocate and
    join a ``bytes`` per read instead (~1.5 ms of CPU per MB). So the transport talks to
    this plain ``BufferedProtocol``, which hands everything on.
    """

    __slots__ = ("target",)

    def __init__(self, target: ImapWireProtocol) -> None:
        self.target = target

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.target.connection_made(transport)

    def get_buffer(self, sizehint: int) -> memoryview:
        return self.target.get_buffer(sizehint)

    def buffer_updated(self, nbytes: int) -> None:
        self.target.buffer_updated(nbytes)

    def eof_received(self) -> bool | None:
        return self.target.eof_received()

    def connection_lost(self, exc: Exception | None) -> None:
        self.target.connection_lost(exc)


class ImapWireProtocol(aioimaplib.IMAP4ClientProtocol):
    """aioimaplib's protocol object beneath an IMAP connection, with the linear reader,
    dispatch to the command in flight, and prompt failure on a lost socket.

    The transport reaches it through ``self.shim`` (a ``BufferedProtocol``), so the
    transport (and asyncio's or uvloop's TLS layer) reads into the reader's buffers,
    where a plain ``Protocol`` would be handed a fresh ``bytes`` per read.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(loop)
        self.shim = BufferedShim(self)  # give the transport this (see ``BufferedShim``)
        self.transport: asyncio.Transport | None = None
        self._socket: socket.socket | None = None
        self._low_water = 1
        self._reader = ResponseReader()
        self.greeting: asyncio.Future[Untagged] = loop.create_future()
        self.pending: Pending | None = None
        self.pushed: asyncio.Queue[Untagged] = asyncio.Queue(maxsize=1_000)
        self.lost: BaseException | None = None
        self.bye: bytes | None = None
        # Untagged responses that may say the selected mailbox changed, counted over the
        # connection's life, whatever command (or IDLE) they came with (``ImapSession.status_now``).
        self.news = 0
        self._push_overflow = False
        self._held = False  # asked to stop reading for now (``hold``)
        self._paused = False
        self._since_resume = 0  # bytes read since reading last resumed

    # -- the transport's side (through ``BufferedShim``) -------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        self.state = aioimaplib.CONNECTED
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            self._socket = sock

    def data_received(self, data: bytes) -> None:
        """Were the protocol itself given to a transport: the data copied in as if it had
        been read there (aioimaplib's own reader is never used)."""
        view = memoryview(data)
        while view:
            buffer = self.get_buffer(len(view))
            n = min(len(buffer), len(view))
            buffer[:n] = view[:n]
            view = view[n:]
            self.buffer_updated(n)

    def get_buffer(self, sizehint: int) -> memoryview:
        return self._reader.buffer()

    def buffer_updated(self, nbytes: int) -> None:
        try:
            responses = self._reader.advance(nbytes)
        except WireError as exc:
            self._fail(exc)
            if self.transport is not None:
                self.transport.abort()
            return
        for pieces in responses:
            self._dispatch(pieces)
        if self._socket is not None:
            self._set_low_water(self._reader.literal_remaining)
            pending = self.pending
            if pending is not None and not pending.idle and not pending.future.done():
                self._ack_now()
        self._since_resume += nbytes
        if self._held:
            self._pause_if_held()

    def _set_low_water(self, remaining: int) -> None:
        """Let the socket wake us per ``_LOW_WATER`` bytes while a large literal streams in,
        and per byte otherwise. Never more than is sure to come: the server sends the
        literal's bytes without waiting for us (RFC 3501 section 4.3), and Linux wakes a
        reader below the mark anyway at EOF, on errors and under memory pressure."""
        want = min(_LOW_WATER, remaining - _LOW_WATER_SLACK)
        if want < _MIN_READ:
            want = 1
        if want != self._low_water and self._socket is not None:
            try:
                self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_RCVLOWAT, want)
            except OSError:
                self._socket = None  # not supported here: stay at the default
                return
            self._low_water = want

    def _ack_now(self) -> None:
        """A response is still coming: acknowledge what arrived now. A server that answers
        pipelined commands in several writes (Cyrus answers a FETCH and a NOOP sent together
        in two) holds the later, small write under Nagle until the earlier one is
        acknowledged, and Linux delays that ACK by ~40 ms while it waits for data of ours to
        carry it. TCP_QUICKACK sends a scheduled ACK at once (and is not sticky, so it is
        set again for every read that leaves a command unanswered)."""
        if _TCP_QUICKACK is None or self._socket is None:
            return
        try:
            self._socket.setsockopt(socket.IPPROTO_TCP, _TCP_QUICKACK, 1)
        except OSError:
            pass

    # -- giving way to other work -------------------------------------------------------------

    def hold(self) -> None:
        """Stop reading for now (the server's data waits in the socket buffers), but only
        once ``MIN_PROGRESS`` bytes came in since reading last resumed: a response held
        again and again still moves."""
        self._held = True
        self._pause_if_held()

    def release(self) -> None:
        """Read again after ``hold``."""
        self._held = False
        if self._paused:
            self._paused = False
            self._since_resume = 0
            if self.transport is not None and not self.transport.is_closing():
                self.transport.resume_reading()

    def _pause_if_held(self) -> None:
        if (
            not self._paused
            and self._since_resume >= MIN_PROGRESS
            and self.transport is not None
            and not self.transport.is_closing()
        ):
            self.transport.pause_reading()
            self._paused = True

    def connection_lost(self, exc: Exception | None) -> None:
        self.state = aioimaplib.LOGOUT
        reason = exc or ConnectionResetError(
            "connection closed by the server"
            + (f": {self.bye.decode(errors='replace')}" if self.bye else "")
        )
        self._fail(reason)
        self._push(Untagged(LOST, None, [str(reason).encode("utf-8", "replace")]))

    def eof_received(self) -> bool | None:
        return None  # close the transport; connection_lost follows

    # -- dispatch ------------------------------------------------------------------------------

    def _fail(self, exc: BaseException) -> None:
        if self.lost is None:
            self.lost = exc
        for fut in (self.greeting,) + (
            (self.pending.future, self.pending.continuation) if self.pending else ()
        ):
            if not fut.done():
                fut.set_exception(ConnectionResetError(str(exc) or type(exc).__name__))
                fut.exception()  # mark retrieved: nobody may be waiting on this one

    def _dispatch(self, pieces: list[Piece]) -> None:
        first = pieces[0]
        head = first if isinstance(first, bytes) else first[0]
        if head.startswith(b"* "):
            untagged = _classify(pieces)
            if untagged.kind in _MAILBOX_NEWS:
                self.news += 1
            if not self.greeting.done():
                self.greeting.set_result(untagged)
                return
            if untagged.kind == b"BYE":
                self.bye = untagged.text
            pending = self.pending
            if pending is not None and not pending.idle:
                pending.untagged.append(untagged)
            else:
                self._push(untagged)
        elif head.startswith(b"+"):
            pending = self.pending
            if pending is not None and not pending.continuation.done():
                pending.continuation.set_result(head[2:])
                if pending.idle:
                    self._reader.release()  # in IDLE: maybe nothing for minutes
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
                    len(pending.untagged),
                )
                return
            self.pending = None
            if not pending.future.done():
                pending.future.set_result(
                    Completion(status.decode("ascii", "replace").upper(), text, pending.untagged)
                )

    def _push(self, untagged: Untagged) -> None:
        try:
            self.pushed.put_nowait(untagged)
        except asyncio.QueueFull:
            # Nobody reads this connection's pushes (a pooled session): drop the oldest,
            # say so once.
            self.pushed.get_nowait()
            self.pushed.put_nowait(untagged)
            if not self._push_overflow:
                self._push_overflow = True
                log.info("IMAP: unread server pushes; keeping the newest only")

    def write(self, data: bytes) -> None:
        if self.transport is None or self.transport.is_closing():
            raise ConnectionResetError("connection closed")
        self.transport.write(data)
