"""Building messages from drafts and normalising raw ones (pure, no I/O)."""

from __future__ import annotations

import email
from email import policy

import pytest

from gateway.errors import InvalidInput, PayloadTooLarge
from gateway.model.messages import Address, Attachment, Draft, parse_address, validate_addr_spec
from gateway.protocols.mime.build import build_message
from gateway.protocols.mime.raw import normalise_raw


def _parse(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=policy.default)


def _draft(**kw) -> Draft:
    base = dict(
        sender=Address("me@example.test", "Me"),
        to=[Address("you@example.test")],
        subject="Hello",
        text="Hi there\n",
    )
    base.update(kw)
    return Draft(**base)


# -- addresses ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "a@example.test",
        "first.last+tag@sub.example.test",
        '"quoted local"@example.test',
        "x@[127.0.0.1]",
        "o'brien@example.test",
    ],
)
def test_valid_addresses(value: str) -> None:
    assert parse_address(value).address == value


@pytest.mark.parametrize(
    "value",
    [
        "",
        "plain",
        "a@",
        "@example.test",
        "a b@example.test",
        "a@exa mple.test",
        "a..b@example.test",
        "a@example.test\r\nBcc: victim@example.test",
        "a@example.test\n",
        "a\x00@example.test",
        "ü@example.test",
        "a@-bad-.test",
        "x" * 65 + "@example.test",
    ],
)
def test_invalid_addresses(value: str) -> None:
    with pytest.raises(InvalidInput):
        parse_address(value)


def test_name_addr_forms_and_idn() -> None:
    assert parse_address("Jane Doe <jane@example.test>") == Address("jane@example.test", "Jane Doe")
    assert parse_address('"Doe, Jane" <jane@example.test>').name == "Doe, Jane"
    assert validate_addr_spec("a@bücher.example") == "a@xn--bcher-kva.example"
    with pytest.raises(InvalidInput):
        parse_address("Evil\r\nBcc: x@example.test <jane@example.test>")


# -- building ----------------------------------------------------------------------------------


def test_text_only_message_has_ids_and_crlf() -> None:
    built = build_message(_draft())
    assert b"\r\n" in built.raw and b"\n" not in built.raw.replace(b"\r\n", b"")
    msg = _parse(built.raw)
    assert msg["Message-ID"] == built.message_id and built.message_id.endswith("@example.test>")
    assert msg["Date"] is not None
    assert msg.get_content_type() == "text/plain"
    assert msg.get_content().replace("\r\n", "\n") == "Hi there\n"
    assert built.mail_from == "me@example.test" and built.rcpt_to == ["you@example.test"]


def test_bcc_only_in_the_envelope() -> None:
    built = build_message(
        _draft(cc=[Address("cc@example.test")], bcc=[Address("hidden@example.test")])
    )
    assert b"hidden@example.test" not in built.raw
    assert _parse(built.raw)["Bcc"] is None
    assert built.rcpt_to == ["you@example.test", "cc@example.test", "hidden@example.test"]


def test_duplicate_recipients_are_sent_once() -> None:
    built = build_message(_draft(cc=[Address("YOU@example.test")]))
    assert built.rcpt_to == ["you@example.test"]


def test_non_ascii_names_and_subject_are_rfc2047() -> None:
    built = build_message(
        _draft(sender=Address("me@example.test", "Jürgen Weiß"), subject="Grüße aus Köln ☕")
    )
    assert built.raw.isascii()
    assert b"=?utf-8?" in built.raw
    msg = _parse(built.raw)
    assert msg["Subject"] == "Grüße aus Köln ☕"
    assert msg["From"].addresses[0].display_name == "Jürgen Weiß"


def test_alternative_related_and_mixed() -> None:
    png = bytes(range(256)) * 3
    pdf = b"%PDF-1.4\r\n\x00\xff binary"
    built = build_message(
        _draft(
            html='<p>see <img src="cid:logo@x"></p>',
            attachments=[
                Attachment("logo.png", "image/png", png, content_id="logo@x", inline=True),
                Attachment("résumé.pdf", "application/pdf", pdf),
            ],
            reply_to=[Address("replies@example.test")],
        )
    )
    msg = _parse(built.raw)
    assert msg.get_content_type() == "multipart/mixed"
    alt, att = msg.get_payload()
    assert alt.get_content_type() == "multipart/alternative"
    text, related = alt.get_payload()
    assert text.get_content_type() == "text/plain"
    assert related.get_content_type() == "multipart/related"
    html, image = related.get_payload()
    assert html.get_content_type() == "text/html"
    assert image["Content-ID"] == "<logo@x>"
    assert image.get_content_disposition() == "inline"
    assert image.get_content() == png
    assert att.get_filename() == "résumé.pdf" and att.get_content_disposition() == "attachment"
    assert att.get_content() == pdf
    assert msg["Reply-To"] == "replies@example.test"


def test_html_only_and_empty_body() -> None:
    msg = _parse(build_message(_draft(text=None, html="<b>x</b>")).raw)
    assert msg.get_content_type() == "text/html"
    msg = _parse(build_message(_draft(text=None)).raw)
    assert msg.get_content_type() == "text/plain"


def test_threading_headers() -> None:
    built = build_message(
        _draft(
            in_reply_to="<parent@example.test>",
            references=["<root@example.test>", "<parent@example.test>"],
        )
    )
    msg = _parse(built.raw)
    assert msg["In-Reply-To"] == "<parent@example.test>"
    assert msg["References"].split() == ["<root@example.test>", "<parent@example.test>"]


def test_custom_headers() -> None:
    msg = _parse(build_message(_draft(headers={"X-Campaign": "spring", "X-Note": "naïve"})).raw)
    assert msg["X-Campaign"] == "spring" and msg["X-Note"] == "naïve"


@pytest.mark.parametrize(
    "kw",
    [
        {"subject": "hi\r\nBcc: victim@example.test"},
        {"subject": "hi\nX-Injected: 1"},
        {"headers": {"X-Ok": "v\r\nBcc: victim@example.test"}},
        {"headers": {"X-Bad Name": "v"}},
        {"headers": {"X-Bad:Name": "v"}},
        {"headers": {"Bcc": "victim@example.test"}},
        {"headers": {"Content-Type": "text/html"}},
        {"in_reply_to": "<a@b>\r\nX: y"},
        {"attachments": [Attachment("a\r\nb.txt", "text/plain", b"x")]},
        {"attachments": [Attachment("a.txt", "text/plain\r\nX: y", b"x")]},
        {"attachments": [Attachment("a.txt", "multipart/mixed", b"x")]},
        {"attachments": [Attachment("a.png", "image/png", b"x", content_id="a b")]},
        {"to": [], "cc": [], "bcc": []},
    ],
)
def test_rejected_drafts(kw) -> None:
    with pytest.raises(InvalidInput):
        build_message(_draft(**kw))


def test_size_limit() -> None:
    with pytest.raises(PayloadTooLarge):
        build_message(
            _draft(attachments=[Attachment("big", "application/octet-stream", b"x" * 5000)]),
            max_bytes=4096,
        )


# -- raw ---------------------------------------------------------------------------------------


def test_normalise_raw_line_endings_and_ids() -> None:
    raw = (
        b"From: Me <me@example.test>\nTo: a@example.test, B <b@example.test>\n"
        b"Cc: c@example.test\nBcc: secret@example.test,\n more@example.test\n"
        b"Subject: raw\n\nline one\rline two\n.leading dot\n"
    )
    out = normalise_raw(raw, default_domain="example.test")
    assert b"\n" not in out.raw.replace(b"\r\n", b"") and b"\r" not in out.raw.replace(b"\r\n", b"")
    assert b"Bcc" not in out.raw and b"secret@" not in out.raw and b"more@" not in out.raw
    msg = _parse(out.raw)
    assert msg["Message-ID"] == out.message_id and out.message_id.endswith("@example.test>")
    assert msg["Date"] is not None
    assert out.header_from == "me@example.test"
    assert out.header_rcpts == [
        "a@example.test",
        "b@example.test",
        "c@example.test",
        "secret@example.test",
        "more@example.test",
    ]
    assert out.raw.endswith(b"line one\r\nline two\r\n.leading dot\r\n")


def test_normalise_raw_keeps_existing_message_id() -> None:
    raw = b"Message-ID: <keep@example.test>\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\n\r\nx\r\n"
    out = normalise_raw(raw, default_domain="example.test")
    assert out.message_id == "<keep@example.test>"
    assert out.raw == raw


@pytest.mark.parametrize(
    "raw", [b"", b"   \r\n", b" leading continuation\r\n\r\nx", b"not a header line\r\n\r\nbody"]
)
def test_normalise_raw_rejects_non_messages(raw: bytes) -> None:
    with pytest.raises(InvalidInput):
        normalise_raw(raw, default_domain="example.test")


def test_normalise_raw_size_limit() -> None:
    with pytest.raises(PayloadTooLarge):
        normalise_raw(b"Subject: x\r\n\r\n" + b"x" * 5000, default_domain="d.test", max_bytes=4096)
