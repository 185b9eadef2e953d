"""Two institutions seeded through the real ingest API, and what the pages must show.

Institution A has two completed scans. Between them: a failing bucket becomes explained
(by an explanation that expires in 10 days), one is resolved, three findings are new
(one explained by an explanation expiring in 200 days, one critical in another account,
one whose message is hostile HTML), and the second scan could not read one region
(a coverage gap). Institution B has one scan with a finding that A's reader must never
see, and an explanation expiring soon. Every number the tests assert is derived here.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from cloudcensus.wire import v1
from tests.registry.scans import NOW, complete, event, explanation, failed, finish, open_scan
from tests.registry.scans import send_batch as post_batch
from tests.registry.server import Registry, Tenant

__all__ = ["HOSTILE", "Estate", "Institution", "seed"]

HOSTILE = "<script>window.pwned=1</script><b>not bold</b> & done"
ENC, LOG = "BASE-ENC-01", "BASE-LOG-02"
A1, A2, GAP_ACCOUNT = "111111111111", "222222222222", "333333333333"


@dataclass
class Institution:
    tenant: Tenant
    open: dict[str, str] = field(default_factory=dict)  # resource id -> status now
    resolved: list[str] = field(default_factory=list)
    uids: dict[str, str] = field(default_factory=dict)  # resource id -> finding uid

    @property
    def name(self) -> str:
        return self.tenant.name

    def count(self, status: str) -> int:
        return sum(1 for s in self.open.values() if s == status)


@dataclass
class Estate:
    a: Institution
    b: Institution
    all_reader: str
    soon: date  # expiry of A's explanation EXP-SOON
    later: date  # expiry of A's explanation EXP-LATER


def _event(resource: str, status: str, *, explained_by: str | None = None,
           **fields: Any) -> dict[str, Any]:  # fmt: skip
    found = event(resource, status=status, **fields)
    found["unmapped"]["cloudcensus"]["explanation_id"] = explained_by
    return found


def _explanation(ident: str, rule: str, expires: date) -> dict[str, Any]:
    return {**explanation(ident, expires), "rule": rule}


def _scan(agent: httpx.Client, started: datetime, events: list[dict[str, Any]],
          coverage: list[Any], explanations: list[dict[str, Any]]) -> None:  # fmt: skip
    scan_uid = open_scan(agent, uuid.uuid4(), started=started)
    post_batch(agent, scan_uid, events).raise_for_status()
    path = v1.EXPLANATIONS_PATH.format(scan_uid=scan_uid)
    agent.put(path, json={"explanations": explanations}).raise_for_status()
    finish(agent, scan_uid, len(events), coverage).raise_for_status()


def _all_reader(registry: Registry) -> str:
    with registry.client(registry.admin) as admin:
        body = {"role": "reader", "all_institutions": True}
        answer = admin.post("/api/v1/admin/tokens", json=body)
        answer.raise_for_status()
        token: str = answer.json()["token"]
        return token


def seed(registry: Registry) -> Estate:
    """Deliver the scans of A and B; the estate the tests compare the pages with."""
    today = datetime.now(UTC).date()
    soon, later = today + timedelta(days=10), today + timedelta(days=200)
    a, b = Institution(registry.tenant()), Institution(registry.tenant())
    first = [
        _event("arn:a:bucket-1", "fail"),
        _event("arn:a:bucket-2", "pass"),
        _event("arn:a:bucket-3", "fail"),
        _event("arn:a:bucket-4", "fail"),
        _event("arn:a:trail-1", "pass", rule=LOG, severity="medium"),
    ]
    second = [
        _event("arn:a:bucket-1", "fail"),
        _event("arn:a:bucket-2", "pass"),
        _event("arn:a:bucket-3", "explained", explained_by="EXP-SOON"),
        _event("arn:a:trail-1", "pass", rule=LOG, severity="medium"),
        _event("arn:a:trail-2", "explained", rule=LOG, severity="medium", explained_by="EXP-LATER"),
        _event("arn:a:bucket-6", "fail", account=A2, region="eu-central-1", severity="critical"),
        _event("arn:a:hostile", "fail", message=HOSTILE),
    ]
    in_force = [_explanation("EXP-SOON", ENC, soon), _explanation("EXP-LATER", LOG, later)]
    with registry.client(a.tenant.agent) as agent:
        _scan(agent, NOW - timedelta(days=1), first, [complete(A1)], [])
        coverage = [complete(A1), complete(A2), failed(GAP_ACCOUNT, "eu-north-1")]
        _scan(agent, NOW, second, coverage, in_force)
    for found in second:
        a.open[found["resources"][0]["uid"]] = found["unmapped"]["cloudcensus"]["status"]
    a.resolved.append("arn:a:bucket-4")
    with registry.client(b.tenant.agent) as agent:
        events_b = [_event("arn:b:secret-bucket", "fail"), _event("arn:b:fine", "pass")]
        _scan(agent, NOW, events_b, [complete(A1)], [_explanation("EXP-B", ENC, soon)])
    b.open = {"arn:b:secret-bucket": "fail", "arn:b:fine": "pass"}
    for institution, events in ((a, first + second), (b, events_b)):
        for found in events:
            institution.uids[found["resources"][0]["uid"]] = found["finding_info"]["uid"]
    return Estate(a, b, _all_reader(registry), soon, later)
