"""Read API: finding detail and history, summary breakdowns, trend, seen filters, OCSF
JSON Lines export; and tenancy through each of them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx

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

ACCOUNT = "111111111111"
HOUR = timedelta(hours=1)


def _scan_with_explanations(
    agent: httpx.Client, events: list[dict[str, object]], started: datetime, *ids: str
) -> str:
    scan_uid = open_scan(agent, started=started)
    if events:
        send_batch(agent, scan_uid, events).raise_for_status()
    expires = datetime.now(UTC).date() + timedelta(days=90)
    agent.put(
        v1.EXPLANATIONS_PATH.format(scan_uid=scan_uid),
        json={"explanations": [explanation(i, expires) for i in ids]},
    ).raise_for_status()
    finish(agent, scan_uid, len(events), [complete(ACCOUNT)]).raise_for_status()
    return str(scan_uid)


def test_finding_detail_has_event_evidence_explanation_and_history(registry: Registry) -> None:
    tenant = registry.tenant()
    with registry.client(tenant.agent) as agent, registry.client(tenant.reader) as reader:
        first = _scan_with_explanations(agent, [event("arn:a"), event("arn:b")], NOW)
        explained = [event("arn:a", status="explained"), event("arn:b")]
        second = _scan_with_explanations(agent, explained, NOW + HOUR, "EXP-1")
        third = deliver(agent, [event("arn:b")], [complete(ACCOUNT)], started=NOW + 2 * HOUR)
        assert third["resolved"] == 1

        (resolved,) = open_findings(reader, institution=tenant.name, status="resolved")
        path = f"/api/v1/findings/{resolved['uid']}"
        answer = reader.get(path, params={"institution": tenant.name})
        assert answer.status_code == 200, answer.text
        found = answer.json()
        assert found["resource_id"] == "arn:a"
        assert found["status"] == "explained"
        assert found["resolved_at"] is not None
        assert found["first_seen"].startswith("2026-05-04T02:00:00")
        assert found["last_seen"].startswith("2026-05-04T02:00:00")
        assert found["event"]["class_uid"] == 2003
        assert found["event"]["finding_info"]["uid"] == resolved["uid"]
        assert found["evidence"] == [{"name": "condition inputs", "data": {"encrypted": False}}]
        assert found["explanation"]["id"] == "EXP-1"
        assert found["explanation"]["approved_by"] == "ciso@example.org"
        history = [(h["scan_uid"], h["status"]) for h in found["history"]]
        assert history == [
            (third["scan_uid"], "absent"),
            (second, "explained"),
            (first, "fail"),
        ]
        short = reader.get(path, params={"institution": tenant.name, "history": 1}).json()
        assert [h["status"] for h in short["history"]] == ["absent"]

        unknown = reader.get("/api/v1/findings/nope", params={"institution": tenant.name})
        assert unknown.status_code == 404
        assert reader.get(path).status_code == 422  # the institution is required


def test_summary_is_broken_down_by_rule_severity_and_provider(registry: Registry) -> None:
    tenant = registry.tenant()
    events = [
        event("arn:1", rule="BASE-ENC-01", severity="high"),
        event("arn:2", rule="BASE-ENC-01", severity="high", status="pass"),
        event("arn:3", rule="BASE-LOG-02", severity="low", status="explained"),
        event("arn:4", rule="BASE-LOG-02", severity="low", status="pass"),
    ]
    with registry.client(tenant.agent) as agent, registry.client(tenant.reader) as reader:
        deliver(agent, events, [complete(ACCOUNT)])
        summary = reader.get(f"/api/v1/institutions/{tenant.name}/summary").json()
    assert (summary["total"], summary["comply"], summary["violating"]) == (4, 2, 1)
    assert summary["comply_rate"] == 0.5
    enc, log = summary["by_rule"]["BASE-ENC-01"], summary["by_rule"]["BASE-LOG-02"]
    assert (enc["total"], enc["comply"], enc["violating"], enc["explained"]) == (2, 1, 1, 0)
    assert (log["total"], log["comply"], log["violating"], log["explained"]) == (2, 1, 0, 1)
    assert log["explained_rate"] == 0.5
    assert sorted(summary["by_severity"]) == ["high", "low"]
    assert summary["by_severity"]["high"]["violating"] == 1
    assert list(summary["by_provider"]) == ["aws"]
    assert summary["by_provider"]["aws"]["total"] == 4


def test_trend_counts_statuses_per_completed_scan(registry: Registry) -> None:
    tenant = registry.tenant()
    with registry.client(tenant.agent) as agent, registry.client(tenant.reader) as reader:
        deliver(agent, [event("arn:a"), event("arn:b")], [complete(ACCOUNT)], started=NOW)
        two = [event("arn:a", status="pass"), event("arn:c", status="explained")]
        deliver(agent, two, [complete(ACCOUNT)], started=NOW + HOUR)
        deliver(agent, [event("arn:a", status="pass")], [complete(ACCOUNT)], started=NOW + 2 * HOUR)
        open_scan(agent, started=NOW + 3 * HOUR)  # not completed: not in the trend
        path = f"/api/v1/institutions/{tenant.name}/trend"
        points = reader.get(path).json()["scans"]
        counts = [(p["total"], p["pass"], p["fail"], p["explained"], p["resolved"]) for p in points]
        assert counts == [(2, 0, 2, 0, 0), (2, 1, 0, 1, 1), (1, 1, 0, 0, 1)]
        assert all(p["scan_status"] == "complete" for p in points)
        last_two = reader.get(path, params={"scans": 2}).json()["scans"]
        assert [p["scan_uid"] for p in last_two] == [p["scan_uid"] for p in points[1:]]
        assert reader.get(path, params={"scans": 0}).status_code == 422


def test_first_and_last_seen_filters(registry: Registry) -> None:
    tenant = registry.tenant()
    day = timedelta(days=1)
    with registry.client(tenant.agent) as agent, registry.client(tenant.reader) as reader:
        deliver(agent, [event("arn:old")], [complete(ACCOUNT)])
        later = [event("arn:old", at=NOW + day), event("arn:new", at=NOW + day)]
        deliver(agent, later, [complete(ACCOUNT)], started=NOW + day)

        def ids(**filters: str) -> list[str]:
            found = open_findings(reader, institution=tenant.name, **filters)
            return sorted(f["resource_id"] for f in found)

        noon = (NOW + day / 2).isoformat()
        assert ids(first_seen_after=noon) == ["arn:new"]
        assert ids(first_seen_before=noon) == ["arn:old"]
        assert ids(last_seen_after=noon) == ["arn:new", "arn:old"]
        assert ids(last_seen_before=noon) == []
        # another zone, same instant; a bound is inclusive below and exclusive above
        assert ids(first_seen_after="2026-05-04T16:00:00+02:00") == ["arn:new"]
        assert ids(first_seen_after=NOW.isoformat(), first_seen_before=noon) == ["arn:old"]
        bad = reader.get("/api/v1/findings", params={"first_seen_after": "yesterday"})
        assert bad.status_code == 422


def test_ocsf_jsonl_export_streams_the_events_as_sent(registry: Registry) -> None:
    tenant = registry.tenant()
    events = [event("arn:a"), event("arn:b", status="pass"), event("arn:c")]
    with registry.client(tenant.agent) as agent, registry.client(tenant.reader) as reader:
        deliver(agent, events, [complete(ACCOUNT)])
        path = "/api/v1/exports/findings.ocsf.jsonl"
        export = reader.get(path, params={"institution": tenant.name})
        assert export.status_code == 200
        assert export.headers["content-type"].startswith("application/x-ndjson")
        lines = [json.loads(line) for line in export.text.splitlines()]
        sent = {e["finding_info"]["uid"]: e for e in events}
        assert {e["finding_info"]["uid"] for e in lines} == set(sent)
        for line in lines:
            assert line == json.loads(json.dumps(sent[line["finding_info"]["uid"]]))
        failing = reader.get(path, params={"institution": tenant.name, "status": "fail"})
        resources = sorted(json.loads(x)["resources"][0]["uid"] for x in failing.text.splitlines())
        assert resources == ["arn:a", "arn:c"]


def test_a_reader_of_a_sees_nothing_of_b_through_the_new_endpoints(registry: Registry) -> None:
    a, b = registry.tenant(), registry.tenant()
    with registry.client(b.agent) as agent_b, registry.client(b.reader) as reader_b:
        deliver(agent_b, [event("arn:secret-of-b")], [complete(ACCOUNT)])
        (secret,) = open_findings(reader_b)
        uid = secret["uid"]
        assert reader_b.get(f"/api/v1/findings/{uid}", params={"institution": b.name}).is_success
    with registry.client(a.agent) as agent_a:
        deliver(agent_a, [event("arn:of-a")], [complete(ACCOUNT)])
        assert agent_a.get(f"/api/v1/institutions/{a.name}/trend").status_code == 403
        assert agent_a.get("/api/v1/exports/findings.ocsf.jsonl").status_code == 403
    with registry.client(a.reader) as reader_a:
        detail = f"/api/v1/findings/{uid}"
        assert reader_a.get(detail, params={"institution": b.name}).status_code == 404
        assert reader_a.get(detail, params={"institution": a.name}).status_code == 404
        assert reader_a.get(f"/api/v1/institutions/{b.name}/trend").status_code == 404
        export = reader_a.get("/api/v1/exports/findings.ocsf.jsonl")
        assert export.status_code == 200
        assert "arn:secret-of-b" not in export.text
        assert "arn:of-a" in export.text
        scoped = reader_a.get("/api/v1/exports/findings.ocsf.jsonl", params={"institution": b.name})
        assert scoped.status_code == 404
        since = {"first_seen_after": "2000-01-01T00:00:00Z"}
        assert "arn:secret-of-b" not in str(open_findings(reader_a, **since))
