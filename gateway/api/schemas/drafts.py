"""Drafts and forwards as clients see them: the send request's shape, saved or forwarded."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from ...outbox.drafts import DraftSend, SavedDraft
from ...outbox.forward import Forward
from ...outbox.outgoing import OutgoingMessage
from .common import StrictModel
from .messages import MessageOut
from .mime import AddressOut
from .send import MessageContent, MessageParts, SaveToSent, SendAt, SendMode

# The body's names of the fields a PATCH may give, and the send service's.
_FIELD_NAMES = {"from_": "sender"}


class DraftRequest(MessageContent):
    """A draft: what a message to send says, without how it is sent. Nothing is required (a
    draft may have no recipient yet); Bcc is kept in the draft. `in_reply_to` makes it a
    reply: threaded now, and the original flagged \\Answered once the draft is sent."""

    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
        json_schema_extra={
            "examples": [{"to": ["bob@example.com"], "subject": "Plans", "text": "Half done."}]
        },
    )

    def given(self) -> list[str]:
        """The send service's names of the fields the body gave (a PATCH changes those)."""
        return [_FIELD_NAMES.get(name, name) for name in self.model_fields_set]


class DraftSaved(BaseModel):
    """A draft as saved: a new version, with a new id."""

    id: str = Field(
        description="The draft's id: the message id of this version. Every "
        "update saves a new version, with a new id"
    )
    message_id: str = Field(description="The Message-ID of this version")
    previous_id: str | None = Field(
        description="The id of the version this update replaced (gone now); null for a new draft"
    )

    @classmethod
    def of(cls, saved: SavedDraft) -> DraftSaved:
        return cls(id=saved.id, message_id=saved.message_id, previous_id=saved.previous_id)


class DraftOut(MessageOut):
    """A draft, read as a message of the Drafts mailbox is (reading it sets no flag)."""

    bcc: list[AddressOut] = Field(default_factory=list)
    in_reply_to_id: str | None = Field(
        default=None,
        description=(
            "The message id (of this API) of the message this draft answers: its in_reply_to "
            "when saved"
        ),
    )


class DraftSendRequest(StrictModel):
    """How to send a draft (all optional: now, with a copy in Sent)."""

    save_to_sent: SaveToSent = None
    send_at: SendAt = None
    mode: SendMode = "sync"

    def options(self) -> DraftSend:
        return DraftSend(save_to_sent=self.save_to_sent, send_at=self.send_at, mode=self.mode)


class ForwardRequest(MessageParts):
    """A forward of a message: the new message's recipients and the sender's own words;
    the original goes inline (with its attachments) or whole as an attachment."""

    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
        json_schema_extra={"examples": [{"to": ["carol@example.com"], "text": "See below."}]},
    )

    subject: Annotated[str, Field(max_length=2000)] | None = Field(
        default=None, description='Default: "Fwd: " and the original\'s subject'
    )
    as_attachment: StrictBool = Field(
        default=False,
        description="true: the original goes whole, as a message/rfc822 "
        'attachment; false: inline, after a "Forwarded message" block (From, Date, '
        "Subject, To), its attachments attached again",
    )
    save_to_sent: SaveToSent = None
    send_at: SendAt = None
    mode: SendMode = "sync"

    def forward(self) -> Forward:
        message: OutgoingMessage = self.outgoing(
            subject="", save_to_sent=self.save_to_sent, send_at=self.send_at, mode=self.mode
        )
        return Forward(message=message, subject=self.subject, as_attachment=self.as_attachment)
