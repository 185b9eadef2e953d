"""`--shard` and `--run-id` on `cloudcensus scan` and `cloudcensus agent`, the `shard`
and `run_id` settings and their environment variables: bad values are configuration
errors naming the flag or the setting (exit 2, nothing scanned); good ones scan the
shard, run as a Kubernetes Indexed Job runs them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from cloudcensus.demo.motoserver import MotoServer
from cloudcensus.scanner.cliparts import EXIT_USAGE
from cloudcensus.scanner.config import ScheduleSettings
from cloudcensus.scanner.schedule import build_trigger
from cloudcensus.scanner.shard import Shard, run_key
from tests.agent.conftest import AgentProcess

from .estate import CONFIG, Organisation

CLOUDCENSUS = Path(sys.executable).with_name("cloudcensus")


def _run(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The console script in `cwd` (state in `cwd/state`), AWS env from the fixture."""
    keep = {k: v for k, v in os.environ.items() if not k.startswith("CLOUDCENSUS_")}
    return subprocess.run(
        [str(CLOUDCENSUS), *args],
        cwd=cwd,
        env={**keep, "CLOUDCENSUS_STATE_DIR": str(cwd / "state"), "COLUMNS": "200", **env},
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "cloudcensus.yaml").write_text(CONFIG)
    return tmp_path


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["scan", "--shard", "3/3"], "Invalid value for '--shard': the index I of I/N"),
        (["scan", "--shard", "two/3"], "Invalid value for '--shard': expected I/N"),
        (["scan", "--shard", "0/2", "--run-id", "no spaces"], "Invalid value for '--run-id'"),
        (["scan", "--run-id", "job-1"], "run_id (--run-id, CLOUDCENSUS_RUN_ID): a run id"),
        (["agent", "--once", "--shard", "1/0"], "Invalid value for '--shard': the count N"),
        (["agent", "--shard", "0/2", "--run-id", "job-1"], "give it with --once"),
    ],
)
def test_bad_flags_are_usage_errors_naming_the_flag(
    workdir: Path, args: list[str], says: str
) -> None:
    done = _run(workdir, *args)
    assert done.returncode == EXIT_USAGE, done.stderr
    assert says in " ".join(done.stderr.split())
    assert not (workdir / "state").exists()  # nothing was scanned, no store made


def test_bad_settings_name_the_variable_or_the_file_line(workdir: Path) -> None:
    done = _run(workdir, "scan", CLOUDCENSUS_SHARD="2/2")
    assert done.returncode == EXIT_USAGE
    assert "environment CLOUDCENSUS_SHARD: shard: Value error, the index I" in done.stderr
    (workdir / "cloudcensus.yaml").write_text(CONFIG + "shard: 0-of-3\n")
    done = _run(workdir, "scan")
    assert done.returncode == EXIT_USAGE
    line = len(CONFIG.splitlines()) + 1
    assert f"cloudcensus.yaml:{line}: shard: Value error, expected I/N" in done.stderr
    (workdir / "cloudcensus.yaml").write_text(CONFIG)
    done = _run(workdir, "agent", "--once", CLOUDCENSUS_RUN_ID="job-7")
    assert done.returncode == EXIT_USAGE
    assert "no shard is set (--shard, CLOUDCENSUS_SHARD)" in " ".join(done.stderr.split())


def _empty_shards(org: Organisation, count: int) -> list[int]:
    return [
        i
        for i in range(count)
        if not any(Shard(index=i, count=count).owns("aws", a) for a in org.accounts)
    ]


def test_a_shard_scans_and_says_so_and_its_store_refuses_another_shard(
    organisation: tuple[MotoServer, Organisation], workdir: Path
) -> None:
    _, org = organisation
    first, second = _empty_shards(org, 64)[:2]
    done = _run(workdir, "scan", "--shard", f"{first}/64", "--run-id", "cronjob-29500000")
    assert done.returncode == 0, done.stderr
    assert f"Shard {first}/64 of the estate, run cronjob-29500000" in done.stdout
    done = _run(workdir, "agent", "--once", "--shard", f"{second}/64")
    assert done.returncode == EXIT_USAGE
    message = " ".join(done.stderr.split())
    assert f"holds the scans of shard {first}/64; shard {second}/64 needs a state" in message


def _records(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines()]


def test_a_job_pod_scans_its_shard_from_the_environment(
    organisation: tuple[MotoServer, Organisation], workdir: Path
) -> None:
    """As the Indexed Job runs it: `agent --once`, shard and run from the environment."""
    _, org = organisation
    shard = Shard(index=1, count=3)
    done = _run(
        workdir,
        "agent",
        "--once",
        CLOUDCENSUS_SHARD=str(shard),
        CLOUDCENSUS_RUN_ID="cloudcensus-agent-29501234",
        CLOUDCENSUS_AGENT__LOG_FORMAT="json",
    )
    assert done.returncode == 0, done.stderr
    finished = next(r for r in _records(done.stdout) if r.get("status") == "complete")
    assert finished["shard"] == "1/3"
    assert finished["run"] == "cloudcensus-agent-29501234"
    read = next(r for r in _records(done.stdout) if "scope(s), left" in r["message"])
    owned = sum(1 for a in org.accounts if shard.owns("aws", a))
    assert f"read {owned} scope(s), left {len(org.accounts) - owned}" in read["message"]


def test_a_shard_daemon_names_its_run_after_the_scheduled_time(
    organisation: tuple[MotoServer, Organisation], workdir: Path
) -> None:
    """Every shard daemon on the same schedule names a run alike: the scheduled time
    (here the missed last night's run, made up at start), jitter left out."""
    trigger = build_trigger(ScheduleSettings())

    def expected() -> str:
        scheduled = trigger.previous(datetime.now(UTC))
        assert scheduled is not None
        return run_key(scheduled)

    before = expected()
    (workdir / "cloudcensus.yaml").write_text(CONFIG + "agent:\n  listen: 127.0.0.1:0\n")
    keep = {k: v for k, v in os.environ.items() if not k.startswith("CLOUDCENSUS_")}
    env = {**keep, "CLOUDCENSUS_STATE_DIR": str(workdir / "state")}
    agent = AgentProcess(["--shard", "0/2"], env, workdir)
    try:
        finished = agent.wait_for(lambda r: r.get("status") == "complete")
        assert finished["shard"] == "0/2"
        assert finished["run"] in {before, expected()}
        assert finished["run"].endswith(":00Z")
        code, _ = agent.stop(signal.SIGTERM)
        assert code == 0, agent.output
    finally:
        agent.kill()
