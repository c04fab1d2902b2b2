from __future__ import annotations

import pytest

from gateway.backoff import backoff_delay


def test_backoff_doubles_up_to_the_cap_and_keeps_half() -> None:
    lows = [backoff_delay(n, base=1, cap=60, rand=lambda: 0.0) for n in range(1, 10)]
    highs = [backoff_delay(n, base=1, cap=60, rand=lambda: 1.0) for n in range(1, 10)]
    assert highs == [1, 2, 4, 8, 16, 32, 60, 60, 60]
    assert lows == [h / 2 for h in highs]


def test_backoff_huge_attempt_does_not_overflow() -> None:
    assert backoff_delay(10_000, base=30, cap=3600, rand=lambda: 0.5) == 2700


def test_backoff_rejects_attempt_zero() -> None:
    with pytest.raises(ValueError):
        backoff_delay(0, base=1, cap=2)
