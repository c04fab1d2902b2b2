"""Messages over HTTP against the real Dovecot and Cyrus."""

from __future__ import annotations

import asyncio
import imaplib
import os
from datetime import UTC, datetime, timedelta

import httpx

from gateway.imap.listing import ListQuery
from tests.mail.conftest import latin1_with_attachment, make_message
from tests.mailstack import MailStack


def _imap(stack: MailStack, user: str) -> imaplib.IMAP4:
    conn = imaplib.IMAP4(stack.host, stack.imap)
    conn.login(user, stack.password)
    return conn


async def _list(client: httpx.AsyncClient, acct_url: str, mailbox: str = "INBOX", **params) -> dict:
    resp = await client.get(f"{acct_url}/mailboxes/{mailbox}/messages", params=params)
    assert resp.status_code == 200, resp.text
    return resp.json()


async def test_list_newest_first_with_fields_and_cursor(
    client, account, acct_url, mailstack: MailStack
) -> None:
    base = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
    msgs = [make_message(f"msg {i}", date=base + timedelta(hours=i)) for i in range(7)]
    mailstack.seed_maildir(account["email"], msgs)
    page = await _list(client, acct_url, limit=3)
    assert page["total"] == 7
    assert [m["subject"] for m in page["items"]] == ["msg 6", "msg 5", "msg 4"]
    first = page["items"][0]
    assert first["from"] == [{"name": "Alice", "address": "alice@example.test"}]
    assert first["to"] == [{"name": None, "address": "bob@example.test"}]
    assert first["mailbox"] == "INBOX" and first["uid"] == 7
    assert first["date"] == "2024-03-01T18:00:00Z"
    assert first["size"] > 100 and first["has_attachments"] is False
    assert first["flags"] == [] and first["message_id"].startswith("<")
    # RFC 8970 PREVIEW: computed by Dovecot; Cyrus 3.6 advertises it but answers
    # ``PREVIEW NIL`` (it keeps previews only with a search index), shown as null.
    assert first["preview"] == ("hello" if mailstack.server == "dovecot" else None)

    # New mail arrives between pages: the cursor continues where it was.
    mailstack.deliver(account["email"], make_message("brand new"))
    page2 = await _list(client, acct_url, limit=3, cursor=page["next_cursor"])
    assert [m["subject"] for m in page2["items"]] == ["msg 3", "msg 2", "msg 1"]
    page3 = await _list(client, acct_url, limit=3, cursor=page2["next_cursor"])
    assert [m["subject"] for m in page3["items"]] == ["msg 0"]
    assert page3["next_cursor"] is None
    fresh = await _list(client, acct_url, limit=1)
    assert fresh["items"][0]["subject"] == "brand new" and fresh["total"] == 8

    # A cursor from other filters is refused rather than silently misapplied.
    resp = await client.get(
        f"{acct_url}/mailboxes/INBOX/messages",
        params={"cursor": page["next_cursor"], "unseen": "true"},
    )
    assert resp.status_code == 422


async def test_filters_and_injection_proof_search(
    client, account, acct_url, mailstack: MailStack
) -> None:
    mailstack.seed_maildir(
        account["email"],
        [
            make_message("quarterly report", sender="Carol <carol@example.test>", body="numbers"),
            make_message('he said "hi" \\ there', body="quotes"),
            make_message("Grüße", body="unicode körper"),
            make_message("old one", date=datetime(2020, 1, 1, tzinfo=UTC)),
        ],
    )
    mailstack.seed_maildir(account["email"], [make_message("seen and flagged")], flags="FS")

    async def subjects(**params) -> list[str]:
        return sorted(m["subject"] for m in (await _list(client, acct_url, **params))["items"])

    assert await subjects(subject="quarterly") == ["quarterly report"]
    assert await subjects(**{"from": "carol@"}) == ["quarterly report"]
    # The header is raw UTF-8 (no RFC 2047): Cyrus replaces 8-bit header bytes by "X" when
    # it stores a message (munge8bit), Dovecot keeps them.
    munged = "GrXXXXe" if mailstack.server == "cyrus" else "Grüße"
    assert await subjects(text="körper") == [munged]
    assert await subjects(subject='"hi" \\') == ['he said "hi" \\ there']
    assert await subjects(unseen="false") == ["seen and flagged"]
    assert await subjects(flagged="true") == ["seen and flagged"]
    assert "old one" not in await subjects(since="2021-01-01")
    assert await subjects(before="2021-01-01") == ["old one"]
    # Quotes and CRLF go out as a literal: no second command, no match, no error.
    evil = 'x" OR ALL\r\nG99 DELETE INBOX\r\nG100 LOGOUT'
    page = await _list(client, acct_url, subject=evil)
    assert page["items"] == [] and page["total"] == 0
    assert len((await _list(client, acct_url))["items"]) == 5


async def test_get_message_parsed_without_setting_seen(
    client, account, acct_url, mailstack: MailStack
) -> None:
    payload = os.urandom(3000)
    mailstack.seed_maildir(account["email"], [latin1_with_attachment(payload)])
    item = (await _list(client, acct_url))["items"][0]
    assert item["subject"] == "Grüße aus Köln"
    assert item["from"][0]["name"] == "Jörg Müller"
    assert item["has_attachments"] is True

    resp = await client.get(f"{acct_url}/messages/{item['id']}")
    assert resp.status_code == 200, resp.text
    msg = resp.json()
    assert msg["id"] == item["id"] and msg["uid"] == item["uid"]
    assert msg["subject"] == "Grüße aus Köln"
    assert msg["text"].strip() == "Schöne Grüße"
    assert msg["message_id"] == "<latin1@example.test>"
    assert any(h["name"] == "Subject" for h in msg["headers"])
    [att] = msg["attachments"]
    assert att["id"] == "2" and att["content_type"] == "application/pdf"
    assert att["filename"] == "Re\u0301sume\u0301 €.pdf"
    assert att["size"] == len(payload)
    assert "\\Seen" not in msg["flags"]
    again = (await _list(client, acct_url))["items"][0]
    assert "\\Seen" not in again["flags"]

    resp = await client.get(f"{acct_url}/messages/{item['id']}/attachments/2")
    assert resp.status_code == 200
    assert resp.content == payload
    assert resp.headers["content-type"] == "application/pdf"
    assert (
        "filename*=UTF-8''Re%CC%81sume%CC%81%20%E2%82%AC.pdf" in resp.headers["content-disposition"]
    )
    resp = await client.get(f"{acct_url}/messages/{item['id']}/attachments/1")
    assert resp.status_code == 200 and "Schöne".encode("latin-1") in resp.content
    for bad in ("9", "0", "2.1.x", "1;DROP"):
        resp = await client.get(f"{acct_url}/messages/{item['id']}/attachments/{bad}")
        assert resp.status_code == 404, bad
        assert resp.json()["code"] == "attachment_not_found"


async def test_raw_is_streamed_in_chunks_exactly(
    client, account, acct_url, mailstack: MailStack
) -> None:
    from gateway.imap import service as mail_service

    big = make_message("big", body=("0123456789abcdef" * 64 + "\r\n") * 2000)  # ~2 MB
    mailstack.seed_maildir(account["email"], [big])
    item = (await _list(client, acct_url))["items"][0]
    old = mail_service.STREAM_CHUNK
    mail_service.STREAM_CHUNK = 256 * 1024  # several chunks on the wire
    try:
        resp = await client.get(f"{acct_url}/messages/{item['id']}/raw")
    finally:
        mail_service.STREAM_CHUNK = old
    assert resp.status_code == 200
    assert resp.headers["content-type"] == "message/rfc822"
    assert resp.content == big
    assert int(resp.headers["content-length"]) == len(big)


async def test_flags_move_copy_delete(client, account, acct_url, mailstack: MailStack) -> None:
    mailstack.seed_maildir(account["email"], [make_message(f"m{i}") for i in range(4)])
    items = (await _list(client, acct_url))["items"]
    mid = items[0]["id"]

    resp = await client.patch(
        f"{acct_url}/messages/{mid}", json={"flags": {"add": ["\\Seen", "$Forwarded", "todo"]}}
    )
    assert resp.status_code == 200, resp.text
    assert sorted(resp.json()["flags"]) == ["$Forwarded", "\\Seen", "todo"]
    resp = await client.patch(f"{acct_url}/messages/{mid}", json={"flags": {"remove": ["todo"]}})
    assert sorted(resp.json()["flags"]) == ["$Forwarded", "\\Seen"]
    resp = await client.patch(f"{acct_url}/messages/{mid}", json={"flags": {"set": ["\\Flagged"]}})
    assert resp.json()["flags"] == ["\\Flagged"]
    for bad in (["a b"], ["x\r\ny"], ["(("], ["\\Recent"]):
        resp = await client.patch(f"{acct_url}/messages/{mid}", json={"flags": {"add": bad}})
        assert resp.status_code == 422, bad

    # copy then move
    resp = await client.post(f"{acct_url}/mailboxes", json={"path": "Keep"})
    keep = resp.json()["id"]
    resp = await client.post(f"{acct_url}/messages/{mid}/copy", json={"mailbox": keep})
    assert resp.status_code == 200, resp.text
    copy_id = resp.json()["id"]
    got = (await client.get(f"{acct_url}/messages/{copy_id}")).json()
    assert got["subject"] == items[0]["subject"] and got["flags"] == ["\\Flagged"]

    resp = await client.post(f"{acct_url}/messages/{items[1]['id']}/move", json={"mailbox": keep})
    assert resp.status_code == 200
    moved_id = resp.json()["id"]
    assert (await client.get(f"{acct_url}/messages/{moved_id}")).status_code == 200
    resp = await client.get(f"{acct_url}/messages/{items[1]['id']}")
    assert resp.status_code == 404 and resp.json()["code"] == "message_not_found"
    resp = await client.post(f"{acct_url}/messages/{items[1]['id']}/move", json={"mailbox": keep})
    assert resp.status_code == 404
    resp = await client.post(f"{acct_url}/messages/{mid}/move", json={"mailbox": "Tm9uZQ"})
    assert resp.status_code == 404 and resp.json()["code"] == "mailbox_not_found"

    # delete: to Trash, then permanently
    resp = await client.delete(f"{acct_url}/messages/{items[2]['id']}")
    assert resp.status_code == 204
    trash = await _list(client, acct_url, mailbox="VHJhc2g")  # "Trash"
    assert [m["subject"] for m in trash["items"]] == [items[2]["subject"]]
    resp = await client.delete(
        f"{acct_url}/messages/{items[3]['id']}", params={"permanent": "true"}
    )
    assert resp.status_code == 204
    assert mailstack.maildir_count(account["email"], "Trash") == 1
    left = sorted(m["subject"] for m in (await _list(client, acct_url))["items"])
    assert left == sorted([items[0]["subject"]])
    conn = _imap(mailstack, account["email"])
    try:
        assert conn.select("Keep")[1] == [b"2"]
    finally:
        conn.logout()


async def test_batch(client, account, acct_url, mailstack: MailStack) -> None:
    mailstack.seed_maildir(account["email"], [make_message(f"b{i}") for i in range(5)])
    ids = [m["id"] for m in (await _list(client, acct_url))["items"]]
    resp = await client.post(
        f"{acct_url}/messages/batch",
        json={"ids": ids[:3] + ["bogus"], "action": "flag", "flags": {"add": ["\\Seen"]}},
    )
    assert resp.status_code == 200, resp.text
    out = resp.json()["items"]
    assert [r["ok"] for r in out] == [True, True, True, False]
    assert out[3]["error"] == "message_not_found" and out[0]["flags"] == ["\\Seen"]
    resp = await client.post(
        f"{acct_url}/messages/batch",
        json={"ids": ids[:2], "action": "move", "mailbox": "QXJjaGl2ZQ"},
    )  # "Archive"
    moved = resp.json()["items"]
    assert all(r["ok"] and r["new_id"] for r in moved)
    archived = await _list(client, acct_url, mailbox="QXJjaGl2ZQ")
    assert sorted(m["id"] for m in archived["items"]) == sorted(r["new_id"] for r in moved)
    resp = await client.post(
        f"{acct_url}/messages/batch", json={"ids": ids, "action": "delete", "permanent": True}
    )
    assert [r["ok"] for r in resp.json()["items"]] == [False, False, True, True, True]
    assert (await _list(client, acct_url))["total"] == 0
    resp = await client.post(f"{acct_url}/messages/batch", json={"ids": ids, "action": "move"})
    assert resp.status_code == 422


async def test_batch_checks_its_flags_whatever_the_action_and_the_ids(
    client, account, acct_url, mailstack: MailStack
) -> None:
    """Found by the contract fuzzer: flags the schema refuses were accepted (200) when the
    action does not use them (copy) or when no id named a message."""
    mailstack.seed_maildir(account["email"], [make_message("keep")])
    ids = [m["id"] for m in (await _list(client, acct_url))["items"]]
    bad = {"add": [], "remove": [], "set": ["\u00d7\u00f8\u009b"]}
    for body in (
        {"ids": ids, "action": "copy", "mailbox": "QXJjaGl2ZQ", "flags": bad},
        {"ids": ["0"], "action": "copy", "mailbox": "0", "flags": bad},
        {"ids": ["0"], "action": "flag", "flags": {"add": ["two words"]}},
        {"ids": ids, "action": "delete", "flags": {"remove": ["(paren"]}},
    ):
        resp = await client.post(f"{acct_url}/messages/batch", json=body)
        assert resp.status_code == 422, (body, resp.text)
        assert resp.json()["code"] == "validation_error", resp.text
        assert resp.json()["detail"].startswith("flags: "), resp.text
    assert [m["id"] for m in (await _list(client, acct_url))["items"]] == ids  # untouched
    archived = await client.get(f"{acct_url}/mailboxes/QXJjaGl2ZQ/messages")
    assert archived.status_code == 404 or archived.json()["total"] == 0


async def test_append_raw_and_draft(client, account, acct_url, mailstack: MailStack) -> None:
    resp = await client.post(
        f"{acct_url}/mailboxes/RHJhZnRz/messages",  # "Drafts"
        params={"flags": "\\Draft,\\Seen"},
        content=b"Subject: raw draft\nFrom: a@example.test\n\nline\n",
        headers={"Content-Type": "message/rfc822"},
    )
    assert resp.status_code == 201, resp.text
    got = (await client.get(f"{acct_url}/messages/{resp.json()['id']}")).json()
    assert got["subject"] == "raw draft" and sorted(got["flags"]) == ["\\Draft", "\\Seen"]

    resp = await client.post(
        f"{acct_url}/mailboxes/RHJhZnRz/messages",
        json={
            "to": ["Bob <bob@example.test>"],
            "subject": "json draft",
            "text": "Hi Bob",
            "attachments": [
                {"filename": "a.txt", "content_type": "text/plain", "content": "aGVsbG8="}
            ],
        },
    )
    assert resp.status_code == 201, resp.text
    got = (await client.get(f"{acct_url}/messages/{resp.json()['id']}")).json()
    assert got["subject"] == "json draft" and got["text"].strip() == "Hi Bob"
    assert got["from"][0]["address"] == account["email"]
    assert got["attachments"][0]["filename"] == "a.txt"
    resp = await client.post(f"{acct_url}/mailboxes/RHJhZnRz/messages", json={"subject": 5})
    assert resp.status_code == 422
    resp = await client.post(
        f"{acct_url}/mailboxes/Tm9wZQ/messages",
        content=b"Subject: x\r\n\r\n",
        headers={"Content-Type": "message/rfc822"},
    )
    assert resp.status_code == 404
    assert mailstack.maildir_count(account["email"], "Drafts") == 2


async def test_stale_id_after_mailbox_recreated(
    client, account, acct_url, mailstack: MailStack
) -> None:
    resp = await client.post(f"{acct_url}/mailboxes", json={"path": "Cycle"})
    box = resp.json()["id"]
    await client.post(
        f"{acct_url}/mailboxes/{box}/messages",
        content=make_message("first"),
        headers={"Content-Type": "message/rfc822"},
    )
    old_id = (await _list(client, acct_url, mailbox=box))["items"][0]["id"]
    assert (await client.get(f"{acct_url}/messages/{old_id}")).status_code == 200

    # Recreated behind the gateway's back, with a message at the same UID 1.
    conn = _imap(mailstack, account["email"])
    try:
        conn.delete("Cycle")
        conn.create("Cycle")
        conn.append("Cycle", None, None, make_message("impostor"))
    finally:
        conn.logout()
    for path in ("", "/raw"):
        resp = await client.get(f"{acct_url}/messages/{old_id}{path}")
        assert resp.status_code == 404, resp.text
        assert resp.json()["code"] == "message_not_found"
    resp = await client.patch(f"{acct_url}/messages/{old_id}", json={"flags": {"add": ["x"]}})
    assert resp.status_code == 404
    new = (await _list(client, acct_url, mailbox=box))["items"]
    assert [m["subject"] for m in new] == ["impostor"] and new[0]["id"] != old_id
    # The new id works on every pooled session, including ones that had the old mailbox.
    got = await asyncio.gather(
        *(client.get(f"{acct_url}/messages/{new[0]['id']}") for _ in range(4))
    )
    assert [r.status_code for r in got] == [200] * 4
    assert {r.json()["subject"] for r in got} == {"impostor"}


async def test_service_helpers_for_other_components(client, account, mailstack) -> None:
    mail = client.app.state.services.mail
    mailstack.seed_maildir(
        account["email"],
        [
            make_message(
                "parent", message_id="<p@example.test>", extra="References: <a@x> <b@x>\r\n"
            )
        ],
    )
    page = await mail.list_messages(account["id"], "INBOX", ListQuery(), limit=5)
    mid = page.items[0][0].id
    assert await mail.thread_headers(account["id"], mid) == ("<p@example.test>", ["<a@x>", "<b@x>"])
    assert "\\Answered" in await mail.add_flags(account["id"], mid, ["\\Answered"])
    new_id = await mail.append_special(account["id"], "\\sent", make_message("copy"), ["\\Seen"])
    got = await mail.get_message(account["id"], new_id)
    assert got[1].subject == "copy"
    assert mailstack.maildir_count(account["email"], "Sent") == 1


async def test_reads_run_in_parallel_sessions(client, account, acct_url, mailstack) -> None:
    mailstack.seed_maildir(account["email"], [make_message(f"p{i}") for i in range(20)])
    pages = await asyncio.gather(*(_list(client, acct_url, limit=5) for _ in range(8)))
    assert all(len(p["items"]) == 5 for p in pages)
    resp = await client.get(f"/v1/accounts/{account['id']}/status")
    assert resp.json()["imap"]["state"] == "connected"


async def test_listing_sees_other_clients_changes_at_once(
    client, account, acct_url, mailstack: MailStack
) -> None:
    mailstack.seed_maildir(account["email"], [make_message(f"x{i}") for i in range(6)])
    assert (await _list(client, acct_url, limit=3))["total"] == 6
    conn = _imap(mailstack, account["email"])
    try:
        conn.select("INBOX")
        conn.uid("STORE", "5:6", "+FLAGS", "(\\Deleted)")
        conn.expunge()
    finally:
        conn.logout()
    page = await _list(client, acct_url, limit=3)
    assert page["total"] == 4
    assert [m["subject"] for m in page["items"]] == ["x3", "x2", "x1"]
    mailstack.deliver(account["email"], make_message("later"))
    page = await _list(client, acct_url, limit=3)
    assert page["total"] == 5 and page["items"][0]["subject"] == "later"
    assert page["next_cursor"] is not None


async def test_hostile_inputs_get_clear_4xx(client, account, acct_url, mailstack) -> None:
    huge = b"Subject: big\r\n\r\n" + b"x" * (3 * 1024 * 1024)
    resp = await client.post(
        f"{acct_url}/mailboxes/INBOX/messages",
        content=huge,
        headers={"Content-Type": "message/rfc822"},
    )
    assert resp.status_code == 413 and resp.json()["code"] == "payload_too_large"
    resp = await client.post(
        f"{acct_url}/mailboxes/INBOX/messages",
        content=b"hello",
        headers={"Content-Type": "text/html"},
    )
    assert resp.status_code == 422
    # Broken MIME is stored as is and read back without a 500.
    broken = (
        b"Subject: =?utf-8?B?broken===?=\r\nContent-Type: multipart/mixed; "
        b'boundary="nope"\r\n\r\n--other\r\nContent-Transfer-Encoding: base64\r\n\r\n'
        b"!!!not base64\r\n"
    )
    mailstack.seed_maildir(account["email"], [broken])
    item = (await _list(client, acct_url))["items"][0]
    resp = await client.get(f"{acct_url}/messages/{item['id']}")
    assert resp.status_code == 200, resp.text
    for bad_id in ("x" * 5000, "..%2F..", "AAAA"):
        resp = await client.get(f"{acct_url}/messages/{bad_id}")
        assert resp.status_code in (404, 422), bad_id
    resp = await client.get(f"{acct_url}/mailboxes/INBOX/messages", params={"limit": 501})
    assert resp.status_code == 422
    resp = await client.get(f"{acct_url}/mailboxes/INBOX/messages", params={"cursor": "%%%"})
    assert resp.status_code == 422


async def test_big_download_does_not_block_listings(
    client, account, acct_url, mailstack: MailStack
) -> None:
    line = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789\r\n"
    big = b"Subject: huge\r\nFrom: a@example.test\r\n\r\n" + line * (20 * 1024 * 1024 // 74)
    mailstack.seed_maildir(account["email"], [big, make_message("small")])
    huge = (await _list(client, acct_url, subject="huge"))["items"][0]
    # Sessions ready for the listings (a login on a loaded machine can take longer than the
    # whole download): what is measured is whether the transfer holds them up.
    await asyncio.gather(*(_list(client, acct_url, limit=5) for _ in range(3)))
    finished: dict[str, float] = {}

    async def download() -> None:
        resp = await client.get(f"{acct_url}/messages/{huge['id']}/raw")
        assert resp.status_code == 200 and resp.content == big
        finished["download"] = asyncio.get_running_loop().time()

    async def listings() -> None:
        await asyncio.sleep(0.02)  # the download is under way
        for _ in range(3):
            assert (await _list(client, acct_url, limit=5))["total"] == 2
        finished["lists"] = asyncio.get_running_loop().time()

    await asyncio.gather(download(), listings())
    assert finished["lists"] < finished["download"]


async def test_nested_parts_download_by_the_listed_ids(client, account, acct_url) -> None:
    import base64

    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
    pdf = b"%PDF-1.4\n" + bytes(range(255, -1, -1)) * 40
    resp = await client.post(
        f"{acct_url}/mailboxes/INBOX/messages",
        json={
            "to": ["bob@example.test"],
            "subject": "nested",
            "text": "plain body",
            "html": '<p>html body <img src="cid:logo@x"></p>',
            "attachments": [
                {
                    "filename": "logo.png",
                    "content_type": "image/png",
                    "content": base64.b64encode(png).decode(),
                    "content_id": "<logo@x>",
                    "inline": True,
                },
                {
                    "filename": "report €.pdf",
                    "content_type": "application/pdf",
                    "content": base64.b64encode(pdf).decode(),
                },
            ],
        },
    )
    assert resp.status_code == 201, resp.text
    msg = (await client.get(f"{acct_url}/messages/{resp.json()['id']}")).json()
    assert msg["text"].strip() == "plain body" and "html body" in msg["html"]
    by_name = {a["filename"]: a for a in msg["attachments"]}
    assert by_name["logo.png"]["inline"] is True and "." in by_name["logo.png"]["id"]
    for name, content in (("logo.png", png), ("report €.pdf", pdf)):
        att = by_name[name]
        got = await client.get(f"{acct_url}/messages/{msg['id']}/attachments/{att['id']}")
        assert got.status_code == 200, (name, att)
        assert got.content == content and att["size"] == len(content)
        assert got.headers["content-type"].startswith(att["content_type"])
