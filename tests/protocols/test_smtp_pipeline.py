"""The pipelining reply reader (pure: fed bytes by hand, no server)."""

from __future__ import annotations

import asyncio

import pytest
from aiosmtplib.errors import SMTPReadTimeoutError, SMTPResponseException, SMTPServerDisconnected

from gateway.protocols.smtp.pipeline import ReplyReader


class _Owner(asyncio.Protocol):
    def __init__(self) -> None:
        self.lost: list[object] = []

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost.append(exc)


async def test_replies_split_anywhere_and_multiline() -> None:
    reader = ReplyReader(_Owner())
    stream = (
        b"250 2.1.0 Ok\r\n250-first line\r\n250 2.1.5 Ok\r\n"
        b"550 5.1.1 <x@example.test>: unknown\r\n354 End data with <CR><LF>.<CR><LF>\r\n"
    )
    for i in range(0, len(stream), 7):  # arrives in odd pieces
        reader.data_received(stream[i : i + 7])
    assert await reader.reply(1) == (250, "2.1.0 Ok")
    assert await reader.reply(1) == (250, "first line\n2.1.5 Ok")
    assert await reader.reply(1) == (550, "5.1.1 <x@example.test>: unknown")
    assert (await reader.reply(1))[0] == 354
    assert not reader.leftover


async def test_waits_for_more_bytes() -> None:
    reader = ReplyReader(_Owner())
    task = asyncio.ensure_future(reader.reply(2))
    await asyncio.sleep(0.01)  # scenario: the reader is waiting before any byte arrives
    reader.data_received(b"25")
    await asyncio.sleep(0.01)  # scenario: and still waiting after half a reply line
    assert not task.done()
    reader.data_received(b"0 ok\r\n")
    assert await task == (250, "ok")


async def test_bare_code_and_lf_only() -> None:
    reader = ReplyReader(_Owner())
    reader.data_received(b"250\n")
    assert await reader.reply(1) == (250, "")


async def test_errors() -> None:
    reader = ReplyReader(_Owner())
    with pytest.raises(SMTPReadTimeoutError):
        await reader.reply(0.05)
    reader.data_received(b"hello there\r\n")
    with pytest.raises(SMTPResponseException):
        await reader.reply(1)
    owner = _Owner()
    reader = ReplyReader(owner)
    reader.connection_lost(None)
    assert owner.lost == [None]  # aiosmtplib's protocol hears about it too
    with pytest.raises(SMTPServerDisconnected):
        await reader.reply(1)
    reader = ReplyReader(_Owner())
    reader.data_received(b"2" * 40_000)
    with pytest.raises(SMTPResponseException):
        await reader.reply(1)
