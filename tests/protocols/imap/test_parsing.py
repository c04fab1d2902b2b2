"""Response parsing through imapclient's parser, on the reader's output."""

from __future__ import annotations

from gateway.protocols.imap.parsing import (
    parse_capabilities,
    parse_esearch,
    parse_fetch,
    parse_list,
    parse_search,
    parse_status,
    response_code,
)
from gateway.protocols.imap.wire import ResponseReader, _classify


def _untagged(raw: bytes):
    return [_classify(p) for p in ResponseReader().feed(raw)]


def test_fetch_keyed_by_uid_ignoring_unsolicited() -> None:
    resp = _untagged(
        b"* 4 FETCH (UID 10 FLAGS (\\Seen $Forwarded) RFC822.SIZE 120 ENVELOPE "
        b'("Mon, 1 Jan 2024 10:00:00 +0000" "=?utf-8?q?Gr=C3=BC=C3=9Fe?=" '
        b'(("Ann" NIL "ann" "example.test")) NIL NIL ((NIL NIL "bob" "example.test")) '
        b'NIL NIL NIL "<id@x>"))\r\n'
        b"* 5 FETCH (FLAGS (\\Deleted))\r\n"
        b"* 6 FETCH (UID 12 BODY[] {3}\r\nabc)\r\n"
    )
    data = parse_fetch(resp)
    assert set(data) == {10, 12}
    assert data[10][b"FLAGS"] == (b"\\Seen", b"$Forwarded")
    assert data[10][b"RFC822.SIZE"] == 120
    assert data[10][b"ENVELOPE"].subject == b"=?utf-8?q?Gr=C3=BC=C3=9Fe?="
    assert data[12][b"BODY[]"] == b"abc"


def test_list_with_quoted_literal_and_utf7_names() -> None:
    resp = _untagged(
        b'* LIST (\\HasNoChildren \\Sent) "/" Sent\r\n'
        b'* LIST (\\HasNoChildren) "/" "T&AOs-st \\"quoted\\" \\\\ {3}"\r\n'
        b'* LIST (\\Noselect) "/" {5}\r\na\r\nbc\r\n'
        b'* STATUS "Sent" (MESSAGES 3 UNSEEN 1 UIDVALIDITY 7 UIDNEXT 4)\r\n'
    )
    entries = parse_list(resp)
    assert [e.name for e in entries] == ["Sent", 'Tëst "quoted" \\ {3}', "a\r\nbc"]
    assert entries[0].flags == ["\\HasNoChildren", "\\Sent"] and entries[0].delimiter == "/"
    assert parse_status(resp) == {
        b"Sent": {"MESSAGES": 3, "UNSEEN": 1, "UIDVALIDITY": 7, "UIDNEXT": 4}
    }


def test_search_esearch_capabilities_and_codes() -> None:
    assert parse_search(_untagged(b"* SEARCH 5 3 9\r\n")) == [3, 5, 9]
    ranges, count = parse_esearch(_untagged(b'* ESEARCH (TAG "G1") UID ALL 1:3,7 COUNT 4\r\n'))
    assert ranges == [(1, 3), (7, 7)] and count == 4
    assert parse_esearch(_untagged(b'* ESEARCH (TAG "G1") UID COUNT 0\r\n')) == ([], 0)
    assert parse_esearch(_untagged(b'* ESEARCH (TAG "G1") UID ALL 8 COUNT 1\r\n')) == ([(8, 8)], 1)
    caps = parse_capabilities(_untagged(b"* CAPABILITY IMAP4rev1 MOVE uidplus\r\n"))
    assert caps == {"IMAP4REV1", "MOVE", "UIDPLUS"}
    assert parse_capabilities([], b"[CAPABILITY IMAP4rev1 IDLE] Logged in") == {"IMAP4REV1", "IDLE"}
    assert response_code(b"[APPENDUID 38505 3955] APPEND completed") == [
        "APPENDUID",
        "38505",
        "3955",
    ]
    assert response_code(b"[COPYUID 7 1:3 10:12] Done") == ["COPYUID", "7", "1:3", "10:12"]
    assert response_code(b"no code") is None


def test_fast_tokenizer_agrees_with_imapclient() -> None:
    import pytest
    from imapclient.exceptions import ProtocolError
    from imapclient.response_parser import parse_response

    from gateway.protocols.imap.tokens import parse_pieces

    samples = [
        [
            b'12 (UID 10 FLAGS (\\Seen $Forwarded) RFC822.SIZE 120 ENVELOPE ("Mon, 1 Jan 2024 '
            b'10:00:00 +0000" "=?utf-8?q?x?=" (("Ann" NIL "ann" "example.test")) NIL NIL '
            b'((NIL NIL "bob" "example.test")) NIL NIL NIL "<id@x>"))'
        ],
        [(b"1 (UID 5 BODY[HEADER.FIELDS (A B)]<0> {3}", b"a)c"), b" FLAGS ())"],
        [
            b'1 (BODYSTRUCTURE (("text" "plain" ("charset" "utf-8") NIL NIL "7bit" 10 1 NIL NIL '
            b'NIL NIL)("application" "pdf" ("name" "a \\"q\\".pdf") NIL NIL "base64" 400 NIL '
            b'("attachment" ("filename" "x")) NIL NIL) "mixed" ("boundary" "b") NIL NIL NIL))'
        ],
        [b'007 "a\\\\b" NIL nil 0 10 \\* () (()) ""'],
        [b"1 (FLAGS (\\Seen) UID 3 MODSEQ (12))  "],
    ]
    for sample in samples:
        assert parse_pieces(sample) == parse_response(sample), sample
    for bad in ([b'1 (UID "x'], [b"1 (UID 2"], [b"1 ) ("], [b"1 {3}"], [b"1 (UID ] 2)"]):
        with pytest.raises(ProtocolError):
            parse_pieces(bad)


def test_fetch_of_uid_and_flags_takes_the_quick_path_with_the_same_result() -> None:
    from gateway.protocols.imap.parsing import _parse_fetch_tokens, _uid_flags_only

    raw = (
        b"* 1 FETCH (UID 7 FLAGS ())\r\n"
        b"* 2 FETCH (UID 9 FLAGS (\\Seen \\Answered $Label1 Junk))\r\n"
        b"* 3 FETCH (FLAGS (\\Flagged) UID 11)\r\n"
    )
    fetches = _untagged(raw)
    quick = _uid_flags_only(fetches)
    assert quick == {
        7: {b"SEQ": 1, b"UID": 7, b"FLAGS": ()},
        9: {b"SEQ": 2, b"UID": 9, b"FLAGS": (b"\\Seen", b"\\Answered", b"$Label1", b"Junk")},
        11: {b"SEQ": 3, b"UID": 11, b"FLAGS": (b"\\Flagged",)},
    }
    assert quick == _parse_fetch_tokens(fetches) == parse_fetch(fetches)


def test_fetch_quick_path_leaves_anything_else_to_the_tokenizer() -> None:
    from gateway.protocols.imap.parsing import _uid_flags_only

    for raw in (
        b"* 1 FETCH (UID 7 FLAGS (\\Seen) RFC822.SIZE 12)\r\n",  # more items
        b"* 1 FETCH (FLAGS (\\Seen))\r\n",  # unsolicited, no UID
        b"* 1 FETCH (UID 7 FLAGS (123))\r\n",  # a number-like keyword
        b"* 1 FETCH (UID 7 FLAGS (\\Seen))\r\n* 2 FETCH (UID 7 FLAGS ())\r\n",  # same UID
        b"* 1 FETCH (UID 7 BODY[] {3}\r\nabc)\r\n",  # a literal
        b"* 1 fetch (uid 7 flags (\\Seen))\r\n",  # lower case
    ):
        fetches = _untagged(raw)
        assert _uid_flags_only(fetches) is None, raw
        parse_fetch(fetches)  # and the general path copes
    merged = parse_fetch(
        _untagged(b"* 1 FETCH (UID 7 FLAGS (\\Seen))\r\n* 1 FETCH (UID 7 RFC822.SIZE 5)\r\n")
    )
    assert merged == {7: {b"SEQ": 1, b"UID": 7, b"FLAGS": (b"\\Seen",), b"RFC822.SIZE": 5}}
    lower = parse_fetch(_untagged(b"* 1 fetch (uid 7 flags (\\Seen))\r\n"))
    assert lower[7][b"FLAGS"] == (b"\\Seen",)
