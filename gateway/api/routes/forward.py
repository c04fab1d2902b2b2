"""POST .../messages/{message}/forward: forward a message of the account, as a send."""

from __future__ import annotations

from fastapi import APIRouter, Response

from ..deps import AccountDep, ServicesDep, requires
from ..params import MailboxId, MessageId
from ..routing import GatewayRoute
from ..schemas.drafts import ForwardRequest
from ..schemas.send import SendResult
from .send import SEND_RESPONSES, IdempotencyKey, send_response

router = APIRouter(prefix="/v1/accounts/{account}", tags=["sending"], route_class=GatewayRoute)

_FORWARD = (
    "Forward the message: inline (the sender's text, a \"---------- Forwarded message "
    '---------" block with From, Date, Subject and To, the original text and HTML, its '
    "attachments attached again) or, with as_attachment, the original whole as a "
    'message/rfc822 attachment. Subject "Fwd: ..." unless given; In-Reply-To and '
    "References point at the original. Sent like any send: the from-policy, now (200) or "
    "through the outbox (202), Idempotency-Key; then the original is flagged $Forwarded."
)


@router.post(
    "/messages/{message}/forward",
    response_model=SendResult,
    status_code=200,
    dependencies=requires("send"),
    responses=SEND_RESPONSES,
    description=_FORWARD,
)
async def forward_message(
    account: AccountDep,
    message: MessageId,
    body: ForwardRequest,
    services: ServicesDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    outcome = await services.forwarder.forward(
        account, message, body.forward(), idempotency_key=idempotency_key
    )
    return send_response(outcome)


@router.post(
    "/mailboxes/{mailbox}/messages/{message}/forward",
    response_model=SendResult,
    status_code=200,
    dependencies=requires("send"),
    responses=SEND_RESPONSES,
    description=_FORWARD + " The message must be in that mailbox (else 404).",
)
async def forward_mailbox_message(
    account: AccountDep,
    mailbox: MailboxId,
    message: MessageId,
    body: ForwardRequest,
    services: ServicesDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    outcome = await services.forwarder.forward(
        account, message, body.forward(), mailbox_id=mailbox, idempotency_key=idempotency_key
    )
    return send_response(outcome)
