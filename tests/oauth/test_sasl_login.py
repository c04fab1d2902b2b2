"""XOAUTH2 and OAUTHBEARER on IMAP, POP3 and SMTP against Dovecot and Postfix whose tokens
Dovecot checks at the test authorization server (RFC 7662), through the protocol adapters.

Before: IMAP sent XOAUTH2 whatever the server offered and, on a refused token, left the
server's challenge unanswered until the command timeout; POP3 and SMTP dropped the
challenge's status. Now the mechanism follows ``oauth2.mechanism`` (auto: OAUTHBEARER when
offered), and a refusal is reported promptly with what the server said.
"""

from __future__ import annotations

import base64
import time

import pytest

from gateway.errors import UpstreamAuthFailed
from gateway.protocols.imap.connection import ImapConnection
from gateway.protocols.pop3.client import Pop3Client
from gateway.protocols.smtp.client import SmtpSession, SmtpTarget
from tests.relay import Relay

from .flow import authorize, revoke
from .helpers import delivered

MECHANISMS = ["auto", "oauthbearer", "xoauth2"]


@pytest.fixture
def user_token(oauth_server, oauth_client, oauth_stack) -> tuple[str, str]:
    """A fresh mail user and an access token the user granted the gateway's client."""
    user = oauth_stack.new_user("o")
    return user, authorize(oauth_server, oauth_client, user)["access_token"]


def _initial_line(sent: bytes, verb: bytes) -> bytes:
    return next(line for line in sent.split(b"\r\n") if verb in line.upper())


@pytest.mark.parametrize("mechanism", MECHANISMS)
async def test_imap_oauth2_logs_in_with_the_initial_response_on_the_command_line(
    oauth_stack, user_token, mechanism: str
) -> None:
    user, token = user_token
    relay = Relay(oauth_stack.host, oauth_stack.imap)
    await relay.start()
    try:
        conn = ImapConnection(oauth_stack.host, relay.port, security="none")
        await conn.connect()
        assert conn.has("SASL-IR")
        await conn.authenticate_oauth2(user, token, mechanism=mechanism)
        assert conn.state == "AUTH"
        await conn.command(b"SELECT", b"INBOX")
        await conn.logout()
    finally:
        await relay.stop()
    # RFC 4959: the initial response is on the AUTHENTICATE line, no round trip for it.
    line = _initial_line(bytes(relay.sent), b"AUTHENTICATE")
    verb, mech, initial = line.split(b" ")[1:]
    assert mech == (b"XOAUTH2" if mechanism == "xoauth2" else b"OAUTHBEARER")
    assert token.encode() in base64.b64decode(initial)


@pytest.mark.parametrize("mechanism", ["oauthbearer", "xoauth2"])
async def test_imap_expired_token_is_auth_failed_with_the_servers_status_not_a_timeout(
    oauth_server, oauth_stack, user_token, mechanism: str
) -> None:
    user, token = user_token
    oauth_server.expire(token)
    conn = ImapConnection(oauth_stack.host, oauth_stack.imap, security="none", command_timeout=20)
    await conn.connect()
    started = time.monotonic()
    with pytest.raises(UpstreamAuthFailed) as err:
        await conn.authenticate_oauth2(user, token, mechanism=mechanism)
    assert time.monotonic() - started < 10  # answered, not left to the 20 s timeout
    conn.close()
    exc = err.value
    assert exc.oauth_status == ("invalid_token" if mechanism == "oauthbearer" else "401")
    assert "AUTHENTICATIONFAILED" in exc.detail and exc.oauth_status in exc.detail
    assert token not in exc.detail


@pytest.mark.parametrize("mechanism", MECHANISMS)
async def test_pop3_oauth2_logs_in_and_lists(oauth_stack, user_token, mechanism: str) -> None:
    user, token = user_token
    oauth_stack.deliver(user, b"Subject: pop\r\n\r\nbody\r\n")
    client = await Pop3Client.connect(oauth_stack.host, oauth_stack.pop3, security="none")
    try:
        await client.auth_oauth2(user, token, mechanism=mechanism)
        assert len(await client.uidl()) == 1
    finally:
        client.abort()


async def test_pop3_long_token_goes_after_the_empty_challenge(
    oauth_server, oauth_client, oauth_stack
) -> None:
    """RFC 5034 section 4: an AUTH line over 255 octets must not carry the initial response;
    a JWT-sized token then goes on its own line (Dovecot takes lines of ~8 kB)."""
    user = oauth_stack.new_user("o")
    oauth_server.access_token_length = 1500
    try:
        token = authorize(oauth_server, oauth_client, user)["access_token"]
    finally:
        oauth_server.access_token_length = 42
    assert len(token) == 1500
    relay = Relay(oauth_stack.host, oauth_stack.pop3)
    await relay.start()
    try:
        client = await Pop3Client.connect(oauth_stack.host, relay.port, security="none")
        await client.auth_oauth2(user, token)
        assert await client.uidl() == []
        client.abort()
    finally:
        await relay.stop()
    assert b"AUTH OAUTHBEARER\r\n" in relay.sent


async def test_pop3_revoked_token_is_auth_failed_with_the_servers_status(
    oauth_server, oauth_client, oauth_stack, user_token
) -> None:
    user, token = user_token
    assert revoke(oauth_server, oauth_client, token).status_code == 200
    client = await Pop3Client.connect(oauth_stack.host, oauth_stack.pop3, security="none")
    try:
        with pytest.raises(UpstreamAuthFailed) as err:
            await client.auth_oauth2(user, token)
    finally:
        client.abort()
    assert err.value.oauth_status == "invalid_token"
    assert "-ERR [AUTH]" in err.value.detail and token not in err.value.detail


def _smtp(stack, port: int, user: str, token: str, mechanism: str = "auto") -> SmtpSession:
    return SmtpSession(
        SmtpTarget(
            host=stack.host,
            port=port,
            security="none",
            username=user,
            oauth2_token=token,
            oauth2_mechanism=mechanism,  # type: ignore[arg-type]
            command_timeout=20,
        )
    )


@pytest.mark.parametrize("mechanism", MECHANISMS)
async def test_smtp_oauth2_submits_a_message_that_arrives(
    oauth_stack, user_token, mechanism: str
) -> None:
    user, token = user_token
    relay = Relay(oauth_stack.host, oauth_stack.submission)
    await relay.start()
    try:
        async with _smtp(oauth_stack, relay.port, user, token, mechanism) as session:
            result = await session.send(user, [user], b"Subject: via oauth\r\n\r\nhi\r\n")
        assert result.accepted == [user]
    finally:
        await relay.stop()
    line = _initial_line(bytes(relay.sent), b"AUTH ")
    assert line.split(b" ")[1] == (b"XOAUTH2" if mechanism == "xoauth2" else b"OAUTHBEARER")
    assert await delivered(oauth_stack, user) == 1


@pytest.mark.parametrize("mechanism", ["oauthbearer", "xoauth2"])
async def test_smtp_revoked_token_is_auth_failed_with_the_servers_status(
    oauth_server, oauth_client, oauth_stack, user_token, mechanism: str
) -> None:
    user, token = user_token
    assert revoke(oauth_server, oauth_client, token).status_code == 200
    with pytest.raises(UpstreamAuthFailed) as err:
        async with _smtp(oauth_stack, oauth_stack.submission, user, token, mechanism):
            pass
    assert err.value.oauth_status == ("invalid_token" if mechanism == "oauthbearer" else "401")
    assert "535" in err.value.detail and token not in err.value.detail


async def test_oauth_stack_keeps_passwords_and_tokens_apart(
    oauth_server, oauth_stack, user_token
) -> None:
    """The oauth2 passdb serves XOAUTH2/OAUTHBEARER only (its ``mechanisms`` filter): a
    password login never reaches the introspection endpoint, a token is no password."""
    user, token = user_token
    before = oauth_server.introspections
    conn = ImapConnection(oauth_stack.host, oauth_stack.imap, security="none")
    await conn.connect()
    await conn.login(user, oauth_stack.password)
    await conn.logout()
    assert oauth_server.introspections == before
    conn = ImapConnection(oauth_stack.host, oauth_stack.imap, security="none")
    await conn.connect()
    with pytest.raises(UpstreamAuthFailed):
        await conn.login(user, token)
    conn.close()
    assert oauth_server.introspections == before
