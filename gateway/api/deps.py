"""Request dependencies: the services, the caller's token and the account it names."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, Path, Request
from fastapi.security import HTTPBearer
from fastapi.security.utils import get_authorization_scheme_param

from ..errors import AccountNotFound, Forbidden, RateLimited, Unauthenticated
from ..model.accounts import ACCOUNT_ID_PATTERN, Account
from ..model.records import hash_token
from ..services import Services

Scope = Literal["read", "write", "send", "admin", "metrics"]
ALL_SCOPES: tuple[Scope, ...] = ("read", "write", "send", "admin", "metrics")
ADMIN_ENV_TOKEN_ID = "admin-env"  # the principal of GATEWAY_ADMIN_TOKEN


@dataclass(frozen=True)
class Principal:
    """Who is calling: a token's id, scopes and the accounts it may touch (None: all)."""

    token_id: str
    scopes: frozenset[str]
    accounts: frozenset[str] | None

    def has(self, scope: str) -> bool:
        return scope in self.scopes or "admin" in self.scopes

    def can_see(self, account_id: str) -> bool:
        return self.accounts is None or account_id in self.accounts


def services_of(request: Request) -> Services:
    return request.app.state.services


async def get_services(request: Request) -> Services:
    return request.app.state.services


ServicesDep = Annotated[Services, Depends(get_services)]


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, read as ``HTTPBearer`` does."""
    scheme, credentials = get_authorization_scheme_param(authorization)
    if not (authorization and scheme and credentials) or scheme.lower() != "bearer":
        return None
    return credentials


async def principal_for(request: Request, services: Services, token: str | None) -> Principal:
    """Who holds ``token`` (401 if nobody), after the rate limit; remembered on the request."""
    cached = getattr(request.state, "principal", None)
    if cached is not None:
        return cached
    if not token:
        raise Unauthenticated("send 'Authorization: Bearer <token>'")
    admin = services.settings.admin_token
    if admin is not None and hmac.compare_digest(
        hash_token(token), hash_token(admin.get_secret_value())
    ):
        principal = Principal(ADMIN_ENV_TOKEN_ID, frozenset(ALL_SCOPES), None)
    else:
        record = await services.tokens.lookup(token)
        if record is None:
            raise Unauthenticated("unknown or revoked token")
        principal = Principal(
            record.id,
            frozenset(record.scopes),
            None if record.accounts is None else frozenset(record.accounts),
        )
    limiter = request.app.state.rate_limiter
    if limiter is not None:
        wait = limiter.check(principal.token_id)
        if wait > 0:
            raise RateLimited(
                f"over {services.settings.rate_limit_per_minute} requests a minute for this token",
                retry_after=wait,
            )
    request.state.principal = principal
    return principal


def check_scope(principal: Principal, scope: Scope) -> Principal:
    if not principal.has(scope):
        raise Forbidden(f"this token lacks the '{scope}' scope")
    return principal


async def account_for(principal: Principal, services: Services, account_id: str) -> Account:
    if not principal.can_see(account_id):
        # Another tenant's account: do not even confirm it exists.
        raise AccountNotFound(f"no account {account_id!r}")
    return await services.accounts.get(account_id)


async def principal_of(request: Request) -> Principal:
    """The caller: resolved by ``AuthFirstMiddleware`` before routing for ``/v1`` (which
    refused the request if the token is missing, wrong or over its rate), here otherwise."""
    principal = getattr(request.state, "principal", None)
    if principal is None:
        token = bearer_token(request.headers.get("authorization"))
        principal = await principal_for(request, request.app.state.services, token)
    return principal


PrincipalDep = Annotated[Principal, Depends(principal_of)]


class Requires(HTTPBearer):
    """Route dependency: the token must carry ``scope`` (``admin`` carries every scope).

    It is the bearer scheme itself, so OpenAPI shows each route's token, and it has no
    dependencies of its own: one plain call per request.
    """

    def __init__(self, scope: Scope) -> None:
        super().__init__(
            auto_error=False, scheme_name="HTTPBearer", description="An API token (`mgt_...`)"
        )
        self.scope = scope

    async def __call__(self, request: Request) -> Principal:  # type: ignore[override]
        return check_scope(await principal_of(request), self.scope)

    def __repr__(self) -> str:
        return f"Requires({self.scope!r})"


def requires(scope: Scope) -> list:
    """``dependencies=requires("read")`` on a route."""
    return [Depends(Requires(scope))]


AccountId = Annotated[str, Path(pattern=ACCOUNT_ID_PATTERN, description="Account id")]


async def account_of(request: Request, account_id: str) -> Account:
    """The account ``account_id``, if the caller's token may see it (after ``requires``).

    ``AccountDep`` calls it; the busiest routes call it themselves, since every FastAPI
    dependency costs a request 15-20 us (bench/README.md)."""
    return await account_for(await principal_of(request), request.app.state.services, account_id)


async def get_account(account: AccountId, request: Request) -> Account:
    return await account_of(request, account)


AccountDep = Annotated[Account, Depends(get_account)]
