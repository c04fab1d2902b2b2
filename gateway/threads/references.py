"""Which thread each message belongs to, and a thread id that does not depend on arrival order
(pure). The tree inside a thread is ``gateway.threads.tree`` (RFC 5256 REFERENCES).

Membership. RFC 5256 section 3 step 1 links each message to its parent through its
``References`` (or, when that holds no valid id, the first id of ``In-Reply-To``). Here a
thread is every message connected through those links: a message, its ``Message-ID`` and
every id it references belong to one thread. Where messages agree about who replied to whom
(the normal case) this is RFC 5256's grouping; where two messages disagree about a
message's parent, RFC 5256 keeps the link it saw first (so its result depends on arrival
order) and here both count. On purpose, too:

- messages with the same ``Message-ID`` are one thread (RFC 5256 gives later duplicates
  new ids): across mailboxes a shared ``Message-ID`` is the same mail (the Sent copy, a
  copy in an archive folder);
- with ``by_subject`` (RFC 5256 step 5), messages that reference nothing join the thread of
  the other such messages with the same non-empty base subject (``gateway.threads.subject``),
  so a reply from a client that drops ``References`` finds its thread. A thread whose first
  message is missing is not joined by subject.

Thread id. Each message claims a root: its first reference, or its own ``Message-ID`` when it
references nothing (``key:<msg_key>`` without one). The thread id is a short hash of the
root claimed by the thread's earliest message (by ``Date``, then ``Message-ID``, then
``msg_key``; messages without a date count as the latest); that message is the thread's
``Anchor``. So:

- a thread's id is the hash of its first message's ``Message-ID`` (all replies reference
  it first), whether that message is present or not: two mailboxes (or two servers) holding
  different parts of one conversation give it the same id;
- replies arriving later never change it: only a message dated before every message of
  the thread can;
- it is a function of the set of messages, whatever order they arrive in (``assign`` one
  by one or in batches gives what ``assign`` gives for all at once);
- when a message joins two threads, the one with the earlier anchor keeps its id and the
  other's messages take it (``Assignment.merges``).

A store keeps ``ThreadIndex``: each node (a ``Message-ID``, ``key:<msg_key>``, and with
``by_subject`` a ``subject:<base>``) with its thread id, and each thread's anchor.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from .subject import base_subject

MAX_REFERENCES = 100
"""References kept per message: the first (the root) and the last ones."""

_MSG_ID = re.compile(r"<[^<>\s]{1,998}>")


@dataclass(frozen=True)
class ThreadRecord:
    """What threading needs of one message. ``references``: the header's text or its ids;
    ``subject`` decoded; ``date`` the ``Date`` header (naive means UTC)."""

    msg_key: str
    message_id: str | None
    in_reply_to: str | None = None
    references: str | Sequence[str] | None = None
    subject: str | None = None
    date: datetime | None = None


@dataclass(frozen=True)
class Anchor:
    """A thread's earliest message: what decides its id, kept by the store per thread."""

    date: datetime | None
    message_id: str  # the message's node: its Message-ID, or key:<msg_key>
    msg_key: str

    def sort_key(self) -> tuple[int, float, str, str]:
        if self.date is None:
            return (1, 0.0, self.message_id, self.msg_key)
        when = self.date if self.date.tzinfo else self.date.replace(tzinfo=UTC)
        return (0, when.timestamp(), self.message_id, self.msg_key)


@dataclass
class ThreadIndex:
    """What a store keeps: node -> thread id, thread id -> anchor."""

    nodes: dict[str, str] = field(default_factory=dict)
    anchors: dict[str, Anchor] = field(default_factory=dict)


@dataclass(frozen=True)
class Assignment:
    """The outcome of ``assign``: ``threads``, each new message's thread id; ``nodes`` and
    ``anchors`` to store; ``merges``, old thread id -> the id its messages take now."""

    threads: dict[str, str]
    nodes: dict[str, str]
    anchors: dict[str, Anchor]
    merges: dict[str, str]


def thread_id_for(claim: str) -> str:
    """The thread id of a root claim: 16 URL-safe characters (96 bits of SHA-256)."""
    digest = hashlib.sha256(claim.encode("utf-8", "surrogatepass")).digest()[:12]
    return base64.urlsafe_b64encode(digest).decode("ascii")


def normalise_id(value: str | None) -> str | None:
    """``<id>`` of a ``Message-ID`` value (a bare id gets its brackets), None if none."""
    if not value:
        return None
    match = _MSG_ID.search(value)
    if match:
        return match.group(0)
    bare = value.strip()
    if bare and len(bare) <= 998 and not any(c.isspace() or c in "<>" for c in bare):
        return f"<{bare}>"
    return None


def reference_ids(record: ThreadRecord) -> list[str]:
    """The message's references (RFC 5256 step 1): the valid ids of ``References``, else the
    first valid id of ``In-Reply-To``; at most ``MAX_REFERENCES`` (first and last ones)."""
    refs = record.references
    if isinstance(refs, str):
        ids = _MSG_ID.findall(refs)
    else:
        ids = [i for i in (normalise_id(r) for r in refs or ()) if i]
    if not ids:
        first = _MSG_ID.search(record.in_reply_to or "")
        ids = [first.group(0)] if first else []
    if len(ids) > MAX_REFERENCES:
        ids = ids[:1] + ids[-(MAX_REFERENCES - 1) :]
    return ids


def own_node(record: ThreadRecord) -> str:
    """The message's node: its ``Message-ID``, or ``key:<msg_key>`` without a valid one."""
    return normalise_id(record.message_id) or f"key:{record.msg_key}"


def anchor_of(record: ThreadRecord) -> Anchor:
    return Anchor(record.date, own_node(record), record.msg_key)


def root_claim(record: ThreadRecord) -> str:
    refs = reference_ids(record)
    return refs[0] if refs else own_node(record)


def nodes_of(record: ThreadRecord, by_subject: bool = False) -> list[str]:
    """Every node the message joins into one thread."""
    refs = reference_ids(record)
    nodes = [own_node(record), *refs]
    if by_subject and not refs:
        base, _ = base_subject(record.subject)
        if base:
            nodes.append(f"subject:{base}")
    return nodes


def assign(
    index: ThreadIndex, records: Iterable[ThreadRecord], *, by_subject: bool = False
) -> Assignment:
    """Thread ids for ``records`` given what the store knows (``index``, not changed).
    Apply the result with ``apply`` (or the same updates in the store)."""
    records = list(records)
    parent: dict[str, str] = {}

    def find(item: str) -> str:
        root = item
        while parent.get(root, root) != root:
            root = parent[root]
        while item != root:  # path compression
            item, parent[item] = parent[item], root
        return root

    def element(node: str) -> str:
        known = index.nodes.get(node)
        return f"thread:{known}" if known is not None else node

    for record in records:
        first, *others = (element(node) for node in nodes_of(record, by_subject))
        parent.setdefault(first, first)
        for other in others:
            parent.setdefault(other, other)
            a, b = find(first), find(other)
            if a != b:
                parent[b] = a

    groups: dict[str, list[ThreadRecord]] = {}
    for record in records:
        groups.setdefault(find(element(own_node(record))), []).append(record)
    existing: dict[str, list[str]] = {}
    for item in parent:
        if item.startswith("thread:"):
            existing.setdefault(find(item), []).append(item[7:])

    out = Assignment({}, {}, {}, {})
    for root, members in groups.items():
        old_ids = existing.get(root, [])
        # The earliest message decides: an existing thread's anchor keeps that thread's id,
        # a new message's gives the hash of its root claim.
        first = min(members, key=lambda r: anchor_of(r).sort_key())
        thread_id, anchor = thread_id_for(root_claim(first)), anchor_of(first)
        for old in old_ids:
            known = index.anchors.get(old)
            if known is not None and known.sort_key() <= anchor.sort_key():
                thread_id, anchor = old, known
        out.anchors[thread_id] = anchor
        for old in old_ids:
            if old != thread_id:
                out.merges[old] = thread_id
        for record in members:
            out.threads[record.msg_key] = thread_id
            for node in nodes_of(record, by_subject):
                out.nodes[node] = thread_id
    return out


def apply(index: ThreadIndex, assignment: Assignment) -> ThreadIndex:
    """``index`` after ``assignment``: what the store does with it, as a pure function
    (merged threads' nodes take the new id, their anchors go)."""
    merges = assignment.merges
    nodes = {node: merges.get(tid, tid) for node, tid in index.nodes.items()}
    nodes.update(assignment.nodes)
    anchors = {tid: a for tid, a in index.anchors.items() if tid not in merges}
    anchors.update(assignment.anchors)
    return ThreadIndex(nodes, anchors)


def thread_ids(records: Iterable[ThreadRecord], *, by_subject: bool = False) -> dict[str, str]:
    """msg_key -> thread id for a set of messages (``assign`` with an empty store)."""
    return assign(ThreadIndex(), records, by_subject=by_subject).threads


def group(
    records: Iterable[ThreadRecord],
    *,
    by_subject: bool = False,
) -> dict[str, list[ThreadRecord]]:
    """Thread id -> its messages."""
    records = list(records)
    ids = thread_ids(records, by_subject=by_subject)
    out: dict[str, list[ThreadRecord]] = {}
    for record in records:
        out.setdefault(ids[record.msg_key], []).append(record)
    return out


def sent_order(records: Iterable[ThreadRecord]) -> list[ThreadRecord]:
    """Records by sent date (then Message-ID, then msg_key), as RFC 5256 sorts siblings."""
    return sorted(records, key=lambda r: anchor_of(r).sort_key())
