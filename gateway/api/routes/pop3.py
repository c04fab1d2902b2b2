"""/v1/accounts/{account}/pop3: STAT, listing, bulk retrieval (JSON or NDJSON), get, delete."""

from __future__ import annotations

import asyncio
import base64
import binascii
from collections.abc import AsyncIterator
from typing import Annotated

import orjson
from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from ...errors import Forbidden, GatewayError, InvalidInput
from ...pop3 import Pop3Service, Retrieval, RetrievedItem
from ..deps import AccountDep, PrincipalDep, ServicesDep, requires
from ..errors import problem_responses, status_of
from ..schemas.pop3 import (
    UIDL_PATTERN,
    Pop3Format,
    Pop3MessageList,
    Pop3MessageOut,
    Pop3ParsedItem,
    Pop3RetrieveOut,
    Pop3RetrieveRequest,
    Pop3Stat,
    encode_item,
    parsed_item,
)

router = APIRouter(prefix="/v1/accounts/{account}/pop3", tags=["pop3"])

NDJSON = "application/x-ndjson"
JSON_DEFAULT_LIMIT = 100
COALESCE_BYTES = 64 * 1024  # join small items into writes of about this size
UidlPath = Annotated[str, Path(pattern=UIDL_PATTERN, description="The message's UIDL")]
_UPSTREAM = (409, 502, 503, 504)


def _pop3(services) -> Pop3Service:
    return services.pop3


class RetrievalResponse(StreamingResponse):
    """Streams a retrieval; a chunk counts as written only if the client is still there.

    The producer is resumed (and so marks the previous item delivered) only after its
    chunk was handed to the server with the client connected; whatever happens, the
    retrieval is closed here, which ends the POP3 session and releases the account.
    """

    def __init__(self, retrieval: Retrieval, chunks: AsyncIterator[bytes], media_type: str):
        super().__init__(chunks, media_type=media_type)
        self.retrieval = retrieval
        retrieval.hold_back(COALESCE_BYTES)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        gone = asyncio.Event()

        async def watch() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass
            gone.set()

        watcher = asyncio.ensure_future(watch())
        written_all = False
        try:
            await send({"type": "http.response.start", "status": self.status_code,
                        "headers": self.raw_headers})
            pending: list[bytes] = []
            size = 0
            async for chunk in self.body_iterator:
                if gone.is_set():
                    break
                pending.append(chunk)
                size += len(chunk)
                if size < COALESCE_BYTES:
                    continue  # fewer, larger writes; the retrieval holds back this much more
                await send({"type": "http.response.body", "body": b"".join(pending),
                            "more_body": True})
                pending.clear()
                size = 0
                if gone.is_set():
                    break
            else:
                if pending:
                    await send({"type": "http.response.body", "body": b"".join(pending),
                                "more_body": True})
                if not gone.is_set():
                    written_all = True
                    # Commit (mark seen, QUIT) before the terminating chunk: a client that
                    # saw the end of the response can rely on the deletions having happened.
                    await self.retrieval.aclose()
                    await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            watcher.cancel()
            await self.body_iterator.aclose()  # type: ignore[attr-defined]
            if not written_all:
                self.retrieval.abandon()
            await self.retrieval.aclose()


def _error(exc: GatewayError) -> bytes:
    return orjson.dumps({"status": status_of(exc), "code": exc.code, "detail": exc.detail})


async def _chunks(retrieval: Retrieval, fmt: Pop3Format, ndjson: bool) -> AsyncIterator[bytes]:
    """NDJSON: one item per line. JSON: ``{"items": [...], "remaining": n}`` built piecewise.

    An upstream error after the first byte cannot change the status any more: it ends
    the stream with an ``{"error": {...}}`` line (NDJSON) or an ``error`` member (JSON).
    """
    sep = b"\n" if ndjson else b","
    first = True
    headers_only = retrieval.headers_only
    if not ndjson:
        yield b'{"items":['
    try:
        async for item in retrieval.items():
            data = encode_item(item, fmt, headers_only=headers_only)
            yield data + sep if ndjson else (data if first else sep + data)
            first = False
    except GatewayError as exc:
        yield (b'{"error":%s}\n' % _error(exc)) if ndjson else (
            b'],"remaining":%d,"error":%s}' % (retrieval.remaining, _error(exc)))
        return
    if not ndjson:
        yield b'],"remaining":%d}' % retrieval.remaining


@router.get("", response_model=Pop3Stat, status_code=200, dependencies=requires("read"),
            responses=problem_responses(403, 404, *_UPSTREAM))
async def pop3_stat(account: AccountDep, services: ServicesDep) -> Pop3Stat:
    count, size = await _pop3(services).stat(account.id)
    return Pop3Stat(count=count, size=size)


@router.get("/messages", response_model=Pop3MessageList, status_code=200,
            dependencies=requires("read"), responses=problem_responses(403, 404, *_UPSTREAM))
async def list_pop3_messages(
    account: AccountDep, services: ServicesDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
) -> Pop3MessageList:
    start = _offset(cursor)
    entries = await _pop3(services).list_messages(account.id)
    page = entries[start:start + limit]
    more = start + limit < len(entries)
    return Pop3MessageList(items=[Pop3MessageOut.of(e) for e in page], total=len(entries),
                           next_cursor=_cursor(start + limit) if more else None)


@router.post("/retrieve", response_model=Pop3RetrieveOut, status_code=200,
             dependencies=requires("read"),
             responses={**problem_responses(403, 404, *_UPSTREAM), 200: {
                 "description": "JSON `{items, remaining}`, or with `Accept: "
                                "application/x-ndjson` one item per line, streamed",
                 "content": {NDJSON: {"schema": {"$ref": "#/components/schemas/Pop3ParsedItem"}}},
             }})
async def retrieve_pop3(account: AccountDep, body: Pop3RetrieveRequest, request: Request,
                        services: ServicesDep, principal: PrincipalDep) -> Response:
    if body.delete and not principal.has("write"):
        raise Forbidden("'delete: true' needs the 'write' scope")
    ndjson = NDJSON in request.headers.get("accept", "")
    limit = body.limit if ndjson or body.limit is not None else JSON_DEFAULT_LIMIT
    retrieval = await _pop3(services).start_retrieval(
        account.id, only_new=body.only_new, delete=body.delete, limit=limit,
        headers_only=body.headers_only)
    media = NDJSON if ndjson else "application/json"
    return RetrievalResponse(retrieval, _chunks(retrieval, body.format, ndjson), media)


@router.get("/messages/{uidl}", response_model=Pop3ParsedItem, status_code=200,
            dependencies=requires("read"), responses=problem_responses(403, 404, *_UPSTREAM))
async def get_pop3_message(account: AccountDep, uidl: UidlPath,
                           services: ServicesDep) -> Pop3ParsedItem:
    entry, raw = await _pop3(services).get_raw(account.id, uidl)
    return parsed_item(RetrievedItem(entry.number, entry.uidl, entry.size, raw, entry.seen))


@router.get("/messages/{uidl}/raw", response_class=Response, status_code=200,
            dependencies=requires("read"), responses={
                **problem_responses(403, 404, *_UPSTREAM),
                200: {"content": {"message/rfc822": {}}, "description": "the message source"}})
async def get_pop3_raw(account: AccountDep, uidl: UidlPath, services: ServicesDep) -> Response:
    _entry, raw = await _pop3(services).get_raw(account.id, uidl)
    return Response(raw, media_type="message/rfc822")


@router.delete("/messages/{uidl}", status_code=204, response_class=Response,
               dependencies=requires("write"), responses=problem_responses(403, 404, *_UPSTREAM))
async def delete_pop3_message(account: AccountDep, uidl: UidlPath,
                              services: ServicesDep) -> Response:
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
