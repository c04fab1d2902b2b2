"""The store's index of threads (``ThreadIndexer`` over ``ThreadRepo``) on SQLite and
PostgreSQL: whatever order and batches messages are threaded in, and with writers racing,
every message ends with the thread id the pure module gives the whole set."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from gateway.store.db import Store
from gateway.store.threads import ThreadRepo
from gateway.threads.index import ThreadIndexer
from gateway.threads.references import ThreadRecord, thread_id_for, thread_ids

DAY = datetime(2024, 3, 4, 8, 0, tzinfo=UTC)


def rec(
    key: str,
    mid: str | None,
    refs: list[str] | None = None,
    *,
    hour: int,
    subject: str = "Plans",
    irt: str | None = None,
) -> ThreadRecord:
    return ThreadRecord(key, mid, irt, refs, subject, DAY + timedelta(hours=hour))


def corpus(seed: int) -> list[ThreadRecord]:
    """Conversations with branches, missing messages (referenced, never present), replies
    that only carry In-Reply-To, subject-only replies, duplicates across mailboxes."""
    rnd = random.Random(seed)
    out: list[ThreadRecord] = []
    for conv in range(8):
        ids: list[tuple[str, list[str]]] = []  # (Message-ID, its References)
        for n in range(rnd.randint(1, 7)):
            mid = f"<c{conv}m{n}@example.test>"
            if not ids:
                refs: list[str] = []
            else:
                parent_mid, parent_refs = rnd.choice(ids)
                refs = [*parent_refs, parent_mid]
            ids.append((mid, refs))
            if rnd.random() < 0.15:
                continue  # a message of the conversation that is not here
            hour = conv * 10 + n
            if refs and rnd.random() < 0.2:  # a client that sets only In-Reply-To
                out.append(
                    rec(
                        f"k{conv}.{n}",
                        mid,
                        [],
                        hour=hour,
                        irt=refs[-1],
                        subject=f"Re: topic {conv}",
                    )
                )
            else:
                out.append(
                    rec(
                        f"k{conv}.{n}",
                        mid,
                        refs,
                        hour=hour,
                        subject=f"Re: topic {conv}" if refs else f"topic {conv}",
                    )
                )
            if rnd.random() < 0.1:  # the same mail in a second mailbox
                out.append(rec(f"k{conv}.{n}.copy", mid, refs, hour=hour))
    out.append(rec("lonely", "<lonely@example.test>", hour=1, subject="Lunch"))
    out.append(rec("re-lonely", "<re-lonely@example.test>", hour=2, subject="RE: lunch"))
    out.append(rec("no-id", None, hour=3, subject="no id at all"))
    return out


async def _thread_all(
    indexer: ThreadIndexer, account: str, records: list[ThreadRecord], rnd: random.Random
) -> None:
    pending = records[:]
    rnd.shuffle(pending)
    while pending:
        size = rnd.randint(1, 6)
        batch, pending = pending[:size], pending[size:]
        await indexer.thread_ids(account, batch)


async def test_any_order_and_batching_gives_the_pure_thread_ids(any_store: Store) -> None:
    repo = ThreadRepo(any_store)
    for seed in range(6):
        records = corpus(seed)
        expected = thread_ids(records, by_subject=True)
        indexer = ThreadIndexer(repo, by_subject=True)
        account = f"acct{seed}"
        await _thread_all(indexer, account, records, random.Random(seed))
        got = await indexer.thread_ids(account, records)
        assert got == expected, seed
        # Every thread is in the store with its nodes; the groups are the pure module's.
        for thread_id in set(expected.values()):
            nodes = await indexer.thread_nodes(account, thread_id)
            assert nodes, thread_id
            members = {r.msg_key for r in records if expected[r.msg_key] == thread_id}
            assert {
                r.message_id or f"key:{r.msg_key}" for r in records if r.msg_key in members
            } <= set(nodes)


async def test_a_linking_message_merges_two_threads_into_the_older_one(any_store: Store) -> None:
    indexer = ThreadIndexer(ThreadRepo(any_store), by_subject=False)
    first = [rec("a", "<a@x>", hour=1), rec("b", "<b@x>", ["<a@x>"], hour=3)]
    second = [rec("p", "<p@x>", hour=2), rec("q", "<q@x>", ["<p@x>"], hour=4)]
    ids = await indexer.thread_ids("m", first + second)
    assert ids["a"] == ids["b"] == thread_id_for("<a@x>")
    assert ids["p"] == ids["q"] == thread_id_for("<p@x>")
    # A reply that references both conversations (its References name <a@x> first).
    link = rec("z", "<z@x>", ["<a@x>", "<p@x>", "<q@x>"], hour=5)
    assert (await indexer.thread_ids("m", [link]))["z"] == thread_id_for("<a@x>")
    again = await indexer.thread_ids("m", first + second)
    assert set(again.values()) == {thread_id_for("<a@x>")}
    assert await indexer.thread_nodes("m", thread_id_for("<p@x>")) is None
    nodes = await indexer.thread_nodes("m", thread_id_for("<a@x>"))
    assert {"<a@x>", "<b@x>", "<p@x>", "<q@x>", "<z@x>"} <= set(nodes or ())
    # An earlier message joining later takes nothing away: the thread keeps the id its
    # first message's Message-ID gives (replies reference it first).
    early = rec("early", "<early@x>", hour=0)
    reply = rec("r", "<r@x>", ["<early@x>", "<a@x>"], hour=6)
    ids = await indexer.thread_ids("m", [reply, early])
    assert ids["r"] == ids["early"] == thread_id_for("<early@x>")
    assert set((await indexer.thread_ids("m", first + second)).values()) == {
        thread_id_for("<early@x>")
    }


async def test_racing_writers_agree_with_the_pure_module(any_store: Store) -> None:
    records = corpus(42)
    expected = thread_ids(records, by_subject=True)
    repo = ThreadRepo(any_store)
    # Separate indexers (as separate gateway instances): only the database orders them.
    writers = [ThreadIndexer(repo, by_subject=True) for _ in range(4)]
    await asyncio.gather(
        *(_thread_all(w, "race", records, random.Random(n)) for n, w in enumerate(writers))
    )
    assert await writers[0].thread_ids("race", records) == expected


async def test_known_messages_cost_one_query(any_store: Store) -> None:
    indexer = ThreadIndexer(ThreadRepo(any_store))
    records = corpus(7)
    await indexer.thread_ids("q", records)
    statements: list[str] = []

    def count(conn, cursor, statement, *args) -> None:  # noqa: ANN001
        statements.append(statement)

    sa.event.listen(any_store.engine.sync_engine, "before_cursor_execute", count)
    try:
        await indexer.thread_ids("q", records[:50])
    finally:
        sa.event.remove(any_store.engine.sync_engine, "before_cursor_execute", count)
    assert len(statements) == 1 and statements[0].lstrip().upper().startswith("SELECT")


async def test_accounts_are_apart_and_forgotten(any_store: Store) -> None:
    indexer = ThreadIndexer(ThreadRepo(any_store))
    one = [rec("a", "<a@x>", hour=1)]
    other = [rec("b", "<b@x>", ["<a@x>"], hour=0)]  # in another account: no link
    assert (await indexer.thread_ids("one", one))["a"] == thread_id_for("<a@x>")
    assert (await indexer.thread_ids("two", other))["b"] == thread_id_for("<a@x>")
    await indexer.forget("one")
    assert await indexer.thread_nodes("one", thread_id_for("<a@x>")) is None
    assert await indexer.thread_nodes("two", thread_id_for("<a@x>"))
