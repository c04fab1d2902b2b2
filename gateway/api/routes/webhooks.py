"""/v1/webhooks: subscriptions to events, signed POSTs, and their delivery log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from ..deps import PrincipalDep, ServicesDep, requires
from ..errors import problem_responses
from ..params import PageCursor, PageLimit
from ..routing import GatewayRoute
from ..schemas.events import (
    DeliveryList,
    DeliveryOut,
    WebhookCreate,
    WebhookCreated,
    WebhookList,
    WebhookOut,
)

DeliveryId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]

router = APIRouter(prefix="/v1/webhooks", tags=["events"], route_class=GatewayRoute)


@router.post(
    "",
    response_model=WebhookCreated,
    status_code=201,
    dependencies=requires("admin"),
    responses=problem_responses(403, 413),
)
async def create_webhook(
    body: WebhookCreate, services: ServicesDep, principal: PrincipalDep
) -> WebhookCreated:
    record, secret = await services.webhooks.create(
        url=body.url,
        events=body.events,
        accounts=body.accounts,
        secret=body.secret,
        token_id=principal.token_id,
        token_accounts=principal.accounts,
    )
    return WebhookCreated.of_new(record, secret)


@router.get(
    "",
    response_model=WebhookList,
    status_code=200,
    dependencies=requires("admin"),
    responses=problem_responses(403),
)
async def list_webhooks(services: ServicesDep, principal: PrincipalDep) -> WebhookList:
    records = await services.webhooks.list(principal.accounts)
    return WebhookList(items=[WebhookOut.of(r) for r in records], total=len(records))


@router.get(
    "/{webhook_id}",
    response_model=WebhookOut,
    status_code=200,
    dependencies=requires("admin"),
    responses=problem_responses(403, 404),
)
async def get_webhook(
    webhook_id: str, services: ServicesDep, principal: PrincipalDep
) -> WebhookOut:
    return WebhookOut.of(await services.webhooks.get(webhook_id, principal.accounts))


@router.delete(
    "/{webhook_id}",
    status_code=204,
    response_class=Response,
    dependencies=requires("admin"),
    responses=problem_responses(403, 404),
)
async def delete_webhook(
    webhook_id: str, services: ServicesDep, principal: PrincipalDep
) -> Response:
    await services.webhooks.delete(webhook_id, principal.accounts)
    return Response(status_code=204)


@router.get(
    "/{webhook_id}/deliveries",
    response_model=DeliveryList,
    status_code=200,
    dependencies=requires("admin"),
    responses=problem_responses(403, 404),
)
async def list_deliveries(
    webhook_id: str,
    services: ServicesDep,
    principal: PrincipalDep,
    limit: PageLimit = 50,
    cursor: PageCursor = None,
) -> DeliveryList:
    rows, next_cursor = await services.webhooks.deliveries(
        webhook_id, principal.accounts, limit=limit, cursor=cursor
    )
    return DeliveryList(items=[DeliveryOut.of(r) for r in rows], next_cursor=next_cursor)


@router.post(
    "/{webhook_id}/deliveries/{delivery_id}/retry",
    response_model=DeliveryOut,
    status_code=200,
    dependencies=requires("admin"),
    responses=problem_responses(403, 404, 409),
)
async def retry_delivery(
    webhook_id: str, delivery_id: DeliveryId, services: ServicesDep, principal: PrincipalDep
) -> DeliveryOut:
    """Attempt a failed or waiting delivery again now: one more attempt, then the usual
    backoff while the delivery is within the retry window. 409 when it was delivered or is
    being attempted at this moment."""
    return DeliveryOut.of(
        await services.webhooks.retry(webhook_id, delivery_id, principal.accounts)
    )
