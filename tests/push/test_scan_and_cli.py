"""`run_scan` queues its push items; `cloudcensus push` delivers them over a real socket."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cloudcensus.scanner.cli import EXIT_PUSH_PENDING, cli
from cloudcensus.scanner.config import AgentSettings
from cloudcensus.scanner.pipeline import load_policy, run_scan
from cloudcensus.scanner.store import Outbox, Store
from cloudcensus.wire import v1
from tests.scanner.test_collect import FakeProvider, items

from .conftest import finished_scan
from .fakeregistry import TOKEN, FakeRegistry, serve

NOW = datetime(2026, 3, 14, 2, 0, tzinfo=UTC)


def scan_with(settings: AgentSettings, store: Store) -> int:
    policy = load_policy(settings, NOW.date())
    provider = FakeProvider(["111", "222"], lambda s, c: items(s, c, 3))
    return run_scan(settings, [provider], store, policy, NOW).scan_id


def test_a_scan_is_queued_only_when_a_registry_is_configured(store: Store, tmp_path: Path) -> None:
    plain = AgentSettings(state_dir=tmp_path)
    scan_with(plain, store)
    assert Outbox(store).scans() == []

    pushing = AgentSettings(
        state_dir=tmp_path,
        registry={"url": "https://registry.example.org", "token": TOKEN, "batch_size": 5},
    )
    scan = scan_with(pushing, store)
    [queued] = Outbox(store).scans()
    assert queued.scan_id == scan
    stored = sum(1 for _ in store.findings(scan))
    assert stored > 5
    assert queued.pending_records == stored
    rows = store.connection.execute(
        "SELECT kind, body FROM outbox_items WHERE scan_id = ? ORDER BY seq", (scan,)
    ).fetchall()
    assert rows[0]["kind"] == "open"
    assert rows[-1]["kind"] == "complete"
    done = v1.ScanComplete.model_validate_json(gzip.decompress(rows[-1]["body"]))
    assert done.findings == stored
    assert done.status is v1.ScanOutcome.COMPLETE
    assert len(done.coverage) == 4  # 2 accounts x 2 collectors


@pytest.fixture
def agent(tmp_path: Path) -> Iterator[tuple[Path, Store]]:
    """A state directory with two finished scans queued, and its store."""
    with Store.open(tmp_path / "state" / "cloudcensus.sqlite") as store:
        finished_scan(store, 10)
        finished_scan(store, 3)
    with Store.open(tmp_path / "state" / "cloudcensus.sqlite") as store:
        yield tmp_path, store


def write_config(root: Path, url: str, **extra: Any) -> Path:
    config = root / "cloudcensus.yaml"
    lines = [f"state_dir: {root / 'state'}", "registry:", f"  url: {url}"]
    lines += [f"  {key}: {value}" for key, value in extra.items()]
    config.write_text("\n".join(lines) + "\n")
    return config


def run(config: Path, *args: str) -> Any:
    env = {"CLOUDCENSUS_REGISTRY__TOKEN": TOKEN}
    return CliRunner().invoke(cli, ["push", "--config", str(config), *args], env=env)


def test_push_delivers_everything_pending_over_http(agent: tuple[Path, Store]) -> None:
    root, _ = agent
    registry = FakeRegistry()
    with serve(registry) as url:
        config = write_config(root, url)
        status = run(config, "--status")
        assert status.exit_code == EXIT_PUSH_PENDING, status.output
        assert "2 scan(s) pending" in status.output
        assert registry.requests == []
        result = run(config)
        assert result.exit_code == 0, result.output
        assert "Scan 1 delivered" in result.output
        assert "Scan 2 delivered" in result.output
        assert (registry.events, len(registry.completed()), registry.replays) == (13, 2, 0)
        again = run(config)
        assert again.exit_code == 0
        assert "Nothing to push" in again.output
    assert TOKEN not in result.output + again.output


def test_push_with_the_registry_down_keeps_everything_and_exits_4(
    agent: tuple[Path, Store],
) -> None:
    root, _ = agent
    registry = FakeRegistry()
    with serve(registry) as url:
        pass  # the server is gone: its port refuses connections
    config = write_config(root, url, max_retries=0)
    result = run(config)
    assert result.exit_code == EXIT_PUSH_PENDING, result.output
    assert "not delivered (kept for the next push)" in result.output
    assert "ConnectError" in result.output
    assert "2 scan(s) pending" in result.output
    with serve(registry) as url:
        config = write_config(root, url)
        assert run(config).exit_code == 0
    assert (registry.events, len(registry.completed())) == (13, 2)


def test_push_without_a_registry_is_a_usage_error(tmp_path: Path) -> None:
    config = tmp_path / "cloudcensus.yaml"
    config.write_text(f"state_dir: {tmp_path}\n")
    result = CliRunner().invoke(cli, ["push", "--config", str(config)])
    assert result.exit_code == 2
    assert "no registry configured" in result.output


def test_a_missing_token_file_fails_before_scanning(tmp_path: Path) -> None:
    config = write_config(tmp_path, "https://registry.example.org", token_file=tmp_path / "nope")
    result = CliRunner().invoke(cli, ["scan", "--config", str(config), "--provider", "aws"])
    assert result.exit_code == 2
    assert "token_file" in result.output
