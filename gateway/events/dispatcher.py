"""Webhook delivery: claim due deliveries, POST them signed, retry with backoff.

Every POST runs in its own task with a timeout, and each webhook has at most
``webhook_concurrency`` POSTs in flight (its other deliveries are not even
claimed meanwhile), so a slow or dead endpoint delays neither other webhooks
nor the producers (which only insert rows). Deliveries are claimed under a
lease: after a crash they are claimed again when it expires.

Before every attempt the URL is checked again (one DNS resolution, every address
judged) and the POST goes to the checked address (``PinnedTransport``), so a
name that now resolves somewhere refused is not posted to: the attempt fails
with the reason in the delivery's history. Redirects are never followed.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from datetime import timedelta

import httpx
import orjson

from ..backoff import backoff_delay
from ..settings import Settings
from ..store.schema import utcnow
from ..store.webhooks import Delivery, WebhookRepo
from .bus import EventBus
from .pinned_transport import PINNED, PinnedTransport
from .signing import EVENT_ID_HEADER, SIGNATURE_HEADER, sign
from .url_policy import WebhookUrlPolicy

log = logging.getLogger(__name__)

_CLAIM_BATCH = 100
_POLL_INTERVAL = 1.0  # catches other instances' events and due retries
_HISTORY_KEEP = 50
_PRUNE_EVERY = 3600.0
_SMALL_BODY = 64 * 1024


class WebhookDispatcher:
    """Background service delivering stored webhook deliveries."""

    def __init__(
        self, repo: WebhookRepo, bus: EventBus, settings: Settings, policy: WebhookUrlPolicy
    ) -> None:
        self._repo = repo
        self._settings = settings
        self._policy = policy
        self._wake = asyncio.Event()
        self._in_flight: Counter[str] = Counter()
        self._next_retry: float | None = None  # monotonic time of the soonest local retry
        self._pruned_at = -_PRUNE_EVERY
        self._lag = bus.lag
        bus.add_delivery_listener(self._wake.set)

    async def run(self, stop: asyncio.Event) -> None:
        timeout = httpx.Timeout(self._settings.webhook_timeout)
        transport = PinnedTransport(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_keepalive=self._settings.webhook_concurrency,
        )
        async with httpx.AsyncClient(
            transport=transport, timeout=timeout, follow_redirects=False, trust_env=False
        ) as client:
            tasks: set[asyncio.Task] = set()
            try:
                while not stop.is_set():
                    await self._prune()
                    try:
                        claimed = await self._claim()
                    except Exception:
                        log.exception("claiming webhook deliveries failed")
                        claimed = []
                    for delivery in claimed:
                        self._in_flight[delivery.webhook_id] += 1
                        task = asyncio.create_task(self._deliver(client, delivery))
                        tasks.add(task)
                        task.add_done_callback(tasks.discard)
                    if len(claimed) >= _CLAIM_BATCH:
                        continue
                    await self._sleep(stop)
            finally:
                # Unfinished POSTs keep their lease and are retried when it expires.
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)

    async def _prune(self) -> None:
        if time.monotonic() < self._pruned_at + _PRUNE_EVERY:
            return
        self._pruned_at = time.monotonic()
        try:
            days = self._settings.events_retention_days
            await self._repo.prune(utcnow() - timedelta(days=days))
        except Exception:
            log.exception("pruning webhook deliveries failed")

    async def _claim(self) -> list[Delivery]:
        limit = self._settings.webhook_concurrency
        busy = {hook for hook, n in self._in_flight.items() if n >= limit}
        lease = self._settings.webhook_timeout + 30
        return await self._repo.claim_due(limit=_CLAIM_BATCH, lease=lease, exclude=busy)

    async def _sleep(self, stop: asyncio.Event) -> None:
        delay = _POLL_INTERVAL
        if self._next_retry is not None:
            delay = max(0.0, min(delay, self._next_retry - time.monotonic()))
            self._next_retry = None
        waiters = [asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())]
        try:
            await asyncio.wait(waiters, timeout=delay, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()
        self._wake.clear()

    async def _deliver(self, client: httpx.AsyncClient, delivery: Delivery) -> None:
        try:
            await self._attempt(client, delivery)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("webhook delivery %s failed unexpectedly", delivery.id)
        finally:
            self._in_flight[delivery.webhook_id] -= 1
            if self._in_flight[delivery.webhook_id] <= 0:
                del self._in_flight[delivery.webhook_id]
            self._wake.set()  # the webhook may have more waiting

    async def _attempt(self, client: httpx.AsyncClient, delivery: Delivery) -> None:
        body = orjson.dumps(delivery.body)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "mailgate-webhooks/1",
            EVENT_ID_HEADER: delivery.event_id,
            "X-Gateway-Event-Type": str(delivery.body.get("type", "")),
            "X-Gateway-Delivery-Id": delivery.id,
            "X-Gateway-Webhook-Id": delivery.webhook_id,
        }
        if delivery.secret:
            headers[SIGNATURE_HEADER] = sign(delivery.secret, body)
        status_code: int | None = None
        error: str | None = None
        started = time.perf_counter()
        try:
            # Checked again at each attempt (DNS may point somewhere else by now), and the
            # POST goes to the address just checked, not to a second lookup's answer.
            target = await self._policy.check(delivery.url)
            async with (
                asyncio.timeout(self._settings.webhook_timeout),
                client.stream(
                    "POST",
                    delivery.url,
                    content=body,
                    headers=headers,
                    extensions={PINNED: target},
                ) as response,
            ):
                status_code = response.status_code
                # Only the status matters. A small body is read to keep the connection
                # alive; a large or unannounced one is not (it could be endless).
                length = response.headers.get("content-length", "")
                if length.isdigit() and int(length) <= _SMALL_BODY:
                    await response.aread()
            if not 200 <= status_code < 300:
                error = f"HTTP {status_code}"
        except TimeoutError:
            error = f"no answer within {self._settings.webhook_timeout:g} s"
        except (httpx.HTTPError, OSError) as exc:
            error = f"{type(exc).__name__}: {exc}"[:500]
        except Exception as exc:  # InvalidInput from the URL check, and anything unexpected
            error = str(exc)[:500]
        latency_ms = round((time.perf_counter() - started) * 1000, 1)
        attempts = delivery.attempts + 1
        now = utcnow()
        history = [
            *delivery.history,
            {
                "at": now.isoformat().replace("+00:00", "Z"),
                "attempt": attempts,
                "status_code": status_code,
                "latency_ms": latency_ms,
                "error": error,
            },
        ][-_HISTORY_KEEP:]
        if error is None:
            await self._repo.finish(
                delivery.id, status="delivered", history=history, attempts=attempts
            )
            self._lag.delivered("webhook", delivery.created_at, now)
            return
        age = (now - delivery.created_at).total_seconds()
        if age >= self._settings.webhook_retry_window:
            log.warning("webhook delivery %s given up after %d attempts", delivery.id, attempts)
            await self._repo.finish(
                delivery.id, status="failed", history=history, attempts=attempts
            )
            return
        delay = backoff_delay(
            attempts,
            base=self._settings.webhook_retry_base_delay,
            cap=self._settings.webhook_retry_max_delay,
        )
        await self._repo.finish(
            delivery.id,
            status="pending",
            history=history,
            attempts=attempts,
            next_attempt_at=now + timedelta(seconds=delay),
        )
        due = time.monotonic() + delay
        self._next_retry = due if self._next_retry is None else min(self._next_retry, due)
