"""POP3 endpoints against the real Dovecot: STAT, listing, retrieval (JSON/NDJSON), get, delete."""

from __future__ import annotations

import asyncio
import base64
import json

import pytest

from tests.conftest import account_spec, running_client
from tests.pop3.helpers import NDJSON, message


def ndjson_lines(text: str) -> list[dict]:
    """The items of a streamed retrieval; its last line must say it completed."""
    *items, end = [json.loads(line) for line in text.splitlines() if line]
    assert end["complete"] is True and "uidl" not in end, end
    return items


async def make_account(client, mailstack, security="starttls", password=None):
    user = mailstack.new_user("p3")
    spec = account_spec(mailstack, user, protocols=("pop3",), security=security)
    if password:
        spec["pop3"]["password"] = password
    resp = await client.post("/v1/accounts", json=spec)
    assert resp.status_code == 201, resp.text
    return resp.json()["id"], user


@pytest.mark.parametrize("security", ["starttls", "tls"])
async def test_stat_list_get_raw_delete(client, mailstack, security):
    acc, user = await make_account(client, mailstack, security)
    tricky = "x" * 10_000 + "\r\n.starts with a dot\r\n.\r\n..two\r\nend"
    mailstack.seed_maildir(user, [message(1), message(2, tricky)])

    stat = (await client.get(f"/v1/accounts/{acc}/pop3")).json()
    assert stat["count"] == 2 and stat["size"] > 10_000

    listing = (await client.get(f"/v1/accounts/{acc}/pop3/messages")).json()
    assert listing["total"] == 2 and listing["next_cursor"] is None
    assert [m["number"] for m in listing["items"]] == [1, 2]
    assert not any(m["seen"] for m in listing["items"])
    uidl2 = listing["items"][1]["uidl"]

    resp = await client.get(f"/v1/accounts/{acc}/pop3/messages/{uidl2}")
    assert resp.status_code == 200, resp.text
    item = resp.json()
    assert item["uidl"] == uidl2 and item["subject"] == "m2"
    assert item["from"] == [{"name": "Sender", "address": "s@example.test"}]
    assert item["text"].replace("\r\n", "\n") == tricky.replace("\r\n", "\n") + "\n"

    raw = await client.get(f"/v1/accounts/{acc}/pop3/messages/{uidl2}/raw")
    assert raw.headers["content-type"].startswith("message/rfc822")
    assert raw.content.endswith(tricky.encode() + b"\r\n")

    # reading marks nothing seen
    listing = (await client.get(f"/v1/accounts/{acc}/pop3/messages")).json()
    assert not any(m["seen"] for m in listing["items"])

    resp = await client.delete(f"/v1/accounts/{acc}/pop3/messages/{uidl2}")
    assert resp.status_code == 204
    assert mailstack.maildir_count(user) == 1
    resp = await client.get(f"/v1/accounts/{acc}/pop3/messages/{uidl2}")
    assert resp.status_code == 404 and resp.json()["code"] == "message_not_found"
    resp = await client.delete(f"/v1/accounts/{acc}/pop3/messages/{uidl2}")
    assert resp.status_code == 404


async def test_listing_pages_with_cursor(client, mailstack):
    acc, user = await make_account(client, mailstack)
    mailstack.seed_maildir(user, [message(i) for i in range(5)])
    page = (await client.get(f"/v1/accounts/{acc}/pop3/messages?limit=2")).json()
    seen = [m["uidl"] for m in page["items"]]
    while page["next_cursor"]:
        page = (
            await client.get(
                f"/v1/accounts/{acc}/pop3/messages",
                params={"limit": 2, "cursor": page["next_cursor"]},
            )
        ).json()
        seen += [m["uidl"] for m in page["items"]]
    assert len(seen) == len(set(seen)) == 5
    bad = await client.get(f"/v1/accounts/{acc}/pop3/messages?cursor=zzz")
    assert bad.status_code == 422 and bad.json()["code"] == "validation_error"


async def test_retrieve_json_parsed_then_only_new(client, mailstack):
    acc, user = await make_account(client, mailstack)
    attachment = base64.b64encode(b"%PDF-1.4 data").decode()
    headers = 'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n'
    mime = (
        "--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"
        "--b\r\nContent-Type: application/pdf\r\n"
        'Content-Disposition: attachment; filename="a.pdf"\r\n'
        f"Content-Transfer-Encoding: base64\r\n\r\n{attachment}\r\n--b--"
    )
    mailstack.seed_maildir(user, [message(1), message(2, mime, headers)])
    resp = await client.post(f"/v1/accounts/{acc}/pop3/retrieve", json={})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["remaining"] == 0
    items = body["items"]
    assert [i["subject"] for i in items] == ["m1", "m2"]
    assert items[1]["has_attachments"] is True
    att = items[1]["attachments"][0]
    assert att["filename"] == "a.pdf" and base64.b64decode(att["content"]) == b"%PDF-1.4 data"
    assert all(i["seen"] is False for i in items)

    # nothing new: an empty retrieval
    again = (await client.post(f"/v1/accounts/{acc}/pop3/retrieve", json={})).json()
    assert again == {
        "items": [],
        "complete": True,
        "reason": None,
        "delivered": 0,
        "deleted": 0,
        "remaining": 0,
        "summary": "0 messages delivered (nothing new), 0 deleted, 0 left",
    }
    # The same in NDJSON: one line that says so, never an empty body.
    lines = (
        await client.post(
            f"/v1/accounts/{acc}/pop3/retrieve", json={}, headers={"Accept": "application/x-ndjson"}
        )
    ).text.splitlines()
    assert [json.loads(line)["summary"] for line in lines] == [
        "0 messages delivered (nothing new), 0 deleted, 0 left"
    ]
    listing = (await client.get(f"/v1/accounts/{acc}/pop3/messages")).json()
    assert all(m["seen"] for m in listing["items"])

    # new mail arrives: only it comes back
    mailstack.deliver(user, message(3))
    new = (await client.post(f"/v1/accounts/{acc}/pop3/retrieve", json={"format": "raw"})).json()
    assert len(new["items"]) == 1
    assert b"Subject: m3" in base64.b64decode(new["items"][0]["raw"])
    # only_new: false returns everything, marked as seen before
    everything = (
        await client.post(
            f"/v1/accounts/{acc}/pop3/retrieve", json={"only_new": False, "format": "raw"}
        )
    ).json()
    assert len(everything["items"]) == 3 and all(i["seen"] for i in everything["items"])


async def test_retrieve_limit_remaining_and_headers_only(client, mailstack):
    acc, user = await make_account(client, mailstack)
    mailstack.seed_maildir(user, [message(i, body="B" * 100) for i in range(7)])
    first = (
        await client.post(
            f"/v1/accounts/{acc}/pop3/retrieve", json={"limit": 3, "headers_only": True}
        )
    ).json()
    assert len(first["items"]) == 3 and first["remaining"] == 4
    assert first["complete"] is True and first["reason"] == "limit"
    assert first["items"][0]["text"] is None and first["items"][0]["subject"] == "m0"
    # headers only marks nothing seen
    second = (await client.post(f"/v1/accounts/{acc}/pop3/retrieve", json={"limit": 5})).json()
    assert [i["subject"] for i in second["items"]] == [f"m{i}" for i in range(5)]
    assert second["remaining"] == 2
    third = (await client.post(f"/v1/accounts/{acc}/pop3/retrieve", json={"limit": 5})).json()
    assert [i["subject"] for i in third["items"]] == ["m5", "m6"] and third["remaining"] == 0
    assert third["complete"] is True and third["reason"] is None and third["delivered"] == 2
    bad = await client.post(
        f"/v1/accounts/{acc}/pop3/retrieve", json={"delete": True, "headers_only": True}
    )
    assert bad.status_code == 422
    bad = await client.post(f"/v1/accounts/{acc}/pop3/retrieve", json={"format": "eml"})
    assert bad.status_code == 422


async def test_retrieve_ndjson_with_delete_empties_maildrop(client, mailstack):
    acc, user = await make_account(client, mailstack, "tls")
    mailstack.seed_maildir(user, [message(i) for i in range(20)])
    resp = await client.post(
        f"/v1/accounts/{acc}/pop3/retrieve", headers=NDJSON, json={"delete": True, "format": "raw"}
    )
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("application/x-ndjson")
    lines = ndjson_lines(resp.text)
    assert len(lines) == 20
    assert [base64.b64decode(i["raw"]).split(b"\r\n")[2] for i in lines] == [
        f"Subject: m{i}".encode() for i in range(20)
    ]
    assert mailstack.maildir_count(user) == 0
    stat = (await client.get(f"/v1/accounts/{acc}/pop3")).json()
    assert stat == {"count": 0, "size": 0}


async def test_wrong_password_is_auth_failed(client, mailstack):
    acc, _user = await make_account(client, mailstack, password="not-the-password")
    for method, path in [("GET", ""), ("GET", "/messages"), ("POST", "/retrieve")]:
        resp = await client.request(
            method, f"/v1/accounts/{acc}/pop3{path}", json={} if method == "POST" else None
        )
        assert resp.status_code == 502, resp.text
        problem = resp.json()
        assert problem["code"] == "auth_failed"
        assert "not-the-password" not in resp.text
    status = (await client.get(f"/v1/accounts/{acc}/status")).json()
    assert status["pop3"]["state"] == "auth_failed"


async def test_no_pop3_block_and_unknown_uidl(client, mailstack):
    user = mailstack.new_user("p3n")
    resp = await client.post(
        "/v1/accounts", json=account_spec(mailstack, user, protocols=("imap",))
    )
    acc = resp.json()["id"]
    resp = await client.get(f"/v1/accounts/{acc}/pop3")
    assert resp.status_code == 404 and resp.json()["code"] == "protocol_not_configured"
    acc2, _ = await make_account(client, mailstack)
    resp = await client.get(f"/v1/accounts/{acc2}/pop3/messages/nope")
    assert resp.status_code == 404 and resp.json()["code"] == "message_not_found"
    resp = await client.get(f"/v1/accounts/{acc2}/pop3/messages/has%20space")
    assert resp.status_code == 422


async def test_concurrent_requests_same_account_are_serialised(client, mailstack):
    acc, user = await make_account(client, mailstack)
    mailstack.seed_maildir(user, [message(i) for i in range(30)])
    results = await asyncio.gather(
        *[
            client.post(f"/v1/accounts/{acc}/pop3/retrieve", json={"limit": 10, "format": "raw"})
            for _ in range(3)
        ],
        client.get(f"/v1/accounts/{acc}/pop3"),
    )
    assert all(r.status_code == 200 for r in results), [r.text for r in results]
    got = [i["uidl"] for r in results[:3] for i in r.json()["items"]]
    # one session at a time: each retrieval saw the others' seen marks, no duplicates
    assert len(got) == len(set(got)) == 30


async def test_busy_account_gets_409_not_a_hang(settings, mailstack):
    settings.pop3_lock_timeout = 0.3
    async with running_client(settings) as client:
        acc, user = await make_account(client, mailstack)
        mailstack.seed_maildir(user, [message(1)])
        services = client.app.state.services
        manager = await services.accounts.manager(acc, "pop3")
        async with manager.locked():  # another session holds the maildrop
            resp = await client.get(f"/v1/accounts/{acc}/pop3")
        assert resp.status_code == 409
        assert resp.json()["code"] == "account_busy" and "Retry-After" in resp.headers
        assert (await client.get(f"/v1/accounts/{acc}/pop3")).status_code == 200


async def test_ndjson_parsed_long_line_and_dot_lines(client, mailstack):
    acc, user = await make_account(client, mailstack)
    body = "." + "y" * 10_000 + "\r\n.\r\n..\r\n. dot space\r\nlast"
    mailstack.seed_maildir(user, [message(1, body)])
    resp = await client.post(
        f"/v1/accounts/{acc}/pop3/retrieve", headers=NDJSON, json={"format": "parsed"}
    )
    (item,) = ndjson_lines(resp.text)
    assert item["subject"] == "m1" and item["from"][0]["address"] == "s@example.test"
    assert item["text"] == body.replace("\r\n", "\n") + "\n"
    assert item["size"] == len(message(1, body))


async def test_verify_and_scopes(client, mailstack):
    acc, user = await make_account(client, mailstack)
    mailstack.seed_maildir(user, [message(1)])
    verify = (await client.post(f"/v1/accounts/{acc}/verify")).json()
    assert verify["pop3"]["ok"] is True, verify
    token = (
        await client.post("/v1/tokens", json={"description": "ro", "scopes": ["read"]})
    ).json()["token"]
    ro = {"Authorization": f"Bearer {token}"}
    resp = await client.post(f"/v1/accounts/{acc}/pop3/retrieve", headers=ro, json={"delete": True})
    assert resp.status_code == 403
    uidl = (await client.get(f"/v1/accounts/{acc}/pop3/messages", headers=ro)).json()["items"][0][
        "uidl"
    ]
    assert (
        await client.delete(f"/v1/accounts/{acc}/pop3/messages/{uidl}", headers=ro)
    ).status_code == 403
    resp = await client.post(f"/v1/accounts/{acc}/pop3/retrieve", headers=ro, json={})
    assert resp.status_code == 200 and len(resp.json()["items"]) == 1
    assert mailstack.maildir_count(user) == 1
    resp = await client.post(f"/v1/accounts/{acc}/pop3/retrieve", json={"bogus": 1})
    assert resp.status_code == 422


async def test_big_parsed_message_with_attachment(client, mailstack):
    acc, user = await make_account(client, mailstack)
    blob = bytes(range(256)) * 4096  # 1 MiB
    encoded = base64.encodebytes(blob).decode().replace("\n", "\r\n")
    headers = 'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="zz"\r\n'
    body = (
        "--zz\r\nContent-Type: text/plain\r\n\r\nbig one\r\n--zz\r\n"
        "Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n"
        'Content-Disposition: attachment; filename="blob.bin"\r\n\r\n'
        f"{encoded}--zz--"
    )
    mailstack.seed_maildir(user, [message(1, body, headers)])
    resp = await client.post(f"/v1/accounts/{acc}/pop3/retrieve", headers=NDJSON, json={})
    (item,) = ndjson_lines(resp.text)
    assert item["text"] == "big one"
    (att,) = item["attachments"]
    assert att["id"] == "2" and att["size"] == len(blob)
    assert base64.b64decode(att["content"]) == blob
    single = (await client.get(f"/v1/accounts/{acc}/pop3/messages/{item['uidl']}")).json()
    assert base64.b64decode(single["attachments"][0]["content"]) == blob
