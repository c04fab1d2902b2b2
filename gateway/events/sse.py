"""Server-Sent Events (WHATWG HTML "Server-sent events"): replay, live events, heartbeats.

A stream first subscribes to the bus, then replays stored events after the
client's ``Last-Event-ID`` (by ``seq``), then forwards live events. Ids already
sent are skipped, so the overlap between replay and live is never doubled;
a subscriber that falls behind catches up from the store instead of losing events.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

import orjson

from ..errors import InvalidInput
from .bus import Event, EventBus

log = logging.getLogger(__name__)

_RECENT_IDS = 5000
_REPLAY_PAGE = 500


def format_event(event_id: str, type_: str, envelope: dict[str, Any]) -> bytes:
    """One SSE message; the JSON is a single line, so one ``data:`` field suffices."""
    return f"id: {event_id}\nevent: {type_}\ndata: ".encode() + orjson.dumps(envelope) + b"\n\n"


def format_comment(text: str) -> bytes:
    return b": " + text.replace("\n", " ").encode() + b"\n\n"


def format_error(code: str, detail: str) -> bytes:
    """The last message of a stream the gateway ends: ``event: error`` (no id, so a
    ``Last-Event-ID`` resume is not disturbed)."""
    return b"event: error\ndata: " + orjson.dumps({"code": code, "detail": detail}) + b"\n\n"


@dataclass(frozen=True)
class EventFilter:
    """Which events a stream gets: ``accounts`` None means all (unrestricted tokens only)."""

    accounts: frozenset[str] | None
    types: frozenset[str] | None
    include_global: bool

    def matches(self, type_: str, account: str | None) -> bool:
        if self.types is not None and type_ not in self.types:
            return False
        if account is None:
            return self.include_global
        return self.accounts is None or account in self.accounts


Authorized = Callable[[], Awaitable[bool]]


class EventStream:
    """One SSE client's stream. With ``authorized``, that is asked every ``recheck``
    seconds whether the caller may still listen (its token not revoked); once not, the
    stream ends with an ``event: error``."""

    def __init__(
        self,
        bus: EventBus,
        filter_: EventFilter,
        *,
        heartbeat: float,
        authorized: Authorized | None = None,
        recheck: float = math.inf,
    ) -> None:
        self._bus = bus
        self._filter = filter_
        self._heartbeat = heartbeat
        self._authorized = authorized
        self._recheck = recheck if authorized is not None else math.inf
        self._sent: OrderedDict[str, None] = OrderedDict()
        self._last_seq = 0

    async def start_seq(self, last_event_id: str | None) -> int | None:
        """Where a resumed stream starts; None: live only (no or unknown id)."""
        if not last_event_id:
            return None
        return await self._bus.repo.seq_of(last_event_id.strip())

    async def messages(self, after_seq: int | None) -> AsyncIterator[bytes]:
        sub = self._bus.subscribe()
        try:
            yield b"retry: 3000\n\n" + format_comment("connected")
            if after_seq is None:
                self._last_seq = await self._bus.repo.last_seq()
            else:
                self._last_seq = after_seq
                async for chunk in self._replay():
                    yield chunk
            loop = asyncio.get_running_loop()
            next_beat = loop.time() + self._heartbeat
            next_check = loop.time() + self._recheck
            while True:
                if sub.lagged:
                    sub.lagged = False
                    async for chunk in self._replay():
                        yield chunk
                now = loop.time()
                if now >= next_check:
                    refusal = await self._refusal()
                    if refusal is not None:
                        yield refusal
                        return
                    next_check = loop.time() + self._recheck
                if now >= next_beat:
                    yield format_comment("heartbeat")
                    next_beat = loop.time() + self._heartbeat
                try:
                    async with asyncio.timeout_at(min(next_beat, next_check)):
                        event = await sub.get()
                except TimeoutError:
                    continue
                chunk = self._emit(event.id, event.type, event.account, event.envelope(), event.seq)
                if chunk:
                    self._bus.lag.delivered("sse", event.created_at)
                    yield chunk
                    next_beat = loop.time() + self._heartbeat
        finally:
            self._bus.unsubscribe(sub)

    async def _refusal(self) -> bytes | None:
        """None while the caller may still listen, else the stream's last message."""
        assert self._authorized is not None
        try:
            if await self._authorized():
                return None
        except Exception:  # the store is unreachable: fail closed, the client reconnects
            log.warning("SSE stream ended: its token could not be checked", exc_info=True)
            return format_error("unavailable", "the token could not be checked; reconnect")
        return format_error("token_revoked", "the token of this stream was revoked")

    async def _replay(self) -> AsyncIterator[bytes]:
        f = self._filter
        while True:
            rows = await self._bus.repo.after(
                self._last_seq,
                accounts=f.accounts,
                types=f.types,
                include_global=f.include_global,
                limit=_REPLAY_PAGE,
            )
            for row in rows:
                envelope = Event(
                    id=row.id,
                    type=row.type,
                    account=row.account_id,
                    created_at=row.created_at,
                    data=row.data,
                    state=row.state,
                ).envelope()
                chunk = self._emit(row.id, row.type, row.account_id, envelope, row.seq)
                if chunk:
                    yield chunk
            if len(rows) < _REPLAY_PAGE:
                return

    def _emit(
        self, event_id: str, type_: str, account: str | None, envelope: dict[str, Any], seq: int
    ) -> bytes | None:
        self._last_seq = max(self._last_seq, seq)
        if event_id in self._sent or not self._filter.matches(type_, account):
            return None
        self._sent[event_id] = None
        while len(self._sent) > _RECENT_IDS:
            self._sent.popitem(last=False)
        return format_event(event_id, type_, envelope)


def parse_types(value: str | None, known: Iterable[str]) -> frozenset[str] | None:
    """``?types=message.new,message.flags`` (``message.*`` expands); None: every type."""
    if not value:
        return None
    known = tuple(known)
    out: set[str] = set()
    for part in (p.strip() for p in value.split(",")):
        if not part:
            continue
        if part == "*":
            return None
        if part.endswith(".*"):
            family = {t for t in known if t.startswith(part[:-1])}
            if not family:
                raise InvalidInput(f"no event types match {part[:64]!r}")
            out.update(family)
        elif part in known:
            out.add(part)
        else:
            raise InvalidInput(f"unknown event type {part[:64]!r}; known: {', '.join(known)}")
    return frozenset(out) or None
