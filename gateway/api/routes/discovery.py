"""/v1/autodiscover: the servers of an email address (presets, autoconfig, SRV)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from ...discovery.proposals import EMAIL_MAX, EMAIL_PATTERN
from ...errors import Forbidden
from ..deps import PrincipalDep, ServicesDep, requires
from ..errors import problem_responses
from ..routing import GatewayRoute
from ..schemas.discovery import DiscoveryOut

router = APIRouter(prefix="/v1/autodiscover", tags=["accounts"], route_class=GatewayRoute)


@router.get(
    "",
    response_model=DiscoveryOut,
    status_code=200,
    dependencies=requires("admin"),
    responses=problem_responses(403),
)
async def autodiscover(
    services: ServicesDep,
    principal: PrincipalDep,
    email: Annotated[
        str,
        Query(
            min_length=3,
            max_length=EMAIL_MAX,
            pattern=EMAIL_PATTERN,
            description="The address to find servers for (an IDN domain in its xn-- form)",
            examples=["alice@example.com"],
        ),
    ],
) -> DiscoveryOut:
    """Propose an address's IMAP, SMTP and POP3 servers, each with where it came from, ready
    for POST /v1/accounts. Needs a token that may create accounts (admin, not limited to
    accounts); at most GATEWAY_AUTODISCOVER_PER_MINUTE requests a minute per token (429)."""
    if principal.accounts is not None:
        raise Forbidden("a token limited to some accounts cannot create accounts")
    return DiscoveryOut.of(await services.discovery.discover(email, caller=principal.token_id))
