"""The real APScheduler behind `ScanScheduler`, driven by a clock of the test's own:
no overlapping scans, missed runs coalesced, late runs skipped, one-off jobs queued."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from cloudcensus.scanner.config import ScheduleSettings
from cloudcensus.scanner.schedule import ScanScheduler, SkipReason

WAIT_S = 10


class Runs:
    """A job that records its runs and can be held inside a run."""

    def __init__(self) -> None:
        self.count = 0
        self.running = 0
        self.most_at_once = 0
        self.order: list[str] = []
        self.started = threading.Event()
        self.release = threading.Event()
        self.release.set()
        self.skips: list[tuple[SkipReason, datetime]] = []
        self.skipped = threading.Event()
        self.lock = threading.Lock()

    def __call__(self) -> None:
        with self.lock:
            self.count += 1
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
            self.order.append("scan")
        self.started.set()
        self.release.wait(WAIT_S)
        with self.lock:
            self.running -= 1

    def on_skip(self, reason: SkipReason, when: datetime) -> None:
        self.skips.append((reason, when))
        self.skipped.set()


@pytest.fixture
def runs() -> Runs:
    return Runs()


@pytest.fixture
def make(runs: Runs) -> Iterator[Callable[..., ScanScheduler]]:
    made: list[ScanScheduler] = []

    def build(settings: ScheduleSettings, clock: Callable[[], datetime]) -> ScanScheduler:
        scheduler = ScanScheduler(settings, runs, clock=clock, on_skip=runs.on_skip)
        made.append(scheduler)
        return scheduler

    yield build
    for scheduler in made:
        scheduler.shutdown()


def now() -> datetime:
    return datetime.now(UTC)


def far_hour() -> str:
    """A daily line whose run is 12 hours away: nothing is due around the test."""
    return f"0 {(datetime.now(ZoneInfo('Europe/Brussels')) + timedelta(hours=12)).hour} * * *"


def test_a_run_due_while_a_scan_runs_is_skipped_not_queued(
    runs: Runs, make: Callable[..., ScanScheduler]
) -> None:
    runs.release.clear()
    scheduler = make(ScheduleSettings(cron=far_hour(), jitter_s=0), now)
    scheduler.start(run_now=True)
    assert runs.started.wait(WAIT_S)
    scheduler.run_now()
    assert runs.skipped.wait(WAIT_S)
    assert [reason for reason, _ in runs.skips] == ["overlap"]
    runs.release.set()
    next_run = scheduler.next_run_time()
    assert next_run is not None
    assert next_run - now() > timedelta(hours=11)  # back on the cron line
    assert runs.count == 1
    assert runs.most_at_once == 1


def test_runs_missed_while_asleep_collapse_into_one(
    runs: Runs, make: Callable[..., ScanScheduler]
) -> None:
    five_minutes_ago = now() - timedelta(minutes=5)
    settings = ScheduleSettings(cron="* * * * *", jitter_s=0, misfire_grace_s=3600)
    scheduler = make(settings, lambda: five_minutes_ago)
    scheduler.start(run_now=True)  # due five minutes ago: five or six runs are owed
    assert runs.started.wait(WAIT_S)
    assert not runs.skipped.wait(1.0)
    assert runs.count == 1


def test_a_run_later_than_the_grace_time_is_skipped_and_reported(
    runs: Runs, make: Callable[..., ScanScheduler]
) -> None:
    two_hours_ago = now() - timedelta(hours=2)
    settings = ScheduleSettings(cron=far_hour(), jitter_s=0, misfire_grace_s=60)
    scheduler = make(settings, lambda: two_hours_ago)
    scheduler.start(run_now=True)
    assert runs.skipped.wait(WAIT_S)
    assert runs.skips == [("missed", two_hours_ago)]
    assert runs.count == 0


def test_one_off_jobs_wait_for_the_running_scan(
    runs: Runs, make: Callable[..., ScanScheduler]
) -> None:
    runs.release.clear()
    scheduler = make(ScheduleSettings(cron=far_hour(), jitter_s=0), now)
    scheduler.start(run_now=True)
    assert runs.started.wait(WAIT_S)
    pushed = threading.Event()

    def push() -> None:
        runs.order.append("push")
        pushed.set()

    scheduler.submit(push, "push")
    assert not pushed.wait(0.5)
    runs.release.set()
    assert pushed.wait(WAIT_S)
    assert runs.order == ["scan", "push"]
