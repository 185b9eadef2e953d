"""Known ingest defects, fixed: empty explanation sets, late older scans, duplicate events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cloudcensus.wire import v1
from tests.registry.scans import (
    NOW,
    complete,
    deliver,
    event,
    explanation,
    finish,
    open_findings,
    open_scan,
    send_batch,
)
from tests.registry.server import Registry


def test_an_empty_explanations_upload_replaces_the_previous_set(registry: Registry) -> None:
    tenant = registry.tenant()
    soon = datetime.now(UTC).date() + timedelta(days=10)
    path = f"/api/v1/institutions/{tenant.name}/explanations"
    with registry.client(tenant.agent) as agent, registry.client(tenant.reader) as reader:
        first = open_scan(agent)
        put = agent.put(
            v1.EXPLANATIONS_PATH.format(scan_uid=first),
            json={"explanations": [explanation("EXP-1", soon)]},
        )
        assert put.status_code == 200
        finish(agent, first, 0, [complete("111111111111")]).raise_for_status()
        assert [e["id"] for e in reader.get(path).json()["items"]] == ["EXP-1"]

        second = open_scan(agent, started=NOW + timedelta(hours=1))
        empty = agent.put(v1.EXPLANATIONS_PATH.format(scan_uid=second), json={"explanations": []})
        assert empty.json()["accepted"] == 0
        finish(agent, second, 0, [complete("111111111111")]).raise_for_status()
        assert reader.get(path).json()["items"] == []

        # a late upload from the older scan does not bring the old set back
        agent.put(
            v1.EXPLANATIONS_PATH.format(scan_uid=first),
            json={"explanations": [explanation("EXP-1", soon)]},
        ).raise_for_status()
        assert reader.get(path).json()["items"] == []


def test_an_older_scan_arriving_late_overwrites_and_resolves_nothing(registry: Registry) -> None:
    tenant = registry.tenant()
    account = "111111111111"
    with registry.client(tenant.agent) as agent, registry.client(tenant.reader) as reader:
        older = open_scan(agent, started=NOW)
        newer = open_scan(agent, started=NOW + timedelta(hours=1))
        # the newer scan's batch lands first; the older one's cannot overwrite it
        send_batch(agent, newer, [event("arn:a", status="pass"), event("arn:c")]).raise_for_status()
        send_batch(agent, older, [event("arn:a", status="fail")]).raise_for_status()
        assert finish(agent, newer, 2, [complete(account)]).json()["resolved"] == 0
        # the rest of the older scan arrives after the newer one completed
        send_batch(agent, older, [event("arn:b")]).raise_for_status()
        done = finish(agent, older, 2, [complete(account)])
        assert done.status_code == 200, done.text
        assert (done.json()["resolved"], done.json()["covered_accounts"]) == (0, [])

        found = {
            f["resource_id"]: f["status"] for f in open_findings(reader, institution=tenant.name)
        }
        assert found == {"arn:a": "pass", "arn:c": "fail"}
        assert open_findings(reader, institution=tenant.name, status="resolved") == []

        # the next scan resolves normally, from the newer scan's state
        answer = deliver(
            agent,
            [event("arn:a", status="pass")],
            [complete(account)],
            started=NOW + timedelta(hours=2),
        )
        assert answer["resolved"] == 1
        resolved = open_findings(reader, institution=tenant.name, status="resolved")
        assert [f["resource_id"] for f in resolved] == ["arn:c"]


def test_a_duplicated_event_cannot_hide_a_missing_batch(registry: Registry) -> None:
    tenant = registry.tenant()
    with registry.client(tenant.agent) as agent:
        scan_uid = open_scan(agent)
        send_batch(agent, scan_uid, [event("arn:a"), event("arn:b")]).raise_for_status()
        # the same finding again under another batch uid, and twice inside one batch
        send_batch(agent, scan_uid, [event("arn:b"), event("arn:b")]).raise_for_status()
        early = finish(agent, scan_uid, 3, [complete("111111111111")])
        assert early.status_code == 409
        assert "2 of 3" in early.json()["detail"]
        send_batch(agent, scan_uid, [event("arn:c")]).raise_for_status()
        done = finish(agent, scan_uid, 3, [complete("111111111111")])
        assert done.status_code == 200
        assert done.json()["findings"] == 3
