"""When the agent daemon scans: the one module that knows APScheduler (3.x, pinned `<4`).

The schedule is a standard crontab line read in a time zone (`schedule:` settings).
APScheduler 3 gets three things wrong for that use, fixed here once:

- its `from_crontab` numbers weekdays from Monday (0 = Monday); crontab numbers them
  from Sunday (0 and 7 = Sunday). `parse_cron` translates the day-of-week field to
  names, so `1-5` means Monday to Friday as every crontab reader expects;
- it ANDs a restricted day-of-month with a restricted day-of-week, where cron ORs them:
  `parse_cron` refuses a line that restricts both rather than guess;
- when the clocks go back it fires a fixed wall-clock time twice (02:00 CEST, then
  02:00 CET an hour later). `ScanTrigger` skips the repeat when the hour field is fixed,
  as cron does; an hourly line (`15 * * * *`) keeps both runs, an hour apart. A time
  that does not exist when the clocks go forward fires at the change (03:00 CEST).

Time is injected: the trigger's computations take the time they are given, and
`ScanScheduler` asks its `clock` whenever it decides something ("run now"), so tests
use a real scheduler with a clock of their own and never sleep. APScheduler itself
dispatches on the real clock. Jobs run on one worker thread: `max_instances=1` (a scan
never overlaps the previous one, a run due meanwhile is skipped and reported),
`coalesce` (runs missed while asleep collapse into one) and a misfire grace time (a run
later than that is skipped and reported).
"""

from __future__ import annotations

import itertools
import logging
import random as _random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from apscheduler.events import (
    EVENT_JOB_MAX_INSTANCES,
    EVENT_JOB_MISSED,
    JobExecutionEvent,
    JobSubmissionEvent,
)
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger

from cloudcensus.scanner.daemonconfig import ScheduleSettings

__all__ = [
    "Clock",
    "ScanScheduler",
    "ScanTrigger",
    "SkipReason",
    "build_trigger",
    "max_age",
    "missed_run",
    "parse_cron",
    "utc_now",
]

logger = logging.getLogger(__name__)

Clock = Callable[[], datetime]
#: Why a scheduled run did not start: still busy with the previous one, or too late.
SkipReason = Literal["overlap", "missed"]

_MACROS = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}
_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_FIELDS = ("minute", "hour", "day", "month", "day_of_week")
#: How far ahead `longest_gap` looks: a year and a bit covers every DST change and
#: month length; the fire cap bounds the work for a line that fires every minute.
_HORIZON = timedelta(days=400)
_MAX_FIRES = 5000
_SCAN_JOB = "scan"


def utc_now() -> datetime:
    """The production clock."""
    return datetime.now(UTC)


def _weekday(text: str) -> int:
    name = text.strip().lower()
    if name in _DAYS:
        return _DAYS.index(name)
    if not name.isdigit() or int(name) > 7:
        raise ValueError(f"day-of-week: {text!r} is not 0-7 or sun-sat")
    return int(name) % 7


def _days_of_week(field: str) -> str:
    """A crontab day-of-week field (0/7 = Sunday) as APScheduler day names."""
    if field == "*":
        return "*"
    days: set[int] = set()
    for part in field.split(","):
        span, _, step_text = part.partition("/")
        step = int(step_text) if step_text.isdigit() and int(step_text) > 0 else None
        if step_text and step is None:
            raise ValueError(f"day-of-week: bad step in {part!r}")
        if span == "*":
            first, last = 0, 6
        elif "-" in span:
            low, high = span.split("-", 1)
            first, last = _weekday(low), _weekday(high)
            last = 7 if last == 0 and first > 0 else last  # 5-7, fri-sun
            if last < first:
                raise ValueError(f"day-of-week: range {span!r} runs backwards")
        else:
            first = last = _weekday(span)
            if step is not None:
                raise ValueError(f"day-of-week: a step needs a range or '*' ({part!r})")
        days.update(day % 7 for day in range(first, last + 1, step or 1))
    return ",".join(_DAYS[day] for day in sorted(days))


def parse_cron(expr: str) -> dict[str, str]:
    """A crontab line (five fields or an @macro) as CronTrigger field arguments.

    Standard crontab semantics: weekdays 0-7 with 0 and 7 Sunday, names allowed. A line
    restricting both the day of month and the day of week is refused (cron would run on
    either; APScheduler only on both). Raises `ValueError` saying what is wrong.
    """
    line = " ".join(expr.split())
    line = _MACROS.get(line.lower(), line)
    values = line.split(" ")
    if len(values) != len(_FIELDS):
        raise ValueError(
            "a cron line has five fields: minute hour day-of-month month day-of-week "
            "(or @hourly, @daily, @weekly, @monthly, @yearly)"
        )
    fields = dict(zip(_FIELDS, values, strict=True))
    if not fields["day"].startswith("*") and not fields["day_of_week"].startswith("*"):
        raise ValueError(
            "restrict the day of month or the day of week, not both (cron would run on "
            "either day, APScheduler only on days matching both): put '*' in one of them"
        )
    fields["day_of_week"] = _days_of_week(fields["day_of_week"])
    try:
        CronTrigger(**fields, timezone=UTC)
    except ValueError as error:
        raise ValueError(f"not a valid cron line: {error}") from None
    return fields


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _is_repeat(moment: datetime) -> bool:
    """True for the second occurrence of a wall-clock time when the clocks go back."""
    return moment.fold == 1 and moment.replace(fold=0).utcoffset() != moment.utcoffset()


class ScanTrigger(BaseTrigger):  # type: ignore[misc]
    """The agent's cron trigger: crontab semantics, one run per fixed wall-clock time
    across DST, and a jitter drawn from an injectable `random` (uniform in [0, 1))."""

    def __init__(
        self,
        fields: dict[str, str],
        timezone: ZoneInfo,
        jitter_s: float = 0,
        random: Callable[[], float] = _random.random,
    ) -> None:
        self._cron = CronTrigger(**fields, timezone=timezone)
        self._skip_repeats = not fields["hour"].startswith("*")
        self.timezone = timezone
        self.jitter_s = jitter_s
        self._random = random

    def __str__(self) -> str:
        return f"cron[{self._cron}, jitter={self.jitter_s:g}s]"

    def scheduled_after(self, previous: datetime | None, now: datetime) -> datetime | None:
        """The next scheduled time (without jitter), as `get_next_fire_time` computes it."""
        fire: datetime | None = self._cron.get_next_fire_time(previous, now)
        while fire is not None and self._skip_repeats and _is_repeat(fire):
            fire = self._cron.get_next_fire_time(fire, fire)
        return fire

    def get_next_fire_time(self, previous: datetime | None, now: datetime) -> datetime | None:
        fire = self.scheduled_after(previous, now)
        if fire is None or not self.jitter_s:
            return fire
        return fire + timedelta(seconds=self._random() * self.jitter_s)

    def fires(self, start: datetime, until: datetime) -> list[datetime]:
        """Scheduled times (no jitter) from `start` (inclusive) up to `until`, at most
        `_MAX_FIRES` of them."""
        found: list[datetime] = []
        fire = self.scheduled_after(None, start)
        while fire is not None and _utc(fire) <= _utc(until) and len(found) < _MAX_FIRES:
            found.append(fire)
            fire = self.scheduled_after(fire, fire)
        return found

    def longest_gap(self, start: datetime) -> timedelta:
        """The longest real time between two consecutive runs in the year from `start`
        (25 h for a nightly line across the autumn DST change, 3 days for weekdays)."""
        fires = [_utc(f) for f in self.fires(start, start + _HORIZON)]
        if len(fires) < 2:
            return _HORIZON
        return max(later - earlier for earlier, later in itertools.pairwise(fires))

    def previous(self, now: datetime) -> datetime | None:
        """The latest scheduled time at or before `now` (no jitter), None if none in
        the last two horizons."""
        window = self.longest_gap(now - _HORIZON) + timedelta(days=1)
        while window <= 2 * _HORIZON:
            fires = self.fires(now - window, now)
            if fires:
                return fires[-1]
            window *= 2
        return None


def build_trigger(
    settings: ScheduleSettings, random: Callable[[], float] = _random.random
) -> ScanTrigger:
    """The trigger of the configured schedule."""
    zone = ZoneInfo(settings.timezone)
    return ScanTrigger(parse_cron(settings.cron), zone, settings.jitter_s, random)


def max_age(settings: ScheduleSettings, trigger: ScanTrigger, now: datetime) -> timedelta:
    """How old the newest successful scan may be before /readyz fails: `max_age_s`, or
    twice the longest interval of the cron (one missed or failed run is tolerated)."""
    if settings.max_age_s is not None:
        return timedelta(seconds=settings.max_age_s)
    return 2 * trigger.longest_gap(now)


def missed_run(last_success: datetime | None, trigger: ScanTrigger, now: datetime) -> bool:
    """Whether the agent must scan at start: no successful scan yet, or the newest one
    started before the latest scheduled time (that run was missed, failed or cut short)."""
    if last_success is None:
        return True
    latest = trigger.previous(now)
    return latest is not None and _utc(last_success) < _utc(latest)


class ScanScheduler:
    """A running schedule: one cron job (`job`), plus one-off jobs on the same worker.

    `on_skip(reason, scheduled_time)` is told about every run that did not start:
    `overlap` (the previous scan still runs) or `missed` (later than the grace time).
    """

    def __init__(
        self,
        settings: ScheduleSettings,
        job: Callable[[], object],
        *,
        clock: Clock = utc_now,
        on_skip: Callable[[SkipReason, datetime], None] | None = None,
        random: Callable[[], float] = _random.random,
    ) -> None:
        self.trigger = build_trigger(settings, random)
        self._job = job
        self._clock = clock
        self._on_skip = on_skip or (lambda reason, when: None)
        self._scheduler = BackgroundScheduler(
            # Not a daemon: the threads of a scan inherit the flag, and a stopping agent
            # must see (and wait for, within its grace period) those still busy.
            daemon=False,
            timezone=self.trigger.timezone,
            executors={"default": ThreadPoolExecutor(max_workers=1)},
            job_defaults={
                "max_instances": 1,
                "coalesce": True,
                "misfire_grace_time": settings.misfire_grace_s,
            },
        )
        self._scheduler.add_listener(self._skipped, EVENT_JOB_MISSED | EVENT_JOB_MAX_INSTANCES)

    def start(self, *, run_now: bool = False) -> None:
        """Start the schedule; `run_now` makes its first run now (the clock's now)."""
        first: dict[str, Any] = {"next_run_time": self._clock()} if run_now else {}
        self._scheduler.add_job(self._job, self.trigger, id=_SCAN_JOB, name="scan", **first)
        self._scheduler.start()

    def run_now(self) -> None:
        """Make the next scheduled run happen now; skipped (`overlap`) while one runs."""
        self._scheduler.modify_job(_SCAN_JOB, next_run_time=self._clock())

    def submit(self, job: Callable[[], object], name: str) -> None:
        """Run a one-off job on the schedule's worker as soon as it is free (never
        concurrently with a scan)."""
        self._scheduler.add_job(job, "date", name=name, misfire_grace_time=None)

    def next_run_time(self) -> datetime | None:
        """When the next scan is due (jitter included), None once shut down."""
        job = self._scheduler.get_job(_SCAN_JOB)
        when: datetime | None = job.next_run_time if job is not None else None
        return when

    def shutdown(self) -> None:
        """Take no more work; a job already running carries on (the caller waits)."""
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)

    def _skipped(self, event: JobExecutionEvent | JobSubmissionEvent) -> None:
        if event.job_id != _SCAN_JOB:
            return
        if event.code == EVENT_JOB_MISSED:
            self._on_skip("missed", event.scheduled_run_time)
        else:
            for when in event.scheduled_run_times:
                self._on_skip("overlap", when)
