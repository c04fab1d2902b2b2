"""A listing collapsed to one entry per thread (``collapse_threads=true``): each thread's
newest message, with how many messages of the listing the thread has.

The listing's filters select the messages (its SEARCH); the newest ``COLLAPSE_SCAN_MAX`` of
them are grouped by thread id (``threads.thread_ids``: one store query per 500 once they
were threaded), threads ordered by their newest message (highest UID, as a listing orders
messages). A page's cursor is the UID of its last thread's newest message: the next page
starts with the threads whose newest message is older, so new mail never shifts a page.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..accounts.imap_pool import ImapPool
from ..errors import InvalidInput
from ..protocols.imap import ImapSession, gmail
from ..protocols.imap.encoding import sequence_set
from ..threads.index import ThreadIndexer
from .cache import SummaryCache
from .ids import decode_cursor, encode_cursor
from .listing import ListQuery, _flags, _newest_below
from .structure import MessagePage, Summary, flag_items, labels_of
from .threads import summaries_of, thread_ids

COLLAPSE_SCAN_MAX = 10_000  # messages a collapsed listing looks at, newest first


@dataclass(slots=True)
class CollapseScan:
    """The newest ``COLLAPSE_SCAN_MAX`` messages of a listing (newest first), and where the
    page starts: below ``before`` (a UID), from the cursor."""

    validity: int
    summaries: list[Summary]
    before: int | None
    query_key: str


async def collapse_scan(
    session: ImapSession,
    cache: SummaryCache[Summary],
    scope: str,
    mailbox: str,
    query: ListQuery,
    cursor: str | None,
) -> CollapseScan:
    """Every message a collapsed listing groups (its filters as a listing's)."""
    if query.x_gm_raw is not None and not session.has(gmail.CAPABILITY):
        raise InvalidInput(
            "x_gm_raw: Gmail's search works on Gmail only (this server does not offer X-GM-EXT-1)",
            code="x_gm_raw_unsupported",
        )
    criteria, utf8 = query.criteria()
    qkey = query.key() + "t"  # a collapsed listing's cursors are its own
    selected = await session.select(mailbox)
    before: int | None = None
    if cursor:
        validity, before = decode_cursor(cursor, qkey)
        if validity != selected.uidvalidity:
            raise InvalidInput(
                "the mailbox was recreated since this cursor was issued; "
                "start again without a cursor"
            )
    uids: list[int] = []
    if selected.exists:
        ranges, _ = await session.uid_search(criteria, charset=utf8)
        uids = _newest_below(ranges, None, COLLAPSE_SCAN_MAX)
    found = await summaries_of(session, cache, scope, mailbox, selected.uidvalidity, uids)
    return CollapseScan(
        selected.uidvalidity, [found[uid] for uid in uids if uid in found], before, qkey
    )


@dataclass(slots=True)
class Collapsed:
    """One page of threads: each thread's newest message, how many the thread has in the
    listing, the cursor of the next page and the number of threads."""

    shown: list[Summary]
    counts: dict[str, int]
    next_cursor: str | None
    total: int


def collapse(scan: CollapseScan, ids: dict[str, str], limit: int) -> Collapsed:
    """Group ``scan`` by thread (a message without a thread id is one of its own)."""
    newest: dict[str, Summary] = {}
    counts: dict[str, int] = {}
    for summary in scan.summaries:
        thread = ids.get(summary.id) or "msg:" + summary.id
        if thread not in newest:
            newest[thread] = summary
            counts[thread] = 0
        counts[thread] += 1
    page: list[tuple[str, Summary]] = []
    for thread, summary in newest.items():  # newest first: the scan's order
        if scan.before is not None and summary.uid >= scan.before:
            continue
        page.append((thread, summary))
        if len(page) > limit:
            break
    more = len(page) > limit
    page = page[:limit]
    next_cursor = (
        encode_cursor(scan.validity, page[-1][1].uid, scan.query_key) if more and page else None
    )
    return Collapsed(
        [s for _, s in page], {s.id: counts[t] for t, s in page}, next_cursor, len(newest)
    )


async def current_flags(
    session: ImapSession, mailbox: str, uids: list[int]
) -> tuple[dict[int, list[str]], dict[int, tuple[str, ...]] | None]:
    """The flags of ``uids`` now, and on Gmail their labels (messages expunged meanwhile are
    left out)."""
    on_gmail = session.has(gmail.CAPABILITY)
    labels: dict[int, tuple[str, ...]] | None = {} if on_gmail else None
    if not uids:
        return {}, labels
    await session.select(mailbox)
    data = await session.uid_fetch(sequence_set(uids), flag_items(on_gmail))
    if labels is not None:
        labels.update((uid, labels_of(d)) for uid, d in data.items())
    return {uid: _flags(d) for uid, d in data.items()}, labels


async def list_collapsed(
    pool: ImapPool,
    cache: SummaryCache[Summary],
    indexer: ThreadIndexer | None,
    account_id: str,
    mailbox: str,
    query: ListQuery,
    *,
    limit: int,
    cursor: str | None,
) -> MessagePage:
    """A listing with one entry per thread: its newest message and ``thread_count``."""
    scan = await pool.run(
        lambda s: collapse_scan(s, cache, pool.cache_scope, mailbox, query, cursor), mailbox
    )
    ids = await thread_ids(indexer, account_id, scan.summaries)
    page = collapse(scan, ids, limit)
    flags, labels = await pool.run(
        lambda s: current_flags(s, mailbox, [x.uid for x in page.shown]), mailbox
    )
    items = [(x, flags[x.uid]) for x in page.shown if x.uid in flags]
    return MessagePage(
        items,
        page.next_cursor,
        page.total,
        labels,
        thread_ids={x.id: ids[x.id] for x, _ in items if x.id in ids},
        thread_counts=page.counts,
    )
