"""How the gateway meets the network: uvicorn, plus the limits it lacks against hostile clients.

uvicorn (0.55) bounds only the idle time *between* requests (``timeout_keep_alive``). A
connection that sends nothing, half a request line, or a body one byte a second stays open
for ever and holds a file descriptor; its ``limit_concurrency`` answers 503 only once a
request's headers have arrived, so it bounds none of those. And when the app answers
before the body arrived (401, 404, 413 on a chunked stream) uvicorn keeps the connection
and reads the rest of the body, only to throw it away. ``GuardedProtocol`` (uvicorn's
httptools protocol) adds:

- a read deadline: from the moment a connection is accepted, or a further request's first
  byte arrives, the whole request (headers and body) must arrive within
  ``request_read_timeout`` seconds, else the connection is closed. A request that arrives
  in one read (nearly all of them) costs no timer; at most one timer per connection;
- at most ``max_connections`` open connections: one more is answered 503 and closed as
  soon as it is accepted (no file descriptor is held for it);
- a response sent before its request's body arrived ends the connection: the server stops
  reading, half-closes (FIN after the response) and closes after ``LINGER_SECONDS``, so
  the response reaches a client still sending instead of a reset;
- a write deadline: a client that leaves a response in the server's write buffer (over
  its high-water mark, 64 KiB) for ``client_write_timeout`` seconds is disconnected.
  uvicorn would wait for ever, even past its keep-alive timeout: closing waits for the
  buffer to drain.
"""

from __future__ import annotations

import asyncio
import logging
import resource
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from .settings import Settings

log = logging.getLogger(__name__)

# How long a connection answered before its body arrived may still send (read, discarded)
# before it is closed: long enough for the response to reach the client, short enough
# not to be a way to keep a connection.
LINGER_SECONDS = 2.0

# File descriptors beyond max_connections that the store, the upstream mail connections
# and webhooks may need.
FD_HEADROOM = 1024

_TOO_MANY = (
    b'{"type":"urn:mailgate:problem:too_many_connections","title":"Service unavailable",'
    b'"status":503,"detail":"too many open connections; retry later",'
    b'"code":"too_many_connections"}'
)
_TOO_MANY_RESPONSE = (
    b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/problem+json\r\n"
    b"retry-after: 1\r\nconnection: close\r\ncontent-length: "
    + str(len(_TOO_MANY)).encode()
    + b"\r\n\r\n"
    + _TOO_MANY
)


class GuardedProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a read deadline, a connection cap and no draining
    of bodies nobody reads. Subclass with the settings via ``guarded_protocol``."""

    request_read_timeout = 30.0
    max_connections = 1024
    client_write_timeout = 120.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline: asyncio.TimerHandle | None = None
        self._partial = False  # a request has begun and not fully arrived
        self._lingering = False
        self._write_stalled: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self.max_connections:
            transport.write(_TOO_MANY_RESPONSE)
            transport.close()
            return
        self._deadline = self.loop.call_later(self.request_read_timeout, self._close)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None
        if self._write_stalled is not None:
            self._write_stalled.cancel()
            self._write_stalled = None
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._lingering:
            return  # the rest of a body nobody reads
        super().data_received(data)
        if self._partial and self._deadline is None:
            self._deadline = self.loop.call_later(self.request_read_timeout, self._close)

    def on_message_begin(self) -> None:
        self._partial = True
        super().on_message_begin()

    def on_message_complete(self) -> None:
        self._partial = False
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None
        super().on_message_complete()

    def on_response_complete(self) -> None:
        cycle = self.cycle
        if cycle.response_complete and cycle.more_body and not self.transport.is_closing():
            # Answered before the body arrived (a 401 before the body, say): reading the
            # rest only to discard it is what a hostile client wants from us.
            self._linger()
        super().on_response_complete()

    def pause_writing(self) -> None:
        super().pause_writing()
        if self._write_stalled is None:
            self._write_stalled = self.loop.call_later(
                self.client_write_timeout, self.transport.abort
            )

    def resume_writing(self) -> None:
        super().resume_writing()
        if self._write_stalled is not None:
            self._write_stalled.cancel()
            self._write_stalled = None

    def _linger(self) -> None:
        self._lingering = True
        if self._deadline is not None:
            self._deadline.cancel()
        if self.transport.can_write_eof():
            self.transport.write_eof()
            self._deadline = self.loop.call_later(LINGER_SECONDS, self._close)
        else:
            self._deadline = None
            self.transport.close()

    def _close(self) -> None:
        self._deadline = None
        if not self.transport.is_closing():
            self.transport.close()


def guarded_protocol(settings: Settings) -> type[GuardedProtocol]:
    """``GuardedProtocol`` with ``settings``' deadlines and connection cap."""
    return type(
        "GuardedProtocol",
        (GuardedProtocol,),
        {
            "request_read_timeout": settings.request_read_timeout,
            "max_connections": settings.max_connections,
            "client_write_timeout": settings.client_write_timeout,
        },
    )


def server_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's options for the gateway (``uvicorn.run(app, host=..., port=..., **these)``)."""
    return {
        "http": guarded_protocol(settings),
        "ws": "none",  # no WebSocket routes; an upgrade would leave the guarded protocol
        "loop": "uvloop",
        "log_level": settings.log_level,
        "proxy_headers": False,
        "timeout_graceful_shutdown": 10,
    }


def raise_fd_limit(settings: Settings) -> None:
    """Raise the soft RLIMIT_NOFILE so ``max_connections`` can be reached (up to the hard
    limit); warn when even the hard limit is too low."""
    wanted = settings.max_connections + FD_HEADROOM
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        if target < wanted:
            log.warning(
                "open file limit %d is below max_connections + %d = %d; raise it "
                "(ulimit -n) or lower GATEWAY_MAX_CONNECTIONS",
                target,
                FD_HEADROOM,
                wanted,
            )
