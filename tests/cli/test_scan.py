"""`cloudcensus scan` end to end against the emulated organisation: report files, exit
codes, the same findings from `evaluate`, and no secret in any output."""

from __future__ import annotations

import csv
import gzip
import json
import socket
import sqlite3
from collections import Counter
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

from cloudcensus.policies.findings import Finding, Severity, Status
from cloudcensus.scanner.coverage import CoverageEntry
from cloudcensus.scanner.inventory import Resource

from .workspace import EXTERNAL_ID, SECRET_ENV, Run, Workspace


def _findings(path: Path) -> list[Finding]:
    return [Finding.model_validate_json(line) for line in path.read_text().splitlines()]


def test_scan_writes_every_report_file(workspace: Workspace, first_scan: tuple[Path, Run]) -> None:
    out, run = first_scan
    assert run.code == 1, run.stderr  # --fail-on info: the estate has failing findings
    resources = [Resource.model_validate_json(line) for line in (out / "inventory.jsonl").open()]
    assert {r.account for r in resources} == set(workspace.estate.accounts)
    assert {r.region for r in resources} >= {"eu-west-1", "eu-central-1", "global"}
    findings = _findings(out / "findings.jsonl")
    statuses = Counter(f.status for f in findings)
    assert statuses[Status.PASS] > 0
    assert statuses[Status.FAIL] > 0
    explained = [f for f in findings if f.status is Status.EXPLAINED]
    assert [f.explanation_id for f in explained] == ["EXP-T-1"]
    ocsf = json.loads((out / "findings.ocsf.json").read_text())
    assert len(ocsf) == len(findings)
    assert {event["class_uid"] for event in ocsf} == {2003}
    with (out / "findings.csv").open(newline="") as handle:
        assert len(list(csv.DictReader(handle))) == len(findings)
    sarif = json.loads((out / "findings.sarif").read_text())
    assert sarif["version"] == "2.1.0"
    coverage = json.loads((out / "coverage.json").read_text())
    entries = [CoverageEntry.model_validate(e) for e in coverage["entries"]]
    assert {e.account for e in entries} >= set(workspace.estate.accounts)
    assert coverage["summary"]["total"] == len(entries)
    report = json.loads((out / "explanations.json").read_text())
    assert [e["id"] for e in report["valid"]] == ["EXP-T-1"]
    assert "Findings" in run.stdout
    assert f"Reports written to {out}" in run.stdout


def _store_values(path: Path) -> Iterator[str]:
    """Every value of every table of an SQLite file, gzip-compressed blobs unpacked."""
    with closing(sqlite3.connect(path)) as conn:
        tables = [
            row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]
        assert {"resources", "findings"} <= set(tables)
        for table in tables:
            for row in conn.execute(f'SELECT * FROM "{table}"'):  # noqa: S608 - names from the file
                for value in row:
                    if isinstance(value, bytes):
                        value = gzip.decompress(value) if value[:2] == b"\x1f\x8b" else value
                        value = value.decode(errors="replace")
                    yield str(value)


def test_no_secret_in_any_output_log_or_the_store(
    workspace: Workspace, first_scan: tuple[Path, Run]
) -> None:
    out, run = first_scan
    secrets = [EXTERNAL_ID, *SECRET_ENV.values()]
    texts = {"stdout": run.stdout, "stderr": run.stderr}
    texts |= {str(p): p.read_text(errors="replace") for p in out.rglob("*") if p.is_file()}
    # the store as SQLite reads it, and its files byte for byte (WAL and journal included)
    stores = sorted(workspace.state.glob("*.sqlite"))
    assert stores, "the scan wrote its store"
    tables = {f"{p} (tables)": "\n".join(_store_values(p)) for p in stores}
    assert any("cc-demo-prod-documents" in text for text in tables.values())  # bodies readable
    texts |= tables
    files = [p for p in workspace.state.rglob("*") if p.is_file()]
    texts |= {str(p): p.read_bytes().decode(errors="replace") for p in files}
    assert "DEBUG" in run.stderr  # the logs were really captured at --log-level debug
    for name, text in texts.items():
        leaked = [secret for secret in secrets if secret in text]
        assert not leaked, f"{name} contains a secret"


def test_evaluate_saved_inventory_gives_the_same_findings(
    workspace: Workspace, first_scan: tuple[Path, Run]
) -> None:
    out, _ = first_scan
    again = workspace.root / "again"
    run = workspace.run(
        "evaluate",
        "--inventory",
        str(out / "inventory.jsonl"),
        "--config",
        str(workspace.config),
        "--explanations",
        str(workspace.explanations),
        "--out",
        str(again),
        "--format",
        "json",
    )
    assert run.code == 0, run.stderr

    def verdicts(path: Path) -> set[tuple[str, str, str | None]]:
        return {(f.uid, f.status.value, f.explanation_id) for f in _findings(path)}

    assert verdicts(again / "findings.jsonl") == verdicts(out / "findings.jsonl")
    assert not (again / "findings.csv").exists()  # only the json format was asked for


def test_fail_on_exit_code_follows_the_worst_failing_severity(
    workspace: Workspace, first_scan: tuple[Path, Run]
) -> None:
    out, _ = first_scan
    failing = [f.severity for f in _findings(out / "findings.jsonl") if f.status is Status.FAIL]
    worst = max(failing, key=lambda s: s.rank)
    base = ["evaluate", "--inventory", str(out / "inventory.jsonl"), "--format", "json"]
    base += ["--config", str(workspace.config)]
    assert workspace.run(*base, "--fail-on", worst.value).code == 1
    assert workspace.run(*base).code == 0
    above = [s for s in Severity if s.rank > worst.rank]
    if above:
        assert workspace.run(*base, "--fail-on", above[0].value).code == 0


def test_unknown_provider_is_a_clear_usage_error(workspace: Workspace) -> None:
    run = workspace.run("scan", "--config", str(workspace.config), "--provider", "nimbus")
    assert run.code == 2
    assert "unknown provider 'nimbus'" in run.stderr
    assert "installed: aws" in run.stderr


def test_scan_that_reads_nothing_exits_3(workspace: Workspace, tmp_path: Path) -> None:
    with socket.socket() as closed:  # a loopback port nobody listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    env = {
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",
        "CLOUDCENSUS_STATE_DIR": str(tmp_path / "state"),
        "CLOUDCENSUS_PROVIDERS__AWS__MAX_ATTEMPTS": "1",
    }
    run = workspace.run("scan", "--config", str(workspace.config), "--out", str(tmp_path), env=env)
    assert run.code == 3
    assert "The scan failed" in run.stdout
    coverage = json.loads((tmp_path / "coverage.json").read_text())
    assert coverage["summary"]["failed"] >= 1
    assert coverage["summary"]["complete"] == 0
