"""Pure pieces of the mail service: ids, cursors, decoders, body structures, listing math."""

from __future__ import annotations

import base64
import binascii
import random

import pytest

from gateway.errors import InvalidInput, MailboxNotFound, MessageNotFound
from gateway.imap.cache import SummaryCache
from gateway.imap.decoders import Base64Decoder, QuotedPrintableDecoder, decoder_for
from gateway.imap.ids import (
    MessageRef,
    decode_cursor,
    decode_mailbox_id,
    decode_message_id,
    encode_cursor,
    encode_mailbox_id,
    encode_message_id,
)
from gateway.imap.listing import ListQuery, _newest_below
from gateway.imap.mailboxes import normalise_special_use, special_use_of
from gateway.imap.structure import find_part, leaf_parts, summary_from_fetch


def test_message_ids_round_trip_and_reject_garbage() -> None:
    mid = encode_message_id('Tëst "q" / x', 123456, 42)
    assert mid.replace("-", "").replace("_", "").isalnum()
    ref = decode_message_id(mid)
    assert (ref.mailbox, ref.uidvalidity, ref.uid) == ('Tëst "q" / x', 123456, 42)
    assert ref.id == mid
    for bad in ("", "!!!", "abc", base64.urlsafe_b64encode(b"1.0.INBOX").decode(), "x" * 5000):
        with pytest.raises(MessageNotFound):
            decode_message_id(bad)


def test_mailbox_ids() -> None:
    assert encode_mailbox_id("inbox") == "INBOX" and decode_mailbox_id("INBOX") == "INBOX"
    assert decode_mailbox_id(encode_mailbox_id("Work/2024 ü")) == "Work/2024 ü"
    # Not an id: the string is the path (the natural spelling); "path:" always makes a path.
    for name in (
        "Sent",
        "Archive",
        "Drafts",
        "Trash",
        "Junk",
        "Old",
        "Sent Items",
        "%%%",
        "Entwürfe",
        "INBOX.Sent",
    ):
        assert decode_mailbox_id(name) == name
        assert decode_mailbox_id("path:" + name) == name
    # An id keeps its meaning; a name spelled like an id is reached with "path:".
    assert decode_mailbox_id("QUFB") == "AAA" and decode_mailbox_id("path:QUFB") == "QUFB"
    assert decode_mailbox_id("path:INBOX") == "INBOX" == decode_mailbox_id("inbox")
    for bad in ("path:", "a\x01b", "path:\x7f", "\ud800", "0" * 1025, "path:" + "x" * 1025):
        with pytest.raises(MailboxNotFound, match="GET /v1/accounts/{account}/mailboxes"):
            decode_mailbox_id(bad)


def test_cursors_are_bound_to_filters() -> None:
    key = ListQuery(unseen=True).key()
    cursor = encode_cursor(7, 100, key)
    assert decode_cursor(cursor, key) == (7, 100)
    with pytest.raises(InvalidInput):
        decode_cursor(cursor, ListQuery().key())
    with pytest.raises(InvalidInput):
        decode_cursor("garbage!", key)


def test_newest_below() -> None:
    ranges = [(1, 3), (7, 9), (20, 20)]
    assert _newest_below(ranges, None, 4) == [20, 9, 8, 7]
    assert _newest_below(ranges, 8, 3) == [7, 3, 2]
    assert _newest_below(ranges, 1, 3) == []
    assert _newest_below([(1, 10_000_000)], None, 2) == [10_000_000, 9_999_999]


def test_criteria_never_paste_user_text() -> None:
    keys, utf8 = ListQuery(subject='a" OR ALL\r\nX', from_="ü", unseen=False).criteria()
    assert keys[0] == b"SEEN" and utf8
    assert b"\r\n" not in b"".join(k for k in keys if type(k) is bytes)
    with pytest.raises(InvalidInput):
        ListQuery(text="").criteria()


@pytest.mark.parametrize("seed", range(5))
def test_stream_decoders_any_chunking(seed: int) -> None:
    rng = random.Random(seed)
    data = rng.randbytes(rng.randint(0, 5000))
    for decoder_cls, encoded in (
        (Base64Decoder, base64.encodebytes(data)),
        (QuotedPrintableDecoder, binascii.b2a_qp(data, istext=False)),
    ):
        decoder, out, pos = decoder_cls(), b"", 0
        while pos < len(encoded):
            step = rng.randint(1, 50)
            out += decoder.feed(encoded[pos : pos + step])
            pos += step
        assert out + decoder.finish() == data
    assert decoder_for("7BIT").feed(b"x") == b"x"


@pytest.mark.parametrize("seed", range(5))
def test_base64_decoder_skips_junk_and_stops_at_padding(seed: int) -> None:
    # RFC 2045 section 6.8: characters outside the alphabet are ignored; "=" ends the data.
    rng = random.Random(seed)
    data = rng.randbytes(rng.randint(1, 3000))
    encoded = bytearray()
    for char in base64.b64encode(data):
        encoded.append(char)
        if rng.random() < 0.05:
            encoded += rng.choice([b"\r\n", b" ", b"\t", b"!", b"-", b"\x00", b"\xff", b"*"])
    if len(data) % 3:  # padded: whatever follows is not part of the data
        encoded += b"\r\n--boundary junk AAAA\r\n"
    decoder, out, pos = Base64Decoder(), b"", 0
    while pos < len(encoded):
        step = rng.randint(1, 700)
        out += decoder.feed(bytes(encoded[pos : pos + step]))
        pos += step
    assert out + decoder.finish() == data


def test_special_use_is_case_insensitive() -> None:
    assert special_use_of(["\\HasNoChildren", "\\sent"]) == "\\Sent"
    assert special_use_of(["\\HasChildren"]) is None
    assert normalise_special_use("trash") == "\\Trash"
    with pytest.raises(InvalidInput):
        normalise_special_use("\\Bogus")


REF = MessageRef("INBOX", 1, 1)
MIXED = (
    [
        (
            b"text",
            b"plain",
            (b"charset", b"iso-8859-1"),
            None,
            None,
            b"quoted-printable",
            20,
            1,
            None,
            None,
            None,
            None,
        ),
        (
            [
                (
                    b"text",
                    b"html",
                    (b"charset", b"utf-8"),
                    None,
                    None,
                    b"7bit",
                    10,
                    1,
                    None,
                    None,
                    None,
                    None,
                ),
                (
                    b"image",
                    b"png",
                    (b"name", b"a.png"),
                    b"<c1>",
                    None,
                    b"base64",
                    100,
                    None,
                    (b"inline", None),
                    None,
                    None,
                ),
            ],
            b"related",
            None,
            None,
            None,
            None,
        ),
        (
            b"application",
            b"pdf",
            None,
            None,
            None,
            b"base64",
            4000,
            None,
            (b"attachment", (b"filename*0*", b"utf-8''Re%CC%81", b"filename*1*", b"%E2%82%AC.pdf")),
            None,
            None,
        ),
    ],
    b"mixed",
    (b"boundary", b"X"),
    None,
    None,
    None,
)


def test_body_structure_parts_and_filenames() -> None:
    assert [n for n, _ in leaf_parts(MIXED)] == ["1", "2.1", "2.2", "3"]
    pdf = find_part(MIXED, "3")
    assert pdf.filename == "Re\u0301€.pdf" and pdf.encoding == "base64" and pdf.size == 4000
    assert "filename*=UTF-8''Re%CC%81%E2%82%AC.pdf" in pdf.disposition_header()
    assert find_part(MIXED, "2.2").filename == "a.png"
    assert find_part(MIXED, "2") is None and find_part(MIXED, "9") is None
    single = (b"text", b"plain", None, None, None, b"7bit", 5, 1, None, None, None, None)
    assert [n for n, _ in leaf_parts(single)] == ["1"]
    summary = summary_from_fetch({b"BODYSTRUCTURE": MIXED, b"RFC822.SIZE": 9}, REF)
    assert summary.has_attachments is True and summary.subject is None
    evil = (
        b"text",
        b"html\r\nSet-Cookie: x",
        None,
        None,
        None,
        b"7bit",
        5,
        1,
        None,
        (b"attachment", (b"filename", b"a\r\nb.html")),
        None,
        None,
    )
    part = find_part(evil, "1")
    assert part.content_type == "application/octet-stream"
    assert "\r" not in part.disposition_header() and "\n" not in part.disposition_header()
    summary = summary_from_fetch({b"BODYSTRUCTURE": single}, REF)
    assert summary.has_attachments is False


def test_summary_cache_is_bounded_lru() -> None:
    cache = SummaryCache(max_entries=2)
    cache.put(("a", "INBOX", 1, 1), {"x": 1})
    cache.put(("a", "INBOX", 1, 2), {"x": 2})
    assert cache.get(("a", "INBOX", 1, 1)) == {"x": 1}
    cache.put(("a", "INBOX", 1, 3), {"x": 3})
    assert cache.get(("a", "INBOX", 1, 2)) is None and len(cache) == 2
    cache.drop_account("a")
    assert len(cache) == 0
