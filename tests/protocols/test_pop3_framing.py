"""POP3 response framing (RFC 1939 section 3) without a server."""

from __future__ import annotations

import pytest

from gateway.errors import AccountBusy, UpstreamAuthFailed, UpstreamRejected, UpstreamUnavailable
from gateway.protocols.pop3 import FramingError, Reply, ResponseBuffer, reply_error, unstuff


def feed_all(chunks: list[bytes]) -> tuple[list[bytes], list[bytes]]:
    """Feed chunks one by one, alternating status line / body as a client would."""
    buf = ResponseBuffer()
    lines: list[bytes] = []
    bodies: list[bytes] = []
    want_body = False
    for chunk in chunks:
        buf.feed(chunk)
        while True:
            if want_body:
                body = buf.pop_body()
                if body is None:
                    break
                bodies.append(body)
                want_body = False
            else:
                line = buf.pop_line()
                if line is None:
                    break
                lines.append(line)
                want_body = line.startswith(b"+OK")
    return lines, bodies


MESSAGE_WIRE = (
    b"+OK 120 octets\r\n"
    b"Subject: x\r\n\r\n"
    b"..leading dot\r\n"
    b"...two dots\r\n"
    b"..\r\n"  # a line that is just "." in the message
    b"last\r\n"
    b".\r\n"
)
MESSAGE = b"Subject: x\r\n\r\n.leading dot\r\n..two dots\r\n.\r\nlast\r\n"


def test_multiline_with_dot_stuffing():
    lines, bodies = feed_all([MESSAGE_WIRE])
    assert lines == [b"+OK 120 octets"]
    assert bodies == [MESSAGE]


@pytest.mark.parametrize("size", [1, 2, 3, 5, 7])
def test_split_across_reads_at_every_point(size):
    wire = MESSAGE_WIRE + b"+OK\r\n.\r\n" + MESSAGE_WIRE
    chunks = [wire[i : i + size] for i in range(0, len(wire), size)]
    lines, bodies = feed_all(chunks)
    assert lines == [b"+OK 120 octets", b"+OK", b"+OK 120 octets"]
    assert bodies == [MESSAGE, b"", MESSAGE]


def test_every_split_point_of_terminator_and_crlf():
    wire = MESSAGE_WIRE
    for cut in range(1, len(wire)):
        lines, bodies = feed_all([wire[:cut], wire[cut:]])
        assert bodies == [MESSAGE], cut


def test_empty_body_and_pipelined_replies():
    lines, bodies = feed_all([b"+OK\r\n.\r\n-ERR no such message\r\n+OK 2 3\r\n1 5\r\n.\r\n"])
    assert lines == [b"+OK", b"-ERR no such message", b"+OK 2 3"]
    assert bodies == [b"", b"1 5\r\n"]


def test_long_line_has_no_limit():
    long = b"x" * 10_000
    lines, bodies = feed_all([b"+OK\r\n" + long[:3000], long[3000:] + b"\r\n.\r\n"])
    assert bodies == [long + b"\r\n"]


def test_body_size_cap_and_status_line_cap():
    buf = ResponseBuffer(max_body=100)
    buf.feed(b"y" * 101)
    with pytest.raises(FramingError):
        buf.pop_body()
    buf = ResponseBuffer(max_line=10)
    buf.feed(b"+OK " + b"z" * 20)
    with pytest.raises(FramingError):
        buf.pop_line()


def test_bare_lf_status_line_and_unstuff():
    buf = ResponseBuffer()
    buf.feed(b"+OK hi\n")
    assert buf.pop_line() == b"+OK hi"
    assert unstuff(b"..a\r\n..\r\nb\r\n") == b".a\r\n.\r\nb\r\n"


@pytest.mark.parametrize(
    ("verb", "text", "exc", "code"),
    [
        ("PASS", "[AUTH] Authentication failed.", UpstreamAuthFailed, "auth_failed"),
        ("AUTH", "Authentication failed.", UpstreamAuthFailed, "auth_failed"),
        ("PASS", "[IN-USE] Mailbox locked", AccountBusy, "account_busy"),
        ("RETR", "[SYS/TEMP] try later", UpstreamUnavailable, "pop3_unavailable"),
        ("RETR", "no such message", UpstreamRejected, "pop3_rejected"),
    ],
)
def test_error_replies_map_to_gateway_errors(verb, text, exc, code):
    err = reply_error(Reply(verb, None, False, text))
    assert isinstance(err, exc) and err.code == code
    assert text in err.detail
