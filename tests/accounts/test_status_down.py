"""``/status`` while a server refuses connections: the state is ``error`` and ``last_error``
says why, whichever request or watcher saw the refusal first (the fast 503 path included)."""

from __future__ import annotations

from gateway.settings import Settings
from tests.conftest import account_spec, running_client
from tests.mailstack import MailStack
from tests.relay import Relay
from tests.waiting import until


async def test_status_names_the_refusal_while_every_request_is_refused(
    settings: Settings, dovecot: MailStack
) -> None:
    settings = settings.model_copy(update={"connect_timeout": 2})
    user = dovecot.new_user("down")
    closed = Relay(dovecot.host, dovecot.imap)  # a port that refuses: started, then stopped
    await closed.start()
    await closed.stop()
    async with running_client(settings) as client:
        spec = account_spec(dovecot, user)
        spec["imap"]["port"] = spec["smtp"]["port"] = closed.port
        assert (await client.post("/v1/accounts", json=spec)).status_code == 201
        base = f"/v1/accounts/{spec['id']}"
        for _ in range(3):  # the first connect, then the probe's fast path
            assert (await client.get(f"{base}/mailboxes")).status_code == 503
            sent = await client.post(
                f"{base}/send",
                json={"to": [user], "subject": "x", "text": "x", "save_to_sent": False},
            )
            assert sent.status_code == 503
            status = (await client.get(f"{base}/status")).json()
            for proto in ("imap", "smtp"):
                assert status[proto]["state"] == "error", (proto, status)
                assert str(closed.port) in status[proto]["last_error"], (proto, status)

        async def still_error() -> bool:
            status = (await client.get(f"{base}/status")).json()
            return status["imap"]["state"] == "error" and bool(status["imap"]["last_error"])

        await until(still_error, within=5, what="the error kept while the server is down")
