"""Prometheus metrics of the registry, served at `/metrics` (no token, like `/healthz`).

Each app instance owns its `CollectorRegistry` (never the process-wide default), so two
apps in one process (tests) do not share counters. One pure-ASGI middleware, mounted
outermost, measures every request by route template (never the raw path: a scan uid
would make one series per scan), method and status, and derives the ingest counters
from the wire protocol's answers (`cloudcensus.wire.v1`): a 2xx `BatchAccepted` adds its
`accepted` events, or counts a replay when it carries `Idempotent-Replayed`; a 2xx
`ScanCompleted` counts a completed scan and the findings it resolved. The ingest code
needs no metrics calls, and a replayed completion counts nothing twice.

Counters are per process: with several uvicorn workers, scrape each one (or run one).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

from fastapi import FastAPI
from fastapi.responses import Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from starlette.middleware import Middleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cloudcensus.wire import v1

__all__ = ["MetricsMiddleware", "RegistryMetrics", "install_metrics"]

_UNMATCHED = "<unmatched>"
_REPLAYED = v1.REPLAYED_HEADER.lower().encode()
_ANSWER_MAX_BYTES = 64 * 1024  # ingest answers are a few hundred bytes
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


@dataclass
class RegistryMetrics:
    """The collectors of one app, in their own registry."""

    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        r = self.registry
        self.requests = Counter(
            "cloudcensus_registry_http_requests",
            "HTTP requests by route template, method and status.",
            ["route", "method", "status"],
            registry=r,
        )
        self.latency = Histogram(
            "cloudcensus_registry_http_request_duration_seconds",
            "HTTP request latency by route template and method.",
            ["route", "method"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.findings_ingested = Counter(
            "cloudcensus_registry_findings_ingested",
            "Finding events stored from newly accepted batches.",
            registry=r,
        )
        self.batches_ingested = Counter(
            "cloudcensus_registry_batches_ingested", "Finding batches newly stored.", registry=r
        )
        self.batches_replayed = Counter(
            "cloudcensus_registry_batches_replayed",
            "Finding batches sent again and answered as replays (stored once).",
            registry=r,
        )
        self.scans_completed = Counter(
            "cloudcensus_registry_scans_completed",
            "Scans completed, by outcome (complete, partial, failed).",
            ["outcome"],
            registry=r,
        )
        self.findings_resolved = Counter(
            "cloudcensus_registry_findings_resolved",
            "Findings marked resolved by scan completions.",
            registry=r,
        )

    def exposition(self) -> bytes:
        return generate_latest(self.registry)

    def count_answer(self, route: str, replayed: bool, body: bytes) -> None:
        """Ingest counters from a 2xx answer of the findings or completion route."""
        try:
            answer = json.loads(body)
        except ValueError:
            return
        if not isinstance(answer, dict):
            return
        if route == v1.FINDINGS_PATH:
            if replayed:
                self.batches_replayed.inc()
            elif isinstance(accepted := answer.get("accepted"), int):
                self.batches_ingested.inc()
                self.findings_ingested.inc(accepted)
        elif route == v1.COMPLETE_PATH and not replayed:
            self.scans_completed.labels(str(answer.get("status", "unknown"))).inc()
            if isinstance(resolved := answer.get("resolved"), int):
                self.findings_resolved.inc(resolved)


_SEEN_KEY = "cloudcensus.metrics.route"


def _route(scope: Scope) -> str:
    """The matched route's template: from the scope, else from what `_RouteProbe` saw."""
    path = getattr(scope.get("route"), "path", None)
    if isinstance(path, str):
        return path
    seen = scope.get(_SEEN_KEY)
    return seen[0] if isinstance(seen, list) and seen else _UNMATCHED


class _RouteProbe:
    """Innermost middleware: hands the matched route to `MetricsMiddleware`.

    A middleware between them may pass a copy of the scope down (the body limit does,
    to replace the headers), so the router's `route` is invisible outside; the probe
    writes it into a list the copy shares with the original scope.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        seen = scope.get(_SEEN_KEY)

        def note() -> None:
            path = getattr(scope.get("route"), "path", None)
            if isinstance(path, str) and isinstance(seen, list) and not seen:
                seen.append(path)

        async def noting(message: Message) -> None:
            # the route is known once the answer starts: noted before it leaves, so that
            # the request is counted by the time its client has read the answer
            if message["type"] == "http.response.start":
                note()
            await send(message)

        try:
            await self.app(scope, receive, noting)
        finally:
            note()


class MetricsMiddleware:
    """Counts and times every HTTP request; reads the ingest answers it needs."""

    _WATCHED = frozenset({v1.FINDINGS_PATH, v1.COMPLETE_PATH})

    def __init__(self, app: ASGIApp, metrics: RegistryMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client gets when the app raises
        replayed = False
        counted = False
        answer = bytearray()
        scope[_SEEN_KEY] = []
        watch = scope.get("method") == "POST"  # both watched routes are POSTs

        def count() -> None:
            nonlocal counted
            if counted:
                return
            counted = True
            route, method = _route(scope), str(scope.get("method", ""))
            self.metrics.requests.labels(route, method, str(status)).inc()
            self.metrics.latency.labels(route, method).observe(time.perf_counter() - started)
            if watch and route in self._WATCHED:
                self.metrics.count_answer(route, replayed, bytes(answer))

        async def observe(message: Message) -> None:
            nonlocal status, replayed, watch
            if message["type"] == "http.response.start":
                status = int(message["status"])
                watch = watch and 200 <= status < 300
                replayed = any(k.lower() == _REPLAYED for k, _ in message.get("headers", []))
            elif message["type"] == "http.response.body":
                if watch and len(answer) < _ANSWER_MAX_BYTES:
                    answer.extend(message.get("body", b""))
                if not message.get("more_body", False):
                    # counted before the last byte leaves: a client that reads its answer
                    # and then scrapes /metrics sees its own request
                    count()
            await send(message)

        try:
            await self.app(scope, receive, observe)
        finally:
            count()


def install_metrics(app: FastAPI) -> RegistryMetrics:
    """Add `/metrics` and the (outermost, so call it last) metrics middleware to `app`."""
    metrics = RegistryMetrics()
    app.state.metrics = metrics

    @app.get("/metrics", include_in_schema=False)
    def prometheus_metrics() -> Response:
        return Response(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)

    app.add_middleware(MetricsMiddleware, metrics=metrics)  # first in the list: outermost
    app.user_middleware.append(Middleware(_RouteProbe))  # last in the list: innermost
    return metrics
