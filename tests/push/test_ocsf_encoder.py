"""The outbox's OCSF encoding (`OcsfEncoder`, per-rule parts encoded once) gives the very
bytes of the plain mapping (`to_json(finding_to_ocsf(...))`), on the built-in packs'
findings over a synthetic estate and on findings with every unusual value."""

from __future__ import annotations

import gzip
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic_core import to_json

from benchmarks.estate import synthetic_inventory
from cloudcensus.policies.engine import Evaluator
from cloudcensus.policies.findings import Finding, Severity, Status
from cloudcensus.policies.loader import load_rules
from cloudcensus.policies.params import resolve_params
from cloudcensus.scanner.inventory import Resource
from cloudcensus.scanner.push import build_items
from cloudcensus.scanner.report.ocsf import finding_to_ocsf
from cloudcensus.scanner.report.ocsfencoder import OcsfEncoder
from cloudcensus.scanner.store import ScanStatus, Store

from .conftest import finding

WHEN = datetime(2026, 3, 14, 2, 0, 0, 123000, tzinfo=UTC)


@pytest.fixture(scope="module")
def estate() -> tuple[list[Resource], list[Finding]]:
    """The built-in packs (`be-federal`) on a synthetic estate of 800 resources."""
    rules = resolve_params(load_rules(["sovereignty", "baseline"]), "be-federal")
    scopes = synthetic_inventory(800, 4)
    evaluator = Evaluator(rules)
    findings = [f for scope in scopes for f in evaluator.evaluate_scope(scope, WHEN)]
    return [r for scope in scopes for r in scope], findings


def plain(item: Finding, tags: dict[str, str] | None = None, version: str | None = None) -> bytes:
    if version is None:
        return to_json(finding_to_ocsf(item, tags=tags))
    return to_json(finding_to_ocsf(item, tags=tags, product_version=version))


def test_estate_findings_encode_to_the_plain_mapping_bytes(
    estate: tuple[list[Resource], list[Finding]],
) -> None:
    resources, findings = estate
    tags = {r.id: r.tags for r in resources if r.tags}
    assert len(findings) > 3000
    assert {f.status for f in findings} >= {Status.PASS, Status.FAIL}
    assert any(tags.get(f.resource_id) for f in findings)
    encoder = OcsfEncoder()
    for item in findings:
        assert encoder.encode(item, tags.get(item.resource_id)) == plain(
            item, tags.get(item.resource_id)
        )
    other = OcsfEncoder("9.9.9")
    assert other.encode(findings[0]) == plain(findings[0], version="9.9.9")


def variant(**changes: object) -> Finding:
    return finding(0).model_copy(update=changes)


UNUSUAL = [
    variant(status=Status.EXPLAINED, explanation_id="EXP-1", explanation_note="until Q3"),
    variant(status=Status.EXPLAINED, explanation_id="EXP-2"),
    variant(status=Status.ERROR, message="could not read the policy", evidence={}),
    variant(explanation_note="EXP-9 expired on 2026-01-01"),
    variant(message='quote " backslash \\ newline \n tab \t nul \x00 é 漢 😀 \u2028'),
    variant(resource_name=None, remediation="", controls={}),
    variant(resource_name="naïve \x7f", region="", account="0" * 12),
    variant(provider="openstack", severity=Severity.CRITICAL),
    variant(provider="azure", severity=Severity.INFO, status=Status.PASS),
    variant(provider="gcp", severity=Severity.LOW, pack="sovereignty"),
    variant(rule_title="Renamed title", controls={"NIS2": ["21(2)(h)"], "BSI": ["A.1", "A.2"]}),
    variant(rule_version=7, remediation='Multi\nline "remediation"'),
    variant(
        evidence={
            "when": WHEN,
            "day": date(2026, 1, 2),
            "set": {3},
            "bytes": b"raw",
            "tuple": (1, 2.5, -0.0, 1e300),
            "uid": uuid.UUID(int=7),
            "nested": {"list": [None, True, {"k": "v"}]},
        }
    ),
    variant(evaluated_at=datetime(2026, 3, 14, 3, 0, 0, 999999, tzinfo=UTC)),
    variant(evaluated_at=WHEN.astimezone(UTC) - timedelta(days=20000)),
]


def test_unusual_findings_encode_to_the_plain_mapping_bytes() -> None:
    encoder = OcsfEncoder()
    tags = {"owner": "ops", "clé": 'va"lue'}
    for _ in range(2):  # the second round uses what the first one cached
        for item in [finding(0), *UNUSUAL, finding(1)]:
            assert encoder.encode(item) == plain(item)
            assert encoder.encode(item, tags) == plain(item, tags)
            assert encoder.encode(item, {}) == plain(item, {})


def test_outbox_batches_carry_the_plain_mapping_of_the_stored_findings(
    tmp_path: object, estate: tuple[list[Resource], list[Finding]]
) -> None:
    resources, findings = estate
    with Store.open(f"{tmp_path}/store.sqlite") as store:
        scan = store.begin_scan(["aws"], started=WHEN)
        for account in sorted({r.account for r in resources}):
            scope = [r for r in resources if r.account == account]
            store.add_resources(scan, ("aws", account, "all", "all"), scope)
        store.add_findings(scan, [*findings, *UNUSUAL])
        store.finish_scan(scan, ScanStatus.COMPLETE)
        stored = list(store.findings(scan))
        tags = {r.id: r.tags for r in store.resources(scan) if r.tags}
        expected = [plain(f, tags.get(f.resource_id)) for f in stored]
        built = [i for i in build_items(store, scan, uuid.uuid4(), batch_size=500) if i.records]
    assert len(stored) == len(findings) + 1  # the unusual ones share one uid: kept once
    assert [i.records for i in built] == [500] * (len(stored) // 500) + [len(stored) % 500]
    first = 0
    for item in built:  # each body: the plain events of the stored findings, in order
        events = b",".join(expected[first : first + item.records])
        key = item.idempotency_key.encode()
        assert gzip.decompress(item.body) == b'{"batch_uid":"%s","events":[%s]}' % (key, events)
        first += item.records
    assert first == len(stored)
