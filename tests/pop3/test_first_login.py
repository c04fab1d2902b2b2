"""A user's first POP3 logins racing the server's creation of their INBOX.

Cyrus creates a user's INBOX at the first login (or delivery); two first logins at once make
one of them fail with ``-ERR [SYS/TEMP] Unable to open maildrop: Mailbox already exists``.
The gateway logs in again: every request succeeds and ``/status`` shows no error. Dovecot
creates the maildrop without such a race; the same requests must succeed there too.
"""

from __future__ import annotations

import asyncio

import httpx

from tests.conftest import account_spec
from tests.mailstack import MailStack

_SESSIONS = 4  # gateway accounts of one fresh user, each with its own POP3 session


async def test_first_logins_racing_the_inbox_creation_are_retried(
    client: httpx.AsyncClient, mailstack: MailStack
) -> None:
    for _ in range(3):
        user = mailstack.new_user("first")  # never logged in: no INBOX yet on Cyrus
        ids = []
        for n in range(_SESSIONS):
            spec = account_spec(mailstack, user, protocols=("pop3",))
            spec["id"] = f"{spec['id']}-{n}"
            assert (await client.post("/v1/accounts", json=spec)).status_code == 201
            ids.append(spec["id"])
        replies = await asyncio.gather(*(client.get(f"/v1/accounts/{i}/pop3") for i in ids))
        for reply in replies:
            assert reply.status_code == 200, reply.text
            assert reply.json()["count"] == 0
        for account in ids:
            status = (await client.get(f"/v1/accounts/{account}/status")).json()["pop3"]
            assert status["state"] == "connected" and status["last_error"] is None, status
