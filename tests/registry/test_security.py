"""Security over HTTP: tokens, roles, tenancy, body limits, schema errors, injection."""

from __future__ import annotations

import gzip
import uuid

import httpx

from cloudcensus.wire import v1
from tests.registry.scans import complete, deliver, event, failed, open_findings, open_scan
from tests.registry.server import Registry

_JSON = {"Content-Type": "application/json"}


def test_missing_bad_and_revoked_tokens_are_refused(registry: Registry) -> None:
    with registry.client() as anonymous:
        assert anonymous.get("/api/v1/findings").status_code == 401
        assert anonymous.post(v1.SCANS_PATH, json={}).status_code == 401
    with registry.client("cc_0000_not-a-token") as bad:
        assert bad.get("/api/v1/findings").status_code == 401
    tenant = registry.tenant()
    with registry.client(registry.admin) as admin:
        public_id = tenant.reader.split("_")[1]
        assert admin.delete(f"/api/v1/admin/tokens/{public_id}").status_code == 204
    with registry.client(tenant.reader) as revoked:
        assert revoked.get("/api/v1/findings").status_code == 401


def test_roles_agent_cannot_read_reader_cannot_write_nor_administer(registry: Registry) -> None:
    tenant = registry.tenant()
    with registry.client(tenant.agent) as agent, registry.client(tenant.reader) as reader:
        assert agent.get("/api/v1/findings").status_code == 403
        assert agent.get(f"/api/v1/institutions/{tenant.name}/summary").status_code == 403
        assert agent.get("/api/v1/exports/findings.csv").status_code == 403
        scan = {"scan_uid": str(uuid.uuid4()), "agent_version": "1",
                "started": "2026-05-04T02:00:00Z", "providers": ["aws"]}  # fmt: skip
        assert reader.post(v1.SCANS_PATH, json=scan).status_code == 403
        assert reader.post("/api/v1/admin/institutions", json={"name": "x"}).status_code == 403
        assert agent.post("/api/v1/admin/tokens", json={"role": "admin"}).status_code == 403


def test_an_agent_cannot_write_another_institution(registry: Registry) -> None:
    a, b = registry.tenant(), registry.tenant()
    with registry.client(a.agent) as agent_a, registry.client(b.agent) as agent_b:
        scan_of_b = open_scan(agent_b)
        batch = v1.FindingBatch(batch_uid=uuid.uuid4(), events=[event("arn:x")])
        path = v1.FINDINGS_PATH.format(scan_uid=scan_of_b)
        assert agent_a.post(path, content=v1.encode(batch), headers=_JSON).status_code == 404
        reopened = {"scan_uid": str(scan_of_b), "agent_version": "1",
                    "started": "2026-05-04T02:00:00Z", "providers": ["aws"]}  # fmt: skip
        assert agent_a.post(v1.SCANS_PATH, json=reopened).status_code == 409
    with registry.client(b.reader) as reader_b:
        assert open_findings(reader_b, institution=b.name) == []


def test_a_reader_of_a_sees_nothing_of_b_through_any_endpoint(registry: Registry) -> None:
    a, b = registry.tenant(), registry.tenant()
    with registry.client(b.agent) as agent_b:
        deliver(agent_b, [event("arn:secret-of-b")], [complete("9"), failed("9", "eu-north-1")])
    with registry.client(a.reader) as reader_a:
        assert "arn:secret-of-b" not in str(open_findings(reader_a))
        for path in ("summary", "coverage-gaps", "explanations"):
            assert reader_a.get(f"/api/v1/institutions/{b.name}/{path}").status_code == 404
        assert reader_a.get("/api/v1/findings", params={"institution": b.name}).status_code == 404
        export = reader_a.get("/api/v1/exports/findings.csv")
        assert export.status_code == 200
        assert "arn:secret-of-b" not in export.text
        assert (
            reader_a.get("/api/v1/exports/findings.csv", params={"institution": b.name}).status_code
            == 404
        )
        assert reader_a.get("/api/v1/institutions").json() == [a.name]
    with registry.client(b.reader) as reader_b:
        assert [f["resource_id"] for f in open_findings(reader_b)] == ["arn:secret-of-b"]


def test_oversized_bodies_get_413_compressed_or_not(registry: Registry) -> None:
    tenant = registry.tenant()
    with registry.client(tenant.agent) as agent:
        scan_uid = open_scan(agent)
        path = v1.FINDINGS_PATH.format(scan_uid=scan_uid)
        huge = b" " * (v1.MAX_BODY_BYTES + 1)
        assert agent.post(path, content=huge, headers=_JSON).status_code == 413
        bomb = gzip.compress(huge)  # small on the wire, over the limit once inflated
        assert len(bomb) < v1.MAX_BODY_BYTES
        headers = {**_JSON, "Content-Encoding": "gzip"}
        assert agent.post(path, content=bomb, headers=headers).status_code == 413
        assert agent.post(path, content=b"not gzip", headers=headers).status_code == 400


def test_schema_errors_are_422_naming_the_field(registry: Registry) -> None:
    tenant = registry.tenant()
    with registry.client(tenant.agent) as agent:
        scan_uid = open_scan(agent)
        broken = event("arn:x")
        del broken["finding_info"]["uid"]
        body = {"batch_uid": str(uuid.uuid4()), "events": [event("arn:y"), broken]}
        answer = agent.post(v1.FINDINGS_PATH.format(scan_uid=scan_uid), json=body)
        assert answer.status_code == 422
        locs = [e["loc"] for e in answer.json()["detail"]]
        assert ["body", "events", 1, "finding_info", "uid"] in locs
        extra = agent.post(v1.SCANS_PATH, json={"scan_uid": "nope", "surprise": 1})
        assert extra.status_code == 422
        fields = {e["loc"][-1] for e in extra.json()["detail"]}
        assert {"scan_uid", "surprise", "agent_version"} <= fields


def test_sql_injection_shaped_filters_match_nothing_and_break_nothing(registry: Registry) -> None:
    tenant = registry.tenant()
    with registry.client(tenant.agent) as agent:
        deliver(agent, [event("arn:one"), event("arn:two")], [complete("111111111111")])
    hostile = ["' OR '1'='1", "1; DROP TABLE findings; --", '" OR ""="', "%", "_", "\\"]
    with registry.client(tenant.reader) as reader:
        for value in hostile:
            for name in ("account", "rule", "region", "provider", "severity", "text"):
                answer = reader.get(
                    "/api/v1/findings", params={"institution": tenant.name, name: value}
                )
                assert answer.status_code == 200, (name, value)
                assert answer.json()["items"] == [], (name, value)
        assert reader.get("/api/v1/institutions/' OR 1=1 --/summary").status_code == 404
        assert len(open_findings(reader, institution=tenant.name)) == 2
        assert len(open_findings(reader, institution=tenant.name, text="ARN:ON")) == 1


def test_health_and_openapi(registry: Registry) -> None:
    assert httpx.get(f"{registry.url}/healthz").json() == {"status": "ok"}
    assert httpx.get(f"{registry.url}/readyz").json() == {"status": "ready"}
    spec = httpx.get(f"{registry.url}/openapi.json").json()
    for path in (v1.SCANS_PATH, v1.FINDINGS_PATH, v1.COMPLETE_PATH, "/api/v1/findings"):
        assert path in spec["paths"]


def test_a_reader_is_refused_before_the_idempotency_key_is_checked(registry: Registry) -> None:
    # Found by schemathesis: a mismatched key used to answer 422 to any token, not 403.
    tenant = registry.tenant()
    with registry.client(tenant.agent) as agent, registry.client(tenant.reader) as reader:
        scan_uid = open_scan(agent)
        path = v1.FINDINGS_PATH.format(scan_uid=scan_uid)
        body = v1.encode(v1.FindingBatch(batch_uid=uuid.uuid4(), events=[event("arn:x")]))
        mismatched = {v1.IDEMPOTENCY_HEADER: str(uuid.uuid4()), **_JSON}
        assert reader.post(path, content=body, headers=mismatched).status_code == 403
        answer = agent.post(path, content=body, headers=mismatched)
        assert answer.status_code == 422
        assert "differs from batch_uid" in answer.json()["detail"]


def test_the_spec_documents_message_422s(registry: Registry) -> None:
    # Found by schemathesis: routes raising 422 with a message documented only FastAPI's list.
    spec = httpx.get(f"{registry.url}/openapi.json").json()
    for path, method in [
        (v1.FINDINGS_PATH, "post"),
        (v1.EXPLANATIONS_PATH, "put"),
        ("/api/v1/admin/tokens", "post"),
        ("/api/v1/findings", "get"),
    ]:
        ref = spec["paths"][path][method]["responses"]["422"]["content"]["application/json"]
        detail = spec["components"]["schemas"][ref["schema"]["$ref"].split("/")[-1]]
        assert {"type": "string"} in detail["properties"]["detail"]["anyOf"], (path, detail)
