"""Which accounts an instance watches: a fair share of them, by lease (pure, no I/O).

Every instance heartbeats (``instance:<identity>`` leases) and so knows how many are
alive; each holds at most ``ceil(accounts / live instances)`` watch leases. One over
its share gives up the extras (accounts whose watcher fails first, then those it likes
least); one under it takes free leases (never held, released, or run out) in the order
it likes best. "Likes" is rendezvous hashing of (instance, account): instances that take
at the same time go for different accounts, and an account tends to return to the same
instance.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Collection, Iterable, Mapping
from datetime import datetime


def fair_share(accounts: int, instances: int) -> int:
    """The most watch leases one of ``instances`` live instances takes."""
    return math.ceil(accounts / max(1, instances))


def preference(identity: str, account: str) -> bytes:
    """How much ``identity`` likes to watch ``account``: lower is more."""
    return hashlib.blake2b(f"{identity}\0{account}".encode(), digest_size=8).digest()


def to_release(
    mine: Collection[str], share: int, identity: str, failing: Callable[[str], bool]
) -> list[str]:
    """The accounts to give up to come down to ``share``."""
    extra = len(mine) - share
    if extra <= 0:
        return []
    # Failing ones first, then the least liked (the highest preference value).
    ranked = sorted(mine, key=lambda a: (not failing(a), _inverse(preference(identity, a))))
    return ranked[:extra]


def _inverse(key: bytes) -> bytes:
    return bytes(255 - b for b in key)


def to_take(
    accounts: Iterable[str],
    mine: Collection[str],
    share: int,
    identity: str,
    *,
    holders: Mapping[str, tuple[str, datetime]],
    now: datetime,
    busy: Collection[str] = (),
    ours: Callable[[str], bool] = lambda _o: False,
) -> list[str]:
    """The free accounts to try to take to come up to ``share``, best liked first.

    ``holders``: account -> (owner, until) of its watch lease; free means none, run out,
    or held by an owner that ``ours`` recognises (an earlier run of this instance).
    ``busy``: accounts this instance is still stopping.
    """
    want = share - len(mine)
    if want <= 0:
        return []
    free = []
    for account in accounts:
        if account in mine or account in busy:
            continue
        held = holders.get(account)
        if held is None or held[1] <= now or ours(held[0]):
            free.append(account)
    free.sort(key=lambda a: preference(identity, a))
    return free[:want]
