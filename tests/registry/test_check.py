"""`cloudcensus registry check [--repair]` on a database a real registry process wrote
(SQLite and PostgreSQL): consistent after real scans; kept counts and batch references
made wrong are named, left as they are without `--repair`, and rewritten with it (the
summary then shows the findings' true counts); a finding whose batch body is gone is
reported as lost, and rows of the per-finding tables pointing to no scan (no foreign key
checks them) are counted (exit status 3)."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.registry.conftest import fresh_database
from tests.registry.scans import NOW, complete, deliver, event, open_findings
from tests.registry.server import Registry, serve

ACCOUNT = "111111111111"
CHECK = "from cloudcensus.scanner.cli import main; main()"
HOUR = timedelta(hours=1)


@pytest.fixture(params=["sqlite", "postgresql"])
def written(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, Registry]]:
    """A fresh database and a registry process on it."""
    with fresh_database(request.param, tmp_path) as url, serve(url, tmp_path / "log") as reg:
        yield url, reg


def _check(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", CHECK, "registry", "--database-url", url, "check", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _sql(url: str, *statements: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))
    engine.dispose()


def _summary(reg: Registry, reader: str, name: str) -> Counter[tuple[str, str]]:
    """(rule, kind) -> open findings, as the summary shows them."""
    with reg.client(reader) as client:
        by_rule = client.get(f"/api/v1/institutions/{name}/summary").json()["by_rule"]
    kinds = ("comply", "explained", "violating", "error")
    return Counter({(rule, k): c[k] for rule, c in by_rule.items() for k in kinds if c[k]})


def test_check_names_and_repairs_kept_counts_and_batch_references(
    written: tuple[str, Registry],
) -> None:
    url, reg = written
    tenant = reg.tenant()
    with reg.client(tenant.agent) as agent:
        first = [event("arn:a"), event("arn:b"), event("arn:c", rule="BASE-LOG-01")]
        deliver(agent, first, [complete(ACCOUNT)])
        second = [event("arn:a"), event("arn:c", rule="BASE-LOG-01", status="pass")]
        deliver(agent, second, [complete(ACCOUNT)], started=NOW + HOUR)  # arn:b resolved
    with reg.client(tenant.reader) as reader:
        held = open_findings(reader, institution=tenant.name)
    assert sorted((f["rule"], f["status"]) for f in held) == [
        ("BASE-ENC-01", "fail"), ("BASE-LOG-01", "pass")]  # fmt: skip
    truth = Counter({("BASE-ENC-01", "violating"): 1, ("BASE-LOG-01", "comply"): 1})

    done = _check(url)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "consistent" in done.stdout

    _sql(
        url,
        "UPDATE finding_counts SET n = n + 5 WHERE rule = 'BASE-ENC-01'",
        "UPDATE event_batches SET refs = refs + 2",
        "INSERT INTO event_batches (refs, body) VALUES (1, 'x')",
    )
    assert _summary(reg, tenant.reader, tenant.name)[("BASE-ENC-01", "violating")] == 6  # wrong
    done = _check(url)
    assert done.returncode == 1, done.stdout + done.stderr
    wrong = f"finding_counts {tenant.name} BASE-ENC-01/high/aws/fail: kept 6, findings 1"
    assert wrong in done.stdout
    assert "event_batches: 1 body(ies) no finding points to" in done.stdout
    assert "refs 3, findings pointing to it 1" in done.stdout  # the second scan's batch
    assert _summary(reg, tenant.reader, tenant.name)[("BASE-ENC-01", "violating")] == 6  # untouched

    done = _check(url, "--repair")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "repaired" in done.stdout
    assert _summary(reg, tenant.reader, tenant.name) == truth
    done = _check(url)
    assert (done.returncode, "consistent" in done.stdout) == (0, True), done.stdout
    with reg.client(tenant.reader) as reader:  # every event still readable
        export = reader.get(
            "/api/v1/exports/findings.ocsf.jsonl", params={"institution": tenant.name}
        )
        assert export.status_code == 200, export.text
        assert len(export.text.splitlines()) == 2

    _sql(url, "DELETE FROM event_batches")
    done = _check(url)
    assert done.returncode == 3, done.stdout + done.stderr
    assert f"findings {tenant.name}: 3 whose event batch is missing (events lost)" in done.stdout


def test_check_counts_finding_rows_pointing_to_no_scan(written: tuple[str, Registry]) -> None:
    url, reg = written
    tenant = reg.tenant()
    with reg.client(tenant.agent) as agent:
        deliver(agent, [event("arn:a"), event("arn:b")], [complete(ACCOUNT)])
    assert _check(url).returncode == 0
    # by hand, as a restore of some tables only could leave them (no foreign key refuses it)
    _sql(url, "UPDATE findings SET last_scan_id = 9999", "UPDATE scan_findings SET scan_id = 9999")
    done = _check(url, "--repair")
    assert done.returncode == 3, done.stdout + done.stderr
    assert "findings.last_scan_id: 2 row(s) pointing to no row (not repaired)" in done.stdout
    assert "scan_findings.scan_id: 2 row(s) pointing to no row (not repaired)" in done.stdout
    assert "findings.institution_id" not in done.stdout
