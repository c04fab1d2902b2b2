"""The change log's pure rules: what an observation records, coalescing and paging."""

from __future__ import annotations

import random

import pytest

from gateway.sync.feed_log import (
    CREATED,
    DESTROYED,
    MAILBOX,
    MESSAGE,
    UPDATED,
    Change,
    Entry,
    PageBuilder,
    coalesce,
    mailbox_gone,
    message_changes,
    page,
)


def msg(op: str, uid: int, mailbox: str = "INBOX", validity: int = 7) -> Change:
    return Change(MESSAGE, op, mailbox, validity, uid)


def entries(*changes: Change, start: int = 1) -> list[Entry]:
    return [Entry(start + i, c) for i, c in enumerate(changes)]


@pytest.mark.parametrize(
    ("ops", "net"),
    [
        ([CREATED], CREATED),
        ([UPDATED], UPDATED),
        ([DESTROYED], DESTROYED),
        ([CREATED, UPDATED, UPDATED], CREATED),
        ([CREATED, DESTROYED], None),
        ([CREATED, UPDATED, DESTROYED], None),
        ([UPDATED, DESTROYED], DESTROYED),
        ([UPDATED, UPDATED], UPDATED),
        ([DESTROYED, CREATED], UPDATED),
        ([DESTROYED, CREATED, UPDATED], UPDATED),
        ([DESTROYED, CREATED, DESTROYED], DESTROYED),
        ([CREATED, DESTROYED, CREATED], CREATED),
        ([UPDATED, DESTROYED, CREATED], UPDATED),
    ],
)
def test_an_id_nets_out_by_its_first_and_last_entry(ops: list[str], net: str | None) -> None:
    assert coalesce(ops[0], ops[-1]) == net
    built = page(entries(*(msg(op, 1) for op in ops)), 0, 10, end=len(ops))
    assert built.ops == ({} if net is None else {(MESSAGE, "INBOX", 7, 1): net})


def test_a_new_uidvalidity_destroys_every_old_id_and_creates_every_new_one() -> None:
    old = {1: ("\\Seen",), 2: ()}
    new = {1: (), 5: ("\\Flagged",)}
    got = message_changes("A", 10, old, 11, new)
    assert got == [
        msg(DESTROYED, 1, "A", 10),
        msg(DESTROYED, 2, "A", 10),
        msg(CREATED, 1, "A", 11),
        msg(CREATED, 5, "A", 11),
    ]


def test_same_uidvalidity_records_expunges_flag_changes_and_arrivals() -> None:
    old = {1: ("\\Seen",), 2: (), 3: ("$x",)}
    new = {1: ("\\Seen",), 3: ("$x", "\\Flagged"), 4: ()}
    assert message_changes("A", 9, old, 9, new) == [
        msg(DESTROYED, 2, "A", 9),
        msg(UPDATED, 3, "A", 9),
        msg(CREATED, 4, "A", 9),
    ]


def test_a_first_look_records_nothing_and_a_new_mailbox_creates_everything() -> None:
    assert message_changes("A", None, None, 3, {1: (), 2: ()}) == []
    assert message_changes("A", None, {}, 3, {1: (), 2: ()}) == [
        msg(CREATED, 1, "A", 3),
        msg(CREATED, 2, "A", 3),
    ]


def test_a_mailbox_gone_takes_its_known_messages_with_it() -> None:
    assert mailbox_gone("A", 4, {2: (), 1: ()}) == [
        Change(MAILBOX, DESTROYED, "A"),
        msg(DESTROYED, 1, "A", 4),
        msg(DESTROYED, 2, "A", 4),
    ]
    assert mailbox_gone("A", None, None) == [Change(MAILBOX, DESTROYED, "A")]


def test_a_page_stops_before_the_id_over_the_limit_and_reaches_its_last_entry() -> None:
    log = entries(
        msg(CREATED, 1),
        msg(UPDATED, 1),
        msg(CREATED, 2),
        msg(UPDATED, 1),
        msg(CREATED, 3),
        msg(DESTROYED, 2),
    )
    first = page(log, 0, 2, end=6)
    assert first.has_more and first.last_seq == 4  # seq 5 would be a third id
    assert first.ops == {(MESSAGE, "INBOX", 7, 1): CREATED, (MESSAGE, "INBOX", 7, 2): CREATED}
    second = page([e for e in log if e.seq > first.last_seq], first.last_seq, 2, end=6)
    assert not second.has_more and second.last_seq == 6
    assert second.ops == {(MESSAGE, "INBOX", 7, 3): CREATED, (MESSAGE, "INBOX", 7, 2): DESTROYED}


def test_a_page_that_is_not_full_reaches_the_end_it_was_read_up_to() -> None:
    """(A mailbox's page skips other mailboxes' entries: it still reaches the log's end.)"""
    built = page(entries(msg(CREATED, 1), start=3), 2, 10, end=9)
    assert (built.last_seq, built.has_more) == (9, False)
    assert page([], 9, 10, end=9).last_seq == 9


def test_a_builder_takes_entries_of_ids_it_has_when_full() -> None:
    builder = PageBuilder(0, 1)
    assert builder.add(Entry(1, msg(CREATED, 1)))
    assert builder.add(Entry(2, msg(UPDATED, 1)))  # the same id: taken
    assert not builder.add(Entry(3, msg(CREATED, 2)))
    result = builder.finish(3)
    assert (result.last_seq, result.has_more) == (2, True)


def test_a_copy_kept_page_by_page_ends_equal_to_the_truth() -> None:
    """A client holding the ids that existed at its state, applying pages of any size,
    holds what exists at the end: for random histories (creations only of absent ids,
    updates and destructions only of present ones; an id may come back, as after a rename
    away and back) and random limits. The seed is in the failure message."""
    seed = random.randrange(2**32)
    rng = random.Random(seed)
    for _ in range(300):
        truth = {uid for uid in range(1, 9) if rng.random() < 0.5}
        start = set(truth)
        log: list[Change] = []
        for _ in range(rng.randint(0, 40)):
            uid = rng.randint(1, 8)
            if uid in truth:
                op = rng.choice([UPDATED, DESTROYED])
                if op == DESTROYED:
                    truth.discard(uid)
            else:
                op = CREATED
                truth.add(uid)
            log.append(msg(op, uid))
        stored = entries(*log)
        limit = rng.randint(1, 5)
        copy, since = set(start), 0
        while True:
            built = page([e for e in stored if e.seq > since], since, limit, end=len(stored))
            assert len(built.ops) <= limit, seed
            for (_, _, _, uid), op in built.ops.items():
                if op == DESTROYED:
                    assert uid in copy, seed  # never told to drop what it does not have
                    copy.discard(uid)
                elif op == UPDATED:
                    assert uid in copy, seed  # never told of a change to what it lacks
                else:
                    assert uid not in copy, seed
                    copy.add(uid)
            assert built.has_more is False or built.last_seq > since, seed
            since = built.last_seq
            if not built.has_more:
                break
        assert since == len(stored) and copy == truth, seed
