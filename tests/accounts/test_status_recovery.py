"""``/status`` after a failure and a recovery: connected, and the old error is gone.

Each protocol reaches the real server (Dovecot or Cyrus for IMAP and POP3, Postfix for SMTP)
through a loopback relay that the test switches off (connections refused) and on again.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

from gateway.settings import Settings
from tests.conftest import account_spec, running_client
from tests.mailstack import MailStack
from tests.relay import Relay


@contextlib.asynccontextmanager
async def _relays(stack: MailStack) -> AsyncIterator[dict[str, Relay]]:
    relays = {
        "imap": Relay(stack.host, stack.imap),
        "pop3": Relay(stack.host, stack.pop3),
        "smtp": Relay(stack.host, stack.submission),
    }
    for relay in relays.values():
        await relay.start()
    try:
        yield relays
    finally:
        for relay in relays.values():
            await relay.stop()


async def test_status_clears_last_error_once_connected_again(
    settings: Settings, imap_server: MailStack
) -> None:
    stack = imap_server
    settings = settings.model_copy(
        update={
            "watch_enabled": False,
            "connect_timeout": 2,
            "reconnect_base_delay": 0.2,
            "reconnect_max_delay": 1.0,
        }
    )
    user, rcpt = stack.new_user("st"), stack.new_user("r")
    async with _relays(stack) as relays, running_client(settings) as client:
        spec = account_spec(stack, user)
        for proto, relay in relays.items():
            spec[proto]["port"] = relay.port
        assert (await client.post("/v1/accounts", json=spec)).status_code == 201
        base = f"/v1/accounts/{spec['id']}"

        def use(proto: str):
            if proto == "imap":
                return client.get(f"{base}/mailboxes")
            if proto == "pop3":
                return client.get(f"{base}/pop3")
            return client.post(
                f"{base}/send",
                json={
                    "to": [rcpt],
                    "subject": "after recovery",
                    "text": "x",
                    "save_to_sent": False,
                },
            )

        for relay in relays.values():
            await relay.stop()
        for proto in relays:
            resp = await use(proto)
            assert resp.status_code == 503, (proto, resp.text)
        status = (await client.get(f"{base}/status")).json()
        for proto in relays:
            assert status[proto]["state"] == "error", status
            assert status[proto]["last_error"], status

        for relay in relays.values():
            await relay.start()
        deadline = time.monotonic() + 20
        for proto in relays:
            while (resp := await use(proto)).status_code != 200:
                assert resp.status_code == 503, (proto, resp.text)
                assert time.monotonic() < deadline, (proto, resp.text)
                await asyncio.sleep(0.1)
        status = (await client.get(f"{base}/status")).json()
        for proto in relays:
            assert status[proto]["state"] == "connected", status
            assert status[proto]["last_error"] is None, status
