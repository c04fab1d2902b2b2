"""Postfix stopped: sync sends answer 503, queued sends retry and arrive once it is back.

Uses a private mail stack: stopping the shared one would break other tests.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import time

from gateway.settings import Settings
from tests.conftest import account_spec, running_client
from tests.mailstack import MailStack

from .conftest import settle, wait_for_mail


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


def _postfix_soft_bounce(stack: MailStack, on: bool) -> None:
    """Postfix answers 4xx instead of 5xx (soft_bounce), so "unknown" users get 450."""
    conf = stack.dir / "postfix"
    env = {**os.environ, "PATH": os.environ.get("PATH", "") + ":/usr/sbin:/sbin"}
    subprocess.run(["postconf", "-c", str(conf), "-e", f"soft_bounce = {'yes' if on else 'no'}"],
                   check=True, env=env, capture_output=True)
    subprocess.run(["postfix", "-c", str(conf), "reload"], check=True, env=env,
                   capture_output=True)
    time.sleep(0.5)


async def test_deferred_recipients_get_a_job_of_their_own(settings: Settings,
                                                          private_stack: MailStack) -> None:
    """One recipient takes the message, another answers 450: the taker gets it once, the
    deferred one is retried in a follow-up job until the attempts are used up."""
    stack = private_stack
    settings = settings.model_copy(update={"outbox_max_attempts": 3})
    _postfix_soft_bounce(stack, True)
    try:
        async with running_client(settings) as client:
            user = stack.new_user("soft")
            created = await client.post("/v1/accounts", json=account_spec(stack, user))
            assert created.status_code == 201, created.text
            account_id = user.split("@")[0]
            good, later = stack.new_user("good"), "unknown-" + stack.new_user("later")
            resp = await client.post(f"/v1/accounts/{account_id}/send", json={
                "to": [good, later], "subject": "partly deferred", "text": "x",
                "mode": "queue", "save_to_sent": False})
            queue_id = resp.json()["queue_id"]
            deadline = time.monotonic() + 30
            items: list[dict] = []
            while time.monotonic() < deadline:
                items = (await client.get("/v1/outbox", params={"account": account_id})
                         ).json()["items"]
                if len(items) == 2 and all(i["status"] in ("sent", "failed") for i in items):
                    break
                await asyncio.sleep(0.1)
            first = next(i for i in items if i["queue_id"] == queue_id)
            follow = next(i for i in items if i["queue_id"] != queue_id)
            assert first["status"] == "sent" and first["accepted"] == [good]
            assert first["rejected"][0]["code"] == 450
            assert follow["rcpt_to"] == [later] and follow["message_id"] == first["message_id"]
            assert follow["status"] == "failed" and follow["attempts"] == 3, follow
            assert "450" in follow["last_error"]
            msgs = await settle(stack, good, quiet=0.5)
            assert [m["Subject"] for m in msgs] == ["partly deferred"]
    finally:
        _postfix_soft_bounce(stack, False)
