"""What feeds the reply-only text and the bounce report (pure): HTML bodies as text with their
quotes kept, and the header check that decides whether a message is read as a bounce."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from gateway.protocols.mime.dsn import may_be_bounce, parse_dsn
from gateway.protocols.mime.html_text import html_to_text
from gateway.protocols.mime.reply import reply_text

CORPUS = Path(__file__).parent / "corpus_dsn"
GMAIL_HTML = (
    '<div dir="ltr">Sounds good, see you then.<br><br>Bob</div><br>'
    '<div class="gmail_quote"><div dir="ltr" class="gmail_attr">On Mon, 1 Jan 2024 at 10:00, '
    'Alice &lt;alice@example.test&gt; wrote:<br></div><blockquote class="gmail_quote" '
    'style="margin:0px 0px 0px 0.8ex"><div>Lunch tomorrow?<br>A</div></blockquote></div>'
)
OUTLOOK_HTML = (
    "<html><head><style>p.MsoNormal{margin:0}</style></head><body><div class=WordSection1>"
    "<p class=MsoNormal>Approved.</p><p class=MsoNormal>&nbsp;</p>"
    "<div style='border:none;border-top:solid #E1E1E1 1.0pt'><p class=MsoNormal><b>From:</b> "
    "Alice &lt;alice@example.test&gt;<br><b>Sent:</b> Monday, January 1, 2024 10:00 AM<br>"
    "<b>To:</b> Bob &lt;bob@example.test&gt;<br><b>Subject:</b> Budget</p></div>"
    "<p class=MsoNormal>Can you approve the budget?</p></div></body></html>"
)


def test_blockquotes_become_quoted_lines() -> None:
    text = html_to_text(GMAIL_HTML)
    assert text is not None
    assert "> Lunch tomorrow?" in text.splitlines() and "> A" in text.splitlines()
    assert "On Mon, 1 Jan 2024 at 10:00, Alice <alice@example.test> wrote:" in text
    assert reply_text(None, text).text == "Sounds good, see you then.\n\nBob"
    nested = html_to_text("<p>new</p><blockquote>one<blockquote>two</blockquote></blockquote>")
    assert nested == "new\n\n> one\n> > two"


def test_outlook_html_reply_keeps_only_the_answer() -> None:
    text = html_to_text(OUTLOOK_HTML)
    assert text is not None and "p.MsoNormal" not in text
    assert reply_text(None, text).text.strip() == "Approved."


def test_markup_is_dropped_and_text_kept() -> None:
    assert (
        html_to_text(
            "<script>alert(1)</script><p>a &amp; b</p><pre>x\n  y</pre>"
            "<table><tr><td>1</td><td>2</td></tr></table>"
        )
        == "a & b\nx\n  y\n1 2"
    )
    assert html_to_text("") is None and html_to_text("<style>x</style>") is None


def test_hostile_html_is_linear() -> None:
    bad = "<blockquote>" * 20_000 + "<div>" * 50_000 + "x" * 200_000 + "<" * 100_000
    start = time.perf_counter()
    html_to_text(bad)
    assert time.perf_counter() - start < 3


@pytest.mark.parametrize("name", sorted(p.name for p in CORPUS.glob("*.eml")))
def test_every_bounce_of_the_corpus_passes_the_header_check(name: str) -> None:
    """The watcher and the message read look at the whole message only when the header says
    it may be a bounce: that check must let every bounce the parser reads through."""
    raw = (CORPUS / name).read_bytes()
    header = raw.split(b"\n\n", 1)[0] if b"\r\n\r\n" not in raw else raw.split(b"\r\n\r\n")[0]
    if parse_dsn(raw) is not None:
        assert may_be_bounce(header + b"\r\n\r\n"), name


def test_the_header_check_passes_ordinary_mail_by() -> None:
    ordinary = (
        b"From: Alice <alice@example.test>\r\nTo: bob@example.test\r\n"
        b"Subject: Undelivered? no, lunch\r\nContent-Type: text/plain\r\n\r\n"
    )
    assert not may_be_bounce(ordinary)
    receipt = (
        b"From: Bob <bob@example.test>\r\nContent-Type: multipart/report; "
        b'report-type=disposition-notification; boundary="b"\r\n\r\n'
    )
    assert not may_be_bounce(receipt)  # a read receipt (RFC 8098) is no bounce
    report = (
        b"From: Mail System <postmaster@example.test>\r\nContent-Type: multipart/report;"
        b' report-type="delivery-status"; boundary="b"\r\n\r\n'
    )
    assert may_be_bounce(report)
