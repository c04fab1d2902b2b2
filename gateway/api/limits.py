"""Request body size limit, as pure ASGI middleware (streams are counted, not buffered)."""

from __future__ import annotations

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import PayloadTooLarge


class BodyLimitMiddleware:
    """413 for a declared Content-Length over the limit; a longer chunked stream is cut at the
    limit."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        chunked = False
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > self.max_bytes:
                    await _too_large(send, self.max_bytes)
                    return
            elif name == b"transfer-encoding":
                chunked = True
        if not chunked:
            # RFC 9112 section 6.3: without Transfer-Encoding the body is Content-Length
            # bytes (checked above) or empty, and the server frames it so: nothing to count.
            await self.app(scope, receive, send)
            return
        seen = 0
        limit = self.max_bytes
        exceeded = False
        answered = False

        async def counting_receive() -> Message:
            nonlocal seen, exceeded
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    exceeded = True
                    raise PayloadTooLarge(f"request body over {limit} bytes")
            return message

        async def guarded_send(message: Message) -> None:
            # Whatever the app answers once the body ran over (a parse error, say), the
            # client gets the 413 it deserves.
            nonlocal answered
            if not exceeded:
                await send(message)
            elif not answered and message["type"] == "http.response.start":
                answered = True
                await _too_large(send, limit)

        await self.app(scope, counting_receive, guarded_send)


async def _too_large(send: Send, limit: int) -> None:
    body = orjson.dumps(
        {
            "type": "urn:mailgate:problem:payload_too_large",
            "title": "Payload too large",
            "status": 413,
            "detail": f"request body over {limit} bytes",
            "code": "payload_too_large",
        }
    )
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
