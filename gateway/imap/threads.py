"""Threads over IMAP: each message's thread id and a thread's messages across mailboxes (a
listing collapsed to one entry per thread: ``collapse.py``).

A message's thread id is the server's where it offers one: Gmail's ``X-GM-THRID`` (as
``gm.<hex>``, the Gmail API's thread id) or RFC 8474 ``THREADID`` (as ``s.<objectid>``;
Cyrus gives one when its conversations database is on, else NIL). Otherwise the gateway
builds it from ``Message-ID``, ``References`` and ``In-Reply-To`` (``gateway/threads``):
16 URL-safe characters, the same on every server for the same mail. The prefixes keep the
kinds apart (a gateway id never holds a ``.``) and say how to find a thread's messages:
``UID SEARCH X-GM-THRID``/``THREADID``, or for a gateway thread the ids the store knows
of it (``HEADER Message-ID``/``References``/``In-Reply-To``, and its base subjects),
each mailbox's matches threaded again and kept when their thread id is the one asked for.

Which mailboxes a thread spans: the account's ``\\All`` mailbox alone when it has one
(Gmail's "All Mail"); else every selectable mailbox but ``\\Trash`` and ``\\Junk``, INBOX
and ``\\Sent`` first, then the subscribed ones, at most ``THREAD_MAILBOXES_MAX``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from ..accounts.imap_pool import ImapPool
from ..errors import MailboxNotFound, MessageNotFound, ThreadNotFound
from ..protocols.imap import ImapSession, gmail
from ..protocols.imap.encoding import Arg, astring, sequence_set
from ..threads.index import ThreadIndexer
from ..threads.references import ThreadRecord, own_node
from .cache import SummaryCache
from .ids import MessageRef, decode_message_id
from .listing import FETCH_BATCH, _flags, _newest_below
from .mailboxes import special_use_of
from .structure import (
    MessagePage,
    Summary,
    summary_from_fetch,
    summary_items,
)

GMAIL_PREFIX = "gm."
SERVER_PREFIX = "s."
THREAD_MAILBOXES_MAX = 50
THREAD_MESSAGES_MAX = 500  # messages of one thread a thread read returns
THREAD_IDS_SEARCHED = 200  # Message-IDs of a gateway thread looked for
IDS_PER_SEARCH = 20  # each id is three SEARCH keys: keep command lines a few kB

_GATEWAY_ID = re.compile(r"[A-Za-z0-9_-]{16}")
_GMAIL_ID = re.compile(r"gm\.([0-9a-f]{1,16})")
_SERVER_ID = re.compile(r"s\.([A-Za-z0-9_-]{1,255})")
_EXCLUDED_USES = {"\\Trash", "\\Junk"}


def server_thread_id(summary: Summary) -> str | None:
    """The thread id the server gives the message, or None."""
    if summary.gmail_thread_id is not None:
        return GMAIL_PREFIX + format(summary.gmail_thread_id, "x")
    if summary.server_thread_id is not None:
        return SERVER_PREFIX + summary.server_thread_id
    return None


def thread_record(summary: Summary) -> ThreadRecord:
    """What gateway threading needs of a message (its key: the message's API id)."""
    return ThreadRecord(
        msg_key=summary.id,
        message_id=summary.message_id,
        in_reply_to=summary.in_reply_to,
        references=summary.references,
        subject=summary.subject,
        date=summary.sent,
    )


async def thread_ids(
    indexer: ThreadIndexer | None, account_id: str, summaries: Sequence[Summary]
) -> dict[str, str]:
    """message id -> thread id (the server's, else the gateway's).

    A gateway thread id is remembered on the message's cached summary for
    ``indexer.remember_seconds`` (a merge in this process forgets it at once), so a listing
    or a read of messages seen recently asks the store nothing; the others take one query.
    """
    out: dict[str, str] = {}
    records: list[ThreadRecord] = []
    signatures: dict[str, str] = {}
    asked: list[Summary] = []
    if indexer is not None:
        generation, now = indexer.generation(account_id), time.monotonic()
    for summary in summaries:
        given = server_thread_id(summary)
        if given is not None:
            out[summary.id] = given
        elif indexer is not None and summary.id not in signatures:
            # What threading needs of a summary never changes: worked out once, kept on it.
            memo = summary.thread_memo
            if memo is None or memo.indexer is not indexer:
                record = thread_record(summary)
                memo = summary.thread_memo = ThreadMemo(indexer, record, indexer.signature(record))
            elif memo.thread_id is not None and memo.generation == generation and memo.until > now:
                out[summary.id] = memo.thread_id
                continue
            records.append(memo.record)
            signatures[summary.id] = memo.signature
            asked.append(summary)
    if records and indexer is not None:
        found = await indexer.thread_ids(account_id, records, signatures)
        out.update(found)
        until = now + indexer.remember_seconds
        for summary in asked:
            memo = summary.thread_memo
            memo.thread_id, memo.generation, memo.until = found.get(summary.id), generation, until
    return out


@dataclass(slots=True)
class ThreadMemo:
    """Kept on a cached summary: its threading record and signature (never change), and its
    thread id as last looked up (``generation`` and ``until`` say whether it still holds)."""

    indexer: ThreadIndexer
    record: ThreadRecord
    signature: str
    thread_id: str | None = None
    generation: int = -1
    until: float = 0.0


# -- a thread's messages across mailboxes ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class ThreadSearch:
    """How to find a thread's messages in a mailbox: SEARCH criteria (each with whether it
    needs CHARSET UTF-8), and messages known by id (those without a Message-ID)."""

    searches: list[tuple[list[Arg], bool]]
    known: list[str]
    gateway: bool  # the matches are threaded again and filtered by thread id
    nodes: frozenset[str] = frozenset()  # a gateway thread's nodes in the store
    capability: str | None = None  # what the server must offer to have such threads


def server_search(thread_id: str) -> ThreadSearch | None:
    """The search of a server-given thread id; None when it is not one."""
    if match := _GMAIL_ID.fullmatch(thread_id):
        return ThreadSearch(
            [([b"X-GM-THRID", str(int(match.group(1), 16)).encode()], False)],
            [],
            False,
            capability=gmail.CAPABILITY,
        )
    if match := _SERVER_ID.fullmatch(thread_id):
        return ThreadSearch(
            [([b"THREADID", match.group(1).encode()], False)], [], False, capability="OBJECTID"
        )
    return None


def is_gateway_thread_id(thread_id: str) -> bool:
    return _GATEWAY_ID.fullmatch(thread_id) is not None


def gateway_search(nodes: list[str]) -> ThreadSearch:
    """The search of a gateway thread from its nodes: its Message-IDs in the Message-ID,
    References or In-Reply-To of a message, its base subjects in the Subject."""
    ids = [n for n in nodes if n.startswith("<") and n.isprintable()][:THREAD_IDS_SEARCHED]
    subjects = [n[8:] for n in nodes if n.startswith("subject:") and n.isprintable()][
        :IDS_PER_SEARCH
    ]
    known = [n[4:] for n in nodes if n.startswith("key:")][:THREAD_IDS_SEARCHED]
    searches: list[tuple[list[Arg], bool]] = []
    for start in range(0, len(ids), IDS_PER_SEARCH):
        keys: list[list[Arg]] = []
        for mid in ids[start : start + IDS_PER_SEARCH]:
            value = astring(mid)
            keys += [
                [b"HEADER", b"Message-ID", value],
                [b"HEADER", b"References", value],
                [b"HEADER", b"In-Reply-To", value],
            ]
        searches.append((_any_of(keys), False))
    if subjects:
        keys = [[b"SUBJECT", astring(s)] for s in subjects]
        searches.append((_any_of(keys), not all(s.isascii() for s in subjects)))
    return ThreadSearch(searches, known, True, frozenset(nodes))


def _any_of(keys: list[list[Arg]]) -> list[Arg]:
    """``OR k1 OR k2 ... kn`` (RFC 3501 section 6.4.4: OR takes two keys)."""
    out: list[Arg] = []
    for key in keys[:-1]:
        out += [b"OR", *key]
    return out + keys[-1]


async def thread_mailboxes(session: ImapSession, search: ThreadSearch) -> list[str]:
    """The mailboxes a thread is looked for in (see the module); none when the server
    cannot have the thread (a server's thread id, and it does not offer those)."""
    if search.capability is not None and not session.has(search.capability):
        return []
    entries, _ = await session.list("", "*", special_use=True)
    subscribed = {e.raw_name for e in await session.list_subscribed()}
    usable: list[tuple[tuple[int, str], str]] = []
    for entry in entries:
        lower = {f.lower() for f in entry.flags}
        if lower & {"\\noselect", "\\nonexistent"}:
            continue
        use = special_use_of(entry.flags)
        if use == "\\All":
            return [entry.name]
        if use in _EXCLUDED_USES:
            continue
        rank = (
            0
            if entry.name.upper() == "INBOX"
            else 1
            if use == "\\Sent"
            else 2
            if entry.raw_name in subscribed or "\\subscribed" in lower
            else 3
        )
        usable.append(((rank, entry.name.lower()), entry.name))
    return [name for _, name in sorted(usable)][:THREAD_MAILBOXES_MAX]


async def thread_in_mailbox(
    session: ImapSession,
    cache: SummaryCache[Summary],
    scope: str,
    mailbox: str,
    search: ThreadSearch,
) -> list[tuple[Summary, list[str]]]:
    """The messages of ``mailbox`` that ``search`` finds, with their flags (newest
    ``THREAD_MESSAGES_MAX``)."""
    try:
        selected = await session.select(mailbox)
    except MailboxNotFound:
        return []  # deleted meanwhile
    if not selected.exists:
        return []
    uids: set[int] = set()
    for criteria, utf8 in search.searches:
        ranges, _ = await session.uid_search(criteria, charset=utf8)
        uids.update(_newest_below(ranges, None, THREAD_MESSAGES_MAX))
    for key in search.known:
        ref = _ref_of(key)
        if ref is not None and ref.mailbox == mailbox and ref.uidvalidity == selected.uidvalidity:
            uids.add(ref.uid)
    newest = sorted(uids, reverse=True)[:THREAD_MESSAGES_MAX]
    if not newest:
        return []
    out = []
    data = await session.uid_fetch(sequence_set(newest), b"(UID FLAGS)")
    summaries = await summaries_of(
        session, cache, scope, mailbox, selected.uidvalidity, [uid for uid in newest if uid in data]
    )
    for uid, summary in summaries.items():
        out.append((summary, _flags(data[uid])))
    return out


def _ref_of(message_id: str) -> MessageRef | None:
    try:
        return decode_message_id(message_id)
    except MessageNotFound:
        return None


async def summaries_of(
    session: ImapSession,
    cache: SummaryCache[Summary],
    scope: str,
    mailbox: str,
    validity: int,
    uids: list[int],
) -> dict[int, Summary]:
    """The summaries of ``uids`` (the selected mailbox's), from the cache or fetched; no
    flags. Messages expunged meanwhile are left out."""
    out: dict[int, Summary] = {}
    missing: list[int] = []
    for uid in uids:
        hit = cache.get((scope, mailbox, validity, uid))
        if hit is None:
            missing.append(uid)
        else:
            out[uid] = hit
    if missing:
        items = summary_items(
            session.has("PREVIEW"), session.has(gmail.CAPABILITY), session.has("OBJECTID")
        )
        for start in range(0, len(missing), FETCH_BATCH):
            batch = missing[start : start + FETCH_BATCH]
            for uid, data in (await session.uid_fetch(sequence_set(batch), items)).items():
                summary = summary_from_fetch(data, MessageRef(mailbox, validity, uid))
                cache.put((scope, mailbox, validity, uid), summary)
                out[uid] = summary
    return out


def sort_key(summary: Summary) -> tuple[float, str]:
    """Oldest first: by the Date header (the listing's date), then by id."""
    when = summary.sent
    if when is None and summary.date:
        when = datetime.fromisoformat(summary.date.replace("Z", "+00:00"))
    if when is None:
        return (float("inf"), summary.id)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return (when.timestamp(), summary.id)


# -- what the mail service calls ------------------------------------------------------------


async def annotate(indexer: ThreadIndexer | None, account_id: str, page: MessagePage) -> None:
    """Set the thread id of every item of a listing's page."""
    page.thread_ids = await thread_ids(indexer, account_id, [s for s, _ in page.items])


async def read_thread(
    pool: ImapPool,
    cache: SummaryCache[Summary],
    indexer: ThreadIndexer | None,
    account_id: str,
    thread_id: str,
    *,
    newest_first: bool,
    limit: int,
) -> MessagePage:
    """A thread's messages across the account's mailboxes (see the module), oldest first
    or newest first; ``total`` counts them all, ``items`` holds ``limit`` of them."""
    search = server_search(thread_id)
    if search is None:
        nodes = (
            await indexer.thread_nodes(account_id, thread_id)
            if indexer is not None and is_gateway_thread_id(thread_id)
            else None
        )
        if not nodes:
            raise ThreadNotFound(
                "no thread with this id (a thread merged into another takes that one's id)"
            )
        search = gateway_search(nodes)
    found: list[tuple[Summary, list[str]]] = []
    for mailbox in await pool.run(lambda s: thread_mailboxes(s, search)):
        found += await pool.run(
            lambda s, m=mailbox: thread_in_mailbox(s, cache, pool.cache_scope, m, search), mailbox
        )
    ids = await thread_ids(indexer, account_id, [s for s, _ in found])
    if search.gateway:
        # Messages seen for the first time may have merged the thread into an older one:
        # its known messages say which id it has now.
        thread_id = next(
            (
                ids[s.id]
                for s, _ in found
                if s.id in ids and own_node(thread_record(s)) in search.nodes
            ),
            thread_id,
        )
        found = [(s, f) for s, f in found if ids.get(s.id) == thread_id]
    if not found:
        raise ThreadNotFound("none of this thread's messages is in the account's mailboxes")
    found.sort(key=lambda item: sort_key(item[0]), reverse=newest_first)
    shown = found[:limit]
    return MessagePage(
        shown, None, len(found), None, thread_ids={s.id: ids.get(s.id, thread_id) for s, _ in shown}
    )
