"""The same API on a server without the extensions Dovecot offers (LITERAL+, MOVE,
ESEARCH, LIST-STATUS, LIST-EXTENDED, SPECIAL-USE, UIDPLUS, PREVIEW): the gateway is made
to ignore them, against the real Dovecot and Cyrus, so the fallback paths run on the wire."""

from __future__ import annotations

import pytest

from gateway.protocols.imap.connection import ImapConnection
from tests.mail.conftest import imap_subscribe, make_message

HIDDEN = {
    "LITERAL+",
    "LITERAL-",
    "MOVE",
    "ESEARCH",
    "LIST-STATUS",
    "LIST-EXTENDED",
    "SPECIAL-USE",
    "PREVIEW",
}


@pytest.fixture
def plain_imap(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> None:
    hidden = HIDDEN | set(getattr(request, "param", ()))
    original = ImapConnection._after_auth

    async def after_auth(self, result):  # noqa: ANN001, ANN202
        await original(self, result)
        self.capabilities = frozenset(c for c in self.capabilities if c not in hidden)

    monkeypatch.setattr(ImapConnection, "_after_auth", after_auth)


async def test_basic_imap4rev1_paths(plain_imap, client, account, acct_url, mailstack) -> None:
    mailstack.seed_maildir(account["email"], [make_message(f"f{i}") for i in range(3)])
    if mailstack.server == "cyrus":  # Cyrus 3.6 creates its special-use folders unsubscribed
        imap_subscribe(mailstack, account["email"], "Sent")
    # LIST + LSUB + STATUS per mailbox instead of LIST-EXTENDED/LIST-STATUS
    boxes = {m["path"]: m for m in (await client.get(f"{acct_url}/mailboxes")).json()["items"]}
    assert boxes["INBOX"]["total"] == 3 and boxes["Sent"]["subscribed"] is True
    # synchronizing literals (no LITERAL+): a mailbox name and a search term with CR/LF
    # (Cyrus refuses braces in mailbox names)
    folder = "Grüße 2" if mailstack.server == "cyrus" else "Grüße {2}"
    resp = await client.post(f"{acct_url}/mailboxes", json={"path": folder})
    assert resp.status_code == 201, resp.text
    box = resp.json()["id"]
    resp = await client.get(
        f"{acct_url}/mailboxes/INBOX/messages", params={"subject": 'f1" OR ALL\r\nX LOGOUT'}
    )
    assert resp.status_code == 200 and resp.json()["items"] == []
    # plain SEARCH instead of ESEARCH
    resp = await client.get(f"{acct_url}/mailboxes/INBOX/messages", params={"subject": "f1"})
    assert [m["subject"] for m in resp.json()["items"]] == ["f1"]
    assert resp.json()["items"][0]["preview"] is None
    # COPY + STORE \Deleted + UID EXPUNGE instead of MOVE
    mid = resp.json()["items"][0]["id"]
    resp = await client.post(f"{acct_url}/messages/{mid}/move", json={"mailbox": box})
    assert resp.status_code == 200, resp.text
    moved = (await client.get(f"{acct_url}/messages/{resp.json()['id']}")).json()
    assert moved["subject"] == "f1"
    assert mailstack.maildir_count(account["email"], folder) == 1
    left = (await client.get(f"{acct_url}/mailboxes/INBOX/messages")).json()
    assert sorted(m["subject"] for m in left["items"]) == ["f0", "f2"]
    # APPEND with a synchronizing literal
    resp = await client.post(
        f"{acct_url}/mailboxes/{box}/messages",
        content=make_message("appended"),
        headers={"Content-Type": "message/rfc822"},
    )
    assert resp.status_code == 201 and resp.json()["id"]
    # special-use from the LIST flags without the RETURN option (Dovecot sends them anyway)
    resp = await client.delete(f"{acct_url}/messages/{left['items'][0]['id']}")
    assert resp.status_code == 204, resp.text
    assert mailstack.maildir_count(account["email"], "Trash") == 1


@pytest.mark.parametrize("plain_imap", [("UIDPLUS",)], indirect=True)
async def test_without_uidplus_permanent_delete(
    plain_imap, client, account, acct_url, mailstack
) -> None:
    mailstack.seed_maildir(account["email"], [make_message(f"u{i}") for i in range(3)])
    items = (await client.get(f"{acct_url}/mailboxes/INBOX/messages")).json()["items"]
    # EXPUNGE instead of UID EXPUNGE (RFC 4315 is what makes the latter safe)
    resp = await client.delete(
        f"{acct_url}/messages/{items[1]['id']}", params={"permanent": "true"}
    )
    assert resp.status_code == 204
    left = (await client.get(f"{acct_url}/mailboxes/INBOX/messages")).json()["items"]
    assert [m["subject"] for m in left] == ["u2", "u0"]
    assert mailstack.maildir_count(account["email"]) == 2
