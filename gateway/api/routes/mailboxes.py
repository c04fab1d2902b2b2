"""/v1/accounts/{account}/mailboxes: list, create, rename, delete (IMAP)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from ..deps import AccountDep, ServicesDep, requires
from ..errors import problem_responses
from ..params import MailboxId
from ..routing import GatewayRoute
from ..schemas.mailboxes import MailboxCreate, MailboxList, MailboxOut, MailboxRename

router = APIRouter(
    prefix="/v1/accounts/{account}/mailboxes", tags=["mailboxes"], route_class=GatewayRoute
)

_UPSTREAM = (502, 503, 504)


@router.get(
    "",
    response_model=MailboxList,
    status_code=200,
    dependencies=requires("read"),
    responses=problem_responses(403, 404, *_UPSTREAM),
)
async def list_mailboxes(account: AccountDep, services: ServicesDep) -> MailboxList:
    items, state = await services.mail.mailbox_listing(account.id)
    return MailboxList(items=[MailboxOut(**m) for m in items], total=len(items), state=state)


@router.post(
    "",
    response_model=MailboxOut,
    status_code=201,
    dependencies=requires("write"),
    responses=problem_responses(403, 404, 409, *_UPSTREAM),
)
async def create_mailbox(
    account: AccountDep, body: MailboxCreate, services: ServicesDep
) -> MailboxOut:
    return MailboxOut(**await services.mail.create_mailbox(account.id, body.path))


@router.patch(
    "/{mailbox}",
    response_model=MailboxOut,
    status_code=200,
    dependencies=requires("write"),
    responses=problem_responses(403, 404, 409, *_UPSTREAM),
)
async def rename_mailbox(
    account: AccountDep, mailbox: MailboxId, body: MailboxRename, services: ServicesDep
) -> MailboxOut:
    return MailboxOut(**await services.mail.rename_mailbox(account.id, mailbox, body.path))


@router.delete(
    "/{mailbox}",
    status_code=204,
    response_class=Response,
    dependencies=requires("write"),
    responses=problem_responses(403, 404, 409, *_UPSTREAM),
)
async def delete_mailbox(
    account: AccountDep, mailbox: MailboxId, services: ServicesDep
) -> Response:
    await services.mail.delete_mailbox(account.id, mailbox)
    return Response(status_code=204)
