"""Forwarding a message, on Dovecot and on Cyrus: what Postfix delivered, parsed."""

from __future__ import annotations

import base64

import httpx
import pytest

from tests.mailstack import MailStack
from tests.waiting import until

from .conftest import settle, wait_for_mail

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 4
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(200))
ORIGINAL = (
    "From: Ann Example <ann@example.test>\r\nTo: {to}\r\nSubject: Plans\r\n"
    "Date: Mon, 1 Jan 2024 10:00:00 +0000\r\nMessage-ID: <plans-1@example.test>\r\n"
    "References: <root-0@example.test>\r\nMIME-Version: 1.0\r\n"
    'Content-Type: multipart/mixed; boundary="mixed"\r\n\r\n'
    '--mixed\r\nContent-Type: multipart/related; boundary="rel"\r\n\r\n'
    '--rel\r\nContent-Type: multipart/alternative; boundary="alt"\r\n\r\n'
    "--alt\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThe plan: caf\u00e9 at noon.\r\n"
    "--alt\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
    '<html><body><p>The plan: <b>caf\u00e9</b> at noon.</p><img src="cid:logo@example.test">'
    "</body></html>\r\n--alt--\r\n"
    "--rel\r\nContent-Type: image/png\r\nContent-ID: <logo@example.test>\r\n"
    "Content-Disposition: inline\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    "{png}\r\n--rel--\r\n"
    "--mixed\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n"
    'Content-Disposition: attachment; filename="plan.pdf"\r\n\r\n{pdf}\r\n--mixed--\r\n'
)


@pytest.fixture
def mailstack(imap_server: MailStack) -> MailStack:
    """The account under test lives on Dovecot, then on Cyrus (mail it sends lands in
    Dovecot: Postfix delivers example.test there)."""
    return imap_server


async def _original(client: httpx.AsyncClient, account: dict, mailstack: MailStack) -> dict:
    raw = ORIGINAL.format(
        to=account["email"], png=base64.b64encode(PNG).decode(), pdf=base64.b64encode(PDF).decode()
    ).encode()
    mailstack.deliver(account["email"], raw)
    [item] = (await client.get(f"/v1/accounts/{account['id']}/mailboxes/INBOX/messages")).json()[
        "items"
    ]
    return item


async def _flagged(client: httpx.AsyncClient, account: dict, message: str, flag: str) -> None:
    async def has_it() -> bool:
        resp = await client.get(f"/v1/accounts/{account['id']}/messages/{message}")
        return flag in resp.json()["flags"]

    await until(has_it, within=5, what=f"{flag} on the original")


async def test_inline_forward_carries_text_html_and_attachments(
    client: httpx.AsyncClient, account: dict, mailstack: MailStack, dovecot: MailStack
) -> None:
    original = await _original(client, account, mailstack)
    rcpt = dovecot.new_user("fwd")
    url = f"/v1/accounts/{account['id']}/messages/{original['id']}/forward"
    body = {"to": [rcpt], "text": "FYI, see below."}
    sent = await client.post(url, json=body, headers={"Idempotency-Key": "fwd-1"})
    assert sent.status_code == 200, sent.text
    again = await client.post(url, json=body, headers={"Idempotency-Key": "fwd-1"})
    assert again.json() == sent.json() and again.headers["Idempotent-Replayed"] == "true"

    [fwd] = await settle(dovecot, rcpt, quiet=0.7)
    assert fwd["Message-ID"] == sent.json()["message_id"]
    assert fwd["Subject"] == "Fwd: Plans"
    assert fwd["In-Reply-To"] == "<plans-1@example.test>"
    assert fwd["References"].split() == ["<root-0@example.test>", "<plans-1@example.test>"]
    text = fwd.get_body(("plain",)).get_content()
    assert text.startswith(
        "FYI, see below.\n\n---------- Forwarded message ---------\n"
        "From: Ann Example <ann@example.test>\n"
        "Date: Mon, 1 Jan 2024 10:00:00 +0000\nSubject: Plans\n"
    )
    assert "The plan: caf\u00e9 at noon." in text
    html = fwd.get_body(("html",)).get_content()
    assert "<p>The plan: <b>caf\u00e9</b> at noon.</p>" in html
    assert "Forwarded message" in html and "FYI, see below." in html
    parts = {
        p.get_filename() or p["Content-ID"]: p
        for p in fwd.walk()
        if p.get_content_maintype() in ("application", "image")
    }
    assert parts["plan.pdf"].get_content() == PDF
    assert parts["<logo@example.test>"].get_content() == PNG  # the html's cid: still works
    [copy] = (await client.get(f"/v1/accounts/{account['id']}/mailboxes/Sent/messages")).json()[
        "items"
    ]
    assert copy["message_id"] == fwd["Message-ID"] and copy["has_attachments"] is True
    await _flagged(client, account, original["id"], "$Forwarded")


async def test_forward_as_attachment_is_the_original_byte_for_byte(
    client: httpx.AsyncClient, account: dict, mailstack: MailStack, dovecot: MailStack
) -> None:
    mailstack.deliver(
        account["email"],
        (
            "From: Ann <ann@example.test>\r\nSubject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\n"
            "Message-ID: <eight@example.test>\r\nMIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
            "Sch\u00f6ne Gr\u00fc\u00dfe\r\n"
        ).encode(),
    )
    [original] = (
        await client.get(f"/v1/accounts/{account['id']}/mailboxes/INBOX/messages")
    ).json()["items"]
    source = (
        await client.get(f"/v1/accounts/{account['id']}/messages/{original['id']}/raw")
    ).content
    rcpt = dovecot.new_user("att")
    url = f"/v1/accounts/{account['id']}/mailboxes/INBOX/messages/{original['id']}/forward"
    queued = await client.post(
        url,
        json={
            "to": [rcpt],
            "text": "Attached.",
            "subject": "Have a look",
            "as_attachment": True,
            "mode": "queue",
        },
    )
    assert queued.status_code == 202, queued.text
    [fwd] = await wait_for_mail(dovecot, rcpt)
    assert fwd["Subject"] == "Have a look"
    assert fwd.get_body(("plain",)).get_content().strip() == "Attached."
    [attached] = [p for p in fwd.walk() if p.get_content_type() == "message/rfc822"]
    assert attached.get_filename() == "Gr\u00fc\u00dfe.eml"
    assert attached["Content-Transfer-Encoding"] == "8bit"
    # Byte for byte as the server had it (Dovecot's Maildir keeps lines with LF).
    delivered = dovecot.maildir_path(rcpt)
    raw = next(p for p in (delivered / "new").iterdir()).read_bytes()
    assert source.replace(b"\r\n", b"\n") in raw


async def test_forward_refusals(
    client: httpx.AsyncClient, account: dict, mailstack: MailStack
) -> None:
    original = await _original(client, account, mailstack)
    acct = f"/v1/accounts/{account['id']}"
    ok_body = {"to": ["x@example.test"]}
    wrong_box = await client.post(
        f"{acct}/mailboxes/Sent/messages/{original['id']}/forward", json=ok_body
    )
    assert wrong_box.status_code == 404 and wrong_box.json()["code"] == "message_not_found"
    unknown = await client.post(f"{acct}/messages/not-an-id/forward", json=ok_body)
    assert unknown.status_code == 404
    url = f"{acct}/messages/{original['id']}/forward"
    for body, code in (
        ({"to": []}, "validation_error"),
        ({"to": ["x@example.test"], "from": "boss@elsewhere.test"}, "from_not_allowed"),
        ({"to": ["x@example.test"], "subject": "a\r\nBcc: y@example.test"}, "validation_error"),
        ({"to": ["x@example.test"], "in_reply_to": original["id"]}, "validation_error"),
    ):
        resp = await client.post(url, json=body)
        assert resp.status_code == 422 and resp.json()["code"] == code, (body, resp.text)
    flags = (await client.get(f"{acct}/messages/{original['id']}")).json()["flags"]
    assert "$Forwarded" not in flags
