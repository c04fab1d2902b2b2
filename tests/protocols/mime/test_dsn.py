"""Bounces (delivery status notifications) read from a corpus of real-shaped samples (pure).

The corpus and where each sample comes from: tests/protocols/mime/corpus_dsn/README.md.
"""

from __future__ import annotations

import time
from email import message_from_bytes
from email.policy import default
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.protocols.mime.bounce_text import address_in
from gateway.protocols.mime.dsn import Bounce, DeliveryReport, parse_dsn, status_code

CORPUS = Path(__file__).parent / "corpus_dsn"

# sample -> (RFC 3464?, original Message-ID, [(recipient, action, status, in diagnostic)])
EXPECTED: dict[str, tuple[bool, str | None, list[tuple[str, str, str | None, str]]]] = {
    "rfc3464-simple.eml": (
        True,
        "<199407022110.RAA01234@CS.UTK.EDU>",
        [("louisl@larry.slip.umd.edu", "failed", "4.0.0", "426 connection timed out")],
    ),
    "rfc3464-multi-recipient.eml": (
        True,
        None,
        [
            ("arathib@vnet.ibm.com", "failed", "5.0.0", "is not a registered gateway user"),
            ("johnh@hpnjld.njd.hp.com", "delayed", "4.0.0", ""),
            ("wsnell@sdcc13.ucsd.edu", "failed", "5.0.0", "550 user unknown"),
        ],
    ),
    "postfix-local-unknown-user.eml": (
        True,
        "<170470812345.1234.5678@gateway.example.org>",
        [("nobody@example.org", "failed", "5.1.1", 'unknown user: "nobody"')],
    ),
    "postfix-remote-550.eml": (
        True,
        "<200606062135.k56LZFWj016815@shop.example.com>",
        [("regent@customer.example", "failed", "5.1.1", "is not a valid mailbox")],
    ),
    "postfix-delayed.eml": (
        True,
        "<weekly-2024-02@gateway.example.org>",
        [("slow@example.net", "delayed", "4.4.1", "Connection refused")],
    ),
    "postfix-delivered.eml": (
        True,
        "<notify-success@gateway.example.org>",
        [("someone@example.org", "delivered", "2.0.0", "delivered to mailbox")],
    ),
    "postfix-plain-expanded.eml": (
        False,
        "<minutes-0303@example.org>",
        [
            ("gone@example.net", "failed", "5.1.1", "tried to reach does not exist"),
            ("full@example.net", "failed", "4.2.2", "Mailbox full"),
        ],
    ),
    "exim-failed.eml": (
        False,
        "<E1X58pB-0004bW-2s@marutamachi.example.org>",
        [
            ("kijitora@example.jp", "failed", "5.1.1", "User Unknown"),
            ("sabatora@example.jp", "failed", "5.2.1", "Mailbox disabled"),
        ],
    ),
    "exim-delayed.eml": (
        False,
        None,
        [("slow@example.net", "delayed", "4.3.0", "Temporary lookup failure")],
    ),
    "qmail.eml": (
        False,
        "<000000000.9999999999999.JavaMail.postmaster@mailhub>",
        [("kijitora@example.ne.jp", "failed", "5.5.0", "Unknown user")],
    ),
    "gmail-dsn.eml": (
        True,
        "<CAgmaildsn0001@mail.gmail.com>",
        [("nobody@example.com", "failed", "5.1.1", "User unknown in virtual mailbox table")],
    ),
    "gmail-plain.eml": (
        False,
        "<CBA48452-0888-4AAC-AA4E-0F54D382117F@gmail.com>",
        [("kijitora@example.co.jp", "failed", "5.7.0", "Header error")],
    ),
    "gmail-delayed.eml": (
        False,
        "<CAdelayed0001@mail.gmail.com>",
        [("later@example.net", "delayed", "4.0.0", "did not accept our requests")],
    ),
    "gmail-prose.eml": (
        False,
        "<CAprose0001@mail.gmail.com>",
        [("nobody@example.com", "failed", "5.1.1", "does not exist")],
    ),
    "exchange2007-dsn.eml": (
        True,
        "<20100629141825.BC9AC16586D3@server4.example.co.uk>",
        [("john.smith@eu.a.example.com", "failed", "5.2.3", "RecipSizeLimit")],
    ),
    "exchange-text.eml": (
        False,
        "<q4-numbers@example.org>",
        [
            ("ann.other@corp.example.com", "failed", "5.1.1", "RecipNotFound"),
            ("bob@corp.example.com", "failed", "5.2.2", "mailbox full"),
        ],
    ),
    "office365-prose.eml": (
        False,
        "<invoice-42@example.org>",
        [("nobody@contoso.example", "failed", "5.1.10", "RecipientNotFound")],
    ),
    "sendmail-plain.eml": (
        False,
        "<200503131459.j2DExx01234@mail.example.com>",
        [("nouser@example.net", "failed", "5.1.1", "User unknown")],
    ),
}
NOT_BOUNCES = ["not-a-bounce-forwarded.eml", "not-a-bounce-vacation.eml"]


def test_every_sample_in_the_corpus_is_checked() -> None:
    on_disk = {p.name for p in CORPUS.glob("*.eml")}
    assert on_disk == set(EXPECTED) | set(NOT_BOUNCES)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_sample(name: str) -> None:
    standard, original, expected = EXPECTED[name]
    report = parse_dsn((CORPUS / name).read_bytes())
    assert report is not None
    assert report.standard is standard
    assert report.original_message_id == original
    got = [(b.recipient, b.action, b.status) for b in report.bounces]
    assert got == [(r, a, s) for r, a, s, _ in expected]
    for bounce, (*_, words) in zip(report.bounces, expected, strict=True):
        assert words in (bounce.diagnostic or ""), (bounce, words)


@pytest.mark.parametrize("name", NOT_BOUNCES)
def test_messages_that_are_not_bounces(name: str) -> None:
    assert parse_dsn((CORPUS / name).read_bytes()) is None


def test_a_parsed_message_of_either_policy_gives_the_same_report() -> None:
    for name in ("postfix-remote-550.eml", "exim-failed.eml", "exchange2007-dsn.eml"):
        raw = (CORPUS / name).read_bytes()
        assert parse_dsn(message_from_bytes(raw, policy=default)) == parse_dsn(raw)


def test_rfc3464_fields_in_detail() -> None:
    report = parse_dsn((CORPUS / "rfc3464-multi-recipient.eml").read_bytes())
    assert report is not None
    assert report.reporting_mta == "cs.utk.edu"
    assert report.bounces[0] == Bounce(
        recipient="arathib@vnet.ibm.com",
        action="failed",
        status="5.0.0",
        diagnostic="550 'arathib@vnet.IBM.COM' is not a registered gateway user",
        original_recipient="arathib@vnet.ibm.com",
        remote_mta="vnet.ibm.com",
    )


def test_an_ordinary_message_is_not_a_bounce() -> None:
    raw = (
        b"From: a@example.org\r\nTo: b@example.org\r\nSubject: hi\r\n\r\n"
        b"<c@example.org>: see you\r\n"
    )
    assert parse_dsn(raw) is None
    assert parse_dsn(b"") is None


def test_a_report_without_recipients_reads_the_text_instead() -> None:
    raw = (
        b"From: MAILER-DAEMON@mx.example.org\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n"
        b"--b\r\nContent-Type: text/plain\r\n\r\n"
        b"<x@example.net>: host mx said: 550 5.1.1 no such user\r\n"
        b"--b\r\nContent-Type: message/delivery-status\r\n\r\n"
        b"Reporting-MTA: dns; mx.example.org\r\n\r\nAction: failed\r\n--b--\r\n"
    )
    report = parse_dsn(raw)
    assert report == DeliveryReport(
        (Bounce("x@example.net", "failed", "5.1.1", "host mx said: 550 5.1.1 no such user"),),
        None,
        None,
        False,
    )


def test_global_delivery_status_rfc6533_is_read_as_text() -> None:
    raw = (
        "From: MAILER-DAEMON@mx.example.org\r\nMIME-Version: 1.0\r\n"
        "Content-Type: multipart/report; report-type=global-delivery-status; boundary=b\r\n"
        "\r\n--b\r\nContent-Type: message/global-delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.org\r\n\r\n"
        "Final-Recipient: utf-8; jösé@bücher.example\r\nAction: failed\r\n"
        "Status: 5.1.1\r\n--b--\r\n"
    ).encode()
    report = parse_dsn(raw)
    assert report is not None and report.standard
    assert [(b.recipient, b.status) for b in report.bounces] == [("jösé@bücher.example", "5.1.1")]


@pytest.mark.parametrize(
    ("status", "diagnostic", "default_class", "expected"),
    [
        ("5.1.1", None, None, "5.1.1"),
        ("5.0.0", "550 5.1.1 unknown", None, "5.1.1"),  # the precise code wins
        ("5.0.0", "450 4.2.2 full", None, "5.0.0"),  # ... only within its class
        (None, "host 192.0.2.10[192.0.2.10] said: 550 no", None, "5.0.0"),  # not the IP
        (None, "said: 550-5.7.1 [192.0.2.1] blocked", None, "5.7.1"),
        (None, "Connection timed out at 10:45:12", "4", "4.0.0"),
        (None, "version 1.2.3.4 said 421", None, "4.0.0"),
        (None, None, None, None),
    ],
)
def test_status_codes(
    status: str | None, diagnostic: str | None, default_class: str | None, expected: str | None
) -> None:
    assert status_code(status, diagnostic, default_class) == expected


def test_addresses_in_text() -> None:
    assert address_in("John Smith<mailto:john.smith@example.com>") == "john.smith@example.com"
    assert address_in("  kijitora@example.jp,") == "kijitora@example.jp"
    assert address_in("no address here") is None
    assert address_in("user@localhost") is None


def test_huge_bounce_finishes_in_bounded_time() -> None:
    body = (
        (b"<x@example.net>: " + b"a" * 3000 + b"\r\n") * 2000
        + b"The following address(es) failed:\r\n"
        + b"  " * 500_000
        + b"\r\n"
    )
    raw = b"From: MAILER-DAEMON@mx.example.org\r\nSubject: Undelivered Mail\r\n\r\n" + body
    started = time.perf_counter()
    report = parse_dsn(raw)
    assert time.perf_counter() - started < 5.0
    assert report is not None and report.bounces[0].recipient == "x@example.net"


_SAMPLES = sorted(p.read_bytes() for p in CORPUS.glob("*.eml"))


@settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    sample=st.sampled_from(_SAMPLES),
    cut=st.integers(0, 6000),
    flips=st.lists(st.tuples(st.integers(0, 6000), st.binary(min_size=1, max_size=8)), max_size=6),
)
def test_damaged_samples_never_raise(sample: bytes, cut: int, flips: list) -> None:
    data = bytearray(sample[:cut] if cut < len(sample) else sample)
    for at, junk in flips:
        at = min(at, len(data))
        data[at : at + len(junk)] = junk
    # What the gateway passes: the raw bytes (a message parsed with email.policy.default can
    # itself fail on damaged input inside the stdlib, so only the bytes path is held to this).
    report = parse_dsn(bytes(data))
    assert report is None or (
        report.bounces
        and all(
            b.recipient and b.action in {"failed", "delayed", "delivered", "relayed", "expanded"}
            for b in report.bounces
        )
    )
