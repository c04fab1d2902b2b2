"""/v1/accounts/{account}/send: a JSON message or a raw one, now or through the outbox."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import orjson
from fastapi import APIRouter, Header, Query, Request, Response
from pydantic import ValidationError

from ...accounts.models import Account
from ...errors import InvalidInput
from ...outbox.idempotency import Outcome
from ...services import Services
from ..deps import AccountDep, ServicesDep, requires
from ..errors import problem_responses
from ..fastpath import LeanRoute, Unusual, account_of, caller, fast_path, services_of
from ..schemas.send import SendQueued, SendRequest, SendResult

router = APIRouter(prefix="/v1/accounts/{account}", tags=["sending"], route_class=LeanRoute)

IdempotencyKey = Annotated[str | None, Header(
    alias="Idempotency-Key", max_length=256,
    description="The same key within 24 h returns the first result and sends nothing again")]

_SEND_RESPONSES = {
    **problem_responses(403, 404, 409, 413, 502, 503, 504),
    202: {"model": SendQueued, "description": "Queued in the outbox (`mode=queue` or `send_at`)"},
}
_RAW_BODY = {"requestBody": {"required": True, "content": {
    "message/rfc822": {"schema": {"type": "string", "format": "binary"}}}}}


def _response(outcome: Outcome) -> Response:
    status = 202 if outcome.kind == "queued" else 200
    headers = {"Idempotent-Replayed": "true"} if outcome.replayed else None
    # orjson: the body is plain JSON data already; the stdlib encoder costs more per request.
    return Response(orjson.dumps(outcome.body, option=orjson.OPT_NON_STR_KEYS),
                    status_code=status, headers=headers, media_type="application/json")


async def _send(services: Services, account: Account, body: SendRequest,
                idempotency_key: str | None) -> Response:
    outcome = await services.outbox.send(account, body.outgoing(),
                                         idempotency_key=idempotency_key)
    return _response(outcome)


async def _send_fast(request: Request) -> Response:
    """A JSON body that ``SendRequest`` accepts, at most one plain Idempotency-Key."""
    ctype = request.headers.get("content-type", "")
    if ctype.split(";", 1)[0].strip().lower() != "application/json":
        raise Unusual
    keys = request.headers.getlist("idempotency-key")
    if len(keys) > 1 or (keys and len(keys[0]) > 256):
        raise Unusual
    try:
        body = SendRequest.model_validate(orjson.loads(await request.body()))
    except (orjson.JSONDecodeError, ValidationError):
        raise Unusual from None  # FastAPI parses it again and says what is wrong
    account = await account_of(request, await caller(request, "send"))
    return await _send(services_of(request), account, body, keys[0] if keys else None)


@router.post("/send", response_model=SendResult, status_code=200, dependencies=requires("send"),
             responses=_SEND_RESPONSES)
@fast_path(_send_fast)
async def send(account: AccountDep, body: SendRequest, services: ServicesDep,
               idempotency_key: IdempotencyKey = None) -> Response:
    """Send now (200 once the server took it) or queue it (202)."""
    return await _send(services, account, body, idempotency_key)


@router.post("/send/raw", response_model=SendResult, status_code=200,
             dependencies=requires("send"), responses=_SEND_RESPONSES, openapi_extra=_RAW_BODY)
async def send_raw(
    account: AccountDep, request: Request, services: ServicesDep,
    mail_from: Annotated[str | None, Query(max_length=320,
                                           description="Envelope sender (default: From)")] = None,
    rcpt_to: Annotated[list[str] | None, Query(
        description="Envelope recipients, repeated or comma-separated (default: To, Cc, Bcc)")]
    = None,
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
        account, await request.body(), mail_from=mail_from, rcpt_to=rcpts or None,
        save_to_sent=save_to_sent, mode=mode, send_at=send_at, idempotency_key=idempotency_key)
    return _response(outcome)
