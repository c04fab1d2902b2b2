"""Waits in tests, each bounded: poll until something happens, or stay quiet to show that
nothing more does.

A test never sleeps to hope that something has happened: it polls with ``until`` and fails
at a deadline. The one wait that cannot be a poll is for an absence (no duplicate event, no
retry): ``quiet_for`` lets a fixed, named time pass, long enough for anything extra to show.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")

QUIET = 1.5
"""Seconds to watch for anything extra. The watchers poll every second or faster in the
tests (retries start at 0.5 s), so a duplicate or a retry would show within this."""


async def quiet_for(seconds: float = QUIET) -> None:
    """A bounded wait to show absence: after what was expected has arrived, let ``seconds``
    (``QUIET`` unless the scenario needs several of its rounds) pass, so that anything extra
    would have arrived too; the caller then asserts that nothing did."""
    await asyncio.sleep(seconds)


def quiet_for_blocking(seconds: float = QUIET) -> None:
    """:func:`quiet_for` for synchronous tests (a browser driven through Selenium)."""
    time.sleep(seconds)


async def until(
    predicate: Callable[[], T | Awaitable[T]],
    *,
    within: float,
    every: float = 0.05,
    what: str = "the condition",
) -> T:
    """Poll ``predicate`` (plain or async) every ``every`` seconds until it returns something
    true, and return that; an AssertionError once ``within`` seconds have passed."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        value = predicate()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return value
        if loop.time() > deadline:
            raise AssertionError(f"{what} did not hold within {within:g} s")
        await asyncio.sleep(every)
