"""Exponential backoff with jitter (after AWS's "Exponential Backoff And Jitter")."""

from __future__ import annotations

import random
from collections.abc import Callable


def backoff_delay(
    attempt: int, *, base: float, cap: float, rand: Callable[[], float] = random.random
) -> float:
    """Delay before retry number ``attempt`` (1-based): uniform in [ceiling/2, ceiling].

    The ceiling doubles each attempt from ``base`` up to ``cap``. Half of it is
    kept fixed so that a retry never comes back immediately.
    """
    if attempt < 1:
        raise ValueError("attempt starts at 1")
    ceiling = min(cap, base * (2 ** min(attempt - 1, 62)))
    return ceiling / 2 + rand() * ceiling / 2
