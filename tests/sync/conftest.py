"""Event settings (loopback webhooks, fast retries) are shared with tests/events."""

from tests.events.conftest import live, settings  # noqa: F401 - fixtures, re-exported
