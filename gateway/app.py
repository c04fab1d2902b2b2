"""The app factory: ``create_app(settings)`` builds everything, its lifespan runs it."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI

from . import __version__
from .api import errors as api_errors
from .api.audit import AuditMiddleware
from .api.auth_first import AuthFirstMiddleware
from .api.limits import BodyLimitMiddleware
from .api.metrics import Metrics, MetricsMiddleware
from .api.ratelimit import RateLimiter
from .api.routes import (
    accounts,
    audit,
    changes,
    console,
    discovery,
    drafts,
    events,
    forward,
    health,
    mailboxes,
    messages,
    oauth2,
    outbox,
    pop3,
    search,
    send,
    threads,
    tokens,
    webhooks,
)
from .events.url_policy import Resolver
from .services import build_services, running
from .settings import Settings

log = logging.getLogger(__name__)

DESCRIPTION = """\
Send mail (SMTP), read and organise mailboxes (IMAP) and retrieve mail in bulk (POP3)
through a JSON API. Every `/v1` route takes `Authorization: Bearer <token>`.
Errors are `application/problem+json` with a stable `code`: a body that is not UTF-8
is a 400, one over the size limit a 413, JSON that does not parse or does not fit the
schema a 422, and so is a query parameter the operation does not declare; a method a path
does not offer is a 405 whose `Allow` lists those it does.
"""


def create_app(
    settings: Settings | None = None, *, webhook_resolver: Resolver | None = None
) -> FastAPI:
    """Build the application; nothing connects until the lifespan starts.

    ``webhook_resolver`` replaces the system's DNS for webhook URLs (tests use it).
    """
    settings = settings or Settings()
    services = build_services(settings, webhook_resolver=webhook_resolver)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # After uvicorn configured its loggers: no OAuth2 code or state in the access log.
        logging.getLogger("uvicorn.access").addFilter(oauth2.REDACT_CALLBACK_QUERY)
        async with running(services):
            yield

    app = FastAPI(
        title="mailgate",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        # Swagger UI from the gateway's own files (works offline); no ReDoc (it needs a CDN).
        docs_url=None,
        redoc_url=None,
        license_info={"name": "GPL-3.0-or-later", "identifier": "GPL-3.0-or-later"},
        openapi_tags=[
            {"name": tag}
            for tag in (
                "operations",
                "accounts",
                "tokens",
                "events",
                "mailboxes",
                "messages",
                "changes",
                "drafts",
                "pop3",
                "sending",
            )
        ],
    )
    app.state.services = services
    app.state.rate_limiter = (
        RateLimiter(settings.rate_limit_per_minute, settings.rate_limit_burst)
        if settings.rate_limit_per_minute
        else None
    )
    api_errors.install(app)
    # Requests are matched against the routes in this order, one by one: the busiest first.
    # (No two routers share a path, so the order changes nothing else.)
    for module in (
        messages,
        send,
        mailboxes,
        health,
        accounts,
        tokens,
        events,
        webhooks,
        pop3,
        outbox,
        audit,
        oauth2,
        changes,
        discovery,
        threads,
        drafts,
        forward,
        search,
    ):
        # The routes themselves, not the router: FastAPI matches an included router's
        # routes through per-request route contexts, twice (~60 us a request, bench/README.md).
        app.router.routes.extend(module.router.routes)
    console.install(app)  # /ui (the web console) and /docs, from the package's files
    app.state.metrics = metrics = Metrics(services)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_request_bytes)
    # Outside the body limit: a caller without a valid token learns nothing else.
    app.add_middleware(AuthFirstMiddleware, services=services)
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    # Outermost: it sees every answer, refusals of the middlewares above included.
    app.add_middleware(AuditMiddleware, audit=services.audit, openapi=app.openapi)
    return app
