"""/v1/oauth2: apps (client registrations), authorize URLs and the provider's callback.

Apps are gateway-wide (one client secret serves every account), so a token limited to some
accounts gets 403 on them, not 404: there is nothing of another tenant to hide, and the
caller learns why. Such a token may still start a consent for an account it may see, but
not connect a mailbox with the app's own credentials (``/apps/{app}/accounts``).
The callback is the one /v1 route without a bearer token (the provider's redirect cannot
carry one): its ``state`` is the only authority (gateway/api/auth_first.py).
"""

from __future__ import annotations

import html
import logging

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse

from ...errors import AccountNotFound, Forbidden
from ..deps import Principal, PrincipalDep, ServicesDep, requires
from ..errors import problem_responses
from ..routing import GatewayRoute
from ..schemas.oauth2 import (
    AppOnlyConnect,
    AuthorizeRequest,
    AuthorizeResponse,
    CallbackResult,
    OAuth2AppCreate,
    OAuth2AppList,
    OAuth2AppOut,
)

router = APIRouter(prefix="/v1/oauth2", tags=["accounts"], route_class=GatewayRoute)

CALLBACK_PATH = "/v1/oauth2/callback"


class CallbackQueryRedactor(logging.Filter):
    """Keeps the callback's query (the provider's authorization code and the state) out of
    uvicorn's access log: ``'%s - "%s %s HTTP/%s" %d'`` with the path and query third."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if (
            isinstance(args, tuple)
            and len(args) >= 3
            and isinstance(args[2], str)
            and args[2].startswith(CALLBACK_PATH + "?")
        ):
            record.args = (*args[:2], CALLBACK_PATH + "?[redacted]", *args[3:])
        return True


REDACT_CALLBACK_QUERY = CallbackQueryRedactor()


def _gateway_wide(principal: Principal) -> None:
    if principal.accounts is not None:
        raise Forbidden(
            "OAuth2 apps are gateway-wide: a token limited to accounts may not manage them"
        )


@router.post(
    "/apps",
    response_model=OAuth2AppOut,
    status_code=201,
    dependencies=requires("admin"),
    responses=problem_responses(403, 413),
)
async def create_app(
    body: OAuth2AppCreate, services: ServicesDep, principal: PrincipalDep
) -> OAuth2AppOut:
    _gateway_wide(principal)
    assert services.oauth2 is not None
    app = await services.oauth2.create_app(
        provider=body.provider,
        name=body.name,
        client_id=body.client_id,
        client_secret=body.client_secret.get_secret_value(),
        config=body.config(),
        created_by=principal.token_id,
    )
    return OAuth2AppOut.of(app)


@router.get(
    "/apps",
    response_model=OAuth2AppList,
    status_code=200,
    dependencies=requires("admin"),
    responses=problem_responses(403),
)
async def list_apps(services: ServicesDep, principal: PrincipalDep) -> OAuth2AppList:
    _gateway_wide(principal)
    assert services.oauth2 is not None
    apps = await services.oauth2.repo.list_apps()
    return OAuth2AppList(items=[OAuth2AppOut.of(a) for a in apps], total=len(apps))


@router.get(
    "/apps/{app_id}",
    response_model=OAuth2AppOut,
    status_code=200,
    dependencies=requires("admin"),
    responses=problem_responses(403, 404),
)
async def get_app(app_id: str, services: ServicesDep, principal: PrincipalDep) -> OAuth2AppOut:
    _gateway_wide(principal)
    assert services.oauth2 is not None
    return OAuth2AppOut.of(await services.oauth2.repo.get_app(app_id))


@router.delete(
    "/apps/{app_id}",
    status_code=204,
    response_class=Response,
    dependencies=requires("admin"),
    responses=problem_responses(403, 404),
)
async def delete_app(app_id: str, services: ServicesDep, principal: PrincipalDep) -> Response:
    _gateway_wide(principal)
    assert services.oauth2 is not None
    await services.oauth2.repo.delete_app(app_id)
    return Response(status_code=204)


@router.post(
    "/apps/{app_id}/authorize",
    response_model=AuthorizeResponse,
    status_code=200,
    dependencies=requires("admin"),
    responses=problem_responses(403, 404, 413),
)
async def authorize(
    app_id: str, body: AuthorizeRequest, services: ServicesDep, principal: PrincipalDep
) -> AuthorizeResponse:
    if not principal.can_see(body.account):
        raise AccountNotFound("no such account")
    assert services.oauth2 is not None
    url = await services.oauth2.authorize(
        app_id, body.account, login_hint=body.login_hint, token_id=principal.token_id
    )
    return AuthorizeResponse(url=url)


@router.post(
    "/apps/{app_id}/accounts",
    response_model=CallbackResult,
    status_code=200,
    dependencies=requires("admin"),
    responses=problem_responses(403, 404, 409, 413, 502, 503, 504),
)
async def connect_app_only(
    app_id: str, body: AppOnlyConnect, services: ServicesDep, principal: PrincipalDep
) -> CallbackResult:
    """Connect a mailbox with the app's own credentials (app-only access, no consent)."""
    _gateway_wide(principal)
    assert services.oauth2 is not None
    connected = await services.oauth2.app_only(
        app_id, body.account, mailbox=body.mailbox, name=body.name, scope=body.scope
    )
    return CallbackResult(
        status="connected",
        account=connected.account.id,
        email=connected.account.email,
        created=connected.created,
    )


@router.get(
    "/callback",
    response_model=CallbackResult,
    status_code=200,
    responses={
        **problem_responses(400, 409, 410, 502, 503, auth=False),
        200: {
            "content": {"text/html": {}},
            "description": "Connected (HTML unless JSON is asked for)",
        },
    },
)
async def callback(
    request: Request,
    services: ServicesDep,
    code: str | None = None,
    state: str | None = None,
    error: str | None = None,
    error_description: str | None = None,
    scope: str | None = None,
    session_state: str | None = None,
    iss: str | None = None,
    authuser: str | None = None,
    prompt: str | None = None,
    hd: str | None = None,
) -> Response:
    """The provider's redirect after consent (no bearer token: ``state`` decides)."""
    assert services.oauth2 is not None
    connected = await services.oauth2.callback(code=code, state=state, error=error)
    result = CallbackResult(
        status="connected",
        account=connected.account.id,
        email=connected.account.email,
        created=connected.created,
    )
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse(result.model_dump())
    return HTMLResponse(
        "<!doctype html><title>Mailbox connected</title><p>"
        f"{html.escape(result.email)} is connected. You can close this window.</p>"
    )
