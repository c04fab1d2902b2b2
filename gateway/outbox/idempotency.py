"""``Idempotency-Key``: the same key for the same account within the TTL replays the first
outcome (result or error) and sends nothing again, also when two requests race.

Which outcomes are kept: a success (sent or queued), and the errors after which sending
again could be wrong or pointless: a permanent refusal (5xx) and a timeout (the server
may have taken the message). Errors that happened before anything reached the server
(invalid input, server unreachable, bad credentials, a 4xx) release the key, so the
client's retry with the same key runs again.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from .. import errors as e
from ..store.idempotency import IdempotencyRepo
from .results import SendOutcome, result_from_stored

_KEY_MAX = 256


@dataclass
class Outcome:
    """What a send request produced (an error is kept too, and replayed as raised)."""

    result: SendOutcome
    replayed: bool = False

    @property
    def kind(self) -> str:
        """``sent`` or ``queued``."""
        return self.result.kind


def request_hash(kind: str, payload: Any) -> str:
    """A stable fingerprint of a request, to tell a retry from a different request."""
    if isinstance(payload, bytes | bytearray):
        digest = hashlib.sha256(payload).hexdigest()
        payload = {"sha256": digest}
    data = json.dumps([kind, payload], sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(data.encode()).hexdigest()


def check_key(key: str) -> str:
    if not key or len(key) > _KEY_MAX or not key.isprintable() or not key.isascii():
        raise e.InvalidInput(f"Idempotency-Key: 1 to {_KEY_MAX} printable ASCII characters")
    return key


def should_keep(exc: e.GatewayError) -> bool:
    """Keep errors after which a second attempt could send twice or cannot succeed."""
    if isinstance(exc, e.UpstreamTransient):
        return False
    return isinstance(exc, e.UpstreamRejected | e.UpstreamTimeout)


def error_body(exc: e.GatewayError) -> dict[str, Any]:
    """The stored form of a kept error (``extra``: its typed fields, as stored since v1)."""
    cls = type(exc)
    while cls.__name__ not in e.__dict__ and cls is not e.GatewayError:
        cls = cls.__mro__[1]  # e.g. RecipientsRefused -> UpstreamRejected
    extra: dict[str, Any] = {}
    if isinstance(exc, e.UpstreamError) and exc.smtp_code is not None:
        extra["smtp_code"] = exc.smtp_code
    if isinstance(exc, e.UpstreamRejected) and exc.rejected is not None:
        extra["rejected"] = [
            {"address": r.address, "code": r.code, "message": r.message} for r in exc.rejected
        ]
    return {"class": cls.__name__, "code": exc.code, "detail": exc.detail, "extra": extra}


def error_from(body: dict[str, Any]) -> e.GatewayError:
    """The error :func:`error_body` stored; unknown ``extra`` keys are ignored."""
    cls = getattr(e, str(body.get("class")), None)
    if not (isinstance(cls, type) and issubclass(cls, e.GatewayError)):
        cls = e.UpstreamRejected
    extra = body.get("extra") or {}
    smtp_code = extra.get("smtp_code")
    smtp_code = smtp_code if isinstance(smtp_code, int) else None
    if issubclass(cls, e.UpstreamRejected):
        rejected = extra.get("rejected")
        return cls(
            body.get("detail", ""),
            code=body.get("code"),
            smtp_code=smtp_code,
            rejected=None
            if not isinstance(rejected, list)
            else [
                e.RecipientRefusal(
                    str(r.get("address", "")), int(r.get("code", 0)), str(r.get("message", ""))
                )
                for r in rejected
                if isinstance(r, dict)
            ],
        )
    if issubclass(cls, e.UpstreamError):
        return cls(body.get("detail", ""), code=body.get("code"), smtp_code=smtp_code)
    return cls(body.get("detail", ""), code=body.get("code"))


class IdempotencyGuard:
    """Reserve a key before the work, store the outcome after it."""

    def __init__(
        self, repo: IdempotencyRepo, *, ttl: float, wait: float, abandon_after: float
    ) -> None:
        self.repo = repo
        self.ttl = ttl
        self.wait = wait  # how long a second request waits for the first one's outcome
        self.abandon_after = abandon_after

    async def begin(self, account_id: str, key: str, fingerprint: str) -> Outcome | None:
        """None: this request owns the key and must call finish or abort. Else a replay."""
        check_key(key)
        deadline = time.monotonic() + self.wait
        while True:
            stored = await self.repo.reserve(
                account_id, key, fingerprint, ttl=self.ttl, abandon_after=self.abandon_after
            )
            if stored is None:
                return None
            if stored.request_hash != fingerprint:
                raise e.Conflict(
                    "this Idempotency-Key was used for a different request",
                    code="idempotency_key_reused",
                )
            if stored.outcome is not None:
                if stored.outcome == "error":
                    raise error_from(stored.body or {})
                return Outcome(result_from_stored(stored.outcome, stored.body or {}), replayed=True)
            if time.monotonic() >= deadline:
                raise e.Conflict(
                    "a request with this Idempotency-Key is still running",
                    code="idempotency_key_in_use",
                )
            await asyncio.sleep(0.05)

    async def finish(
        self, account_id: str, key: str, outcome: Outcome, *, conn: AsyncConnection | None = None
    ) -> None:
        await self.repo.complete(account_id, key, outcome.kind, outcome.result.stored(), conn=conn)

    async def fail(self, account_id: str, key: str, exc: BaseException) -> None:
        """Keep the error for replay, or release the key so that a retry runs again."""
        if isinstance(exc, e.GatewayError) and should_keep(exc):
            await self.repo.complete(account_id, key, "error", error_body(exc))
        else:
            await self.repo.release(account_id, key)
