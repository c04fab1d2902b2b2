"""Helpers for the sending tests: read what really arrived in a user's Maildir."""

from __future__ import annotations

import asyncio
import email
import os
import time
from email import policy
from email.message import EmailMessage

from tests.mailstack import MailStack


def maildir_messages(stack: MailStack, user: str, mailbox: str = "INBOX") -> list[bytes]:
    """The raw messages in the user's mailbox, oldest first."""
    path = stack.maildir_path(user, mailbox)
    files = []
    for sub in ("new", "cur"):
        try:
            files += [e.path for e in os.scandir(path / sub) if e.is_file()]
        except FileNotFoundError:
            pass
    files.sort(key=lambda p: os.stat(p).st_mtime_ns)
    out = []
    for file in files:
        with open(file, "rb") as fh:
            out.append(fh.read())
    return out


async def wait_for_mail(
    stack: MailStack, user: str, count: int = 1, *, within: float = 15, mailbox: str = "INBOX"
) -> list[EmailMessage]:
    """Wait until ``user`` holds at least ``count`` messages; return them parsed."""
    deadline = time.monotonic() + within
    while True:
        raws = maildir_messages(stack, user, mailbox)
        if len(raws) >= count or time.monotonic() > deadline:
            return [email.message_from_bytes(r, policy=policy.default) for r in raws]
        await asyncio.sleep(0.05)


async def settle(
    stack: MailStack, user: str, *, quiet: float = 1.0, within: float = 15, mailbox: str = "INBOX"
) -> list[EmailMessage]:
    """Wait until the user's mailbox stops changing for ``quiet`` seconds; return it parsed."""
    deadline = time.monotonic() + within
    last, since = -1, time.monotonic()
    while time.monotonic() < deadline:
        n = stack.maildir_count(user, mailbox)
        if n != last:
            last, since = n, time.monotonic()
        elif time.monotonic() - since >= quiet:
            break
        await asyncio.sleep(0.05)
    return [
        email.message_from_bytes(r, policy=policy.default)
        for r in maildir_messages(stack, user, mailbox)
    ]
