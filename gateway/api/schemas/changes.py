"""``/changes``: what changed in an account or a mailbox since a state (RFC 8620 5.2)."""

from __future__ import annotations

import orjson
from pydantic import BaseModel, Field

from ...sync.feed import FeedChanges


class MailboxChanges(BaseModel):
    created: list[str] = Field(description="Mailbox ids")
    updated: list[str] = Field(
        description="Mailbox ids whose listing entry changed (counters, flags, subscription)"
    )
    destroyed: list[str] = Field(description="Mailbox ids")


class ChangesOut(BaseModel):
    """Message ids by what happened to them after ``old_state``, coalesced per id (created
    then destroyed: not reported; destroyed then created: updated)."""

    old_state: str
    new_state: str = Field(
        description="The position this page reaches: the `since` of the next request"
    )
    has_more: bool = Field(description="More changes after new_state: ask again at once")
    created: list[str] = Field(description="Message ids")
    updated: list[str] = Field(description="Message ids whose flags changed")
    destroyed: list[str] = Field(
        description="Message ids (deleted, moved away, or their "
        "mailbox renamed, deleted or recreated)"
    )
    mailboxes: MailboxChanges


def changes_json(changes: FeedChanges) -> bytes:
    """The one serializer of a change page: a ``ChangesOut`` as JSON (orjson, straight from
    the feed's lists: a page may hold thousands of ids)."""
    return orjson.dumps(
        {
            "old_state": changes.old_state,
            "new_state": changes.new_state,
            "has_more": changes.has_more,
            "created": changes.created,
            "updated": changes.updated,
            "destroyed": changes.destroyed,
            "mailboxes": {
                "created": changes.mailboxes_created,
                "updated": changes.mailboxes_updated,
                "destroyed": changes.mailboxes_destroyed,
            },
        }
    )
