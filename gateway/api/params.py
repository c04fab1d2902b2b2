"""Path and query parameters that several routes share: each limit is written here once.

A route declares its parameters in its signature with these types; that signature is the
only parser (FastAPI validates against it), the only source of the OpenAPI entry, and
``routing.GatewayRoute`` derives from it which query names the route accepts.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated

from fastapi import Path, Query
from pydantic import BeforeValidator

MAILBOX_ID_MAX = 2048  # characters of a mailbox id, in a path or a body
MESSAGE_ID_MAX = 4096  # characters of a message id, in a path or a body
PAGE_MAX = 500  # items of one page, and ids of one batch
CURSOR_MAX = 512  # characters of a page cursor

# How a mailbox is named in a path or a body (gateway/imap/ids.py decides).
MAILBOX_ADDRESSING = (
    "A mailbox: its `id` from the mailbox list, `INBOX`, or its path as the list shows it "
    "(`Sent`, `Archive`; URL-encoded in a URL). A string that is a mailbox id is taken as "
    "that id; write `path:` before a path to have it taken as a path whatever it looks like "
    "(`path:Sent`)"
)
MailboxId = Annotated[
    str,
    Path(
        min_length=1, max_length=MAILBOX_ID_MAX, description=MAILBOX_ADDRESSING, examples=["INBOX"]
    ),
]
MessageId = Annotated[str, Path(min_length=1, max_length=MESSAGE_ID_MAX, description="Message id")]
PageLimit = Annotated[int, Query(ge=1, le=PAGE_MAX, description="Items per page")]
PageCursor = Annotated[
    str | None, Query(max_length=CURSOR_MAX, description="`next_cursor` of the previous page")
]


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date(value: object) -> object:
    """A day as the document says (`YYYY-MM-DD`); pydantic alone would also take a number of
    seconds since 1970 (`before=0`), which is not a date."""
    if isinstance(value, str) and not _ISO_DATE.fullmatch(value):
        raise ValueError("expected a date as YYYY-MM-DD")
    return value


# A day in a query (`since`, `before`): `YYYY-MM-DD`, nothing else.
IsoDate = Annotated[date, BeforeValidator(_iso_date)]
