"""Forwards and drafts as bytes (pure): the forwarded block, attached messages, drafts kept
for storage and made ready for sending."""

from __future__ import annotations

import email
from email import policy

import pytest

from gateway.errors import InvalidInput
from gateway.model.messages import Address, Attachment, AttachmentInfo, Draft, ParsedMessage
from gateway.protocols.mime.build import build_message
from gateway.protocols.mime.draft import custom_headers, for_sending, reply_target
from gateway.protocols.mime.forward import (
    FORWARD_MARKER,
    attached_message_name,
    attachments_of,
    forward_subject,
    inline_html,
    inline_text,
)
from gateway.protocols.mime.parse import parse_message, parse_message_with_content
from gateway.protocols.mime.raw import normalise_raw
from gateway.protocols.mime.reply import reply_text

ORIGINAL = (
    b"From: Ann Example <ann@example.test>\r\nTo: Bob <bob@example.test>\r\n"
    b"Cc: carol@example.test\r\nSubject: Plans\r\n"
    b"Date: Mon, 1 Jan 2024 10:00:00 +0000\r\nMessage-ID: <orig@example.test>\r\n"
    b"References: <root@example.test>\r\nMIME-Version: 1.0\r\n"
    b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
    b"--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
    b"<html><head><title>t</title></head><body><p>Hi <b>Bob</b> &amp; co</p>"
    b'<img src="cid:logo@x"></body></html>\r\n'
    b"--b\r\nContent-Type: image/png\r\nContent-ID: <logo@x>\r\n"
    b"Content-Disposition: inline\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0=\r\n"
    b"--b\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n"
    b'Content-Disposition: attachment; filename="plan.pdf"\r\n\r\nJVBERi0xLjQK\r\n'
    b"--b--\r\n"
)


def _draft(**kw) -> Draft:
    base = dict(
        sender=Address("me@example.test"), to=[Address("you@example.test")], subject="s", text="t\n"
    )
    return Draft(**(base | kw))


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Plans", "Fwd: Plans"),
        ("Fwd: Plans", "Fwd: Plans"),
        ("FW: x", "FW: x"),
        ("fwd:x", "fwd:x"),
        ("Re: Plans", "Fwd: Re: Plans"),
        (None, "Fwd:"),
        ("", "Fwd:"),
        ("a\r\nBcc: x@example.test", "Fwd: a Bcc: x@example.test"),
        ("\x85x", "Fwd: x"),
    ],
)
def test_forward_subject(subject: str | None, expected: str) -> None:
    assert forward_subject(subject) == expected


def test_inline_forward_reads_like_mail_clients_write_it() -> None:
    original, _ = parse_message_with_content(ORIGINAL)
    text = inline_text("See below.\n", original)
    assert text.split("\n")[:8] == [
        "See below.",
        "",
        FORWARD_MARKER,
        "From: Ann Example <ann@example.test>",
        "Date: Mon, 1 Jan 2024 10:00:00 +0000",
        "Subject: Plans",
        "To: Bob <bob@example.test>",
        "Cc: carol@example.test",
    ]
    assert text.endswith("Hi Bob & co")  # the text of the HTML-only original
    # The reply-only text of the forward stops at the block, as for a client's forward.
    assert reply_text(text, None).text == "See below."
    html = inline_html(None, "See <below>", original)
    assert html.startswith('<div style="white-space:pre-wrap">See &lt;below&gt;</div>')
    assert "Ann Example &lt;ann@example.test&gt;" in html
    assert "<p>Hi <b>Bob</b> &amp; co</p>" in html and "<title>" not in html
    assert inline_html("<p>own</p>", "ignored", original).startswith("<p>own</p>")


def test_inline_forward_of_text_only_original_escapes_it_in_html() -> None:
    original = parse_message(b"From: a@example.test\r\nSubject: x\r\n\r\n<script>x</script>\r\n")
    assert inline_text(None, original).startswith(FORWARD_MARKER)
    assert "&lt;script&gt;" in inline_html("<p>mine</p>", None, original)


def test_attachments_of_keep_content_and_make_odd_values_plain() -> None:
    original, contents = parse_message_with_content(ORIGINAL)
    image, pdf = attachments_of(original, contents)
    assert (image.content_type, image.content_id, image.inline) == ("image/png", "logo@x", True)
    assert (pdf.filename, pdf.content_type, pdf.content) == (
        "plan.pdf",
        "application/pdf",
        b"%PDF-1.4\n",
    )
    odd = ParsedMessage(
        attachments=[AttachmentInfo("2", "a\r\nb.txt", "not a type", 1, "<has space>", False)]
    )
    [plain] = attachments_of(odd, {"2": b"x"})
    assert (plain.filename, plain.content_type, plain.content_id) == (
        "a b.txt",
        "application/octet-stream",
        None,
    )
    # Whatever the original held, the forward builds (no 422 for someone else's mail).
    build_message(_draft(attachments=[plain, image, pdf], html="<p>x</p>"))


@pytest.mark.parametrize(
    ("subject", "name"),
    [
        ("Plans", "Plans.eml"),
        ("a/b: c?", "a b c.eml"),
        (None, "forwarded message.eml"),
        ("...", "forwarded message.eml"),
        ("x" * 300, "x" * 100 + ".eml"),
    ],
)
def test_attached_message_name(subject: str | None, name: str) -> None:
    assert attached_message_name(subject) == name


@pytest.mark.parametrize(
    "inner",
    [
        ORIGINAL,
        b"From: a@example.test\r\nSubject: caf\xc3\xa9\r\n\r\n\xc3\xa9t\xc3\xa9\r\n",
        b"Subject: no final line break\r\n\r\nbody",
    ],
)
def test_attached_message_goes_byte_for_byte_as_message_rfc822(inner: bytes) -> None:
    built = build_message(_draft(attachments=[Attachment("fwd.eml", "message/rfc822", inner)]))
    assert inner.removesuffix(b"\r\n") + b"\r\n" in built.raw
    msg = email.message_from_bytes(built.raw, policy=policy.default)
    [part] = [p for p in msg.walk() if p.get_content_type() == "message/rfc822"]
    assert part["Content-Transfer-Encoding"] == ("7bit" if inner.isascii() else "8bit")
    assert part.get_filename() == "fwd.eml"


@pytest.mark.parametrize(
    "inner",
    [
        b"no header here\r\n",
        b"Subject: x\r\n\r\nNUL \x00\r\n",
        b"Subject: x\n\nbare LF\n",
        b"Subject: x\r\n\r\n" + b"y" * 999 + b"\r\n",
        b"Subject: x\r\rbare CR\r\n",
    ],
)
def test_what_cannot_be_an_attached_message_goes_as_octet_stream(inner: bytes) -> None:
    built = build_message(_draft(attachments=[Attachment("x.eml", "message/rfc822", inner)]))
    parsed, contents = parse_message_with_content(built.raw)
    [info] = parsed.attachments
    assert info.content_type == "application/octet-stream" and contents[info.id] == inner


def test_a_message_for_storage_keeps_bcc_and_needs_no_recipient() -> None:
    with pytest.raises(InvalidInput, match="recipient"):
        build_message(_draft(to=[]))
    empty = build_message(_draft(to=[]), for_storage=True)
    assert empty.rcpt_to == []
    bcc = [Address("hidden@example.test", "Hidden Person")]
    sent = build_message(_draft(bcc=bcc))
    assert b"Bcc:" not in sent.raw and "hidden@example.test" in sent.rcpt_to
    stored = build_message(_draft(bcc=bcc), for_storage=True)
    assert b"Bcc: Hidden Person <hidden@example.test>\r\n" in stored.raw
    with pytest.raises(InvalidInput, match=r"bcc\[0\]\.name"):
        build_message(_draft(bcc=[Address("h@example.test", "a\nb")]), for_storage=True)


def test_a_draft_for_sending_loses_date_and_the_gateways_fields_not_bcc() -> None:
    raw = (
        b"From: me@example.test\r\nTo: you@example.test\r\nBcc: hid@example.test\r\n"
        b"Subject: s\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\n"
        b"X-Mailgate-In-Reply-To: SU5CT1g\r\n  folded\r\nMessage-ID: <d@example.test>\r\n"
        b"X-Custom: kept\r\n\r\nbody\r\nDate: in the body stays\r\n"
    )
    out = for_sending(raw)
    assert out == (
        b"From: me@example.test\r\nTo: you@example.test\r\nBcc: hid@example.test\r\n"
        b"Subject: s\r\nMessage-ID: <d@example.test>\r\nX-Custom: kept\r\n\r\n"
        b"body\r\nDate: in the body stays\r\n"
    )
    sending = normalise_raw(out, default_domain="example.test")
    assert b"Bcc" not in sending.raw and b"\r\nDate: " in sending.raw
    assert sending.header_rcpts == ["you@example.test", "hid@example.test"]
    assert sending.message_id == "<d@example.test>"


def test_reply_target_and_custom_headers_of_a_stored_draft() -> None:
    parsed = parse_message(
        b"From: me@example.test\r\nSubject: s\r\nX-Mailgate-In-Reply-To: SU5CT1gx\r\n"
        b"X-Custom: one\r\nContent-Type: text/plain\r\nMIME-Version: 1.0\r\n"
        b"Message-ID: <d@example.test>\r\nX-Priority: 1\r\n\r\nx\r\n"
    )
    assert reply_target(parsed) == "SU5CT1gx"
    assert custom_headers(parsed) == {"X-Custom": "one", "X-Priority": "1"}
    odd = parse_message(b"Subject: s\r\nX-Mailgate-In-Reply-To: not an id!\r\n\r\nx\r\n")
    assert reply_target(odd) is None and reply_target(parse_message(b"Subject: s\r\n\r\n")) is None
