"""Message listings: newest first, filters as IMAP SEARCH keys, cursors stable under new mail."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from typing import Any

from ..errors import InvalidInput
from ..protocols.imap import ImapRejected, ImapSession, gmail
from ..protocols.imap.encoding import Arg, astring, search_date, sequence_set
from .cache import SummaryCache
from .ids import MessageRef, decode_cursor, encode_cursor
from .structure import (
    MessagePage,
    Summary,
    flag_items,
    labels_of,
    summary_from_fetch,
    summary_items,
)

FETCH_BATCH = 250  # aioimaplib-style readers are quadratic in lines; ours is not, but stay modest


@dataclass(frozen=True, slots=True)
class ListQuery:
    """The filters of ``GET .../messages`` (each maps to one RFC 3501 section 6.4.4 key;
    ``x_gm_raw`` to Gmail's ``X-GM-RAW``, Gmail's own search syntax, only on Gmail)."""

    unseen: bool | None = None
    flagged: bool | None = None
    from_: str | None = None
    to: str | None = None
    subject: str | None = None
    text: str | None = None
    since: date | None = None
    before: date | None = None
    x_gm_raw: str | None = None

    def criteria(self) -> tuple[list[Arg], bool]:
        """SEARCH keys, and whether CHARSET UTF-8 is needed."""
        keys: list[Arg] = []
        utf8 = False
        if self.unseen is not None:
            keys.append(b"UNSEEN" if self.unseen else b"SEEN")
        if self.flagged is not None:
            keys.append(b"FLAGGED" if self.flagged else b"UNFLAGGED")
        for key, value in (
            (b"FROM", self.from_),
            (b"TO", self.to),
            (b"SUBJECT", self.subject),
            (b"TEXT", self.text),
        ):
            if value is not None:
                if not value:
                    raise InvalidInput(f"empty {key.decode().lower()} filter")
                utf8 = utf8 or not value.isascii()
                keys += [key, astring(value)]  # quoted or literal: never pasted in
        # SENTSINCE/SENTBEFORE compare the Date header, which is the ``date`` a listing shows
        # (SINCE/BEFORE would compare the internal date, i.e. when the server stored it).
        if self.since is not None:
            keys += [b"SENTSINCE", search_date(self.since)]
        if self.before is not None:
            keys += [b"SENTBEFORE", search_date(self.before)]
        if self.x_gm_raw is not None:
            keys += gmail.raw_search(self.x_gm_raw)
            utf8 = utf8 or not self.x_gm_raw.isascii()
        return keys or [b"ALL"], utf8

    def key(self) -> str:
        """A short fingerprint of the filters, bound into cursors."""
        text = repr(
            (
                self.unseen,
                self.flagged,
                self.from_,
                self.to,
                self.subject,
                self.text,
                self.since,
                self.before,
                self.x_gm_raw,
            )
        )
        return hashlib.blake2s(text.encode(), digest_size=6).hexdigest()


def _newest_below(ranges: list[tuple[int, int]], before: int | None, limit: int) -> list[int]:
    """The ``limit`` highest UIDs under ``before`` from ascending ranges, highest first."""
    out: list[int] = []
    for lo, hi in reversed(ranges):
        if before is not None:
            hi = min(hi, before - 1)
        uid = hi
        while uid >= lo and len(out) < limit:
            out.append(uid)
            uid -= 1
        if len(out) >= limit:
            break
    return out


async def list_messages(
    session: ImapSession,
    cache: SummaryCache[Summary],
    scope: str,
    mailbox: str,
    query: ListQuery,
    *,
    limit: int,
    cursor: str | None,
) -> MessagePage:
    on_gmail = session.has(gmail.CAPABILITY)
    if query.x_gm_raw is not None and not on_gmail:
        raise InvalidInput(
            "x_gm_raw: Gmail's search works on Gmail only (this server does not offer X-GM-EXT-1)",
            code="x_gm_raw_unsupported",
        )
    criteria, utf8 = query.criteria()
    newest_page = criteria == [b"ALL"] and not cursor
    changing = flag_items(on_gmail)  # flags (and Gmail's labels): never cached
    was_selected = session.selected is not None and session.selected.name == mailbox
    # The newest page of an unfiltered listing goes by message numbers (no SEARCH). On a
    # session that has the mailbox selected already, FETCH and NOOP go out together: when
    # the NOOP brings no news the FETCH saw the current mailbox (one round trip); else
    # fetch again. Everything else syncs first with a NOOP (new mail, expunges; Dovecot
    # complains or says BYE if the mailbox was deleted meanwhile: reselect or retry).
    data: dict[int, dict[bytes, Any]] | None = None
    if was_selected and newest_page and session.selected.exists:
        last = session.selected.exists
        try:
            data, changed = await session.fetch_then_noop(
                b"%d:%d" % (max(1, last - limit), last), changing
            )
        except ImapRejected:
            session.selected, changed = None, True
        if changed:
            data = None
    elif was_selected:
        await session.resync()
    selected = await session.select(mailbox)
    qkey = query.key()
    before: int | None = None
    if cursor:
        validity, before = decode_cursor(cursor, qkey)
        if validity != selected.uidvalidity:
            raise InvalidInput(
                "the mailbox was recreated since this cursor was issued; "
                "start again without a cursor"
            )
    flags: dict[int, list[str]] | None = None
    labels: dict[int, tuple[str, ...]] | None = {} if on_gmail else None
    if newest_page:
        if data is None and selected.exists:
            first = max(1, selected.exists - limit)  # one more than asked: a next page?
            data = await session.fetch(b"%d:%d" % (first, selected.exists), changing)
        data = data or {}
        total = selected.exists
        uids = sorted(data, reverse=True)
        flags = {uid: _flags(d) for uid, d in data.items()}
        if labels is not None:
            labels.update((uid, labels_of(d)) for uid, d in data.items())
    else:
        ranges, total = await session.uid_search(criteria, charset=utf8)
        uids = _newest_below(ranges, before, limit + 1)
    more = len(uids) > limit
    uids = uids[:limit]
    validity = selected.uidvalidity
    fetched = await fetch_summaries(
        session, cache, scope, mailbox, validity, uids, known_flags=flags, labels=labels
    )
    items = [fetched[uid] for uid in uids if uid in fetched]  # (not expunged meanwhile)
    next_cursor = encode_cursor(validity, uids[-1], qkey) if more and uids else None
    return MessagePage(items, next_cursor, total, labels)


async def fetch_summaries(
    session: ImapSession,
    cache: SummaryCache[Summary],
    scope: str,
    mailbox: str,
    validity: int,
    uids: list[int],
    *,
    known_flags: dict[int, list[str]] | None = None,
    labels: dict[int, tuple[str, ...]] | None = None,
) -> dict[int, tuple[Summary, list[str]]]:
    """Summaries and current flags; only FLAGS travel for messages already in the cache
    (and nothing at all when the caller already has their flags). With ``labels`` (on
    Gmail) each message's X-GM-LABELS travel with its flags and are put there."""
    on_gmail = labels is not None
    out: dict[int, tuple[Summary, list[str]]] = {}
    cached: dict[int, Summary] = {}
    missing: list[int] = []
    for uid in uids:
        hit = cache.get((scope, mailbox, validity, uid))
        if hit is None:
            missing.append(uid)
        elif known_flags is not None and uid in known_flags:
            out[uid] = hit, known_flags[uid]
        else:
            cached[uid] = hit
    for start in range(0, len(missing), FETCH_BATCH):
        batch = missing[start : start + FETCH_BATCH]
        items = summary_items(session.has("PREVIEW"), on_gmail, session.has("OBJECTID"))
        for uid, data in (await session.uid_fetch(sequence_set(batch), items)).items():
            summary = summary_from_fetch(data, MessageRef(mailbox, validity, uid))
            cache.put((scope, mailbox, validity, uid), summary)
            out[uid] = summary, _flags(data)
            if labels is not None:
                labels[uid] = labels_of(data)
    known = list(cached)
    changing = flag_items(on_gmail)
    for start in range(0, len(known), FETCH_BATCH):
        batch = known[start : start + FETCH_BATCH]
        for uid, data in (await session.uid_fetch(sequence_set(batch), changing)).items():
            if uid in cached:
                out[uid] = cached[uid], _flags(data)
                if labels is not None:
                    labels[uid] = labels_of(data)
    return out


def _flags(data: dict[bytes, Any]) -> list[str]:
    return [
        f.decode("utf-8", "replace")
        for f in data.get(b"FLAGS", ())
        if isinstance(f, bytes) and f.lower() != b"\\recent"
    ]
