"""ImapPool against the real Dovecot: long transfers give way to interactive requests."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from gateway.accounts import imap_pool


async def _pool(client, account: dict) -> imap_pool.ImapPool:
    return await client.app.state.services.mail.pool(account["id"])


async def test_a_bulk_chunk_waits_for_interactive_operations(client, account, monkeypatch) -> None:
    pool = await _pool(client, account)
    pool.bulk_yield = 60.0  # longer than this test
    order: list[str] = []
    started, release = asyncio.Event(), asyncio.Event()

    async def interactive() -> None:
        async with pool.session() as session:
            order.append("interactive started")
            started.set()
            await release.wait()
            await session.noop()
            order.append("interactive done")

    async def bulk() -> None:
        async with pool.session(bulk=True) as session:
            order.append("bulk started")
            await session.noop()

    first = asyncio.create_task(interactive())
    await started.wait()
    second = asyncio.create_task(bulk())
    for _ in range(20):  # the bulk task gets every chance to start
        await asyncio.sleep(0)
    assert order == ["interactive started"]
    release.set()
    await asyncio.gather(first, second)
    assert order == ["interactive started", "interactive done", "bulk started"]


async def test_interactive_operations_never_starve_a_transfer(client, account, monkeypatch) -> None:
    pool = await _pool(client, account)
    pool.bulk_yield = 0.01
    async with pool.session() as held:  # in flight for as long as this test runs
        async with pool.session(bulk=True) as session:
            await session.noop()
        await held.noop()


@pytest.mark.parametrize("fails", [False, True])
async def test_after_interactive_operations_a_chunk_starts_at_once(
    client, account, monkeypatch, fails: bool
) -> None:
    pool = await _pool(client, account)
    pool.bulk_yield = 60.0

    async def operation(session) -> None:
        await session.noop()
        if fails:
            raise LookupError("the operation failed")

    with pytest.raises(LookupError) if fails else contextlib.nullcontext():
        await pool.run(operation)
    # Nothing in flight any more: the chunk does not wait for BULK_YIELD.
    async with asyncio.timeout(30):
        async with pool.session(bulk=True) as session:
            await session.noop()


async def _download_url(client, account: dict, mailstack, monkeypatch) -> tuple[str, bytes]:
    from gateway.imap import service as mail_service
    from tests.mail.conftest import make_message

    big = make_message("big", body=("0123456789abcdef" * 64 + "\r\n") * 2000)  # ~2 MB
    mailstack.seed_maildir(account["email"], [big])
    url = f"/v1/accounts/{account['id']}"
    item = (await client.get(f"{url}/mailboxes/INBOX/messages")).json()["items"][0]
    monkeypatch.setattr(mail_service, "STREAM_CHUNK", 512 * 1024)  # several chunks
    return f"{url}/messages/{item['id']}/raw", big


async def test_a_download_gives_way_to_each_interactive_operation(
    client, account, mailstack, monkeypatch
) -> None:
    url, big = await _download_url(client, account, mailstack, monkeypatch)
    pool = await _pool(client, account)
    pool.bulk_yield = 60.0  # only the operations' ends release it
    holds = []
    real_hold = imap_pool.ImapSession.hold_reading

    def hold_reading(session) -> None:
        holds.append(session)
        real_hold(session)

    monkeypatch.setattr(imap_pool.ImapSession, "hold_reading", hold_reading)
    download = asyncio.create_task(client.get(url))
    while not download.done():
        await pool.run(lambda session: session.noop())
    resp = await download
    assert resp.status_code == 200 and resp.content == big
    assert holds  # chunks in flight stopped reading while a NOOP was


async def test_a_download_is_not_starved_by_a_long_interactive_operation(
    client, account, mailstack, monkeypatch
) -> None:
    url, big = await _download_url(client, account, mailstack, monkeypatch)
    pool = await _pool(client, account)
    pool.bulk_yield = 0.01
    async with pool.session() as held:  # in flight for the whole download
        resp = await client.get(url)
        await held.noop()
    assert resp.status_code == 200 and resp.content == big


async def test_one_session_pool_interactive_operations_queue_behind_a_chunk(
    mailstack, settings, monkeypatch
) -> None:
    # An operation waiting for the only session is not "in flight": it must not hold up
    # the chunk that has the session (with BULK_YIELD this long, that would stall).
    from tests.conftest import account_spec, running_client

    settings = settings.model_copy(
        update={"imap_pool_size": 1, "watch_enabled": False, "imap_bulk_yield": 60.0}
    )
    async with running_client(settings) as client:
        user = mailstack.new_user("one")
        spec = account_spec(mailstack, user, protocols=("imap",))
        assert (await client.post("/v1/accounts", json=spec)).status_code == 201
        url, big = await _download_url(
            client, {"id": spec["id"], "email": user}, mailstack, monkeypatch
        )
        pool = await _pool(client, {"id": spec["id"]})
        async with asyncio.timeout(30):
            download = asyncio.create_task(client.get(url))
            while not download.done():
                await pool.run(lambda session: session.noop())
            resp = await download
    assert resp.status_code == 200 and resp.content == big


async def test_a_zero_bulk_yield_turns_giving_way_off(client, account) -> None:
    pool = await _pool(client, account)
    pool.bulk_yield = 60.0
    async with pool.session():  # transfers give way while this is in flight...
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.3):
                await pool.bulk_turn()
    pool.bulk_yield = 0  # ...and with GATEWAY_IMAP_BULK_YIELD=0 they do not
    async with pool.session() as held:
        async with asyncio.timeout(5):
            await pool.bulk_turn()
            async with pool.session(bulk=True) as session:
                await session.noop()
        await held.noop()
