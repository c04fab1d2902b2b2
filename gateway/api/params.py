"""Path and query parameters that several routes share: each limit is written here once.

A route declares its parameters in its signature with these types; that signature is the
only parser (FastAPI validates against it), the only source of the OpenAPI entry, and
``routing.GatewayRoute`` derives from it which query names the route accepts.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

MailboxId = Annotated[str, Path(min_length=1, max_length=2048,
                                description="Mailbox id from the list, or 'INBOX'")]
MessageId = Annotated[str, Path(min_length=1, max_length=4096, description="Message id")]
PageLimit = Annotated[int, Query(ge=1, le=500, description="Items per page")]
PageCursor = Annotated[str | None, Query(max_length=512,
                                         description="`next_cursor` of the previous page")]
