"""Fixtures for event tests: settings that allow loopback webhooks and retry fast."""

from __future__ import annotations

import httpx
import pytest

from gateway.app import create_app
from gateway.settings import Settings
from tests.conftest import ADMIN_TOKEN
from tests.openapi_contract import ResponseContract

from .server import serving


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "webhook_allow_private": True,
            "webhook_retry_base_delay": 0.2,
            "webhook_retry_max_delay": 0.4,
            "webhook_timeout": 2.0,
            "sse_heartbeat": 0.5,
            "watch_poll_interval": 1.0,
            "pop3_poll_interval": 0.5,
        }
    )


@pytest.fixture
async def live(settings: Settings):
    """The app behind a real uvicorn socket (SSE needs streaming), with an admin client."""
    app = create_app(settings)
    async with (
        serving(app) as url,
        httpx.AsyncClient(
            base_url=url,
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
            timeout=30,
            event_hooks={"response": [ResponseContract(app)]},
        ) as client,
    ):
        client.app = app  # type: ignore[attr-defined]
        yield client
