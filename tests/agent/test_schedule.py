"""When the agent scans: crontab semantics, time zones and DST, jitter, the derived
maximum age, and the configuration errors a typo gives."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from cloudcensus.scanner.config import ConfigError, ScheduleSettings, load_settings
from cloudcensus.scanner.schedule import ScanTrigger, build_trigger, max_age, parse_cron

BRUSSELS = ZoneInfo("Europe/Brussels")


def fires(trigger: ScanTrigger, start: datetime, count: int) -> list[datetime]:
    """The next `count` fire times after `start`, as APScheduler would ask for them."""
    found: list[datetime] = []
    previous, now = None, start
    for _ in range(count):
        fire = trigger.get_next_fire_time(previous, now)
        assert fire is not None
        found.append(fire)
        previous = now = fire
    return found


def local(moment: datetime) -> str:
    return moment.astimezone(BRUSSELS).strftime("%a %Y-%m-%d %H:%M %Z")


def test_the_default_schedule_is_nightly_at_two_in_brussels() -> None:
    trigger = build_trigger(ScheduleSettings(jitter_s=0))
    start = datetime(2026, 6, 10, 1, 0, tzinfo=UTC)  # 03:00 CEST: tonight's run is past
    assert [local(f) for f in fires(trigger, start, 2)] == [
        "Thu 2026-06-11 02:00 CEST",
        "Fri 2026-06-12 02:00 CEST",
    ]


def test_the_night_the_clocks_go_back_runs_once() -> None:
    trigger = build_trigger(ScheduleSettings(jitter_s=0))
    start = datetime(2025, 10, 25, 12, 0, tzinfo=BRUSSELS)
    runs = fires(trigger, start, 3)
    assert [local(f) for f in runs] == [
        "Sun 2025-10-26 02:00 CEST",
        "Mon 2025-10-27 02:00 CET",
        "Tue 2025-10-28 02:00 CET",
    ]
    assert runs[1].astimezone(UTC) - runs[0].astimezone(UTC) == timedelta(hours=25)


def test_an_hourly_line_keeps_both_runs_of_the_repeated_hour() -> None:
    trigger = build_trigger(ScheduleSettings(cron="15 * * * *", jitter_s=0))
    start = datetime(2025, 10, 26, 1, 30, tzinfo=BRUSSELS)
    runs = fires(trigger, start, 3)
    gaps = [b.astimezone(UTC) - a.astimezone(UTC) for a, b in itertools.pairwise(runs)]
    assert gaps == [timedelta(hours=1), timedelta(hours=1)]  # 02:15 CEST, 02:15 CET, 03:15


def test_a_time_the_clocks_skip_runs_at_the_change() -> None:
    trigger = build_trigger(ScheduleSettings(cron="30 2 * * *", jitter_s=0))
    start = datetime(2025, 3, 29, 12, 0, tzinfo=BRUSSELS)
    first, second = fires(trigger, start, 2)
    assert first.astimezone(UTC) == datetime(2025, 3, 30, 1, 30, tzinfo=UTC)  # 03:30 CEST
    assert local(second) == "Mon 2025-03-31 02:30 CEST"


@pytest.mark.parametrize(
    ("line", "days"),
    [
        ("0 6 * * 1-5", ["Mon", "Tue", "Wed", "Thu", "Fri"]),
        ("0 6 * * 0", ["Sun"]),
        ("0 6 * * 7", ["Sun"]),
        ("0 6 * * 5-7", ["Fri", "Sat", "Sun"]),
        ("0 6 * * sat,sun", ["Sat", "Sun"]),
        ("0 6 * * */2", ["Sun", "Tue", "Thu", "Sat"]),
        ("@weekly", ["Sun"]),
    ],
)
def test_weekdays_are_numbered_as_in_crontab(line: str, days: list[str]) -> None:
    trigger = build_trigger(ScheduleSettings(cron=line, jitter_s=0))
    start = datetime(2026, 6, 1, 0, 0, tzinfo=BRUSSELS)  # a Monday
    seen = {f.astimezone(BRUSSELS).strftime("%a") for f in fires(trigger, start, 14)}
    assert sorted(seen) == sorted(days)


def test_jitter_only_delays_by_at_most_the_configured_seconds() -> None:
    draws = iter([0.0, 0.5, 0.999])
    settings = ScheduleSettings(jitter_s=600)
    trigger = build_trigger(settings, random=lambda: next(draws))
    start = datetime(2026, 6, 10, 12, 0, tzinfo=BRUSSELS)
    runs = [trigger.get_next_fire_time(None, start) for _ in range(3)]
    base = datetime(2026, 6, 11, 2, 0, tzinfo=BRUSSELS)
    assert [r - base for r in runs if r is not None] == [
        timedelta(0),
        timedelta(seconds=300),
        timedelta(seconds=599.4),
    ]


def test_the_default_max_age_is_twice_the_longest_interval() -> None:
    now = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)
    nightly = ScheduleSettings()
    # a year ahead holds the autumn change: one night lasts 25 hours
    assert max_age(nightly, build_trigger(nightly), now) == timedelta(hours=50)
    weekdays = ScheduleSettings(cron="0 6 * * 1-5")
    # Friday to Monday, and one weekend an hour longer
    assert max_age(weekdays, build_trigger(weekdays), now) == 2 * timedelta(days=3, hours=1)
    explicit = ScheduleSettings(max_age_s=7200)
    assert max_age(explicit, build_trigger(explicit), now) == timedelta(hours=2)


def test_previous_run_is_the_latest_scheduled_time_not_after_now() -> None:
    trigger = build_trigger(ScheduleSettings(cron="0 6 * * 1-5"))
    monday_noon = datetime(2026, 6, 8, 12, 0, tzinfo=BRUSSELS)
    assert trigger.previous(monday_noon) == datetime(2026, 6, 8, 6, 0, tzinfo=BRUSSELS)
    monday_early = datetime(2026, 6, 8, 5, 0, tzinfo=BRUSSELS)
    assert trigger.previous(monday_early) == datetime(2026, 6, 5, 6, 0, tzinfo=BRUSSELS)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("0 2 * *", "five fields"),
        ("0 25 * * *", "not a valid cron line"),
        ("0 2 1 * 1", "not both"),
        ("0 2 * * 8", "day-of-week"),
    ],
)
def test_bad_lines_are_refused_with_the_reason(line: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_cron(line)


def test_a_schedule_typo_is_a_configuration_error_naming_the_field(tmp_path: Path) -> None:
    config = tmp_path / "cloudcensus.yaml"
    config.write_text(
        "schedule:\n  cron: '0 2 * * * *'\n  timezone: Europe/Brusels\nagent:\n  listen: x\n"
    )
    with pytest.raises(ConfigError) as caught:
        load_settings(config)
    issues = "\n".join(caught.value.issues)
    assert f"{config}:2: schedule.cron:" in issues
    assert f"{config}:3: schedule.timezone: Value error, not an IANA time zone" in issues
    assert f"{config}:5: agent.listen: Value error, expected HOST:PORT" in issues
