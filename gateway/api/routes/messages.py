"""Messages (IMAP): list, append, read, stream, flags, move, copy, delete, batch."""

from __future__ import annotations

from collections import OrderedDict
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import StreamingResponse
from pydantic import ValidationError

from ...errors import InvalidInput
from ...imap.service import ListQuery
from ...model.messages import ParsedMessage
from ..deps import AccountDep, AccountId, ServicesDep, account_of, requires, services_of
from ..errors import problem_responses
from ..params import IsoDate, MailboxId, MessageId, PageCursor, PageLimit
from ..routing import GatewayRoute
from ..schemas.common import comma_list_pattern
from ..schemas.messages import (
    FLAG_REGEX,
    BatchItem,
    BatchRequest,
    BatchResult,
    DraftIn,
    FlagsOut,
    FlagsUpdate,
    LabelChanges,
    LabelsOut,
    MailboxTarget,
    MessageIdOut,
    MessageList,
    MessageOut,
    gmail_info_json,
    message_list_json,
)

router = APIRouter(prefix="/v1/accounts/{account}", tags=["messages"], route_class=GatewayRoute)

_UPSTREAM = (502, 503, 504)
FILTER_MAX = 1000  # characters of one search filter
SearchFilter = Annotated[str | None, Query(max_length=FILTER_MAX)]
GmailSearch = Annotated[
    str | None,
    Query(
        max_length=FILTER_MAX,
        pattern=r"^[^\x00-\x1f\x7f]*$",
        description=(
            "Gmail only (X-GM-EXT-1): a search in Gmail's own syntax (X-GM-RAW), e.g. "
            "'has:attachment in:unread' or 'from:ann newer_than:7d'; combined with the other "
            "filters. Elsewhere a 422 x_gm_raw_unsupported."
        ),
    ),
]


def _inlined(schema: dict, components: frozenset[str] = frozenset({"AddressOut"})) -> dict:
    """A model's JSON schema with its ``$defs`` inlined (it is not in the components), but for
    the models that are components already (responses use them): those are referenced, so
    that client generators make one class of each (openapi-python-client refuses a second
    inline model of the same title)."""
    defs = schema.pop("$defs", {})

    def walk(node):  # noqa: ANN001, ANN202
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                name = ref.rsplit("/", 1)[1]
                if name in components:
                    return {"$ref": f"#/components/schemas/{name}"}
                return walk(dict(defs[name]))
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return walk(schema)


_APPEND_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "message/rfc822": {"schema": {"type": "string", "format": "binary"}},
            "application/json": {"schema": _inlined(DraftIn.model_json_schema(by_alias=True))},
        },
    }
}


CollapseThreads = Annotated[
    bool,
    Query(
        description=(
            "One entry per thread: the newest message of each thread in this listing (same "
            "filters), with thread_count; threads ordered by their newest message, paged by "
            "cursor. Looks at the newest 10,000 messages of the listing."
        )
    ),
]


@router.get(
    "/mailboxes/{mailbox}/messages",
    response_model=MessageList,
    status_code=200,
    dependencies=requires("read"),
    responses=problem_responses(403, 404, *_UPSTREAM),
)
async def list_messages(
    request: Request,
    account: AccountId,
    mailbox: MailboxId,
    unseen: bool | None = None,
    flagged: bool | None = None,
    from_: Annotated[str | None, Query(alias="from", max_length=FILTER_MAX)] = None,
    to: SearchFilter = None,
    subject: SearchFilter = None,
    text: SearchFilter = None,
    since: IsoDate | None = None,
    before: IsoDate | None = None,
    x_gm_raw: GmailSearch = None,
    limit: PageLimit = 50,
    cursor: PageCursor = None,
    collapse_threads: CollapseThreads = False,
) -> Response:
    query = ListQuery(unseen, flagged, from_, to, subject, text, since, before, x_gm_raw)
    acct = await account_of(request, account)  # a plain call: see deps.account_of
    page = await services_of(request).mail.list_messages(
        acct.id, mailbox, query, limit=limit, cursor=cursor, collapse_threads=collapse_threads
    )
    # One serializer writes MessageSummary's shape (validating 500 items is measurable).
    return Response(message_list_json(page), media_type="application/json")


@router.post(
    "/mailboxes/{mailbox}/messages",
    response_model=MessageIdOut,
    status_code=201,
    dependencies=requires("write"),
    openapi_extra=_APPEND_BODY,
    responses=problem_responses(403, 404, 413, *_UPSTREAM),
)
async def append_message(
    account: AccountDep,
    mailbox: MailboxId,
    request: Request,
    services: ServicesDep,
    flags: Annotated[
        list[str] | None,
        Query(
            description="Flags, repeated or comma-separated",
            json_schema_extra={
                "items": {"type": "string", "pattern": comma_list_pattern(FLAG_REGEX)}
            },
        ),
    ] = None,
) -> MessageIdOut:
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await request.body()
    if ctype == "application/json":
        try:
            draft = DraftIn.model_validate_json(body).to_draft(account.email)
        except ValidationError as exc:
            raise RequestValidationError(exc.errors(include_input=False)) from None
        flag_list = _flag_list(flags)
        return MessageIdOut(
            id=await services.mail.append_draft(account.id, mailbox, draft, flag_list)
        )
    if ctype not in ("message/rfc822", "application/octet-stream"):
        raise InvalidInput("send message/rfc822 or an application/json draft")
    return MessageIdOut(id=await services.mail.append(account.id, mailbox, body, _flag_list(flags)))


def _flag_list(flags: list[str] | None) -> list[str]:
    return [f.strip() for item in flags or [] for f in item.split(",") if f.strip()]


@router.post(
    "/messages/batch",
    response_model=BatchResult,
    status_code=200,
    dependencies=requires("write"),
    responses=problem_responses(403, 404, 409, *_UPSTREAM),
)
async def batch(account: AccountDep, body: BatchRequest, services: ServicesDep) -> BatchResult:
    flags = body.flags.model_dump() if body.flags else None
    items = await services.mail.batch(
        account.id,
        body.ids,
        body.action,
        flags=flags,
        mailbox_id=body.mailbox,
        permanent=body.permanent,
    )
    return BatchResult(items=[BatchItem(**i) for i in items])


class MessageJsonMemo:
    """The JSON of a message read, kept while the mail layer keeps that message parsed.

    A message's content never changes under its id, only its flags (and on Gmail its
    labels) and its thread id (threads merge) do; the mail layer caches small messages
    parsed and hands out the same object on every read. Serialising the same ``MessageOut``
    again each time (a dozen models) cost about a sixth of a cached read, so the JSON is
    kept in two halves around ``"thread_id":...,"flags":[...]``, the second ending before
    ``gmail``'s value (the last field), and a read joins them with the current thread id,
    flags and Gmail data. An entry is used only while the
    mail layer still returns the very object it was made from; entries are bounded in
    total bytes.
    """

    _SENTINEL = "\x00"
    _MARK = b'"thread_id":"\\u0000","flags":["\\u0000"]'
    _NO_GMAIL = b"null}"  # MessageOut's last field is gmail

    def __init__(self, max_bytes: int = 16 * 1024 * 1024, max_entry: int = 512 * 1024) -> None:
        self.max_bytes, self.max_entry = max_bytes, max_entry
        self._size = 0
        self._data: OrderedDict[tuple[str, str], tuple[object, bytes, bytes]] = OrderedDict()

    def render(
        self, account_id: str, message: str, ref: Any, parsed: ParsedMessage, meta: dict[str, Any]
    ) -> bytes:
        key = (account_id, message)
        hit = self._data.get(key)
        facts = meta.get("gmail")
        gmail = self._NO_GMAIL if facts is None else orjson.dumps(gmail_info_json(facts)) + b"}"
        if hit is not None and hit[0] is parsed:
            self._data.move_to_end(key)
            return hit[1] + self._changing(meta) + hit[2] + gmail
        full = (
            MessageOut.from_parsed(
                parsed,
                id=message,
                uid=ref.uid,
                mailbox=meta["mailbox"],
                thread_id=self._SENTINEL,
                flags=[self._SENTINEL],
                size=meta["size"],
                preview=parsed.preview,
            )
            .model_dump_json(by_alias=True)
            .encode()
        )
        head, mark, tail = full.partition(self._MARK)
        if not mark or not tail.endswith(b'"gmail":' + self._NO_GMAIL):
            # cannot happen: the sentinel flag serialises as the mark, gmail comes last
            raise AssertionError("flags mark or gmail missing from MessageOut JSON")
        tail = tail[: -len(self._NO_GMAIL)]
        head += b'"thread_id":'
        if len(head) + len(tail) <= self.max_entry:
            if hit is not None:
                self._size -= len(hit[1]) + len(hit[2])
            self._data[key] = (parsed, head, tail)
            self._data.move_to_end(key)
            self._size += len(head) + len(tail)
            while self._size > self.max_bytes:
                _, (_, h, t) = self._data.popitem(last=False)
                self._size -= len(h) + len(t)
        return head + self._changing(meta) + tail + gmail

    @staticmethod
    def _changing(meta: dict[str, Any]) -> bytes:
        return orjson.dumps(meta.get("thread_id")) + b',"flags":' + orjson.dumps(meta["flags"])


_message_json = MessageJsonMemo()


@router.get(
    "/messages/{message}",
    response_model=MessageOut,
    status_code=200,
    dependencies=requires("read"),
    responses=problem_responses(403, 404, *_UPSTREAM),
)
async def get_message(request: Request, account: AccountId, message: MessageId) -> Response:
    acct = await account_of(request, account)  # a plain call: see deps.account_of
    ref, parsed, meta = await services_of(request).mail.get_message(acct.id, message)
    # What FastAPI would make of the returned model (by alias), without validating it again.
    return Response(
        _message_json.render(acct.id, message, ref, parsed, meta), media_type="application/json"
    )


@router.get(
    "/messages/{message}/raw",
    response_class=StreamingResponse,
    status_code=200,
    dependencies=requires("read"),
    responses={
        **problem_responses(403, 404, *_UPSTREAM),
        200: {
            "content": {"message/rfc822": {"schema": {"type": "string", "format": "binary"}}},
            "description": "The RFC 822 source",
        },
    },
)
async def get_raw(
    account: AccountDep, message: MessageId, services: ServicesDep
) -> StreamingResponse:
    size, chunks = await services.mail.open_raw(account.id, message)
    return StreamingResponse(
        chunks, media_type="message/rfc822", headers={"Content-Length": str(size)}
    )


@router.get(
    "/messages/{message}/attachments/{attachment}",
    response_class=StreamingResponse,
    status_code=200,
    dependencies=requires("read"),
    responses={
        **problem_responses(403, 404, *_UPSTREAM),
        200: {
            "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
            "description": "The decoded part, with its own content type",
        },
    },
)
async def get_attachment(
    account: AccountDep,
    message: MessageId,
    services: ServicesDep,
    attachment: Annotated[str, Path(max_length=128, description="IMAP part number")],
) -> StreamingResponse:
    part, chunks = await services.mail.open_attachment(account.id, message, attachment)
    return StreamingResponse(
        chunks,
        media_type=part.content_type,
        headers={
            "Content-Disposition": part.disposition_header(),
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.patch(
    "/messages/{message}",
    response_model=FlagsOut,
    status_code=200,
    dependencies=requires("write"),
    responses=problem_responses(403, 404, *_UPSTREAM),
)
async def update_flags(
    account: AccountDep, message: MessageId, body: FlagsUpdate, services: ServicesDep
) -> FlagsOut:
    changes = body.flags
    flags = await services.mail.update_flags(
        account.id, message, add=changes.add, remove=changes.remove, set_=changes.set
    )
    return FlagsOut(id=message, flags=flags)


@router.patch(
    "/messages/{message}/labels",
    response_model=LabelsOut,
    status_code=200,
    dependencies=requires("write"),
    responses=problem_responses(403, 404, *_UPSTREAM),
    description="Gmail only (X-GM-EXT-1): change the message's Gmail labels "
    "(UID STORE X-GM-LABELS); elsewhere a 422 gmail_labels_unsupported.",
)
async def update_labels(
    account: AccountDep, message: MessageId, body: LabelChanges, services: ServicesDep
) -> LabelsOut:
    labels = await services.mail.update_labels(
        account.id, message, add=body.add, remove=body.remove, set_=body.set
    )
    return LabelsOut(id=message, labels=list(labels))


@router.post(
    "/messages/{message}/move",
    response_model=MessageIdOut,
    status_code=200,
    dependencies=requires("write"),
    responses=problem_responses(403, 404, *_UPSTREAM),
)
async def move_message(
    account: AccountDep, message: MessageId, body: MailboxTarget, services: ServicesDep
) -> MessageIdOut:
    return MessageIdOut(id=await services.mail.move(account.id, message, body.mailbox))


@router.post(
    "/messages/{message}/copy",
    response_model=MessageIdOut,
    status_code=200,
    dependencies=requires("write"),
    responses=problem_responses(403, 404, *_UPSTREAM),
)
async def copy_message(
    account: AccountDep, message: MessageId, body: MailboxTarget, services: ServicesDep
) -> MessageIdOut:
    return MessageIdOut(id=await services.mail.copy(account.id, message, body.mailbox))


@router.delete(
    "/messages/{message}",
    status_code=204,
    response_class=Response,
    dependencies=requires("write"),
    responses=problem_responses(403, 404, 409, *_UPSTREAM),
)
async def delete_message(
    account: AccountDep, message: MessageId, services: ServicesDep, permanent: bool = False
) -> Response:
    await services.mail.delete(account.id, message, permanent=permanent)
    return Response(status_code=204)
