"""``GET /v1/accounts/{account}/threads/{thread_id}``: a thread's messages across mailboxes."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response

from ..deps import AccountDep, ServicesDep, requires
from ..errors import problem_responses
from ..routing import GatewayRoute
from ..schemas.messages import ThreadOut, thread_json

router = APIRouter(prefix="/v1/accounts/{account}", tags=["messages"], route_class=GatewayRoute)

THREAD_ID_MAX = 300  # "s." and an RFC 8474 objectid (255) fit
ThreadId = Annotated[
    str, Path(min_length=1, max_length=THREAD_ID_MAX, description=("A message's thread_id"))
]
Order = Annotated[
    Literal["oldest", "newest"],
    Query(
        description=("oldest first (a conversation as it happened, the default) or newest first")
    ),
]
ThreadLimit = Annotated[
    int, Query(ge=1, le=500, description="Messages returned at most (total counts them all)")
]


@router.get(
    "/threads/{thread_id}",
    response_model=ThreadOut,
    status_code=200,
    dependencies=requires("read"),
    responses=problem_responses(403, 404, 502, 503, 504),
    description=(
        "The thread's messages in the account's mailboxes, as listing items. Searched: "
        "the account's \\All mailbox alone when it has one (Gmail's All Mail); else "
        "every selectable mailbox but \\Trash and \\Junk (INBOX and \\Sent first, then "
        "the subscribed ones), at most 50. A copy of a message in two mailboxes is "
        "listed twice (two ids). 404 thread_not_found for an id the account has no "
        "thread of, or whose messages are all gone."
    ),
)
async def get_thread(
    account: AccountDep,
    thread_id: ThreadId,
    services: ServicesDep,
    order: Order = "oldest",
    limit: ThreadLimit = 100,
) -> Response:
    page = await services.mail.get_thread(
        account.id, thread_id, newest_first=order == "newest", limit=limit
    )
    return Response(thread_json(thread_id, page), media_type="application/json")
