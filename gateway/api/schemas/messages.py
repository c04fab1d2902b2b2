"""Messages (IMAP) as clients see them: summaries, full messages, flag and batch requests."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from ...errors import InvalidInput
from ...imap.structure import MessagePage, Summary
from ...model.messages import Address, Attachment, Draft, ParsedAddress, parse_address
from ..params import MAILBOX_ID_MAX, MESSAGE_ID_MAX, PAGE_MAX
from .common import StrictModel
from .mime import AddressOut, ParsedFields

# An IMAP system flag (RFC 3501 section 2.3.2, any case; servers refuse other "\\" names)
# or a keyword: an atom of printable ASCII without ( ) { % * " \\ ], at most 50 characters
# (Dovecot's default limit). The mail layer checks; the pattern says the same in the schema.
_SYSTEM_FLAGS = ("Answered", "Flagged", "Deleted", "Seen", "Draft")
FLAG_REGEX = (r"(?:\\(?:" + "|".join("".join(f"[{c.upper()}{c.lower()}]" for c in flag)
                                     for flag in _SYSTEM_FLAGS)
              + r")|[!#$&'+-\[^-z|}~]{1,50})")
Flag = Annotated[str, Field(min_length=1, max_length=51,
                            json_schema_extra={"pattern": f"^{FLAG_REGEX}$"},
                            examples=["\\Seen", "\\Flagged", "$Forwarded"])]


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


class MessageList(BaseModel):
    items: list[MessageSummary]
    next_cursor: str | None = None
    total: int | None = None


# The listing's one serializer: ``MessageSummary`` documents the shape, these functions write
# it (tests/mail/test_listing_json.py checks the two agree). Validating 500 items through
# pydantic is measurable, so each message's JSON is built once per cached summary and only
# its flags are written per request.


def _address_json(address: ParsedAddress) -> dict[str, str | None]:
    return {"name": address.name, "address": address.address}


def message_summary_json(summary: Summary, flags: list[str]) -> bytes:
    """One ``MessageSummary`` as JSON."""
    head = summary.rendered
    if head is None:
        head = summary.rendered = orjson.dumps({
            "id": summary.id, "uid": summary.uid, "mailbox": summary.mailbox,
            "message_id": summary.message_id, "subject": summary.subject,
            "from": [_address_json(a) for a in summary.from_],
            "to": [_address_json(a) for a in summary.to],
            "cc": [_address_json(a) for a in summary.cc],
            "date": summary.date, "size": summary.size,
            "has_attachments": summary.has_attachments, "preview": summary.preview,
        })[:-1] + b',"flags":'
    return head + orjson.dumps(flags) + b"}"


def message_list_json(page: MessagePage) -> bytes:
    """A ``MessageList`` as JSON."""
    items = b",".join([message_summary_json(summary, flags) for summary, flags in page.items])
    rest = orjson.dumps({"next_cursor": page.next_cursor, "total": page.total})
    return b'{"items":[' + items + b"]," + rest[1:]


class MessageOut(ParsedFields):
    """A whole message, parsed; reading it does not set \\Seen."""

    id: str
    uid: int
    mailbox: str = Field(description="The mailbox id")
    flags: list[str]
    size: int
    preview: str | None = None


class FlagChanges(StrictModel):
    add: list[Flag] = Field(default_factory=list, max_length=100)
    remove: list[Flag] = Field(default_factory=list, max_length=100)
    set: list[Flag] | None = Field(default=None, max_length=100,
                                   description="Replace all flags (then add/remove apply)")


class FlagsUpdate(StrictModel):
    flags: FlagChanges


class FlagsOut(BaseModel):
    id: str
    flags: list[str]


class MailboxTarget(StrictModel):
    mailbox: Annotated[str, Field(min_length=1, max_length=MAILBOX_ID_MAX,
                                  description="A mailbox id (or 'INBOX')")]


class MessageIdOut(BaseModel):
    id: str | None = Field(description="The new message id; null when the server has no UIDPLUS")


class BatchRequest(StrictModel):
    # What the mail service checks, said in the schema too: move and copy need 'mailbox',
    # the flag action needs 'flags'.
    model_config = ConfigDict(extra="forbid", json_schema_extra={"allOf": [
        {"if": {"properties": {"action": {"enum": ["move", "copy"]}}, "required": ["action"]},
         "then": {"properties": {"mailbox": {"type": "string"}}, "required": ["mailbox"]}},
        {"if": {"properties": {"action": {"const": "flag"}}, "required": ["action"]},
         "then": {"properties": {"flags": {"type": "object"}}, "required": ["flags"]}},
    ]})

    ids: list[Annotated[str, Field(min_length=1, max_length=MESSAGE_ID_MAX)]] = Field(
        min_length=1, max_length=PAGE_MAX)
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
            attachments.append(Attachment(att.filename, att.content_type, content,
                                          att.content_id, att.inline))
        return Draft(
            sender=addr(self.from_ or default_from, "from"),
            to=[addr(a, "to") for a in self.to], cc=[addr(a, "cc") for a in self.cc],
            bcc=[addr(a, "bcc") for a in self.bcc],
            reply_to=[addr(a, "reply_to") for a in self.reply_to],
            subject=self.subject, text=self.text, html=self.html, attachments=attachments,
            headers=dict(self.headers),
        )
