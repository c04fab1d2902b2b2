"""Gmail's IMAP extensions (X-GM-EXT-1) parsed from recorded real transcripts.

Gmail cannot run here, so these tests read what Gmail's IMAP server really sent, kept in
``transcripts/gmail/`` (each file names its source: Google's IMAP extensions page, a 2014
Gmail session recorded by MailKit, Gmail answers recorded by sitebricks' authors in
2011-2012). The responses go through the gateway's own reader (``wire``) and parsers, as on
a live connection. The few cases no recording holds (a label sent as a literal, an
out-of-range id) are marked as constructed from the RFC 3501 grammar.
"""

from __future__ import annotations

import pytest

from gateway.errors import InvalidInput
from gateway.protocols.imap import gmail
from gateway.protocols.imap.parsing import (
    parse_capabilities,
    parse_fetch,
    parse_fetch_numbered,
    parse_list,
    parse_search,
)
from gateway.protocols.imap.wire import ResponseReader, _classify
from tests.gmail_replay import TRANSCRIPTS, load_transcript, wire

GOOGLE = load_transcript("google_imap_extensions")
MAILKIT = load_transcript("mailkit_2014_session")
SITEBRICKS = load_transcript("sitebricks_fetch")


def _read(lines) -> list:
    """Server lines through the gateway's reader: each response's pieces."""
    reader = ResponseReader()
    responses = reader.feed(wire(lines))
    assert reader.literal_remaining == 0  # every literal's size matches its octets
    return responses


def _head(pieces) -> bytes:
    return pieces[0] if isinstance(pieces[0], bytes) else pieces[0][0]


def _responses(lines) -> list:
    """The untagged responses of server lines, as a session gets them."""
    return [_classify(p) for p in _read(lines) if _head(p).startswith(b"* ")]


def test_every_transcript_reads_cleanly_through_the_gateway_reader() -> None:
    names = sorted(p.name for p in TRANSCRIPTS.glob("*.txt"))
    assert names == [
        "google_imap_extensions.txt",
        "mailkit_2014_session.txt",
        "sitebricks_fetch.txt",
    ]
    for name in names:
        transcript = load_transcript(name)
        assert transcript.greeting or name == "sitebricks_fetch.txt"
        for exchange in transcript.exchanges:
            heads = [_head(p) for p in _read(exchange.response)]
            # untagged responses (or a continuation), then the one tagged completion
            assert heads[-1].startswith(exchange.tag + b" OK "), exchange.source
            assert all(h[:2] in (b"* ", b"+ ") for h in heads[:-1]), exchange.source


def test_capability_x_gm_ext_1_before_and_after_login() -> None:
    before = parse_capabilities(_responses(MAILKIT.exchange("A00000000").response))
    after = parse_capabilities(_responses(MAILKIT.exchange("A00000001").response))
    documented = parse_capabilities(_responses(GOOGLE.exchange("a002").response))
    for caps in (before, after, documented):
        assert caps is not None and gmail.CAPABILITY in caps
    assert "AUTH=XOAUTH2" in before and "ESEARCH" in after and "LITERAL+" in documented


def test_google_x_gm_labels_fetch_and_store() -> None:
    fetched = parse_fetch_numbered(_responses(GOOGLE.exchange("a010").response))
    assert {n: d[b"X-GM-LABELS"] for n, d in fetched.items()} == {
        1: ("\\Inbox", "\\Sent", "Important", "Muy Importante"),
        2: ("foo",),
        3: (),
        4: ("\\Drafts",),
    }
    stored = parse_fetch_numbered(_responses(GOOGLE.exchange("a011").response))
    assert stored[1][b"X-GM-LABELS"] == ("\\Inbox", "\\Sent", "Important", "Muy Importante", "foo")


def test_google_ids_are_64_bit_numbers() -> None:
    msgid = parse_fetch_numbered(_responses(GOOGLE.exchange("a006").response))
    assert msgid[1][b"X-GM-MSGID"] == 1278455344230334865
    thrid = parse_fetch_numbered(_responses(GOOGLE.exchange("a008").response))
    assert [thrid[n][b"X-GM-THRID"] for n in (1, 2, 3, 4)] == [
        1278455344230334865,
        1266894439832287888,
        1266894439832287888,
        1266894439832287888,
    ]
    assert gmail.hex_id(1278455344230334865) == "11bdfc5cae0c8191"  # the Gmail API's form


def test_google_x_gm_raw_search_as_the_gateway_sends_it() -> None:
    exchange = GOOGLE.exchange("a005")
    # The gateway's encoding of the key gives the recorded command byte for byte.
    assert b" ".join([b"SEARCH", *gmail.raw_search("has:attachment in:unread")]) == (
        exchange.command
    )
    assert parse_search(_responses(exchange.response)) == [123, 5992, 12344]
    assert parse_search(_responses(GOOGLE.exchange("a009").response)) == [2, 3, 4]


def test_label_list_encodes_the_recorded_store_commands() -> None:
    assert b"STORE 1 +X-GM-LABELS " + gmail.label_list(["foo"]) == (GOOGLE.exchange("a011").command)
    assert gmail.label_list(["\\Inbox", "\\Sent", "Important", "Muy Importante"]) == (
        b'(\\Inbox \\Sent Important "Muy Importante")'
    )  # a010's answer, spelled as sent


def test_google_list_marks_gmail_special_folders() -> None:
    entries = {e.name: e.flags for e in parse_list(_responses(GOOGLE.exchange("a004").response))}
    assert entries["[Gmail]/Sent Mail"] == ["\\HasNoChildren", "\\Sent"]
    assert entries["[Gmail]/All Mail"] == ["\\HasNoChildren", "\\All"]


def test_sitebricks_fetches_with_quoted_bare_and_spaced_labels() -> None:
    data = parse_fetch(_responses(SITEBRICKS.exchange("s2").response))
    assert sorted(data) == [24317, 85483, 107228, 109552, 251345]
    labels = {uid: d[b"X-GM-LABELS"] for uid, d in data.items()}
    assert labels == {
        85483: ("\\Sent",),  # sent quoted: "\\Sent"
        251345: ("Cenqua",),
        107228: ("\\Sent",),
        24317: ("dmo@oberon.nl",),
        109552: ("Apple Mail To Do",),
    }
    sent = data[107228]
    assert sent[b"X-GM-THRID"] == 1390598643992212864
    assert sent[b"X-GM-MSGID"] == 1390601544708584716
    assert sent[b"ENVELOPE"].subject == (
        b'Re: throw in backslash quote \\" and double backslash quote \\\\" is that OK?'
    )
    assert data[24317][b"ENVELOPE"].date is None  # ENVELOPE NIL date, as recorded
    assert all(d[b"X-GM-THRID"] == d[b"X-GM-MSGID"] for u, d in data.items() if u != 107228)


def test_sitebricks_subject_literal_next_to_gmail_items() -> None:
    data = parse_fetch(_responses(SITEBRICKS.exchange("s3").response))
    first, second = data[60961], data[60962]
    assert first[b"ENVELOPE"].subject == (
        b"Ttkii Regency The quick brown fox ran over AK 7 Day Arrival Notice\r\n"
        b" - BATTY SCORTI - 16257294"
    )
    assert first[b"X-GM-LABELS"] == () and first[b"X-GM-MSGID"] == 1279068049360518352
    assert second[b"X-GM-THRID"] == 1279040815276852413  # an earlier message's thread
    assert second[b"X-GM-MSGID"] == 1279068775892017394


def test_sitebricks_fetch_without_uid_by_number() -> None:
    responses = _responses(SITEBRICKS.exchange("s1").response)
    assert parse_fetch(responses) == {}  # no UID: a listing cannot use them
    numbered = parse_fetch_numbered(responses)
    assert numbered[9][b"X-GM-THRID"] == 1367157521482446275
    assert numbered[10][b"X-GM-LABELS"] == ("\\Inbox",)


def test_mailkit_session_search_summary_and_body() -> None:
    uids = parse_search(_responses(MAILKIT.exchange("A00000059").response))
    summary = parse_fetch(_responses(MAILKIT.exchange("A00000060").response))
    assert sorted(summary) == uids and len(uids) == 21
    assert summary[3][b"RFC822.SIZE"] == 679
    body = parse_fetch(_responses(MAILKIT.exchange("A00000063").response))
    assert len(body[3][b"BODY[]"]) == 679
    assert body[3][b"BODY[]"].startswith(b"Date: Thu,  6 Feb 1992 11:51:37 -0500 (EST)\r\n")


# -- constructed from the grammar (no recording holds these) ---------------------------------


def test_labels_in_every_astring_form_constructed() -> None:
    """Constructed, not recorded: X-GM-LABELS is a list of ASTRINGs (RFC 3501 section 9),
    so a label may come as a literal, as digits, with "]" unquoted, in modified UTF-7."""
    responses = _responses(
        [
            b"* 7 FETCH (UID 70 X-GM-LABELS ({9}",
            b'Big "one" 2024 NIL [Work]/x &AOk-t&AOk- "\\\\Starred" "a\\\\b" 007) FLAGS ())',
        ]
    )
    assert parse_fetch(responses)[70][b"X-GM-LABELS"] == (
        'Big "one"',
        "2024",
        "[Work]/x",
        "été",
        "\\Starred",
        "a\\b",
        "007",
    )


def test_gmail_ids_outside_64_bits_are_dropped_constructed() -> None:
    """Constructed, not recorded: ids that are not 64-bit unsigned numbers."""
    responses = _responses(
        [
            b"* 1 FETCH (UID 1 X-GM-MSGID 18446744073709551615 X-GM-THRID 18446744073709551616)",
            b"* 2 FETCH (UID 2 X-GM-MSGID 0042 X-GM-THRID NIL X-GM-LABELS NIL)",
        ]
    )
    data = parse_fetch(responses)
    assert data[1][b"X-GM-MSGID"] == 2**64 - 1 and data[1][b"X-GM-THRID"] is None
    assert data[2][b"X-GM-MSGID"] == 42 and data[2][b"X-GM-THRID"] is None
    assert data[2][b"X-GM-LABELS"] == ()


def test_label_and_raw_search_refusals() -> None:
    assert gmail.label_list(["été", "NIL", 'a"b', "[Work]/x", "2024"]) == (
        b'(&AOk-t&AOk- "NIL" "a\\"b" "[Work]/x" 2024)'
    )
    for bad in ([""], ["a\r\nb"], ["x\x85"], ["é" * 400]):
        with pytest.raises(InvalidInput):
            gmail.label_list(bad)
    assert gmail.raw_search("für") == [b"X-GM-RAW", b"f\xc3\xbcr"]  # a literal: non-ASCII
    for bad in ("", "  ", "a\r\nb", "x" * 2049):
        with pytest.raises(InvalidInput):
            gmail.raw_search(bad)
