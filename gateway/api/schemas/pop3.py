"""POP3 resources: STAT, the listing with ``seen``, retrieval requests and items."""

from __future__ import annotations

import base64
from typing import Annotated, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from ...model.accounts import JSON_INTEGER
from ...pop3 import Pop3Entry, RetrievalOutcome, RetrievedItem
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
    # The retrieval refuses 'delete' with 'headers_only' (a DELE needs the whole message
    # sent): said in the schema too.
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "not": {
                "properties": {"delete": {"const": True}, "headers_only": {"const": True}},
                "required": ["delete", "headers_only"],
            }
        },
    )

    only_new: StrictBool = Field(
        True, description="skip messages already retrieved through the gateway"
    )
    delete: StrictBool = Field(
        False, description="DELE each message once it was fully sent; needs the 'write' scope"
    )
    limit: Annotated[int, Field(ge=1, le=1_000_000), JSON_INTEGER] | None = Field(
        None, description="at most this many messages (JSON form: default 100)"
    )
    headers_only: StrictBool = Field(
        False, description="only the header block (TOP n 0); such items are not marked seen"
    )
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


class Pop3RetrieveError(BaseModel):
    """What ended a retrieval after the response had begun (its status can no longer change)."""

    status: int = Field(description="the HTTP status this error has elsewhere")
    code: str
    detail: str


class Pop3RetrieveEnd(BaseModel):
    """How a retrieval ended: the last NDJSON line, or members of the JSON body."""

    complete: bool = Field(
        description="every message this call took on was sent and, with "
        "'delete', deleted (the server confirmed the QUIT)"
    )
    reason: str | None = Field(
        description="null when complete and nothing is left; 'limit' "
        "when complete but 'limit' left messages; else "
        "why it ended early (an error code)"
    )
    delivered: int = Field(description="messages confirmed as delivered")
    deleted: int = Field(description="messages deleted on the server by this call")
    remaining: int = Field(
        description="matching messages left for a later call; after an "
        "early end this includes messages that went out but "
        "were not yet confirmed as delivered"
    )
    error: Pop3RetrieveError | None = Field(None, description="only after an early end")
    summary: str = Field(
        "",
        description="the same in words, for people reading the body: "
        "`0 messages delivered (nothing new), 0 deleted, 0 left`",
    )


class Pop3RetrieveOut(Pop3RetrieveEnd):
    """The JSON form; with ``Accept: application/x-ndjson`` one item per line instead,
    then one ``Pop3RetrieveEnd`` line."""

    items: list[Pop3ParsedItem | Pop3RawItem]


def encode_end(outcome: RetrievalOutcome, error: Pop3RetrieveError | None) -> bytes:
    """The end of a retrieval as a JSON object (the NDJSON last line; JSON body members)."""
    end = Pop3RetrieveEnd(
        complete=outcome.complete,
        reason=outcome.reason,
        delivered=outcome.delivered,
        deleted=outcome.deleted,
        remaining=outcome.remaining,
        error=error,
        summary=summary(outcome),
    )
    return end.model_dump_json(exclude={"error"} if error is None else None).encode()


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def summary(outcome: RetrievalOutcome) -> str:
    """How a retrieval ended, in words (``Pop3RetrieveEnd.summary``)."""
    text = _count(outcome.delivered, "message") + " delivered"
    if outcome.delivered == 0 and outcome.complete and not outcome.remaining:
        text += " (nothing new)" if outcome.reason is None else ""
    text += f", {outcome.deleted} deleted, {outcome.remaining} left"
    if not outcome.complete:
        text += f"; ended early ({outcome.reason})"
    elif outcome.reason == "limit":
        text += " (the limit was reached: retrieve again for more)"
    return text


def parsed_item(item: RetrievedItem, *, headers_only: bool = False) -> Pop3ParsedItem:
    parsed, contents = item.parsed(headers_only=headers_only)
    attachments = [
        Pop3AttachmentOut.of(a, content=base64.b64encode(contents.get(a.id, b"")).decode())
        for a in parsed.attachments
    ]
    return Pop3ParsedItem.from_parsed(
        parsed,
        uidl=item.uidl,
        number=item.number,
        size=item.size,
        seen=item.seen,
        preview=parsed.preview,
        attachments=attachments,
    )


def encode_item(item: RetrievedItem, fmt: Pop3Format, *, headers_only: bool = False) -> bytes:
    """One retrieved item as JSON bytes (the same shape in the JSON and NDJSON forms)."""
    if fmt == "raw":
        return orjson.dumps(
            {
                "uidl": item.uidl,
                "number": item.number,
                "size": item.size,
                "seen": item.seen,
                "raw": base64.b64encode(item.raw).decode(),
            }
        )
    return parsed_item(item, headers_only=headers_only).model_dump_json().encode()
