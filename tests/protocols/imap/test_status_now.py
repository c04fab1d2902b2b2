"""``ImapSession.status_now`` on a session that has the mailbox selected, against the real
Dovecot and Cyrus: after a NOOP without news it answers the values of its last STATUS
without asking again, and any change another client makes (new mail, a flag, an expunge)
is in its answer at once."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from gateway.protocols.imap.session import ImapSession
from tests.mailstack import MailStack

ITEMS = ("UIDVALIDITY", "UIDNEXT", "MESSAGES", "HIGHESTMODSEQ")
MAIL = b"From: a@example.test\r\nTo: b@example.test\r\nSubject: s\r\n\r\nbody\r\n"


@asynccontextmanager
async def _session(stack: MailStack, user: str) -> AsyncIterator[ImapSession]:
    async with ImapSession(
        stack.host, stack.imaps, security="tls", ssl_context=stack.ssl_context()
    ) as session:
        await session.login(user, stack.password)
        yield session


def _count_status(session: ImapSession) -> list[str]:
    """The mailboxes each STATUS the session sends is for (the method wrapped, the server
    as it is)."""
    sent: list[str] = []
    real: Callable[..., Awaitable[dict[str, int]]] = session.status

    async def status(mailbox: str, items: tuple[str, ...]) -> dict[str, int]:
        sent.append(mailbox)
        return await real(mailbox, items)

    session.status = status  # type: ignore[method-assign]
    return sent


async def test_status_now_sees_every_change_and_asks_again_only_after_news(
    imap_server: MailStack,
) -> None:
    user = imap_server.new_user("statusnow")
    async with _session(imap_server, user) as other:
        for _ in range(3):
            await other.append("INBOX", MAIL)
    async with _session(imap_server, user) as session, _session(imap_server, user) as other:
        assert await session.enable_condstore()
        await session.select("INBOX")
        sent = _count_status(session)

        first = await session.status_now("INBOX", ITEMS)
        assert first["MESSAGES"] == 3 and sent == ["INBOX"]
        # Nothing happened: the NOOP brings no news, the last STATUS's values stand.
        assert await session.status_now("INBOX", ITEMS) == first
        assert await session.status_now("INBOX", ITEMS) == first
        assert sent == ["INBOX"]

        await other.select("INBOX")
        uids = sorted(await other.uid_fetch(b"1:*", b"(UID)"))
        await other.uid_store(str(uids[0]).encode(), b"+FLAGS", ["\\Flagged"])
        flagged = await session.status_now("INBOX", ITEMS)
        assert flagged["HIGHESTMODSEQ"] > first["HIGHESTMODSEQ"]
        assert flagged["MESSAGES"] == 3 and len(sent) == 2

        await other.append("INBOX", MAIL)
        appended = await session.status_now("INBOX", ITEMS)
        assert appended["MESSAGES"] == 4 and appended["UIDNEXT"] > flagged["UIDNEXT"]
        assert len(sent) == 3

        await other.uid_store(str(uids[1]).encode(), b"+FLAGS", ["\\Deleted"])
        await other.uid_expunge(str(uids[1]).encode())
        expunged = await session.status_now("INBOX", ITEMS)
        assert expunged["MESSAGES"] == 3
        assert expunged["HIGHESTMODSEQ"] > appended["HIGHESTMODSEQ"]
        assert len(sent) == 4

        # This session's own change is news too.
        await session.uid_store(str(uids[2]).encode(), b"+FLAGS", ["\\Seen"])
        own = await session.status_now("INBOX", ITEMS)
        assert own["HIGHESTMODSEQ"] > expunged["HIGHESTMODSEQ"] and len(sent) == 5
        assert await session.status_now("INBOX", ITEMS) == own and len(sent) == 5

        # Another selection starts without the remembered values.
        await session.unselect()
        await session.select("INBOX")
        assert await session.status_now("INBOX", ITEMS) == own and len(sent) == 6
