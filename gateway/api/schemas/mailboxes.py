"""Mailboxes (IMAP) as clients see them."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from .common import StrictModel

MailboxPath = Annotated[
    str,
    Field(
        min_length=1,
        max_length=1024,
        description="Full path, hierarchy parts joined by the "
        "server's delimiter (e.g. 'Work/2024')",
    ),
]


class MailboxOut(BaseModel):
    id: str = Field(description="Opaque id for URLs; 'INBOX' is also accepted")
    path: str
    name: str = Field(description="The last part of the path")
    delimiter: str | None
    special_use: str | None = Field(description="RFC 6154: \\Sent, \\Trash, \\Drafts, ...")
    flags: list[str]
    subscribed: bool
    total: int | None
    unseen: int | None
    uidvalidity: int | None
    uidnext: int | None


class MailboxList(BaseModel):
    items: list[MailboxOut]
    next_cursor: str | None = None
    total: int
    state: str | None = Field(
        default=None,
        description=(
            "The account's change-feed state when the listing was taken: "
            "GET .../changes?since=<state> gives what changed after it"
        ),
    )


class MailboxCreate(StrictModel):
    path: MailboxPath


class MailboxRename(StrictModel):
    path: MailboxPath
