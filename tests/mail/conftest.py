"""Helpers for the IMAP message tests: build messages, address the account's routes.

Every test here runs against Dovecot and against Cyrus: ``mailstack`` is ``imap_server``.
"""

from __future__ import annotations

import base64
import imaplib
from datetime import UTC, datetime
from email.utils import format_datetime

import pytest

from tests.mailstack import MailStack


def make_message(
    subject: str,
    *,
    sender: str = "Alice <alice@example.test>",
    to: str = "bob@example.test",
    body: str = "hello",
    date: datetime | None = None,
    message_id: str | None = None,
    extra: str = "",
) -> bytes:
    date = date or datetime.now(UTC)
    mid = message_id or f"<{abs(hash((subject, body, date)))}@example.test>"
    return (
        f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\n"
        f"Date: {format_datetime(date)}\r\nMessage-ID: {mid}\r\n{extra}"
        f"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    ).encode()


def latin1_with_attachment(payload: bytes) -> bytes:
    """A Latin-1 body and an attachment whose name is RFC 2231 encoded (with continuations)."""
    b64 = base64.encodebytes(payload).decode().replace("\n", "\r\n")
    return (
        "From: =?iso-8859-1?q?J=F6rg_M=FCller?= <joerg@example.test>\r\n"
        "To: bob@example.test\r\n"
        "Subject: =?iso-8859-1?q?Gr=FC=DFe_aus_K=F6ln?=\r\n"
        "Message-ID: <latin1@example.test>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="XYZ"\r\n\r\n'
        "--XYZ\r\n"
        "Content-Type: text/plain; charset=iso-8859-1\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        "Sch=F6ne Gr=FC=DFe\r\n"
        "--XYZ\r\n"
        "Content-Type: application/pdf\r\n"
        "Content-Transfer-Encoding: base64\r\n"
        "Content-Disposition: attachment;\r\n"
        " filename*0*=utf-8''Re%CC%81sume%CC%81%20;\r\n"
        " filename*1*=%E2%82%AC.pdf\r\n\r\n"
        f"{b64}"
        "--XYZ--\r\n"
    ).encode("latin-1")


def imap_subscribe(stack: MailStack, user: str, mailbox: str) -> None:
    """SUBSCRIBE ``mailbox`` as another client of ``user`` would."""
    imap = imaplib.IMAP4(stack.host, stack.imap, timeout=30)
    try:
        imap.login(user, stack.password)
        typ, data = imap.subscribe(mailbox)
        assert typ == "OK", data
    finally:
        imap.logout()


@pytest.fixture
def mailstack(imap_server: MailStack) -> MailStack:
    """Every test here runs against Dovecot and against Cyrus (``mailstack.server``)."""
    return imap_server


@pytest.fixture
def acct_url(account: dict) -> str:
    return f"/v1/accounts/{account['id']}"
