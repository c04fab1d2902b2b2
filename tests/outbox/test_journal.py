"""The end-of-DATA journal (pure file logic, no mail server)."""

from __future__ import annotations

from pathlib import Path

from gateway.outbox import journal as journal_mod
from gateway.outbox.journal import EndOfDataJournal


def test_records_survive_a_restart_per_attempt(tmp_path: Path) -> None:
    path = tmp_path / "j"
    first = EndOfDataJournal(path)
    first.open()
    first.record("q_a", 1)
    first.record("q_b", 3)
    assert first.maybe_sent("q_a", 1) and first.maybe_sent("q_a", 2)  # live: any attempt
    first.close()  # as if the process died here: nothing is flushed or cleaned up

    second = EndOfDataJournal(path)
    second.open()
    assert second.maybe_sent("q_a", 1) and second.maybe_sent("q_b", 3)
    assert not second.maybe_sent("q_b", 2) and not second.maybe_sent("q_c", 1)
    assert second.maybe_sent("q_b", 4)  # a later claim of the job still sees attempt 3
    second.forget("q_a")
    assert not second.maybe_sent("q_a", 1) and second.maybe_sent("q_b", 3)
    second.close()


def test_compaction_keeps_only_unresolved_jobs(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(journal_mod, "_COMPACT_AT", 200)
    path = tmp_path / "j"
    j = EndOfDataJournal(path)
    j.open()
    j.record("q_keep", 2)
    for i in range(20):
        j.record(f"q_{i}", 1)
        j.forget(f"q_{i}")
    j.close()
    lines = path.read_text().splitlines()
    assert len(lines) < 41 and "q_keep 2" in lines  # compacted on the way
    again = EndOfDataJournal(path)
    again.open()
    assert again.maybe_sent("q_keep", 2)
    assert not any(again.maybe_sent(f"q_{i}", 1) for i in range(20))
    again.close()


def test_garbage_lines_are_ignored(tmp_path: Path) -> None:
    path = tmp_path / "j"
    path.write_text("q_ok 4\nbroken\nq_x notanumber\n\n")
    j = EndOfDataJournal(path)
    j.open()
    assert j.maybe_sent("q_ok", 4) and not j.maybe_sent("q_x", 0)
    j.close()


def test_resolved_attempts_are_not_loaded_again(tmp_path: Path) -> None:
    path = tmp_path / "j"
    j = EndOfDataJournal(path)
    j.open()
    j.record("q_retry", 1)  # its "." went out, then the connection dropped: retried later
    j.forget("q_retry")
    j.close()
    again = EndOfDataJournal(path)
    again.open()
    assert not again.maybe_sent("q_retry", 1)
    again.close()
