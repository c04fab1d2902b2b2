"""The asyncio POP3 client against the real Dovecot and Cyrus (STLS and POP3S)."""

from __future__ import annotations

import poplib

import pytest

from gateway.errors import UpstreamAuthFailed, UpstreamRejected, UpstreamUnavailable
from gateway.protocols.pop3 import Pop3Client
from gateway.protocols.tls import client_ssl_context
from tests.mailstack import MailStack


@pytest.fixture
def mailstack(imap_server: MailStack) -> MailStack:
    """Each test runs against Dovecot and against Cyrus (``mailstack.server``)."""
    return imap_server


def message(i: int, body: bytes = b"hello") -> bytes:
    return (
        f"From: s@example.test\r\nSubject: m{i}\r\nMessage-ID: <m{i}@x>\r\n\r\n".encode()
        + body
        + b"\r\n"
    )


async def connect(stack, security: str) -> Pop3Client:
    port = stack.pop3s if security == "tls" else stack.pop3
    return await Pop3Client.connect(
        stack.host,
        port,
        security=security,
        ssl_context=client_ssl_context(verify=True, ca_file=str(stack.cert)),
        connect_timeout=5,
        command_timeout=10,
    )


@pytest.mark.parametrize("security", ["starttls", "tls"])
async def test_login_stat_list_uidl_retr_top(mailstack, security):
    user = mailstack.new_user("p3c")
    tricky = b"x" * 10_000 + b"\r\n.starts with dot\r\n.\r\n..\r\nend"
    mailstack.seed_maildir(user, [message(1), message(2, tricky)])
    client = await connect(mailstack, security)
    assert "PIPELINING" in client.capabilities and "UIDL" in client.capabilities
    await client.login(user, mailstack.password)
    count, size = await client.stat()
    assert count == 2 and size > 10_000
    listing = await client.list()
    uidls = await client.uidl()
    assert [n for n, _ in listing] == [1, 2] and [n for n, _ in uidls] == [1, 2]
    raw = await client.retr(2)
    assert raw.endswith(tricky + b"\r\n")
    assert len(raw) == listing[1][1]
    head = await client.top(1, 0)
    assert head.startswith(b"From:") and b"hello" not in head
    got = [(n, raw) async for n, raw in client.retrieve_many([1, 2])]
    assert [n for n, _ in got] == [1, 2] and got[1][1] == raw
    await client.noop()
    await client.quit()
    assert client.closed


async def test_pipelined_dele_then_quit_commits_and_abort_does_not(mailstack):
    user = mailstack.new_user("p3d")
    mailstack.seed_maildir(user, [message(i) for i in range(1, 31)])
    client = await connect(mailstack, "starttls")
    await client.login(user, mailstack.password)
    async for number, _raw in client.retrieve_many(range(1, 11)):
        await client.dele(number)
    client.abort()  # no QUIT: RFC 1939 section 6, nothing is deleted
    assert mailstack.maildir_count(user) == 30

    client = await connect(mailstack, "starttls")
    await client.login(user, mailstack.password)
    async for number, _raw in client.retrieve_many(range(1, 31)):
        if number <= 10:
            await client.dele(number)
    await client.quit()
    assert mailstack.maildir_count(user) == 20
    pop = poplib.POP3(mailstack.host, mailstack.pop3)
    pop.stls(mailstack.ssl_context())
    pop.user(user)
    pop.pass_(mailstack.password)
    assert pop.stat()[0] == 20
    pop.quit()


async def test_wrong_password_is_auth_failed(mailstack):
    user = mailstack.new_user("p3w")
    client = await connect(mailstack, "starttls")
    with pytest.raises(UpstreamAuthFailed) as info:
        await client.login(user, "wrong")
    # The server's own words: Dovecot "-ERR [AUTH] Authentication failed.", Cyrus
    # "-ERR [AUTH] authenticating: authentication failure".
    expected = "authentication failure" if mailstack.server == "cyrus" else "Authentication failed"
    assert expected in info.value.detail
    client.abort()


async def test_user_pass_and_auth_login_paths(mailstack):
    user = mailstack.new_user("p3u")
    client = await connect(mailstack, "starttls")
    await client.command("USER", user)
    await client.command("PASS", mailstack.password)
    assert (await client.stat())[0] == 0
    await client.quit()
    client = await connect(mailstack, "starttls")
    await client.auth_login(user, mailstack.password)
    assert (await client.stat())[0] == 0
    await client.quit()


async def test_rejections_and_unreachable(mailstack):
    user = mailstack.new_user("p3r")
    client = await connect(mailstack, "tls")
    await client.login(user, mailstack.password)
    with pytest.raises(UpstreamRejected):
        await client.retr(99)
    assert (await client.stat())[0] == 0  # the session survives an -ERR
    await client.quit()
    with pytest.raises(UpstreamUnavailable):
        await Pop3Client.connect("127.0.0.1", 1, security="none", connect_timeout=2)
    # TLS verification failure (no CA given) is a clear unavailable error, not a hang
    with pytest.raises(UpstreamUnavailable) as info:
        await Pop3Client.connect(
            mailstack.host,
            mailstack.pop3s,
            security="tls",
            ssl_context=client_ssl_context(verify=True),
            connect_timeout=5,
        )
    assert "TLS" in info.value.detail


async def test_without_pipelining_one_command_at_a_time(mailstack):
    """The same retrieval and DELE flow when the server does not announce PIPELINING."""
    user = mailstack.new_user("p3np")
    mailstack.seed_maildir(user, [message(i) for i in range(1, 8)])
    client = await connect(mailstack, "starttls")
    client.capabilities.pop("PIPELINING")
    assert not client.pipelining
    await client.login(user, mailstack.password)
    assert len(await client.scan()) == 7
    got = []
    async for number, raw in client.retrieve_many(range(1, 8)):
        assert not client._pending  # nothing else in flight while we hold an item
        got.append(raw)
        if number % 2:
            await client.dele(number)
    assert [r.split(b"\r\n")[1] for r in got] == [f"Subject: m{i}".encode() for i in range(1, 8)]
    await client.quit()
    assert mailstack.maildir_count(user) == 3


async def test_retrieve_many_goes_on_while_pipelined_deles_fill_the_pipe(mailstack):
    """DELEs issued between items must not end the retrieval early (they once filled the
    RETR window, and the loop stopped after 128 of 300 as if the maildrop were drained)."""
    user = mailstack.new_user("p3dp")
    mailstack.seed_maildir(user, [message(i) for i in range(1, 301)])
    client = await connect(mailstack, "starttls")
    await client.login(user, mailstack.password)
    got = []
    async for number, _raw in client.retrieve_many(range(1, 301)):
        got.append(number)
        await client.dele(number)
    assert got == list(range(1, 301))
    await client.quit()
    assert mailstack.maildir_count(user) == 0
