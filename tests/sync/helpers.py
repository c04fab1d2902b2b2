"""Helpers shared by the watcher tests (tests/sync, tests/events): messages, IMAP clients."""

from __future__ import annotations

import imaplib
from email.message import EmailMessage

from tests.mailstack import MailStack


def message(to: str, subject: str) -> EmailMessage:
    """A one-line text/plain message to ``to``, with a display name in From."""
    msg = EmailMessage()
    msg["From"] = "Sender Name <sender@example.test>"
    msg["To"] = to
    msg["Subject"] = subject
    msg.set_content("hello\n")
    return msg


def imap_client(stack: MailStack, user: str) -> imaplib.IMAP4:
    """A plain imaplib client, logged in as ``user`` after STARTTLS, as any mail client."""
    imap = imaplib.IMAP4(stack.host, stack.imap, timeout=30)
    imap.starttls(ssl_context=stack.ssl_context())
    imap.login(user, stack.password)
    return imap
