"""/v1/events: Server-Sent Events, resumable with ``Last-Event-ID``."""

from __future__ import annotations

import functools
from typing import Annotated

from fastapi import APIRouter, Header, Query
from fastapi.responses import StreamingResponse

from ...errors import AccountNotFound
from ...events.sse import EventFilter, EventStream, parse_types
from ...events.types import EVENT_TYPES
from ...model.accounts import ACCOUNT_ID_PATTERN
from ..deps import ADMIN_ENV_TOKEN_ID, PrincipalDep, ServicesDep, requires
from ..errors import problem_responses
from ..routing import GatewayRoute
from ..schemas.common import comma_list_pattern
from ..schemas.events import EVENT_PATTERN

router = APIRouter(prefix="/v1/events", tags=["events"], route_class=GatewayRoute)

# One event of the stream (Open API before 3.2 has `schema` of an event stream describe each
# event); heartbeats are comments, not events.
_SSE_EVENT = {
    "type": "object",
    "required": ["data"],
    "properties": {
        "id": {"type": "string"},
        "event": {"type": "string"},
        "retry": {"type": "integer"},
        "data": {
            "type": "string",
            "contentMediaType": "application/json",
            "description": "`{id, type, account, created_at, data, state}` (`state`: the "
            "account's change-feed state once the event happened, null "
            "before its first listing; see /changes)",
        },
    },
}
_SSE_DOC = {
    200: {
        "content": {"text/event-stream": {"schema": _SSE_EVENT}},
        "description": "Per event `id:` (the event id, for `Last-Event-ID`), "
        "`event:` (its type) and `data:` (one line of JSON: "
        "`{id, type, account, created_at, data, state}`); "
        "`: heartbeat` "
        "comments keep the connection alive; once the token is revoked "
        "the stream ends with an `event: error` "
        "(`data: {code, detail}`)",
    }
}


@router.get(
    "",
    response_class=StreamingResponse,
    status_code=200,
    dependencies=requires("read"),
    responses={**_SSE_DOC, **problem_responses(403, 404)},
)
async def stream_events(
    services: ServicesDep,
    principal: PrincipalDep,
    account: Annotated[str | None, Query(pattern=ACCOUNT_ID_PATTERN)] = None,
    types: Annotated[
        str | None,
        Query(
            max_length=1000,
            description="Comma-separated; `message.*` works",
            json_schema_extra={"pattern": comma_list_pattern(EVENT_PATTERN)},
        ),
    ] = None,
    last_event_id: Annotated[str | None, Header(max_length=64)] = None,
) -> StreamingResponse:
    if account is not None:
        if not principal.can_see(account):
            raise AccountNotFound(f"no account {account!r}")
        await services.accounts.get(account)
    accounts = frozenset({account}) if account else principal.accounts
    filter_ = EventFilter(
        accounts=accounts,
        types=parse_types(types, EVENT_TYPES),
        include_global=account is None and principal.accounts is None,
    )
    tokens = services.tokens
    stream = EventStream(
        services.events,
        filter_,
        heartbeat=services.settings.sse_heartbeat,
        # A revoked token's stream ends within the token cache time (the env token is for ever).
        authorized=None
        if principal.token_id == ADMIN_ENV_TOKEN_ID
        else functools.partial(tokens.is_active, principal.token_id),
        recheck=tokens.recheck_seconds,
    )
    start = await stream.start_seq(last_event_id)
    return StreamingResponse(
        stream.messages(start),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
