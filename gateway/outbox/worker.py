"""The outbox worker: claims due jobs with a lease and sends each one once.

Several slots run concurrently in one process (``outbox_workers``); several processes
share the table (SKIP LOCKED on PostgreSQL). A job's life::

    queued --claim--> sending --250--> sent
                         |--4xx / connection error--> queued (backoff) ... --> failed
                         '--5xx, or attempts used up--> failed

Nothing lost, nothing twice. SMTP has no way to ask a server "did you take message
X?", so the one unavoidable gap is between the server taking the message (when it
reads the final "." of DATA) and the store recording it (RFC 1047 describes it).
The worker closes that gap from the other side: just before the final "." it records
an end-of-DATA marker. With PostgreSQL that is ``data_sent_at``, fenced by the lease (a
worker that lost its lease aborts the DATA instead, and an aborted DATA is discarded
by the server, RFC 5321 §4.1.1.4). With SQLite (one process) it is a line in a local
journal (``journal.py``) written in the same event-loop step as the ".", and the fence
is in memory: the dispatcher never hands out a job it is still sending. After a crash,
a job found "sending" with an expired lease is

* sent again when it has no marker: the server never saw a complete message;
* marked sent (``smtp_response`` says "unconfirmed") when it has one: the "." was
  written to the socket, and the kernel delivers it even when the process is killed.

So a crash can cause a duplicate never, and a loss only if the process dies between
recording the marker and writing the ".": a few microseconds with the SQLite journal,
one database round trip with PostgreSQL. That is the documented trade-off:
at-most-once for that gap, exactly-once otherwise. A connection that drops
*while waiting* for the reply to "." (the process alive) is different: the outcome is
unknown, and the job is retried (RFC 5321 §6.1 prefers a duplicate to a loss).
"""

from __future__ import annotations

import asyncio
import collections
import logging
import secrets
from datetime import timedelta
from typing import Any

from ..accounts.registry import AccountRegistry
from ..backoff import backoff_delay
from ..errors import AccountNotFound, GatewayError, ProtocolNotConfigured, UpstreamError
from ..events.bus import EventBus
from ..events.types import MESSAGE_FAILED, MESSAGE_SENT
from ..model.records import HISTORY_KEEP, OutboxJob
from ..protocols.smtp.client import RecipientsRefused, is_retryable
from ..protocols.smtp.replies import classify
from ..settings import Settings
from ..store.idempotency import IdempotencyRepo
from ..store.outbox import OutboxRepo, new_job_id
from ..store.schema import utcnow
from .after_send import AfterSend
from .journal import EndOfDataJournal

log = logging.getLogger(__name__)

_HOUSEKEEPING_EVERY = 600.0  # seconds between purges of expired idempotency keys


class LeaseLost(Exception):
    """Another worker took the job over (our lease expired): do not finish the DATA."""


class OutboxWorker:
    """Background service: ``await worker.run(stop)`` until ``stop`` is set."""

    def __init__(
        self,
        *,
        settings: Settings,
        repo: OutboxRepo,
        accounts: AccountRegistry,
        events: EventBus,
        after: AfterSend,
        idempotency: IdempotencyRepo,
        journal: EndOfDataJournal | None = None,
    ) -> None:
        self.settings = settings
        self.repo = repo
        self.accounts = accounts
        self.events = events
        self.after = after
        self.idempotency = idempotency
        self.journal = journal
        self._wake = asyncio.Event()
        self._instance = settings.instance_id or secrets.token_hex(4)

    def wake(self) -> None:
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        if self.journal is not None:
            try:
                self.journal.open()
            except OSError as exc:
                # Still safe, with the database marker (a wider gap, see the docstring).
                log.error(
                    "outbox journal %s unusable (%s); using the database marker",
                    self.journal.path,
                    exc,
                )
                self.journal = None
        try:
            async with asyncio.TaskGroup() as tasks:
                tasks.create_task(self._housekeeping(stop), name="outbox-housekeeping")
                await self._dispatch(stop, tasks)
        finally:
            if self.journal is not None:
                self.journal.close()

    async def _dispatch(self, stop: asyncio.Event, tasks: asyncio.TaskGroup) -> None:
        """One claimer feeding ``outbox_workers`` concurrent sends.

        It claims ahead (up to twice the slots) so that a freed slot starts its next job
        at once instead of waiting for a claim, claims in batches, and polls an idle
        outbox with one read (no write lock on SQLite). Jobs claimed but not started when
        the gateway stops are handed back.
        """
        slots = self.settings.outbox_workers
        busy = 0
        freed = asyncio.Event()
        backlog: collections.deque[tuple[OutboxJob, str]] = collections.deque()
        in_flight: set[str] = set()

        async def send_one(job: OutboxJob, owner: str) -> None:
            nonlocal busy
            try:
                await self.process(job, owner)
            except Exception:
                # The lease expires and the job is claimed again: nothing is lost.
                log.exception("outbox: job %s failed unexpectedly", job.id)
            finally:
                in_flight.discard(job.id)
                busy -= 1
                freed.set()

        try:
            while not stop.is_set():
                while busy < slots and backlog:
                    job, owner = backlog.popleft()
                    busy += 1
                    tasks.create_task(send_one(job, owner), name=f"outbox-{job.id}")
                freed.clear()
                asked = got = 0
                if len(backlog) < slots:
                    asked = 2 * slots - busy - len(backlog)
                    got = await self._claim_into(backlog, in_flight, asked)
                if got:
                    continue  # start them now
                await self._wait(stop, self._wake, freed)
        finally:
            if backlog:
                await self._release(list(backlog))

    async def _claim_into(self, backlog: collections.deque, in_flight: set[str], limit: int) -> int:
        owner = f"{self._instance}:{secrets.token_hex(4)}"  # one per claim: the lease fence
        self._wake.clear()
        try:
            if not await self.repo.any_due():
                return 0
            jobs = await self.repo.claim(
                owner, lease_seconds=self.settings.outbox_lease_seconds, limit=limit
            )
        except Exception:
            log.exception("outbox: claiming jobs failed")
            return 0
        for job in jobs:
            if job.id in in_flight:
                # Its lease ran out while this process still holds it.
                log.warning("outbox: %s outlived its lease; still being sent", job.id)
                continue
            in_flight.add(job.id)
            backlog.append((job, owner))
        return len(jobs)

    async def _release(self, claimed: list[tuple[OutboxJob, str]]) -> None:
        try:
            await self.repo.release([(job.id, owner) for job, owner in claimed])
        except Exception:  # their leases expire and they are claimed again
            log.exception("outbox: could not hand back %d claimed jobs", len(claimed))

    async def _wait(self, stop: asyncio.Event, *events: asyncio.Event) -> None:
        waiters = [asyncio.ensure_future(e.wait()) for e in (stop, *events)]
        try:
            await asyncio.wait(
                waiters,
                timeout=self.settings.outbox_poll_interval,
                return_when=asyncio.FIRST_COMPLETED,
            )
        finally:
            for waiter in waiters:
                waiter.cancel()

    async def _housekeeping(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                purged = await self.idempotency.purge_expired()
                if purged:
                    log.info("purged %d expired idempotency keys", purged)
            except Exception:
                log.exception("outbox: purging idempotency keys failed")
            try:
                await asyncio.wait_for(stop.wait(), _HOUSEKEEPING_EVERY)
            except TimeoutError:
                pass

    # -- one job -------------------------------------------------------------------------------

    async def process(self, job: OutboxJob, owner: str) -> None:
        try:
            await self._process(job, owner)
        finally:
            if self.journal is not None and job.status != "sending":
                self.journal.forget(job.id)

    def _maybe_sent(self, job: OutboxJob) -> bool:
        """Did an interrupted earlier attempt of this job write its final "."?"""
        finished = len(job.history)  # every finished attempt left an entry (at most 50)
        if finished >= job.attempts - 1 and finished < HISTORY_KEEP:
            return False  # the previous attempt finished: this is a plain retry
        if self.journal is not None:
            return self.journal.maybe_sent(job.id, job.attempts - 1)
        return job.data_sent_at is not None

    async def _process(self, job: OutboxJob, owner: str) -> None:
        entry: dict[str, Any] = {"at": utcnow().isoformat(), "ok": False, "worker": owner}
        if self._maybe_sent(job):
            # A worker died after writing the final "." (see the module docstring).
            note = "unconfirmed: the gateway stopped after the end of DATA was sent; not sent again"
            await self._mark_sent(
                job,
                {**entry, "ok": True, "error": note},
                accepted=job.rcpt_to,
                rejected=[],
                smtp_response=note,
            )
            return
        if len(job.history) < job.attempts - 1:
            job.history.append({**entry, "error": "interrupted: the gateway stopped"})

        async def end_of_data() -> None:
            if self.journal is not None:
                # SQLite: one process, whose dispatcher never hands out a job it is
                # sending (the lease fence is in memory). No await from here to the
                # write of "." (SmtpSession._content).
                self.journal.record(job.id, job.attempts)
                return
            if not await self.repo.mark_data_sent(job.id, owner):
                raise LeaseLost(job.id)

        try:
            pool = await self.accounts.manager(job.account_id, "smtp")
            result = await pool.send(
                job.mail_from, job.rcpt_to, job.raw, before_end_of_data=end_of_data
            )
        except LeaseLost:
            log.warning("outbox: lost the lease of %s; another worker has it", job.id)
            return
        except (AccountNotFound, ProtocolNotConfigured) as exc:
            await self._fail(job, entry, exc)
            return
        except GatewayError as exc:
            if is_retryable(exc) and job.attempts < self.settings.outbox_max_attempts:
                await self._retry(job, entry, exc)
            else:
                await self._fail(job, entry, exc)
            return
        rejected = [
            {"address": r.address, "code": r.code, "message": r.message} for r in result.rejected
        ]
        deferred = [r.address for r in result.rejected if not classify(r.code, r.message).permanent]
        await self._mark_sent(
            job,
            {**entry, "ok": True, "code": result.code},
            accepted=result.accepted,
            rejected=rejected,
            smtp_response=result.response,
            deferred=deferred,
        )
        await self._after_send(job)

    async def _mark_sent(
        self,
        job: OutboxJob,
        entry: dict[str, Any],
        *,
        accepted: list[str],
        rejected: list[dict[str, Any]],
        smtp_response: str,
        deferred: list[str] | None = None,
    ) -> None:
        # The status and its event in one transaction, right after the 250.
        async with self.repo.writing(), self.events.transaction() as batch:
            await self.repo.finish(
                job,
                status="sent",
                entry=entry,
                conn=batch.conn,
                accepted=accepted,
                rejected=rejected,
                smtp_response=smtp_response,
                last_error=None,
            )
            data: dict[str, Any] = {
                "queue_id": job.id,
                "message_id": job.message_id,
                "accepted": accepted,
                "rejected": rejected,
            }
            if deferred and job.attempts < self.settings.outbox_max_attempts:
                # Recipients refused for now (4xx) get the same message later, in a job of
                # their own: those who took it are not sent it twice.
                follow_up = self._follow_up_job(job, deferred)
                await self.repo.insert(batch.conn, follow_up)
                data["retry_queue_id"] = follow_up.id
            await batch.add(MESSAGE_SENT, job.account_id, data)

    def _follow_up_job(self, job: OutboxJob, rcpt_to: list[str]) -> OutboxJob:
        now = utcnow()
        delay = backoff_delay(
            job.attempts,
            base=self.settings.outbox_retry_base_delay,
            cap=self.settings.outbox_retry_max_delay,
        )
        return OutboxJob(
            id=new_job_id(),
            account_id=job.account_id,
            status="queued",
            message_id=job.message_id,
            mail_from=job.mail_from,
            rcpt_to=rcpt_to,
            raw=job.raw,
            options={**job.options, "save_to_sent": False, "in_reply_to": None, "retry_of": job.id},
            attempts=job.attempts,
            next_attempt_at=now + timedelta(seconds=delay),
            created_at=now,
            updated_at=now,
            history=list(job.history),  # its attempts so far
            last_error=f"deferred (4xx) recipients of {job.id}",
        )

    async def _after_send(self, job: OutboxJob) -> None:
        options = job.options
        report = await self.after.follow_up(
            job.account_id,
            job.raw,
            save_to_sent=bool(options.get("save_to_sent")),
            in_reply_to=options.get("in_reply_to"),
        )
        problems = [
            p
            for p in (
                report.sent_error and f"copy to Sent failed: {report.sent_error}",
                report.answered_error and f"\\Answered failed: {report.answered_error}",
            )
            if p
        ]
        if problems:
            await self.repo.finish(
                job,
                status="sent",
                entry={"at": utcnow().isoformat(), "ok": True, "error": "; ".join(problems)},
                last_error="sent; " + "; ".join(problems),
            )

    async def _retry(self, job: OutboxJob, entry: dict[str, Any], exc: GatewayError) -> None:
        delay = backoff_delay(
            job.attempts,
            base=self.settings.outbox_retry_base_delay,
            cap=self.settings.outbox_retry_max_delay,
        )
        next_at = utcnow() + timedelta(seconds=delay)
        log.info(
            "outbox: %s attempt %d failed (%s); retry in %.1f s",
            job.id,
            job.attempts,
            exc.detail,
            delay,
        )
        await self.repo.finish(
            job,
            status="queued",
            next_attempt_at=next_at,
            entry={**entry, **_error_entry(exc)},
            last_error=_text(exc),
        )

    async def _fail(self, job: OutboxJob, entry: dict[str, Any], exc: GatewayError) -> None:
        log.warning("outbox: %s failed after %d attempt(s): %s", job.id, job.attempts, exc.detail)
        rejected = (
            [{"address": r.address, "code": r.code, "message": r.message} for r in exc.rejected]
            if isinstance(exc, RecipientsRefused)
            else None
        )
        async with self.repo.writing(), self.events.transaction() as batch:
            await self.repo.finish(
                job,
                status="failed",
                entry={**entry, **_error_entry(exc)},
                conn=batch.conn,
                last_error=_text(exc),
                rejected=rejected,
            )
            await batch.add(
                MESSAGE_FAILED,
                job.account_id,
                {
                    "queue_id": job.id,
                    "message_id": job.message_id,
                    "error": _text(exc),
                    "code": exc.code,
                    "rejected": rejected,
                },
            )


def _error_entry(exc: GatewayError) -> dict[str, Any]:
    out: dict[str, Any] = {"error": _text(exc)}
    if isinstance(exc, UpstreamError) and exc.smtp_code is not None:
        out["code"] = exc.smtp_code
    elif isinstance(exc, RecipientsRefused) and exc.rejected:
        out["code"] = exc.rejected[0].code
    return out


def _text(exc: GatewayError) -> str:
    return f"{exc.code}: {exc.detail}"
