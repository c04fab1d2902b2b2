"""Postfix stopped: sync sends answer 503, queued sends retry and arrive once it is back.

Uses a private mail stack: stopping the shared one would break other tests.
"""

from __future__ import annotations

import asyncio
import os
import smtplib
import subprocess
import time
from datetime import datetime

from gateway.settings import Settings
from tests.conftest import account_spec, running_client
from tests.mailstack import MailStack

from .conftest import settle, wait_for_mail


async def test_postfix_down_then_back(settings: Settings, private_stack: MailStack) -> None:
    stack = private_stack
    settings = settings.model_copy(
        update={"reconnect_base_delay": 0.2, "reconnect_max_delay": 0.5, "connect_timeout": 2}
    )
    async with running_client(settings) as client:
        user = stack.new_user("down")
        created = await client.post("/v1/accounts", json=account_spec(stack, user))
        assert created.status_code == 201, created.text
        account_id = user.split("@")[0]
        rcpt = stack.new_user("r")
        stack.stop_postfix()
        try:
            resp = await client.post(
                f"/v1/accounts/{account_id}/send",
                json={
                    "to": [rcpt],
                    "subject": "sync while down",
                    "text": "x",
                    "save_to_sent": False,
                },
            )
            assert resp.status_code == 503, resp.text
            assert resp.json()["code"] == "smtp_unavailable"
            assert int(resp.headers["Retry-After"]) >= 1
            resp = await client.post(
                f"/v1/accounts/{account_id}/send",
                json={
                    "to": [rcpt],
                    "subject": "queued while down",
                    "text": "x",
                    "mode": "queue",
                    "save_to_sent": False,
                },
            )
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
    subprocess.run(
        ["postconf", "-c", str(conf), "-e", f"soft_bounce = {'yes' if on else 'no'}"],
        check=True,
        env=env,
        capture_output=True,
    )
    subprocess.run(["postfix", "-c", str(conf), "reload"], check=True, env=env, capture_output=True)
    # The reload only signals Postfix's master, which restarts its daemons asynchronously and
    # says nothing when done: ask (plain SMTP, RCPT of an unknown user) until it shows.
    want, deadline = (450 if on else 550), time.monotonic() + 20
    while (code := _unknown_rcpt_code(stack)) != want:
        assert time.monotonic() < deadline, f"soft_bounce={on} not in effect: RCPT got {code}"
        time.sleep(0.1)


def _unknown_rcpt_code(stack: MailStack) -> int:
    with smtplib.SMTP(stack.host, stack.smtp, timeout=10) as smtp:
        smtp.ehlo()
        smtp.mail("probe@example.test")
        return smtp.rcpt("unknown-probe@example.test")[0]


async def test_deferred_recipients_get_a_job_of_their_own(
    settings: Settings, private_stack: MailStack
) -> None:
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
            resp = await client.post(
                f"/v1/accounts/{account_id}/send",
                json={
                    "to": [good, later],
                    "subject": "partly deferred",
                    "text": "x",
                    "mode": "queue",
                    "save_to_sent": False,
                },
            )
            queue_id = resp.json()["queue_id"]
            deadline = time.monotonic() + 30
            items: list[dict] = []
            while time.monotonic() < deadline:
                items = (await client.get("/v1/outbox", params={"account": account_id})).json()[
                    "items"
                ]
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


async def _submission_greets(stack: MailStack) -> bool:
    try:
        async with asyncio.timeout(1):
            reader, writer = await asyncio.open_connection(stack.host, stack.submission)
            try:
                return (await reader.readline()).startswith(b"220")
            finally:
                writer.close()
    except (OSError, TimeoutError):
        return False


async def test_sync_send_works_within_2_s_of_postfix_coming_back(
    settings: Settings, private_stack: MailStack
) -> None:
    """However long the SMTP pool's backoff grew while Postfix was down, a send works again
    within 2 s of Postfix greeting again; meanwhile sends get a prompt 503."""
    stack = private_stack
    settings = settings.model_copy(
        update={
            "reconnect_base_delay": 0.5,
            "reconnect_max_delay": 10.0,
            "connect_timeout": 2,
            "watch_enabled": False,
        }
    )
    async with running_client(settings) as client:
        user, rcpt = stack.new_user("sback"), stack.new_user("r")
        spec = account_spec(stack, user, protocols=("smtp",))
        assert (await client.post("/v1/accounts", json=spec)).status_code == 201
        url = f"/v1/accounts/{spec['id']}/send"
        body = {"to": [rcpt], "subject": "s", "text": "x", "save_to_sent": False}
        status_url = f"/v1/accounts/{spec['id']}/status"
        stack.stop_postfix()
        # Down until the pool's attempts (each moves the error's ``since``) are more than
        # 5 s apart, then back right after one: a pool that waits for its backoff would
        # try next at least 5 s later. (A pool that makes no attempts while the server
        # is down, 12 s after the last one: backoff cannot pace that.)
        attempts: list[datetime] = []
        last_seen = time.monotonic()
        restart = None
        deadline = time.monotonic() + 90
        try:
            while restart is None:
                if time.monotonic() - last_seen > 12:
                    restart = asyncio.create_task(asyncio.to_thread(stack.start_postfix))
                    break
                assert time.monotonic() < deadline, attempts
                started = time.monotonic()
                resp = await client.post(url, json={**body, "subject": "while down"})
                assert resp.status_code == 503, resp.text
                assert resp.json()["code"] == "smtp_unavailable"
                assert time.monotonic() - started < 1.0  # prompt, not a connect timeout
                status = (await client.get(status_url)).json()["smtp"]
                since = datetime.fromisoformat(status["since"])
                if status["state"] == "error" and (not attempts or since != attempts[-1]):
                    grown = len(attempts) >= 2 and (attempts[-1] - attempts[-2]).total_seconds() > 5
                    attempts.append(since)
                    last_seen = time.monotonic()
                    if grown:
                        restart = asyncio.create_task(asyncio.to_thread(stack.start_postfix))
                await asyncio.sleep(0.1)
            while not await _submission_greets(stack):
                assert time.monotonic() < deadline, "Postfix did not come back"
                await asyncio.sleep(0.02)
            greeted = time.monotonic()
            while (
                resp := await client.post(url, json={**body, "subject": "back"})
            ).status_code != 200:
                assert resp.status_code == 503, resp.text
                assert time.monotonic() - greeted < 2.0, "not back within 2 s"
                await asyncio.sleep(0.05)
            assert time.monotonic() - greeted < 2.0
        finally:
            if restart is None:
                stack.start_postfix()
            else:
                await restart
        [msg] = await wait_for_mail(stack, rcpt, within=20)
        assert msg["Subject"] == "back"
