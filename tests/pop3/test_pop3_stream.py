"""Streamed POP3 retrieval: 1,000 messages in one call, and nothing lost on a disconnect."""

from __future__ import annotations

import asyncio
import json
import socket

from tests.conftest import ADMIN_TOKEN, account_spec, running_client
from tests.pop3.helpers import NDJSON, bulk_message, live_gateway, subject


async def add_account(client, mailstack, count: int, size: int = 600):
    user = mailstack.new_user("p3s")
    resp = await client.post(
        "/v1/accounts", json=account_spec(mailstack, user, protocols=("pop3",))
    )
    assert resp.status_code == 201, resp.text
    assert mailstack.seed_maildir(user, [bulk_message(i, size) for i in range(count)]) == count
    return resp.json()["id"], user


def many(stack) -> int:
    """1000 messages on Dovecot; 300 on Cyrus, where storing one costs ~10 ms (the streaming
    and deleting behaviour tested does not depend on the count)."""
    return 300 if stack.server == "cyrus" else 1000


async def test_thousand_messages_in_one_streamed_call_with_delete(client, mailstack):
    count = many(mailstack)
    acc, user = await add_account(client, mailstack, count)
    resp = await client.post(
        f"/v1/accounts/{acc}/pop3/retrieve", headers=NDJSON, json={"format": "raw", "delete": True}
    )
    assert resp.status_code == 200
    *items, end = [json.loads(line) for line in resp.text.splitlines()]
    assert end == {
        "complete": True,
        "reason": None,
        "delivered": count,
        "deleted": count,
        "remaining": 0,
        "summary": f"{count} messages delivered, {count} deleted, 0 left",
    }
    assert len(items) == count
    assert [subject(i["raw"]) for i in items] == [f"n{i}" for i in range(count)]
    assert len({i["uidl"] for i in items}) == count
    assert mailstack.maildir_count(user) == 0


async def test_interrupted_retrieval_confirms_only_what_was_consumed(settings, mailstack):
    """Items count as delivered only once the consumer moved past them (no socket lag here)."""
    settings.pop3_unconfirmed_bytes = 0
    async with running_client(settings) as client:
        acc, user = await add_account(client, mailstack, 10)
        service = client.app.state.services.pop3
        retrieval = await service.start_retrieval(
            acc, only_new=True, delete=True, limit=None, headers_only=False
        )
        consumed = []
        async for item in retrieval.items():
            consumed.append(item.uidl)
            if len(consumed) == 4:
                break  # the 4th item was produced but its consumer died before writing it
        await retrieval.aclose()
        assert mailstack.maildir_count(user) == 7  # items 1-3 deleted, QUIT committed
        listing = (await client.get(f"/v1/accounts/{acc}/pop3/messages")).json()
        assert [m["seen"] for m in listing["items"]] == [False] * 7
        assert listing["items"][0]["uidl"] == consumed[3]
        rest = (
            await client.post(
                f"/v1/accounts/{acc}/pop3/retrieve",
                headers=NDJSON,
                json={"format": "raw", "delete": True},
            )
        ).text.splitlines()
        assert [subject(json.loads(x)["raw"]) for x in rest[:-1]] == [f"n{i}" for i in range(3, 10)]
        assert json.loads(rest[-1])["complete"] is True
        assert mailstack.maildir_count(user) == 0


async def test_uncommitted_retrieval_deletes_nothing_and_commit_deletes_all(settings, mailstack):
    async with running_client(settings) as client:  # default margin: nothing confirmed early
        acc, user = await add_account(client, mailstack, 10)
        service = client.app.state.services.pop3
        retrieval = await service.start_retrieval(
            acc, only_new=True, delete=True, limit=None, headers_only=False
        )
        assert len([item async for item in retrieval.items()]) == 10
        await retrieval.aclose()  # produced everything, but never confirmed as written
        assert mailstack.maildir_count(user) == 10
        listing = (await client.get(f"/v1/accounts/{acc}/pop3/messages")).json()
        assert not any(m["seen"] for m in listing["items"])

        retrieval = await service.start_retrieval(
            acc, only_new=True, delete=True, limit=None, headers_only=False
        )
        assert len([item async for item in retrieval.items()]) == 10
        await retrieval.commit()
        await retrieval.aclose()
        assert mailstack.maildir_count(user) == 0


def read_items_then_close(port: int, path: str, body: bytes, want: int) -> int:
    """A raw HTTP/1.1 client with a small receive buffer that reads ``want`` NDJSON items,
    then closes the socket with the rest unread (what a crashing consumer does).

    The small SO_RCVBUF bounds how far the gateway can get ahead in socket buffers, so the
    disconnect reliably happens mid-stream.
    """
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32 * 1024)
    sock.connect(("127.0.0.1", port))
    sock.sendall(
        f"POST {path} HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer {ADMIN_TOKEN}\r\n"
        f"Accept: application/x-ndjson\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
    seen = 0
    data = b""
    while seen < want:
        chunk = sock.recv(65536)
        assert chunk, "stream ended early"
        data = data[-16:] + chunk
        seen += chunk.count(b'{"uidl"')
    sock.close()
    return seen


async def test_client_disconnect_mid_stream_loses_and_deletes_nothing(settings, mailstack):
    settings.pop3_lock_timeout = 15
    async with live_gateway(settings) as (client, _app):
        count = many(mailstack)
        acc, user = await add_account(client, mailstack, count, size=10_000)
        port = int(str(client.base_url).rsplit(":", 1)[1].strip("/"))
        read = await asyncio.to_thread(
            read_items_then_close,
            port,
            f"/v1/accounts/{acc}/pop3/retrieve",
            b'{"format": "raw", "delete": true}',
            count // 2,
        )
        assert read >= count // 2

        # The session ended without deleting anything that was not delivered, and the
        # account is free again (the lock was released when the client went away).
        stat = await client.get(f"/v1/accounts/{acc}/pop3")
        assert stat.status_code == 200, stat.text
        assert stat.json()["count"] == count
        assert mailstack.maildir_count(user) == count
        listing = (await client.get(f"/v1/accounts/{acc}/pop3/messages?limit=500")).json()
        assert not any(m["seen"] for m in listing["items"])  # nothing was confirmed

        # Resuming returns every message not confirmed as delivered: nothing is lost.
        resp = await client.post(
            f"/v1/accounts/{acc}/pop3/retrieve",
            headers=NDJSON,
            json={"format": "raw", "delete": True},
        )
        *second, end = [json.loads(x) for x in resp.text.splitlines()]
        assert [subject(x["raw"]) for x in second] == [f"n{i}" for i in range(count)]
        assert end["complete"] is True and end["deleted"] == count
        assert mailstack.maildir_count(user) == 0


async def test_client_that_stops_reading_frees_the_account(settings, mailstack):
    """A stalled consumer is dropped after the write timeout; nothing is lost or deleted."""
    settings.pop3_client_write_timeout = 1.0
    settings.pop3_lock_timeout = 20
    async with live_gateway(settings) as (client, app):
        acc, user = await add_account(client, mailstack, 150, size=50_000)
        manager = await app.state.services.accounts.manager(acc, "pop3")
        port = int(str(client.base_url).rsplit(":", 1)[1].strip("/"))
        body = b'{"format": "raw", "delete": true}'
        stalled = socket.socket()
        stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        stalled.connect(("127.0.0.1", port))
        try:
            stalled.sendall(
                f"POST /v1/accounts/{acc}/pop3/retrieve HTTP/1.1\r\nHost: gw\r\n"
                f"Authorization: Bearer {ADMIN_TOKEN}\r\nAccept: application/x-ndjson\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode()
                + body
            )
            for _ in range(100):  # until the retrieval has the account's session
                if manager._lock.locked():
                    break
                await asyncio.sleep(0.02)
            assert manager._lock.locked()
            resp = await client.get(f"/v1/accounts/{acc}/pop3")  # waits for the lock
            assert resp.status_code == 200, resp.text
            assert resp.json()["count"] == 150
        finally:
            stalled.close()
        assert mailstack.maildir_count(user) == 150
