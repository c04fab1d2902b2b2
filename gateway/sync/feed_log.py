"""The change log's pure rules: what an observation of a mailbox adds to the log, and how
log entries become one ``/changes`` page (RFC 8620 section 5.2, JMAP ``Foo/changes``).

A log entry says that one mailbox or one message was ``created``, ``updated`` or
``destroyed``. A message is named by (mailbox path, UIDVALIDITY, UID), the parts of its
API id, so a move or a mailbox rename is a destroyed id and a created one. Entries are
coalesced per id over the span a page covers: only the first and the last entry of an id
matter (created then destroyed is nothing; destroyed then created is updated: the id
names a message again, e.g. after a mailbox was renamed away and back).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

MAILBOX = "mailbox"
MESSAGE = "message"
CREATED = "created"
UPDATED = "updated"
DESTROYED = "destroyed"

Flags = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Change:
    """One entry to append: ``kind`` mailbox | message, ``op`` created | updated | destroyed."""

    kind: str
    op: str
    mailbox: str
    uidvalidity: int | None = None
    uid: int | None = None

    @property
    def key(self) -> tuple[str, str, int | None, int | None]:
        return self.kind, self.mailbox, self.uidvalidity, self.uid


@dataclass(frozen=True, slots=True)
class Entry:
    """One stored entry: a ``Change`` at its place ``seq`` in the account's log."""

    seq: int
    change: Change


def mailbox_change(op: str, mailbox: str) -> Change:
    return Change(MAILBOX, op, mailbox)


def message_changes(
    mailbox: str,
    old_validity: int | None,
    old: Mapping[int, Flags] | None,
    new_validity: int,
    new: Mapping[int, Flags],
) -> list[Change]:
    """What the log records when ``mailbox``, last seen as ``old`` (UID -> flags under
    ``old_validity``; None: never looked at, which records nothing), is seen as ``new``.

    A new UIDVALIDITY (RFC 3501 section 2.3.1.1) ends every old id: each is destroyed and
    every message of the new one is created. An ``old_validity`` of None with ``old`` given
    is a mailbox that appeared after the feed started: all its messages are created.
    """
    if old is None:
        return []
    out: list[Change] = []
    if old_validity is not None and old_validity != new_validity:
        out += [Change(MESSAGE, DESTROYED, mailbox, old_validity, uid) for uid in sorted(old)]
        out += [Change(MESSAGE, CREATED, mailbox, new_validity, uid) for uid in sorted(new)]
        return out
    for uid in sorted(old.keys() - new.keys()):
        out.append(Change(MESSAGE, DESTROYED, mailbox, new_validity, uid))
    for uid in sorted(old.keys() & new.keys()):
        if old[uid] != new[uid]:
            out.append(Change(MESSAGE, UPDATED, mailbox, new_validity, uid))
    for uid in sorted(new.keys() - old.keys()):
        out.append(Change(MESSAGE, CREATED, mailbox, new_validity, uid))
    return out


def mailbox_gone(
    mailbox: str, validity: int | None, known: Mapping[int, Flags] | None
) -> list[Change]:
    """A mailbox deleted (or renamed away): it and every message the log knew in it."""
    out = [mailbox_change(DESTROYED, mailbox)]
    if known and validity is not None:
        out += [Change(MESSAGE, DESTROYED, mailbox, validity, uid) for uid in sorted(known)]
    return out


def coalesce(first: str, last: str) -> str | None:
    """The net op of an id whose first entry in a span was ``first`` and last ``last``."""
    if first == CREATED:
        return None if last == DESTROYED else CREATED
    if first == DESTROYED and last != DESTROYED:
        return UPDATED
    return DESTROYED if last == DESTROYED else UPDATED


@dataclass
class Page:
    """One ``/changes`` answer before ids are encoded: per kind, the keys by net op."""

    last_seq: int  # the log position the page reaches (its ``new_state``)
    has_more: bool
    ops: dict[tuple[str, str, int | None, int | None], str] = field(default_factory=dict)


class PageBuilder:
    """Coalesces entries, fed in log order after ``since``, into a page of at most ``limit``
    ids. It takes no entry that would bring a ``limit + 1``-th id, so every entry up to
    the page's ``last_seq`` is in it and the next page starts right after."""

    def __init__(self, since: int, limit: int) -> None:
        self.limit = limit
        self.reached = since
        self.full = False
        self._firsts: dict[tuple, str] = {}
        self._lasts: dict[tuple, str] = {}

    def add(self, entry: Entry) -> bool:
        """Take ``entry``; False (and nothing taken) once the page is full."""
        c = entry.change
        return self.add_rows(((entry.seq, c.kind, c.op, c.mailbox, c.uidvalidity, c.uid),))

    def add_rows(self, rows: Iterable[tuple]) -> bool:
        """Take stored entries as ``(seq, kind, op, mailbox, uidvalidity, uid)`` rows (the
        store's form: no object per entry); False once the page is full (the rest of
        ``rows`` not taken)."""
        firsts, lasts, limit = self._firsts, self._lasts, self.limit
        for seq, kind, op, mailbox, validity, uid in rows:
            key = (kind, mailbox, validity, uid)
            if key not in firsts:
                if len(firsts) >= limit:
                    self.full = True
                    return False
                firsts[key] = op
            lasts[key] = op
            self.reached = seq
        return True

    def finish(self, end: int) -> Page:
        """The page; ``end``: the log position read up to (when the page is not full, no
        entry for this filter lies between the last one taken and ``end``)."""
        ops = {}
        for key, first in self._firsts.items():
            net = coalesce(first, self._lasts[key])
            if net is not None:
                ops[key] = net
        reached = self.reached if self.full else max(self.reached, end)
        return Page(reached, self.full, ops)


def page(entries: Iterable[Entry], since: int, limit: int, *, end: int) -> Page:
    """All of ``entries`` (after ``since``, in log order, none past ``end``) as one page."""
    builder = PageBuilder(since, limit)
    for entry in entries:
        if not builder.add(entry):
            break
    return builder.finish(end)
