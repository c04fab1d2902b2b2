"""A minimal SSE reader over a real socket (httpx streaming)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator

import httpx


class SseReader:
    """Collects events from an open ``GET /v1/events`` response in the background."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.events: list[dict] = []
        self.comments: list[str] = []
        self._arrived = asyncio.Condition()
        self._task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        fields: dict[str, str] = {}
        async for line in self.response.aiter_lines():
            if line == "":
                if "data" in fields:
                    event = {
                        "id": fields.get("id"),
                        "event": fields.get("event"),
                        **json.loads(fields["data"]),
                    }
                    async with self._arrived:
                        self.events.append(event)
                        self._arrived.notify_all()
                fields = {}
            elif line.startswith(":"):
                async with self._arrived:
                    self.comments.append(line[1:].strip())
                    self._arrived.notify_all()
            else:
                key, _, value = line.partition(":")
                fields[key] = value[1:] if value.startswith(" ") else value

    async def wait_for(self, predicate, within: float = 10.0) -> list[dict]:
        """Until ``predicate(events)`` holds; returns the events."""
        async with asyncio.timeout(within), self._arrived:
            await self._arrived.wait_for(lambda: predicate(self.events))
        return list(self.events)

    def of_type(self, type_: str) -> list[dict]:
        return [e for e in self.events if e["type"] == type_]

    async def close(self) -> None:
        self._task.cancel()
        try:
            await self._task
        except (asyncio.CancelledError, httpx.HTTPError):
            pass


@contextlib.asynccontextmanager
async def open_sse(
    client: httpx.AsyncClient, params: dict | None = None, headers: dict | None = None
) -> AsyncIterator[SseReader]:
    async with client.stream(
        "GET", "/v1/events", params=params or {}, headers=headers or {}
    ) as response:
        assert response.status_code == 200, await response.aread()
        assert response.headers["content-type"].startswith("text/event-stream")
        reader = SseReader(response)
        try:
            yield reader
        finally:
            await reader.close()
