"""Whether a starting agent scans at once: decided from the store's newest successful
scan and the schedule, at a time the test chooses."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from cloudcensus.scanner.agent import last_successful_scan
from cloudcensus.scanner.config import ScheduleSettings
from cloudcensus.scanner.coverage import CoverageEntry, CoverageStatus, ErrorKind
from cloudcensus.scanner.schedule import build_trigger, missed_run
from cloudcensus.scanner.store import ScanStatus, Store

BRUSSELS = ZoneInfo("Europe/Brussels")
TONIGHT = datetime(2026, 6, 11, 2, 0, tzinfo=BRUSSELS)  # a scheduled run of the default
NIGHTLY = build_trigger(ScheduleSettings())


def entry(collector: str, kind: ErrorKind | None = None) -> CoverageEntry:
    status = CoverageStatus.FAILED if kind else CoverageStatus.COMPLETE
    return CoverageEntry(
        provider="aws",
        account="111111111111",
        region="eu-west-1",
        collector=collector,
        status=status,
        error_kind=kind,
    )


def scan(store: Store, started: datetime, status: ScanStatus, *gaps: ErrorKind) -> None:
    scan_id = store.begin_scan(["aws"], started=started)
    entries = [entry("s3.buckets")] + [entry(f"gap-{i}", kind) for i, kind in enumerate(gaps)]
    store.add_coverage(scan_id, entries)
    store.finish_scan(scan_id, status)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "cloudcensus.sqlite") as opened:
        yield opened


def last_success(store: Store) -> datetime | None:
    record = last_successful_scan(store)
    return record.started if record else None


def test_an_empty_store_scans_at_start(store: Store) -> None:
    assert last_success(store) is None
    assert missed_run(None, NIGHTLY, TONIGHT + timedelta(hours=9))


def test_a_scan_after_the_latest_scheduled_time_is_enough(store: Store) -> None:
    scan(store, TONIGHT + timedelta(minutes=4), ScanStatus.COMPLETE)
    for now in (TONIGHT + timedelta(hours=1), TONIGHT + timedelta(hours=23)):
        assert not missed_run(last_success(store), NIGHTLY, now)


def test_a_restart_after_the_night_it_was_down_scans_at_once(store: Store) -> None:
    scan(store, TONIGHT - timedelta(days=1, minutes=-3), ScanStatus.COMPLETE)
    assert not missed_run(last_success(store), NIGHTLY, TONIGHT - timedelta(minutes=1))
    assert missed_run(last_success(store), NIGHTLY, TONIGHT + timedelta(hours=7))


def test_a_partial_scan_with_ordinary_gaps_counts_as_success(store: Store) -> None:
    started = TONIGHT + timedelta(minutes=2)
    scan(store, started, ScanStatus.PARTIAL, ErrorKind.ACCESS_DENIED)
    assert last_success(store) == started
    assert not missed_run(started, NIGHTLY, TONIGHT + timedelta(hours=3))


def test_failed_and_interrupted_scans_do_not_count(store: Store) -> None:
    yesterday = TONIGHT - timedelta(days=1)
    scan(store, yesterday, ScanStatus.COMPLETE)
    scan(store, TONIGHT, ScanStatus.FAILED)
    scan(store, TONIGHT + timedelta(minutes=5), ScanStatus.PARTIAL, ErrorKind.INTERRUPTED)
    assert last_success(store) == yesterday
    assert missed_run(last_success(store), NIGHTLY, TONIGHT + timedelta(hours=1))
