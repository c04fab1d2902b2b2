"""Threads: RFC 5256 REFERENCES trees, base subjects and thread ids that do not depend on the
order messages arrive in (pure)."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.threads.references import (
    Anchor,
    ThreadIndex,
    ThreadRecord,
    apply,
    assign,
    own_node,
    thread_id_for,
    thread_ids,
)
from gateway.threads.subject import base_subject
from gateway.threads.tree import Thread, ThreadNode, thread_trees

DAY = datetime(2024, 1, 8, 9, 0, tzinfo=UTC)


def msg(
    key: str,
    mid: str | None,
    refs: str | list[str] | None = None,
    *,
    irt: str | None = None,
    subject: str = "Plans",
    hour: int | None = None,
) -> ThreadRecord:
    when = DAY + timedelta(hours=hour if hour is not None else int(key))
    return ThreadRecord(key, mid, irt, refs, subject, when)


def shape(node: ThreadNode) -> object:
    """A tree as nested tuples: (msg_key or the dummy's id, children...)."""
    return (node.msg_key or node.message_id, *(shape(c) for c in node.children))


def trees(records: list[ThreadRecord], **kw: bool) -> list[tuple[object, ...]]:
    return [tuple(shape(r) for r in t.roots) for t in thread_trees(records, **kw)]


def test_a_conversation_is_one_tree_in_sent_order() -> None:
    records = [
        msg("1", "<a@x>"),
        msg("2", "<b@x>", "<a@x>"),
        msg("3", "<c@x>", "<a@x> <b@x>"),
        msg("4", "<d@x>", "<a@x>"),  # a second answer to the first message
        msg("5", "<other@x>", subject="Other"),
    ]
    assert trees(records) == [
        (("1", ("2", ("3",)), ("4",)),),
        (("5",),),
    ]
    ids = thread_ids(records)
    assert ids["1"] == ids["2"] == ids["3"] == ids["4"] == thread_id_for("<a@x>")
    assert ids["5"] == thread_id_for("<other@x>")


def test_missing_parents_are_dummies_pruned_as_rfc5256_step3_says() -> None:
    # Two answers to a message that is not here: a dummy root holds them (step 3B keeps a
    # top-level dummy with more than one child).
    assert trees([msg("1", "<b@x>", "<a@x>"), msg("2", "<c@x>", "<a@x>")]) == [
        (("<a@x>", ("1",), ("2",)),)
    ]
    # One answer: it becomes the root itself.
    assert trees([msg("1", "<b@x>", "<a@x>")]) == [(("1",),)]
    # A missing message in the middle of a chain: its child moves up to its parent.
    assert trees([msg("1", "<a@x>"), msg("2", "<c@x>", "<a@x> <b@x>")]) == [(("1", ("2",)),)]


def test_in_reply_to_is_used_when_references_hold_no_valid_id() -> None:
    records = [msg("1", "<a@x>"), msg("2", "<b@x>", "not an id", irt="<a@x> (Jane's)")]
    assert trees(records) == [(("1", ("2",)),)]
    records = [msg("1", "<a@x>"), msg("2", "<b@x>", [], irt="<a@x>")]
    assert trees(records) == [(("1", ("2",)),)]


def test_truncated_references_relink_to_the_last_reference() -> None:
    # 3's own References say its parent is 2 (step 1B), though 4 named 1 before it.
    records = [
        msg("1", "<a@x>"),
        msg("2", "<b@x>", "<a@x>"),
        msg("3", "<c@x>", "<a@x> <b@x>"),
        msg("4", "<d@x>", "<a@x> <c@x>"),
    ]
    assert trees(records) == [(("1", ("2", ("3", ("4",)))),)]


def test_loops_in_references_end_and_keep_one_thread() -> None:
    records = [
        msg("1", "<a@x>", "<b@x>"),
        msg("2", "<b@x>", "<a@x>"),
        msg("3", "<c@x>", "<c@x>"),
        msg("4", "<d@x>", "<d@x> <e@x> <d@x>"),
    ]
    result = trees(records)
    # 1 first (sent order) under the then missing <b@x>; 2 fills <b@x>, and linking it
    # under 1 would close the loop, so it stays the root.
    assert result[0] == (("2", ("1",)),)
    assert (("3",),) in result
    assert (("4",),) in result  # <e@x> under <d@x> (1A), then pruned: a childless dummy
    ids = thread_ids(records)
    assert ids["1"] == ids["2"]


def test_duplicate_message_ids_share_the_thread() -> None:
    records = [msg("1", "<a@x>"), msg("2", "<a@x>", hour=5), msg("3", "<b@x>", "<a@x>")]
    ids = thread_ids(records)
    assert ids["1"] == ids["2"] == ids["3"]
    (thread,) = thread_trees(records)
    assert thread.msg_keys() == ["1", "3", "2"]
    assert [shape(r) for r in thread.roots] == [("1", ("3",)), ("2",)]


def test_messages_without_message_id_stand_alone_unless_they_reference() -> None:
    records = [msg("1", None), msg("2", None), msg("3", "", "<a@x>"), msg("4", "<a@x>")]
    ids = thread_ids(records)
    assert len({ids["1"], ids["2"], ids["3"]}) == 3
    assert ids["3"] == ids["4"] == thread_id_for("<a@x>")
    assert ids["1"] == thread_id_for("key:1")


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Hello", ("hello", False)),
        ("Re: Hello", ("hello", True)),
        ("RE: re:  Hello  ", ("hello", True)),
        ("Re[2]: Hello", ("hello", True)),
        ("Fwd: Re: Hello", ("hello", True)),
        ("FW: Hello (fwd)", ("hello", True)),
        ("Hello (fwd) (fwd)", ("hello", True)),
        ("[list] Re: Hello", ("hello", True)),
        ("Re: [list] Hello", ("hello", True)),
        ("[list] [tag] Hello", ("hello", False)),
        ("[only a blob]", ("[only a blob]", False)),
        ("[Fwd: Re: Hello]", ("hello", True)),
        ("Re: [Fwd: Hello]", ("hello", True)),
        ("Redo: the plan", ("redo: the plan", False)),
        ("Re:", ("", True)),
        ("", ("", False)),
        (None, ("", False)),
        ("Hello\t\r\n world", ("hello world", False)),
    ],
)
def test_base_subject_rfc5256_section_2_1(subject: str | None, expected: tuple[str, bool]) -> None:
    assert base_subject(subject) == expected


def test_subject_grouping_is_an_option() -> None:
    records = [
        msg("1", "<a@x>", subject="Lunch"),
        msg("2", "<b@x>", subject="Re: [team] lunch"),  # a client that dropped References
        msg("3", "<c@x>", "<a@x>", subject="Re: Lunch"),
        msg("4", "<d@x>", subject="Dinner"),
    ]
    ids = thread_ids(records)
    assert ids["1"] == ids["3"] != ids["2"]
    grouped = thread_ids(records, by_subject=True)
    assert grouped["1"] == grouped["2"] == grouped["3"] == ids["1"] != grouped["4"]
    # RFC 5256 step 5C (c): the reply joins the original's tree as its child.
    assert trees(records, by_subject=True) == [(("1", ("2",), ("3",)),), (("4",),)]


def test_subject_merge_of_two_originals_makes_a_dummy() -> None:
    records = [msg("1", "<a@x>", subject="Status"), msg("2", "<b@x>", subject="status")]
    assert trees(records, by_subject=True) == [((None, ("1",), ("2",)),)]


def test_the_id_is_the_first_messages_and_later_replies_never_change_it() -> None:
    root_missing = [msg("2", "<b@x>", "<a@x>"), msg("3", "<c@x>", "<a@x> <b@x>")]
    with_root = [msg("1", "<a@x>"), *root_missing]
    more = [*with_root, msg("4", "<d@x>", "<a@x> <b@x> <c@x>"), msg("5", "<e@x>", "<c@x>")]
    expected = thread_id_for("<a@x>")
    for records in (root_missing, with_root, more):
        assert set(thread_ids(records).values()) == {expected}


def test_incremental_assignment_and_merges() -> None:
    index = ThreadIndex()
    first = assign(index, [msg("1", "<a@x>"), msg("2", "<z@x>", subject="Other")])
    assert first.merges == {}
    index = apply(index, first)
    a, z = first.threads["1"], first.threads["2"]
    assert index.anchors[a] == Anchor(DAY + timedelta(hours=1), "<a@x>", "1")

    reply = assign(index, [msg("3", "<b@x>", "<a@x>")])
    assert reply.threads == {"3": a} and reply.merges == {}
    index = apply(index, reply)

    # A message answering both threads joins them; the earlier thread keeps its id.
    joining = assign(index, [msg("4", "<c@x>", "<z@x> <b@x>")])
    assert joining.threads == {"4": a}
    assert joining.merges == {z: a}
    index = apply(index, joining)
    assert set(index.nodes.values()) == {a}
    assert list(index.anchors) == [a]


def test_an_earlier_message_arriving_late_moves_the_anchor() -> None:
    # A reply that only says In-Reply-To claims its parent as the root ...
    index = apply(ThreadIndex(), late := assign(ThreadIndex(), [msg("3", "<c@x>", irt="<b@x>")]))
    assert late.threads == {"3": thread_id_for("<b@x>")}
    # ... until the parent (earlier, with full References) arrives: the id follows it.
    step = assign(index, [msg("2", "<b@x>", "<a@x>")])
    assert step.threads == {"2": thread_id_for("<a@x>")}
    assert step.merges == {thread_id_for("<b@x>"): thread_id_for("<a@x>")}


def test_assigning_known_messages_again_changes_nothing() -> None:
    records = [msg("1", "<a@x>"), msg("2", "<b@x>", "<a@x>")]
    index = apply(ThreadIndex(), assign(ThreadIndex(), records))
    again = assign(index, records)
    assert again.merges == {}
    assert apply(index, again) == index


def test_a_long_reply_chain_is_fast_and_needs_no_recursion() -> None:
    records = [msg("0", "<m0@x>", hour=0)]
    for n in range(1, 5000):
        refs = " ".join(f"<m{i}@x>" for i in range(max(0, n - 20), n))
        records.append(msg(str(n), f"<m{n}@x>", f"<m0@x> {refs}", hour=n))
    random.Random(5).shuffle(records)
    started = time.perf_counter()
    (thread,) = thread_trees(records)
    assert time.perf_counter() - started < 10
    assert thread.msg_keys() == [str(n) for n in range(5000)]


# Records drawn from a small id space, so that references collide, loop, go missing and
# join threads; dates collide and go missing.
_IDS = [f"<{c}@x>" for c in "abcdefgh"]
_record_parts = st.tuples(
    st.sampled_from([*_IDS, None, "junk"]),
    st.lists(st.sampled_from(_IDS), max_size=4),
    st.sampled_from([None, *_IDS]),
    st.sampled_from(["Plans", "Re: plans", "[x] Fwd: Plans", "Other", "", "Re: Other"]),
    st.one_of(st.none(), st.integers(0, 5)),
)


def _records(parts: list[tuple]) -> list[ThreadRecord]:
    return [
        ThreadRecord(
            str(n), mid, irt, refs, subject, None if hour is None else DAY + timedelta(hours=hour)
        )
        for n, (mid, refs, irt, subject, hour) in enumerate(parts)
    ]


@settings(max_examples=300, deadline=None)
@given(
    parts=st.lists(_record_parts, min_size=1, max_size=12),
    by_subject=st.booleans(),
    seed=st.integers(0, 2**32),
    chunks=st.integers(1, 6),
)
def test_any_arrival_order_gives_the_same_threads_as_all_at_once(
    parts: list[tuple], by_subject: bool, seed: int, chunks: int
) -> None:
    records = _records(parts)
    expected = assign(ThreadIndex(), records, by_subject=by_subject)
    shuffled = list(records)
    random.Random(seed).shuffle(shuffled)
    index = ThreadIndex()
    size = max(1, len(shuffled) // chunks)
    for start in range(0, len(shuffled), size):
        index = apply(index, assign(index, shuffled[start : start + size], by_subject=by_subject))
    final = {r.msg_key: index.nodes[own_node(r)] for r in records}
    assert final == expected.threads
    assert index.anchors == expected.anchors
    # The trees, too, depend only on the set of messages.
    assert thread_trees(shuffled, by_subject=by_subject) == thread_trees(
        records, by_subject=by_subject
    )
    assert all(isinstance(t, Thread) for t in thread_trees(records))
