"""/v1/accounts: CRUD, connection status and a login check."""

from __future__ import annotations

from fastapi import APIRouter, Response

from ...errors import Forbidden, InvalidInput
from ..deps import AccountDep, PrincipalDep, ServicesDep, requires
from ..errors import problem_responses
from ..routing import GatewayRoute
from ..schemas.accounts import (
    AccountCreate,
    AccountList,
    AccountOut,
    AccountStatus,
    AccountUpdate,
    AccountVerify,
    ProtocolStatusOut,
    VerifyResult,
)

router = APIRouter(prefix="/v1/accounts", tags=["accounts"], route_class=GatewayRoute)


@router.get(
    "",
    response_model=AccountList,
    status_code=200,
    dependencies=requires("read"),
    responses=problem_responses(403),
)
async def list_accounts(services: ServicesDep, principal: PrincipalDep) -> AccountList:
    items = [AccountOut.of(a) for a in await services.accounts.list() if principal.can_see(a.id)]
    return AccountList(items=items, total=len(items))


@router.post(
    "",
    response_model=AccountOut,
    status_code=201,
    dependencies=requires("admin"),
    responses=problem_responses(403, 409, 413),
)
async def create_account(
    body: AccountCreate, services: ServicesDep, principal: PrincipalDep
) -> AccountOut:
    if principal.accounts is not None:
        raise Forbidden("a token limited to some accounts cannot create accounts")
    return AccountOut.of(await services.accounts.create(body))


@router.get(
    "/{account}",
    response_model=AccountOut,
    status_code=200,
    dependencies=requires("read"),
    responses=problem_responses(403, 404),
)
async def get_account(account: AccountDep) -> AccountOut:
    return AccountOut.of(account)


@router.patch(
    "/{account}",
    response_model=AccountOut,
    status_code=200,
    dependencies=requires("admin"),
    responses=problem_responses(403, 404, 409, 413),
)
async def update_account(
    account: AccountDep, body: AccountUpdate, services: ServicesDep
) -> AccountOut:
    changes = body.model_dump(exclude_unset=True)
    for key in ("name", "email", "watch_mailboxes", "aliases", "allow_any_from"):
        if key in changes and changes[key] is None:
            raise InvalidInput(f"'{key}' cannot be null")
    return AccountOut.of(await services.accounts.update(account.id, changes))


@router.delete(
    "/{account}",
    status_code=204,
    response_class=Response,
    dependencies=requires("admin"),
    responses=problem_responses(403, 404, 409),
)
async def delete_account(account: AccountDep, services: ServicesDep) -> Response:
    await services.accounts.delete(account.id)
    return Response(status_code=204)


@router.get(
    "/{account}/status",
    response_model=AccountStatus,
    status_code=200,
    dependencies=requires("read"),
    responses=problem_responses(403, 404),
)
async def account_status(account: AccountDep, services: ServicesDep) -> AccountStatus:
    states = await services.accounts.status(account.id)
    out = {
        p: None
        if s is None
        else ProtocolStatusOut(state=s.state, last_error=s.last_error, since=s.since)
        for p, s in states.items()
    }
    return AccountStatus(account=account.id, **out)


@router.post(
    "/{account}/verify",
    response_model=AccountVerify,
    status_code=200,
    dependencies=requires("read"),
    responses=problem_responses(403, 404),
)
async def verify_account(account: AccountDep, services: ServicesDep) -> AccountVerify:
    results = await services.accounts.verify(account.id)
    out = {p: None if r is None else VerifyResult(ok=r[0], detail=r[1]) for p, r in results.items()}
    ok = all(r.ok for r in out.values() if r is not None)
    return AccountVerify(account=account.id, ok=ok, **out)
