"""The builder's shortcuts give what the slower, obvious way gives (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from gateway.errors import InvalidInput
from gateway.model.messages import Address, parse_address
from gateway.protocols.mime import build as mime_build
from gateway.protocols.mime.encode import body_part


def test_date_now_is_format_datetime(monkeypatch: pytest.MonkeyPatch) -> None:
    instants = [
        datetime(2020, 1, 1, tzinfo=UTC) + timedelta(days=k * 1.37, seconds=k * 7919)
        for k in range(2000)
    ]

    class Clock(datetime):
        @classmethod
        def now(cls, tz=None):  # noqa: ANN001, ANN206
            return instants[-1]

    monkeypatch.setattr(mime_build, "datetime", Clock)
    while instants:
        assert mime_build.date_now() == format_datetime(instants[-1])
        instants.pop()


def test_parsed_addresses_are_remembered_but_errors_are_not() -> None:
    first = parse_address("Ann Example <ann@example.test>", where="to[0]")
    assert first == Address("ann@example.test", "Ann Example")
    assert parse_address("Ann Example <ann@example.test>", where="cc[3]") is first
    for _ in range(2):
        with pytest.raises(InvalidInput, match=r"^to\[1\]"):
            parse_address("not an address", where="to[1]")
    with pytest.raises(InvalidInput, match=r"^cc\[0\]"):
        parse_address("not an address", where="cc[0]")
    assert parse_address("bob@bücher.example") == Address("bob@xn--bcher-kva.example")


@pytest.mark.parametrize(
    "text", ["a\r\nb\rc\nd", "plain\nlines\n", "x" * 998, "x" * 999, "é\r\n" + "y" * 2000, ""]
)
def test_body_part_line_endings_and_long_lines(text: str) -> None:
    headers, body = body_part(text, "plain")
    normalised = text.replace("\r\n", "\n").replace("\r", "\n")
    if normalised.isascii() and all(len(line) <= 998 for line in normalised.split("\n")):
        assert headers[1] == "Content-Transfer-Encoding: 7bit"
        expected = normalised.replace("\n", "\r\n").encode()
        assert body == (expected if expected.endswith(b"\r\n") else expected + b"\r\n")
    else:
        assert headers[1] == "Content-Transfer-Encoding: quoted-printable"
    assert b"\r" not in body.replace(b"\r\n", b"")
