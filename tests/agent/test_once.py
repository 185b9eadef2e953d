"""`cloudcensus agent --once` (a Kubernetes CronJob): one real scan of the emulated
account into the store and the outbox, pushed to a registry over HTTP, JSON logs
without a secret, and the exit codes a CronJob reports."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from cloudcensus.scanner.cli import EXIT_PUSH_PENDING, EXIT_USAGE, cli
from cloudcensus.scanner.store import Outbox, ScanStatus, Store
from tests.push.fakeregistry import FakeRegistry

from .conftest import BUCKETS, SlowProxy, assert_no_secret, run_agent, write_config


def test_once_keeps_what_it_could_not_push_and_delivers_it_next_time(
    proxy: SlowProxy, registry: tuple[FakeRegistry, str], tmp_path: Path
) -> None:
    fake, url = registry
    config = write_config(tmp_path, url)
    fake.fail_next(503)  # the registry is down for the first run
    code, output, _ = run_agent(proxy, tmp_path, "--once", "--config", str(config))
    assert code == EXIT_PUSH_PENDING, output
    assert "kept for the next push" in output
    assert fake.completed() == []
    assert_no_secret(output)

    code, output, records = run_agent(proxy, tmp_path, "--once", "--config", str(config))
    assert code == 0, output
    assert_no_secret(output)
    assert all({"time", "level", "logger", "message"} <= record.keys() for record in records)
    [summary] = [r for r in records if r["logger"] == "cloudcensus.agent" and "status" in r]
    assert summary["status"] == "complete"
    assert summary["resources"] >= len(BUCKETS)
    scan_lines = [r for r in records if r["logger"].startswith("cloudcensus.scanner")]
    assert {r.get("scan_id") for r in scan_lines} == {summary["scan_id"]}
    with Store.open(tmp_path / "state" / "cloudcensus.sqlite") as store:
        scans = store.scans()
        assert [s.status for s in scans] == [ScanStatus.COMPLETE, ScanStatus.COMPLETE]
        queued = Outbox(store).scans()
        assert [s.pending for s in queued] == [False, False]
        assert fake.completed() == [s.scan_uid for s in queued]  # oldest first
        stored = sum(1 for scan in scans for _ in store.findings(scan.id))
        assert fake.events == stored == 2 * summary["findings"]
        names = {r.name for r in store.resources(scans[0].id) if r.type == "storage.bucket"}
    assert names == set(BUCKETS)


def test_a_bad_setting_stops_the_agent_before_it_starts(tmp_path: Path) -> None:
    config = write_config(
        tmp_path, None, schedule="schedule:\n  cron: '0 2 * *'\n", agent="agent:\n  listen: x\n"
    )
    result = CliRunner().invoke(cli, ["agent", "--config", str(config)])
    assert result.exit_code == EXIT_USAGE
    assert "schedule.cron: Value error, a cron line has five fields" in result.output
    assert "agent.listen: Value error, expected HOST:PORT" in result.output
    good = write_config(tmp_path, None)
    result = CliRunner().invoke(cli, ["agent", "--config", str(good), "--listen", "9464"])
    assert result.exit_code == EXIT_USAGE
    assert "--listen" in result.output
