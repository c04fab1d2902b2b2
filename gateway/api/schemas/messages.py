"""Messages (IMAP) as clients see them: summaries, full messages, flag and batch requests."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from ...errors import InvalidInput
from ...imap.structure import GmailFacts, MessagePage, Summary
from ...model.messages import (
    Address,
    Attachment,
    Draft,
    ParsedAddress,
    ParsedMessage,
    parse_address,
)
from ..params import MAILBOX_ADDRESSING, MAILBOX_ID_MAX, MESSAGE_ID_MAX, PAGE_MAX
from .common import StrictModel
from .mime import AddressOut, ParsedFields

# An IMAP system flag (RFC 3501 section 2.3.2, any case; servers refuse other "\\" names)
# or a keyword: an atom of printable ASCII without ( ) { % * " \\ ], at most 50 characters
# (Dovecot's default limit). The mail layer checks; the pattern says the same in the schema.
_SYSTEM_FLAGS = ("Answered", "Flagged", "Deleted", "Seen", "Draft")
FLAG_REGEX = (
    r"(?:\\(?:"
    + "|".join("".join(f"[{c.upper()}{c.lower()}]" for c in flag) for flag in _SYSTEM_FLAGS)
    + r")|[!#$&'+-\[^-z|}~]{1,50})"
)
Flag = Annotated[
    str,
    Field(
        min_length=1,
        max_length=51,
        json_schema_extra={"pattern": f"^{FLAG_REGEX}$"},
        examples=["\\Seen", "\\Flagged", "$Forwarded"],
    ),
]


class GmailInfo(BaseModel):
    """Gmail's own data on a message, from its IMAP extensions (X-GM-EXT-1). Present on
    accounts whose IMAP server offers X-GM-EXT-1 (Gmail, Google Workspace); null elsewhere."""

    labels: list[str] = Field(
        description=(
            "X-GM-LABELS: the message's Gmail labels now. System labels start with a backslash "
            "(\\Inbox, \\Important, \\Sent, \\Starred, \\Draft); user labels are their names "
            "(nested ones with '/'). Gmail may leave out the label of the mailbox being read; "
            "'[Gmail]/All Mail' shows them all."
        ),
        examples=[["\\Inbox", "\\Important", "Muy Importante"]],
    )
    thread_id: str | None = Field(
        description=(
            "X-GM-THRID: Gmail's thread id, a 64-bit number in decimal (a string: JavaScript "
            "numbers cannot hold every 64-bit value)"
        ),
        examples=["1266894439832287888"],
    )
    message_id: str | None = Field(
        description=(
            "X-GM-MSGID: Gmail's id of the message, the same in every mailbox and label, in decimal"
        ),
        examples=["1278455344230334865"],
    )
    thread_id_hex: str | None = Field(
        description=("thread_id as the Gmail API and web interface write it (hexadecimal)"),
        examples=["1194fb1d8f2d6390"],
    )
    message_id_hex: str | None = Field(
        description="message_id in hexadecimal (Gmail API)", examples=["11bdfc5cae0c8191"]
    )


def gmail_info_json(facts: GmailFacts | None) -> dict | None:
    """A ``GmailInfo`` as a dict for orjson (None off Gmail)."""
    if facts is None:
        return None
    thread, message = facts.thread_id, facts.message_id
    return {
        "labels": list(facts.labels),
        "thread_id": None if thread is None else str(thread),
        "message_id": None if message is None else str(message),
        "thread_id_hex": facts.hex(thread),
        "message_id_hex": facts.hex(message),
    }


THREAD_ID_DESCRIPTION = (
    "The message's thread: the server's (Gmail X-GM-THRID as gm.<hex>, RFC 8474 THREADID as "
    "s.<id>) or else built by the gateway from Message-ID, References and In-Reply-To (RFC 5256 "
    "REFERENCES; 16 characters, the same on every server for the same mail). A thread joined to "
    "an older one by a message that links them takes the older one's id. "
    "GET /v1/accounts/{account}/threads/{thread_id} lists its messages."
)


class MessageSummary(BaseModel):
    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    id: str = Field(description="Opaque; encodes mailbox, UIDVALIDITY and UID")
    uid: int
    mailbox: str = Field(description="The mailbox id")
    message_id: str | None = None
    subject: str | None = None
    from_: list[AddressOut] = Field(default_factory=list, alias="from")
    to: list[AddressOut] = Field(default_factory=list)
    cc: list[AddressOut] = Field(default_factory=list)
    date: str | None = Field(default=None, description="RFC 3339, UTC")
    size: int
    flags: list[str]
    has_attachments: bool
    preview: str | None = None
    thread_id: str | None = Field(
        default=None, description=THREAD_ID_DESCRIPTION, examples=["Kq3v9yJ0b5mWZx1c"]
    )
    thread_count: int | None = Field(
        default=None,
        description=(
            "With collapse_threads=true: how many messages of the listing (this mailbox, these "
            "filters) the thread has; this item is the newest of them. Null otherwise."
        ),
    )
    gmail: GmailInfo | None = Field(default=None, description="Gmail only (X-GM-EXT-1)")


class MessageList(BaseModel):
    items: list[MessageSummary]
    next_cursor: str | None = None
    total: int | None = None
    state: str | None = Field(
        default=None,
        description=(
            "The mailbox's change-feed state when the listing was taken: "
            "GET .../mailboxes/{mailbox}/changes?since=<state> gives what changed after it"
        ),
    )


# The listing's one serializer: ``MessageSummary`` documents the shape, these functions write
# it (tests/mail/test_listing_json.py checks the two agree). Validating 500 items through
# pydantic is measurable, so each message's JSON is built once per cached summary and only
# its flags are written per request.


def _address_json(address: ParsedAddress) -> dict[str, str | None]:
    return {"name": address.name, "address": address.address}


_NO_GMAIL = b',"gmail":null}'


def message_summary_json(
    summary: Summary,
    flags: list[str],
    labels: tuple[str, ...] | None = None,
    thread_id: str | None = None,
    thread_count: int | None = None,
) -> bytes:
    """One ``MessageSummary`` as JSON; ``labels`` (Gmail's, on Gmail) make its ``gmail``."""
    head = summary.rendered
    if head is None:
        head = summary.rendered = (
            orjson.dumps(
                {
                    "id": summary.id,
                    "uid": summary.uid,
                    "mailbox": summary.mailbox,
                    "message_id": summary.message_id,
                    "subject": summary.subject,
                    "from": [_address_json(a) for a in summary.from_],
                    "to": [_address_json(a) for a in summary.to],
                    "cc": [_address_json(a) for a in summary.cc],
                    "date": summary.date,
                    "size": summary.size,
                    "has_attachments": summary.has_attachments,
                    "preview": summary.preview,
                }
            )[:-1]
            + b',"thread_id":'
        )
    head += orjson.dumps(thread_id)
    head += (
        b',"thread_count":null,"flags":'
        if thread_count is None
        else b',"thread_count":%d,"flags":' % thread_count
    )
    if labels is None:
        return head + orjson.dumps(flags) + _NO_GMAIL
    facts = GmailFacts.of(summary, labels)
    return head + orjson.dumps(flags) + b',"gmail":' + orjson.dumps(gmail_info_json(facts)) + b"}"


def _items_json(page: MessagePage) -> bytes:
    labels, ids, counts = page.labels, page.thread_ids or {}, page.thread_counts or {}
    if labels is None:
        return b",".join(
            [
                message_summary_json(
                    summary, flags, None, ids.get(summary.id), counts.get(summary.id)
                )
                for summary, flags in page.items
            ]
        )
    return b",".join(
        [
            message_summary_json(
                summary,
                flags,
                labels.get(summary.uid, ()),
                ids.get(summary.id),
                counts.get(summary.id),
            )
            for summary, flags in page.items
        ]
    )


def message_list_json(page: MessagePage) -> bytes:
    """A ``MessageList`` as JSON."""
    items = _items_json(page)
    rest = orjson.dumps({"next_cursor": page.next_cursor, "total": page.total, "state": page.state})
    return b'{"items":[' + items + b"]," + rest[1:]


class ThreadOut(BaseModel):
    """A thread's messages across the account's mailboxes."""

    id: str = Field(
        description="The thread id (it may differ from the one asked for when "
        "the thread was joined to an older one meanwhile)"
    )
    items: list[MessageSummary]
    total: int = Field(
        description="How many messages of the thread were found (items holds at most limit of them)"
    )


def thread_json(thread_id: str, page: MessagePage) -> bytes:
    """A ``ThreadOut`` as JSON (the id: the one its messages have now)."""
    ids = {tid for tid in (page.thread_ids or {}).values() if tid}
    shown = ids.pop() if len(ids) == 1 else thread_id
    return (
        b'{"id":'
        + orjson.dumps(shown)
        + b',"items":['
        + _items_json(page)
        + b'],"total":%d}' % (page.total or 0)
    )


class BounceOut(BaseModel):
    """One recipient of a delivery status notification (RFC 3464)."""

    recipient: str = Field(examples=["nobody@example.com"])
    action: str = Field(
        description="failed, delayed, delivered, relayed or expanded", examples=["failed"]
    )
    status: str | None = Field(description="RFC 3463 enhanced status code", examples=["5.1.1"])
    diagnostic: str | None = Field(
        description="The reporting server's words, e.g. the remote server's SMTP reply",
        examples=["smtp; 550 5.1.1 <nobody@example.com>: User unknown"],
    )


class MessageOut(ParsedFields):
    """A whole message, parsed; reading it does not set \\Seen."""

    id: str
    uid: int
    mailbox: str = Field(description="The mailbox id")
    thread_id: str | None = Field(default=None, description=THREAD_ID_DESCRIPTION)
    flags: list[str]
    size: int
    preview: str | None = None
    reply_text: str | None = Field(
        default=None,
        description=(
            "The reply-only text: the message's new text without the quoted history (quoted "
            "lines and their attribution, Outlook's original-message block, forwarded messages) "
            "and without the signature; from the HTML when there is no plain text. The full text "
            "stays in text. Null when the message has no text."
        ),
    )
    bounce: list[BounceOut] | None = Field(
        default=None,
        description=(
            "For a delivery status notification (a bounce: RFC 3464 reports and the common "
            "plain-text shapes) the recipients it reports on; null for any other message"
        ),
    )
    bounced_message_id: str | None = Field(
        default=None,
        description=(
            "For a bounce: the Message-ID of the message that bounced, when the bounce tells"
        ),
    )
    gmail: GmailInfo | None = Field(default=None, description="Gmail only (X-GM-EXT-1)")

    @classmethod
    def parsed_kwargs(cls, parsed: ParsedMessage) -> dict[str, Any]:
        report = parsed.bounce
        return super().parsed_kwargs(parsed) | {
            "reply_text": parsed.reply_text,
            "bounce": None
            if report is None
            else [
                BounceOut(
                    recipient=b.recipient, action=b.action, status=b.status, diagnostic=b.diagnostic
                )
                for b in report.recipients
            ],
            "bounced_message_id": None if report is None else report.original_message_id,
        }


# A Gmail label as the API takes it: printable, no control characters (the IMAP layer
# checks the same, and its length in modified UTF-7).
Label = Annotated[
    str,
    Field(
        min_length=1,
        max_length=1000,
        pattern=r"^[^\x00-\x1f\x7f-\x9f]+$",
        examples=["\\Starred", "Receipts/2024"],
    ),
]


class LabelChanges(StrictModel):
    """Gmail only (X-GM-EXT-1): labels to add and remove, or the whole set."""

    add: list[Label] = Field(default_factory=list, max_length=100)
    remove: list[Label] = Field(default_factory=list, max_length=100)
    set: list[Label] | None = Field(
        default=None, max_length=100, description="Replace all labels (then add/remove apply)"
    )


class LabelsOut(BaseModel):
    id: str
    labels: list[str]


class FlagChanges(StrictModel):
    add: list[Flag] = Field(default_factory=list, max_length=100)
    remove: list[Flag] = Field(default_factory=list, max_length=100)
    set: list[Flag] | None = Field(
        default=None, max_length=100, description="Replace all flags (then add/remove apply)"
    )


class FlagsUpdate(StrictModel):
    flags: FlagChanges


class FlagsOut(BaseModel):
    id: str
    flags: list[str]


class MailboxTarget(StrictModel):
    mailbox: Annotated[
        str,
        Field(
            min_length=1,
            max_length=MAILBOX_ID_MAX,
            description=MAILBOX_ADDRESSING,
            examples=["Archive"],
        ),
    ]


class MessageIdOut(BaseModel):
    id: str | None = Field(description="The new message id; null when the server has no UIDPLUS")


class BatchRequest(StrictModel):
    # What the mail service checks, said in the schema too: move and copy need 'mailbox',
    # the flag action needs 'flags'.
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "allOf": [
                {
                    "if": {
                        "properties": {"action": {"enum": ["move", "copy"]}},
                        "required": ["action"],
                    },
                    "then": {
                        "properties": {"mailbox": {"type": "string"}},
                        "required": ["mailbox"],
                    },
                },
                {
                    "if": {"properties": {"action": {"const": "flag"}}, "required": ["action"]},
                    "then": {"properties": {"flags": {"type": "object"}}, "required": ["flags"]},
                },
            ]
        },
    )

    ids: list[Annotated[str, Field(min_length=1, max_length=MESSAGE_ID_MAX)]] = Field(
        min_length=1, max_length=PAGE_MAX
    )
    action: Literal["flag", "move", "copy", "delete"]
    flags: FlagChanges | None = None
    mailbox: Annotated[str, Field(min_length=1, max_length=MAILBOX_ID_MAX)] | None = None
    permanent: StrictBool = False


class BatchItem(BaseModel):
    id: str
    ok: bool
    error: str | None = None
    new_id: str | None = None
    flags: list[str] | None = None


class BatchResult(BaseModel):
    items: list[BatchItem]


AddressIn = Annotated[str, Field(max_length=998)] | AddressOut


class DraftAttachment(StrictModel):
    filename: Annotated[str, Field(max_length=255)] | None = None
    content_type: Annotated[str, Field(max_length=255)] = "application/octet-stream"
    content: str = Field(description="base64")
    content_id: Annotated[str, Field(max_length=998)] | None = None
    inline: StrictBool = False


class DraftIn(StrictModel):
    """A JSON draft to append (built like a message to send, but not sent)."""

    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    from_: AddressIn | None = Field(default=None, alias="from")
    to: list[AddressIn] = Field(default_factory=list, max_length=500)
    cc: list[AddressIn] = Field(default_factory=list, max_length=500)
    bcc: list[AddressIn] = Field(default_factory=list, max_length=500)
    reply_to: list[AddressIn] = Field(default_factory=list, max_length=50)
    subject: Annotated[str, Field(max_length=998)] = ""
    text: str | None = None
    html: str | None = None
    attachments: list[DraftAttachment] = Field(default_factory=list, max_length=100)
    headers: dict[str, str] = Field(default_factory=dict, max_length=100)

    def to_draft(self, default_from: str) -> Draft:
        """The builder's draft; addresses validated, attachments decoded."""

        def addr(value: str | AddressOut, where: str) -> Address:
            if isinstance(value, AddressOut):
                value = Address(value.address, value.name)
            return parse_address(value, where=where)

        attachments = []
        for index, att in enumerate(self.attachments):
            try:
                content = base64.b64decode(att.content, validate=True)
            except (binascii.Error, ValueError):
                raise InvalidInput(f"attachments[{index}].content: not base64") from None
            attachments.append(
                Attachment(att.filename, att.content_type, content, att.content_id, att.inline)
            )
        return Draft(
            sender=addr(self.from_ or default_from, "from"),
            to=[addr(a, "to") for a in self.to],
            cc=[addr(a, "cc") for a in self.cc],
            bcc=[addr(a, "bcc") for a in self.bcc],
            reply_to=[addr(a, "reply_to") for a in self.reply_to],
            subject=self.subject,
            text=self.text,
            html=self.html,
            attachments=attachments,
            headers=dict(self.headers),
        )
