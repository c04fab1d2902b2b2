"""``GET /v1/search``: one query over every account and mailbox a token may see.

Which mailboxes: per account its ``\\All`` mailbox alone when it has one (Gmail's All Mail
holds every message once); else every selectable mailbox but ``\\Trash`` and ``\\Junk``:
INBOX, then ``\\Sent``, then the others by name. The accounts take turns (every account's
first mailbox, then every second one, ...) up to ``GATEWAY_SEARCH_MAX_MAILBOXES``, so that
one large account does not crowd out the others.

A page: in every mailbox not done yet, one UID SEARCH with the listing's filters
(``ListQuery.criteria``: every value goes out quoted or as a literal by the one encoder,
never pasted into the command), then INTERNALDATE of its newest ``limit + 1`` matches below
where the cursor left it. The mailboxes' matches merge newest first by INTERNALDATE (when the
server received the message), each mailbox's in UID order (arrival, as in listings); the
first ``limit`` make the page, their summaries from the shared cache (fetched when missing).

Bounded: at most ``GATEWAY_SEARCH_CONCURRENCY`` mailboxes at once, at most
``GATEWAY_SEARCH_CONNECTIONS_PER_ACCOUNT`` sessions of one account (as the pool's background
work, like downloads: never its last free session, and giving way to listings and reads),
and ``GATEWAY_SEARCH_TIME_BUDGET`` seconds. What was not searched (a server down, refused
credentials, the budget, the cap) is listed in the answer with its code; the rest is answered.
The cursor goes on in each mailbox where the page stopped (``search_cursor.py``), and there is
a next page while a mailbox this page searched has matches left; a mailbox not searched on
one page keeps its place, or is searched from its newest message by a later page.
"""

from __future__ import annotations

import asyncio
import dataclasses
import heapq
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from ..accounts.registry import AccountRegistry
from ..errors import (
    AccountNotFound,
    GatewayError,
    ProtocolNotConfigured,
    UpstreamAuthFailed,
    UpstreamUnavailable,
)
from ..model.accounts import Account
from ..protocols.imap import ImapSession, gmail
from ..protocols.imap.encoding import sequence_set
from ..protocols.imap.parsing import ListEntry
from ..settings import Settings
from .listing import ListQuery, _newest_below, fetch_summaries
from .mailboxes import special_use_of
from .search_cursor import EXHAUSTED, SearchCursor, mailbox_key, query_key
from .service import MailService
from .structure import Summary

T = TypeVar("T")
_OLDEST = datetime.min.replace(tzinfo=UTC)
_SKIPPED_USES = {"\\Trash", "\\Junk"}
# Of the time budget: until when the accounts' mailboxes are listed (a server that hangs
# takes this much), until when they are searched; the rest reads the page's summaries.
_LIST_SHARE, _MATCH_SHARE = 1 / 3, 3 / 4


@dataclass(frozen=True, slots=True)
class Hit:
    """One message found: its summary and current flags (and Gmail labels)."""

    account_id: str
    summary: Summary
    flags: list[str]
    labels: tuple[str, ...] | None
    received: datetime | None
    thread_id: str | None = None


@dataclass(frozen=True, slots=True)
class NotSearched:
    """An account (``mailbox`` None) or a mailbox (its path) this page did not search."""

    account_id: str
    mailbox: str | None
    code: str
    detail: str


@dataclass(slots=True)
class SearchPage:
    hits: list[Hit]
    next_cursor: str | None
    not_searched: list[NotSearched]
    searched: int  # mailboxes searched for this page


@dataclass(slots=True)
class _Box:
    """One mailbox of the plan: where the cursor left it, what this page found there."""

    account_id: str
    path: str
    key: bytes
    validity: int = 0
    before: int | None = None  # go on below this UID (None: from the newest)
    ranges: list[tuple[int, int]] = field(default_factory=list)  # this page's matches
    candidates: list[tuple[int, datetime | None]] = field(default_factory=list)
    chosen: list[int] = field(default_factory=list)  # on this page, newest first
    matched: bool = False  # searched on this page


def searchable_mailboxes(entries: Iterable[ListEntry]) -> list[str]:
    """The mailboxes of an account a search looks in, in order (see the module)."""
    ranked: list[tuple[tuple[int, str], str]] = []
    for entry in entries:
        if {f.lower() for f in entry.flags} & {"\\noselect", "\\nonexistent"}:
            continue
        use = special_use_of(entry.flags)
        if use == "\\All":
            return [entry.name]
        if use in _SKIPPED_USES:
            continue
        rank = 0 if entry.name.upper() == "INBOX" else 1 if use == "\\Sent" else 2
        ranked.append(((rank, entry.name.lower()), entry.name))
    return [name for _, name in sorted(ranked)]


def take_turns(
    per_account: list[tuple[str, list[str]]], cap: int
) -> tuple[list[tuple[str, str]], dict[str, int]]:
    """Up to ``cap`` (account, mailbox) pairs, the accounts taking turns; and how many
    mailboxes of each account were left out."""
    chosen: list[tuple[str, str]] = []
    depth = max((len(boxes) for _, boxes in per_account), default=0)
    for index in range(depth):
        for account_id, boxes in per_account:
            if index < len(boxes) and len(chosen) < cap:
                chosen.append((account_id, boxes[index]))
    left = {
        account_id: len(boxes) - sum(1 for a, _ in chosen if a == account_id)
        for account_id, boxes in per_account
    }
    return chosen, {a: n for a, n in left.items() if n}


def merge_newest(boxes: list[_Box], limit: int) -> list[tuple[_Box, int]]:
    """Choose the page, in order: repeatedly the newest of the mailboxes' next candidates.
    Each mailbox's are taken in its own order (UIDs down), so what a page takes of a
    mailbox is always all of it above some UID: where the next page goes on."""
    heads: list[tuple[float, str, str, int, int]] = []
    for index, box in enumerate(boxes):
        if box.candidates:
            heapq.heappush(heads, _head(box, index, 0))
    page: list[tuple[_Box, int]] = []
    while heads and len(page) < limit:
        _, _, _, index, position = heapq.heappop(heads)
        box = boxes[index]
        box.chosen.append(box.candidates[position][0])
        page.append((box, box.candidates[position][0]))
        if position + 1 < len(box.candidates):
            heapq.heappush(heads, _head(box, index, position + 1))
    return page


def _head(box: _Box, index: int, position: int) -> tuple[float, str, str, int, int]:
    uid, received = box.candidates[position]
    # Newest first; ties by account, then mailbox (both ascending), for a stable order.
    return (-(received or _OLDEST).timestamp(), box.account_id, box.path, index, position)


def count_below(ranges: list[tuple[int, int]], before: int) -> int:
    """How many UIDs of ``ranges`` are under ``before``."""
    return sum(max(0, min(hi, before - 1) - lo + 1) for lo, hi in ranges)


class SearchService:
    """Searches across accounts, on the accounts' IMAP pools."""

    def __init__(self, mail: MailService, accounts: AccountRegistry, settings: Settings) -> None:
        self._mail = mail
        self._accounts = accounts
        self._settings = settings

    async def _accounts_to_search(
        self, visible: frozenset[str] | None, requested: list[str] | None
    ) -> list[Account]:
        """The accounts a caller may see (``visible`` None: all), or those of them it
        named; naming one it may not see is a 404, as anywhere else."""
        if requested:
            out = []
            for account_id in dict.fromkeys(requested):
                if visible is not None and account_id not in visible:
                    raise AccountNotFound(f"no account {account_id!r}")
                out.append(await self._accounts.get(account_id))
            return sorted(out, key=lambda a: a.id)
        return sorted(
            (a for a in await self._accounts.list() if visible is None or a.id in visible),
            key=lambda a: a.id,
        )

    async def search(
        self,
        query: ListQuery,
        *,
        visible: frozenset[str] | None,
        requested: list[str] | None,
        limit: int,
        cursor: str | None,
    ) -> SearchPage:
        """One page of the search over the accounts the caller may see (``visible`` None:
        all), or those of them it ``requested`` (see the module)."""
        settings = self._settings
        accounts = await self._accounts_to_search(visible, requested)
        started, budget = time.monotonic(), settings.search_time_budget
        list_deadline = started + budget * _LIST_SHARE
        match_deadline = started + budget * _MATCH_SHARE
        deadline = started + budget
        criteria, utf8 = query.criteria()
        # Bound to the accounts asked for, not to those the caller may see: an account added
        # meanwhile joins a search under way (from its newest message).
        qkey = query_key(query.key(), sorted(requested or []))
        state = SearchCursor.decode(cursor, qkey) if cursor else SearchCursor(qkey)
        skipped: list[NotSearched] = []
        run = _Runner(self._mail, settings)
        boxes = await self._plan(run, accounts, state, list_deadline, skipped)
        await run.each(
            [(b.account_id, b.path, _matcher(b, criteria, utf8, limit)) for b in boxes],
            match_deadline,
            skipped,
        )
        searched = [b for b in boxes if b.matched]
        page = merge_newest(searched, limit)
        read = await run.each(
            [(b.account_id, b.path, _reader(b, self._mail)) for b in searched if b.chosen],
            deadline,
            skipped,
        )
        for box in searched:
            # A mailbox whose chosen messages could not be read stays where it was.
            if not box.chosen or (box.account_id, box.path) in read:
                state.positions[box.key] = _position(box)
        hits = await self._hits(page, read)
        # More to come from what this page searched; a mailbox it did not search (a server
        # down, the budget) keeps its place in the cursor but does not keep the paging going.
        more = any(state.positions.get(b.key, (0, EXHAUSTED))[1] != EXHAUSTED for b in searched)
        return SearchPage(hits, state.encode() if more else None, skipped, len(searched))

    async def _plan(
        self,
        run: _Runner,
        accounts: list[Account],
        state: SearchCursor,
        deadline: float,
        skipped: list[NotSearched],
    ) -> list[_Box]:
        """The mailboxes this page searches, where the cursor left each (see the module)."""
        cap = self._settings.search_max_mailboxes
        imap_accounts = []
        for account in accounts:
            if account.imap is None:
                skipped.append(
                    NotSearched(
                        account.id,
                        None,
                        "protocol_not_configured",
                        "the account has no IMAP server",
                    )
                )
            else:
                imap_accounts.append(account)
        listed = await run.each(
            [(a.id, None, _mailboxes) for a in imap_accounts], deadline, skipped
        )
        chosen, left = take_turns(
            [(a.id, listed[(a.id, None)]) for a in imap_accounts if (a.id, None) in listed], cap
        )
        skipped += [
            NotSearched(
                a,
                None,
                "search_mailbox_cap",
                f"{n} mailbox(es) of the account were left out: a search looks in {cap} at most",
            )
            for a, n in left.items()
        ]
        boxes = []
        for account_id, path in chosen:
            box = _Box(account_id, path, mailbox_key(account_id, path))
            known = state.positions.get(box.key)
            if known is not None:
                box.validity, box.before = known
                if box.before == EXHAUSTED:
                    continue  # every match of it was on earlier pages
            boxes.append(box)
        return boxes

    async def _hits(
        self, page: list[tuple[_Box, int]], read: dict[tuple[str, str | None], dict[int, Any]]
    ) -> list[Hit]:
        """The page's messages in its order, with their thread ids."""
        hits = []
        for box, uid in page:
            found = read.get((box.account_id, box.path), {}).get(uid)
            if found is not None:  # else expunged meanwhile, or its mailbox not read
                summary, flags, labels = found
                hits.append(
                    Hit(box.account_id, summary, flags, labels, dict(box.candidates).get(uid))
                )
        by_account: dict[str, list[Summary]] = {}
        for hit in hits:
            by_account.setdefault(hit.account_id, []).append(hit.summary)
        ids: dict[tuple[str, str], str] = {}
        for account_id, summaries in by_account.items():
            for message, thread in (await self._mail.thread_ids(account_id, summaries)).items():
                ids[(account_id, message)] = thread
        return [
            dataclasses.replace(h, thread_id=ids.get((h.account_id, h.summary.id))) for h in hits
        ]


def _position(box: _Box) -> tuple[int, int]:
    """Where the next page goes on in ``box``: below its last message on this page, else
    where it was (from its newest match at this search when it had no position yet)."""
    if box.chosen:
        before = box.chosen[-1]
    elif box.before is not None:
        before = box.before
    else:
        before = box.ranges[-1][1] + 1 if box.ranges else EXHAUSTED
    left = count_below(box.ranges, before) if before != EXHAUSTED else 0
    return box.validity, before if left else EXHAUSTED


class _Runner:
    """Runs the per-mailbox work of one search request within its bounds."""

    def __init__(self, mail: MailService, settings: Settings) -> None:
        self._mail = mail
        self._all = asyncio.Semaphore(settings.search_concurrency)
        self._per_account = settings.search_connections_per_account
        self._account_slots: dict[str, asyncio.Semaphore] = {}

    async def run(
        self, account_id: str, mailbox: str | None, operation: Callable[[ImapSession], Awaitable[T]]
    ) -> T:
        pool = await self._mail.pool(account_id)
        slots = self._account_slots.get(account_id)
        if slots is None:
            # Never the whole pool: listings and reads of the account keep a session.
            slots = self._account_slots[account_id] = asyncio.Semaphore(
                max(1, min(self._per_account, pool.size - 1))
            )
        async with self._all, slots:
            return await pool.run(operation, mailbox, bulk=True)

    async def each(
        self,
        jobs: list[tuple[str, str | None, Callable[[ImapSession], Awaitable[T]]]],
        deadline: float,
        skipped: list[NotSearched],
    ) -> dict[tuple[str, str | None], T]:
        """Run every job (account, mailbox, operation) until ``deadline``; the results by
        (account, mailbox). A job that failed or ran out of time is added to ``skipped``
        (once per account when the account as a whole fails)."""
        if not jobs:
            return {}
        tasks = {asyncio.ensure_future(self.run(a, m, op)): (a, m) for a, m, op in jobs}
        done, pending = await asyncio.wait(tasks, timeout=max(0.0, deadline - time.monotonic()))
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        out: dict[tuple[str, str | None], T] = {}
        failed_accounts: dict[str, GatewayError] = {}
        for task, (account_id, mailbox) in tasks.items():
            if task in pending:
                skipped.append(
                    NotSearched(
                        account_id,
                        mailbox,
                        "search_time_budget",
                        "not searched within the search's time budget",
                    )
                )
                continue
            exc = task.exception()
            if exc is None:
                out[(account_id, mailbox)] = task.result()
            elif isinstance(exc, GatewayError):
                if mailbox is None or _account_wide(exc):
                    failed_accounts.setdefault(account_id, exc)
                else:
                    skipped.append(NotSearched(account_id, mailbox, exc.code, exc.detail))
            else:
                raise exc
        skipped += [NotSearched(a, None, e.code, e.detail) for a, e in failed_accounts.items()]
        return out


def _account_wide(exc: GatewayError) -> bool:
    """An error that says the account's server cannot be used (not this one mailbox)."""
    return isinstance(exc, UpstreamUnavailable | UpstreamAuthFailed | ProtocolNotConfigured)


async def _mailboxes(session: ImapSession) -> list[str]:
    entries, _ = await session.list("", "*", special_use=True)
    return searchable_mailboxes(entries)


def _matcher(
    box: _Box, criteria: list, utf8: bool, limit: int
) -> Callable[[ImapSession], Awaitable[None]]:
    async def match(session: ImapSession) -> None:
        """UID SEARCH, then INTERNALDATE of the newest ``limit + 1`` matches to go on with."""
        if session.selected is not None and session.selected.name == box.path:
            await session.resync()  # news of new mail and expunges first
        selected = await session.select(box.path)
        if box.validity and box.validity != selected.uidvalidity:
            box.before = None  # recreated since the cursor: from its newest message
        box.validity = selected.uidvalidity
        box.ranges, _ = await session.uid_search(criteria, charset=utf8)
        uids = _newest_below(box.ranges, box.before, limit + 1)
        dates: dict[int, Any] = {}
        if uids:
            data = await session.uid_fetch(sequence_set(uids), b"(UID INTERNALDATE)")
            dates = {uid: item.get(b"INTERNALDATE") for uid, item in data.items()}
        box.candidates = [(uid, dates[uid]) for uid in uids if uid in dates]
        box.matched = True

    return match


def _reader(
    box: _Box, mail: MailService
) -> Callable[[ImapSession], Awaitable[dict[int, tuple[Summary, list[str], Any]]]]:
    async def read(session: ImapSession) -> dict[int, tuple[Summary, list[str], Any]]:
        """The chosen messages' summaries (cached ones: only their flags travel)."""
        pool = await mail.pool(box.account_id)
        if session.selected is not None and session.selected.name == box.path:
            await session.resync()
        selected = await session.select(box.path)
        if selected.uidvalidity != box.validity:
            return {}  # recreated between the two steps: nothing of it on this page
        labels: dict[int, tuple[str, ...]] | None = {} if session.has(gmail.CAPABILITY) else None
        fetched = await fetch_summaries(
            session, mail.cache, pool.cache_scope, box.path, box.validity, box.chosen, labels=labels
        )
        return {
            uid: (summary, flags, None if labels is None else labels.get(uid, ()))
            for uid, (summary, flags) in fetched.items()
        }

    return read
