"""Event settings (loopback webhooks, fast retries) are shared with tests/events."""

from tests.events.conftest import settings  # noqa: F401 - the fixture, re-exported
