"""The watcher survives its IMAP server going away: reconnects with backoff and catches up.

Uses a private mail stack: the shared one must never be stopped. Dovecot only: it kills and
restarts that stack's Dovecot processes (scripts/mailstack.sh).
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter

from gateway.settings import Settings
from tests.conftest import account_spec, running_client
from tests.events.receiver import receiver
from tests.mailstack import MailStack
from tests.sync.helpers import message
from tests.waiting import quiet_for


async def test_watcher_reconnects_and_catches_up(
    settings: Settings, private_stack: MailStack
) -> None:
    stack = private_stack
    settings = settings.model_copy(update={"reconnect_base_delay": 0.3, "reconnect_max_delay": 1.0})
    user = stack.new_user("d")
    account = user.split("@")[0]
    async with receiver() as rec, running_client(settings) as client:
        assert (
            await client.post("/v1/accounts", json=account_spec(stack, user))
        ).status_code == 201
        await client.post(
            "/v1/webhooks",
            json={"url": rec.url, "events": ["message.new", "account.error", "account.connected"]},
        )
        async with asyncio.timeout(20):
            await client.app.state.services.sync.wait_ready(account)
        await asyncio.to_thread(stack.deliver, user, bytes(message(user, "first")))
        await rec.wait_for(2)  # account.connected, message.new

        await asyncio.to_thread(stack.kill_dovecot)
        await asyncio.sleep(1.5)  # scenario: the watcher notices and fails to reconnect
        await asyncio.to_thread(stack.start_dovecot)
        for subject in ("second", "third"):  # maybe before the watcher is back
            await asyncio.to_thread(stack.deliver, user, bytes(message(user, subject)))

        await rec.wait_until(
            lambda reqs: sum(r.json()["type"] == "message.new" for r in reqs) >= 3, within=20
        )
        await quiet_for()  # nothing reported twice
    events = [r.json() for r in rec.requests]
    subjects = Counter(e["data"]["subject"] for e in events if e["type"] == "message.new")
    assert subjects == {"first": 1, "second": 1, "third": 1}
    types = [e["type"] for e in events]
    assert "account.error" in types
    err = types.index("account.error")
    assert "account.connected" in types[err:]  # reconnected after the error


async def _imap_greets(stack: MailStack) -> bool:
    try:
        async with asyncio.timeout(1):
            reader, writer = await asyncio.open_connection(stack.host, stack.imap)
            try:
                return (await reader.readline()).startswith(b"* OK")
            finally:
                writer.close()
    except (OSError, TimeoutError):
        return False


async def test_watcher_resumes_within_seconds_of_the_server_coming_back(
    settings: Settings, private_stack: MailStack
) -> None:
    """The watcher's reconnect delay grew to 10-20 s while Dovecot was down; it still reports
    mail delivered right after Dovecot greets again within 3 s."""
    stack = private_stack
    settings = settings.model_copy(
        update={"reconnect_base_delay": 10.0, "reconnect_max_delay": 30.0}
    )
    user = stack.new_user("w")
    account = user.split("@")[0]
    async with receiver() as rec, running_client(settings) as client:
        assert (
            await client.post("/v1/accounts", json=account_spec(stack, user, protocols=("imap",)))
        ).status_code == 201
        await client.post(
            "/v1/webhooks", json={"url": rec.url, "events": ["message.new", "account.error"]}
        )
        async with asyncio.timeout(20):
            await client.app.state.services.sync.wait_ready(account)

        await asyncio.to_thread(stack.stop_dovecot)
        try:
            # The watcher's first failure; its next attempt comes within 5-10 s and fails,
            # the one after that 10-20 s later: Dovecot is back in between.
            (error,) = await rec.wait_for(1, within=20)
            assert error.json()["type"] == "account.error"
            # scenario: Dovecot stays down past the watcher's second attempt
            await asyncio.sleep(max(0.0, error.at + 10.5 - time.monotonic()))
        finally:
            await asyncio.to_thread(stack.start_dovecot)
        deadline = time.monotonic() + 10
        while not await _imap_greets(stack):
            assert time.monotonic() < deadline, "Dovecot did not come back"
            await asyncio.sleep(0.02)
        greeted = time.monotonic()
        await asyncio.to_thread(stack.deliver, user, bytes(message(user, "back")))
        try:
            (_, new) = await rec.wait_for(2, within=3.0)
        except TimeoutError:
            raise AssertionError("no message.new within 3 s of Dovecot greeting") from None
        assert new.json()["type"] == "message.new" and new.at - greeted < 3.0
