"""Gmail behaviour keyed on what the server says (X-GM-EXT-1), through the HTTP API.

Gmail cannot run here. The Gmail tests drive the real gateway (app, service, pool, IMAP
client) against ``tests/gmail_replay.py``, which answers with recorded real Gmail
transcripts (``tests/protocols/imap/transcripts/gmail/``: Google's IMAP extensions page,
MailKit's 2014 Gmail session, sitebricks' 2011-2012 Gmail answers). The gateway's commands
are its own, so each is matched by verb and arguments and answered with the recorded
answer of Gmail to that kind of command; where no single recording covers the gateway's
sequence, the answer used (and any line added to it) is named at the rule. The checks that
nothing changes elsewhere run against Dovecot and Cyrus (and Postfix for sending).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator

import httpx
import pytest

from gateway.api.routes.messages import MessageJsonMemo
from gateway.api.schemas.messages import MessageList, MessageOut, message_list_json
from gateway.imap.ids import MessageRef, encode_mailbox_id, encode_message_id
from gateway.imap.structure import GmailFacts, MessagePage, labels_of, summary_from_fetch
from gateway.protocols.imap.parsing import parse_fetch
from gateway.protocols.imap.wire import ResponseReader, _classify
from gateway.protocols.mime.parse import parse_message
from gateway.settings import Settings
from tests.conftest import account_spec, running_client, server_block
from tests.gmail_replay import (
    TRANSCRIPTS,
    Exchange,
    ReplayServer,
    Rule,
    load_transcript,
    wire,
)
from tests.mailstack import MailStack
from tests.outbox.conftest import wait_for_mail
from tests.waiting import until

GOOGLE = load_transcript("google_imap_extensions")
MAILKIT = load_transcript("mailkit_2014_session")
SITEBRICKS = load_transcript("sitebricks_fetch")
MAILBOX = "UnitTests"  # the mailbox of MailKit's recorded session (UIDVALIDITY 23)
SUMMARY_ITEMS = (
    rb"\(UID FLAGS ENVELOPE BODYSTRUCTURE RFC822\.SIZE INTERNALDATE X-GM-THRID "
    rb"X-GM-MSGID X-GM-LABELS\)"
)

# Logging in, as Gmail answered: the greeting of Google's page; a first CAPABILITY (before
# LOGIN) answered as in MailKit's session; LOGIN as on Google's page (its first tagged
# line), whose answer carries no capabilities, so the gateway asks again: Google's a002.
LOGIN_RULES = [
    Rule(rb"CAPABILITY", MAILKIT.exchange("A00000000"), times=1),
    Rule(rb'LOGIN "someone@gmail\.com" "app password"', GOOGLE.exchange("a001")),
    Rule(rb"CAPABILITY", GOOGLE.exchange("a002")),
    Rule(rb"LOGOUT", MAILKIT.exchange("A00000087")),
]
SELECT = Rule(b'SELECT "%s"' % MAILBOX.encode(), MAILKIT.exchange("A00000008"))


def _with_line(exchange: Exchange, line: bytes) -> Exchange:
    """A recorded answer with one more recorded untagged line before its completion."""
    *untagged, done = exchange.response
    return Exchange(exchange.tag, exchange.command, (*untagged, line, done), source=exchange.source)


def _completion_only(exchange: Exchange) -> Exchange:
    """Only the tagged completion of a recorded answer (the answer to a FETCH of messages
    that are not there: no untagged data)."""
    return Exchange(exchange.tag, exchange.command, exchange.response[-1:], source=exchange.source)


@contextlib.asynccontextmanager
async def gmail_account(
    settings: Settings, rules: list[Rule], *, smtp: dict | None = None
) -> AsyncIterator[tuple[httpx.AsyncClient, ReplayServer]]:
    """A gateway with one account ("gm") whose IMAP server is the replay of ``rules``."""
    settings = settings.model_copy(update={"watch_enabled": False})
    async with ReplayServer(GOOGLE.greeting, [*LOGIN_RULES, *rules]) as server:
        async with running_client(settings) as client:
            spec = {
                "id": "gm",
                "name": "Gmail",
                "email": "someone@gmail.com",
                "imap": {
                    "host": "127.0.0.1",
                    "port": server.port,
                    "security": "none",
                    "username": "someone@gmail.com",
                    "password": "app password",
                },
            }
            if smtp is not None:
                spec["smtp"], spec["email"] = smtp, smtp["username"]
            resp = await client.post("/v1/accounts", json=spec)
            assert resp.status_code == 201, resp.text
            yield client, server


async def test_gmail_listing_carries_labels_thread_and_message_ids(settings: Settings) -> None:
    recorded = SITEBRICKS.exchange("s2")  # five Gmail FETCH answers with X-GM-* and UIDs
    # Gmail's SELECT of the mailbox (MailKit A00000008, before that session's 50 APPENDs),
    # with the EXISTS Gmail reported for it after them (append.50.txt, quoted in the file).
    assert "#   * 50 EXISTS" in (TRANSCRIPTS / "mailkit_2014_session.txt").read_text()
    rules = [
        Rule(SELECT.pattern, _with_line(SELECT.answer, b"* 50 EXISTS")),
        Rule(rb"FETCH 1:50 \(UID FLAGS X-GM-LABELS\)", recorded),
        Rule(rb"UID FETCH 24317,85483,107228,109552,251345 " + SUMMARY_ITEMS, recorded),
    ]
    async with gmail_account(settings, rules) as (client, server):
        resp = await client.get(f"/v1/accounts/gm/mailboxes/{encode_mailbox_id(MAILBOX)}/messages")
        assert resp.status_code == 200, resp.text
    assert server.mismatches == []
    assert server.commands()[3:6] == [
        b'SELECT "UnitTests"',
        b"FETCH 1:50 (UID FLAGS X-GM-LABELS)",
        b"UID FETCH 24317,85483,107228,109552,251345 (UID FLAGS ENVELOPE BODYSTRUCTURE "
        b"RFC822.SIZE INTERNALDATE X-GM-THRID X-GM-MSGID X-GM-LABELS)",
    ]
    body = resp.json()
    assert body["total"] == 50
    items = {item["uid"]: item for item in body["items"]}
    assert [i["uid"] for i in body["items"]] == [251345, 109552, 107228, 85483, 24317]
    assert items[107228]["gmail"] == {
        "labels": ["\\Sent"],
        "thread_id": "1390598643992212864",
        "message_id": "1390601544708584716",
        "thread_id_hex": format(1390598643992212864, "x"),
        "message_id_hex": format(1390601544708584716, "x"),
    }
    assert items[107228]["subject"] == (
        'Re: throw in backslash quote \\" and double backslash quote \\\\" is that OK?'
    )
    assert items[109552]["gmail"]["labels"] == ["Apple Mail To Do"]
    assert items[24317]["gmail"]["labels"] == ["dmo@oberon.nl"]
    assert items[251345]["gmail"]["labels"] == ["Cenqua"]
    assert (
        items[85483]["gmail"]["thread_id"]
        == items[85483]["gmail"]["message_id"]
        == ("1288581295617858036")
    )
    assert items[85483]["flags"] == ["\\Seen"] and items[251345]["flags"] == []


async def test_gmail_search_syntax_goes_to_gmail_as_x_gm_raw(settings: Settings) -> None:
    search = GOOGLE.exchange("a005")  # Gmail's answer to X-GM-RAW "has:attachment in:unread"
    rules = [
        SELECT,
        Rule(rb'UID SEARCH X-GM-RAW "has:attachment in:unread"', search),
        # The three messages are not in the recording: Gmail's completion of a FETCH, alone.
        Rule(
            rb"UID FETCH 123,5992,12344 " + SUMMARY_ITEMS, _completion_only(GOOGLE.exchange("a006"))
        ),
    ]
    async with gmail_account(settings, rules) as (client, server):
        resp = await client.get(
            f"/v1/accounts/gm/mailboxes/{encode_mailbox_id(MAILBOX)}/messages",
            params={"x_gm_raw": "has:attachment in:unread"},
        )
        assert resp.status_code == 200, resp.text
        refused = await client.get(
            f"/v1/accounts/gm/mailboxes/{encode_mailbox_id(MAILBOX)}/messages",
            params={"x_gm_raw": "a\r\nb"},
        )
    assert server.mismatches == []
    sent = [c for c in server.commands() if c.startswith(b"UID SEARCH")]
    assert sent == [b'UID SEARCH X-GM-RAW "has:attachment in:unread"']
    assert sent[0].endswith(search.command.removeprefix(b"SEARCH"))  # byte for byte
    assert resp.json() == {"items": [], "next_cursor": None, "total": 3, "state": None}
    assert refused.status_code == 422 and refused.json()["code"] == "validation_error"


async def test_gmail_single_message_and_label_changes(settings: Settings) -> None:
    message = encode_message_id(MAILBOX, 23, 3)  # UID 3 of MailKit's session
    rules = [
        SELECT,
        # NOOP (the gateway's check for news on a selected mailbox): Gmail's completion of a
        # command without data (MailKit A00000006, CREATE), alone.
        Rule(rb"NOOP", _completion_only(MAILKIT.exchange("A00000006"))),
        # Gmail's answer to a FETCH of UID 3 and 20 more messages, and to its BODY.PEEK[]
        Rule(rb"UID FETCH 3 " + SUMMARY_ITEMS, MAILKIT.exchange("A00000060")),
        Rule(
            rb"UID FETCH 3 \(UID FLAGS RFC822\.SIZE BODY\.PEEK\[\] X-GM-LABELS\)",
            MAILKIT.exchange("A00000063"),
        ),
        # Google's STORE +X-GM-LABELS (foo) (a011): the gateway sends the same by UID
        Rule(rb"UID STORE 3 \+X-GM-LABELS \(foo\)", GOOGLE.exchange("a011")),
    ]
    async with gmail_account(settings, rules) as (client, server):
        got = await client.get(f"/v1/accounts/gm/messages/{message}")
        assert got.status_code == 200, got.text
        labelled = await client.patch(
            f"/v1/accounts/gm/messages/{message}/labels", json={"add": ["foo"]}
        )
        assert labelled.status_code == 200, labelled.text
    assert server.mismatches == []
    body = got.json()
    assert body["subject"] == "test of תירבע in mail headers"  # Hebrew, quoted-printable
    assert body["size"] == 679
    # On Gmail a message has "gmail"; this recording asked Gmail for no X-GM-* items.
    assert body["gmail"] == {
        "labels": [],
        "thread_id": None,
        "message_id": None,
        "thread_id_hex": None,
        "message_id_hex": None,
    }
    assert labelled.json() == {
        "id": message,
        "labels": ["\\Inbox", "\\Sent", "Important", "Muy Importante", "foo"],
    }
    assert b"UID STORE 3 +X-GM-LABELS (foo)" in server.commands()


async def test_gmail_send_appends_no_sent_copy(settings: Settings, dovecot: MailStack) -> None:
    """Gmail files sent mail itself: the gateway asks the IMAP server for nothing but its
    capabilities (the mail goes out through Postfix, the test's SMTP server)."""
    user, rcpt = dovecot.new_user("gs"), dovecot.new_user("gr")
    smtp = server_block(dovecot, user, "smtp")
    async with gmail_account(settings, [], smtp=smtp) as (client, server):
        resp = await client.post(
            "/v1/accounts/gm/send", json={"to": [rcpt], "subject": "via Gmail", "text": "hi"}
        )
        assert resp.status_code == 200, resp.text
        queued = await client.post(
            "/v1/accounts/gm/send",
            json={"to": [rcpt], "subject": "queued via Gmail", "text": "hi", "mode": "queue"},
        )
        assert queued.status_code == 202, queued.text
        delivered = await wait_for_mail(dovecot, rcpt, 2)

        async def sent() -> dict | None:
            item = (await client.get(queued.json()["status_url"])).json()
            return item if item["status"] == "sent" else None

        item = await until(sent, within=15)
    assert resp.json()["saved_to_sent"] is True and resp.json()["rejected"] == []
    assert item["status"] == "sent" and item["last_error"] is None
    assert sorted(m["Subject"] for m in delivered) == ["queued via Gmail", "via Gmail"]
    assert server.mismatches == []
    assert not [c for c in server.commands() if c.split(b" ")[0] in (b"APPEND", b"SELECT", b"LIST")]
    assert set(server.commands()) <= {
        b"CAPABILITY",
        b'LOGIN "someone@gmail.com" "app password"',
        b"LOGOUT",
    }


# -- elsewhere nothing changes ----------------------------------------------------------------


async def test_no_gmail_fields_or_search_on_other_servers(
    client: httpx.AsyncClient, account: dict, mailstack: MailStack
) -> None:
    """Dovecot and Cyrus (no X-GM-EXT-1): no ``gmail``, X-GM-RAW and labels refused (422)."""
    from tests.mail.conftest import make_message

    mailstack.deliver(account["email"], make_message("plain"))
    url = f"/v1/accounts/{account['id']}"
    listing = await client.get(f"{url}/mailboxes/INBOX/messages")
    assert listing.status_code == 200, listing.text
    [item] = listing.json()["items"]
    assert item["gmail"] is None and item["subject"] == "plain"
    got = await client.get(f"{url}/messages/{item['id']}")
    assert got.json()["gmail"] is None
    raw = await client.get(f"{url}/mailboxes/INBOX/messages", params={"x_gm_raw": "is:unread"})
    assert raw.status_code == 422 and raw.json()["code"] == "x_gm_raw_unsupported"
    labels = await client.patch(f"{url}/messages/{item['id']}/labels", json={"add": ["x"]})
    assert labels.status_code == 422 and labels.json()["code"] == "gmail_labels_unsupported"


@pytest.mark.parametrize("mode", ["sync", "queue"])
async def test_sent_copy_still_appended_elsewhere(
    client: httpx.AsyncClient, dovecot: MailStack, mode: str
) -> None:
    """Dovecot (no X-GM-EXT-1): the copy goes to Sent as before."""
    user, rcpt = dovecot.new_user("ds"), dovecot.new_user("dr")
    assert (await client.post("/v1/accounts", json=account_spec(dovecot, user))).status_code == 201
    resp = await client.post(
        f"/v1/accounts/{user.split('@')[0]}/send",
        json={"to": [rcpt], "subject": f"kept {mode}", "text": "x", "mode": mode},
    )
    assert resp.status_code in (200, 202), resp.text
    [copy] = await wait_for_mail(dovecot, user, 1, mailbox="Sent")
    assert copy["Subject"] == f"kept {mode}"


# -- the serializers, on recorded Gmail answers (no I/O) ---------------------------------------


def _fetched(exchange: Exchange) -> dict:
    reader = ResponseReader()
    pieces = [
        p
        for p in reader.feed(wire(exchange.response))
        if (p[0] if isinstance(p[0], bytes) else p[0][0]).startswith(b"* ")
    ]
    return parse_fetch([_classify(p) for p in pieces])


def test_gmail_listing_json_is_the_documented_schema() -> None:
    """sitebricks' recorded Gmail answers through the listing's one serializer."""
    data = _fetched(SITEBRICKS.exchange("s2"))
    page = MessagePage([], None, len(data), {})
    for uid, fetched in sorted(data.items(), reverse=True):
        summary = summary_from_fetch(fetched, MessageRef("[Gmail]/All Mail", 11, uid))
        page.items.append((summary, [f.decode() for f in fetched[b"FLAGS"]]))
        page.labels[uid] = labels_of(fetched)
    body = json.loads(message_list_json(page))
    assert MessageList.model_validate(body).model_dump(by_alias=True) == body
    by_uid = {item["uid"]: item for item in body["items"]}
    assert by_uid[109552]["gmail"]["labels"] == ["Apple Mail To Do"]
    assert int(by_uid[107228]["gmail"]["thread_id_hex"], 16) == 1390598643992212864
    assert int(by_uid[107228]["gmail"]["message_id"]) == 1390601544708584716
    off_gmail = json.loads(message_list_json(MessagePage(page.items, None, 5)))
    assert [item["gmail"] for item in off_gmail["items"]] == [None] * 5


def test_gmail_message_json_writes_current_labels_over_a_memo() -> None:
    """A read message's memoised JSON gets the labels of each read (they change)."""
    parsed = parse_message(b"Subject: memo\r\nMessage-ID: <m@x>\r\n\r\nbody\r\n")
    summary = summary_from_fetch(
        _fetched(SITEBRICKS.exchange("s3"))[60962], MessageRef("INBOX", 1, 60962)
    )
    memo = MessageJsonMemo()
    ref = MessageRef("INBOX", 1, 60962)
    outputs = []
    for labels in (("\\Inbox",), ("\\Inbox", "Muy Importante")):
        meta = {
            "flags": ["\\Seen"],
            "size": 4717,
            "mailbox": "INBOX",
            "gmail": GmailFacts.of(summary, labels),
        }
        outputs.append(json.loads(memo.render("acct", ref.id, ref, parsed, meta)))
    plain = json.loads(
        memo.render("acct", ref.id, ref, parsed, {"flags": [], "size": 4717, "mailbox": "INBOX"})
    )
    for out in (*outputs, plain):
        assert MessageOut.model_validate(out).model_dump(by_alias=True) == out
    assert [o["gmail"]["labels"] for o in outputs] == [["\\Inbox"], ["\\Inbox", "Muy Importante"]]
    assert outputs[1]["gmail"]["thread_id"] == "1279040815276852413"
    assert outputs[1]["subject"] == "memo" and plain["gmail"] is None
