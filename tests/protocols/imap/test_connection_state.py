"""The connection state (RFC 3501 section 3) kept in aioimaplib's protocol object, against
the real Dovecot: it follows the commands, and aioimaplib's command table refuses what the
state does not allow before it reaches the server."""

from __future__ import annotations

import pytest

from gateway.errors import MailboxNotFound, UpstreamAuthFailed
from gateway.protocols.imap.connection import ImapRejected
from gateway.protocols.imap.session import ImapSession
from tests.mailstack import MailStack


async def test_state_follows_login_select_and_a_failed_select(mailstack: MailStack) -> None:
    user = mailstack.new_user("state")
    async with ImapSession(
        mailstack.host, mailstack.imaps, security="tls", ssl_context=mailstack.ssl_context()
    ) as session:
        assert session.state == "NONAUTH"
        await session.login(user, mailstack.password)
        assert session.state == "AUTH"
        await session.select("INBOX")
        assert session.state == "SELECTED"
        await session.uid_fetch(b"1:*", b"(FLAGS)")
        with pytest.raises(MailboxNotFound):
            await session.select("No such mailbox")
        assert session.state == "AUTH"  # RFC 3501 section 6.3.1: nothing selected now
        await session.select("INBOX", readonly=True)
        assert session.state == "SELECTED"
        await session.unselect()
        assert session.state == "AUTH"
        await session.logout()
        assert session.state == "LOGOUT"


async def test_command_the_state_does_not_allow_is_refused_before_the_server(
    mailstack: MailStack,
) -> None:
    user = mailstack.new_user("state")
    async with ImapSession(
        mailstack.host, mailstack.imaps, security="tls", ssl_context=mailstack.ssl_context()
    ) as session:
        with pytest.raises(ImapRejected) as info:
            await session.uid_fetch(b"1:*", b"(FLAGS)")
        assert info.value.status == "BAD"
        assert info.value.reason == "not valid in the NONAUTH state (RFC 3501 section 3)"
        await session.login(user, mailstack.password)
        with pytest.raises(ImapRejected) as info:
            await session.command(b"UID", b"FETCH", b"1:*", b"(FLAGS)")
        assert info.value.reason == "not valid in the AUTH state (RFC 3501 section 3)"
        refused = await session.command(b"EXPUNGE", check=False)
        assert refused.status == "BAD" and b"AUTH state" in refused.text
        with pytest.raises(UpstreamAuthFailed):
            await session.login(user, mailstack.password)  # LOGIN is for NONAUTH only
        assert session.alive  # nothing reached the server: the session goes on
        await session.select("INBOX")
        assert await session.uid_fetch(b"1:*", b"(FLAGS)") == {}
