"""Mailboxes over HTTP against the real Dovecot and Cyrus: list, create, rename, delete."""

from __future__ import annotations

import imaplib

import httpx

from gateway.imap.ids import encode_mailbox_id
from tests.mail.conftest import imap_subscribe
from tests.mailstack import MailStack

ODD_NAME = 'Tëst "quoted" \\ {3}'
# Cyrus refuses " \ { } % in names (NO Invalid mailbox name): its odd name keeps the
# non-ASCII letter, the "&" modified UTF-7 escapes, a space and a LIST wildcard.
CYRUS_ODD_NAME = "Tëst & more *"
CYRUS_ODD_WIRE = b"T&AOs-st &- more *"


def _base(account: dict) -> str:
    return f"/v1/accounts/{account['id']}/mailboxes"


async def test_list_shows_special_use_status_and_subscription(
    client: httpx.AsyncClient, account: dict, mailstack: MailStack
) -> None:
    """Dovecot subscribes the special-use folders it creates (``auto = subscribe``); Cyrus
    3.6 creates them unsubscribed, so there another client subscribes Sent first."""
    mailstack.deliver(account["email"], b"Subject: one\r\n\r\nhello\r\n")
    if mailstack.server == "cyrus":
        imap_subscribe(mailstack, account["email"], "Sent")
    resp = await client.get(_base(account))
    assert resp.status_code == 200, resp.text
    body = resp.json()
    by_path = {m["path"]: m for m in body["items"]}
    assert body["total"] == len(body["items"])
    assert body["items"][0]["path"] == "INBOX"
    inbox = by_path["INBOX"]
    assert inbox["id"] == "INBOX"
    assert inbox["total"] == 1 and inbox["unseen"] == 1
    assert inbox["uidvalidity"] > 0 and inbox["uidnext"] == 2
    assert by_path["Sent"]["special_use"] == "\\Sent"
    assert by_path["Trash"]["special_use"] == "\\Trash"
    assert by_path["Sent"]["subscribed"] is True
    assert inbox["special_use"] is None
    verify = (await client.post(f"/v1/accounts/{account['id']}/verify")).json()
    assert verify["imap"] == {"ok": True, "detail": "login succeeded"}
    status = (await client.get(f"/v1/accounts/{account['id']}/status")).json()["imap"]
    assert status["state"] == "connected" and status["since"]


async def test_odd_name_created_listed_used_and_deleted(
    client: httpx.AsyncClient, account: dict, mailstack: MailStack
) -> None:
    odd_name = ODD_NAME
    if mailstack.server == "cyrus":
        refused = await client.post(_base(account), json={"path": ODD_NAME})
        assert refused.status_code == 422, refused.text
        assert refused.json()["code"] == "invalid_mailbox_name"
        odd_name = CYRUS_ODD_NAME
    resp = await client.post(_base(account), json={"path": odd_name})
    assert resp.status_code == 201, resp.text
    created = resp.json()
    assert created["path"] == odd_name and created["name"] == odd_name
    assert created["total"] == 0 and created["subscribed"] is True

    listed = {m["path"]: m for m in (await client.get(_base(account))).json()["items"]}
    assert listed[odd_name]["id"] == created["id"]

    # Use it: append a message, list it, read it back.
    resp = await client.post(
        f"{_base(account)}/{created['id']}/messages",
        content=b"Subject: in odd box\r\n\r\nbody\r\n",
        headers={"Content-Type": "message/rfc822"},
    )
    assert resp.status_code == 201, resp.text
    msgs = (await client.get(f"{_base(account)}/{created['id']}/messages")).json()
    assert [m["subject"] for m in msgs["items"]] == ["in odd box"]

    # The server holds it under its modified UTF-7 name (RFC 3501 5.1.3).
    imap = imaplib.IMAP4(mailstack.host, mailstack.imap)
    try:
        imap.login(account["email"], mailstack.password)
        typ, data = imap.list()
        wire = CYRUS_ODD_WIRE if mailstack.server == "cyrus" else b"T&AOs-st"
        assert any(wire in line for line in data if isinstance(line, bytes)), data
    finally:
        imap.logout()

    resp = await client.delete(f"{_base(account)}/{created['id']}")
    assert resp.status_code == 204, resp.text
    listed = {m["path"] for m in (await client.get(_base(account))).json()["items"]}
    assert odd_name not in listed
    resp = await client.delete(f"{_base(account)}/{created['id']}")
    assert resp.status_code == 404
    assert resp.json()["code"] == "mailbox_not_found"


async def test_rename_and_conflicts(client: httpx.AsyncClient, account: dict) -> None:
    resp = await client.post(_base(account), json={"path": "Projects/Alpha"})
    assert resp.status_code == 201, resp.text
    alpha = resp.json()
    assert alpha["name"] == "Alpha" and alpha["delimiter"] == "/"
    resp = await client.post(_base(account), json={"path": "Projects/Alpha"})
    assert resp.status_code == 409
    assert resp.json()["code"] == "already_exists"

    resp = await client.patch(f"{_base(account)}/{alpha['id']}", json={"path": "Projects/Beta"})
    assert resp.status_code == 200, resp.text
    assert resp.json()["path"] == "Projects/Beta"
    paths = {m["path"] for m in (await client.get(_base(account))).json()["items"]}
    assert "Projects/Beta" in paths and "Projects/Alpha" not in paths
    resp = await client.patch(f"{_base(account)}/{alpha['id']}", json={"path": "X"})
    assert resp.status_code == 404


async def test_bad_names_are_422_not_injection(
    client: httpx.AsyncClient, account: dict, mailstack: MailStack
) -> None:
    for bad in ("a\r\nG1 LOGOUT", "x\x00y"):
        resp = await client.post(_base(account), json={"path": bad})
        assert resp.status_code == 422, resp.text
        assert resp.headers["content-type"].startswith("application/problem+json")
    resp = await client.post(_base(account), json={"path": "x" * 900})  # over Dovecot's limit
    assert resp.status_code == 422, resp.text
    assert resp.json()["code"] == "invalid_mailbox_name"
    assert "x" * 900 not in resp.text  # the input is not echoed
    archive = encode_mailbox_id("Archive")
    resp = await client.patch(f"{_base(account)}/{archive}", json={"path": "y" * 900})
    assert resp.status_code == 422, resp.text
    # Dates from any year are sent as IMAP's 4-digit years: Dovecot takes them; Cyrus
    # answers BAD "Invalid date" to years before 1900, a clear 422, never a 5xx.
    resp = await client.get(
        f"{_base(account)}/INBOX/messages", params={"since": "0034-05-02", "before": "0953-11-08"}
    )
    if mailstack.server == "cyrus":
        assert resp.status_code == 422, resp.text
        assert resp.json()["code"] == "search_refused"
    else:
        assert resp.status_code == 200, resp.text
        assert resp.json()["items"] == []
    resp = await client.delete(f"{_base(account)}/INBOX")
    assert resp.status_code == 409  # a rule about the mailbox, not the request's shape
    resp = await client.get(f"{_base(account)}/%25%25%25/messages")
    assert resp.status_code == 404
    # The session survived all of it.
    assert (await client.get(_base(account))).status_code == 200


async def test_scopes_and_account_limits(client: httpx.AsyncClient, account: dict) -> None:
    async def token(scopes: list[str], accounts: list[str] | None = None) -> dict:
        body = {"description": "t", "scopes": scopes}
        if accounts is not None:
            body["accounts"] = accounts
        resp = await client.post("/v1/tokens", json=body)
        assert resp.status_code == 201, resp.text
        return {"Authorization": f"Bearer {resp.json()['token']}"}

    reader = await token(["read"])
    assert (await client.get(_base(account), headers=reader)).status_code == 200
    resp = await client.post(_base(account), json={"path": "Nope"}, headers=reader)
    assert resp.status_code == 403
    resp = await client.post(
        f"/v1/accounts/{account['id']}/messages/batch",
        headers=reader,
        json={"ids": ["x"], "action": "delete"},
    )
    assert resp.status_code == 403
    other = await token(["read", "write"], accounts=["someone-else"])
    resp = await client.get(_base(account), headers=other)
    assert resp.status_code == 404 and resp.json()["code"] == "account_not_found"
    resp = await client.get(_base(account), headers={"Authorization": "Bearer nope"})
    assert resp.status_code == 401
