"""Prometheus metrics: HTTP requests by route template, and upstream connection states."""

from __future__ import annotations

import time
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..accounts.manager import ConnState
from ..accounts.registry import AccountRegistry


class Metrics:
    """One registry per app (tests build many apps in one process)."""

    def __init__(self, accounts: AccountRegistry) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "mailgate_http_requests", "HTTP requests answered",
            ["method", "route", "status"], registry=self.registry,
        )
        self.latency = Histogram(
            "mailgate_http_request_seconds", "Time to the response's first byte",
            ["method", "route"], registry=self.registry,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )
        self.registry.register(_UpstreamCollector(accounts))


class _UpstreamCollector(Collector):
    def __init__(self, accounts: AccountRegistry) -> None:
        self._accounts = accounts

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "mailgate_upstream_connections", "Connection managers by protocol and state",
            labels=["protocol", "state"],
        )
        for protocol in ("imap", "smtp", "pop3"):
            counts = dict.fromkeys(ConnState, 0)
            for manager in self._accounts.active_managers(protocol):
                counts[manager.status.state] += 1
            for state, count in counts.items():
                family.add_metric([protocol, state.value], count)
        yield family


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
