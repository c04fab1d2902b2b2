"""POST /send in sync mode against the real Postfix, checked in the recipient's Maildir."""

from __future__ import annotations

import base64

import httpx

from tests.mailstack import MailStack

from .conftest import settle, wait_for_mail

PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452") + bytes(range(256))
PDF = b"%PDF-1.4\r\n%\xe2\xe3\xcf\xd3\r\n" + bytes(range(256)) * 4


async def test_sync_send_delivers_everything(
    client: httpx.AsyncClient, account: dict, mailstack: MailStack
) -> None:
    rcpt = mailstack.new_user("r")
    other = mailstack.new_user("o")
    resp = await client.post(
        f"/v1/accounts/{account['id']}/send",
        json={
            "from": {"name": "Zoë Ünïcode", "address": account["email"]},
            "to": [{"name": "Réka", "address": rcpt}],
            "cc": [f"Other Person <{other}>"],
            "reply_to": "replies@example.test",
            "subject": "Grüße ☕ – a test",
            "text": "Hello\n.a line with a dot\n",
            "html": '<p>Hello <img src="cid:logo123"></p>',
            "attachments": [
                {
                    "filename": "logo.png",
                    "content_type": "image/png",
                    "content": base64.b64encode(PNG).decode(),
                    "content_id": "logo123",
                    "inline": True,
                },
                {
                    "filename": "rapport été.pdf",
                    "content_type": "application/pdf",
                    "content": base64.b64encode(PDF).decode(),
                },
            ],
            "headers": {"X-Campaign": "spring-2026"},
            "save_to_sent": False,
        },
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert sorted(body["accepted"]) == sorted([rcpt, other])
    assert body["rejected"] == [] and body["queue_id"] is None
    assert body["smtp_response"].startswith("250")
    [msg] = await wait_for_mail(mailstack, rcpt)
    assert msg["Message-ID"] == body["message_id"]
    assert msg["Subject"] == "Grüße ☕ – a test"
    assert msg["From"].addresses[0].display_name == "Zoë Ünïcode"
    assert msg["To"].addresses[0].addr_spec == rcpt
    assert msg["Reply-To"] == "replies@example.test"
    assert msg["X-Campaign"] == "spring-2026"
    assert msg["Date"] is not None
    assert (
        msg.get_body(("plain",)).get_content().replace("\r\n", "\n")
        == "Hello\n.a line with a dot\n"
    )
    html = msg.get_body(("html",))
    assert "cid:logo123" in html.get_content()
    related = [p for p in msg.walk() if p.get_content_type() == "multipart/related"]
    assert len(related) == 1
    image = [p for p in related[0].iter_parts() if p.get_content_type() == "image/png"][0]
    assert image["Content-ID"] == "<logo123>" and image.get_content_disposition() == "inline"
    assert image.get_content() == PNG
    [pdf] = [p for p in msg.iter_attachments() if p.get_content_type() == "application/pdf"]
    assert pdf.get_filename() == "rapport été.pdf"
    assert pdf.get_content() == PDF
    assert len(await wait_for_mail(mailstack, other)) == 1


async def test_bcc_is_delivered_but_not_visible(
    client: httpx.AsyncClient, account: dict, mailstack: MailStack
) -> None:
    to, hidden = mailstack.new_user("to"), mailstack.new_user("bcc")
    resp = await client.post(
        f"/v1/accounts/{account['id']}/send",
        json={
            "to": [to],
            "bcc": [hidden],
            "subject": "bcc test",
            "text": "x",
            "save_to_sent": False,
        },
    )
    assert resp.status_code == 200, resp.text
    assert sorted(resp.json()["accepted"]) == sorted([to, hidden])
    for user in (to, hidden):
        [msg] = await wait_for_mail(mailstack, user)
        assert msg["Bcc"] is None
        assert hidden.encode() not in msg.as_bytes().split(b"\n\n", 1)[0].replace(
            b"for <" + hidden.encode(), b""
        )  # Received: "for <rcpt>" is per copy
    [to_copy] = await wait_for_mail(mailstack, to)
    assert hidden not in to_copy.as_string()


async def test_rejected_recipient_is_reported(
    client: httpx.AsyncClient, account: dict, mailstack: MailStack
) -> None:
    good, bad = mailstack.new_user("ok"), "unknown-" + mailstack.new_user("x")
    resp = await client.post(
        f"/v1/accounts/{account['id']}/send",
        json={"to": [good, bad], "subject": "partly", "text": "x", "save_to_sent": False},
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["accepted"] == [good]
    [rej] = body["rejected"]
    assert rej["address"] == bad and rej["code"] == 550 and "5.1.1" in rej["message"]
    assert len(await wait_for_mail(mailstack, good)) == 1


async def test_all_recipients_refused_is_502(
    client: httpx.AsyncClient, account: dict, mailstack: MailStack
) -> None:
    bad = "unknown-" + mailstack.new_user("x")
    resp = await client.post(
        f"/v1/accounts/{account['id']}/send",
        json={"to": [bad], "subject": "nobody", "text": "x", "save_to_sent": False},
    )
    assert resp.status_code == 502, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    problem = resp.json()
    assert problem["code"] == "smtp_rejected"
    assert "550" in problem["detail"] and "User unknown" in problem["detail"]
    assert problem["rejected"][0]["address"] == bad


async def test_raw_send(client: httpx.AsyncClient, account: dict, mailstack: MailStack) -> None:
    to, hidden = mailstack.new_user("raw"), mailstack.new_user("rawbcc")
    raw = (
        f"From: {account['email']}\nTo: {to}\nBcc: {hidden}\nSubject: raw one\n\n"
        "line 1\n.dotted\nline 3\n"
    ).encode()
    resp = await client.post(
        f"/v1/accounts/{account['id']}/send/raw",
        content=raw,
        headers={"Content-Type": "message/rfc822"},
        params={"save_to_sent": "false"},
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert sorted(body["accepted"]) == sorted([to, hidden])
    [msg] = await wait_for_mail(mailstack, to)
    assert msg["Message-ID"] == body["message_id"]
    assert msg["Bcc"] is None and msg["Subject"] == "raw one"
    assert msg.get_content().replace("\r\n", "\n") == "line 1\n.dotted\nline 3\n"
    assert len(await wait_for_mail(mailstack, hidden)) == 1


async def test_raw_send_envelope_from_query(
    client: httpx.AsyncClient, account: dict, mailstack: MailStack
) -> None:
    shown, real = mailstack.new_user("shown"), mailstack.new_user("real")
    raw = (
        f"From: {account['email']}\r\nTo: {shown}\r\nMessage-ID: <fixed-{real}>\r\n"
        "Subject: envelope\r\n\r\nbody\r\n"
    ).encode()
    resp = await client.post(
        f"/v1/accounts/{account['id']}/send/raw",
        content=raw,
        headers={"Content-Type": "message/rfc822"},
        params={"rcpt_to": real, "save_to_sent": "false"},
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["accepted"] == [real]
    assert resp.json()["message_id"] == f"<fixed-{real}>"
    [msg] = await wait_for_mail(mailstack, real)
    assert msg["Message-ID"] == f"<fixed-{real}>"
    assert await settle(mailstack, shown, quiet=0.3) == []


async def test_sync_send_publishes_message_sent(
    client: httpx.AsyncClient, account: dict, mailstack: MailStack
) -> None:
    import asyncio

    rcpt = mailstack.new_user("ev")
    resp = await client.post(
        f"/v1/accounts/{account['id']}/send",
        json={"to": [rcpt], "subject": "event", "text": "x", "save_to_sent": False},
    )
    assert resp.status_code == 200, resp.text
    repo = client.app.state.services.events.repo
    for _ in range(100):
        stored = await repo.after(0, accounts=[account["id"]], types=["message.sent"])
        if stored:
            break
        await asyncio.sleep(0.02)
    assert [e.data["message_id"] for e in stored] == [resp.json()["message_id"]]
    assert stored[0].data["accepted"] == [rcpt] and stored[0].data["queue_id"] is None


async def test_large_attachment_byte_for_byte(
    client: httpx.AsyncClient, account: dict, mailstack: MailStack
) -> None:
    """~1.2 MB through both paths: sync (one write) and queue (content, journal, then ".")."""
    import os

    blob = os.urandom(1_200_000)
    for mode in ("sync", "queue"):
        rcpt = mailstack.new_user("big")
        resp = await client.post(
            f"/v1/accounts/{account['id']}/send",
            json={
                "to": [rcpt],
                "subject": f"big {mode}",
                "text": "see attached",
                "mode": mode,
                "save_to_sent": False,
                "attachments": [
                    {
                        "filename": "blob.bin",
                        "content_type": "application/octet-stream",
                        "content": base64.b64encode(blob).decode(),
                    }
                ],
            },
        )
        assert resp.status_code in (200, 202), resp.text
        [msg] = await wait_for_mail(mailstack, rcpt, within=30)
        [part] = list(msg.iter_attachments())
        assert part.get_content() == blob
