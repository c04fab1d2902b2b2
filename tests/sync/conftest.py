"""Fixtures for event tests: settings that allow loopback webhooks and retry fast."""

from __future__ import annotations

import pytest

from gateway.settings import Settings


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={
        "webhook_allow_private": True,
        "webhook_retry_base_delay": 0.2,
        "webhook_retry_max_delay": 0.4,
        "webhook_timeout": 2.0,
        "sse_heartbeat": 0.5,
        "watch_poll_interval": 1.0,
        "pop3_poll_interval": 0.5,
    })
