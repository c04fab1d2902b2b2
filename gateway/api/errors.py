"""The only place where gateway errors become HTTP statuses (RFC 9457 problem+json)."""

from __future__ import annotations

import logging
import math
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import errors as e
from ..imap.ids import ADDRESSING_HINT
from .schemas.send import RejectedRecipient
from .validation_hints import expected_hint

log = logging.getLogger(__name__)

PROBLEM_TYPE = "application/problem+json"

_STATUS: list[tuple[type[e.GatewayError], int]] = [
    # most specific first
    (e.PayloadTooLarge, 413),
    (e.OAuth2StateGone, 410),
    (e.CannotCalculateChanges, 410),
    (e.OAuth2StateRefused, 400),
    (e.InvalidInput, 422),
    (e.ProtocolNotConfigured, 404),
    (e.NotFound, 404),
    (e.AccountBusy, 409),
    (e.Conflict, 409),
    (e.Unauthenticated, 401),
    (e.RateLimited, 429),
    (e.AccessDenied, 403),
    (e.UpstreamTimeout, 504),
    (e.UpstreamUnavailable, 503),
    (e.UpstreamError, 502),
]

_TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    410: "Gone",
    413: "Payload too large",
    415: "Unsupported media type",
    422: "Validation error",
    429: "Too many requests",
    500: "Internal server error",
    502: "Bad gateway",
    503: "Service unavailable",
    504: "Gateway timeout",
}

_HTTP_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    415: "unsupported_media_type",
    429: "rate_limited",
}


class Problem(BaseModel):
    """An error (RFC 9457). ``code`` is a stable machine string."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    errors: list[dict[str, Any]] | None = Field(
        default=None,
        description="validation_error: what is wrong where, each "
        "`{loc, msg, type}` and, where the schema says, `expected` (what would be right there, "
        'e.g. `an object like {"add": ["\\\\Seen"]}`)',
    )
    smtp_code: int | None = Field(
        default=None, description="The SMTP server's reply code, when one reply refused"
    )
    rejected: list[RejectedRecipient] | None = Field(
        default=None, description="Every recipient refused: each one's SMTP reply"
    )


def status_of(exc: e.GatewayError) -> int:
    for cls, status in _STATUS:
        if isinstance(exc, cls):
            return status
    return 500


def problem(
    status: int,
    code: str,
    detail: str,
    *,
    title: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body = {
        "type": f"urn:mailgate:problem:{code}",
        "title": title or _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "code": code,
        **{k: v for k, v in extra.items() if v is not None},
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM_TYPE, headers=headers)


def problem_responses(*statuses: int, auth: bool = True) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` of a route: each listed status documented as problem+json.

    Routes behind a token also answer 401 (no or bad token) and 429 (rate limit).
    """
    statuses = tuple(sorted({422, *statuses, *((401, 429) if auth else ())}))
    return {
        s: {
            "model": Problem,
            "description": _TITLES.get(s, "Error"),
            "content": {PROBLEM_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for s in statuses
    }


async def _gateway_error(_request: Request, exc: e.GatewayError) -> JSONResponse:
    return gateway_problem(exc)


def gateway_problem(exc: e.GatewayError) -> JSONResponse:
    """The problem+json response for a gateway error (also for middleware, which runs
    outside the app's exception handlers)."""
    status = status_of(exc)
    headers = None
    if isinstance(exc, e.UpstreamUnavailable):
        headers = {"Retry-After": str(exc.retry_after)}
    elif isinstance(exc, e.RateLimited):
        headers = {"Retry-After": str(max(1, math.ceil(exc.retry_after)))}
    elif isinstance(exc, e.AccountBusy):
        headers = {"Retry-After": "1"}
    if status >= 500:
        log.warning("%s: %s", exc.code, exc.detail)
    detail = exc.detail
    if isinstance(exc, e.MailboxNotFound) and ADDRESSING_HINT not in detail:
        detail = f"{detail}; {ADDRESSING_HINT}"  # how to name one, whatever was wrong
    return problem(
        status, exc.code, detail, title=exc.title, headers=headers, **problem_fields(exc)
    )


def problem_fields(exc: e.GatewayError) -> dict[str, Any]:
    """The typed attributes of an error that its problem+json shows (``Problem``'s optional
    fields); every other attribute (``protocol``, ``limit``, ...) stays inside."""
    fields: dict[str, Any] = {}
    if isinstance(exc, e.UpstreamError) and exc.smtp_code is not None:
        fields["smtp_code"] = exc.smtp_code
    if isinstance(exc, e.UpstreamRejected) and exc.rejected is not None:
        fields["rejected"] = [
            {"address": r.address, "code": r.code, "message": r.message} for r in exc.rejected
        ]
    return fields


def _loc_part(part: Any) -> Any:
    """A location step as shown: field names and indexes; a key the caller chose (an unknown
    field, a header name) only when it is short printable ASCII, else ``[key]``."""
    if isinstance(part, int) or (
        isinstance(part, str) and len(part) <= 64 and part.isascii() and part.isprintable()
    ):
        return part
    return "[key]"


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    # Never echo the input back: it may hold a password. (pydantic's "input" and "ctx" are
    # left out; its messages name the expected shape, never the value.) ``expected`` says
    # what would have been right there, from the operation's schema (validation_hints).
    route = request.scope.get("route")
    template = getattr(route, "path", None)
    errors = []
    for err in exc.errors():
        loc = tuple(err.get("loc", ()))
        item: dict[str, Any] = {
            "loc": [_loc_part(p) for p in loc],
            "msg": err.get("msg", ""),
            "type": err.get("type", ""),
        }
        if template is not None:
            try:
                hint = expected_hint(
                    request.app.openapi(),
                    request.method,
                    template,
                    request.headers.get("content-type"),
                    loc,
                    item["type"],
                )
            except Exception:  # a hint must never turn a 422 into a 500
                log.exception("no validation hint for %s %s", request.method, template)
                hint = None
            if hint:
                item["expected"] = hint
        errors.append(item)
    summary = "; ".join(
        f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}"
        + (f"; expected {err['expected']}" if "expected" in err else "")
        for err in errors[:5]
    )
    return problem(422, "validation_error", summary or "invalid request", errors=errors)


async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    code = _HTTP_CODES.get(exc.status_code, f"http_{exc.status_code}")
    headers = getattr(exc, "headers", None)
    if exc.status_code == 405:
        allowed = _allowed_methods(request)
        if allowed:
            headers = {**(headers or {}), "Allow": allowed}
    return problem(exc.status_code, code, str(exc.detail), headers=headers)


def _allowed_methods(request: Request) -> str:
    """Every method the OpenAPI document offers at this path, HEAD with GET (RFC 9110
    section 15.5.6). Starlette's own ``Allow`` names only the first route whose path
    matches, and each method of a path is a route of its own here. Where two paths match
    (``/messages/batch`` and ``/messages/{message}``) the one with fewer parameters names
    the resource."""
    templates = getattr(request.app.state, "path_methods", None)
    if templates is None:
        templates = request.app.state.path_methods = [
            (
                re.compile(
                    "".join(
                        "[^/]+" if part.startswith("{") else re.escape(part)
                        for part in re.split(r"(\{[^}]+\})", path)
                    )
                ),
                path.count("{"),
                {method.upper() for method in item},
            )
            for path, item in request.app.openapi().get("paths", {}).items()
        ]
    matches = [
        (params, m) for pattern, params, m in templates if pattern.fullmatch(request.scope["path"])
    ]
    fewest = min((params for params, _ in matches), default=0)
    methods = set().union(*(m for params, m in matches if params == fewest))
    if "GET" in methods:
        methods.add("HEAD")
    return ", ".join(sorted(methods))


async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error", exc_info=exc)
    return problem(500, "internal_error", "an unexpected error occurred; see the gateway log")


_BODY_ERRORS = {
    400: "Bad request: the body cannot be decoded (not UTF-8)",
    413: "Payload too large: the body is over the gateway's limit",
}


def _document_body_errors(schema: dict[str, Any]) -> None:
    """Every operation that takes a body also answers 400 (a body that cannot be decoded:
    not UTF-8) and 413 (a body over ``max_request_bytes``): documented once here, not on
    each route. (JSON that does not parse is a 422, ``json_invalid``, like any invalid body.)"""
    for path_item in schema.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict) or "requestBody" not in operation:
                continue
            responses = operation.setdefault("responses", {})
            for status in (400, 413):
                responses.setdefault(
                    str(status),
                    {
                        "description": _BODY_ERRORS[status],
                        "content": {
                            PROBLEM_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}
                        },
                    },
                )


def install(app: FastAPI) -> None:
    app.add_exception_handler(e.GatewayError, _gateway_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
    build_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            _document_body_errors(build_openapi())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
