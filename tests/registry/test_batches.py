"""A finding batch through both of the registry's paths (a fast decoder reads the
agent's bodies; pydantic explains or re-encodes anything else): unusual but valid
spellings are stored like the canonical ones, invalid events get the 422 pydantic gives,
values the columns cannot hold get a 422 naming the field, and a uid twice in a batch
keeps its last event."""

from __future__ import annotations

import copy
import gzip
import hashlib
import json
import sqlite3
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from cloudcensus.wire import v1
from tests.registry.scans import complete, event, finish, open_findings, open_scan
from tests.registry.server import Registry, serve

ACCOUNT = "111111111111"
_JSON = {"Content-Type": "application/json"}


def post(
    agent: httpx.Client,
    scan_uid: uuid.UUID,
    body: bytes,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    path = v1.FINDINGS_PATH.format(scan_uid=scan_uid)
    return agent.post(path, content=body, headers={**_JSON, **(headers or {})})


def pydantic_locs(body: dict[str, Any]) -> list[list[Any]]:
    """Where pydantic (the wire model) finds errors in `body`, as the API reports them."""
    with pytest.raises(ValidationError) as caught:
        v1.FindingBatch.model_validate(body)
    return [["body", *error["loc"]] for error in caught.value.errors()]


def listed(reader: httpx.Client, tenant: str) -> dict[str, dict[str, Any]]:
    keys = ("rule", "severity", "status", "provider", "account", "region", "resource_id",
            "resource_type", "title", "message", "explanation_id", "first_seen")  # fmt: skip
    return {f["uid"]: {k: f[k] for k in keys} for f in open_findings(reader, institution=tenant)}


def test_unusual_spellings_are_stored_like_the_agents_own(registry: Registry) -> None:
    plain, unusual = registry.tenant(), registry.tenant()
    events = [event(f"arn:aws:s3:::spelled-{n}") for n in range(4)]
    odd = copy.deepcopy(events)
    odd[0]["time"] = str(odd[0]["time"])  # a numeric string: pydantic coerces it
    odd[1]["severity_id"] = 4.0
    odd[2]["resources"][0]["region"] = ""  # empty: the cloud's region applies
    del odd[3]["message"]
    events[3] = {k: v for k, v in events[3].items() if k != "message"}
    events[2]["resources"][0]["region"] = ""
    body = {"events": odd, "batch_uid": str(uuid.uuid4())}  # another key order
    pretty = json.dumps(body, indent=2).encode()
    with registry.client(plain.agent) as agent:
        scan = open_scan(agent)
        batch = {"batch_uid": str(uuid.uuid4()), "events": events}
        assert post(agent, scan, json.dumps(batch).encode()).json()["accepted"] == 4
        finish(agent, scan, 4, [complete(ACCOUNT)]).raise_for_status()
    with registry.client(unusual.agent) as agent:
        scan = open_scan(agent)
        answer = post(agent, scan, gzip.compress(pretty), {"Content-Encoding": "gzip"})
        assert answer.status_code == 200, answer.text
        assert answer.json()["accepted"] == 4
        assert post(agent, scan, pretty).headers[v1.REPLAYED_HEADER] == "true"
        finish(agent, scan, 4, [complete(ACCOUNT)]).raise_for_status()
    with registry.client(plain.reader) as one, registry.client(unusual.reader) as other:
        expected, stored = listed(one, plain.name), listed(other, unusual.name)
        detail = other.get(
            f"/api/v1/findings/{odd[1]['finding_info']['uid']}",
            params={"institution": unusual.name},
        ).json()
    assert stored == expected
    assert len(stored) == 4
    assert {f["region"] for f in stored.values()} == {"eu-west-1"}
    assert detail["event"]["severity_id"] == 4  # re-encoded as the wire model reads it


@pytest.mark.parametrize(
    "mutation",
    [
        "missing uid",
        "class 2004",
        "unknown status",
        "no resources",
        "empty resource uid",
        "bad second resource",
        "ocsf 1.4",
        "no account",
        "event is a number",
        "title is a number",
    ],
)
def test_invalid_events_get_the_wire_models_422(registry: Registry, mutation: str) -> None:
    good = event("arn:aws:s3:::broken")
    bad = copy.deepcopy(good)
    match mutation:
        case "missing uid":
            del bad["finding_info"]["uid"]
        case "class 2004":
            bad["class_uid"] = 2004
        case "unknown status":
            bad["unmapped"]["cloudcensus"]["status"] = "bogus"
        case "no resources":
            bad["resources"] = []
        case "empty resource uid":
            bad["resources"][0]["uid"] = ""
        case "bad second resource":
            bad["resources"].append({"type": "storage.bucket"})
        case "ocsf 1.4":
            bad["metadata"]["version"] = "1.4.0"
        case "no account":
            del bad["cloud"]["account"]
        case "event is a number":
            bad = 7  # type: ignore[assignment]
        case "title is a number":
            bad["finding_info"]["title"] = 12
    body = {"batch_uid": str(uuid.uuid4()), "events": [good, bad]}
    tenant = registry.tenant()
    with registry.client(tenant.agent) as agent, registry.client(tenant.reader) as reader:
        scan = open_scan(agent)
        answer = post(agent, scan, json.dumps(body, separators=(",", ":")).encode())
        assert answer.status_code == 422, answer.text
        assert [e["loc"] for e in answer.json()["detail"]] == pydantic_locs(body)
        assert open_findings(reader, institution=tenant.name) == []  # the good one neither


@pytest.mark.parametrize(
    ("where", "value", "loc"),
    [
        (("cloud", "provider"), "p" * 33, ["cloud", "provider"]),
        (("compliance", "control"), "R" * 65, ["compliance", "control"]),
        (("time",), -1, ["time"]),
        (("time",), 10**16, ["time"]),
        (("finding_info", "uid"), "nul\x00uid", ["finding_info", "uid"]),
    ],
)
def test_values_the_columns_cannot_hold_get_a_422_naming_the_field(
    registry: Registry, where: tuple[str, ...], value: object, loc: list[str]
) -> None:
    bad = event("arn:aws:s3:::too-big")
    target = bad
    for key in where[:-1]:
        target = target[key]
    target[where[-1]] = value
    body = {"batch_uid": str(uuid.uuid4()), "events": [event("arn:aws:s3:::fine"), bad]}
    tenant = registry.tenant()
    with registry.client(tenant.agent) as agent:
        scan = open_scan(agent)
        answer = post(agent, scan, json.dumps(body).encode())
    assert answer.status_code == 422, answer.text
    assert [e["loc"] for e in answer.json()["detail"]] == [["body", "events", 1, *loc]]


def test_malformed_bodies_get_fastapis_422(registry: Registry) -> None:
    tenant = registry.tenant()
    with registry.client(tenant.agent) as agent:
        scan = open_scan(agent)
        uid = uuid.uuid4()
        truncated = f'{{"batch_uid":"{uid}","events":[{json.dumps(event("arn:x"))}'.encode()
        answer = post(agent, scan, truncated + b"]")
        assert answer.status_code == 422
        assert answer.json()["detail"][0]["type"] == "json_invalid"
        text = post(agent, scan, b"events", {"Content-Type": "text/plain"})
        assert text.status_code == 422
        assert text.json()["detail"][0]["loc"] == ["body"]
        assert post(agent, scan, b"").json()["detail"][0]["type"] == "missing"
        empty = post(agent, scan, json.dumps({"batch_uid": str(uid), "events": []}).encode())
        assert [e["loc"] for e in empty.json()["detail"]] == [["body", "events"]]


def test_a_uid_twice_in_a_batch_keeps_its_last_event_and_counts_once(
    registry: Registry,
) -> None:
    tenant = registry.tenant()
    first = event("arn:aws:s3:::twice", status="fail")
    last = event("arn:aws:s3:::twice", status="pass", message="now encrypted")
    with registry.client(tenant.agent) as agent, registry.client(tenant.reader) as reader:
        scan = open_scan(agent)
        body = {"batch_uid": str(uuid.uuid4()), "events": [first, event("arn:other"), last]}
        assert post(agent, scan, json.dumps(body).encode()).json()["accepted"] == 3
        assert finish(agent, scan, 3, [complete(ACCOUNT)]).status_code == 409  # 2 distinct
        finish(agent, scan, 2, [complete(ACCOUNT)]).raise_for_status()
        found = {f["resource_id"]: f for f in open_findings(reader, institution=tenant.name)}
        summary = reader.get(f"/api/v1/institutions/{tenant.name}/summary").json()
    assert (found["arn:aws:s3:::twice"]["status"], found["arn:aws:s3:::twice"]["message"]) == (
        "pass",
        "now encrypted",
    )
    assert (summary["total"], summary["comply"], summary["violating"]) == (2, 1, 1)


def test_a_batch_stored_by_the_first_schema_is_still_recognised_as_a_replay(
    tmp_path: Path,
) -> None:
    """Schema 0001 registries hashed the batch as they re-encoded it; such a stored
    digest must still make the agent's resend a replay, not a conflict."""
    database = tmp_path / "registry.db"
    events = [event("arn:aws:s3:::legacy")]
    batch = v1.FindingBatch.model_validate({"batch_uid": uuid.uuid4(), "events": events})
    body = json.dumps({"batch_uid": str(batch.batch_uid), "events": events}).encode()
    with serve(f"sqlite:///{database}", tmp_path / "server.log") as registry:
        tenant = registry.tenant()
        with registry.client(tenant.agent) as agent:
            scan = open_scan(agent)
            assert post(agent, scan, body).status_code == 200
            legacy = hashlib.sha256(v1.encode(batch)).hexdigest()
            with sqlite3.connect(database) as connection:
                connection.execute("UPDATE batches SET events_sha256 = ?", (legacy,))
            again = post(agent, scan, body)
            assert again.status_code == 200
            assert again.headers[v1.REPLAYED_HEADER] == "true"
            other = {"batch_uid": str(batch.batch_uid), "events": [event("arn:other")]}
            assert post(agent, scan, json.dumps(other).encode()).status_code == 409
