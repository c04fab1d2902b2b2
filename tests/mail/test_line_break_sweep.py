"""Every Unicode line break and control in every header-like field of the send, append and
mailbox bodies, against the real stack: a 2xx or a 422, never a 5xx; a refusal quotes
nothing it was sent; what was accepted reads back with no header added."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import httpx

MARK = "zq4711"  # appears in no error text of the gateway
BREAKS = [
    "\r",
    "\n",
    "\r\n",
    "\v",
    "\f",
    "\x1c",
    "\x1d",
    "\x1e",
    "\x85",
    "\u2028",
    "\u2029",
    "\x00",
    "\x07",
    "\x7f",
    "\x9b",
    "\ud800",
    "\t",
]
ATTACHMENT = {
    "filename": "a.txt",
    "content_type": "text/plain",
    "content": base64.b64encode(b"x").decode(),
}


def _fields(value: str, rcpt: str) -> dict[str, dict]:
    """One request body change per header-like field, ``value`` placed in that field."""
    return {
        "subject": {"subject": value},
        "to.name": {"to": [{"name": value, "address": rcpt}]},
        "to.string": {"to": [f"{value} <{rcpt}>"]},
        "from.name": {"from": {"name": value, "address": "me@example.test"}},
        "cc.name": {"cc": [{"name": value, "address": "cc@example.test"}]},
        "reply_to": {"reply_to": [f"{value} <r@example.test>"]},
        "header.value": {"headers": {"X-Note": value}},
        "header.name": {"headers": {f"X-{value}": "v"}},
        "filename": {"attachments": [{**ATTACHMENT, "filename": value}]},
        "content_type": {"attachments": [{**ATTACHMENT, "content_type": f"text/{value}"}]},
        "content_id": {"attachments": [{**ATTACHMENT, "content_id": value}]},
        "text": {"text": value},
    }


def _post(client: httpx.AsyncClient, url: str, body: dict, **kw) -> object:
    # Escapes as a JSON encoder writes them (a lone surrogate included).
    return client.post(
        url, content=json.dumps(body).encode(), **kw, headers={"Content-Type": "application/json"}
    )


async def test_every_line_break_in_every_field_is_2xx_or_422(
    client: httpx.AsyncClient, account: dict, acct_url: str
) -> None:
    later = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    seen: dict[int, int] = {}
    for brk in BREAKS:
        value = f"a{brk}{MARK}"
        for field, change in _fields(value, "you@example.test").items():
            # /send, queued for later: built and validated in full, nothing leaves.
            body = {
                "to": ["you@example.test"],
                "subject": "s",
                "text": "t",
                "attachments": [ATTACHMENT],
                "send_at": later,
                **change,
            }
            resp = await _post(client, f"{acct_url}/send", body)
            assert resp.status_code in (202, 422), (field, repr(brk), resp.text)
            seen[resp.status_code] = seen.get(resp.status_code, 0) + 1
            if resp.status_code == 422:
                assert MARK not in resp.text, (field, repr(brk), resp.text)
            # The same draft appended as JSON: built the same way, then stored over IMAP.
            draft = {k: v for k, v in body.items() if k != "send_at"}
            if "reply_to" in change:
                draft["reply_to"] = change["reply_to"]
            resp = await _post(client, f"{acct_url}/mailboxes/INBOX/messages", draft)
            assert resp.status_code in (201, 422), (field, repr(brk), resp.text)
            if resp.status_code == 422:
                assert MARK not in resp.text, (field, repr(brk), resp.text)
                continue
            got = (await client.get(f"{acct_url}/messages/{resp.json()['id']}")).json()
            names = sorted(h["name"].lower() for h in got["headers"])
            assert names.count("subject") == 1 and "bcc" not in names, (field, names)
            assert MARK not in "".join(names), (field, repr(brk), names)
        # Mailbox names and flags go to the server as IMAP strings and atoms.
        resp = await _post(client, f"{acct_url}/mailboxes", {"path": value})
        assert resp.status_code in (201, 422), (repr(brk), resp.text)
        assert resp.status_code == 201 or MARK not in resp.text
        if brk == "\ud800":
            continue  # a URL cannot carry it (the percent-decoded query is UTF-8)
        resp = await client.post(
            f"{acct_url}/mailboxes/INBOX/messages",
            params={"flags": f"$a{brk}b"},
            content=b"Subject: f\r\n\r\nx\r\n",
            headers={"Content-Type": "message/rfc822"},
        )
        assert resp.status_code in (201, 422), (repr(brk), resp.text)
    assert seen.get(202) and seen.get(422)  # both outcomes were exercised
