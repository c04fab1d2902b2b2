"""Response shapes of a parsed message, shared by the IMAP and POP3 resources."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field

from ...model.messages import AttachmentInfo, ParsedMessage
from ...model.messages import ParsedAddress as Address


class AddressOut(BaseModel):
    name: str | None = None
    address: str

    @classmethod
    def of(cls, address: Address) -> AddressOut:
        return cls(name=address.name, address=address.address)


class HeaderOut(BaseModel):
    name: str
    value: str


class AttachmentOut(BaseModel):
    id: str = Field(description="IMAP body part number (RFC 3501 6.4.5), e.g. '2' or '1.2'")
    filename: str | None = None
    content_type: str
    size: int = Field(
        description=(
            "size in bytes of what the attachment download returns: the part decoded from "
            "base64 or quoted-printable (other transfer encodings as stored); an attached "
            "message (message/rfc822) is the whole encapsulated message"
        )
    )
    content_id: str | None = None
    inline: bool = False

    @classmethod
    def of(cls, info: AttachmentInfo, **extra: Any) -> Self:
        return cls(
            id=info.id,
            filename=info.filename,
            content_type=info.content_type,
            size=info.size,
            content_id=info.content_id,
            inline=info.inline,
            **extra,
        )


def _addresses(items: list[Address]) -> list[AddressOut]:
    return [AddressOut(name=a.name, address=a.address) for a in items]


class ParsedFields(BaseModel):
    """The fields every parsed message shows; ``from`` is ``from_`` in Python."""

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    message_id: str | None = None
    subject: str | None = None
    from_: list[AddressOut] = Field(default_factory=list, alias="from")
    to: list[AddressOut] = Field(default_factory=list)
    cc: list[AddressOut] = Field(default_factory=list)
    reply_to: list[AddressOut] = Field(default_factory=list)
    date: datetime | None = None
    headers: list[HeaderOut] = Field(default_factory=list)
    text: str | None = None
    html: str | None = None
    in_reply_to: str | None = None
    references: list[str] = Field(default_factory=list)
    attachments: list[AttachmentOut] = Field(default_factory=list)
    has_attachments: bool = False

    @classmethod
    def parsed_kwargs(cls, parsed: ParsedMessage) -> dict[str, Any]:
        """The constructor arguments for ``parsed`` (subclasses add their own fields)."""
        return {
            "message_id": parsed.message_id,
            "subject": parsed.subject,
            "from_": _addresses(parsed.from_),
            "to": _addresses(parsed.to),
            "cc": _addresses(parsed.cc),
            "reply_to": _addresses(parsed.reply_to),
            "date": parsed.date,
            "headers": [HeaderOut(name=n, value=v) for n, v in parsed.headers],
            "text": parsed.text,
            "html": parsed.html,
            "in_reply_to": parsed.in_reply_to,
            "references": list(parsed.references),
            "attachments": [AttachmentOut.of(a) for a in parsed.attachments],
            "has_attachments": parsed.has_attachments,
        }

    @classmethod
    def from_parsed(cls, parsed: ParsedMessage, **extra: Any) -> Self:
        """Build from a ``ParsedMessage``; ``extra`` sets or overrides subclass fields."""
        return cls(**(cls.parsed_kwargs(parsed) | extra))
