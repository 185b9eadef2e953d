"""End to end: two real agent scans of the moto organisation, `--shard 0/2` and
`--shard 1/2` of one `--run-id`, pushed to a real registry process (SQLite and
PostgreSQL). Shard 1 is delivered first, shard 0 (started earlier) after it: the
registry holds the findings of both shards, each exactly once, as one run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cloudcensus.demo.motoserver import MotoServer
from cloudcensus.scanner.config import STORE_FILE
from cloudcensus.scanner.store import Store
from tests.registry.scans import open_findings
from tests.registry.server import Registry

from .estate import CONFIG, Organisation

pytestmark = pytest.mark.slow

CLOUDCENSUS = Path(sys.executable).with_name("cloudcensus")


def _agent(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The console script in `cwd` (its own state directory), AWS env from the fixture."""
    keep = {k: v for k, v in os.environ.items() if not k.startswith("CLOUDCENSUS_")}
    return subprocess.run(
        [str(CLOUDCENSUS), *args],
        cwd=cwd,
        env={**keep, "CLOUDCENSUS_STATE_DIR": str(cwd / "state"), "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def _findings(cwd: Path) -> list[tuple[str, str]]:
    """(uid, account) of every finding of the store's latest scan."""
    with Store.open(cwd / "state" / STORE_FILE) as store:
        scan = store.scans(1)[0]
        return [(f.uid, f.account) for f in store.findings(scan.id)]


def test_two_shards_of_one_run_land_in_the_registry_once_each(
    organisation: tuple[MotoServer, Organisation], registry: Registry, tmp_path: Path
) -> None:
    _, org = organisation
    tenant = registry.tenant()
    (tmp_path / "token").write_text(tenant.agent + "\n")
    config = CONFIG + f"registry:\n  url: {registry.url}\n  token_file: {tmp_path / 'token'}\n"
    shards = [tmp_path / "shard-0", tmp_path / "shard-1"]
    for cwd in shards:
        cwd.mkdir()
        (cwd / "cloudcensus.yaml").write_text(config)

    # Shard 0 scans first and is delivered last: shard 1 has completed by then.
    zero = _agent(shards[0], "scan", "--shard", "0/2", "--run-id", "night-1", "--no-push")
    assert zero.returncode == 0, zero.stderr
    one = _agent(shards[1], "scan", "--shard", "1/2", "--run-id", "night-1")
    assert one.returncode == 0, one.stderr
    pushed = _agent(shards[0], "push")
    assert pushed.returncode == 0, pushed.stderr

    found = {index: _findings(cwd) for index, cwd in enumerate(shards)}
    assert found[0], "the organisation has accounts in both shards"
    assert found[1], "the organisation has accounts in both shards"
    union = found[0] + found[1]
    assert {account for _, account in union} == set(org.accounts)
    with registry.client(tenant.reader) as reader:
        held = open_findings(reader, institution=tenant.name)
        trend = reader.get(f"/api/v1/institutions/{tenant.name}/trend").json()["scans"]
        gaps = reader.get(f"/api/v1/institutions/{tenant.name}/coverage-gaps").json()
    uids = [item["uid"] for item in held]
    assert sorted(uids) == sorted(uid for uid, _ in union)  # each exactly once
    (point,) = trend
    assert point["run"] == "night-1"
    assert point["shards"] == {"count": 2, "completed": 2, "missing": []}
    assert len(point["scan_uids"]) == 2
    assert point["total"] == len(union)
    assert (gaps["run"], gaps["missing_shards"], gaps["gaps"]) == ("night-1", [], [])

    # Shard 1 alone, without a run id: a run of its own (its scan uid), missing shard 0;
    # it supersedes nothing of shard 0, and each finding is still held once.
    alone = _agent(shards[1], "scan", "--shard", "1/2")
    assert alone.returncode == 0, alone.stderr
    with registry.client(tenant.reader) as reader:
        again = open_findings(reader, institution=tenant.name)
        trend = reader.get(f"/api/v1/institutions/{tenant.name}/trend").json()["scans"]
    assert sorted(item["uid"] for item in again) == sorted(uids)
    assert [p["run"] for p in trend[:-1]] == ["night-1"]
    assert trend[-1]["run"] == trend[-1]["scan_uid"]
    assert trend[-1]["shards"] == {"count": 2, "completed": 1, "missing": [0]}
    assert trend[-1]["total"] == len(found[1])
