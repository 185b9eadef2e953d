"""The run id a shard daemon gives its scheduled scans: the scheduled time of the run,
the same in every shard whatever its jitter or start-up delay, across DST changes."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from cloudcensus.scanner.agent.daemon import Agent
from cloudcensus.scanner.config import load_settings, with_overrides

BRUSSELS = ZoneInfo("Europe/Brussels")


def _agent(tmp_path: Path, shard: str | None, now: datetime, cron: str = "0 2 * * *") -> Agent:
    (tmp_path / "cloudcensus.yaml").write_text(f"schedule:\n  cron: '{cron}'\n")
    settings = with_overrides(
        load_settings(tmp_path / "cloudcensus.yaml"), state_dir=tmp_path, shard=shard
    )
    return Agent(settings, clock=lambda: now)


@pytest.mark.parametrize(
    ("local", "expected"),
    [
        # Winter (CET, UTC+1): every shard's jittered start names the 02:00 run.
        (datetime(2026, 1, 14, 2, 0, 0), "2026-01-14T01:00:00Z"),
        (datetime(2026, 1, 14, 2, 4, 59), "2026-01-14T01:00:00Z"),
        (datetime(2026, 1, 14, 3, 30, 0), "2026-01-14T01:00:00Z"),  # misfire grace
        # Before tonight's run: a run made up at start belongs to last night.
        (datetime(2026, 1, 14, 1, 59, 0), "2026-01-13T01:00:00Z"),
        # Summer (CEST, UTC+2).
        (datetime(2026, 7, 1, 2, 3, 0), "2026-07-01T00:00:00Z"),
        # The night the clocks go back runs once, at the first 02:00 (CEST).
        (datetime(2026, 10, 25, 2, 30, 0, fold=1), "2026-10-25T00:00:00Z"),
    ],
)
def test_every_shard_names_the_run_after_its_scheduled_time(
    tmp_path: Path, local: datetime, expected: str
) -> None:
    for index in range(3):
        agent = _agent(tmp_path, f"{index}/3", local.replace(tzinfo=BRUSSELS))
        assert agent.run_key() == expected


def test_an_hourly_schedule_names_each_hour(tmp_path: Path) -> None:
    now = datetime(2026, 3, 14, 9, 17, tzinfo=BRUSSELS)
    assert _agent(tmp_path, "0/2", now, cron="15 * * * *").run_key() == "2026-03-14T08:15:00Z"


def test_a_whole_estate_daemon_names_no_run(tmp_path: Path) -> None:
    now = datetime(2026, 3, 14, 2, 1, tzinfo=BRUSSELS)
    assert _agent(tmp_path, None, now).run_key() is None
