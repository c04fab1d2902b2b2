"""A gateway nobody can use says so at start: no GATEWAY_ADMIN_TOKEN and no API token."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from gateway.app import create_app
from gateway.settings import Settings

WARNING = "every /v1 request will be answered 401"


async def start_and_stop(settings: Settings) -> None:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        pass


async def test_warns_without_admin_token_and_tokens(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'g.db'}", secret_key="k", watch_enabled=False
    )
    with caplog.at_level(logging.WARNING, logger="gateway.services"):
        await start_and_stop(settings)
    assert any(
        WARNING in r.getMessage() and "GATEWAY_ADMIN_TOKEN" in r.getMessage()
        for r in caplog.records
    ), caplog.text


async def test_quiet_with_an_admin_token(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'g.db'}",
        secret_key="k",
        admin_token="a-long-admin-token-0123",
        watch_enabled=False,
    )
    with caplog.at_level(logging.WARNING, logger="gateway.services"):
        await start_and_stop(settings)
    assert WARNING not in caplog.text
