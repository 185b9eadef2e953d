"""Sharded runs against a real registry process (SQLite and PostgreSQL): the shards of
one run are merged, never superseded by a sibling; a completion resolves only its own
shard's accounts; a retried shard replaces the earlier attempt; the read side and the
pages show a run as one scan, with its missing shards."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from functools import cache
from typing import Any

import httpx

from cloudcensus.scanner.coverage import CoverageEntry
from cloudcensus.wire import v1
from cloudcensus.wire.v1 import shard_index
from tests.registry.browser.web_client import web_client
from tests.registry.scans import (
    NOW,
    complete,
    deliver,
    event,
    explanation,
    failed,
    finish,
    open_findings,
    send_batch,
)
from tests.registry.server import Registry

_JSON = {"Content-Type": "application/json"}
MINUTE = timedelta(minutes=1)
DAY = timedelta(days=1)


@cache
def account_of(index: int, count: int) -> str:
    """A 12-digit AWS account id that belongs to shard `index` of `count`."""
    for n in range(10_000):
        account = f"{100_000_000_000 + n}"
        if shard_index("aws", account, count) == index:
            return account
    raise AssertionError("no account found")  # pragma: no cover - the hash is uniform


def open_shard(
    agent: httpx.Client,
    index: int,
    count: int,
    run: str,
    *,
    started: datetime,
    scan_uid: uuid.UUID | None = None,
) -> uuid.UUID:
    scan_uid = scan_uid or uuid.uuid4()
    body = v1.ScanOpen(
        scan_uid=scan_uid,
        agent_version="0.1.0",
        started=started,
        providers=["aws"],
        shard=v1.ScanShard(index=index, count=count, run=run),
    )
    agent.post(v1.SCANS_PATH, content=v1.encode(body), headers=_JSON).raise_for_status()
    return scan_uid


def shard_scan(
    agent: httpx.Client,
    index: int,
    count: int,
    run: str,
    resources: list[str],
    *,
    started: datetime,
    coverage: list[CoverageEntry] | None = None,
) -> dict[str, Any]:
    """One shard's whole scan: failing findings for `resources` in its own account."""
    account = account_of(index, count)
    scan_uid = open_shard(agent, index, count, run, started=started)
    events = [event(r, account=account) for r in resources]
    if events:
        send_batch(agent, scan_uid, events).raise_for_status()
    answer = finish(agent, scan_uid, len(events), coverage or [complete(account)])
    answer.raise_for_status()
    result: dict[str, Any] = answer.json()
    return result


def open_ids(reader: httpx.Client, institution: str) -> list[str]:
    return sorted(f["resource_id"] for f in open_findings(reader, institution=institution))


def trend(reader: httpx.Client, institution: str, **params: Any) -> list[dict[str, Any]]:
    answer = reader.get(f"/api/v1/institutions/{institution}/trend", params=params)
    assert answer.status_code == 200, answer.text
    points: list[dict[str, Any]] = answer.json()["scans"]
    return points


def test_a_shard_completing_first_supersedes_no_sibling_and_loses_nothing(
    registry: Registry,
) -> None:
    tenant = registry.tenant()
    with registry.client(tenant.agent) as agent, registry.client(tenant.reader) as reader:
        shard_scan(agent, 0, 2, "night-1", ["arn:0:kept", "arn:0:gone"], started=NOW)
        shard_scan(agent, 1, 2, "night-1", ["arn:1:kept"], started=NOW + MINUTE)
        # The next night shard 0 starts first but is delivered last: shard 1 completes
        # before shard 0 sends a single batch.
        late = open_shard(agent, 0, 2, "night-2", started=NOW + DAY)
        one = shard_scan(agent, 1, 2, "night-2", ["arn:1:kept", "arn:1:new"],
                         started=NOW + DAY + MINUTE)  # fmt: skip
        events = [event(r, account=account_of(0, 2)) for r in ("arn:0:kept", "arn:0:new")]
        assert send_batch(agent, late, events).json()["accepted"] == 2
        zero = finish(agent, late, 2, [complete(account_of(0, 2))]).json()
        assert open_ids(reader, tenant.name) == ["arn:0:kept", "arn:0:new", "arn:1:kept",
                                                  "arn:1:new"]  # fmt: skip
        # Each completion resolved in its own shard only: shard 0's own gone finding.
        assert (one["resolved"], one["covered_accounts"]) == (0, [f"aws:{account_of(1, 2)}"])
        assert (zero["resolved"], zero["covered_accounts"]) == (1, [f"aws:{account_of(0, 2)}"])
        (gone,) = open_findings(reader, institution=tenant.name, status="resolved")
        assert gone["resource_id"] == "arn:0:gone"


def test_a_completion_never_resolves_another_shards_findings(registry: Registry) -> None:
    tenant = registry.tenant()
    mine, theirs = account_of(0, 2), account_of(1, 2)
    with registry.client(tenant.agent) as agent, registry.client(tenant.reader) as reader:
        whole = [event("arn:mine", account=mine), event("arn:theirs", account=theirs)]
        deliver(agent, whole, [complete(mine), complete(theirs)])
        # Shard 0 reports nothing and (wrongly) claims it read its sibling's account too.
        answer = shard_scan(agent, 0, 2, "night-2", [], started=NOW + DAY,
                            coverage=[complete(mine), complete(theirs)])  # fmt: skip
        assert answer["covered_accounts"] == [f"aws:{mine}"]
        assert answer["resolved"] == 1
        assert open_ids(reader, tenant.name) == ["arn:theirs"]


def test_a_retried_shard_replaces_the_earlier_attempt(registry: Registry) -> None:
    tenant = registry.tenant()
    account = account_of(0, 2)
    with registry.client(tenant.agent) as agent, registry.client(tenant.reader) as reader:
        first = open_shard(agent, 0, 2, "night-1", started=NOW)
        events = [event(r, account=account) for r in ("arn:a", "arn:b")]
        send_batch(agent, first, events).raise_for_status()
        # The pod is retried: a new scan of the same slot and run, started later.
        retry = shard_scan(agent, 0, 2, "night-1", ["arn:a"], started=NOW + 10 * MINUTE)
        assert retry["resolved"] == 1  # arn:b, reported only by the earlier attempt
        sibling = shard_scan(agent, 1, 2, "night-1", ["arn:one"], started=NOW + MINUTE)
        # The first attempt's outbox is delivered after all: it changes nothing.
        late = [event("arn:c", account=account)]
        send_batch(agent, first, late).raise_for_status()
        stale = finish(agent, first, 3, [complete(account)]).json()
        assert stale["resolved"] == 0
        assert open_ids(reader, tenant.name) == ["arn:a", "arn:one"]
        (point,) = trend(reader, tenant.name)
        assert point["run"] == "night-1"
        assert point["shards"] == {"count": 2, "completed": 2, "missing": []}
        assert sorted(point["scan_uids"]) == sorted([retry["scan_uid"], sibling["scan_uid"]])
        assert (point["total"], point["fail"], point["resolved"]) == (2, 2, 1)
        assert point["scan_status"] == "complete"


def test_trend_history_and_coverage_show_a_run_with_a_missing_shard(
    registry: Registry,
) -> None:
    tenant = registry.tenant()
    with registry.client(tenant.agent) as agent, registry.client(tenant.reader) as reader:
        before = deliver(agent, [event("arn:lone", account=account_of(0, 3))],
                         [complete(account_of(0, 3))])  # fmt: skip
        zero = shard_scan(agent, 0, 3, "job-7", ["arn:lone", "arn:z"], started=NOW + DAY)
        two_account = account_of(2, 3)
        two = shard_scan(
            agent,
            2,
            3,
            "job-7",
            ["arn:two"],
            started=NOW + DAY + MINUTE,
            coverage=[complete(two_account), failed(two_account, "eu-central-1")],
        )
        open_shard(agent, 1, 3, "job-7", started=NOW + DAY + 2 * MINUTE)  # never completes
        points = trend(reader, tenant.name)
        assert [p["run"] for p in points] == [None, "job-7"]
        assert points[0]["shards"] is None
        assert points[0]["scan_uids"] == [before["scan_uid"]]
        last = points[1]
        assert last["shards"] == {"count": 3, "completed": 2, "missing": [1]}
        assert last["scan_uids"] == [zero["scan_uid"], two["scan_uid"]]
        assert last["scan_uid"] == two["scan_uid"]  # the latest-started completed shard
        assert last["scan_status"] == "partial"
        assert (last["total"], last["fail"]) == (3, 3)
        assert last["started"].startswith("2026-05-05T02:00:00")

        gaps = reader.get(f"/api/v1/institutions/{tenant.name}/coverage-gaps").json()
        assert gaps["run"] == "job-7"
        assert gaps["missing_shards"] == [1]
        assert gaps["scan_uids"] == [zero["scan_uid"], two["scan_uid"]]
        assert [(g["account"], g["region"]) for g in gaps["gaps"]] == [
            (two_account, "eu-central-1")
        ]

        (lone,) = open_findings(reader, institution=tenant.name, text="arn:lone")
        found = reader.get(f"/api/v1/findings/{lone['uid']}",
                           params={"institution": tenant.name}).json()  # fmt: skip
        history = [(h["run"], h["status"], h["scan_status"]) for h in found["history"]]
        assert history == [("job-7", "fail", "open"), (None, "fail", "complete")]


def test_a_later_complete_run_supersedes_an_earlier_run_whatever_its_shard_count(
    registry: Registry,
) -> None:
    """Night 1 had 2 shards, night 2 has 3: once all 3 completed, a late shard of night 1
    changes nothing; while one of night 2's shards is missing, it still counts."""
    for all_three, expected in ((True, ["arn:new"]), (False, ["arn:late", "arn:new"])):
        tenant = registry.tenant()
        with registry.client(tenant.agent) as agent, registry.client(tenant.reader) as reader:
            late = open_shard(agent, 0, 2, "night-1", started=NOW)
            shard_scan(agent, 0, 3, "night-2", ["arn:new"], started=NOW + DAY)
            for index in (1, 2) if all_three else (1,):
                shard_scan(agent, index, 3, "night-2", [], started=NOW + DAY)
            batch = [event("arn:late", account=account_of(0, 2))]
            send_batch(agent, late, batch).raise_for_status()
            answer = finish(agent, late, 1, [complete(account_of(0, 2))]).json()
            assert answer["covered_accounts"] == ([] if all_three else
                                                  [f"aws:{account_of(0, 2)}"])  # fmt: skip
            assert open_ids(reader, tenant.name) == expected


def test_an_unsharded_scan_after_a_run_supersedes_it_and_is_a_scan_of_its_own(
    registry: Registry,
) -> None:
    tenant = registry.tenant()
    mine = account_of(0, 2)
    with registry.client(tenant.agent) as agent, registry.client(tenant.reader) as reader:
        late = open_shard(agent, 0, 2, "night-1", started=NOW)
        deliver(agent, [event("arn:whole", account=mine)], [complete(mine)],
                started=NOW + MINUTE)  # fmt: skip
        send_batch(agent, late, [event("arn:late", account=mine)]).raise_for_status()
        assert finish(agent, late, 1, [complete(mine)]).json()["resolved"] == 0
        assert open_ids(reader, tenant.name) == ["arn:whole"]
        points = trend(reader, tenant.name)
        assert [(p["run"], p["shards"]) for p in points] == [
            ("night-1", {"count": 2, "completed": 1, "missing": [1]}),
            (None, None),
        ]


def test_reopening_a_scan_with_another_shard_is_a_conflict(registry: Registry) -> None:
    tenant = registry.tenant()
    with registry.client(tenant.agent) as agent:
        scan_uid = open_shard(agent, 0, 2, "night-1", started=NOW)

        def reopen(shard: dict[str, Any] | None) -> httpx.Response:
            body: dict[str, Any] = {"scan_uid": str(scan_uid), "agent_version": "0.1.0",
                                    "started": NOW.isoformat(), "providers": ["aws"]}  # fmt: skip
            if shard is not None:
                body["shard"] = shard
            return agent.post(v1.SCANS_PATH, json=body)

        same = reopen({"index": 0, "count": 2, "run": "night-1"})
        assert same.status_code == 200
        assert same.headers[v1.REPLAYED_HEADER] == "true"
        for other in ({"index": 1, "count": 2, "run": "night-1"},
                      {"index": 0, "count": 3, "run": "night-1"},
                      {"index": 0, "count": 2, "run": "night-2"}, None):  # fmt: skip
            answer = reopen(other)
            assert answer.status_code == 409, (other, answer.text)
            assert "another shard" in answer.json()["detail"]
        unsharded = deliver(agent, [], [complete(account_of(0, 2))])
        replay = agent.post(v1.SCANS_PATH, json={
            "scan_uid": unsharded["scan_uid"], "agent_version": "0.1.0",
            "started": NOW.isoformat(), "providers": ["aws"],
            "shard": {"index": 0, "count": 1, "run": "r"}})  # fmt: skip
        assert replay.status_code == 409


def test_a_bad_shard_is_a_422_naming_the_field(registry: Registry) -> None:
    tenant = registry.tenant()
    base = {"agent_version": "0.1.0", "started": NOW.isoformat(), "providers": ["aws"]}
    cases = [
        ({"index": 2, "count": 2, "run": "r"}, ["body", "shard"], "index 2 must be below"),
        ({"index": -1, "count": 2, "run": "r"}, ["body", "shard", "index"], "greater than"),
        ({"index": 0, "count": 0, "run": "r"}, ["body", "shard", "count"], "greater than"),
        ({"index": 0, "count": 2, "run": ""}, ["body", "shard", "run"], "at least 1"),
        ({"index": 0, "count": 2, "run": "r" * 129}, ["body", "shard", "run"], "at most 128"),
        ({"index": 0, "count": 2}, ["body", "shard", "run"], "Field required"),
        ({"index": 0, "count": 2, "run": "r", "x": 1}, ["body", "shard", "x"], "Extra"),
    ]
    with registry.client(tenant.agent) as agent:
        for shard, loc, says in cases:
            body = {**base, "scan_uid": str(uuid.uuid4()), "shard": shard}
            answer = agent.post(v1.SCANS_PATH, json=body)
            assert answer.status_code == 422, (shard, answer.text)
            (error,) = answer.json()["detail"]
            assert (error["loc"], says in error["msg"]) == (loc, True), error


def test_explanations_in_force_are_merged_over_the_shards_of_the_latest_run(
    registry: Registry,
) -> None:
    """Each shard judges `stale` on its own accounts: an explanation is stale only when
    every shard of the run found it so."""
    tenant = registry.tenant()
    with registry.client(tenant.agent) as agent, registry.client(tenant.reader) as reader:
        uploads = {0: {"EXP-1": "valid", "EXP-2": "stale"},
                   1: {"EXP-1": "stale", "EXP-2": "stale", "EXP-3": "expiring"}}  # fmt: skip
        for index, states in uploads.items():
            scan_uid = open_shard(agent, index, 2, "night-1", started=NOW + index * MINUTE)
            records = [{**explanation(ident, NOW.date() + 400 * DAY), "state": state}
                       for ident, state in states.items()]  # fmt: skip
            path = v1.EXPLANATIONS_PATH.format(scan_uid=scan_uid)
            agent.put(path, json={"explanations": records}).raise_for_status()
            finish(agent, scan_uid, 0, [complete(account_of(index, 2))]).raise_for_status()
        items = reader.get(f"/api/v1/institutions/{tenant.name}/explanations").json()["items"]
        assert sorted((e["id"], e["state"]) for e in items) == [
            ("EXP-1", "valid"), ("EXP-2", "stale"), ("EXP-3", "expiring")
        ]  # fmt: skip


def test_the_pages_show_the_run_and_its_missing_shard(registry: Registry) -> None:
    tenant = registry.tenant()
    with registry.client(tenant.agent) as agent:
        deliver(agent, [event("arn:x", account=account_of(0, 2))], [complete(account_of(0, 2))])
        shard_scan(agent, 0, 2, "job-9", ["arn:x", "arn:y"], started=NOW + DAY)
    with web_client(registry, tenant.reader) as client:
        overview = client.get("/")
        institution = client.get(f"/institutions/{tenant.name}")
        changes = client.get(f"/institutions/{tenant.name}/changes")
    assert [p.status_code for p in (overview, institution, changes)] == [200, 200, 200]
    row = overview.text.split(f'data-institution="{tenant.name}"')[1].split("</tr>")[0]
    assert '<small data-kind="shards">1/2 shards</small>' in row
    assert '<td class="num" data-kind="gaps"><a class="warn"' in row  # the missing shard
    assert "Run job-9: 1 of 2 shards, missing shard 1." in institution.text
    assert 'id="missing-shards">Shard 1 of 2 of run job-9 did not complete' in institution.text
    assert "Run job-9: 1 of 2 shards (missing shard 1" in changes.text
    assert "<b>1</b> new" in changes.text
