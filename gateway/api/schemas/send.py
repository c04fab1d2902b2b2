"""Sending (JSON and raw) and the outbox, as clients see them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from ...model.accounts import JsonDateTime
from ...model.messages import Address
from ...model.records import OutboxJob
from ...outbox.outgoing import AddressInput, AttachmentInput, OutgoingMessage
from ...outbox.results import Queued, SendOutcome, refusal_json
from .common import StrictModel

MAX_RECIPIENTS = 1000


class AddressIn(StrictModel):
    name: Annotated[str, Field(max_length=256, examples=["Bob"])] | None = None
    address: Annotated[str, Field(max_length=320, examples=["bob@example.com"])]


AddressLike = AddressIn | Annotated[str, Field(max_length=600)]


class AttachmentIn(StrictModel):
    filename: Annotated[str, Field(max_length=255)] | None = None
    content_type: Annotated[str, Field(max_length=255)] = "application/octet-stream"
    content: str = Field(description="The file, base64-encoded")
    content_id: Annotated[str, Field(max_length=255)] | None = Field(
        default=None, description="Set to reference the part from the html as `cid:<content_id>`"
    )
    inline: StrictBool = False


SaveToSent = Annotated[
    StrictBool | None,
    Field(description="Copy to the Sent mailbox (default: when the account has IMAP)"),
]
SendAt = Annotated[JsonDateTime | None, Field(description="Queue until this time")]
SendMode = Literal["sync", "queue"]


class MessageParts(StrictModel):
    """What a message says, as a send request, a draft and a forward take it."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: AddressLike | None = Field(
        default=None, alias="from", description="Defaults to the account's address"
    )
    to: list[AddressLike] = Field(default_factory=list, max_length=MAX_RECIPIENTS)
    cc: list[AddressLike] = Field(default_factory=list, max_length=MAX_RECIPIENTS)
    bcc: list[AddressLike] = Field(default_factory=list, max_length=MAX_RECIPIENTS)
    reply_to: AddressLike | list[AddressLike] | None = None
    subject: Annotated[str, Field(max_length=2000)] = ""
    text: str | None = None
    html: str | None = None
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=100)
    headers: dict[str, str] = Field(default_factory=dict, max_length=50)

    def outgoing(self, **options: Any) -> OutgoingMessage:
        """The send service's typed form of this body (``options``: how it is sent, and
        what a subclass adds)."""
        reply_to = self.reply_to
        fields: dict[str, Any] = dict(
            sender=_address_input(self.from_) if self.from_ is not None else None,
            to=tuple(map(_address_input, self.to)),
            cc=tuple(map(_address_input, self.cc)),
            bcc=tuple(map(_address_input, self.bcc)),
            reply_to=(
                tuple(map(_address_input, reply_to))
                if isinstance(reply_to, list)
                else None
                if reply_to is None
                else _address_input(reply_to)
            ),
            subject=self.subject,
            text=self.text,
            html=self.html,
            attachments=tuple(
                AttachmentInput(
                    content_base64=a.content,
                    filename=a.filename,
                    content_type=a.content_type,
                    content_id=a.content_id,
                    inline=a.inline,
                )
                for a in self.attachments
            ),
            headers=dict(self.headers),
        )
        return OutgoingMessage(**(fields | options))


class MessageContent(MessageParts):
    """A message's content, a reply's link to the message it answers included."""

    in_reply_to: Annotated[str, Field(max_length=1024)] | None = Field(
        default=None,
        description="A message id of this API: threads the reply and flags "
        "the original \\Answered after the send",
    )

    def outgoing(self, **options: Any) -> OutgoingMessage:
        return super().outgoing(in_reply_to=self.in_reply_to, **options)


class SendRequest(MessageContent):
    """A message to send. An address is `"a@b"`, `"Name <a@b>"` or `{name, address}`."""

    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
        json_schema_extra={
            "examples": [{"to": ["bob@example.com"], "subject": "Hi", "text": "Hello Bob."}]
        },
    )

    save_to_sent: SaveToSent = None
    send_at: SendAt = None
    mode: SendMode = "sync"

    def outgoing(self, **options: Any) -> OutgoingMessage:
        """The send service's typed form of this body."""
        return super().outgoing(
            save_to_sent=self.save_to_sent, send_at=self.send_at, mode=self.mode, **options
        )


def _address_input(value: AddressIn | str) -> AddressInput:
    if isinstance(value, AddressIn):
        return Address(address=value.address, name=value.name)
    return value


class RejectedRecipient(BaseModel):
    address: str
    code: int
    message: str


class SendResult(BaseModel):
    """`mode=sync`: the SMTP server took the message."""

    message_id: str
    accepted: list[str]
    rejected: list[RejectedRecipient]
    queue_id: str | None = Field(description="null: sync sends do not go through the outbox")
    smtp_response: str
    saved_to_sent: bool | None = Field(
        default=None,
        description="null: not requested; false: the copy failed (see sent_error). "
        "On Gmail (its IMAP server offers X-GM-EXT-1) Gmail files sent mail in its Sent Mail "
        "itself, so the gateway appends no copy: true",
    )
    sent_error: str | None = None


class SendQueued(BaseModel):
    """`mode=queue` or `send_at`: the message is in the durable outbox."""

    queue_id: str
    status_url: str
    message_id: str
    send_at: datetime | None = None


def send_outcome_json(result: SendOutcome) -> bytes:
    """The one serializer of a send's answer: ``SendQueued`` or ``SendResult``."""
    if isinstance(result, Queued):
        body: dict[str, Any] = {
            "queue_id": result.queue_id,
            "status_url": f"/v1/outbox/{result.queue_id}",
            "message_id": result.message_id,
            "send_at": result.send_at.isoformat() if result.send_at else None,
        }
    else:
        body = {
            "message_id": result.message_id,
            "accepted": result.accepted,
            "rejected": [refusal_json(r) for r in result.rejected],
            "queue_id": None,
            "smtp_response": result.smtp_response,
            "saved_to_sent": result.saved_to_sent,
            "sent_error": result.sent_error,
        }
    # orjson: the stdlib encoder costs more per request.
    return orjson.dumps(body)


class OutboxAttempt(BaseModel):
    model_config = ConfigDict(extra="allow")

    at: datetime
    ok: bool
    error: str | None = None
    code: int | None = None


class OutboxItem(BaseModel):
    queue_id: str
    account: str
    status: Literal["queued", "sending", "sent", "failed", "cancelled"]
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    message_id: str
    smtp_response: str | None
    mail_from: str
    rcpt_to: list[str]
    accepted: list[str] | None = None
    rejected: list[RejectedRecipient] | None = None
    history: list[OutboxAttempt] = Field(default_factory=list)
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, job: OutboxJob) -> OutboxItem:
        """The one serializer of a queued message (never its raw content)."""
        return cls(
            queue_id=job.id,
            account=job.account_id,
            status=job.status,
            attempts=job.attempts,
            next_attempt_at=job.next_attempt_at if job.status == "queued" else None,
            last_error=job.last_error,
            message_id=job.message_id,
            smtp_response=job.smtp_response,
            mail_from=job.mail_from,
            rcpt_to=job.rcpt_to,
            accepted=job.accepted,
            rejected=job.rejected,
            history=job.history,
            created_at=job.created_at,
            updated_at=job.updated_at,
        )


class OutboxList(BaseModel):
    items: list[OutboxItem]
    next_cursor: str | None = None
