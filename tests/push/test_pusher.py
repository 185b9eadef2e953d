"""Delivery against a fake registry with faults: nothing lost, nothing counted twice."""

from __future__ import annotations

import gzip
import logging
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from cloudcensus.scanner.push import Pusher, retry_after_s
from cloudcensus.scanner.store import Outbox, Store
from cloudcensus.wire import v1

from .conftest import Sleeps, finished_scan, make_client
from .fakeregistry import TOKEN, AfterProcessing, FakeRegistry

ITEMS_OF_10 = 6  # open, 3 batches of <= 4, explanations, complete


def paths(registry: FakeRegistry) -> list[str]:
    return [f"{r.method} {r.url.path.rsplit('/', 1)[-1]}" for r in registry.requests]


def test_a_scan_is_delivered_in_order_gzipped_with_idempotency_keys(
    pusher: Pusher, registry: FakeRegistry, store: Store
) -> None:
    scan = finished_scan(store, 10)
    report = pusher.push()
    assert report.complete
    assert report.stopped is None
    [delivery] = report.scans
    assert (delivery.scan_id, delivery.delivered_items, delivery.delivered_records) == (
        scan,
        ITEMS_OF_10,
        10,
    )
    assert paths(registry) == [
        "POST scans",
        "POST findings",
        "POST findings",
        "POST findings",
        "PUT explanations",
        "POST complete",
    ]
    for request in registry.requests:
        assert request.headers["Content-Encoding"] == "gzip"
        assert request.headers["Content-Type"] == "application/json"
        gzip.decompress(request.content)
    keys = [r.headers.get(v1.IDEMPOTENCY_HEADER) for r in registry.requests]
    assert keys[0] is None
    assert all(keys[1:4])
    assert (registry.events, registry.batches, registry.replays) == (10, 3, 0)
    assert registry.completed() == [delivery.scan_uid]
    assert Outbox(store).scans(pending_only=True) == []
    assert pusher.push().scans == []  # nothing left: nothing sent
    assert len(registry.requests) == ITEMS_OF_10


def test_500_then_success_is_retried_with_full_jitter_backoff(
    pusher: Pusher, registry: FakeRegistry, store: Store, sleeps: Sleeps
) -> None:
    finished_scan(store, 10)
    registry.fail_next(None, 500, 503)  # open ok; 1st batch: 500, 503, then ok
    assert pusher.push().complete
    # two failures of the first batch: base 0.5 * 2**0 and 0.5 * 2**1, times random 0.5
    assert sleeps == [0.25, 0.5]
    assert (registry.events, registry.replays) == (10, 0)
    assert len(registry.requests) == ITEMS_OF_10 + 2


def test_429_retry_after_is_honoured(
    pusher: Pusher, registry: FakeRegistry, store: Store, sleeps: Sleeps
) -> None:
    finished_scan(store, 2)
    registry.fail_next(httpx.Response(429, headers={"Retry-After": "7"}))
    assert pusher.push().complete
    assert sleeps == [7.0]
    assert registry.completed()
    assert registry.events == 2


def test_retry_after_longer_than_allowed_stops_the_run_and_keeps_everything(
    pusher: Pusher, registry: FakeRegistry, store: Store, sleeps: Sleeps
) -> None:
    finished_scan(store, 2)
    registry.fail_next(httpx.Response(503, headers={"Retry-After": "3600"}))
    report = pusher.push()
    assert not report.complete
    assert report.stopped is not None
    assert "retry after 3600s" in report.stopped
    assert sleeps == []
    assert Outbox(store).scans(pending_only=True)[0].delivered_items == 0
    assert pusher.push().complete
    assert registry.completed()


def test_413_stops_that_scan_keeps_its_items_and_says_why(
    pusher: Pusher, registry: FakeRegistry, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    first = finished_scan(store, 10)
    second = finished_scan(store, 3)
    registry.fail_next(None, httpx.Response(413, json={"detail": "body too large"}))
    with caplog.at_level(logging.WARNING):
        report = pusher.push()
    refused, delivered = report.scans
    assert (refused.scan_id, refused.done, refused.delivered_items) == (first, False, 1)
    assert refused.error is not None
    assert "findings #2" in refused.error
    assert "HTTP 413" in refused.error
    assert "body too large" in refused.error
    assert (delivered.scan_id, delivered.done) == (second, True)  # the next scan still goes
    assert report.stopped is None
    assert not report.complete
    assert "kept for the next push" in caplog.text
    assert "HTTP 413" in caplog.text
    [pending] = Outbox(store).scans(pending_only=True)
    assert (pending.scan_id, pending.items - pending.delivered_items) == (first, 5)
    assert pending.error == refused.error
    # the registry accepts it on the next run: resumes at the refused batch
    assert pusher.push().complete
    assert registry.events == 13
    assert registry.replays == 0
    assert Outbox(store).scans()[0].error is None


def test_connection_reset_mid_push_is_replayed_and_counted_once(
    pusher: Pusher, registry: FakeRegistry, store: Store
) -> None:
    finished_scan(store, 10)
    reset = httpx.ReadError("connection reset by peer")
    # open ok; 1st batch ok; 2nd batch stored by the registry, then the answer is lost
    registry.fail_next(None, None, AfterProcessing(reset))
    assert pusher.push().complete
    assert registry.replays == 1
    assert (registry.events, registry.batches) == (10, 3)
    assert len(registry.requests) == ITEMS_OF_10 + 1


def test_registry_down_for_a_whole_scan_then_delivered_exactly_once(
    registry: FakeRegistry, store: Store, sleeps: Sleeps
) -> None:
    scan = finished_scan(store, 10)
    down = httpx.ConnectError("connection refused")
    registry.fail_next(*[down] * 4)
    with make_client(registry) as client:
        report = Pusher(client, store, max_retries=3, sleep=sleeps, random=lambda: 1.0).push()
    assert report.stopped is not None
    assert "ConnectError" in report.stopped
    assert "after 4 attempts" in report.stopped
    assert sleeps == [0.5, 1.0, 2.0]
    assert registry.scans == {}  # nothing got through
    [pending] = Outbox(store).scans(pending_only=True)
    assert (pending.scan_id, pending.delivered_items, pending.pending_records) == (scan, 0, 10)
    assert pending.error == report.stopped

    later = finished_scan(store, 3)  # the next night's scan
    with make_client(registry) as client:
        report = Pusher(client, store, sleep=sleeps).push()
    assert report.complete
    assert [s.scan_id for s in report.scans] == [scan, later]
    assert (registry.events, registry.batches, registry.replays) == (13, 4, 0)
    assert len(registry.completed()) == 2
    sent = [r for r in registry.requests if r.url.path.endswith("/findings")]
    assert len(sent) == len({r.headers[v1.IDEMPOTENCY_HEADER] for r in sent}) == 4


def test_a_refused_token_stops_the_run_and_is_never_logged(
    registry: FakeRegistry, store: Store, sleeps: Sleeps, caplog: pytest.LogCaptureFixture
) -> None:
    finished_scan(store, 2)
    finished_scan(store, 2)
    with (
        caplog.at_level(logging.DEBUG),
        make_client(registry, token="wrong-token-secret-55") as client,
    ):
        report = Pusher(client, store, sleep=sleeps).push()
    assert report.stopped is not None
    assert "token refused" in report.stopped
    assert len(report.scans) == 1
    assert len(registry.requests) == 1
    assert len(Outbox(store).scans(pending_only=True)) == 2
    with caplog.at_level(logging.DEBUG), make_client(registry) as client:
        assert Pusher(client, store, sleep=sleeps).push().complete
    assert "wrong-token-secret-55" not in caplog.text
    assert TOKEN not in caplog.text


def test_retry_after_accepts_an_http_date() -> None:
    now = datetime(2026, 3, 14, 12, 0, tzinfo=UTC)
    later = format_datetime(now + timedelta(seconds=90), usegmt=True)
    response = httpx.Response(429, headers={"Retry-After": later})
    assert retry_after_s(response, now) == 90.0
    assert retry_after_s(httpx.Response(429, headers={"Retry-After": "soon"}), now) is None
    assert retry_after_s(httpx.Response(429), now) is None
