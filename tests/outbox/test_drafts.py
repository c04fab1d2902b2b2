"""Drafts as a resource, on Dovecot and on Cyrus: what the Drafts mailbox holds (read by a
raw IMAP client), versions, sending through Postfix (read where Dovecot delivered it)."""

from __future__ import annotations

import base64
import email
import imaplib
import re
from email import policy
from email.message import EmailMessage

import httpx
import pytest

from gateway.imap.drafts import _newest_with_message_id
from tests.mailstack import MailStack
from tests.waiting import until

from .conftest import settle, wait_for_mail

imaplib.Commands.setdefault("SETMETADATA", ("AUTH", "SELECTED"))


@pytest.fixture
def mailstack(imap_server: MailStack) -> MailStack:
    """The account under test lives on Dovecot, then on Cyrus (mail it sends lands in
    Dovecot: Postfix delivers example.test there)."""
    return imap_server


def _imap(stack: MailStack, user: str) -> imaplib.IMAP4:
    imap = imaplib.IMAP4(stack.host, stack.imap, timeout=30)
    imap.login(user, stack.password)
    return imap


def raw_mailbox(
    stack: MailStack, user: str, mailbox: str = "Drafts"
) -> list[tuple[set[str], EmailMessage, bytes]]:
    """Each message of ``mailbox`` as another IMAP client sees it: flags, parsed, bytes."""
    imap = _imap(stack, user)
    try:
        typ, _ = imap.select(mailbox, readonly=True)
        assert typ == "OK"
        typ, data = imap.uid("FETCH", "1:*", "(FLAGS BODY.PEEK[])")
        assert typ == "OK", data
    finally:
        imap.logout()
    out = []
    for item in data:
        if isinstance(item, tuple):
            flags = set(re.search(rb"FLAGS \(([^)]*)\)", item[0]).group(1).decode().split())
            out.append(
                (
                    {f.lower() for f in flags},
                    email.message_from_bytes(item[1], policy=policy.default),
                    item[1],
                )
            )
    return out


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


async def test_draft_lifecycle_as_a_raw_imap_client_sees_it(
    client: httpx.AsyncClient, account: dict, mailstack: MailStack
) -> None:
    url = f"/v1/accounts/{account['id']}/drafts"
    user = account["email"]
    body = {
        "to": ["Bob <bob@example.test>"],
        "cc": ["carol@example.test"],
        "bcc": [{"name": "Hidden Person", "address": "hidden@example.test"}],
        "subject": "Plan",
        "text": "first words",
        "html": "<p>first words</p>",
        "attachments": [
            {
                "filename": "notes.txt",
                "content_type": "text/plain",
                "content": _b64(b"attached notes"),
            }
        ],
        "headers": {"X-Custom": "kept"},
    }
    created = await client.post(url, json=body)
    assert created.status_code == 201, created.text
    first = created.json()
    assert first["previous_id"] is None and first["message_id"].startswith("<")
    assert created.headers["location"] == f"{url}/{first['id']}"

    [(flags, stored, _raw)] = raw_mailbox(mailstack, user)
    assert {"\\draft", "\\seen"} <= flags
    assert stored["Bcc"] == "Hidden Person <hidden@example.test>"
    assert stored["Message-ID"] == first["message_id"] and stored["X-Custom"] == "kept"
    [part] = [p for p in stored.iter_attachments()]
    assert part.get_filename() == "notes.txt" and part.get_content() == "attached notes"

    listed = (await client.get(url)).json()
    assert [i["id"] for i in listed["items"]] == [first["id"]]
    got = (await client.get(f"{url}/{first['id']}")).json()
    assert got["bcc"] == [{"name": "Hidden Person", "address": "hidden@example.test"}]
    assert [a["address"] for a in got["to"] + got["cc"]] == [
        "bob@example.test",
        "carol@example.test",
    ]
    assert got["text"].strip() == "first words" and got["in_reply_to_id"] is None
    assert {"\\draft", "\\seen"} <= {f.lower() for f in got["flags"]}
    assert [a["filename"] for a in got["attachments"]] == ["notes.txt"]

    # PATCH: a new version with a new id; what was not given stays, the old id is gone.
    patched = await client.patch(f"{url}/{first['id']}", json={"subject": "Plan v2"})
    assert patched.status_code == 200, patched.text
    second = patched.json()
    assert second["previous_id"] == first["id"] and second["id"] != first["id"]
    gone = await client.get(f"{url}/{first['id']}")
    assert gone.status_code == 404 and gone.json()["code"] == "draft_not_found"
    stale = await client.patch(f"{url}/{first['id']}", json={"subject": "lost"})
    assert stale.status_code == 404 and stale.json()["code"] == "draft_not_found"
    [(flags, stored, _raw)] = raw_mailbox(mailstack, user)  # the old version expunged
    assert {"\\draft", "\\seen"} <= flags and stored["Subject"] == "Plan v2"
    assert stored["Bcc"] == "Hidden Person <hidden@example.test>"
    assert stored["X-Custom"] == "kept" and stored["Cc"] == "carol@example.test"
    assert stored.get_body(("plain",)).get_content().strip() == "first words"
    assert stored.get_body(("html",)).get_content().strip() == "<p>first words</p>"
    [part] = [p for p in stored.iter_attachments()]
    assert part.get_content() == "attached notes"
    cleared = await client.patch(f"{url}/{second['id']}", json={"html": None, "bcc": []})
    third = cleared.json()
    [(_, stored, _raw)] = raw_mailbox(mailstack, user)
    assert stored["Bcc"] is None and stored.get_body(("html",)) is None
    assert stored.get_body(("plain",)).get_content().strip() == "first words"

    # PUT: the draft becomes what is given, nothing else.
    replaced = await client.put(f"{url}/{third['id']}", json={"subject": "Final"})
    assert replaced.status_code == 200, replaced.text
    fourth = replaced.json()
    [(_, stored, _raw)] = raw_mailbox(mailstack, user)
    assert stored["Subject"] == "Final" and stored["To"] is None
    assert list(stored.iter_attachments()) == [] and stored["X-Custom"] is None

    deleted = await client.delete(f"{url}/{fourth['id']}")
    assert deleted.status_code == 204
    assert raw_mailbox(mailstack, user) == []
    assert (await client.get(f"{url}/{fourth['id']}")).status_code == 404
    assert (await client.delete(f"{url}/{fourth['id']}")).status_code == 404
    assert (await client.get(url)).json()["items"] == []


async def test_send_a_reply_draft_through_postfix(
    client: httpx.AsyncClient, account: dict, mailstack: MailStack, dovecot: MailStack
) -> None:
    acct = f"/v1/accounts/{account['id']}"
    peer, hidden = dovecot.new_user("peer"), dovecot.new_user("hid")
    mailstack.deliver(
        account["email"],
        (
            f"From: Peer <{peer}>\r\nTo: {account['email']}\r\nSubject: Question\r\n"
            "Message-ID: <q-1@example.test>\r\n\r\nWhen?\r\n"
        ).encode(),
    )
    [original] = (await client.get(f"{acct}/mailboxes/INBOX/messages")).json()["items"]
    created = await client.post(
        f"{acct}/drafts",
        json={
            "to": [peer],
            "bcc": [hidden],
            "subject": "Re: Question",
            "text": "Noon.",
            "in_reply_to": original["id"],
        },
    )
    assert created.status_code == 201, created.text
    draft = created.json()
    got = (await client.get(f"{acct}/drafts/{draft['id']}")).json()
    assert got["in_reply_to_id"] == original["id"] and got["in_reply_to"] == "<q-1@example.test>"

    send_url = f"{acct}/drafts/{draft['id']}/send"
    sent = await client.post(send_url, headers={"Idempotency-Key": "draft-1"})
    assert sent.status_code == 200, sent.text
    assert sent.json()["message_id"] == draft["message_id"]
    assert sent.json()["saved_to_sent"] is True
    again = await client.post(send_url, headers={"Idempotency-Key": "draft-1"})
    assert again.status_code == 200 and again.json() == sent.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert (await client.post(send_url)).status_code == 404  # sent: the draft is gone

    [delivered] = await settle(dovecot, peer, quiet=0.7)
    assert delivered["Message-ID"] == draft["message_id"]
    assert delivered["In-Reply-To"] == "<q-1@example.test>"
    assert delivered["Bcc"] is None and delivered["X-Mailgate-In-Reply-To"] is None
    assert delivered.get_content().strip() == "Noon."
    [blind] = await wait_for_mail(dovecot, hidden)
    assert blind["Message-ID"] == draft["message_id"] and blind["Bcc"] is None
    assert raw_mailbox(mailstack, account["email"]) == []
    [(_, copy, _raw)] = raw_mailbox(mailstack, account["email"], "Sent")
    assert copy["Message-ID"] == draft["message_id"]

    async def answered() -> bool:
        resp = await client.get(f"{acct}/messages/{original['id']}")
        return "\\Answered" in resp.json()["flags"]

    await until(answered, within=5, what="\\Answered on the original")


async def test_queued_draft_send_and_what_cannot_be_sent(
    client: httpx.AsyncClient, account: dict, mailstack: MailStack, dovecot: MailStack
) -> None:
    acct = f"/v1/accounts/{account['id']}"
    rcpt = dovecot.new_user("q")
    empty = (await client.post(f"{acct}/drafts", json={"subject": "nobody yet"})).json()
    refused = await client.post(f"{acct}/drafts/{empty['id']}/send")
    assert refused.status_code == 422 and "recipients" in refused.json()["detail"]
    assert len(raw_mailbox(mailstack, account["email"])) == 1  # the draft stays
    filled = await client.patch(f"{acct}/drafts/{empty['id']}", json={"to": [rcpt]})
    queued = await client.post(
        f"{acct}/drafts/{filled.json()['id']}/send", json={"mode": "queue", "save_to_sent": False}
    )
    assert queued.status_code == 202, queued.text
    assert queued.json()["status_url"].startswith("/v1/outbox/")
    [delivered] = await wait_for_mail(dovecot, rcpt)
    assert delivered["Subject"] == "nobody yet"
    assert raw_mailbox(mailstack, account["email"]) == []


async def test_draft_refusals(
    client: httpx.AsyncClient, account: dict, mailstack: MailStack
) -> None:
    acct = f"/v1/accounts/{account['id']}"
    foreign = await client.post(
        f"{acct}/drafts", json={"from": "boss@elsewhere.test", "subject": "x"}
    )
    assert foreign.status_code == 422 and foreign.json()["code"] == "from_not_allowed"
    ours = await client.post(
        f"{acct}/drafts", json={"subject": "x", "headers": {"X-Mailgate-In-Reply-To": "SU5CT1g"}}
    )
    assert ours.status_code == 422
    injected = await client.post(f"{acct}/drafts", json={"subject": "x\r\nBcc: a@b.test"})
    assert injected.status_code == 422
    mailstack.deliver(account["email"], b"Subject: in INBOX\r\n\r\nx\r\n")
    [inbox] = (await client.get(f"{acct}/mailboxes/INBOX/messages")).json()["items"]
    for draft_id in (inbox["id"], "not-an-id", "A" * 40):
        for method in ("GET", "DELETE"):
            resp = await client.request(method, f"{acct}/drafts/{draft_id}")
            assert resp.status_code == 404 and resp.json()["code"] == "draft_not_found"
    assert raw_mailbox(mailstack, account["email"]) == []
    assert len(raw_mailbox(mailstack, account["email"], "INBOX")) == 1


# Cyrus lets a client take the \\Drafts use off a mailbox and delete it (Dovecot's
# configuration gives Drafts its special use for good).
@pytest.mark.parametrize("imap_server", ["cyrus"], indirect=True)
async def test_drafts_mailbox_by_name_or_created_when_the_server_has_none(
    client: httpx.AsyncClient, account: dict, mailstack: MailStack
) -> None:
    imap = _imap(mailstack, account["email"])
    try:
        typ, data = imap._simple_command("SETMETADATA", "Drafts", "(/private/specialuse NIL)")
        assert typ == "OK", data
        assert imap.rename("Drafts", "OldDrafts")[0] == "OK"
        assert imap.create("Drafts")[0] == "OK"  # a plain mailbox named Drafts
    finally:
        imap.logout()
    url = f"/v1/accounts/{account['id']}/drafts"
    first = (await client.post(url, json={"subject": "by name"})).json()
    [(_, stored, _raw)] = raw_mailbox(mailstack, account["email"], "Drafts")
    assert stored["Subject"] == "by name"

    imap = _imap(mailstack, account["email"])
    try:
        assert imap.delete("Drafts")[0] == "OK"
    finally:
        imap.logout()
    assert (await client.get(url)).json()["items"] == []  # reading creates nothing
    assert (await client.get(f"{url}/{first['id']}")).status_code == 404
    made = await client.post(url, json={"subject": "created"})
    assert made.status_code == 201, made.text
    [(flags, stored, _raw)] = raw_mailbox(mailstack, account["email"], "Drafts")
    assert stored["Subject"] == "created" and "\\draft" in flags


async def test_a_draft_is_found_by_message_id_without_appenduid(
    client: httpx.AsyncClient, account: dict, mailstack: MailStack
) -> None:
    """Servers without UIDPLUS answer APPEND without the new UID: the draft is found by
    its Message-ID (a SEARCH on the real server)."""
    imap = _imap(mailstack, account["email"])
    try:
        for n in (1, 2):
            assert (
                imap.append(
                    "Drafts",
                    None,
                    None,
                    f"Subject: {n}\r\nMessage-ID: <d{n}@example.test>\r\n\r\nx\r\n".encode(),
                )[0]
                == "OK"
            )
    finally:
        imap.logout()
    mail = client.app.state.services.mail
    pool = await mail.pool(account["id"])
    found = await pool.run(lambda s: _newest_with_message_id(s, "Drafts", "<d1@example.test>"))
    got = await client.get(f"/v1/accounts/{account['id']}/drafts/{found}")
    assert got.status_code == 200 and got.json()["subject"] == "1"
    assert await pool.run(lambda s: _newest_with_message_id(s, "Drafts", "<none@x.test>")) is None
