"""The SMTP adapter and SmtpPool against the real Postfix: security modes, error mapping."""

from __future__ import annotations

import asyncio
import socket
import ssl

import pytest

from gateway.accounts.smtp_pool import SmtpPool
from gateway.errors import (
    UpstreamAuthFailed,
    UpstreamTimeout,
    UpstreamUnavailable,
)
from gateway.model.accounts import Account, ServerConfig
from gateway.protocols.smtp.client import RecipientsRefused, SmtpSession, SmtpTarget, is_retryable
from gateway.protocols.tls import client_ssl_context
from gateway.settings import Settings
from gateway.store.schema import utcnow
from tests.mailstack import MailStack

MSG = b"Subject: adapter test\r\nMessage-ID: <adapter@example.test>\r\n\r\nhello\r\n"


def _target(stack: MailStack, security: str, **kw) -> SmtpTarget:
    port = {"starttls": stack.submission, "tls": stack.smtps, "none": stack.submission}[security]
    base = dict(
        host=stack.host,
        port=port,
        security=security,
        username="a@example.test",
        password=stack.password,
        connect_timeout=3,
        command_timeout=5,
        ssl_context=client_ssl_context(verify=True, ca_file=str(stack.cert))
        if security != "none"
        else None,
    )
    base.update(kw)
    return SmtpTarget(**base)


@pytest.mark.parametrize("security", ["starttls", "tls", "none"])
async def test_send_per_recipient_results(mailstack: MailStack, security: str) -> None:
    good, bad = mailstack.new_user("g"), "unknown-" + mailstack.new_user("b")
    async with SmtpSession(_target(mailstack, security)) as session:
        assert session.connected
        result = await session.send("a@example.test", [good, bad], MSG)
        assert result.accepted == [good] and result.code == 250
        [rej] = result.rejected
        assert rej.address == bad and rej.code == 550
        with pytest.raises(RecipientsRefused) as info:
            await session.send("a@example.test", [bad], MSG)
        assert info.value.code == "smtp_rejected" and not is_retryable(info.value)
        # the session is still usable after a refused transaction
        again = await session.send("a@example.test", [good], MSG)
        assert again.accepted == [good]


async def test_starttls_is_really_tls(mailstack: MailStack) -> None:
    async with SmtpSession(_target(mailstack, "starttls")) as session:
        assert session._smtp.get_transport_info("sslcontext") is not None


async def test_wrong_password_is_auth_failed(mailstack: MailStack) -> None:
    with pytest.raises(UpstreamAuthFailed) as info:
        async with SmtpSession(_target(mailstack, "starttls", password="wrong")):
            pass
    assert "535" in info.value.detail


async def test_untrusted_certificate_is_refused(mailstack: MailStack) -> None:
    other_ca = ssl.create_default_context()  # system CAs only: the stack's cert is unknown
    with pytest.raises(UpstreamUnavailable) as info:
        async with SmtpSession(_target(mailstack, "tls", ssl_context=other_ca)):
            pass
    assert "TLS" in info.value.detail or "certificate" in info.value.detail.lower()


async def test_connection_refused_is_unavailable() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nobody listens there
    target = SmtpTarget(host="127.0.0.1", port=port, security="none", connect_timeout=2)
    with pytest.raises(UpstreamUnavailable) as info:
        async with SmtpSession(target):
            pass
    assert info.value.code == "smtp_unavailable" and is_retryable(info.value)


async def test_server_that_never_greets_times_out() -> None:
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    target = SmtpTarget(
        host="127.0.0.1", port=port, security="none", connect_timeout=0.3, command_timeout=0.3
    )
    try:
        with pytest.raises(UpstreamTimeout):
            async with SmtpSession(target):
                pass
    finally:
        server.close()


def _pool(stack: MailStack, **server_kw) -> SmtpPool:
    fields = dict(
        host=stack.host,
        port=stack.submission,
        security="starttls",
        username="a@example.test",
        password=stack.password,
        ca_file=str(stack.cert),
    )
    server = ServerConfig(**{**fields, **server_kw})
    now = utcnow()
    account = Account(
        id="pool", name="pool", email="a@example.test", smtp=server, created_at=now, updated_at=now
    )
    settings = Settings(
        database_url="sqlite+aiosqlite:///:memory:",
        secret_key="x",
        smtp_pool_size=2,
        connect_timeout=3,
        command_timeout=5,
        reconnect_base_delay=0.2,
        reconnect_max_delay=0.5,
    )
    return SmtpPool(account, server, settings)


async def test_pool_reuses_and_replaces_dead_sessions(mailstack: MailStack) -> None:
    pool = _pool(mailstack)
    rcpt = mailstack.new_user("p")
    try:
        await pool.send("a@example.test", [rcpt], MSG)
        [session] = pool._idle
        await pool.send("a@example.test", [rcpt], MSG)
        assert pool._idle == [session]  # reused, not reconnected
        # The server drops the idle connection (as after smtpd_timeout): the next send
        # notices at MAIL, reconnects and succeeds.
        session._smtp.transport.abort()
        await asyncio.sleep(0.05)  # scenario: the loop runs the abort's callbacks
        session.created -= 10  # an old session, not one just opened
        result = await pool.send("a@example.test", [rcpt], MSG)
        assert result.accepted == [rcpt]
        assert pool.status.state == "connected"
        sends = await asyncio.gather(*(pool.send("a@example.test", [rcpt], MSG) for _ in range(6)))
        assert all(r.accepted == [rcpt] for r in sends)
        assert len(pool._idle) <= 2
    finally:
        await pool.close()


async def test_pool_backs_off_after_a_failed_login(mailstack: MailStack) -> None:
    pool = _pool(mailstack, password="wrong")
    try:
        with pytest.raises(UpstreamAuthFailed):
            await pool.send("a@example.test", ["x@example.test"], MSG)
        assert pool.status.state == "auth_failed"
        loop = asyncio.get_running_loop()
        started = loop.time()
        with pytest.raises(UpstreamAuthFailed):  # answered from the backoff, no new login
            await pool.send("a@example.test", ["x@example.test"], MSG)
        assert loop.time() - started < 0.1
        with pytest.raises(UpstreamAuthFailed):
            await pool.verify()  # verify always tries for real
    finally:
        await pool.close()


async def test_without_pipelining_one_command_at_a_time(mailstack: MailStack) -> None:
    good, bad = mailstack.new_user("np"), "unknown-" + mailstack.new_user("np")
    async with SmtpSession(_target(mailstack, "starttls")) as session:
        session._smtp.esmtp_extensions.pop("pipelining", None)
        assert not session.supports("pipelining")
        result = await session.send("a@example.test", [good, bad], MSG)
        assert result.accepted == [good] and result.rejected[0].code == 550
        with pytest.raises(RecipientsRefused):
            await session.send("a@example.test", [bad], MSG)
        hooked: list[bool] = []

        async def hook() -> None:
            hooked.append(session.dot_sent)

        again = await session.send("a@example.test", [good], MSG, before_end_of_data=hook)
        assert again.accepted == [good] and hooked == [False] and session.dot_sent


async def test_pipelined_hook_runs_before_the_final_dot(mailstack: MailStack) -> None:
    rcpt = mailstack.new_user("hk")
    async with SmtpSession(_target(mailstack, "tls")) as session:
        assert session.supports("pipelining")
        seen: list[bool] = []

        async def hook() -> None:
            seen.append(session.dot_sent)

        result = await session.send("a@example.test", [rcpt], MSG, before_end_of_data=hook)
        assert result.code == 250 and seen == [False] and session.dot_sent

        async def failing_hook() -> None:
            raise RuntimeError("lease lost")

        with pytest.raises(RuntimeError):
            await session.send("a@example.test", [rcpt], MSG, before_end_of_data=failing_hook)
        assert not session.connected  # dropped mid-DATA: the server discards the message


async def test_verify_and_status_through_the_api(client, mailstack: MailStack) -> None:
    from tests.conftest import account_spec

    good = account_spec(mailstack, mailstack.new_user("v"), protocols=("smtp",))
    bad = account_spec(mailstack, mailstack.new_user("w"), protocols=("smtp",), security="tls")
    bad["smtp"]["password"] = "wrong"
    for spec in (good, bad):
        assert (await client.post("/v1/accounts", json=spec)).status_code == 201
    ok = (await client.post(f"/v1/accounts/{good['id']}/verify")).json()
    assert ok["smtp"]["ok"] is True
    status = (await client.get(f"/v1/accounts/{good['id']}/status")).json()
    assert status["smtp"]["state"] == "connected"
    failed = (await client.post(f"/v1/accounts/{bad['id']}/verify")).json()
    assert failed["smtp"]["ok"] is False and "auth_failed" in failed["smtp"]["detail"]
    assert "wrong" not in str(failed)  # the password never comes back
    status = (await client.get(f"/v1/accounts/{bad['id']}/status")).json()
    assert status["smtp"]["state"] == "auth_failed"
