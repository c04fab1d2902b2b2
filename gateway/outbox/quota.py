"""The optional daily send limit of an account: messages per UTC day, counted in the store.

A message counts when it is accepted for sending: a sync send just before it goes to the
SMTP server (whatever the server then answers), a queued one when it enters the outbox
(in the same transaction). Idempotent replays and outbox retries do not count again. The
count lives in the store, so it holds across restarts and across instances sharing one
database; the window is the UTC day and frees at 00:00 UTC.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from ..errors import SendQuotaExceeded
from ..model.accounts import Account
from ..store.send_counts import SendCountRepo


def seconds_until_reset(now: datetime) -> int:
    """Whole seconds from ``now`` to the next 00:00 UTC (at least 1)."""
    now = now.astimezone(UTC)
    midnight = datetime.combine(now.date() + timedelta(days=1), time.min, tzinfo=UTC)
    return max(1, math.ceil((midnight - now).total_seconds()))


class DailySendQuota:
    """Takes one unit of an account's daily allowance per message, or refuses it."""

    def __init__(self, repo: SendCountRepo) -> None:
        self.repo = repo

    async def take(self, account: Account, *, conn: AsyncConnection | None = None) -> None:
        """Count one message of ``account``; raise SendQuotaExceeded when the day is full."""
        limit = account.daily_send_limit
        if limit is None:
            return
        now = datetime.now(UTC)
        if not await self.repo.take(account.id, now.date(), limit, conn=conn):
            raise SendQuotaExceeded(
                f"account {account.id!r} has sent its {limit} messages for today; the limit "
                "frees at 00:00 UTC",
                retry_after=seconds_until_reset(now),
                limit=limit,
            )
