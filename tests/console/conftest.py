"""Fixtures of the console's tests: the gateway on a real socket, a Chromium on it."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from gateway.app import create_app
from gateway.settings import Settings
from tests.conftest import ADMIN_TOKEN

from .browser import Console, LiveGateway, artifacts_dir, ensure_chromium


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Remember each phase's report on the test, so a fixture knows whether it failed."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture
def gateway(settings: Settings) -> Iterator[LiveGateway]:
    """The gateway on a free loopback port (its event stream and watchers quick; loopback
    webhooks allowed)."""
    settings = settings.model_copy(
        update={
            "sse_heartbeat": 0.5,
            "watch_poll_interval": 1.0,
            "webhook_allow_private": True,
            # A failed webhook delivery is final after one attempt: the console retries it.
            "webhook_retry_window": 0.0,
        }
    )
    live = LiveGateway(create_app(settings), settings)
    live.start()
    try:
        yield live
    finally:
        live.stop()


@pytest.fixture
def api(gateway: LiveGateway) -> Iterator[httpx.Client]:
    """An admin client of the same gateway, for setting up and for checking what the
    console did."""
    with httpx.Client(
        base_url=gateway.url, timeout=30, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}
    ) as client:
        yield client


@pytest.fixture
def console(request: pytest.FixtureRequest, gateway: LiveGateway) -> Iterator[Console]:
    """Headless Chromium on the gateway; screenshots in test-artifacts/console/<test>/,
    and on failure the screen, the page and the browser's log too."""
    ensure_chromium()
    session = Console(gateway.url, artifacts_dir(request.node.name))
    try:
        yield session
    finally:
        report = getattr(request.node, "report_call", None)
        if report is None or report.failed:
            session.keep_failure()
        session.close()
