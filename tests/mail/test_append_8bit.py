"""8-bit bytes in the header of an appended message: refused (422), never stored altered.

Cyrus stores each 8-bit header byte as "X" (munge8bit), Dovecot keeps them; neither
announces UTF8=ACCEPT (RFC 6855). The gateway refuses such a header on both, and what it
does append (ASCII header, 8-bit body and part headers) reads back byte for byte.
"""

from __future__ import annotations

import httpx

from gateway.protocols.mime.raw import eight_bit_header_line
from tests.mailstack import MailStack

_RAW = {"Content-Type": "message/rfc822"}


def _message(subject: bytes, sender: bytes, extra: bytes = b"") -> bytes:
    return (
        b"From: " + sender + b"\r\nTo: bob@example.test\r\nSubject: " + subject + b"\r\n"
        b"Date: Sun, 6 Dec 2026 12:00:00 +0000\r\nMessage-ID: <eight-bit@example.test>\r\n"
        + extra
        + b"MIME-Version: 1.0\r\n"
        b"Content-Type: multipart/mixed; boundary=b\r\n\r\n"
        b"--b\r\nContent-Type: text/plain; charset=utf-8\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\nSch\xc3\xb6ne Gr\xc3\xbc\xc3\x9fe\r\n"
        b"--b\r\nContent-Type: application/pdf\r\n"
        b'Content-Disposition: attachment; filename="Gr\xc3\xbc\xc3\x9fe.pdf"\r\n\r\n'
        b"%PDF-1.4\r\n--b--\r\n"
    )


async def test_8bit_header_bytes_are_refused_not_stored_altered(
    client: httpx.AsyncClient, account: dict, acct_url: str, mailstack: MailStack
) -> None:
    user = account["email"]
    for raw in (
        _message("Grüße aus Köln".encode(), b"Alice <alice@example.test>"),
        _message(b"plain", "Jörg <j@example.test>".encode()),
        _message(b"plain", b"Alice <alice@example.test>", b"X-Note: caf\xe9\r\n"),
        _message(b"plain", b"Alice <alice@example.test>", b"X-Folded: start\r\n \xc3\xa9nd\r\n"),
    ):
        resp = await client.post(f"{acct_url}/mailboxes/INBOX/messages", content=raw, headers=_RAW)
        assert resp.status_code == 422, resp.text
        problem = resp.json()
        assert problem["code"] == "header_not_ascii", problem
        assert "Köln" not in resp.text and "Jörg" not in resp.text and "caf" not in resp.text
    assert mailstack.maildir_count(user) == 0  # nothing reached the server

    # The same text as RFC 2047 encoded-words: stored as appended, on both servers; the
    # 8-bit body and the 8-bit filename of a part are not the message header.
    encoded = _message(
        b"=?utf-8?q?Gr=C3=BC=C3=9Fe_aus_K=C3=B6ln?=", b"=?utf-8?q?J=C3=B6rg?= <j@example.test>"
    )
    resp = await client.post(f"{acct_url}/mailboxes/INBOX/messages", content=encoded, headers=_RAW)
    assert resp.status_code == 201, resp.text
    message = resp.json()["id"]
    stored = await client.get(f"{acct_url}/messages/{message}/raw")
    assert stored.status_code == 200 and stored.content == encoded
    parsed = (await client.get(f"{acct_url}/messages/{message}")).json()
    assert parsed["subject"] == "Grüße aus Köln"
    assert parsed["from"][0]["name"] == "Jörg"
    assert [a["filename"] for a in parsed["attachments"]] == ["Grüße.pdf"]

    # A JSON draft with the same text is encoded by the gateway, and reads back the same.
    resp = await client.post(
        f"{acct_url}/mailboxes/INBOX/messages",
        json={
            "subject": "Grüße aus Köln",
            "from": {"name": "Jörg", "address": "j@example.test"},
            "to": ["bob@example.test"],
            "text": "Schöne Grüße",
        },
    )
    assert resp.status_code == 201, resp.text
    parsed = (await client.get(f"{acct_url}/messages/{resp.json()['id']}")).json()
    assert parsed["subject"] == "Grüße aus Köln" and parsed["from"][0]["name"] == "Jörg"
    assert mailstack.maildir_count(user) == 2


def test_eight_bit_header_line_finds_the_message_header_line_only() -> None:
    assert eight_bit_header_line(b"Subject: ascii\r\n\r\nbody \xc3\xa9\r\n") is None
    assert eight_bit_header_line(b"Subject: ascii\nX: \xe9\n\nbody\n") == 2
    assert eight_bit_header_line(b"A: b\r\nC: d\r\n \xc3\xa9\r\n\r\n") == 3
    assert eight_bit_header_line(b"A: b\r\n\r\nContent-Type: x; name=\xc3\xa9\r\n") is None
    assert eight_bit_header_line(b"Subject: no body at all \xff") == 1
