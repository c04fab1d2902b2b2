"""The send service: JSON and raw sends, now (sync) or through the durable outbox (queue)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from ..accounts.registry import AccountRegistry
from ..errors import OutboxItemNotFound, ProtocolNotConfigured
from ..events.types import MESSAGE_SENT
from ..imap.service import MailService
from ..model.accounts import Account
from ..model.records import OutboxJob
from ..settings import Settings
from ..store.db import Store
from ..store.outbox import OutboxRepo, new_job_id
from ..store.schema import utcnow
from ..store.send_counts import SendCountRepo
from .after_send import AfterSend, AfterSendReport
from .compose import Composed, compose_json, compose_raw
from .idempotency import IdempotencyGuard, Outcome, request_hash
from .outgoing import OutgoingMessage
from .quota import DailySendQuota
from .results import Queued, Sent, refusal_json

log = logging.getLogger(__name__)

_NOTHING_AFTER = AfterSendReport(saved_to_sent=None)  # no Sent copy, no original to flag


class SendService:
    """Everything ``/send`` and ``/outbox`` do; the outbox worker does the queued sending."""

    def __init__(
        self,
        *,
        settings: Settings,
        store: Store,
        accounts: AccountRegistry,
        repo: OutboxRepo,
        guard: IdempotencyGuard,
        after: AfterSend,
        mail: MailService,
        wake: Callable[[], None] = lambda: None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.accounts = accounts
        self.repo = repo
        self.guard = guard
        self.after = after
        self._mail = mail
        self._wake = wake  # tells the worker at once when a job is due now
        self.quota = DailySendQuota(SendCountRepo(store))

    # -- sending -------------------------------------------------------------------------------

    async def send(
        self, account: Account, request: OutgoingMessage, *, idempotency_key: str | None = None
    ) -> Outcome:
        """Send a JSON message, now or through the outbox."""

        async def compose() -> Composed:
            return await compose_json(
                account, request, mail=self._mail, max_bytes=self.settings.max_message_bytes
            )

        return await self._run(
            account,
            lambda: request_hash("json", request.canonical()),
            idempotency_key,
            compose,
            queued=request.queued,
            send_at=_utc(request.send_at),
        )

    async def send_raw(
        self,
        account: Account,
        raw: bytes,
        *,
        mail_from: str | None,
        rcpt_to: list[str] | None,
        save_to_sent: bool | None,
        mode: str,
        send_at: datetime | None,
        idempotency_key: str | None = None,
    ) -> Outcome:
        """Send a client's RFC 5322 message; the envelope from the query or its headers."""
        send_at = _utc(send_at)

        def fingerprint() -> str:
            return request_hash(
                "raw", [request_hash("bytes", raw), mail_from, rcpt_to, save_to_sent, mode, send_at]
            )

        async def compose() -> Composed:
            return await compose_raw(
                account,
                raw,
                mail_from=mail_from,
                rcpt_to=rcpt_to,
                save_to_sent=save_to_sent,
                mail=self._mail,
                max_bytes=self.settings.max_message_bytes,
            )

        return await self._run(
            account,
            fingerprint,
            idempotency_key,
            compose,
            queued=mode == "queue" or send_at is not None,
            send_at=send_at,
        )

    async def send_composed(
        self,
        account: Account,
        *,
        fingerprint: Callable[[], str],
        compose: Callable[[], Awaitable[Composed]],
        queued: bool,
        send_at: datetime | None,
        idempotency_key: str | None = None,
    ) -> Outcome:
        """Send what ``compose`` makes (a forward, a draft) on the path every send takes:
        idempotency first (a replay composes nothing), the daily quota, now or queued.
        ``fingerprint`` tells a retry from another request under the same key."""
        return await self._run(
            account, fingerprint, idempotency_key, compose, queued=queued, send_at=_utc(send_at)
        )

    async def _run(
        self,
        account: Account,
        fingerprint: Callable[[], str],
        key: str | None,
        compose: Callable[[], Awaitable[Composed]],
        *,
        queued: bool,
        send_at: datetime | None,
    ) -> Outcome:
        if account.smtp is None:
            raise ProtocolNotConfigured(f"account {account.id!r} has no smtp server")
        if key is not None:
            replay = await self.guard.begin(account.id, key, fingerprint())
            if replay is not None:
                return replay
        try:
            composed = await compose()
            if queued:
                return await self._enqueue(account, composed, send_at, key)
            await self.quota.take(account)
            outcome = await self._send_now(account, composed)
        except BaseException as exc:
            if key is not None:
                await self._release(account.id, key, exc)
            raise
        if key is not None:
            await self.guard.finish(account.id, key, outcome)
        return outcome

    async def _release(self, account_id: str, key: str, exc: BaseException) -> None:
        if not isinstance(exc, Exception):
            # Cancelled (shutdown): the message may be out. Keep the reservation; it is
            # taken over only once abandoned, so a quick retry gets 409, not a second send.
            return
        try:
            await self.guard.fail(account_id, key, exc)
        except Exception:  # never hide the send's own error behind a store error
            log.exception("could not record the idempotency outcome of %s", account_id)

    async def _send_now(self, account: Account, composed: Composed) -> Outcome:
        message = composed.message
        pool = await self.accounts.manager(account.id, "smtp")
        result = await pool.send(message.mail_from, message.rcpt_to, message.raw)
        report = _NOTHING_AFTER
        if composed.save_to_sent or composed.in_reply_to:
            report = await self.after.follow_up(
                account.id,
                message.raw,
                save_to_sent=composed.save_to_sent,
                in_reply_to=composed.in_reply_to,
            )
        self.after.publish_soon(
            MESSAGE_SENT,
            account.id,
            {
                "queue_id": None,
                "message_id": message.message_id,
                "accepted": result.accepted,
                "rejected": [refusal_json(r) for r in result.rejected],
            },
        )
        return Outcome(
            Sent(
                message_id=message.message_id,
                accepted=result.accepted,
                rejected=list(result.rejected),
                smtp_response=result.response,
                saved_to_sent=report.saved_to_sent,
                sent_error=report.sent_error,
            )
        )

    async def _enqueue(
        self, account: Account, composed: Composed, send_at: datetime | None, key: str | None
    ) -> Outcome:
        now = utcnow()
        message = composed.message
        job = OutboxJob(
            id=new_job_id(),
            account_id=account.id,
            status="queued",
            message_id=message.message_id,
            mail_from=message.mail_from,
            rcpt_to=message.rcpt_to,
            raw=message.raw,
            options=composed.options(),
            attempts=0,
            next_attempt_at=max(send_at or now, now),
            created_at=now,
            updated_at=now,
        )
        outcome = Outcome(Queued(queue_id=job.id, message_id=message.message_id, send_at=send_at))
        # The job and its idempotency key in one transaction: a crash keeps both or neither.
        async with self.repo.writing(), self.store.engine.begin() as conn:
            await self.quota.take(account, conn=conn)  # rolls back with a failed insert
            await self.repo.insert(conn, job)
            if key is not None:
                await self.guard.finish(account.id, key, outcome, conn=conn)
        if send_at is None or send_at <= now:
            self._wake()
        return outcome

    # -- the outbox ----------------------------------------------------------------------------

    async def get(self, job_id: str, visible: frozenset[str] | None) -> OutboxJob:
        job = await self.repo.get(job_id)
        if visible is not None and job.account_id not in visible:
            raise OutboxItemNotFound(f"no queued message {job_id!r}")
        return job

    async def list(
        self,
        *,
        account: str | None,
        status: str | None,
        limit: int,
        cursor: str | None,
        visible: frozenset[str] | None,
    ) -> tuple[list[OutboxJob], str | None]:
        accounts: list[str] | None = None
        if account is not None:
            accounts = [account] if visible is None or account in visible else []
        elif visible is not None:
            accounts = sorted(visible)
        return await self.repo.list(accounts=accounts, status=status, limit=limit, cursor=cursor)

    async def cancel(self, job_id: str, visible: frozenset[str] | None) -> OutboxJob:
        await self.get(job_id, visible)
        return await self.repo.cancel(job_id)

    async def queue_depth(self) -> dict[str, int]:
        """Jobs waiting (``queued``) and being sent (``sending``), for /metrics."""
        counts = await self.repo.counts(("queued", "sending"))
        return {status: counts.get(status, 0) for status in ("queued", "sending")}


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
