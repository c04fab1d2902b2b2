"""Settings of gateway instances sharing one PostgreSQL (loopback webhooks, fast polls)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pydantic import SecretStr

from gateway.settings import Settings


@pytest.fixture
def pg_settings(settings: Settings, pg_database: str) -> Callable[..., Settings]:
    """``pg_settings(name, **changes)``: the settings of instance ``name`` on the test's
    PostgreSQL database (every instance of a test shares it)."""

    def make(name: str, **changes) -> Settings:
        return settings.model_copy(
            update={
                "database_url": pg_database,
                "secret_key": SecretStr("scale-key"),
                "instance_id": name,
                "webhook_allow_private": True,
                "webhook_retry_base_delay": 0.2,
                "webhook_retry_max_delay": 0.4,
                "sse_heartbeat": 0.5,
                "watch_poll_interval": 1.0,
                **changes,
            }
        )

    return make
