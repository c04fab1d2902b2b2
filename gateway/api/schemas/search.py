"""A search across accounts as clients see it: listing items with their account."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
from pydantic import BaseModel, Field

from ...imap.ids import encode_mailbox_id
from ...imap.search import SearchPage
from .messages import MessageSummary, message_summary_json


class SearchHit(MessageSummary):
    """A message found: a listing item, with its account and when it arrived."""

    account: str = Field(description="The account id")
    received_at: datetime | None = Field(
        description=(
            "When the server received it (IMAP INTERNALDATE): results come newest first by it"
        )
    )


class NotSearched(BaseModel):
    """What this page did not search, and why."""

    account: str
    mailbox: str | None = Field(description="The mailbox id; null: the whole account")
    code: str = Field(
        description=(
            "Why: the account's error code (imap_unavailable, auth_failed, upstream_timeout, "
            "protocol_not_configured, ...), search_time_budget (not searched in time) or "
            "search_mailbox_cap (over the mailboxes one search looks in)"
        ),
        examples=["imap_unavailable"],
    )
    detail: str


class SearchResult(BaseModel):
    items: list[SearchHit]
    next_cursor: str | None = Field(
        default=None,
        description=("Where the next page goes on in each mailbox; null when no match is left"),
    )
    partial: bool = Field(description="true when something was not searched (not_searched)")
    not_searched: list[NotSearched]
    searched_mailboxes: int = Field(description="Mailboxes searched for this page")


def search_result_json(page: SearchPage) -> bytes:
    """A ``SearchResult`` as JSON: each item the listing's serializer writes, with its
    account and arrival time in front."""
    items = []
    for hit in page.hits:
        summary = message_summary_json(hit.summary, hit.flags, hit.labels, hit.thread_id)
        received = None if hit.received is None else hit.received.astimezone(UTC)
        # RFC 3339 in UTC with "Z", as the listing's dates.
        head = orjson.dumps(
            {"account": hit.account_id, "received_at": received}, option=orjson.OPT_UTC_Z
        )
        items.append(head[:-1] + b"," + summary[1:])
    rest = orjson.dumps(
        {
            "next_cursor": page.next_cursor,
            "partial": bool(page.not_searched),
            "not_searched": [
                {
                    "account": n.account_id,
                    "mailbox": None if n.mailbox is None else encode_mailbox_id(n.mailbox),
                    "code": n.code,
                    "detail": n.detail,
                }
                for n in page.not_searched
            ],
            "searched_mailboxes": page.searched,
        }
    )
    return b'{"items":[' + b",".join(items) + b"]," + rest[1:]
