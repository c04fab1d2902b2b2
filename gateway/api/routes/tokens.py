"""/v1/tokens: API tokens with scopes and optional account limits."""

from __future__ import annotations

from fastapi import APIRouter, Response

from ...errors import Forbidden, TokenNotFound
from ...model.records import TokenRecord
from ..deps import Principal, PrincipalDep, ServicesDep, requires
from ..errors import problem_responses
from ..routing import GatewayRoute
from ..schemas.tokens import TokenCreate, TokenCreated, TokenList, TokenOut

router = APIRouter(prefix="/v1/tokens", tags=["tokens"], route_class=GatewayRoute)


def _visible(record: TokenRecord, principal: Principal) -> bool:
    """A token limited to some accounts sees only tokens limited to a subset of them."""
    return principal.accounts is None or (
        record.accounts is not None and set(record.accounts) <= principal.accounts
    )


@router.post(
    "",
    response_model=TokenCreated,
    status_code=201,
    dependencies=requires("admin"),
    responses=problem_responses(403),
)
async def create_token(
    body: TokenCreate, services: ServicesDep, principal: PrincipalDep
) -> TokenCreated:
    accounts = body.accounts
    if principal.accounts is not None:
        # A limited admin hands out at most what it has.
        if accounts is None or not set(accounts) <= principal.accounts:
            raise Forbidden("a token limited to some accounts can only create tokens for those")
    if not all(principal.has(scope) for scope in body.scopes):
        raise Forbidden("a token cannot create a token with scopes it lacks")
    record, token = await services.tokens.create(
        description=body.description, scopes=list(body.scopes), accounts=accounts
    )
    return TokenCreated.of_new(record, token)


@router.get(
    "",
    response_model=TokenList,
    status_code=200,
    dependencies=requires("admin"),
    responses=problem_responses(403),
)
async def list_tokens(services: ServicesDep, principal: PrincipalDep) -> TokenList:
    records = [r for r in await services.tokens.list() if _visible(r, principal)]
    return TokenList(items=[TokenOut.of(r) for r in records], total=len(records))


@router.delete(
    "/{token_id}",
    status_code=204,
    response_class=Response,
    dependencies=requires("admin"),
    responses=problem_responses(403, 404),
)
async def delete_token(token_id: str, services: ServicesDep, principal: PrincipalDep) -> Response:
    if not _visible(await services.tokens.get(token_id), principal):
        # Wider than the caller: as if it did not exist (no hint that the id is taken).
        raise TokenNotFound(f"no token {token_id!r}")
    await services.tokens.delete(token_id)
    return Response(status_code=204)
