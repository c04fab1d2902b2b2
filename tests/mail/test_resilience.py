"""The account's IMAP pool when the server freezes, dies mid-request and comes back.

The tests that freeze, kill or stop the server use a private Dovecot stack (the shared one
must never be stopped) and stay Dovecot-only: they drive Dovecot's processes and scripts.
The others run against Dovecot and Cyrus (``mailstack``).
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
from datetime import datetime

from tests.conftest import account_spec, running_client
from tests.mail.conftest import make_message
from tests.mailstack import MailStack

COMMAND_TIMEOUT = 2.0


def _signal_dovecot(stack: MailStack, sig: int) -> None:
    for pid, cmdline in stack.processes():
        if "dovecot" in cmdline:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass


async def _wait_connected(client, account_id: str, within: float) -> dict:
    deadline = time.monotonic() + within
    while True:
        status = (await client.get(f"/v1/accounts/{account_id}/status")).json()["imap"]
        if status["state"] == "connected" or time.monotonic() > deadline:
            return status
        await asyncio.sleep(0.1)


async def test_killed_mid_request_then_recovers_by_itself(
    private_stack: MailStack, settings
) -> None:
    settings = settings.model_copy(
        update={
            "command_timeout": COMMAND_TIMEOUT,
            "connect_timeout": COMMAND_TIMEOUT,
            "reconnect_base_delay": 0.2,
            "reconnect_max_delay": 1.0,
        }
    )
    user = private_stack.new_user("res")
    private_stack.seed_maildir(user, [make_message(f"r{i}") for i in range(3)])
    async with running_client(settings) as client:
        spec = account_spec(private_stack, user, protocols=("imap",))
        assert (await client.post("/v1/accounts", json=spec)).status_code == 201
        url = f"/v1/accounts/{spec['id']}/mailboxes/INBOX/messages"
        assert (await client.get(url)).status_code == 200

        # A request is waiting on a frozen server when the server is killed: it fails
        # as soon as the socket drops, not after the command timeout.
        _signal_dovecot(private_stack, signal.SIGSTOP)
        pending = asyncio.create_task(client.get(url))
        await asyncio.sleep(0.5)  # scenario: the request is sent and waits on the server
        started = time.monotonic()
        await asyncio.to_thread(private_stack.kill_dovecot)
        resp = await pending
        assert resp.status_code == 503, resp.text
        assert resp.json()["code"] == "imap_unavailable"
        assert time.monotonic() - started < COMMAND_TIMEOUT

        # While it is down: prompt 503 with Retry-After, status says so.
        started = time.monotonic()
        resp = await client.get(url)
        assert resp.status_code == 503 and int(resp.headers["retry-after"]) >= 1
        assert time.monotonic() - started < COMMAND_TIMEOUT
        status = (await client.get(f"/v1/accounts/{spec['id']}/status")).json()["imap"]
        assert status["state"] in ("error", "disconnected", "connecting")
        assert status["last_error"]

        # Back up: the pool reconnects by itself (no request needed), then serves.
        await asyncio.to_thread(private_stack.start_dovecot)
        status = await _wait_connected(client, spec["id"], within=10)
        assert status["state"] == "connected", status
        resp = await client.get(url)
        assert resp.status_code == 200 and len(resp.json()["items"]) == 3


async def test_frozen_server_gives_504_within_timeout(private_stack: MailStack, settings) -> None:
    settings = settings.model_copy(
        update={
            "command_timeout": COMMAND_TIMEOUT,
            "connect_timeout": COMMAND_TIMEOUT,
            "reconnect_base_delay": 0.2,
            "reconnect_max_delay": 1.0,
        }
    )
    user = private_stack.new_user("frz")
    private_stack.seed_maildir(user, [make_message("f")])
    async with running_client(settings) as client:
        spec = account_spec(private_stack, user, protocols=("imap",), security="tls")
        assert (await client.post("/v1/accounts", json=spec)).status_code == 201
        url = f"/v1/accounts/{spec['id']}/mailboxes/INBOX/messages"
        assert (await client.get(url)).status_code == 200
        _signal_dovecot(private_stack, signal.SIGSTOP)
        try:
            started = time.monotonic()
            resp = await client.get(url)
            elapsed = time.monotonic() - started
        finally:
            _signal_dovecot(private_stack, signal.SIGCONT)
        assert resp.status_code == 504, resp.text
        assert resp.json()["code"] == "upstream_timeout"
        assert COMMAND_TIMEOUT * 0.9 < elapsed < COMMAND_TIMEOUT + 1.5
        # Thawed: the pool drops the timed-out session and serves again.
        deadline = time.monotonic() + 10
        while (resp := await client.get(url)).status_code != 200:
            assert time.monotonic() < deadline, resp.text
            await asyncio.sleep(0.2)
        assert resp.json()["items"][0]["subject"] == "f"


async def test_wrong_password_is_auth_failed_and_not_hammered(
    mailstack: MailStack, settings
) -> None:
    user = mailstack.new_user("bad")
    async with running_client(settings) as client:
        spec = account_spec(mailstack, user, protocols=("imap",))
        spec["imap"]["password"] = "wrong"
        assert (await client.post("/v1/accounts", json=spec)).status_code == 201
        url = f"/v1/accounts/{spec['id']}/mailboxes"
        resp = await client.get(url)
        assert resp.status_code == 502 and resp.json()["code"] == "auth_failed"
        started = time.monotonic()
        resp = await client.get(url)  # no second login attempt during the backoff
        assert resp.status_code == 502 and time.monotonic() - started < 0.3
        status = (await client.get(f"/v1/accounts/{spec['id']}/status")).json()["imap"]
        assert status["state"] == "auth_failed"
        verify = (await client.post(f"/v1/accounts/{spec['id']}/verify")).json()
        assert verify["imap"]["ok"] is False


def _imap_connections(stack: MailStack, user: str) -> int:
    """How many IMAP sessions the server has for ``user``: on Dovecot ``doveadm who``; Cyrus
    has no such command, so there the established connections to its IMAP port (this
    test's gateway is its only client while the test runs)."""
    if stack.server == "dovecot":
        out = subprocess.run(
            ["doveadm", "-c", str(stack.dovecot_conf), "who", "-1", user],
            capture_output=True,
            text=True,
            timeout=30,
            stdin=subprocess.DEVNULL,
            check=True,
        ).stdout
        return sum(1 for line in out.splitlines()[1:] if " imap " in f" {line} ")
    port = f"{stack.imap:04X}"
    with open("/proc/net/tcp") as table:  # local, remote, state (01: established)
        rows = [line.split() for line in table.readlines()[1:]]
    return sum(1 for row in rows if row[1].endswith(":" + port) and row[3] == "01")


async def test_idle_sessions_are_closed_after_a_while(mailstack: MailStack, settings) -> None:
    settings = settings.model_copy(update={"imap_session_max_idle": 0.5, "watch_enabled": False})
    user = mailstack.new_user("idl")
    async with running_client(settings) as client:
        spec = account_spec(mailstack, user, protocols=("imap",))
        assert (await client.post("/v1/accounts", json=spec)).status_code == 201
        url = f"/v1/accounts/{spec['id']}/mailboxes"
        assert all(
            r.status_code == 200 for r in await asyncio.gather(*(client.get(url) for _ in range(3)))
        )
        assert await asyncio.to_thread(_imap_connections, mailstack, user) >= 2
        deadline = time.monotonic() + 5
        while await asyncio.to_thread(_imap_connections, mailstack, user):
            assert time.monotonic() < deadline, "idle sessions were not closed"
            await asyncio.sleep(0.2)
        assert (await client.get(url)).status_code == 200  # a new one when needed


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


async def test_listing_works_within_2_s_of_the_imap_server_coming_back(
    private_stack: MailStack, settings
) -> None:
    """However long the reconnect backoff grew while Dovecot was down, a listing works
    again within 2 s of Dovecot greeting again; meanwhile listings get a prompt 503."""
    settings = settings.model_copy(
        update={
            "command_timeout": COMMAND_TIMEOUT,
            "connect_timeout": COMMAND_TIMEOUT,
            "reconnect_base_delay": 0.5,
            "reconnect_max_delay": 10.0,
            "watch_enabled": False,
        }
    )
    user = private_stack.new_user("back")
    private_stack.seed_maildir(user, [make_message("b")])
    async with running_client(settings) as client:
        spec = account_spec(private_stack, user, protocols=("imap",))
        assert (await client.post("/v1/accounts", json=spec)).status_code == 201
        url = f"/v1/accounts/{spec['id']}/mailboxes/INBOX/messages"
        status_url = f"/v1/accounts/{spec['id']}/status"
        assert (await client.get(url)).status_code == 200

        await asyncio.to_thread(private_stack.stop_dovecot)
        # Down until the background reconnects are more than 5 s apart (each failed
        # attempt moves the error's ``since``), then back right after one of them: the
        # next one is at least 5 s away, so only noticing the return can be quick.
        attempts: list[datetime] = []
        restart = None
        deadline = time.monotonic() + 90
        try:
            while restart is None:
                assert time.monotonic() < deadline, attempts
                started = time.monotonic()
                resp = await client.get(url)
                assert resp.status_code == 503, resp.text
                assert resp.json()["code"] == "imap_unavailable"
                assert time.monotonic() - started < 1.0  # prompt, not a connect timeout
                status = (await client.get(status_url)).json()["imap"]
                since = datetime.fromisoformat(status["since"])
                if status["state"] == "error" and (not attempts or since != attempts[-1]):
                    grown = len(attempts) >= 2 and (attempts[-1] - attempts[-2]).total_seconds() > 5
                    attempts.append(since)
                    if grown:
                        restart = asyncio.create_task(
                            asyncio.to_thread(private_stack.start_dovecot)
                        )
                await asyncio.sleep(0.1)
            while not await _imap_greets(private_stack):
                assert time.monotonic() < deadline, "Dovecot did not come back"
                await asyncio.sleep(0.02)
            greeted = time.monotonic()
            while (resp := await client.get(url)).status_code != 200:
                assert resp.status_code == 503, resp.text
                assert time.monotonic() - greeted < 2.0, "not back within 2 s"
                await asyncio.sleep(0.05)
            assert time.monotonic() - greeted < 2.0
            assert resp.json()["items"][0]["subject"] == "b"
        finally:
            if restart is None:
                await asyncio.to_thread(private_stack.start_dovecot)
            else:
                await restart
