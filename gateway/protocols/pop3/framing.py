"""POP3 wire framing (RFC 1939 section 3) and replies: pure, no I/O, unit-tested alone."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ...errors import (
    AccountBusy,
    UpstreamAuthFailed,
    UpstreamError,
    UpstreamRejected,
    UpstreamThrottled,
    UpstreamUnavailable,
)
from ..throttling import pop3_throttle

PROTOCOL = "pop3"
MAX_STATUS_LINE = 64 * 1024  # RFC 2449 section 4 allows 512 octets; be generous, not unbounded
DEFAULT_MAX_MESSAGE = 256 * 1024 * 1024

_RESP_CODE = re.compile(r"^\[([^\]]+)\]")
_LOGIN_VERBS = frozenset({"greeting", "USER", "PASS", "AUTH", "APOP"})


class FramingError(Exception):
    """The server's bytes are not valid POP3 framing."""


class MessageTooLarge(FramingError):
    """A multi-line reply grew past the size cap (``pop3_max_message_bytes``)."""


def unstuff(body: bytes) -> bytes:
    """Undo RFC 1939 section 3 byte-stuffing: a leading "." of any data line is removed."""
    if body.startswith(b"."):
        body = body[1:]
    return body.replace(b"\r\n.", b"\r\n")


class ResponseBuffer:
    """Splits the server's byte stream into status lines and multi-line bodies.

    RFC 1939 section 3: a multi-line response is the status line, data lines with
    "." stuffed in front of lines that start with ".", and a line holding only "."
    (so the body ends at CRLF "." CRLF; an empty body is just "." CRLF).
    """

    def __init__(
        self, *, max_line: int = MAX_STATUS_LINE, max_body: int = DEFAULT_MAX_MESSAGE
    ) -> None:
        self._buf = bytearray()
        self._scan = 0  # where the terminator search resumes in an unfinished body
        self.max_line = max_line
        self.max_body = max_body

    def feed(self, data: bytes) -> None:
        self._buf += data

    def __len__(self) -> int:
        return len(self._buf)

    def pop_line(self) -> bytes | None:
        """The next status line without its line ending, or None if it is incomplete."""
        idx = self._buf.find(b"\n")
        if idx < 0:
            if len(self._buf) > self.max_line:
                raise FramingError(f"status line longer than {self.max_line} bytes")
            return None
        end = idx
        if end and self._buf[end - 1] == 0x0D:
            end -= 1
        line = bytes(self._buf[:end])
        del self._buf[: idx + 1]
        return line

    def pop_body(self) -> bytes | None:
        """The next multi-line body, unstuffed, with CRLF line ends; None if incomplete."""
        buf = self._buf
        if buf[:3] == b".\r\n":
            del buf[:3]
            self._scan = 0
            return b""
        if len(buf) < 3 and b".\r\n".startswith(bytes(buf)):
            return None
        idx = buf.find(b"\r\n.\r\n", max(0, self._scan - 4))
        if idx < 0:
            self._scan = len(buf)
            if len(buf) > self.max_body:
                raise MessageTooLarge(f"message larger than {self.max_body} bytes")
            return None
        body = bytes(buf[: idx + 2])
        del buf[: idx + 5]
        self._scan = 0
        return unstuff(body)


@dataclass(slots=True)
class Reply:
    verb: str
    arg: int | None
    ok: bool
    text: str
    body: bytes | None = None
    cont: bool = False  # a SASL continuation ("+ challenge"), not "+OK"


def reply_error(reply: Reply) -> UpstreamError:
    """Turn an ``-ERR`` reply into the gateway's exception (RFC 2449 section 8 codes)."""
    detail = f"{reply.verb}: -ERR {reply.text}".strip()
    match = _RESP_CODE.match(reply.text)
    code = match.group(1).upper() if match else ""
    throttle = pop3_throttle(reply.text) if reply.verb in _LOGIN_VERBS else None
    if throttle is not None:  # [LOGIN-DELAY], a connection limit: back off, no retry now
        wait = max(1, round(throttle.retry_after)) if throttle.retry_after else 5
        return UpstreamThrottled(detail, kind=throttle.kind, protocol=PROTOCOL, retry_after=wait)
    if code == "IN-USE":
        return AccountBusy(detail)  # type: ignore[return-value]
    if code == "SYS/TEMP":
        return UpstreamUnavailable(detail, protocol=PROTOCOL)
    if code == "AUTH" or reply.verb in ("PASS", "AUTH", "APOP"):
        return UpstreamAuthFailed(detail, protocol=PROTOCOL)
    return UpstreamRejected(detail, code="pop3_rejected", protocol=PROTOCOL)
