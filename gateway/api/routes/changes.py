"""``GET /v1/accounts/{account}/changes`` and ``.../mailboxes/{mailbox}/changes``: a client
keeping a local copy asks what changed since the ``state`` of its last listing or page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from ...model.accounts import Account
from ...services import Services
from ..deps import AccountDep, ServicesDep, requires
from ..errors import problem_responses
from ..params import MAILBOX_ID_MAX, MailboxId
from ..routing import GatewayRoute
from ..schemas.changes import ChangesOut, changes_json

router = APIRouter(prefix="/v1/accounts/{account}", tags=["changes"], route_class=GatewayRoute)

_UPSTREAM = (502, 503, 504)
STATE_MAX = 200  # characters of a state (a version-1 state has at most 71)
Since = Annotated[
    str,
    Query(
        min_length=1,
        max_length=STATE_MAX,
        description=(
            "A `state` from a listing or `new_state` from an earlier page. 410 "
            "cannot_calculate_changes when the gateway cannot answer from it (not one it issued "
            "for this account or mailbox, from before a reset of the account's feed, or older than "
            "the changes it keeps): list again"
        ),
    ),
]
ChangesLimit = Annotated[
    int,
    Query(
        ge=1,
        le=5000,
        description=(
            "Ids per page (messages and mailboxes together); has_more says when more follow"
        ),
    ),
]
MailboxFilter = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=MAILBOX_ID_MAX,
        description="Only this mailbox's changes (as GET .../mailboxes/{mailbox}/changes)",
    ),
]
_DOC = problem_responses(403, 404, 410, *_UPSTREAM)


@router.get(
    "/changes",
    response_model=ChangesOut,
    status_code=200,
    dependencies=requires("read"),
    responses=_DOC,
)
async def account_changes(
    account: AccountDep,
    services: ServicesDep,
    since: Since,
    limit: ChangesLimit = 500,
    mailbox: MailboxFilter = None,
) -> Response:
    """What changed in the account's mailboxes and messages after `since`."""
    return await _changes(services, account, since, limit, mailbox)


@router.get(
    "/mailboxes/{mailbox}/changes",
    response_model=ChangesOut,
    status_code=200,
    dependencies=requires("read"),
    responses=_DOC,
)
async def mailbox_changes(
    account: AccountDep,
    mailbox: MailboxId,
    services: ServicesDep,
    since: Since,
    limit: ChangesLimit = 500,
) -> Response:
    """What changed in one mailbox after `since` (its listing's state, or the account's)."""
    return await _changes(services, account, since, limit, mailbox)


async def _changes(
    services: Services, account: Account, since: str, limit: int, mailbox: str | None
) -> Response:
    # The account comes from a dependency: another tenant's account is a 404 before any
    # query parameter is looked at.
    changes = await services.mail.changes(account.id, since, limit=limit, mailbox_id=mailbox)
    return Response(changes_json(changes), media_type="application/json")
