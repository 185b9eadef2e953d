"""Several batches of a scan in flight at once: still open first and complete last, every
finding counted once, failures stopping the scan without losing or repeating anything."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from cloudcensus.scanner.config import ConfigError, load_settings
from cloudcensus.scanner.push import Pusher, items
from cloudcensus.scanner.push.terminal import deliver
from cloudcensus.scanner.pushconfig import PushSettings
from cloudcensus.scanner.store import Outbox, Store
from cloudcensus.wire import v1

from .conftest import Sleeps, finished_scan
from .fakeregistry import TOKEN, AfterProcessing, FakeRegistry, Fault

FINDINGS = 24
BATCHES = 6  # of 4 findings


class Recorder:
    """A transport handler in front of the fake: logs when each request starts and ends,
    holds the first `together` batches until they are all in flight (a barrier: a pusher
    sending one at a time times out), and answers scripted faults per batch number."""

    def __init__(self, registry: FakeRegistry, together: int = 0) -> None:
        self.registry = registry
        self.log: list[tuple[str, str]] = []
        self.faults: dict[int, list[Fault]] = {}
        self.numbers: dict[str, int] = {}
        self._lock = threading.Lock()
        self._barrier = threading.Barrier(together, timeout=10) if together else None
        self._held = 0

    def script(self, scan_uid: str, number: int, *faults: Fault) -> None:
        """Answer the next requests for batch `number` (1-based) with `faults` first."""
        for n in range(1, BATCHES + 1):
            self.numbers[str(items.batch_uid(uuid.UUID(scan_uid), n))] = n
        self.faults.setdefault(number, []).extend(faults)

    def _what(self, request: httpx.Request) -> str:
        key = request.headers.get(v1.IDEMPOTENCY_HEADER)
        if key is None:
            return request.url.path.rsplit("/", 1)[-1]
        return f"batch {self.numbers.get(key, key)}"

    def __call__(self, request: httpx.Request) -> httpx.Response:
        what = self._what(request)
        with self._lock:
            self.log.append(("start", what))
            hold = self._barrier is not None and what.startswith("batch") and self._held < 3
            self._held += hold
            number = self.numbers.get(request.headers.get(v1.IDEMPOTENCY_HEADER, ""), 0)
            pending = self.faults.get(number)
            fault = pending.pop(0) if pending else None
        if hold and self._barrier is not None:
            self._barrier.wait()
        try:
            if isinstance(fault, Exception):
                raise fault
            if isinstance(fault, int):
                return httpx.Response(fault, json={"detail": f"scripted {fault}"})
            response = self.registry(request)
            if isinstance(fault, AfterProcessing):
                raise fault.error
            return response
        finally:
            with self._lock:
                self.log.append(("end", what))


def client_for(handler: Callable[[httpx.Request], httpx.Response]) -> httpx.Client:
    return httpx.Client(
        base_url="https://registry.test",
        transport=httpx.MockTransport(handler),
        headers={"Authorization": f"Bearer {TOKEN}"},
    )


def pusher_for(handler: Callable[[httpx.Request], httpx.Response], store: Store) -> Pusher:
    return Pusher(client_for(handler), store, max_retries=2, sleep=Sleeps(), random=lambda: 0.5)


def attempts(store: Store) -> dict[int, int]:
    """Attempts the outbox counted per findings batch number."""
    rows = store.connection.execute(
        "SELECT seq, attempts FROM outbox_items WHERE kind = 'findings' ORDER BY seq"
    )
    return {seq - 1: count for seq, count in rows}


def test_batches_go_three_at_a_time_between_open_and_complete(
    registry: FakeRegistry, store: Store
) -> None:
    finished_scan(store, FINDINGS)
    recorder = Recorder(registry, together=3)
    pusher = pusher_for(recorder, store)
    assert pusher.concurrency == 3
    report = pusher.push()
    assert report.complete
    [delivery] = report.scans
    assert (delivery.delivered_items, delivery.delivered_records) == (BATCHES + 3, FINDINGS)
    log = recorder.log
    batches = [i for i, (_, what) in enumerate(log) if what.startswith("batch")]
    assert log.index(("end", "scans")) < batches[0]
    assert batches[-1] < log.index(("start", "explanations"))
    assert log.index(("end", "explanations")) < log.index(("start", "complete"))
    # the barrier let none of the first three answer before all three were sent
    assert [event for event, _ in log[batches[0] : batches[0] + 3]] == ["start"] * 3
    assert (registry.events, registry.batches, registry.replays) == (FINDINGS, BATCHES, 0)
    assert registry.completed() == [delivery.scan_uid]
    assert attempts(store) == dict.fromkeys(range(1, BATCHES + 1), 1)


def test_a_refused_batch_stops_its_scan_and_the_next_run_sends_only_the_rest(
    registry: FakeRegistry, store: Store
) -> None:
    first = finished_scan(store, FINDINGS)
    second = finished_scan(store, 3)
    recorder = Recorder(registry)
    [scan, _] = Outbox(store).scans()
    recorder.script(scan.scan_uid, 2, 413)
    report = pusher_for(recorder, store).push()
    refused, delivered = report.scans
    assert (refused.scan_id, refused.done) == (first, False)
    assert refused.error is not None
    assert "findings #3 of scan" in refused.error
    assert "HTTP 413" in refused.error
    assert (delivered.scan_id, delivered.done) == (second, True)  # the next scan still goes
    assert report.stopped is None
    # what the registry stored is exactly what the outbox marked delivered
    [pending] = Outbox(store).scans(pending_only=True)
    assert registry.batches - 1 == refused.delivered_items - 1 == pending.delivered_items - 1
    assert not registry.scans[scan.scan_uid].completed
    sent_after = [w for e, w in recorder.log if e == "start" and w in ("explanations", "complete")]
    assert sent_after == ["explanations", "complete"]  # the second scan's, not the first's

    again = pusher_for(recorder, store).push()
    assert again.complete
    assert (registry.events, registry.batches, registry.replays) == (FINDINGS + 3, BATCHES + 1, 0)
    assert len(registry.completed()) == 2
    assert Outbox(store).scans()[0].error is None


def test_lost_answers_and_retries_in_flight_count_once(
    registry: FakeRegistry, store: Store
) -> None:
    finished_scan(store, FINDINGS)
    recorder = Recorder(registry)
    [scan] = Outbox(store).scans()
    reset = httpx.ReadError("connection reset by peer")
    recorder.script(scan.scan_uid, 1, AfterProcessing(reset))
    recorder.script(scan.scan_uid, 2, 503, 500)
    recorder.script(scan.scan_uid, 4, AfterProcessing(reset))
    assert pusher_for(recorder, store).push().complete
    assert (registry.events, registry.batches, registry.replays) == (FINDINGS, BATCHES, 2)
    assert attempts(store) == {1: 2, 2: 3, 3: 1, 4: 2, 5: 1, 6: 1}
    assert len(registry.completed()) == 1


@pytest.mark.parametrize(
    ("fault", "times"),
    [(httpx.ConnectError("connection refused"), 3), (401, 1)],  # 3: max_retries + 1
)
def test_a_registry_gone_mid_scan_stops_the_run_and_loses_nothing(
    registry: FakeRegistry, store: Store, fault: Fault, times: int
) -> None:
    finished_scan(store, FINDINGS)
    later = finished_scan(store, 3)
    recorder = Recorder(registry)
    [scan, _] = Outbox(store).scans()
    recorder.script(scan.scan_uid, 3, *[fault] * times)
    report = pusher_for(recorder, store).push()
    assert report.stopped is not None
    assert "findings #4 of scan" in report.stopped
    assert len(report.scans) == 1  # the later scan waits for the next run
    pending = {s.scan_id: s for s in Outbox(store).scans(pending_only=True)}
    assert set(pending) == {scan.scan_id, later}
    assert pending[scan.scan_id].delivered_items == registry.batches + 1  # open included
    assert pending[scan.scan_id].error == report.stopped

    assert pusher_for(recorder, store).push().complete
    assert (registry.events, registry.batches, registry.replays) == (FINDINGS + 3, BATCHES + 1, 0)
    assert len(registry.completed()) == 2


def test_concurrency_must_be_positive(store: Store) -> None:
    with pytest.raises(ValueError, match="concurrency"):
        Pusher(httpx.Client(), store, concurrency=0)


def _overlapping(log: list[tuple[str, str]]) -> int:
    """The most batches the registry had in flight at one time."""
    flight = most = 0
    for event, what in log:
        if what.startswith("batch"):
            flight += 1 if event == "start" else -1
            most = max(most, flight)
    return most


@pytest.mark.parametrize("configured", [1, 3])
def test_the_configured_concurrency_is_what_the_push_uses(
    registry: FakeRegistry, store: Store, configured: int
) -> None:
    finished_scan(store, FINDINGS)
    recorder = Recorder(registry, together=3 if configured == 3 else 0)
    settings = PushSettings(
        url="https://registry.test", token=TOKEN, max_retries=0, concurrency=configured
    )
    report = deliver(settings, store, client_factory=lambda _: client_for(recorder))
    assert report.complete
    assert registry.events == FINDINGS
    assert _overlapping(recorder.log) == configured


def test_a_concurrency_out_of_range_is_refused_naming_the_field(tmp_path: Path) -> None:
    config = tmp_path / "cloudcensus.yaml"
    config.write_text(
        "registry:\n  url: https://registry.example.org\n  token: x\n  concurrency: 0\n"
    )
    with pytest.raises(ConfigError) as refused:
        load_settings(config)
    assert "registry.concurrency" in str(refused.value)
