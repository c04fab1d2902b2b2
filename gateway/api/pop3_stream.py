"""The HTTP side of a POP3 bulk retrieval: JSON or NDJSON, written as it is retrieved.

A retrieved item counts as written only if its bytes went out while the client was still
connected; only then does the retrieval go on (and so, after a safety margin, mark earlier
items delivered). The commit (mark seen, DELE + QUIT) happens after the last item went
out and before the response ends, so a client that saw the end of the response can rely
on it. An upstream error after the first byte cannot change the status any more. Either
way the body ends with how the retrieval ended (``Pop3RetrieveEnd``: ``complete``,
``reason``, ``delivered``, ``deleted``, ``remaining`` and, after an error, ``error``): the
last NDJSON line, or members of the JSON object. A body without that end was cut off.
"""

from __future__ import annotations

import asyncio
import contextlib

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from ..errors import GatewayError
from ..pop3 import Retrieval
from .errors import status_of
from .schemas.pop3 import Pop3Format, Pop3RetrieveError, encode_end, encode_item

NDJSON = "application/x-ndjson"
COALESCE_BYTES = 64 * 1024  # small items are joined into writes of about this size
THREAD_PARSE_BYTES = 512 * 1024  # parse bigger messages off the event loop


def _problem(exc: GatewayError) -> Pop3RetrieveError:
    return Pop3RetrieveError(status=status_of(exc), code=exc.code, detail=exc.detail)


class RetrievalResponse(Response):
    """Streams ``retrieval`` and always closes it (ending the session, freeing the account)."""

    def __init__(
        self, retrieval: Retrieval, fmt: Pop3Format, *, ndjson: bool, write_timeout: float = 120.0
    ) -> None:
        self.retrieval = retrieval
        self.write_timeout = write_timeout
        self.fmt = fmt
        self.ndjson = ndjson
        self.status_code = 200
        self.media_type = NDJSON if ndjson else "application/json"
        self.background = None
        self.init_headers(None)
        retrieval.hold_back(COALESCE_BYTES)  # bytes may wait in our buffer, not yet sent

    def _tail(self, error: GatewayError | None) -> bytes:
        """How the retrieval ended; call it only after the retrieval settled (commit/aclose)."""
        end = encode_end(self.retrieval.outcome(error), _problem(error) if error else None)
        return end + b"\n" if self.ndjson else b"]," + end[1:]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        gone = asyncio.Event()

        async def watch() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass
            gone.set()

        async def emit(message: dict) -> bool:
            # A client that stops reading must not hold the account's session forever.
            try:
                async with asyncio.timeout(self.write_timeout):
                    await send(message)
            except TimeoutError:
                gone.set()
            return not gone.is_set()

        async def write(data: bytes) -> bool:
            if not data:
                return not gone.is_set()
            return await emit({"type": "http.response.body", "body": data, "more_body": True})

        watcher = asyncio.ensure_future(watch())
        try:
            if await emit(
                {
                    "type": "http.response.start",
                    "status": self.status_code,
                    "headers": self.raw_headers,
                }
            ) and await self._stream(write):
                await emit({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
            await self.retrieval.aclose()

    async def _stream(self, write) -> bool:
        """Write every item, commit, write the tail; False if the client went away."""
        sep = b"\n" if self.ndjson else b","
        pending = [] if self.ndjson else [b'{"items":[']
        size = 0
        first = True
        error: GatewayError | None = None
        headers_only = self.retrieval.headers_only
        try:
            async for item in self.retrieval.items():
                if self.fmt == "parsed" and len(item.raw) > THREAD_PARSE_BYTES:
                    # Parsing a big message takes long enough to stall other requests.
                    data = await asyncio.to_thread(
                        encode_item, item, self.fmt, headers_only=headers_only
                    )
                else:
                    data = encode_item(item, self.fmt, headers_only=headers_only)
                if self.ndjson:
                    pending += (data, sep)
                else:
                    pending += (data,) if first else (sep, data)
                first = False
                size += len(data)
                if size >= COALESCE_BYTES:
                    if not await write(b"".join(pending)):
                        return False
                    pending, size = [], 0
        except GatewayError as exc:
            error = exc
        if not await write(b"".join(pending)):
            return False
        if error is None:
            try:
                await self.retrieval.commit()
            except GatewayError as exc:
                error = exc
        if error is not None:
            # Settle first (QUIT commits the DELEs of delivered items, or the session is
            # dropped), so the counts in the tail are what happened on the server.
            await self.retrieval.aclose()
        return await write(self._tail(error))
