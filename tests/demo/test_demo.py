"""`cloudcensus demo` end to end, as a user runs it: a subprocess, no credentials."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import httpx
import pytest

from cloudcensus.demo.multicloud import DEMO_CLOUDS
from cloudcensus.policies.findings import Finding, Status

CLOUDCENSUS = Path(sys.executable).with_name("cloudcensus")


@pytest.mark.slow
def test_demo_scans_an_emulated_organisation_twice(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CLOUDCENSUS_"))}
    env["HOME"] = str(tmp_path / "home")  # nothing from a real AWS profile, no state left
    out = tmp_path / "out"
    done = subprocess.run(
        [str(CLOUDCENSUS), "demo", "--out", str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert f"Reports written to {out}" in done.stdout
    assert "Changes since the previous scan" in done.stdout

    findings = [Finding.model_validate_json(line) for line in (out / "findings.jsonl").open()]
    statuses = Counter(f.status for f in findings)
    assert statuses[Status.PASS] > 0
    assert statuses[Status.FAIL] > 0
    assert {f.explanation_id for f in findings if f.status is Status.EXPLAINED} == {"EXP-DEMO-001"}
    expired = [f for f in findings if "EXP-DEMO-002 expired" in (f.explanation_note or "")]
    assert expired
    assert all(f.status is Status.FAIL and f.rule_id == "BASE-EXP-02" for f in expired)
    report = json.loads((out / "explanations.json").read_text())
    assert [e["id"] for e in report["stale"]] == ["EXP-DEMO-003"]
    assert [e["id"] for e in report["expired"]] == ["EXP-DEMO-002"]
    assert [e["id"] for e in report["expiring"]] == ["EXP-DEMO-001"]
    inventory = [json.loads(line) for line in (out / "inventory.jsonl").open()]
    assert len({r["account"] for r in inventory if r["provider"] == "aws"}) == 3
    shipped = {p for p, module, _ in DEMO_CLOUDS if importlib.util.find_spec(module) is not None}
    assert {r["provider"] for r in inventory} == {"aws", *shipped}
    for name in ("inventory.jsonl", "findings.jsonl", "findings.ocsf.json", "coverage.json"):
        assert (out / "first-scan" / name).is_file()
    # The store lived in a temporary directory (SDKs may still cache in ~/.cache).
    assert not (tmp_path / "home" / ".local").exists()
    _assert_pushed_to_the_registry(done.stdout, out)


def _assert_pushed_to_the_registry(stdout: str, out: Path) -> None:
    """Both scans reached the embedded registry: no finding lost, none counted twice."""
    scans = [
        Finding.model_validate_json(line) for line in (out / "first-scan/findings.jsonl").open()
    ]
    last = [Finding.model_validate_json(line) for line in (out / "findings.jsonl").open()]
    delivered = re.findall(r"Scan \d+ delivered to (\S+) \(\d+ requests, (\d+) findings\)", stdout)
    assert [int(n) for _, n in delivered] == [len(scans), len(last)]
    url = delivered[0][0]
    assert f"Registry: {url} (API docs at {url}/docs)" in stdout
    assert re.search(r"Reader token for institution demo: cc_\w+_\S+", stdout)
    summary = re.search(
        r"Registry summary of demo: (\d+) open findings, (\d+) comply, (\d+) explained, "
        r"(\d+) violating, (\d+) error",
        stdout,
    )
    assert summary is not None, stdout
    statuses = Counter(f.status for f in last)
    assert len({f.uid for f in last}) == len(last)
    # the registry holds exactly the last scan: the first scan's vanished findings are
    # resolved (every account was read completely), nothing is doubled
    assert [int(n) for n in summary.groups()] == [
        len(last),
        statuses[Status.PASS],
        statuses[Status.EXPLAINED],
        statuses[Status.FAIL],
        statuses[Status.ERROR],
    ]
    with pytest.raises(httpx.TransportError):  # the demo stopped its registry
        httpx.get(f"{url}/healthz", timeout=2, trust_env=False)


_WITHOUT_FASTAPI = """
import sys
from pathlib import Path
sys.modules["fastapi"] = None  # as if the `registry` extra were not installed
from rich.console import Console
from cloudcensus.demo.runner import _embedded_registry
print(_embedded_registry(Console(width=200), Path(sys.argv[1])))
"""


def test_the_demo_runs_without_the_registry_extra(tmp_path: Path) -> None:
    """Without fastapi (the `registry` extra), the demo skips the registry and says why."""
    done = subprocess.run(
        [sys.executable, "-c", _WITHOUT_FASTAPI, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "No embedded registry (fastapi is missing)" in done.stdout
    assert "pip install 'cloudcensus[registry]'" in done.stdout
    assert done.stdout.rstrip().endswith("None")
