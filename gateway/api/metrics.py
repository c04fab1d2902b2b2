"""Prometheus metrics: HTTP requests by route template, and this instance's share of the work.

Per instance (every process of ``mailgate serve --workers N`` is one): the accounts it
watches and how many of them are connected, the watch leases it holds and the live
instances it sees, upstream connections by protocol and state, logins waiting for a
turn, the queues it shares with the others (outbox, webhook deliveries) and the event
lag to SSE clients and webhooks.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..accounts.manager import ConnState
from ..accounts.registry import AccountRegistry

if TYPE_CHECKING:
    from ..services import Services


class Metrics:
    """One registry per app (tests build many apps in one process)."""

    def __init__(self, services: Services) -> None:
        self._services = services
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "mailgate_http_requests",
            "HTTP requests answered",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "mailgate_http_request_seconds",
            "Time to the response's first byte",
            ["method", "route"],
            registry=self.registry,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )
        self.outbox_depth = Gauge(
            "mailgate_outbox_queue_depth",
            "Outbox jobs queued or being sent (all instances)",
            ["status"],
            registry=self.registry,
        )
        self.webhook_depth = Gauge(
            "mailgate_webhook_queue_depth",
            "Webhook deliveries not made yet (all instances)",
            registry=self.registry,
        )
        self.registry.register(_UpstreamCollector(services.accounts))
        self.registry.register(_InstanceCollector(services))

    async def refresh(self) -> None:
        """Read the shared queues' depths from the store (at each scrape)."""
        for status, count in (await self._services.outbox.queue_depth()).items():
            self.outbox_depth.labels(status).set(count)
        self.webhook_depth.set(await self._services.webhooks.queue_depth())


class _UpstreamCollector(Collector):
    def __init__(self, accounts: AccountRegistry) -> None:
        self._accounts = accounts

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "mailgate_upstream_connections",
            "Connection managers by protocol and state",
            labels=["protocol", "state"],
        )
        sockets = GaugeMetricFamily(
            "mailgate_upstream_open_connections",
            "Connections open to mail servers by "
            "protocol: idle in a pool, or in use (requests, watchers, sends)",
            labels=["protocol", "state"],
        )
        for protocol in ("imap", "smtp", "pop3"):
            counts = dict.fromkeys(ConnState, 0)
            idle = in_use = 0
            for manager in self._accounts.active_managers(protocol):
                counts[manager.status.state] += 1
                open_idle, open_used = manager.open_connections()
                idle, in_use = idle + open_idle, in_use + open_used
            for state, count in counts.items():
                family.add_metric([protocol, state.value], count)
            sockets.add_metric([protocol, "idle"], idle)
            sockets.add_metric([protocol, "in_use"], in_use)
        yield family
        yield sockets
        logins = self._accounts.logins
        waiting = GaugeMetricFamily(
            "mailgate_logins_waiting",
            "Logins waiting for their turn (connect rate per server)",
            labels=["kind"],
        )
        waiting.add_metric(["interactive"], logins.waiting(background=False))
        waiting.add_metric(["background"], logins.waiting(background=True))
        yield waiting
        yield GaugeMetricFamily(
            "mailgate_logins_in_flight", "Logins under way", value=logins.in_flight
        )
        yield GaugeMetricFamily(
            "mailgate_logins_granted", "Login turns given since start", value=logins.granted
        )


class _InstanceCollector(Collector):
    """Accounts, leases and instances as this instance sees them; event lag."""

    def __init__(self, services: Services) -> None:
        self._services = services

    def collect(self) -> Iterator[GaugeMetricFamily | HistogramMetricFamily]:
        sync = self._services.sync
        info = GaugeMetricFamily(
            "mailgate_instance_info", "This instance (always 1)", labels=["instance"]
        )
        info.add_metric([sync.identity], 1)
        yield info
        for name, text, value in (
            (
                "mailgate_instances_live",
                "Live instances watching accounts (heartbeats), this one included",
                sync.instances,
            ),
            (
                "mailgate_accounts_total",
                "Accounts with IMAP or POP3, all instances",
                sync.accounts_total,
            ),
            ("mailgate_accounts_watched", "Accounts this instance watches", len(sync.watched)),
            (
                "mailgate_accounts_connected",
                "Accounts this instance watches whose watchers are connected",
                sync.connected,
            ),
            (
                "mailgate_accounts_active",
                "Accounts with connection managers in this instance",
                self._services.accounts.active_count,
            ),
            ("mailgate_watch_leases_held", "Watch leases this instance holds", sync.leases_held),
        ):
            yield GaugeMetricFamily(name, text, value=value)
        lag = HistogramMetricFamily(
            "mailgate_event_lag_seconds",
            "From an event's creation to its delivery: to an "
            "SSE client (live events) or a webhook (deliveries that succeeded)",
            labels=["sink"],
        )
        for sink, histogram in self._services.events.lag.sinks.items():
            lag.add_metric([sink], histogram.cumulative(), histogram.total)
        yield lag


class MetricsMiddleware:
    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                self.metrics.latency.labels(scope["method"], _route(scope)).observe(
                    time.perf_counter() - started
                )
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            self.metrics.requests.labels(scope["method"], _route(scope), str(status)).inc()


def _route(scope: Scope) -> str:
    """The route template (``/v1/accounts/{account}``), never the raw path (cardinality)."""
    route = scope.get("route")
    path = getattr(route, "path_format", None) or getattr(route, "path", None)
    return path or "unmatched"
