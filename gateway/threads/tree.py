"""The tree of each thread: RFC 5256 section 3, the REFERENCES threading algorithm (pure).

``thread_trees`` groups messages with ``gateway.threads.references`` (which also gives the
thread ids) and builds each thread's tree the way RFC 5256 does, processing messages in
sent order (``Date``, then ``Message-ID``, then ``msg_key``) where the RFC says "in order",
so the tree, too, depends only on the set of messages:

1. link parents and children along each message's references: consecutive references
   become parent and child unless the child already has a parent (1A); the message becomes
   the child of its last reference, replacing a parent it had (1B); never a link that
   would make a loop. A referenced message that is missing is a dummy. A second message
   with the same ``Message-ID`` gets a node of its own.
2. the messages without a parent are the top level;
3. dummies are pruned: one without children goes, one with children gives them to its
   parent (at the top level only when it has a single child);
4. the top level is sorted by sent date (a dummy by its first child's);
5. with ``by_subject``: top-level trees with the same base subject are merged (RFC 5256
   step 5 B and C);
6. every set of siblings is sorted by sent date.

Traversals are iterative: a long reply chain is no recursion limit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from .references import ThreadRecord, anchor_of, group, own_node, reference_ids, sent_order
from .subject import base_subject

SortKey = tuple[int, float, str, str]


@dataclass(frozen=True)
class ThreadNode:
    """A message in a thread's tree (``msg_key`` None: a dummy for a missing message)."""

    msg_key: str | None
    message_id: str | None
    children: tuple[ThreadNode, ...] = ()


@dataclass(frozen=True)
class Thread:
    """One thread: its id and the top level of its tree (one root unless the thread's
    messages disagree about their parents or were joined by subject)."""

    thread_id: str
    roots: tuple[ThreadNode, ...]

    def msg_keys(self) -> list[str]:
        """The thread's messages in tree order (depth first, siblings by date)."""
        out: list[str] = []
        stack = list(reversed(self.roots))
        while stack:
            node = stack.pop()
            if node.msg_key is not None:
                out.append(node.msg_key)
            stack.extend(reversed(node.children))
        return out


@dataclass(eq=False)
class _Container:
    node: str
    record: ThreadRecord | None = None
    parent: _Container | None = None
    children: list[_Container] = field(default_factory=list)

    def key(self) -> SortKey:
        if self.record is not None:
            return anchor_of(self.record).sort_key()
        return self.children[0].key() if self.children else (2, 0.0, self.node, "")


def thread_trees(records: Iterable[ThreadRecord], *, by_subject: bool = False) -> list[Thread]:
    """Every thread of ``records`` with its tree, threads ordered by their first message."""
    groups = group(records, by_subject=by_subject)
    first = {tid: min(anchor_of(r).sort_key() for r in members) for tid, members in groups.items()}
    return [Thread(tid, _tree(groups[tid], by_subject)) for tid in sorted(groups, key=first.get)]


def _tree(records: list[ThreadRecord], by_subject: bool) -> tuple[ThreadNode, ...]:
    containers: dict[str, _Container] = {}

    def container(node: str) -> _Container:
        found = containers.get(node)
        if found is None:
            found = containers[node] = _Container(node)
        return found

    for record in sent_order(records):
        own = container(own_node(record))
        if own.record is not None:  # a duplicate Message-ID: a node of its own
            own = container(f"dup:{record.msg_key}")
        own.record = record
        refs = [container(ref) for ref in reference_ids(record)]
        for parent, child in zip(refs, refs[1:], strict=False):  # step 1A
            if child.parent is None and not _would_loop(parent, child):
                _link(parent, child)
        if own.parent is not None:  # step 1B
            own.parent.children.remove(own)
            own.parent = None
        if refs and not _would_loop(refs[-1], own):
            _link(refs[-1], own)

    top = [c for c in containers.values() if c.parent is None]
    order = _depth_first(top)
    for c in reversed(order):  # children before parents
        c.children = _pruned(c, c.children, top_level=False)
    top = _pruned(None, top, top_level=True)  # step 3
    for c in reversed(_depth_first(top)):
        c.children.sort(key=_Container.key)
    top.sort(key=_Container.key)  # step 4
    if by_subject:
        top = _merged_by_subject(top)  # step 5
        for c in reversed(_depth_first(top)):  # step 6
            c.children.sort(key=_Container.key)
        top.sort(key=_Container.key)
    return tuple(_frozen(c) for c in top)


def _link(parent: _Container, child: _Container) -> None:
    child.parent = parent
    parent.children.append(child)


def _would_loop(parent: _Container, child: _Container) -> bool:
    """Whether making ``child`` a child of ``parent`` would make a loop."""
    if not child.children:  # the usual case (parents come first): nothing below to loop
        return parent is child
    walk: _Container | None = parent
    while walk is not None:
        if walk is child:
            return True
        walk = walk.parent
    return False


def _depth_first(top: list[_Container]) -> list[_Container]:
    order: list[_Container] = []
    stack = list(top)
    while stack:
        c = stack.pop()
        order.append(c)
        stack.extend(c.children)
    return order


def _pruned(
    parent: _Container | None, children: list[_Container], top_level: bool
) -> list[_Container]:
    """Step 3 on one set of siblings whose own children are pruned already."""
    out: list[_Container] = []
    for c in children:
        if c.record is None and not c.children:
            continue
        if c.record is None and (not top_level or len(c.children) == 1):
            for grandchild in c.children:
                grandchild.parent = parent
            out.extend(c.children)
            continue
        out.append(c)
    return out


def _subject_of(c: _Container) -> tuple[str, bool]:
    source = c.record if c.record is not None else c.children[0].record
    return base_subject(source.subject if source else None)


def _merged_by_subject(top: list[_Container]) -> list[_Container]:
    """RFC 5256 step 5: top-level trees with the same base subject become one."""
    table: dict[str, _Container] = {}
    for c in top:  # step 5B
        subject, refwd = _subject_of(c)
        if not subject:
            continue
        held = table.get(subject)
        if held is None or (
            held.record is not None and (c.record is None or (_subject_of(held)[1] and not refwd))
        ):
            table[subject] = c
    out = list(top)
    for c in top:  # step 5C
        subject, refwd = _subject_of(c)
        held = table.get(subject) if subject else None
        if held is None or held is c:
            continue
        out.remove(c)
        if held.record is None and c.record is None:  # (a)
            for child in c.children:
                _link(held, child)
        elif held.record is None or (refwd and not _subject_of(held)[1]):  # (b), (c)
            _link(held, c)
        else:  # (d)
            dummy = _Container(f"subject:{subject}")
            out[out.index(held)] = dummy
            _link(dummy, held)
            _link(dummy, c)
            table[subject] = dummy
    return out


def _frozen(top: _Container) -> ThreadNode:
    built: dict[int, ThreadNode] = {}
    for c in reversed(_depth_first([top])):
        record = c.record
        built[id(c)] = ThreadNode(
            record.msg_key if record else None,
            own_node(record) if record else (None if c.node.startswith("subject:") else c.node),
            tuple(built[id(child)] for child in c.children),
        )
    return built[id(top)]
