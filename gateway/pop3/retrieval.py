"""One bulk retrieval: stream messages out, and only then mark them seen and DELE them.

"Nothing lost" rules (API.md, POP3):
- an item counts as delivered once the consumer asked for the next one (it was written
  out) AND ``unconfirmed_bytes`` more were written after it: socket buffers between
  us and a client that dies can hold that much, and an item still in a buffer is not
  delivered;
- only delivered items are marked seen (``pop3_seen``) and DELE'd; the QUIT that
  commits the DELEs (RFC 1939 section 6) is sent at the end, or after an interruption
  only when some delivered item was DELE'd; otherwise the connection is dropped
  without QUIT and the server deletes nothing;
- an interrupted retrieval therefore deletes and marks nothing that was not delivered,
  and the next ``only_new`` retrieval resumes from the first undelivered message.

No silent short drain: ``outcome()`` says whether every planned message went out and was
committed (``complete``), and if not, why and how many matching messages are left; a
session that answers fewer retrievals than were planned is an error, not an early end.
"""

from __future__ import annotations

import contextlib
import logging
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass

from ..errors import GatewayError, UpstreamError, UpstreamUnavailable
from ..model.messages import ParsedMessage
from ..protocols.mime.parse import parse_message, parse_message_with_content
from ..protocols.pop3 import Pop3Client
from ..store.pop3 import Pop3SeenRepo

log = logging.getLogger(__name__)

_SEEN_FLUSH = 200


@dataclass(slots=True)
class RetrievedItem:
    number: int
    uidl: str
    size: int  # octets on the server (LIST)
    raw: bytes  # the message, or only its header block with headers_only
    seen: bool  # already delivered before this retrieval

    def parsed(self, *, headers_only: bool = False) -> tuple[ParsedMessage, dict[str, bytes]]:
        """The message parsed, with attachment contents by id (none with headers_only)."""
        if headers_only:
            return parse_message(self.raw, headers_only=True), {}
        return parse_message_with_content(self.raw)


@dataclass(slots=True, frozen=True)
class RetrievalOutcome:
    """How a retrieval ended: the last line (NDJSON) or members (JSON) of the response."""

    complete: bool  # every planned message went out and the commit (DELE + QUIT) succeeded
    reason: str | None  # None, "limit" (complete, more left), or the error code of an early end
    delivered: int  # messages confirmed as delivered (marked seen unless headers_only)
    deleted: int  # deletions the server committed (its +OK to QUIT)
    remaining: int  # matching messages this call did not deliver: a later call returns them


@dataclass(slots=True)
class _Planned:
    number: int
    uidl: str
    size: int
    seen: bool


class Retrieval:
    """Created by ``Pop3Service.start_retrieval`` with the session open and the plan made.

    Iterate ``items()`` once; when every item was written out, ``await commit()``; then
    always ``await aclose()`` (it ends the session and releases the account's lock, also
    when ``items()`` was never started or the consumer went away).
    """

    def __init__(
        self,
        *,
        client: Pop3Client,
        exit_stack: contextlib.AsyncExitStack,
        seen_repo: Pop3SeenRepo,
        account_id: str,
        plan: list[_Planned],
        remaining: int,
        delete: bool,
        headers_only: bool,
        unconfirmed_bytes: int,
    ) -> None:
        self._client = client
        self._exit = exit_stack
        self._seen_repo = seen_repo
        self._account_id = account_id
        self.plan = plan
        self.remaining = remaining
        self.delete = delete
        self.headers_only = headers_only
        self._lag = unconfirmed_bytes
        self._handed: deque[tuple[_Planned, int]] = deque()
        self._handed_bytes = 0
        self._seen_batch: list[str] = []
        self._deleted = 0  # DELEs sent; committed only by a QUIT
        self.deleted = 0  # DELEs the server committed
        self.delivered = 0
        self.completed = False  # every planned item was produced
        self.committed = False
        self._closed = False
        self._gen: AsyncIterator[RetrievedItem] | None = None

    def hold_back(self, extra_bytes: int) -> None:
        """A consumer that buffers up to ``extra_bytes`` before writing: delay confirmation."""
        self._lag += extra_bytes

    @property
    def count(self) -> int:
        return len(self.plan)

    def items(self) -> AsyncIterator[RetrievedItem]:
        if self._gen is None:
            self._gen = self._items()
        return self._gen

    async def _items(self) -> AsyncIterator[RetrievedItem]:
        by_number = {p.number: p for p in self.plan}
        top = 0 if self.headers_only else None
        produced = 0
        async for number, raw in self._client.retrieve_many(list(by_number), top_lines=top):
            produced += 1
            planned = by_number[number]
            yield RetrievedItem(planned.number, planned.uidl, planned.size, raw, planned.seen)
            # Resumed: the consumer wrote the item out and wants the next one.
            self._handed.append((planned, len(raw)))
            self._handed_bytes += len(raw)
            await self._confirm(final=False)
        if produced != len(self.plan):  # never end a drain short without saying so
            raise UpstreamError(
                f"the POP3 session answered {produced} of {len(self.plan)} retrievals",
                code="pop3_incomplete",
                protocol="pop3",
            )
        self.completed = True

    async def _confirm(self, *, final: bool, flush: bool = True) -> None:
        """Treat handed-out items as delivered once enough bytes followed them."""
        while self._handed:
            planned, size = self._handed[0]
            if not final and self._handed_bytes - size < self._lag:
                break
            self._handed.popleft()
            self._handed_bytes -= size
            self.delivered += 1
            if self.headers_only:
                continue  # headers alone are not a delivered message
            if not planned.seen:
                self._seen_batch.append(planned.uidl)
            if self.delete:
                await self._client.dele(planned.number)
                self._deleted += 1
        if flush and (len(self._seen_batch) >= _SEEN_FLUSH or (final and self._seen_batch)):
            await self._flush_seen()

    async def _flush_seen(self) -> None:
        batch, self._seen_batch = self._seen_batch, []
        if batch:
            await self._seen_repo.mark_seen(self._account_id, batch)

    async def _close_items(self) -> None:
        if self._gen is not None:
            with contextlib.suppress(Exception):
                await self._gen.aclose()  # type: ignore[attr-defined]

    async def commit(self) -> None:
        """Every item was written out: count all as delivered, DELE them, QUIT.

        QUIT comes before the last "seen" marks, so a failing store can never leave a
        message marked seen but not deleted; a GatewayError here means the deletions
        may not have happened.
        """
        if not self.completed:
            raise RuntimeError("commit() before every item was produced")
        await self._close_items()
        await self._confirm(final=True, flush=False)
        if self._client.closed:
            if self._deleted:
                raise UpstreamUnavailable(
                    "the POP3 session ended before its deletions were committed", protocol="pop3"
                )
        else:
            await self._quit()
        await self._flush_seen()
        self.committed = True

    async def _quit(self) -> None:
        await self._client.quit()
        self.deleted = self._deleted

    def outcome(self, error: GatewayError | None = None) -> RetrievalOutcome:
        """The summary for the client; ``error`` is what ended the retrieval early, if any.

        After an early end, items that went out but were not yet confirmed as delivered
        (the ``unconfirmed_bytes`` margin) count as remaining: a later call returns them.
        """
        complete = error is None and self.committed
        remaining = self.remaining + len(self.plan) - self.delivered
        if complete:
            reason = "limit" if remaining else None
        else:
            reason = error.code if error is not None else "interrupted"
        return RetrievalOutcome(complete, reason, self.delivered, self.deleted, remaining)

    async def aclose(self) -> None:
        """End the session (without committing undelivered items) and release the lock.

        After an interruption the QUIT is sent only when some delivered item was DELE'd
        (it commits exactly those); otherwise the connection is dropped without QUIT and
        the server deletes nothing (RFC 1939 section 6). Never raises a GatewayError.
        """
        if self._closed:
            return
        self._closed = True
        client = self._client
        try:
            await self._close_items()
            if not client.closed:
                if self._deleted:
                    await self._quit()
                else:
                    client.abort()
            await self._flush_seen()
        except GatewayError as exc:
            log.warning("pop3 retrieval for %s ended with an error: %s", self._account_id, exc)
            client.abort()
        except BaseException:
            client.abort()
            raise
        finally:
            await self._exit.aclose()
