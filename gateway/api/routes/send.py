"""/v1/accounts/{account}/send: a JSON message or a raw one, now or through the outbox."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query, Request, Response

from ...errors import InvalidInput
from ...outbox.idempotency import Outcome
from ..deps import AccountDep, AccountId, ServicesDep, account_of, requires, services_of
from ..errors import problem_responses
from ..routing import GatewayRoute
from ..schemas.send import SendQueued, SendRequest, SendResult, send_outcome_json

router = APIRouter(prefix="/v1/accounts/{account}", tags=["sending"], route_class=GatewayRoute)

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=256,
        description="The same key within 24 h returns the first result and sends nothing again",
    ),
]

SEND_RESPONSES = {
    **problem_responses(403, 404, 409, 413, 502, 503, 504),
    202: {"model": SendQueued, "description": "Queued in the outbox (`mode=queue` or `send_at`)"},
}
_RAW_BODY = {
    "requestBody": {
        "required": True,
        "content": {"message/rfc822": {"schema": {"type": "string", "format": "binary"}}},
    }
}


def send_response(outcome: Outcome) -> Response:
    """A send's answer (also of a forward and a draft sent): 200 sent, 202 queued."""
    status = 202 if outcome.kind == "queued" else 200
    headers = {"Idempotent-Replayed": "true"} if outcome.replayed else None
    return Response(
        send_outcome_json(outcome.result),
        status_code=status,
        headers=headers,
        media_type="application/json",
    )


@router.post(
    "/send",
    response_model=SendResult,
    status_code=200,
    dependencies=requires("send"),
    responses=SEND_RESPONSES,
)
async def send(
    request: Request, account: AccountId, body: SendRequest, idempotency_key: IdempotencyKey = None
) -> Response:
    """Send now (200 once the server took it) or queue it (202)."""
    acct = await account_of(request, account)  # a plain call: see deps.account_of
    outcome = await services_of(request).outbox.send(
        acct, body.outgoing(), idempotency_key=idempotency_key
    )
    return send_response(outcome)


@router.post(
    "/send/raw",
    response_model=SendResult,
    status_code=200,
    dependencies=requires("send"),
    responses=SEND_RESPONSES,
    openapi_extra=_RAW_BODY,
)
async def send_raw(
    account: AccountDep,
    request: Request,
    services: ServicesDep,
    mail_from: Annotated[
        str | None, Query(max_length=320, description="Envelope sender (default: From)")
    ] = None,
    rcpt_to: Annotated[
        list[str] | None,
        Query(
            description="Envelope recipients, repeated or comma-separated (default: To, Cc, Bcc)"
        ),
    ] = None,
    save_to_sent: bool | None = None,
    mode: Literal["sync", "queue"] = "sync",
    send_at: datetime | None = None,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Send an RFC 5322 message as is (CRLF line endings, a Message-ID added if missing)."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype not in ("message/rfc822", "application/octet-stream", "text/plain"):
        raise InvalidInput("send the message as message/rfc822")
    rcpts = [r.strip() for item in rcpt_to or [] for r in item.split(",") if r.strip()]
    outcome = await services.outbox.send_raw(
        account,
        await request.body(),
        mail_from=mail_from,
        rcpt_to=rcpts or None,
        save_to_sent=save_to_sent,
        mode=mode,
        send_at=send_at,
        idempotency_key=idempotency_key,
    )
    return send_response(outcome)
