"""The thread id of each message, from the store's index of the account's threads.

``ThreadIndexer.thread_ids`` is on the listing's path: one query finds the messages that
were threaded before, which after the first listing is all of them. A message is known by
its signature, a node of its own (``sig:<hash of its nodes>``) that takes its thread id
and follows merges like any other: two messages with one ``Message-ID`` but different
references (a broken client, a reused id) are each threaded. The others are threaded by
``references.assign`` against the part of the index they touch, read and written in one
transaction that writers of the account take one after another (``ThreadRepo.writer``; in
this process also an asyncio lock per account, so they do not queue in the database).
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Mapping, Sequence

from ..store.threads import StoredAnchor, ThreadRepo
from .references import (
    Anchor,
    ThreadIndex,
    ThreadRecord,
    assign,
    nodes_of,
    own_node,
)

SIGNATURE_PREFIX = "sig:"
REMEMBER_SECONDS = 30.0
"""How long a message's thread id is remembered in memory (``imap/threads.py``): a merge
in this process forgets the account's at once, one by another instance is seen this late."""
MAX_THREAD_NODES = 2000
"""The nodes of one thread the thread endpoint looks for (own nodes first)."""


class ThreadIndexer:
    """Gateway-built thread ids for an account's messages (``by_subject``: RFC 5256 step 5,
    messages that reference nothing join others of the same base subject)."""

    def __init__(
        self,
        repo: ThreadRepo,
        *,
        by_subject: bool = True,
        remember_seconds: float = REMEMBER_SECONDS,
    ) -> None:
        self._repo = repo
        self.by_subject = by_subject
        self.remember_seconds = remember_seconds
        self._locks: dict[str, asyncio.Lock] = {}
        self._generations: dict[str, int] = {}

    def generation(self, account_id: str) -> int:
        """Changes when this process merges threads of the account (or forgets it): thread
        ids remembered under an older generation are looked up again."""
        return self._generations.get(account_id, 0)

    async def thread_ids(
        self,
        account_id: str,
        records: Sequence[ThreadRecord],
        signatures: Mapping[str, str] | None = None,
    ) -> dict[str, str]:
        """msg_key -> thread id for every record (threading those never seen);
        ``signatures``: the records' ``signature`` by msg_key, when the caller kept them."""
        if not records:
            return {}
        sigs = (
            {r.msg_key: signatures[r.msg_key] for r in records}
            if signatures is not None
            else {r.msg_key: self.signature(r) for r in records}
        )
        known = await self._repo.thread_of(account_id, set(sigs.values()))
        out = {key: known[sig] for key, sig in sigs.items() if sig in known}
        new = [r for r in records if r.msg_key not in out]
        if new:
            out.update(await self._assign(account_id, new))
        return out

    async def _assign(self, account_id: str, records: list[ThreadRecord]) -> dict[str, str]:
        lock = self._locks.setdefault(account_id, asyncio.Lock())
        async with lock, self._repo.writer(account_id) as writer:
            nodes = {node for r in records for node in nodes_of(r, self.by_subject)}
            stored = await writer.nodes(nodes)
            index = ThreadIndex({node: s.thread_id for node, s in stored.items()})
            index.anchors = {
                tid: Anchor(a.date, a.node, a.msg_key)
                for tid, a in (await writer.anchors(set(index.nodes.values()))).items()
            }
            result = assign(index, records, by_subject=self.by_subject)
            if result.merges:
                self._generations[account_id] = self.generation(account_id) + 1
            signed = {self.signature(r): result.threads[r.msg_key] for r in records}
            await writer.save(
                result.nodes | signed,
                {*signed, *(own_node(r) for r in records)},
                {
                    tid: StoredAnchor(a.date, a.message_id, a.msg_key)
                    for tid, a in result.anchors.items()
                },
                result.merges,
            )
        return result.threads

    def signature(self, record: ThreadRecord) -> str:
        """The node that says this message (these nodes) was threaded."""
        text = "\n".join(nodes_of(record, self.by_subject))
        digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16)
        return SIGNATURE_PREFIX + digest.hexdigest()

    async def thread_nodes(self, account_id: str, thread_id: str) -> list[str] | None:
        """What the store knows of a thread: its nodes (None: not a thread of this account)."""
        return await self._repo.thread_nodes(account_id, thread_id, limit=MAX_THREAD_NODES)

    async def forget(self, account_id: str) -> None:
        await self._repo.forget(account_id)
        self._locks.pop(account_id, None)
        self._generations[account_id] = self.generation(account_id) + 1
