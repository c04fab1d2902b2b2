"""An account's SMTP connections are opened on demand and closed after an idle time
(``GATEWAY_SMTP_SESSION_MAX_IDLE``, issue #15 item 1): after a burst of sends the pooled
session stays for the next message, then goes with a QUIT, against the real Postfix."""

from __future__ import annotations

import os
import time

from bench.procstat import connections_to
from tests.conftest import account_spec, running_client
from tests.mailstack import MailStack
from tests.waiting import until


def smtp_connections(stack: MailStack) -> int:
    """Established connections of this process (the in-process gateway) to Postfix's
    submission port."""
    return connections_to([os.getpid()], {"smtp": stack.submission})["smtp"]


def quits(stack: MailStack) -> int:
    """Sessions Postfix saw end with QUIT."""
    log = (stack.dir / "log" / "postfix.log").read_text(errors="replace")
    return sum(1 for line in log.splitlines() if "disconnect from" in line and "quit=1" in line)


async def test_an_idle_smtp_session_is_closed_with_quit_and_reopened_on_demand(
    settings, dovecot: MailStack
) -> None:
    settings.watch_enabled = False
    settings.smtp_session_max_idle = 1.0
    user = dovecot.new_user("idle")
    rcpt = dovecot.new_user("r")
    spec = account_spec(dovecot, user, protocols=("smtp",))
    before = smtp_connections(dovecot)
    async with running_client(settings) as gateway:
        assert (await gateway.post("/v1/accounts", json=spec)).status_code == 201
        message = {"from": user, "to": [rcpt], "subject": "burst", "text": "hi"}
        quits_before = quits(dovecot)
        for _ in range(3):  # one session, reused
            resp = await gateway.post(f"/v1/accounts/{spec['id']}/send", json=message)
            assert resp.status_code == 200, resp.text
        sent_at = time.monotonic()
        assert smtp_connections(dovecot) == before + 1
        await until(
            lambda: smtp_connections(dovecot) == before,
            within=10,
            what="the idle SMTP session closed",
        )
        assert time.monotonic() - sent_at >= 0.9  # not before the idle time
        await until(lambda: quits(dovecot) > quits_before, within=5, what="Postfix logs the QUIT")

        # The next message opens a session again.
        resp = await gateway.post(f"/v1/accounts/{spec['id']}/send", json=message)
        assert resp.status_code == 200, resp.text
        assert resp.json()["accepted"] == [rcpt]
        assert smtp_connections(dovecot) == before + 1
    await until(lambda: dovecot.maildir_count(rcpt) == 4, within=30, what="4 deliveries")
