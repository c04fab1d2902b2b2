"""/v1/accounts/{account}/pop3: STAT, listing, bulk retrieval (JSON or NDJSON), get, delete."""

from __future__ import annotations

import asyncio
import base64
import binascii
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from ...errors import Forbidden, InvalidInput
from ...pop3 import Pop3Service, RetrievedItem
from ..deps import AccountDep, PrincipalDep, ServicesDep, requires
from ..errors import problem_responses
from ..params import PageLimit
from ..pop3_stream import NDJSON, RetrievalResponse
from ..routing import GatewayRoute
from ..schemas.pop3 import (
    UIDL_PATTERN,
    Pop3MessageList,
    Pop3MessageOut,
    Pop3ParsedItem,
    Pop3RetrieveEnd,
    Pop3RetrieveOut,
    Pop3RetrieveRequest,
    Pop3Stat,
    parsed_item,
)


def ndjson_end_schema() -> dict:
    """The last NDJSON line's schema, inline (its ``error`` refers to a component)."""
    schema = Pop3RetrieveEnd.model_json_schema(ref_template="#/components/schemas/{model}")
    schema.pop("$defs", None)
    return schema


router = APIRouter(prefix="/v1/accounts/{account}/pop3", tags=["pop3"], route_class=GatewayRoute)

JSON_DEFAULT_LIMIT = 100
UidlPath = Annotated[str, Path(pattern=UIDL_PATTERN, description="The message's UIDL")]
_UPSTREAM = (409, 502, 503, 504)


def _pop3(services) -> Pop3Service:
    return services.pop3


@router.get(
    "",
    response_model=Pop3Stat,
    status_code=200,
    dependencies=requires("read"),
    responses=problem_responses(403, 404, *_UPSTREAM),
)
async def pop3_stat(account: AccountDep, services: ServicesDep) -> Pop3Stat:
    count, size = await _pop3(services).stat(account.id)
    return Pop3Stat(count=count, size=size)


@router.get(
    "/messages",
    response_model=Pop3MessageList,
    status_code=200,
    dependencies=requires("read"),
    responses=problem_responses(403, 404, *_UPSTREAM),
)
async def list_pop3_messages(
    account: AccountDep,
    services: ServicesDep,
    limit: PageLimit = 50,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
) -> Pop3MessageList:
    start = _offset(cursor)
    entries = await _pop3(services).list_messages(account.id)
    page = entries[start : start + limit]
    more = start + limit < len(entries)
    return Pop3MessageList(
        items=[Pop3MessageOut.of(e) for e in page],
        total=len(entries),
        next_cursor=_cursor(start + limit) if more else None,
    )


@router.post(
    "/retrieve",
    response_model=Pop3RetrieveOut,
    status_code=200,
    dependencies=requires("read"),
    responses={
        **problem_responses(403, 404, *_UPSTREAM),
        200: {
            "description": "JSON `{items, complete, reason, delivered, deleted, "
            "remaining}`, or with `Accept: application/x-ndjson` one item "
            "per line, streamed, then one line with how it ended "
            "(`complete`, ...); a body without that end was cut off",
            "content": {
                NDJSON: {
                    "schema": {
                        "oneOf": [
                            {"$ref": "#/components/schemas/Pop3ParsedItem"},
                            {"$ref": "#/components/schemas/Pop3RawItem"},
                            ndjson_end_schema(),
                        ]
                    }
                }
            },
        },
    },
)
async def retrieve_pop3(
    account: AccountDep,
    body: Pop3RetrieveRequest,
    request: Request,
    services: ServicesDep,
    principal: PrincipalDep,
) -> Response:
    if body.delete and not principal.has("write"):
        raise Forbidden("'delete: true' needs the 'write' scope")
    ndjson = NDJSON in request.headers.get("accept", "")
    limit = body.limit if ndjson or body.limit is not None else JSON_DEFAULT_LIMIT
    retrieval = await _pop3(services).start_retrieval(
        account.id,
        only_new=body.only_new,
        delete=body.delete,
        limit=limit,
        headers_only=body.headers_only,
    )
    return RetrievalResponse(
        retrieval,
        body.format,
        ndjson=ndjson,
        write_timeout=services.settings.pop3_client_write_timeout,
    )


@router.get(
    "/messages/{uidl}",
    response_model=Pop3ParsedItem,
    status_code=200,
    dependencies=requires("read"),
    responses=problem_responses(403, 404, *_UPSTREAM),
)
async def get_pop3_message(
    account: AccountDep, uidl: UidlPath, services: ServicesDep
) -> Pop3ParsedItem:
    entry, raw = await _pop3(services).get_raw(account.id, uidl)
    item = RetrievedItem(entry.number, entry.uidl, entry.size, raw, entry.seen)
    return await asyncio.to_thread(parsed_item, item)  # MIME parsing is CPU work


@router.get(
    "/messages/{uidl}/raw",
    response_class=Response,
    status_code=200,
    dependencies=requires("read"),
    responses={
        **problem_responses(403, 404, *_UPSTREAM),
        200: {
            "content": {"message/rfc822": {"schema": {"type": "string", "format": "binary"}}},
            "description": "the message source",
        },
    },
)
async def get_pop3_raw(account: AccountDep, uidl: UidlPath, services: ServicesDep) -> Response:
    _entry, raw = await _pop3(services).get_raw(account.id, uidl)
    return Response(raw, media_type="message/rfc822")


@router.delete(
    "/messages/{uidl}",
    status_code=204,
    response_class=Response,
    dependencies=requires("write"),
    responses=problem_responses(403, 404, *_UPSTREAM),
)
async def delete_pop3_message(
    account: AccountDep, uidl: UidlPath, services: ServicesDep
) -> Response:
    await _pop3(services).delete(account.id, uidl)
    return Response(status_code=204)


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode().rstrip("=")


def _offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _, value = text.partition(":")
        if kind == "o" and value.isdigit():
            return int(value)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise InvalidInput("invalid cursor")
