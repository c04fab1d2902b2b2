"""Every POP3 test here runs against Dovecot and against Cyrus (``mailstack.server``)."""

from __future__ import annotations

import pytest

from tests.mailstack import MailStack


@pytest.fixture
def mailstack(imap_server: MailStack) -> MailStack:
    return imap_server
