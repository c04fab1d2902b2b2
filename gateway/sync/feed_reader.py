"""Read a mailbox as the change feed needs it: UIDVALIDITY, UIDNEXT, HIGHESTMODSEQ and every
UID with its flags, from what the feed knew before as cheaply as the server allows.

With CONDSTORE (RFC 7162), from a STATUS (or a fresh SELECT's ``HIGHESTMODSEQ`` response
code when the session has not selected the mailbox yet):
- the same UIDVALIDITY, HIGHESTMODSEQ and UIDNEXT, and as many messages as known: nothing
  changed, one round trip in all;
- else ``UID FETCH 1:* (UID FLAGS) (CHANGEDSINCE <known>)`` (section 3.1.4.1) for the flags
  that changed and the new messages, and ``UID SEARCH RETURN (ALL) ALL`` (RFC 4731) for the
  UIDs present, so expunges are found without QRESYNC's VANISHED (which would change how
  the pooled session reports expunges to every other user of it).
Without CONDSTORE: ``UID FETCH 1:* (UID FLAGS)``.

A server reports other sessions' changes at command boundaries (EXISTS, EXPUNGE, FETCH):
when one arrives while we read, the mailbox is read again.
"""

from __future__ import annotations

from typing import Any

from ..protocols.imap import ImapSession
from ..protocols.imap.encoding import sequence_set
from ..protocols.imap.parsing import parse_esearch, parse_fetch, parse_search
from ..protocols.imap.wire import Untagged
from ..store.sync_state import MailboxState
from .changes import normalise_flags

_ROUNDS = 5


def _news(untagged: list[Untagged]) -> bool:
    return any(r.kind in (b"EXISTS", b"EXPUNGE", b"VANISHED") for r in untagged)


def _flags_of(fetched: dict[int, dict[bytes, Any]]) -> dict[int, tuple[str, ...]]:
    return {uid: normalise_flags(data.get(b"FLAGS", ())) for uid, data in fetched.items()}


async def read_mailbox(session: ImapSession, name: str, known: MailboxState | None) -> MailboxState:
    """``name`` as it is now (``MailboxNotFound`` when it is not there); ``known`` itself
    when CONDSTORE says nothing changed."""
    condstore = await session.enable_condstore()
    state = None
    for _ in range(_ROUNDS):
        state, settled = await _read_once(session, name, known, condstore)
        if settled:
            break
    assert state is not None
    return state


# What tells whether a mailbox changed (RFC 3501 6.3.10, RFC 7162 HIGHESTMODSEQ).
STATUS_ITEMS = ("UIDVALIDITY", "UIDNEXT", "MESSAGES", "HIGHESTMODSEQ")


async def _read_once(
    session: ImapSession, name: str, known: MailboxState | None, condstore: bool
) -> tuple[MailboxState, bool]:
    if condstore and known is not None and known.highestmodseq is not None:
        quick = await _read_by_status(session, name, known)
        if quick is not None:
            return quick
    session.selected = None  # a new SELECT: its answer is the mailbox now, not a session's view
    info = await session.select(name)
    validity, modseq = info.uidvalidity, info.highestmodseq if condstore else None
    incremental = (
        known is not None
        and known.uidvalidity == validity
        and modseq is not None
        and known.highestmodseq is not None
        and modseq >= known.highestmodseq
    )
    if (
        incremental
        and modseq == known.highestmodseq
        and info.exists == len(known.flags)
        and info.uidnext == known.uidnext
    ):
        return known, True  # unchanged: the very object, so the caller records nothing
    if not info.exists:
        return MailboxState(name, validity, info.uidnext, modseq, {}), True
    if not incremental:
        result = await session.command(b"UID", b"FETCH", b"1:*", b"(UID FLAGS)")
        flags = _flags_of(parse_fetch(result.untagged))
        return MailboxState(name, validity, info.uidnext, modseq, flags), not _news(result.untagged)
    assert known is not None
    return await _changed_since(session, known, validity, info.uidnext, modseq)


async def _read_by_status(
    session: ImapSession, name: str, known: MailboxState
) -> tuple[MailboxState, bool] | None:
    """STATUS first (no mailbox opened): the same UIDVALIDITY, HIGHESTMODSEQ, UIDNEXT and
    count is no change at all. A session with the mailbox selected already answers STATUS
    from its own view of it (Dovecot), so ``status_now`` brings that view up to date first
    (a NOOP; the STATUS itself only when the connection reported something since its last
    one), and the selection then stands in for a new SELECT (which on a large mailbox costs
    more than the rest together). None: read it with a new SELECT."""
    current = session.selected
    selected = current is not None and current.name == name
    status = await session.status_now(name, STATUS_ITEMS)
    if selected and session.selected is None:  # the server complained about the mailbox
        return None
    validity, modseq = status.get("UIDVALIDITY"), status.get("HIGHESTMODSEQ")
    assert known.highestmodseq is not None
    if validity != known.uidvalidity or modseq is None or modseq < known.highestmodseq:
        return None
    if (
        modseq == known.highestmodseq
        and status.get("UIDNEXT") == known.uidnext
        and status.get("MESSAGES") == len(known.flags)
    ):
        return known, True
    if not selected or session.selected is None or session.selected.uidvalidity != validity:
        return None
    return await _changed_since(session, known, validity, status.get("UIDNEXT"), modseq)


async def _changed_since(
    session: ImapSession, known: MailboxState, validity: int, uidnext: int | None, modseq: int
) -> tuple[MailboxState, bool]:
    """The selected mailbox from ``known``: the flags changed since its HIGHESTMODSEQ
    (RFC 7162 CHANGEDSINCE) and the UIDs present now (RFC 4731 ESEARCH ALL)."""
    name = known.mailbox
    assert known.highestmodseq is not None
    result = await session.command(
        b"UID", b"FETCH", b"1:*", b"(UID FLAGS)", b"(CHANGEDSINCE %d)" % known.highestmodseq
    )
    changed = _flags_of(parse_fetch(result.untagged))
    news = _news(result.untagged)
    if session.has("ESEARCH"):
        found = await session.command(b"UID", b"SEARCH", b"RETURN", b"(ALL)", b"ALL")
        ranges, _ = parse_esearch(found.untagged)
    else:
        found = await session.command(b"UID", b"SEARCH", b"ALL")
        ranges = [(u, u) for u in parse_search(found.untagged)]
    news = news or _news(found.untagged)
    flags: dict[int, tuple[str, ...]] = {}
    unknown: list[int] = []
    for lo, hi in ranges:
        for uid in range(lo, hi + 1):
            value = changed.get(uid, known.flags.get(uid))
            if value is None:
                unknown.append(uid)  # not reported as changed, yet new to us: ask
            else:
                flags[uid] = value
    if unknown:
        result = await session.command(b"UID", b"FETCH", sequence_set(unknown), b"(UID FLAGS)")
        flags.update(_flags_of(parse_fetch(result.untagged)))
        news = news or _news(result.untagged)
    return MailboxState(name, validity, uidnext, modseq, flags), not news
