"""The linear response reader: any split of the input gives the same responses."""

from __future__ import annotations

import asyncio
import random
import time

import pytest

from gateway.protocols.imap.wire import (
    LOST,
    MIN_PROGRESS,
    ImapWireProtocol,
    Pending,
    ResponseReader,
    WireError,
)

STREAM = (
    b"* 1 FETCH (UID 5 BODY[] {5}\r\nhello FLAGS (\\Seen))\r\n"
    b"* 2 EXISTS\r\n"
    b"* 3 FETCH (BODY[HEADER] {0}\r\n BODY[1] {3}\r\n{1})\r\n"
    b'* LIST () "/" {4}\r\na\r\nb\r\n'
    b"G1 OK done\r\n"
)


def test_literals_are_kept_whole_in_imaplib_shape() -> None:
    out = ResponseReader().feed(STREAM)
    assert out[0] == [(b"* 1 FETCH (UID 5 BODY[] {5}", b"hello"), b" FLAGS (\\Seen))"]
    assert out[1] == [b"* 2 EXISTS"]
    assert out[2] == [(b"* 3 FETCH (BODY[HEADER] {0}", b""), (b" BODY[1] {3}", b"{1}"), b")"]
    assert out[3] == [(b'* LIST () "/" {4}', b"a\r\nb"), b""]
    assert out[4] == [b"G1 OK done"]


@pytest.mark.parametrize("seed", range(20))
def test_any_split_gives_the_same_result(seed: int) -> None:
    rng = random.Random(seed)
    reader = ResponseReader()
    out, pos = [], 0
    while pos < len(STREAM):
        step = rng.randint(1, 12)
        out += reader.feed(STREAM[pos : pos + step])
        pos += step
    assert out == ResponseReader().feed(STREAM)


def test_many_lines_in_one_read_are_linear_and_never_recurse() -> None:
    # aioimaplib recursed per line (RecursionError near 1,000) and rescanned per line.
    lines = b"".join(b"* %d FETCH (UID %d FLAGS (\\Seen))\r\n" % (i, i) for i in range(1, 50_001))
    started = time.process_time()
    out = ResponseReader().feed(lines + b"G1 OK\r\n")
    elapsed = time.process_time() - started
    assert len(out) == 50_001
    assert elapsed < 5  # generous: the point is "not quadratic", measured in bench/


def test_large_literal_in_small_chunks() -> None:
    body = bytes(range(256)) * 4096  # 1 MiB, with CR/LF bytes inside
    data = b"* 1 FETCH (BODY[] {%d}\r\n" % len(body) + body + b")\r\n"
    reader = ResponseReader()
    out = []
    for i in range(0, len(data), 65536):
        out += reader.feed(data[i : i + 65536])
    assert out == [[(b"* 1 FETCH (BODY[] {%d}" % len(body), body), b")"]]


def test_endless_line_is_refused() -> None:
    reader = ResponseReader()
    with pytest.raises(WireError):
        for _ in range(200):
            reader.feed(b"x" * 65536)


def test_the_line_buffer_is_allocated_on_demand_grows_when_busy_and_is_given_up() -> None:
    # One IDLE connection per watched account: a buffer held while nothing comes costs
    # RSS per account (issue #15). It is allocated when the server sends, kept between
    # responses, and given up by ``release`` (a connection entering IDLE).
    reader = ResponseReader()
    assert len(reader._buf) == 0
    assert reader.feed(b"* OK ready\r\n") == [[b"* OK ready"]]
    assert len(reader._buf) == 16 * 1024
    offered = []
    lines = b"".join(b"* %d FETCH (UID %d FLAGS (\\Seen))\r\n" % (i, i) for i in range(20_000))
    pos = 0
    while pos < len(lines):  # a transport reading as much as it is offered
        target = reader.buffer()
        offered.append(len(target))
        count = min(len(target), len(lines) - pos)
        target[:count] = lines[pos : pos + count]
        target.release()
        pos += count
        reader.advance(count)
    assert offered[0] == 16 * 1024
    assert max(offered) > 60 * 1024  # full reads: larger reads, fewer callbacks
    assert max(offered) < 2 * 64 * 1024 + 16 * 1024
    kept = reader._buf
    assert reader.feed(b"G1 OK done\r\n") == [[b"G1 OK done"]]
    assert reader._buf is kept  # the next response reuses it
    assert reader.feed(b"* 1 FETCH (BODY[] {5}\r\nhe") == []
    reader.release()  # something is pending: kept
    assert len(reader._buf) > 0
    assert reader.feed(b"llo)\r\n") == [[(b"* 1 FETCH (BODY[] {5}", b"hello"), b")"]]
    reader.release()
    assert len(reader._buf) == 0
    assert reader.feed(b"* 2 EXISTS\r\n") == [[b"* 2 EXISTS"]]


async def test_a_connection_entering_idle_gives_its_line_buffer_up() -> None:
    proto = ImapWireProtocol(asyncio.get_running_loop())
    proto.data_received(b"* OK ready\r\n")
    proto.pending = Pending(b"A1", asyncio.get_running_loop(), idle=True)
    proto.data_received(b"* 1 EXISTS\r\n+ idling\r\n")
    assert proto.pending.continuation.result() == b"idling"
    assert len(proto._reader._buf) == 0
    proto.data_received(b"* 2 EXISTS\r\n")
    assert [proto.pushed.get_nowait().number for _ in range(2)] == [1, 2]


def _read_in_place(reader: ResponseReader, data: bytes, sizes: random.Random) -> list:
    """What a BufferedProtocol transport does: write into ``buffer()``, then ``advance``."""
    out, pos = [], 0
    while pos < len(data):
        target = reader.buffer()
        assert len(target) > 0
        count = min(len(target), len(data) - pos, sizes.randint(1, 300_000))
        target[:count] = data[pos : pos + count]
        target.release()
        pos += count
        out += reader.advance(count)
    return out


@pytest.mark.parametrize("seed", range(10))
def test_reading_into_the_buffers_gives_the_same_result(seed: int) -> None:
    body = bytes(range(256)) * 4096  # 1 MiB, with CR/LF bytes inside
    small = b"x\r\n" * 10_000  # through the line buffer (30 kB)
    long_line = b"* 9 FETCH (FLAGS (" + b"\\Seen " * 40_000 + b"))\r\n"  # longer than a buffer
    data = (
        STREAM
        + b"* 1 FETCH (UID 5 BODY[]<0> {%d}\r\n" % len(body)
        + body
        + b")\r\n"
        + b"* 2 FETCH (BODY[1] {%d}\r\n" % len(small)
        + small
        + b")\r\n"
        + long_line
        + b"G2 OK done\r\n"
    )
    expected = ResponseReader().feed(data)
    assert expected[5] == [(b"* 1 FETCH (UID 5 BODY[]<0> {%d}" % len(body), body), b")"]
    assert expected[6] == [(b"* 2 FETCH (BODY[1] {%d}" % len(small), small), b")"]
    assert expected[7] == [long_line[:-2]]
    assert _read_in_place(ResponseReader(), data, random.Random(seed)) == expected


def test_a_large_literal_is_received_in_place() -> None:
    body = bytes(range(256)) * 4000
    reader = ResponseReader()
    head = b"* 1 FETCH (BODY[] {%d}\r\n" % len(body)
    assert reader.feed(head + body[:1000]) == []
    # The transport is offered the literal's own memory, a slice at a time, never more
    # than its remaining bytes, so TLS decrypts straight into it.
    pos = 1000
    while reader.literal_remaining:
        assert reader.literal_remaining == len(body) - pos
        target = reader.buffer()
        count = len(target)
        assert 0 < count <= reader.literal_remaining
        target[:] = body[pos : pos + count]
        target.release()
        pos += count
        assert reader.advance(count) == []
    assert pos == len(body)
    assert reader.feed(b")\r\n") == [[(head[:-2], body), b")"]]


class _Transport:
    """Just enough of an asyncio transport to see pause_reading/resume_reading."""

    def __init__(self) -> None:
        self.paused = False

    def get_extra_info(self, name: str) -> None:
        return None

    def is_closing(self) -> bool:
        return False

    def pause_reading(self) -> None:
        self.paused = True

    def resume_reading(self) -> None:
        self.paused = False


def _receive(proto: ImapWireProtocol, data: bytes) -> None:
    while data:
        target = proto.get_buffer(-1)
        count = min(len(target), len(data))
        target[:count] = data[:count]
        target.release()
        proto.buffer_updated(count)
        data = data[count:]


async def test_a_held_connection_still_reads_a_minimum_between_holds() -> None:
    proto = ImapWireProtocol(asyncio.get_running_loop())
    transport = _Transport()
    proto.connection_made(transport)  # type: ignore[arg-type]
    _receive(proto, b"* OK ready\r\n* 1 FETCH (BODY[] {%d}\r\n" % (4 * MIN_PROGRESS))
    proto.hold()
    assert transport.paused is False  # too little read so far
    _receive(proto, b"x" * MIN_PROGRESS)
    assert transport.paused is True
    proto.release()
    assert transport.paused is False
    proto.hold()
    assert transport.paused is False  # progress first
    _receive(proto, b"x" * (MIN_PROGRESS - 1))
    assert transport.paused is False
    _receive(proto, b"x")
    assert transport.paused is True
    proto.release()
    proto.release()
    assert transport.paused is False


def test_wire_protocol_is_aioimaplibs_and_reads_into_buffers() -> None:
    import asyncio

    import aioimaplib

    from gateway.protocols.imap.wire import BufferedShim, ImapWireProtocol

    assert issubclass(ImapWireProtocol, aioimaplib.IMAP4ClientProtocol)
    # uvloop reads into buffers only for protocols that are not plain asyncio.Protocols
    assert issubclass(BufferedShim, asyncio.BufferedProtocol)
    assert not issubclass(BufferedShim, asyncio.Protocol)
    loop = asyncio.new_event_loop()
    try:
        proto = ImapWireProtocol(loop)
        assert proto.shim.target is proto
        # A transport that hands over bytes instead: the same reader gets them.
        proto.data_received(b"* OK [CAPABILITY IMAP4rev1] ready\r\n")
        assert proto.greeting.done() and proto.greeting.result().kind == b"OK"
    finally:
        loop.close()


async def test_a_lost_connection_is_told_to_the_reader_of_pushes() -> None:
    # A watcher in IDLE waits on ``pushed`` alone (no periodic liveness check): the end of
    # the connection must arrive there, after what the server pushed before it.
    proto = ImapWireProtocol(asyncio.get_running_loop())
    proto.greeting.set_result(None)
    proto.data_received(b"* 3 EXISTS\r\n")
    proto.connection_lost(None)
    first, last = proto.pushed.get_nowait(), proto.pushed.get_nowait()
    assert (first.kind, first.number) == (b"EXISTS", 3)
    assert last.kind == LOST and b"closed by the server" in last.text
    assert proto.pushed.empty()
