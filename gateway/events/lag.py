"""Event lag: from an event's creation to its delivery, per sink (plain counts, no I/O).

The SSE streams (live events, not replays) and the webhook dispatcher (each delivery
that succeeds) record ``now - created_at``; ``/metrics`` exports it as the histogram
``mailgate_event_lag_seconds{sink}``. Kept here, below the API layer, as cumulative
bucket counts in the Prometheus manner.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import datetime

from ..store.schema import utcnow

BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)
SINKS = ("sse", "webhook")


@dataclass
class LagHistogram:
    counts: list[int] = field(default_factory=lambda: [0] * (len(BUCKETS) + 1))
    total: float = 0.0
    count: int = 0

    def observe(self, seconds: float) -> None:
        seconds = max(0.0, seconds)
        self.counts[bisect.bisect_left(BUCKETS, seconds)] += 1
        self.total += seconds
        self.count += 1

    def cumulative(self) -> list[tuple[str, int]]:
        """``(upper bound, observations at or below it)``, ``+Inf`` last."""
        out, running = [], 0
        for bound, count in zip((*map(str, BUCKETS), "+Inf"), self.counts, strict=True):
            running += count
            out.append((bound, running))
        return out


class EventLag:
    """One histogram per sink."""

    def __init__(self) -> None:
        self.sinks = {sink: LagHistogram() for sink in SINKS}

    def delivered(self, sink: str, created_at: datetime, now: datetime | None = None) -> None:
        self.sinks[sink].observe(((now or utcnow()) - created_at).total_seconds())
