"""A revoked token's SSE stream ends within the token cache time, on every instance."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

import httpx
import pytest

from gateway.app import create_app
from gateway.settings import Settings
from tests.conftest import ADMIN_TOKEN

from .server import serving
from .sse_client import open_sse

CACHE = 1.0  # GATEWAY_TOKEN_CACHE_SECONDS of these tests
MARGIN = 4.0  # a shared, slow CI machine


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"token_cache_seconds": CACHE, "sse_heartbeat": 0.3})


@contextlib.asynccontextmanager
async def instance(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """One gateway instance on a real socket, with an admin client."""
    async with (
        serving(create_app(settings)) as url,
        httpx.AsyncClient(
            base_url=url, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=30
        ) as client,
    ):
        yield client


async def _reader(client: httpx.AsyncClient) -> tuple[str, str]:
    resp = await client.post("/v1/tokens", json={"scopes": ["read"]})
    assert resp.status_code == 201, resp.text
    return resp.json()["id"], resp.json()["token"]


async def _revoked_stream_ends(streaming: httpx.AsyncClient, revoking: httpx.AsyncClient) -> None:
    token_id, token = await _reader(streaming)
    auth = {"Authorization": f"Bearer {token}"}
    async with open_sse(streaming, headers=auth) as sse:
        await sse.wait_for(lambda _e: "connected" in sse.comments)
        # The stream outlives several cache periods while the token is valid ...
        await sse.wait_for(lambda _e: sse.comments.count("heartbeat") >= 3 * CACHE / 0.3)
        assert not sse._task.done()
        assert (await revoking.delete(f"/v1/tokens/{token_id}")).status_code == 204
        revoked_at = time.monotonic()
        # ... and ends, with an error event, within the cache time once it is revoked.
        async with asyncio.timeout(CACHE + MARGIN):
            await sse._task
        ended_after = time.monotonic() - revoked_at
    assert ended_after <= CACHE + MARGIN
    assert [(e["event"], e["code"]) for e in sse.events] == [("error", "token_revoked")]
    again = await streaming.get("/v1/events", headers=auth)
    assert again.status_code == 401 and again.json()["code"] == "unauthenticated"


async def test_revoked_token_sse_stream_ends_on_the_same_instance(settings: Settings) -> None:
    async with instance(settings) as client:
        await _revoked_stream_ends(client, client)


async def test_revoked_token_sse_stream_ends_when_revoked_on_another_instance(
    settings: Settings, pg_database: str
) -> None:
    shared = settings.model_copy(update={"database_url": pg_database})
    other = shared.model_copy(update={"instance_id": shared.instance_id + "-b"})
    async with instance(shared) as first, instance(other) as second:
        await _revoked_stream_ends(first, second)


async def test_the_env_admin_token_stream_is_not_ended(settings: Settings) -> None:
    async with instance(settings) as client, open_sse(client) as sse:
        await sse.wait_for(lambda _e: sse.comments.count("heartbeat") >= 4 * CACHE / 0.3, within=20)
        assert sse.events == [] and not sse._task.done()
