"""A shutdown interrupts the collection: nothing new starts, a hung task is abandoned,
and the coverage says what was not collected, so nothing is swept."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

from cloudcensus.providers.base import Scope
from cloudcensus.scanner.collect import collect
from cloudcensus.scanner.collect.engine import StopSignal
from cloudcensus.scanner.coverage import ANY, CoverageStatus, ErrorKind
from tests.scanner.test_collect import FakeProvider, RecordingSink, items


def test_interrupt_abandons_a_hung_task_and_records_every_unit() -> None:
    hung = threading.Event()
    release = threading.Event()
    stop = StopSignal()

    def fetch(scope: Scope, collector: str) -> Iterator[dict[str, Any]]:
        if collector == "a" and scope.account == "001":
            yield from items(scope, collector, 3)
            hung.set()
            release.wait(30)  # an SDK call that does not come back
        yield from items(scope, collector, 2)

    def interrupt_when_hung() -> None:
        hung.wait(10)
        stop.set()  # first: no new work; the hung task keeps running
        time.sleep(0.3)
        stop.interrupt()

    provider = FakeProvider(["000", "001", "002", "003"], fetch)
    sink = RecordingSink()
    threading.Thread(target=interrupt_when_hung, daemon=True).start()
    began = time.monotonic()
    try:
        summary = collect([provider], sink, workers=2, batch_size=1, stop=stop)
    finally:
        release.set()
    assert time.monotonic() - began < 5
    assert summary.stopped
    abandoned = sink.entry("001", "a")
    assert (abandoned.status, abandoned.error_kind) == (
        CoverageStatus.FAILED,
        ErrorKind.INTERRUPTED,
    )
    assert abandoned.resources == 3  # what it delivered is kept (never swept from)
    assert abandoned.errors == 0
    assert "being collected" in (abandoned.message or "")
    keys = {entry.key for entry in sink.entries}
    assert ("fake", "000", "eu-west-1", "a") in keys
    never = [e for e in sink.entries if e.account in ("002", "003") or e.account == ANY]
    assert never, "units that never ran must be recorded"
    assert all(e.error_kind is ErrorKind.INTERRUPTED for e in never)
