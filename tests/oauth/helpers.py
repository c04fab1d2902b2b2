"""Helpers shared by the tests/oauth modules."""

from __future__ import annotations

import asyncio


async def delivered(stack, user: str, *, at_least: int = 1, within: float = 30) -> int:
    """The user's message count once ``at_least`` messages are there (polled, bounded by
    ``within``; fewer when the time ran out)."""
    for _ in range(int(within / 0.05)):
        if (count := stack.maildir_count(user)) >= at_least:
            return count
        await asyncio.sleep(0.05)
    return stack.maildir_count(user)
