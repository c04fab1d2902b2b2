"""SeqGaps and the lag histogram (pure): events committed out of seq order are relayed
once each, holes that never fill are given up after the grace."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from gateway.events.gaps import SeqGaps
from gateway.events.lag import BUCKETS, EventLag


def test_a_seq_committed_after_a_higher_one_is_still_relayed_once() -> None:
    gaps = SeqGaps(9, grace=30)
    assert gaps.saw(11, now=0.0)  # 10's transaction has not committed yet
    assert gaps.missing == [10]
    assert gaps.saw(10, now=1.0)  # it has now: relayed, late but not lost
    assert gaps.missing == []
    assert not gaps.saw(10, now=1.0) and not gaps.saw(11, now=1.0)  # never twice
    assert not gaps.saw(5, now=1.0)  # before the start: relayed by nobody here


def test_a_hole_that_never_fills_is_given_up_after_the_grace() -> None:
    gaps = SeqGaps(0, grace=30)
    assert gaps.saw(4, now=0.0)
    assert gaps.missing == [1, 2, 3]
    gaps.expire(now=10.0)
    assert gaps.missing == [1, 2, 3]
    assert gaps.saw(2, now=20.0)
    gaps.expire(now=31.0)  # 1 and 3 rolled back: their numbers never come
    assert gaps.missing == [] and gaps.high == 4
    assert not gaps.saw(3, now=32.0)


def test_a_huge_jump_is_not_tracked_hole_by_hole() -> None:
    gaps = SeqGaps(0, grace=30)
    assert gaps.saw(1_000_000, now=0.0)
    assert gaps.missing == [] and gaps.high == 1_000_000


def test_the_lag_histogram_is_cumulative_per_sink() -> None:
    lag = EventLag()
    now = datetime(2026, 1, 1, tzinfo=UTC)
    for seconds in (0.004, 0.2, 3.0, 1000.0):
        lag.delivered("sse", now - timedelta(seconds=seconds), now)
    sse = lag.sinks["sse"]
    buckets = dict(sse.cumulative())
    assert sse.count == 4 and abs(sse.total - 1003.204) < 1e-6
    assert buckets["0.01"] == 1 and buckets["0.25"] == 2 and buckets["5.0"] == 3
    assert buckets["+Inf"] == 4 and len(buckets) == len(BUCKETS) + 1
    assert lag.sinks["webhook"].count == 0
