"""/v1/audit: who changed what, verified or sent, newest first (admin scope)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from ...errors import AccountNotFound
from ...model.accounts import ACCOUNT_ID_PATTERN
from ..deps import PrincipalDep, ServicesDep, requires
from ..errors import problem_responses
from ..params import PageCursor, PageLimit
from ..routing import GatewayRoute
from ..schemas.audit import AuditEntryOut, AuditList

router = APIRouter(prefix="/v1/audit", tags=["operations"], route_class=GatewayRoute)


@router.get(
    "",
    response_model=AuditList,
    status_code=200,
    dependencies=requires("admin"),
    responses=problem_responses(403, 404),
)
async def list_audit(
    services: ServicesDep,
    principal: PrincipalDep,
    account: Annotated[str | None, Query(pattern=ACCOUNT_ID_PATTERN)] = None,
    token: Annotated[str | None, Query(max_length=64, description="A token id")] = None,
    limit: PageLimit = 50,
    cursor: PageCursor = None,
) -> AuditList:
    """A token limited to some accounts sees only the entries of those accounts."""
    if account is not None and not principal.can_see(account):
        raise AccountNotFound(f"no account {account!r}")
    entries, next_cursor = await services.audit.page(
        visible=principal.accounts, account=account, token=token, limit=limit, cursor=cursor
    )
    return AuditList(items=[AuditEntryOut.of(e) for e in entries], next_cursor=next_cursor)
