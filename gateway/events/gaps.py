"""Which events of a sequence another instance may still commit (pure, no I/O).

PostgreSQL hands out ``seq`` numbers when rows are inserted, but transactions commit
in their own order: a reader that saw seq 11 may see seq 10 only later, when its
transaction commits (and never, when it rolled back: sequences leave holes). A reader
that went on "after the highest seq seen" would lose 10 for good. ``SeqGaps`` keeps the
numbers skipped over as missing, for ``grace`` seconds, so the reader looks for them
again until they turn up or the grace runs out; each seq is let through once.
"""

from __future__ import annotations

MAX_TRACKED = 10_000  # holes remembered at most (a larger jump is a sequence reset)


class SeqGaps:
    """The highest seq seen, and the lower ones not seen yet (with when they were missed)."""

    def __init__(self, high: int, *, grace: float) -> None:
        self.high = high
        self.grace = grace
        self._missing: dict[int, float] = {}  # seq -> when it was first missed

    @property
    def missing(self) -> list[int]:
        return sorted(self._missing)

    def saw(self, seq: int, now: float) -> bool:
        """Record ``seq``; True the first time (it is to be fanned out), else False."""
        if seq > self.high:
            if seq - self.high - 1 <= MAX_TRACKED:
                for hole in range(self.high + 1, seq):
                    self._missing[hole] = now
            self.high = seq
            self._trim()
            return True
        return self._missing.pop(seq, None) is not None

    def expire(self, now: float) -> None:
        """Forget holes missed more than ``grace`` seconds ago (rolled back, never coming)."""
        for seq in [s for s, since in self._missing.items() if now - since > self.grace]:
            del self._missing[seq]

    def _trim(self) -> None:
        if len(self._missing) > MAX_TRACKED:
            for seq in sorted(self._missing)[: len(self._missing) - MAX_TRACKED]:
                del self._missing[seq]
