"""The DATA content: CRLF line endings and dot-stuffing (RFC 5321 §4.5.2), pure."""

from __future__ import annotations

import itertools
import re

from gateway.protocols.smtp.client import _stuffed


def _reference(message: bytes) -> bytes:
    body = re.sub(rb"(?m)^\.", b"..", re.sub(rb"\r\n|\r|\n", b"\r\n", message))
    return body if body.endswith(b"\r\n") else body + b"\r\n"


def test_every_short_message_matches_the_plain_rule() -> None:
    pieces = [b"a", b".", b"\r", b"\n", b"\r\n"]
    for n in range(7):
        for combo in itertools.product(pieces, repeat=n):
            message = b"".join(combo)
            assert _stuffed(message) == _reference(message), message


def test_examples() -> None:
    assert _stuffed(b"Subject: x\r\n\r\nbody\r\n") == b"Subject: x\r\n\r\nbody\r\n"
    assert _stuffed(b"a\r\n.b\r\n.\r\n") == b"a\r\n..b\r\n..\r\n"
    assert _stuffed(b".start\nbare lf\rbare cr") == b"..start\r\nbare lf\r\nbare cr\r\n"
    assert _stuffed(b"no final line end") == b"no final line end\r\n"
    assert _stuffed(b"") == b"\r\n"
