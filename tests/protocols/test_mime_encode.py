"""The fast encoder of simple messages decodes exactly like the stdlib-built one."""

from __future__ import annotations

import email
import email.header
import email.utils
from email import policy

import pytest

from gateway.model.messages import Address, Draft
from gateway.protocols.mime import build as mime_build
from gateway.protocols.mime.encode import encoded_words, fold, unstructured

NAMES = [
    None,
    "Jane Doe",
    "Doe, Jane",
    'The "Boss"',
    "Back\\slash",
    "Zoë Ünïcode",
    "日本語の名前はとても長いかもしれません、そしてそれは折り返されるべきです",
    " spaced ",
    "a=?utf-8?q?x?=b",
    "x" * 120,
]
SUBJECTS = [
    "",
    "Hello",
    "Grüße ☕ – a test",
    "a" * 200,
    " ".join(["word"] * 60),
    "=?utf-8?q?looks_encoded?=",
    "two  spaces and trailing ",
    "emoji 🎉🎉🎉 " * 12,
    "x" * 1500,
]
BODIES = [
    "",
    "plain\n",
    "no newline at end",
    "long line " * 200,
    "crlf\r\nlines\r\n",
    "trailing spaces   \nand\ttabs\t\n",
    "ünïcödé\nтекст\n",
    ".leading dot\n..two\n",
    "=3D looks like qp =\n",
    "From the start\n",
]


def _name(name: str) -> str:
    # CPython's structured-header parser keeps the folding white space between adjacent
    # encoded-words of a phrase (RFC 2047 §6.2 says to drop it); compare without it.
    return name if name.isascii() else "".join(name.split())


def _decoded(raw: bytes) -> dict:
    msg = email.message_from_bytes(raw, policy=policy.default)
    out = {
        k: str(msg[k])
        for k in ("Subject", "X-Custom", "In-Reply-To", "Message-ID")
        if msg[k] is not None
    }
    out["refs"] = str(msg["References"]).split() if msg["References"] else []
    for key in ("From", "To", "Cc"):
        if msg[key] is not None:
            out[key] = [(_name(a.display_name), a.addr_spec) for a in msg[key].addresses]
    for subtype in ("plain", "html"):
        part = msg.get_body((subtype,))
        out[subtype] = None if part is None else part.get_content().replace("\r\n", "\n")
    out["type"] = msg.get_content_type()
    return out


def _both(draft: Draft) -> tuple[bytes, bytes]:
    subject = draft.subject
    fast = mime_build._build_simple(draft, subject, "<id@example.test>")
    slow = mime_build._build_mime(draft, subject, "<id@example.test>")
    return fast, slow


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("subject", SUBJECTS)
def test_headers_decode_the_same(name: str | None, subject: str) -> None:
    draft = Draft(
        sender=Address("me@example.test", name),
        to=[Address(f"to{i}@example.test", name) for i in range(6)],
        cc=[Address("cc@example.test")],
        subject=subject,
        text="x",
        headers={"X-Custom": subject or "v"},
        in_reply_to="<p@example.test>",
        references=[f"<ref{i}@example.test>" for i in range(12)],
    )
    fast, slow = _both(draft)
    a, b = _decoded(fast), _decoded(slow)
    # Unstructured values arrive exactly as typed. (The stdlib's own output is not the
    # reference here: it decodes text that looks like an encoded-word, and drops a space
    # next to some encoded-words.)
    assert a.pop("Subject") == subject and a.pop("X-Custom") == (subject or "v")
    b.pop("Subject"), b.pop("X-Custom")
    assert a == b
    for line in fast.split(b"\r\n"):
        assert len(line) <= 998
    assert fast.isascii()


@pytest.mark.parametrize("text", [*BODIES, None])
@pytest.mark.parametrize("html", [None, "<p>hé</p>\n", "<b>x</b>"])
def test_bodies_decode_the_same(text: str | None, html: str | None) -> None:
    draft = Draft(
        sender=Address("me@example.test"),
        to=[Address("to@example.test")],
        subject="s",
        text=text,
        html=html,
    )
    fast, slow = _both(draft)
    a, b = _decoded(fast), _decoded(slow)
    assert a == b
    assert all(len(line) <= 998 for line in fast.split(b"\r\n"))
    assert b"\n" not in fast.replace(b"\r\n", b"")


@pytest.mark.parametrize("name", [n for n in NAMES if n])
def test_names_decode_exactly_per_rfc2047(name: str) -> None:
    draft = Draft(sender=Address("me@example.test", name), to=[Address("to@example.test")])
    raw = mime_build._build_simple(draft, "", "<id@example.test>")
    value = email.message_from_bytes(raw, policy=policy.compat32)["From"]
    decoded = str(email.header.make_header(email.header.decode_header(value)))
    if name.isascii():
        assert email.utils.parseaddr(decoded)[0] == " ".join(name.split())
    else:
        assert decoded == f"{name.strip()} <me@example.test>"


def test_encoded_words_keep_characters_whole() -> None:
    words = encoded_words("é" * 100 + "🎉" * 30)
    assert all(len(w) <= 75 for w in words)
    decoded = "".join(email.header.decode_header(w)[0][0].decode("utf-8") for w in words)
    assert decoded == "é" * 100 + "🎉" * 30


def test_fold_and_unstructured() -> None:
    assert unstructured("Subject", "short") == "Subject: short"
    folded = fold("References", [f"<{i}@example.test>" for i in range(20)])
    assert all(len(line) <= 78 for line in folded.split("\r\n"))
    assert folded.replace("\r\n", "").split()[1:] == [f"<{i}@example.test>" for i in range(20)]
