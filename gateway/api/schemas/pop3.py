"""POP3 resources: STAT, the listing with ``seen``, retrieval requests and items."""

from __future__ import annotations

import base64
from typing import Annotated, Literal

import orjson
from pydantic import BaseModel, Field

from ...pop3 import Pop3Entry, RetrievedItem
from ...protocols.mime_parse import parse_message, parse_message_with_content
from .common import StrictModel
from .mime import AttachmentOut, ParsedFields

Pop3Format = Literal["parsed", "raw"]
UIDL_PATTERN = r"^[!-~]{1,70}$"  # RFC 1939 section 7: 1-70 characters 0x21-0x7E


class Pop3Stat(BaseModel):
    count: int = Field(description="messages in the maildrop")
    size: int = Field(description="maildrop size in octets")


class Pop3MessageOut(BaseModel):
    uidl: str
    number: int = Field(description="message number in this session (changes between sessions)")
    size: int
    seen: bool = Field(description="already retrieved through this gateway")

    @classmethod
    def of(cls, entry: Pop3Entry) -> Pop3MessageOut:
        return cls(uidl=entry.uidl, number=entry.number, size=entry.size, seen=entry.seen)


class Pop3MessageList(BaseModel):
    items: list[Pop3MessageOut]
    next_cursor: str | None = None
    total: int


class Pop3RetrieveRequest(StrictModel):
    only_new: bool = Field(True, description="skip messages already retrieved through the gateway")
    delete: bool = Field(False, description="DELE each message once it was fully sent; "
                                            "needs the 'write' scope")
    limit: Annotated[int, Field(ge=1, le=1_000_000)] | None = Field(
        None, description="at most this many messages (JSON form: default 100)")
    headers_only: bool = Field(False, description="only the header block (TOP n 0); "
                                                  "such items are not marked seen")
    format: Pop3Format = "parsed"


class Pop3AttachmentOut(AttachmentOut):
    content: str = Field(description="the decoded content, base64")


class Pop3ParsedItem(ParsedFields):
    uidl: str
    number: int
    size: int = Field(description="octets on the server")
    seen: bool = Field(description="had been retrieved through the gateway before")
    preview: str | None = None
    attachments: list[Pop3AttachmentOut] = Field(default_factory=list)


class Pop3RawItem(BaseModel):
    uidl: str
    number: int
    size: int
    seen: bool
    raw: str = Field(description="the RFC 5322 source (or header block), base64")


class Pop3RetrieveOut(BaseModel):
    """The JSON form; with ``Accept: application/x-ndjson`` one item per line instead."""

    items: list[Pop3ParsedItem | Pop3RawItem]
    remaining: int = Field(description="matching messages left for a later call")


def parsed_item(item: RetrievedItem, *, headers_only: bool = False) -> Pop3ParsedItem:
    if headers_only:
        parsed, contents = parse_message(item.raw, headers_only=True), {}
    else:
        parsed, contents = parse_message_with_content(item.raw)
    attachments = [
        Pop3AttachmentOut.of(a, content=base64.b64encode(contents.get(a.id, b"")).decode())
        for a in parsed.attachments
    ]
    return Pop3ParsedItem.from_parsed(
        parsed, uidl=item.uidl, number=item.number, size=item.size, seen=item.seen,
        preview=parsed.preview, attachments=attachments)


def encode_item(item: RetrievedItem, fmt: Pop3Format, *, headers_only: bool = False) -> bytes:
    """One retrieved item as JSON bytes (the same shape in the JSON and NDJSON forms)."""
    if fmt == "raw":
        return orjson.dumps({"uidl": item.uidl, "number": item.number, "size": item.size,
                             "seen": item.seen, "raw": base64.b64encode(item.raw).decode()})
    return parsed_item(item, headers_only=headers_only).model_dump_json().encode()
