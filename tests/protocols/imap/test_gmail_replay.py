"""The Gmail replay harness (tests/gmail_replay.py) with the gateway's IMAP client.

Gmail cannot run here; the harness plays recorded real Gmail transcripts (see
``transcripts/gmail/``) and checks the client's commands against the recording. These
tests drive the gateway's own ``ImapSession`` through a whole recorded Gmail session.
"""

from __future__ import annotations

import pytest

from gateway.protocols.imap import ImapRejected, ImapSession
from gateway.protocols.imap.parsing import parse_fetch, parse_list, parse_search
from tests.gmail_replay import ReplayServer, Rule, load_transcript, retag

MAILKIT = load_transcript("mailkit_2014_session")
GOOGLE = load_transcript("google_imap_extensions")


def _session(port: int) -> ImapSession:
    return ImapSession("127.0.0.1", port, security="none", connect_timeout=5, command_timeout=5)


async def test_the_gateway_client_replays_a_recorded_gmail_session_strictly() -> None:
    async with ReplayServer.strict(MAILKIT) as server:
        session = _session(server.port)
        await session.connect()  # greeting without capabilities: CAPABILITY (A00000000)
        assert session.has("X-GM-EXT-1") and session.has("AUTH=XOAUTH2")
        results = {}
        for exchange in MAILKIT.exchanges[1:-1]:
            verb, _, rest = exchange.command.partition(b" ")
            parts = (verb, rest) if rest else (verb,)
            results[exchange.tag] = await session.command(*parts)
        await session.logout()
        assert server.mismatches == []
        assert server.commands() == [e.command for e in MAILKIT.exchanges]
    authenticated = results[b"A00000001"]
    assert b"authenticated (Success)" in authenticated.text
    xlist = parse_list(results[b"A00000004"].untagged, b"XLIST")
    assert ("[Gmail]/Sent Mail", ["\\HasNoChildren", "\\Sent"]) in [
        (e.name, e.flags) for e in xlist
    ]
    assert parse_search(results[b"A00000059"].untagged)[:4] == [1, 2, 3, 5]
    summary = parse_fetch(results[b"A00000060"].untagged)
    assert summary[2][b"ENVELOPE"].subject == b"just testing..."
    body = parse_fetch(results[b"A00000063"].untagged)[3][b"BODY[]"]
    assert len(body) == summary[3][b"RFC822.SIZE"] == 679


async def test_a_command_the_recording_does_not_expect_is_refused_and_noted() -> None:
    async with ReplayServer.strict(MAILKIT) as server:
        session = _session(server.port)
        await session.connect()
        with pytest.raises(ImapRejected):
            await session.command(b"NOOP")  # the recording continues with AUTHENTICATE
        await session.logout()
    assert server.mismatches[0].endswith(
        "expected b'AUTHENTICATE PLAIN AHVzZXJuYW1lAHBhc3N3b3Jk', got b'NOOP'"
    )


async def test_rules_answer_by_verb_and_arguments_with_the_clients_tags() -> None:
    rules = [
        Rule(rb"CAPABILITY", MAILKIT.exchange("A00000000"), times=1),
        Rule(rb'LOGIN "[^"]+" "[^"]+"', GOOGLE.exchange("a001")),
        Rule(rb"CAPABILITY", GOOGLE.exchange("a002")),
        Rule(rb"LOGOUT", MAILKIT.exchange("A00000087")),
    ]
    async with ReplayServer(GOOGLE.greeting, rules) as server:
        for _ in range(2):  # rules count per connection
            session = _session(server.port)
            await session.connect()
            assert "AUTH=XOAUTH2" in session.capabilities
            await session.login("someone@gmail.com", "app password")
            # LOGIN's recorded answer has no capabilities: the second CAPABILITY's are used
            assert "LITERAL+" in session.capabilities and session.has("X-GM-EXT-1")
            with pytest.raises(ImapRejected):
                await session.noop()  # no rule: BAD, and noted
            await session.logout()
    assert server.connections == 2
    assert server.mismatches == ["no rule for b'NOOP'"] * 2
    assert server.commands()[:4] == [
        b"CAPABILITY",
        b'LOGIN "someone@gmail.com" "app password"',
        b"CAPABILITY",
        b"NOOP",
    ]


def test_retag_replaces_the_recorded_tag_only_where_a_tag_stands() -> None:
    lines = (
        b'* ESEARCH (TAG "a5") UID ALL 1:3',
        b"* 1 FETCH (X-GM-LABELS (a5))",
        b"a5 OK SEARCH (Success)",
    )
    assert retag(lines, b"a5", b"G7") == [
        b'* ESEARCH (TAG "G7") UID ALL 1:3',
        b"* 1 FETCH (X-GM-LABELS (a5))",
        b"G7 OK SEARCH (Success)",
    ]
    assert GOOGLE.exchange("a001").trailing == (b"a001 OK Login successful",)
