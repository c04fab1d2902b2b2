"""The listing's one serializer writes exactly what ``MessageSummary`` documents."""

from __future__ import annotations

import json

import pytest

from gateway.api.schemas.messages import (
    MessageList,
    MessageSummary,
    message_list_json,
    message_summary_json,
)
from gateway.imap.ids import MessageRef, encode_mailbox_id
from gateway.imap.structure import MessagePage, Summary, summary_from_fetch
from gateway.protocols.imap.parsing import parse_fetch
from gateway.protocols.imap.wire import Untagged
from tests.mail.conftest import latin1_with_attachment, make_message

_FIELDS = {f.alias or name for name, f in MessageSummary.model_fields.items()}

_ENV_PLAIN = (
    b'("Fri, 1 Mar 2024 12:00:00 +0100" "hello" (("Alice" NIL "alice" "example.test"))'
    b' NIL NIL ((NIL NIL "bob" "example.test")) NIL NIL NIL "<1@example.test>")'
)
_ENV_ENCODED = (
    b'(NIL "=?utf-8?q?Gr=C3=BC=C3=9Fe?=" (("=?iso-8859-1?q?J=F6rg?=" NIL "j"'
    b' "example.test")) NIL NIL ((NIL NIL "team" NIL)(NIL NIL "x" "example.test")'
    b'(NIL NIL NIL NIL)) (("Cc Person" NIL "cc" "example.test")) NIL NIL NIL)'
)
_ENV_EMPTY = b"(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)"
_TEXT = b'("text" "plain" ("charset" "utf-8") NIL NIL "7bit" 5 1 NIL NIL NIL NIL)'
_MIXED = (
    b'(("text" "plain" ("charset" "utf-8") NIL NIL "7bit" 5 1 NIL NIL NIL NIL)'
    b'("application" "pdf" ("name" "a.pdf") NIL NIL "base64" 400 NIL'
    b' ("attachment" ("filename" "a.pdf")) NIL NIL) "mixed" ("boundary" "b") NIL NIL NIL)'
)

# FETCH responses as servers send them: plain, encoded words and a group, no envelope fields,
# an attachment, a PREVIEW (RFC 8970) in both its forms, no ENVELOPE at all.
CORPUS = [
    b'1 FETCH (UID 1 FLAGS (\\Seen) RFC822.SIZE 120 INTERNALDATE "01-Mar-2024 12:00:00 +0000"'
    b" ENVELOPE " + _ENV_PLAIN + b" BODYSTRUCTURE " + _TEXT + b")",
    b'2 FETCH (UID 2 FLAGS () RFC822.SIZE 999 INTERNALDATE "02-Mar-2024 12:00:00 +0000"'
    b" ENVELOPE " + _ENV_ENCODED + b" BODYSTRUCTURE " + _MIXED + b' PREVIEW "hi there")',
    b'3 FETCH (UID 3 FLAGS ($Forwarded) RFC822.SIZE 0 INTERNALDATE "03-Mar-2024 12:00:00'
    b' +0000" ENVELOPE ' + _ENV_EMPTY + b" BODYSTRUCTURE " + _TEXT + b" PREVIEW (FUZZY"
    b' "short"))',
    b'4 FETCH (UID 4 FLAGS () RFC822.SIZE 7 INTERNALDATE "04-Mar-2024 12:00:00 +0000")',
]


def _listed() -> list[tuple[Summary, list[str]]]:
    out = []
    for line in CORPUS:
        for uid, data in parse_fetch([Untagged(b"FETCH", int(line.split()[0]), [line])]).items():
            flags = [f.decode() for f in data.get(b"FLAGS", ())]
            out.append((summary_from_fetch(data, MessageRef("Archiv/2024", 9, uid)), flags))
    return out


def _assert_is_message_summary(item: dict) -> None:
    assert set(item) == _FIELDS
    assert MessageSummary.model_validate(item).model_dump(by_alias=True) == item


def test_serializer_writes_the_message_summary_schema() -> None:
    listed = _listed()
    assert len(listed) == len(CORPUS)
    for summary, flags in listed:
        _assert_is_message_summary(json.loads(message_summary_json(summary, flags)))
    first = json.loads(message_summary_json(*listed[0]))
    assert first["id"] == MessageRef("Archiv/2024", 9, 1).id and first["uid"] == 1
    assert first["mailbox"] == encode_mailbox_id("Archiv/2024")
    second = json.loads(message_summary_json(*listed[1]))
    assert second["subject"] == "Grüße" and second["preview"] == "hi there"
    assert second["has_attachments"] is True
    assert second["from"] == [{"name": "Jörg", "address": "j@example.test"}]
    assert second["to"] == [{"name": None, "address": "x@example.test"}]  # no group markers
    assert json.loads(message_summary_json(*listed[2]))["preview"] == "short"
    assert json.loads(message_summary_json(*listed[3]))["from"] == []


def test_serializer_writes_current_flags_over_a_cached_summary() -> None:
    summary, flags = _listed()[0]
    first = json.loads(message_summary_json(summary, flags))
    assert first["flags"] == ["\\Seen"]
    again = json.loads(message_summary_json(summary, ["\\Seen", "\\Flagged"]))
    assert again == {**first, "flags": ["\\Seen", "\\Flagged"]}


@pytest.mark.parametrize(("cursor", "total"), [(None, 4), ("abc", None)])
def test_list_serializer_writes_the_message_list_schema(
    cursor: str | None, total: int | None
) -> None:
    body = json.loads(message_list_json(MessagePage(_listed(), cursor, total)))
    assert MessageList.model_validate(body).model_dump(by_alias=True) == body
    assert body["next_cursor"] == cursor and body["total"] == total
    assert json.loads(message_list_json(MessagePage([], None, 0))) == {
        "items": [],
        "next_cursor": None,
        "total": 0,
        "state": None,
    }
    with_state = json.loads(message_list_json(MessagePage([], None, 0, state="st8")))
    assert MessageList.model_validate(with_state).state == "st8"


async def test_listing_of_real_messages_is_the_message_summary_schema(
    client, account, acct_url, mailstack
) -> None:
    mailstack.seed_maildir(
        account["email"],
        [
            make_message("plain"),
            make_message(
                "=?utf-8?q?Gr=C3=BC=C3=9Fe?=",
                sender="=?utf-8?q?J=C3=B6rg?= <j@ex.test>",
                to="team: a@ex.test, b@ex.test;",
                extra="Cc: c@ex.test\r\n",
            ),
            latin1_with_attachment(b"%PDF-1.4 data"),
            b"Subject: bare\r\n\r\nno from, no date\r\n",
        ],
    )
    for _ in range(2):  # the second listing comes from the cached summaries
        resp = await client.get(f"{acct_url}/mailboxes/INBOX/messages")
        assert resp.status_code == 200, resp.text
        items = resp.json()["items"]
        assert len(items) == 4
        for item in items:
            _assert_is_message_summary(item)
    assert {i["subject"] for i in items} >= {"plain", "Grüße", "bare"}
    assert any(i["has_attachments"] for i in items)
