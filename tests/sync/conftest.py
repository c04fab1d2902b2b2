"""Event settings (loopback webhooks, fast retries) are shared with tests/events; every
watcher test here runs against Dovecot and against Cyrus (``mailstack.server``)."""

from __future__ import annotations

import pytest

from tests.events.conftest import live, settings  # noqa: F401 - fixtures, re-exported
from tests.mailstack import MailStack


@pytest.fixture
def mailstack(imap_server: MailStack) -> MailStack:
    return imap_server
