"""GET /v1/search: messages across every account and mailbox the token may see."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from ...errors import InvalidInput
from ...imap.service import ListQuery
from ...model.accounts import ACCOUNT_ID_PATTERN
from ..deps import ServicesDep, principal_of, requires
from ..errors import problem_responses
from ..params import IsoDate
from ..routing import GatewayRoute
from ..schemas.common import comma_list_pattern
from ..schemas.search import SearchResult, search_result_json
from .messages import FILTER_MAX, SearchFilter

router = APIRouter(prefix="/v1", tags=["messages"], route_class=GatewayRoute)

# 14 bytes a mailbox searched (GATEWAY_SEARCH_MAX_MAILBOXES, 1,000 at most), base64url
# (imap/search_cursor.py).
SEARCH_CURSOR_MAX = 20_000
Text = Annotated[
    str | None,
    Query(
        max_length=FILTER_MAX,
        pattern=r"^[^\x00-\x1f\x7f]*$",
        description="Words in the header or body (IMAP SEARCH TEXT); no control characters",
    ),
]
Accounts = Annotated[
    list[str] | None,
    Query(
        description="Only these accounts, repeated or comma-separated (default: every account "
        "the token may see)",
        json_schema_extra={
            "items": {
                "type": "string",
                "pattern": comma_list_pattern(ACCOUNT_ID_PATTERN.strip("^$")),
            }
        },
    ),
]
SearchLimit = Annotated[int, Query(ge=1, le=200, description="Messages per page")]
SearchCursor = Annotated[
    str | None,
    Query(max_length=SEARCH_CURSOR_MAX, description="`next_cursor` of the previous page"),
]

_DESCRIPTION = (
    "Search every account the token may see (or those named in `accounts`), each with one "
    "IMAP SEARCH per mailbox on the server, with the filters of a message listing. Mailboxes: "
    "an account's \\All mailbox alone when it has one (Gmail), else every selectable one but "
    "\\Trash and \\Junk. Newest first by arrival (IMAP INTERNALDATE), paged by `cursor`. "
    "Bounded in mailboxes, connections per account and time: what was not searched (a server "
    "down, the time budget, the mailbox cap) is listed in `not_searched` and `partial` is "
    "true; the rest is answered. At least one filter is required."
)


@router.get(
    "/search",
    response_model=SearchResult,
    status_code=200,
    dependencies=requires("read"),
    responses=problem_responses(403, 404),
    description=_DESCRIPTION,
)
async def search(
    request: Request,
    services: ServicesDep,
    q: Text = None,
    accounts: Accounts = None,
    from_: Annotated[str | None, Query(alias="from", max_length=FILTER_MAX)] = None,
    to: SearchFilter = None,
    subject: SearchFilter = None,
    since: IsoDate | None = None,
    before: IsoDate | None = None,
    unseen: bool | None = None,
    flagged: bool | None = None,
    limit: SearchLimit = 50,
    cursor: SearchCursor = None,
) -> Response:
    query = ListQuery(
        unseen=unseen,
        flagged=flagged,
        from_=from_,
        to=to,
        subject=subject,
        text=q,
        since=since,
        before=before,
    )
    if query.criteria()[0] == [b"ALL"]:
        raise InvalidInput(
            "give q or at least one filter (from, to, subject, since, before, unseen, flagged)"
        )
    requested = [a.strip() for item in accounts or [] for a in item.split(",") if a.strip()]
    page = await services.search.search(
        query,
        visible=(await principal_of(request)).accounts,
        requested=requested or None,
        limit=limit,
        cursor=cursor,
    )
    return Response(search_result_json(page), media_type="application/json")
