"""/v1/accounts/{account}/drafts: drafts in the account's Drafts mailbox, and sending them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from ..deps import AccountDep, ServicesDep, requires
from ..errors import problem_responses
from ..params import MESSAGE_ID_MAX, PageCursor, PageLimit
from ..routing import GatewayRoute
from ..schemas.drafts import DraftOut, DraftRequest, DraftSaved, DraftSendRequest
from ..schemas.messages import MessageList, gmail_info_json, message_list_json
from ..schemas.mime import AddressOut
from ..schemas.send import SendResult
from .send import SEND_RESPONSES, IdempotencyKey, send_response

router = APIRouter(
    prefix="/v1/accounts/{account}/drafts", tags=["drafts"], route_class=GatewayRoute
)

_UPSTREAM = (502, 503, 504)
DraftId = Annotated[
    str,
    Path(
        min_length=1,
        max_length=MESSAGE_ID_MAX,
        description=(
            "The draft's id: the message id of its current version (it changes with every update)"
        ),
    ),
]
_NEW_VERSION = (
    "Saves a new version (APPEND with \\Draft and \\Seen) and removes the old one (UID "
    "EXPUNGE): the draft's id changes, the answer says the new one (and previous_id). 404 "
    "draft_not_found for an id that is not the current version; 409 draft_changed when "
    "another update or a send took this version meanwhile."
)


@router.get(
    "",
    response_model=MessageList,
    status_code=200,
    dependencies=requires("read"),
    responses=problem_responses(403, 404, *_UPSTREAM),
    description="The drafts, newest first, as a message listing (empty when the "
    "account has no Drafts mailbox yet).",
)
async def list_drafts(
    account: AccountDep, services: ServicesDep, limit: PageLimit = 50, cursor: PageCursor = None
) -> Response:
    page = await services.drafts.list(account.id, limit=limit, cursor=cursor)
    return Response(message_list_json(page), media_type="application/json")


@router.post(
    "",
    response_model=DraftSaved,
    status_code=201,
    dependencies=requires("write"),
    responses=problem_responses(403, 404, 413, *_UPSTREAM),
    description=(
        "Save a draft in the account's Drafts mailbox: the one with the special use "
        "\\Drafts, else one named Drafts, else a Drafts mailbox created now. Built "
        "as a send would build it (the same checks, the from-policy among them), "
        "Bcc kept, no recipient required."
    ),
)
async def create_draft(
    account: AccountDep, body: DraftRequest, services: ServicesDep, response: Response
) -> DraftSaved:
    saved = await services.drafts.create(account, body.outgoing())
    response.headers["Location"] = f"/v1/accounts/{account.id}/drafts/{saved.id}"
    return DraftSaved.of(saved)


@router.get(
    "/{draft}",
    response_model=DraftOut,
    status_code=200,
    dependencies=requires("read"),
    responses=problem_responses(403, 404, *_UPSTREAM),
)
async def get_draft(account: AccountDep, draft: DraftId, services: ServicesDep) -> DraftOut:
    ref, parsed, meta = await services.drafts.get(account.id, draft)
    return DraftOut.from_parsed(
        parsed,
        id=draft,
        uid=ref.uid,
        mailbox=meta["mailbox"],
        thread_id=meta.get("thread_id"),
        flags=meta["flags"],
        size=meta["size"],
        preview=parsed.preview,
        gmail=gmail_info_json(meta.get("gmail")),
        bcc=[AddressOut.of(a) for a in parsed.bcc],
        in_reply_to_id=meta["in_reply_to_id"],
    )


@router.put(
    "/{draft}",
    response_model=DraftSaved,
    status_code=200,
    dependencies=requires("write"),
    responses=problem_responses(403, 404, 409, 413, *_UPSTREAM),
    description="Replace the draft with this one. " + _NEW_VERSION,
)
async def replace_draft(
    account: AccountDep, draft: DraftId, body: DraftRequest, services: ServicesDep
) -> DraftSaved:
    return DraftSaved.of(await services.drafts.replace(account, draft, body.outgoing()))


@router.patch(
    "/{draft}",
    response_model=DraftSaved,
    status_code=200,
    dependencies=requires("write"),
    responses=problem_responses(403, 404, 409, 413, *_UPSTREAM),
    description="Change the fields given (null clears one); the others keep what "
    "the draft holds, its attachments included. " + _NEW_VERSION,
)
async def update_draft(
    account: AccountDep, draft: DraftId, body: DraftRequest, services: ServicesDep
) -> DraftSaved:
    saved = await services.drafts.update(account, draft, body.outgoing(), body.given())
    return DraftSaved.of(saved)


@router.delete(
    "/{draft}",
    status_code=204,
    response_class=Response,
    dependencies=requires("write"),
    responses=problem_responses(403, 404, *_UPSTREAM),
)
async def delete_draft(account: AccountDep, draft: DraftId, services: ServicesDep) -> Response:
    await services.drafts.delete(account.id, draft)
    return Response(status_code=204)


@router.post(
    "/{draft}/send",
    response_model=SendResult,
    status_code=200,
    dependencies=requires("send"),
    responses=SEND_RESPONSES,
    description=(
        "Send the draft as it is stored (its From checked against the account's "
        "from-policy; recipients from To, Cc and Bcc; a new Date), now (200) or "
        "through the outbox (202), with Idempotency-Key as any send; then the draft "
        "is removed. A draft that answers a message flags it \\Answered."
    ),
)
async def send_draft(
    account: AccountDep,
    draft: DraftId,
    services: ServicesDep,
    body: DraftSendRequest | None = None,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    options = (body or DraftSendRequest()).options()
    outcome = await services.drafts.send(account, draft, options, idempotency_key=idempotency_key)
    return send_response(outcome)
