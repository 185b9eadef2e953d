"""`cloudcensus demo` end to end, as a user runs it: a subprocess, no credentials."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from cloudcensus.policies.findings import Finding, Status

CLOUDCENSUS = Path(sys.executable).with_name("cloudcensus")


@pytest.mark.slow
def test_demo_scans_an_emulated_organisation_twice(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CLOUDCENSUS_"))}
    env["HOME"] = str(tmp_path / "home")  # nothing from a real AWS profile, no state left
    out = tmp_path / "out"
    started = time.monotonic()
    done = subprocess.run(
        [str(CLOUDCENSUS), "demo", "--out", str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    elapsed = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    assert f"Reports written to {out}" in done.stdout
    assert "Changes since the previous scan" in done.stdout
    assert elapsed < 120

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
    accounts = {json.loads(line)["account"] for line in (out / "inventory.jsonl").open()}
    assert len(accounts) == 3
    for name in ("inventory.jsonl", "findings.jsonl", "findings.ocsf.json", "coverage.json"):
        assert (out / "first-scan" / name).is_file()
    assert not (tmp_path / "home").exists()  # the store lived in a temporary directory
