"""/v1/outbox: queued sends, their state and attempts; cancel one not yet sent."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from ..deps import PrincipalDep, ServicesDep, requires
from ..errors import problem_responses
from ..params import PageCursor, PageLimit
from ..routing import GatewayRoute
from ..schemas.send import OutboxItem, OutboxList

router = APIRouter(prefix="/v1/outbox", tags=["sending"], route_class=GatewayRoute)

QueueId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
Status = Literal["queued", "sending", "sent", "failed", "cancelled"]


@router.get(
    "",
    response_model=OutboxList,
    status_code=200,
    dependencies=requires("read"),
    responses=problem_responses(403),
)
async def list_outbox(
    services: ServicesDep,
    principal: PrincipalDep,
    account: Annotated[str | None, Query(max_length=64)] = None,
    status: Status | None = None,
    limit: PageLimit = 50,
    cursor: PageCursor = None,
) -> OutboxList:
    jobs, next_cursor = await services.outbox.list(
        account=account, status=status, limit=limit, cursor=cursor, visible=principal.accounts
    )
    return OutboxList(items=[OutboxItem.of(j) for j in jobs], next_cursor=next_cursor)


@router.get(
    "/{queue_id}",
    response_model=OutboxItem,
    status_code=200,
    dependencies=requires("read"),
    responses=problem_responses(403, 404),
)
async def get_outbox_item(
    queue_id: QueueId, services: ServicesDep, principal: PrincipalDep
) -> OutboxItem:
    return OutboxItem.of(await services.outbox.get(queue_id, principal.accounts))


@router.delete(
    "/{queue_id}",
    response_model=OutboxItem,
    status_code=200,
    dependencies=requires("send"),
    responses=problem_responses(403, 404, 409),
)
async def cancel_outbox_item(
    queue_id: QueueId, services: ServicesDep, principal: PrincipalDep
) -> OutboxItem:
    """Cancel a queued message; 409 when it is already being sent, sent or failed."""
    return OutboxItem.of(await services.outbox.cancel(queue_id, principal.accounts))
