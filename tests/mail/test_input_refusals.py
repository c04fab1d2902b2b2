"""IMAP refusals that the caller's input causes are 4xx (never 502 or 500), and no error
text quotes back the flag, name or search string that was sent (real Dovecot)."""

from __future__ import annotations

import base64

import httpx

from gateway.imap.ids import encode_message_id
from tests.mail.conftest import make_message
from tests.mailstack import MailStack


async def _append(client: httpx.AsyncClient, acct_url: str, **params) -> httpx.Response:
    return await client.post(
        f"{acct_url}/mailboxes/INBOX/messages",
        params=params,
        content=make_message("refusals"),
        headers={"Content-Type": "message/rfc822"},
    )


async def test_keyword_too_long_for_the_server_is_422_not_502(
    client: httpx.AsyncClient, account: dict, acct_url: str
) -> None:
    # A valid IMAP atom that Dovecot refuses (mail_max_keyword_length = 50): the gateway
    # refuses it first or maps the server's NO [CANNOT]; either way a 422 that names no flag.
    keyword = "secretkw4711" + "k" * 60
    resp = await _append(client, acct_url, flags=keyword)
    assert resp.status_code == 422, resp.text
    assert "secretkw4711" not in resp.text
    resp = await _append(client, acct_url, flags="$ok")
    assert resp.status_code == 201, resp.text
    message = resp.json()["id"]
    resp = await client.patch(f"{acct_url}/messages/{message}", json={"flags": {"add": [keyword]}})
    assert resp.status_code == 422 and "secretkw4711" not in resp.text, resp.text
    got = (await client.get(f"{acct_url}/messages/{message}")).json()
    assert got["flags"] == ["$ok"]


async def test_flag_the_server_refuses_is_422_with_a_stable_code(
    client: httpx.AsyncClient, account: dict, acct_url: str
) -> None:
    """Only the server knows which system flags it has: its BAD/NO [CANNOT] is the caller's
    mistake (422 flags_refused / message_refused), not a failure of the server (502)."""
    flag = "\\Secretflag4711"
    resp = await _append(client, acct_url, flags=flag)
    assert resp.status_code == 422, resp.text
    assert resp.json()["code"] == "message_refused" and "ecretflag4711" not in resp.text.lower()
    resp = await _append(client, acct_url, flags="$ok")
    message = resp.json()["id"]
    resp = await client.patch(f"{acct_url}/messages/{message}", json={"flags": {"add": [flag]}})
    assert resp.status_code == 422, resp.text
    assert resp.json()["code"] == "flags_refused" and "ecretflag4711" not in resp.text.lower()
    resp = await client.post(
        f"{acct_url}/messages/batch",
        json={"ids": [message], "action": "flag", "flags": {"add": [flag]}},
    )
    assert resp.status_code == 422 and resp.json()["code"] == "flags_refused", resp.text
    got = (await client.get(f"{acct_url}/messages/{message}")).json()
    assert got["flags"] == ["$ok"]


async def test_uid_beyond_32_bits_or_zero_is_404_not_502(
    client: httpx.AsyncClient, account: dict, acct_url: str
) -> None:
    resp = await _append(client, acct_url)
    assert resp.status_code == 201, resp.text
    validity = int(base64.urlsafe_b64decode(resp.json()["id"] + "==").split(b".")[0])
    ids = [encode_message_id("INBOX", validity, uid) for uid in (2**32, 2**32 + 1, 2**64, 0)]
    ids += [encode_message_id("INBOX", 2**32 + validity, 1)]
    # Non-canonical numbers and control characters never name a message either.
    for raw in (
        b"%d.+1.INBOX" % validity,
        b"%d.1_0.INBOX" % validity,
        b"%d. 1.INBOX" % validity,
        b"%d.1.IN\rBOX" % validity,
    ):
        ids.append(base64.urlsafe_b64encode(raw).rstrip(b"=").decode())
    for message in ids:
        for method, path, body in (
            ("GET", "", None),
            ("GET", "/raw", None),
            ("PATCH", "", {"flags": {"add": ["$x"]}}),
            ("POST", "/copy", {"mailbox": "INBOX"}),
            ("DELETE", "?permanent=true", None),
        ):
            resp = await client.request(method, f"{acct_url}/messages/{message}{path}", json=body)
            assert resp.status_code == 404, (message, method, path, resp.text)
            assert resp.json()["code"] == "message_not_found"
    resp = await client.post(
        f"{acct_url}/messages/batch", json={"ids": ids, "action": "flag", "flags": {"add": ["$x"]}}
    )
    assert resp.status_code == 200, resp.text
    assert {item["error"] for item in resp.json()["items"]} == {"message_not_found"}


async def test_cursor_beyond_32_bits_is_422(
    client: httpx.AsyncClient, account: dict, acct_url: str
) -> None:
    for raw in (b"1.99999999999999999999.abc", b"99999999999.5.abc", b"1.-5.abc"):
        cursor = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
        resp = await client.get(f"{acct_url}/mailboxes/INBOX/messages", params={"cursor": cursor})
        assert resp.status_code == 422, resp.text


async def test_mailbox_names_with_controls_are_422(
    client: httpx.AsyncClient, account: dict, acct_url: str
) -> None:
    for name in ("a\x85b", "a\x9fb", "a\rb"):
        resp = await client.post(f"{acct_url}/mailboxes", json={"path": name})
        assert resp.status_code == 422, (name, resp.text)


async def test_server_errors_do_not_quote_the_mailbox_name(
    client: httpx.AsyncClient, account: dict, acct_url: str, mailstack: MailStack
) -> None:
    name = "Gone-secret-4711"
    message = encode_message_id(name, 1, 1)
    resp = await client.get(f"{acct_url}/messages/{message}")
    assert resp.status_code == 404, resp.text
    assert "secret-4711" not in resp.text.lower()
    mailbox = base64.urlsafe_b64encode(name.encode()).rstrip(b"=").decode()
    resp = await client.get(f"{acct_url}/mailboxes/{mailbox}/messages")
    assert resp.status_code == 404, resp.text
    assert "secret-4711" not in resp.text.lower()
    resp = await client.post(
        f"{acct_url}/mailboxes/{mailbox}/messages",
        content=make_message("x"),
        headers={"Content-Type": "message/rfc822"},
    )
    assert resp.status_code == 404, resp.text
    assert "secret-4711" not in resp.text.lower()


async def test_malformed_raw_append_is_stored_or_422_never_502(
    client: httpx.AsyncClient, account: dict, acct_url: str
) -> None:
    """Dovecot stores any bytes; Cyrus refuses NUL and broken header lines with a bare NO.
    Either way the caller gets a 201 or a 422 that quotes none of the message."""
    for raw in (
        b"Subject: a\x00secret-4711\r\n\r\nx",
        b"Subject: x\r\n\r\nbody\x00secret-4711",
        b"secret-4711 header without colon\r\n\r\nbody",
        b"Subject: x\nsecret-4711 bare\n\nlf",
    ):
        resp = await client.post(
            f"{acct_url}/mailboxes/INBOX/messages",
            content=raw,
            headers={"Content-Type": "message/rfc822"},
        )
        assert resp.status_code in (201, 422), (raw, resp.text)
        if resp.status_code == 422:
            assert resp.json()["code"] == "message_refused", resp.text
            assert "4711" not in resp.text
