"""POP3 failure modes: unreachable or silent servers, and Dovecot dying mid-stream."""

from __future__ import annotations

import asyncio
import json
import socket

from tests.conftest import account_spec
from tests.pop3.helpers import NDJSON, bulk_message, live_gateway, subject


async def test_unreachable_server_is_503_with_retry_after(client, mailstack):
    user = mailstack.new_user("p3x")
    spec = account_spec(mailstack, user, protocols=("pop3",))
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        spec["pop3"]["port"] = s.getsockname()[1]
    acc = (await client.post("/v1/accounts", json=spec)).json()["id"]
    resp = await client.post(f"/v1/accounts/{acc}/pop3/retrieve", json={})
    assert resp.status_code == 503
    assert resp.json()["code"] == "pop3_unavailable" and "Retry-After" in resp.headers
    status = (await client.get(f"/v1/accounts/{acc}/status")).json()
    assert status["pop3"]["state"] == "error"


async def test_silent_server_times_out_not_hangs(settings, mailstack):
    from tests.conftest import running_client

    settings.command_timeout = 0.5
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()  # accepts connections (kernel backlog) and never says a word
    try:
        async with running_client(settings) as client:
            user = mailstack.new_user("p3t")
            spec = account_spec(mailstack, user, protocols=("pop3",), security="none")
            spec["pop3"]["port"] = listener.getsockname()[1]
            acc = (await client.post("/v1/accounts", json=spec)).json()["id"]
            resp = await asyncio.wait_for(client.get(f"/v1/accounts/{acc}/pop3"), 10)
            assert resp.status_code == 504
            assert resp.json()["code"] == "upstream_timeout"
    finally:
        listener.close()


async def test_dovecot_killed_mid_stream_ends_with_error_line_and_deletes_nothing(
    settings, private_stack
):
    """Dovecot only: it kills the processes of a private Dovecot stack (scripts/mailstack.sh)."""
    stack = private_stack
    async with live_gateway(settings) as (client, _app):
        user = stack.new_user("p3k")
        resp = await client.post(
            "/v1/accounts", json=account_spec(stack, user, protocols=("pop3",))
        )
        acc = resp.json()["id"]
        stack.seed_maildir(user, [bulk_message(i, size=50_000) for i in range(300)])
        lines: list[dict] = []
        async with client.stream(
            "POST",
            f"/v1/accounts/{acc}/pop3/retrieve",
            headers=NDJSON,
            json={"format": "raw", "delete": True},
        ) as stream:
            assert stream.status_code == 200
            async for line in stream.aiter_lines():
                lines.append(json.loads(line))
                if len(lines) == 5:
                    await asyncio.to_thread(stack.kill_dovecot)
        assert "error" in lines[-1], lines[-1].keys()
        assert lines[-1]["error"]["code"] in ("pop3_unavailable", "pop3_protocol_error")
        end = lines[-1]
        assert end["complete"] is False and end["reason"] == end["error"]["code"]
        assert end["deleted"] == 0 and end["delivered"] + end["remaining"] == 300
        assert [subject(x["raw"]) for x in lines[:-1]] == [f"n{i}" for i in range(len(lines) - 1)]
        assert len(lines) - 1 < 300

        resp = await client.get(f"/v1/accounts/{acc}/pop3")
        assert resp.status_code == 503 and resp.json()["code"] == "pop3_unavailable"
        await asyncio.to_thread(stack.start_dovecot)
        assert stack.maildir_count(user) == 300  # no QUIT ever reached the server
        resp = await client.post(
            f"/v1/accounts/{acc}/pop3/retrieve",
            headers=NDJSON,
            json={"format": "raw", "delete": True},
        )
        *items, end = resp.text.splitlines()
        assert len(items) == 300 and json.loads(end)["complete"] is True
        assert stack.maildir_count(user) == 0


async def test_message_over_the_size_cap_is_a_clear_502(settings, mailstack):
    from tests.conftest import running_client

    settings.pop3_max_message_bytes = 64 * 1024
    async with running_client(settings) as client:
        user = mailstack.new_user("p3big")
        acc = (
            await client.post(
                "/v1/accounts", json=account_spec(mailstack, user, protocols=("pop3",))
            )
        ).json()["id"]
        mailstack.seed_maildir(
            user, [bulk_message(0), bulk_message(1, size=200_000), bulk_message(2)]
        )
        listing = (await client.get(f"/v1/accounts/{acc}/pop3/messages")).json()
        big = listing["items"][1]["uidl"]
        resp = await client.get(f"/v1/accounts/{acc}/pop3/messages/{big}")
        assert resp.status_code == 502
        assert resp.json()["code"] == "pop3_message_too_large"
        resp = await client.post(
            f"/v1/accounts/{acc}/pop3/retrieve",
            headers=NDJSON,
            json={"format": "raw", "delete": True},
        )
        lines = [json.loads(x) for x in resp.text.splitlines()]
        assert subject(lines[0]["raw"]) == "n0"
        assert lines[-1]["error"]["code"] == "pop3_message_too_large"
        assert lines[-1]["complete"] is False and lines[-1]["remaining"] == 3
        assert mailstack.maildir_count(user) == 3  # nothing deleted
        # n0 went out, but too few bytes followed it to count as delivered: offered again
        again = (
            await client.post(f"/v1/accounts/{acc}/pop3/retrieve", json={"headers_only": True})
        ).json()
        assert [i["subject"] for i in again["items"]] == ["n0", "n1", "n2"]
