"""The web console (``/ui``) and the API docs (``/docs``), served from the package: no CDN.

``/ui/``: the static files of ``gateway/api/console/static`` (HTML, JavaScript modules, CSS;
nothing is built at run time). They need no token: the console asks for one and sends it
as ``Authorization: Bearer`` to the ``/v1`` API like any client (``AuthFirstMiddleware``
guards ``/v1`` alone). Every answer carries a strict Content-Security-Policy: scripts only
from the gateway's own files (no inline script, no eval), requests only to the gateway,
no frames, no plug-ins; a message's HTML is shown in a sandboxed ``srcdoc`` frame, which
inherits that policy (no script, no remote image or style).

``/docs``: Swagger UI from swagger-ui-dist 5.36.0, vendored under
``static/vendor/swagger-ui/`` with its licence (``scripts/vendor_swagger_ui.sh``), so the
page works with no network; its one inline script is allowed by its hash alone.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..routing import GatewayRoute

STATIC = Path(__file__).resolve().parent.parent / "console" / "static"
SWAGGER = "/ui/vendor/swagger-ui"

_COMMON = (
    "default-src 'none'",
    "connect-src 'self'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    # Inline style attributes: Swagger UI sets them, and a mail's HTML (in its sandboxed
    # frame, which inherits this policy) is unreadable without them. No script may run there.
    "style-src 'self' 'unsafe-inline'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
)
CONSOLE_CSP = "; ".join(("script-src 'self'", *_COMMON))
_SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-cache",  # revalidate (ETag): a new version is seen at once
}
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def install(app: FastAPI) -> None:
    """Serve ``/ui`` and ``/docs`` (create the app with ``docs_url=None, redoc_url=None``)."""
    app.router.add_api_route(
        "/ui",
        _to_console,
        methods=["GET"],
        include_in_schema=False,
        route_class_override=GatewayRoute,
    )
    app.router.add_api_route(
        "/docs",
        _swagger_ui,
        methods=["GET"],
        include_in_schema=False,
        route_class_override=GatewayRoute,
    )
    headers = {**_SECURITY_HEADERS, "Content-Security-Policy": CONSOLE_CSP}
    app.mount("/ui", WithHeaders(StaticFiles(directory=STATIC, html=True), headers), name="console")


async def _to_console(request: Request) -> RedirectResponse:
    return RedirectResponse(request.scope.get("root_path", "") + "/ui/", status_code=307)


async def _swagger_ui(request: Request) -> HTMLResponse:
    root = request.scope.get("root_path", "")
    page = get_swagger_ui_html(
        openapi_url=root + (request.app.openapi_url or "/openapi.json"),
        title=f"{request.app.title} - API docs",
        swagger_js_url=f"{root}{SWAGGER}/swagger-ui-bundle.js",
        swagger_css_url=f"{root}{SWAGGER}/swagger-ui.css",
        swagger_favicon_url=f"{root}{SWAGGER}/favicon-32x32.png",
        # Not the public validator: it would send the API description to another host.
        swagger_ui_parameters={"validatorUrl": None},
    )
    page.headers.update(
        {**_SECURITY_HEADERS, "Content-Security-Policy": docs_policy(bytes(page.body).decode())}
    )
    return page


def docs_policy(html: str) -> str:
    """The docs page's policy: the console's, plus exactly the page's own inline scripts."""
    hashes = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'"
        for s in _INLINE_SCRIPT.findall(html)
    )
    return "; ".join((f"script-src 'self' {hashes}", *_COMMON))


class WithHeaders:
    """ASGI wrapper adding fixed headers to every response of ``app``."""

    def __init__(self, app: ASGIApp, headers: dict[str, str]) -> None:
        self.app = app
        self.headers = [
            (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", ()), *self.headers]}
            await send(message)

        await self.app(scope, receive, send_with_headers)
