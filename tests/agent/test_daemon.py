"""The `cloudcensus agent` daemon as a real process, through three starts of one agent:
it scans at start when a run was missed, answers /healthz, /readyz and /metrics over
HTTP with real values, stops on a real SIGTERM within its grace period with the scan
recorded, and later starts deliver whatever was left pending."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from cloudcensus.scanner.cli import EXIT_INTERRUPTED, EXIT_USAGE
from cloudcensus.scanner.coverage import CoverageStatus, ErrorKind
from cloudcensus.scanner.store import Outbox, ScanStatus, Store
from cloudcensus.wire import v1
from tests.push.fakeregistry import FakeRegistry

from .conftest import BUCKETS, AgentProcess, SlowProxy, assert_no_secret, run_agent, write_config

GRACE_S = 6  # write_config's agent.shutdown_grace_s
Metrics = dict[tuple[str, frozenset[tuple[str, str]]], float]


def metrics(agent: AgentProcess) -> Metrics:
    status, text = agent.get("/metrics")
    assert status == 200
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(values: Metrics, name: str, **labels: str) -> float:
    return values[name, frozenset(labels.items())]


def readiness(agent: AgentProcess) -> tuple[int, dict[str, dict[str, object]]]:
    status, body = agent.get("/readyz")
    return status, json.loads(body)["checks"]


def store_of(root: Path) -> Store:
    return Store.open(root / "state" / "cloudcensus.sqlite")


def stop_mid_scan(agent: AgentProcess, proxy: SlowProxy, tmp_path: Path) -> str:
    """SIGTERM while a collection call hangs; checks what was recorded, returns the
    interrupted scan's uid."""
    deadline = time.monotonic() + 60
    while proxy.hits["DescribeVolumes"] == 0 or proxy.hits.total() < 20:
        assert time.monotonic() < deadline, agent.output
        time.sleep(0.05)
    assert agent.get("/healthz") == (200, "ok\n")
    status, checks = readiness(agent)
    assert status == 503
    assert checks["last_scan"]["ok"] is False
    assert "started 3d 0h ago (limit 2d 2h)" in str(checks["last_scan"]["detail"])
    assert checks["store"]["ok"]
    assert checks["config"]["ok"]
    assert value(metrics(agent), "cloudcensus_scan_running") == 1

    code, took = agent.stop()
    assert code == EXIT_INTERRUPTED, agent.output
    assert took < GRACE_S + 1.5
    agent.message("interrupting the collection tasks still running")
    agent.message("was cut short by the shutdown: recorded as partial")
    with store_of(tmp_path) as store:
        scan = store.scans()[0]
        assert scan.status is ScanStatus.PARTIAL
        coverage = {entry.collector: entry for entry in store.coverage(scan.id)}
        volumes = coverage["ec2.volumes"]
        assert (volumes.status, volumes.error_kind) == (
            CoverageStatus.FAILED,
            ErrorKind.INTERRUPTED,
        )
        assert any(entry.status is CoverageStatus.COMPLETE for entry in coverage.values())
        [queued] = Outbox(store).scans()
        assert queued.pending
        return queued.scan_uid


def test_an_agent_stopped_mid_scan_catches_up_and_delivers_after_restarts(
    proxy: SlowProxy,
    registry: tuple[FakeRegistry, str],
    start_agent: Callable[..., AgentProcess],
    tmp_path: Path,
) -> None:
    fake, url = registry
    config = write_config(tmp_path, url)
    with store_of(tmp_path) as store:  # the last success, three days ago
        old = store.begin_scan(["aws"], started=datetime.now(UTC) - timedelta(days=3))
        store.finish_scan(old, ScanStatus.COMPLETE)
    fake.fail_next(503, 503)  # the registry is down for the first two starts

    # 1. A scheduled run was missed: the agent scans at once; SIGTERM while it hangs.
    proxy.held_actions = {"DescribeVolumes"}
    first = start_agent("--config", str(config))
    first.message("a scheduled scan was missed, scanning now")
    interrupted = stop_mid_scan(first, proxy, tmp_path)
    assert fake.completed() == []

    # 2. The interrupted scan does not count: the next start scans again.
    proxy.reset()
    second = start_agent("--config", str(config))
    second.message("a scheduled scan was missed, scanning now")
    summary = second.wait_for(lambda record: record.get("status") == "complete")
    second.message("next scan at")
    status, checks = readiness(second)
    assert status == 200, checks
    values = metrics(second)
    assert value(values, "cloudcensus_scan_running") == 0
    buckets = value(values, "cloudcensus_resources", provider="aws", type="storage.bucket")
    assert buckets == len(BUCKETS)
    findings = [v for (name, _), v in values.items() if name == "cloudcensus_findings"]
    assert sum(findings) == summary["findings"] > 0
    assert value(values, "cloudcensus_findings", status="fail", severity="medium") > 0
    assert value(values, "cloudcensus_scans_total", status="complete") == 1
    assert value(values, "cloudcensus_outbox_pending_scans") == 2
    assert value(values, "cloudcensus_push_failures_total") == 1
    assert abs(value(values, "cloudcensus_last_success_timestamp_seconds") - time.time()) < 120
    assert value(values, "cloudcensus_next_scan_timestamp_seconds") > time.time()
    assert value(values, "cloudcensus_agent_info", version="0.1.0") == 1
    assert second.get("/nothing")[0] == 404
    code, took = second.stop()
    assert code == 0
    assert took < GRACE_S

    # 3. The registry is back and no run is owed: the start delivers what is pending.
    third = start_agent("--config", str(config))
    assert "next scan at" in third.message("started")["message"]
    third.message(f"scan {summary['scan_id']} delivered")
    assert third.message("still pending delivery")["pending"] == 0
    assert value(metrics(third), "cloudcensus_outbox_pending_scans") == 0
    assert fake.completed()[0] == interrupted
    assert len(fake.completed()) == 2
    outcome = fake.scans[interrupted].completed
    assert outcome is not None
    assert outcome.status is v1.ScanOutcome.PARTIAL
    assert third.stop()[0] == 0
    assert not [r for r in third.records if "collecting" in r["message"]]
    for agent in (first, second, third):
        assert_no_secret(agent.output)


def test_a_taken_port_stops_the_agent_before_it_starts(proxy: SlowProxy, tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        config = write_config(tmp_path, None, agent=f"agent:\n  listen: 127.0.0.1:{port}\n")
        code, output, _ = run_agent(proxy, tmp_path, "--config", str(config), token=False)
    assert code == EXIT_USAGE
    assert f"cannot listen on 127.0.0.1:{port}: Address already in use" in output
