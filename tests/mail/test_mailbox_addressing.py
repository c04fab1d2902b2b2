"""Mailboxes by their natural spelling (issue #16): `/mailboxes/Sent/messages`,
`move {"mailbox": "Archive"}`, `path:` and ids side by side; a 404 says how to name one."""

from __future__ import annotations

import httpx

from tests.conftest import account_spec
from tests.mailstack import MailStack


async def test_paths_work_where_ids_do(client: httpx.AsyncClient, dovecot: MailStack) -> None:
    user = dovecot.new_user("addr")
    created = await client.post("/v1/accounts", json=account_spec(dovecot, user))
    assert created.status_code == 201, created.text
    base = f"/v1/accounts/{created.json()['id']}"
    dovecot.deliver(user, b"Subject: one\r\n\r\nbody\r\n")
    mailboxes = (await client.get(f"{base}/mailboxes")).json()["items"]
    archive = next(m for m in mailboxes if m["path"] == "Archive")

    by_path = await client.get(f"{base}/mailboxes/Archive/messages")
    by_id = await client.get(f"{base}/mailboxes/{archive['id']}/messages")
    forced = await client.get(f"{base}/mailboxes/path:Archive/messages")
    assert by_path.status_code == by_id.status_code == forced.status_code == 200
    assert by_path.json()["items"] == by_id.json()["items"] == []

    inbox = (await client.get(f"{base}/mailboxes/INBOX/messages")).json()["items"]
    moved = await client.post(f"{base}/messages/{inbox[0]['id']}/move", json={"mailbox": "Archive"})
    assert moved.status_code == 200, moved.text
    listed = (await client.get(f"{base}/mailboxes/Archive/messages")).json()["items"]
    assert [m["subject"] for m in listed] == ["one"]
    assert listed[0]["mailbox"] == archive["id"]  # listings still hand out ids
    assert (await client.get(f"{base}/mailboxes/Sent/messages")).status_code == 200

    missing = await client.get(f"{base}/mailboxes/Nowhere/messages")
    assert missing.status_code == 404 and missing.json()["code"] == "mailbox_not_found"
    detail = missing.json()["detail"]
    assert "GET /v1/accounts/{account}/mailboxes" in detail and "path:" in detail
    assert "Nowhere" not in detail  # the caller's input is not echoed
    gone = await client.post(
        f"{base}/messages/{listed[0]['id']}/copy", json={"mailbox": "No such box"}
    )
    assert gone.status_code == 404 and "by its path" in gone.json()["detail"]
