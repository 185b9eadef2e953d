"""The collection engine, driven by small real providers (implementations of the protocol)."""

from __future__ import annotations

import threading
import time
import tracemalloc
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, ClassVar

import pytest
from pydantic import BaseModel

from cloudcensus.providers.base import CollectionTask, Provider, Scope
from cloudcensus.scanner.collect import CollectSummary, UnitKey, collect
from cloudcensus.scanner.coverage import ANY, CoverageEntry, CoverageStatus, ErrorKind
from cloudcensus.scanner.inventory import Resource

Fetch = Callable[[Scope, str], Iterable[Any]]


class _NoSettings(BaseModel):
    pass


def normalise_item(raw: Any) -> Resource | None:
    """A pure normaliser as a provider would write it: KeyError on a malformed payload."""
    if raw.get("skip"):
        return None
    return Resource(
        provider="fake",
        account=raw["account"],
        region="eu-west-1",
        type="storage.bucket",
        native_type="Fake::Bucket",
        id=raw["id"],
        name=raw["name"],
    )


def items(scope: Scope, collector: str, count: int) -> Iterator[dict[str, Any]]:
    for i in range(count):
        yield {"id": f"{scope.account}/{collector}/{i}", "name": f"b{i}", "account": scope.account}


class FakeProvider:
    """A provider over an in-memory estate; `fail_*` make chosen calls raise typed errors."""

    name: ClassVar[str] = "fake"
    settings_model: ClassVar[type[BaseModel]] = _NoSettings

    def __init__(
        self,
        accounts: Sequence[str],
        fetch: Fetch,
        collectors: Sequence[str] = ("a", "b"),
        fail_scopes: Exception | None = None,
        fail_tasks: dict[str, Exception] | None = None,
    ) -> None:
        self.accounts, self.fetch, self.collectors = accounts, fetch, collectors
        self.fail_scopes, self.fail_tasks = fail_scopes, fail_tasks or {}

    def scopes(self) -> Iterator[Scope]:
        if self.fail_scopes is not None:
            raise self.fail_scopes
        for account in self.accounts:
            yield Scope(provider="fake", account=account, offering="fake")

    def tasks(self, scope: Scope) -> Iterator[CollectionTask]:
        if scope.account in self.fail_tasks:
            raise self.fail_tasks[scope.account]
        for collector in self.collectors:
            yield CollectionTask(
                provider="fake",
                account=scope.account,
                region="eu-west-1",
                collector=collector,
                fetch=lambda c=collector: self.fetch(scope, c),  # type: ignore[misc]
                normalise=normalise_item,
            )

    def classify(self, error: BaseException) -> tuple[ErrorKind, str]:
        if isinstance(error, PermissionError):
            return ErrorKind.ACCESS_DENIED, f"access denied: {error}"
        return ErrorKind.UNEXPECTED, f"{type(error).__name__}: {error}"


class RecordingSink:
    """Keeps what it is given and checks it is always called from one thread."""

    def __init__(self, keep: bool = True) -> None:
        self.keep = keep
        self.threads: set[int] = set()
        self.batches: list[tuple[UnitKey, list[Resource]]] = []
        self.entries: list[CoverageEntry] = []
        self.resources = 0
        self.units = 0
        self.on_add: Callable[[], None] = lambda: None

    def add(self, key: UnitKey, resources: Sequence[Resource]) -> None:
        self.threads.add(threading.get_ident())
        self.resources += len(resources)
        if self.keep:
            self.batches.append((key, list(resources)))
        self.on_add()

    def add_coverage(self, entries: Sequence[CoverageEntry]) -> None:
        self.threads.add(threading.get_ident())
        self.units += len(entries)
        if self.keep:
            self.entries.extend(entries)

    def entry(self, account: str, collector: str) -> CoverageEntry:
        return next(e for e in self.entries if e.account == account and e.collector == collector)


def run(providers: Sequence[Provider], sink: RecordingSink, **kwargs: Any) -> CollectSummary:
    return collect(providers, sink, workers=kwargs.pop("workers", 4), **kwargs)


def test_every_unit_gets_one_entry_and_sink_is_called_from_the_calling_thread() -> None:
    provider = FakeProvider(["111", "222", "333"], lambda s, c: items(s, c, 5))
    sink = RecordingSink()
    summary = run([provider], sink)
    assert sink.threads == {threading.get_ident()}
    assert sorted((e.account, e.collector) for e in sink.entries) == [
        (a, c) for a in ("111", "222", "333") for c in ("a", "b")
    ]
    assert all(e.status is CoverageStatus.COMPLETE and e.resources == 5 for e in sink.entries)
    assert summary.resources == sink.resources == 30
    assert summary.complete


def test_scopes_raising_is_a_provider_wide_gap() -> None:
    provider = FakeProvider(["111"], lambda s, c: [], fail_scopes=PermissionError("nope"))
    sink = RecordingSink()
    summary = run([provider], sink)
    assert [e.key for e in sink.entries] == [("fake", ANY, ANY, ANY)]
    assert sink.entries[0].status is CoverageStatus.FAILED
    assert sink.entries[0].error_kind is ErrorKind.ACCESS_DENIED
    assert not summary.complete
    assert summary.gaps == sink.entries


def test_tasks_raising_is_an_account_wide_gap_and_other_accounts_complete() -> None:
    denied = PermissionError("cannot assume role")
    provider = FakeProvider(["111", "222"], lambda s, c: items(s, c, 3), fail_tasks={"222": denied})
    sink = RecordingSink()
    run([provider], sink)
    wide = sink.entry("222", ANY)
    assert wide.key == ("fake", "222", ANY, ANY)
    assert (wide.status, wide.error_kind) == (CoverageStatus.FAILED, ErrorKind.ACCESS_DENIED)
    assert sink.entry("111", "a").status is CoverageStatus.COMPLETE
    assert sink.resources == 6


def test_fetch_failing_midway_fails_the_unit_but_keeps_what_it_read() -> None:
    def fetch(scope: Scope, collector: str) -> Iterator[dict[str, Any]]:
        yield from items(scope, collector, 3)
        if collector == "a":
            raise ConnectionError("reset by peer")

    sink = RecordingSink()
    run([FakeProvider(["111"], fetch)], sink)
    failed = sink.entry("111", "a")
    assert (failed.status, failed.error_kind) == (CoverageStatus.FAILED, ErrorKind.UNEXPECTED)
    assert failed.resources == 3
    assert failed.errors == 1
    assert "reset by peer" in (failed.message or "")
    kept = [r.id for key, batch in sink.batches if key[3] == "a" for r in batch]
    assert kept == ["111/a/0", "111/a/1", "111/a/2"]
    assert sink.entry("111", "b").status is CoverageStatus.COMPLETE


def test_malformed_item_is_counted_and_named_and_the_rest_goes_on() -> None:
    def fetch(scope: Scope, collector: str) -> list[dict[str, Any]]:
        good = list(items(scope, collector, 2))
        return [*good, {"id": "bad-1", "account": scope.account}, {"skip": True, "id": "x"}]

    sink = RecordingSink()
    summary = run([FakeProvider(["111"], fetch, collectors=("a",))], sink)
    entry = sink.entry("111", "a")
    assert (entry.status, entry.error_kind) == (CoverageStatus.PARTIAL, ErrorKind.MALFORMED)
    assert entry.errors == 1
    assert entry.resources == 2
    assert "a: item bad-1" in (entry.message or "")
    assert "name" in (entry.message or "")
    assert summary.errors == 1
    assert not summary.complete


def test_a_task_past_its_deadline_is_a_timeout_and_the_scan_goes_on() -> None:
    release = threading.Event()

    def fetch(scope: Scope, collector: str) -> Iterator[dict[str, Any]]:
        yield from items(scope, collector, 1)
        if collector == "a":
            release.wait(10)  # a hung SDK call
            yield from items(scope, "late", 1)

    sink = RecordingSink()
    started = time.monotonic()
    try:
        run([FakeProvider(["111"], fetch)], sink, task_timeout_s=0.3, batch_size=1)
    finally:
        release.set()
    assert time.monotonic() - started < 5
    hung = sink.entry("111", "a")
    assert (hung.status, hung.error_kind) == (CoverageStatus.FAILED, ErrorKind.TIMEOUT)
    assert hung.resources == 1
    assert sink.entry("111", "b").status is CoverageStatus.COMPLETE
    assert all("late" not in r.id for _, batch in sink.batches for r in batch)


def test_batches_reach_the_sink_while_the_task_is_still_running() -> None:
    first_batch = threading.Event()

    def fetch(scope: Scope, collector: str) -> Iterator[dict[str, Any]]:
        yield from items(scope, collector, 250)
        if not first_batch.wait(5):  # only a streaming engine lets this go on
            raise TimeoutError("no batch was written while the task ran")
        yield from items(scope, collector + "-tail", 50)

    sink = RecordingSink()
    sink.on_add = first_batch.set
    run([FakeProvider(["111"], fetch, collectors=("a",))], sink, batch_size=100)
    entry = sink.entry("111", "a")
    assert entry.status is CoverageStatus.COMPLETE
    assert entry.resources == 300
    assert [len(batch) for _, batch in sink.batches] == [100, 100, 100]


def test_stop_lets_running_work_finish_and_marks_the_rest_not_complete() -> None:
    stop = threading.Event()
    provider = FakeProvider([f"{i:03}" for i in range(30)], lambda s, c: items(s, c, 2))
    sink = RecordingSink()

    class StopAfterFirstUnit:
        def scopes_found(self, provider: str, count: int) -> None: ...
        def tasks_planned(self, scope: Scope, count: int) -> None: ...
        def resources_collected(self, count: int) -> None: ...
        def unit_done(self, entry: CoverageEntry) -> None:
            stop.set()

    summary = collect([provider], sink, workers=1, stop=stop, progress=StopAfterFirstUnit())
    assert summary.stopped
    assert not summary.complete
    complete = [e for e in sink.entries if e.status is CoverageStatus.COMPLETE]
    assert len(complete) == 1
    assert all(e.resources == 2 for e in complete)
    stopped = [e for e in sink.entries if e.status is CoverageStatus.FAILED]
    assert stopped
    assert all(e.error_kind is ErrorKind.INTERRUPTED for e in stopped)
    assert all("stopped" in (e.message or "") for e in stopped)
    assert ("fake", ANY, ANY, ANY) in {e.key for e in stopped}  # scopes never fully listed


def test_a_sink_error_aborts_the_collection_instead_of_being_a_gap() -> None:
    sink = RecordingSink()

    def broken() -> None:
        raise OSError("disk full")

    sink.on_add = broken
    provider = FakeProvider([f"{i:03}" for i in range(20)], lambda s, c: items(s, c, 50))
    with pytest.raises(OSError, match="disk full"):
        run([provider], sink, batch_size=10)


def _peak_bytes(accounts: int) -> int:
    provider = FakeProvider(
        [f"{i:04}" for i in range(accounts)], lambda s, c: items(s, c, 40), collectors=("a", "b")
    )
    sink = RecordingSink(keep=False)
    tracemalloc.start()
    try:
        summary = run([provider], sink, batch_size=20)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert summary.resources == sink.resources == accounts * 80
    assert summary.units == sink.units == accounts * 2
    return peak


def test_memory_does_not_grow_with_the_number_of_accounts() -> None:
    small, large = _peak_bytes(20), _peak_bytes(200)
    assert large < small * 1.5, (small, large)
