"""Unit tests for the pure MIME parser (no I/O)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest

from gateway.errors import AttachmentNotFound
from gateway.model.messages import ParsedAddress as Address
from gateway.protocols.mime.parse import (
    attachment_content,
    decode_header,
    parse_address_list,
    parse_message,
)
from tests.protocols.mime_samples import MULTI, SIMPLE, crlf


def test_simple_message_headers_and_body():
    parsed = parse_message(SIMPLE)
    assert parsed.subject == "Hello Wörld"
    assert parsed.from_ == [Address("Alice Example", "alice@example.test")]
    assert parsed.to == [Address(None, "bob@example.test"), Address("Jörg", "jorg@example.test")]
    assert parsed.cc == [Address("Carol", "carol@example.test")]
    assert parsed.reply_to == [Address(None, "replies@example.test")]
    assert parsed.date == datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
    assert parsed.message_id == "<abc@example.test>"
    assert parsed.in_reply_to == "<parent@example.test>"
    assert parsed.references == ["<root@example.test>", "<parent@example.test>"]
    assert parsed.text == "Hello there,\nthis is the body.\n"
    assert parsed.html is None
    assert parsed.attachments == [] and parsed.has_attachments is False
    assert parsed.preview == "Hello there, this is the body."
    names = [name for name, _ in parsed.headers]
    assert names[:3] == ["From", "To", "Cc"]
    assert ("Subject", "Hello Wörld") in parsed.headers
    assert ("References", "<root@example.test> <parent@example.test>") in parsed.headers


def test_headers_only_skips_body():
    parsed = parse_message(SIMPLE, headers_only=True)
    assert parsed.subject == "Hello Wörld"
    assert parsed.text is None and parsed.attachments == []


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("=?iso-8859-1?q?caf=E9?=", "café"),
        ("=?UTF-8?Q?a_b?= =?UTF-8?Q?_c?=", "a b c"),
        ("plain =?utf-8?b?w6k=?= text", "plain é text"),
        # a multi-byte character split across two encoded words
        ("=?utf-8?B?w6g=?= =?utf-8?B?4oKs?=", "è€"),
        ("=?utf-8?B?4g==?=\r\n =?utf-8?B?gqw=?=", "€"),
        ("=?x-unknown?q?caf=C3=A9?=", "café"),
        ("=?utf-8*en?q?hi?=", "hi"),
        ("=?utf-8?b?!!!?=", "=?utf-8?b?!!!?="),
        ("folded\r\n value", "folded value"),
        (None, None),
    ],
)
def test_decode_header(raw, expected):
    assert decode_header(raw) == expected


def test_decode_header_8bit_bytes_never_raise():
    # what the compat32 parser yields for raw 8-bit header bytes
    utf8 = "caf\udcc3\udca9"
    latin = "caf\udce9"
    assert decode_header(utf8) == "café"
    assert decode_header(latin) == "café"


def test_parse_address_list_edge_cases():
    assert parse_address_list(None) == []
    assert parse_address_list("") == []
    assert parse_address_list("undisclosed-recipients:;") == []
    assert parse_address_list('"Doe, John" <j@x.test>, k@x.test') == [
        Address("Doe, John", "j@x.test"),
        Address(None, "k@x.test"),
    ]
    assert parse_address_list("=?utf-8?q?Z=C3=BC?= <z@x.test>") == [Address("Zü", "z@x.test")]


def test_multipart_numbering_bodies_and_attachments():
    parsed = parse_message(MULTI)
    assert parsed.text == "café"  # the CRLF before a boundary belongs to it
    assert parsed.html.startswith("<p>Hi")
    ids = [(a.id, a.filename, a.content_type, a.inline, a.content_id) for a in parsed.attachments]
    assert ids == [
        ("1.2.2", None, "image/png", True, "<logo@x>"),
        ("2", "résumé.pdf", "application/pdf", False, None),
        ("3", "long name.bin", "application/octet-stream", False, None),
        ("4", "nötes.txt", "text/plain", False, None),
        ("5", None, "message/rfc822", False, None),
    ]
    assert parsed.has_attachments is True
    sizes = {a.id: a.size for a in parsed.attachments}
    assert sizes["2"] == len(b"%PDF-1.4\n")
    assert sizes["3"] == 3


def test_attachment_content_decodes_and_matches_numbering():
    info, data = attachment_content(MULTI, "2")
    assert info.filename == "résumé.pdf" and data == b"%PDF-1.4\n"
    info, data = attachment_content(MULTI, "1.2.2")
    assert info.content_type == "image/png" and data == base64.b64decode("iVBORw0KGgo=")
    info, data = attachment_content(MULTI, "5")
    assert b"Subject: inner" in data and b"inner body" in data
    with pytest.raises(AttachmentNotFound):
        attachment_content(MULTI, "9")
    with pytest.raises(AttachmentNotFound):
        attachment_content(MULTI, "1")  # a multipart container is not a leaf


def test_single_part_attachment_is_part_1():
    raw = crlf("""\
Content-Type: application/zip
Content-Disposition: attachment; filename=a.zip
Content-Transfer-Encoding: base64

UEsFBg==
""")
    parsed = parse_message(raw)
    assert parsed.text is None
    assert [(a.id, a.filename) for a in parsed.attachments] == [("1", "a.zip")]
    assert attachment_content(raw, "1")[1] == base64.b64decode("UEsFBg==")


def test_html_only_preview():
    raw = crlf("""\
Content-Type: text/html; charset=utf-8

<html><style>p{}</style><p>Hello &amp; <b>welcome</b></p></html>
""")
    parsed = parse_message(raw)
    assert parsed.text is None
    assert parsed.preview == "Hello & welcome"


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"garbage without headers",
        crlf("Content-Type: multipart/mixed\n\nno boundary at all\n"),
        crlf(
            'Content-Type: multipart/mixed; boundary="b"\n\n'
            "--b\nContent-Type: text/plain\n\nunterminated"
        ),
        crlf("Content-Type: text/plain; charset=bogus-charset\n\nhello"),
        crlf("Content-Transfer-Encoding: base64\nContent-Type: image/png\n\n!!!not base64***"),
        crlf(
            "Content-Transfer-Encoding: x-uuencode\nContent-Type: application/octet-stream\n\n"
            "begin 644 x\nbad\n"
        ),
        b"Subject: caf\xc3\xa9 \xff\xfe\r\nFrom: J\xf6rg <j@x.test>\r\n"
        b"Content-Type: text/plain; charset=\xff\r\n\r\nbody \xe9\r\n",
        b"Date: not a date\r\nDate2: Mon, 99 Foo 9999 99:99:99 +9999\r\n\r\nx",
        crlf(
            'Content-Type: text/plain; charset="utf-8"\n'
            "Content-Disposition: attachment; filename*=bogus''%ZZ\n\nx"
        ),
    ],
)
def test_broken_input_never_raises(raw):
    parsed = parse_message(raw)
    assert isinstance(parsed.headers, list)
    parse_message(raw, headers_only=True)
    for att in parsed.attachments:
        attachment_content(raw, att.id)


def test_8bit_headers_decoded():
    raw = b"Subject: caf\xc3\xa9\r\nFrom: J\xf6rg <j@x.test>\r\n\r\nbody \xe9\r\n"
    parsed = parse_message(raw)
    assert parsed.subject == "café"
    assert parsed.from_ == [Address("Jörg", "j@x.test")]
    assert parsed.text == "body é\n"


def test_missing_boundary_end_keeps_parts():
    raw = crlf(
        'Content-Type: multipart/mixed; boundary="b"\n\n'
        "--b\nContent-Type: text/plain\n\nhello\n--b\n"
        "Content-Type: image/gif\nContent-Transfer-Encoding: base64\n\nR0lGODlh\n"
    )
    parsed = parse_message(raw)
    assert parsed.text.startswith("hello")
    assert [a.content_type for a in parsed.attachments] == ["image/gif"]


def test_date_without_zone_is_utc():
    parsed = parse_message(b"Date: Tue, 3 Mar 2026 10:00:00 -0000\r\n\r\n")
    assert parsed.date == datetime(2026, 3, 3, 10, 0, tzinfo=UTC)
    assert parsed.date.tzinfo is not None


def test_parse_with_content_collects_every_attachment():
    from gateway.protocols.mime.parse import parse_message_with_content

    parsed, contents = parse_message_with_content(MULTI)
    assert sorted(contents) == sorted(a.id for a in parsed.attachments)
    assert contents["2"] == b"%PDF-1.4\n"
    assert all(len(contents[a.id]) == a.size for a in parsed.attachments)


def test_mutated_messages_never_raise():
    """Deterministic fuzzing: flipped, dropped and inserted bytes in a rich message."""
    import random

    rng = random.Random(1939)
    junk = [b"\r\n", b"--outer", b"=?", b"?=", b"\xff", b"\x00", b";", b'"', b"*0*=", b"=\r\n"]
    for _ in range(150):
        data = bytearray(MULTI)
        for _ in range(rng.randint(1, 12)):
            pos = rng.randrange(len(data))
            action = rng.randrange(3)
            if action == 0:
                data[pos] = rng.randrange(256)
            elif action == 1:
                del data[pos : pos + rng.randint(1, 40)]
            else:
                data[pos:pos] = rng.choice(junk)
        raw = bytes(data)
        parsed = parse_message(raw)
        parse_message(raw, headers_only=True)
        for att in parsed.attachments:
            info, content = attachment_content(raw, att.id)
            assert info.size == len(content)


@pytest.mark.parametrize(
    "raw",
    [
        SIMPLE,
        b"Subject: x\r\n\r\n",
        b"Subject: a\r\nContent-Transfer-Encoding: base64\r\n\r\naGVsbG8=\r\n",
        b"Subject: q\r\nContent-Type: text/plain; charset=latin-1\r\n"
        b"Content-Transfer-Encoding: quoted-printable\r\n\r\ncaf=E9 \xe9\r\n=\r\nsoft\r\n",
        b"not a header line\r\nSubject: y\r\n\r\nbody",
        b"Subject: z\r\n continued\r\nContent-Type: application/pdf; name=a.pdf\r\n\r\n%PDF",
    ],
)
def test_single_part_fast_path_matches_the_stdlib_parser(raw):
    from email import message_from_bytes
    from email.policy import compat32

    parsed = parse_message(raw)
    full = message_from_bytes(raw, policy=compat32)
    body = full.get_payload(decode=True)
    if parsed.attachments:
        assert attachment_content(raw, "1")[1] == body
    else:
        charset = full.get_content_charset() or "utf-8"
        expected = body.decode(charset if charset != "us-ascii" else "utf-8", "replace")
        assert parsed.text == expected.replace("\r\n", "\n")
    assert parsed.subject == decode_header(full.get("Subject"))
