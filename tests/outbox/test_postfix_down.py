"""Postfix stopped: sync sends answer 503, queued sends retry and arrive once it is back.

Uses a private mail stack: stopping the shared one would break other tests.
"""

from __future__ import annotations

import asyncio
import time

from gateway.settings import Settings
from tests.conftest import account_spec, running_client
from tests.mailstack import MailStack

from .conftest import wait_for_mail


async def test_postfix_down_then_back(settings: Settings, private_stack: MailStack) -> None:
    stack = private_stack
    settings = settings.model_copy(update={"reconnect_base_delay": 0.2,
                                           "reconnect_max_delay": 0.5, "connect_timeout": 2})
    async with running_client(settings) as client:
        user = stack.new_user("down")
        created = await client.post("/v1/accounts", json=account_spec(stack, user))
        assert created.status_code == 201, created.text
        account_id = user.split("@")[0]
        rcpt = stack.new_user("r")
        stack.stop_postfix()
        try:
            resp = await client.post(f"/v1/accounts/{account_id}/send", json={
                "to": [rcpt], "subject": "sync while down", "text": "x", "save_to_sent": False})
            assert resp.status_code == 503, resp.text
            assert resp.json()["code"] == "smtp_unavailable"
            assert int(resp.headers["Retry-After"]) >= 1
            resp = await client.post(f"/v1/accounts/{account_id}/send", json={
                "to": [rcpt], "subject": "queued while down", "text": "x", "mode": "queue",
                "save_to_sent": False})
            assert resp.status_code == 202
            queue_id = resp.json()["queue_id"]
            deadline = time.monotonic() + 20
            item: dict = {}
            while time.monotonic() < deadline:
                item = (await client.get(f"/v1/outbox/{queue_id}")).json()
                if item["attempts"] >= 3:
                    break
                await asyncio.sleep(0.1)
            assert item["status"] in ("queued", "sending") and item["attempts"] >= 3, item
            assert "smtp_unavailable" in item["last_error"]
            assert all(not h["ok"] for h in item["history"])
        finally:
            stack.start_postfix()
        [msg] = await wait_for_mail(stack, rcpt, within=20)
        assert msg["Subject"] == "queued while down"
        assert msg["Message-ID"] == resp.json()["message_id"]
        for _ in range(100):
            item = (await client.get(f"/v1/outbox/{queue_id}")).json()
            if item["status"] == "sent":
                break
            await asyncio.sleep(0.05)
        assert item["status"] == "sent" and item["history"][-1]["ok"] is True
        assert item["attempts"] == len(item["history"]) >= 4
        states = (await client.get(f"/v1/accounts/{account_id}/status")).json()
        assert states["smtp"]["state"] == "connected"
